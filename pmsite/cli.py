"""The command line: argparse subcommands; every PmsiteError becomes one clear message.

Exit codes: 0 success, 1 content or output problems, 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from pmsite import AUDIENCES, __version__
from pmsite.build import build, load_site
from pmsite.collector import builds_once
from pmsite.errors import ContentError, PmsiteError, UsageError
from pmsite.options import BuildOptions

Parser = argparse.ArgumentParser


def _site_option(parser: Parser) -> None:
    parser.add_argument(
        "--site",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the site folder, holding content/ (default: the current folder)",
    )


def _audience_option(parser: Parser) -> None:
    parser.add_argument(
        "--audience",
        choices=AUDIENCES,
        default="public",
        help="internal: include items marked 'audience: internal' (default: public)",
    )


def _drafts_option(parser: Parser) -> None:
    parser.add_argument("--drafts", action="store_true", help="include items marked draft: true")


def make_parser() -> Parser:
    parser = Parser(
        prog="pmsite",
        description="Build a product site (roadmap, release notes, reflections, KPIs)"
        " from YAML/Markdown files.",
    )
    parser.add_argument("--version", action="version", version=f"pmsite {__version__}")
    parser.add_argument("--debug", action="store_true", help="show stage timings and tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _build_parser(commands)
    _serve_parser(commands)
    _check_parser(commands)
    _changes_parser(commands)
    _init_parser(commands)
    _new_parser(commands)
    _changelog_parsers(commands)
    return parser


def _build_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser("build", help="build the site into output/")
    _site_option(sub)
    sub.add_argument("--output", type=Path, metavar="DIR", help="default: SITE/output")
    sub.add_argument(
        "--base-url", metavar="URL", help="override base_url from site.yaml (absolute, ends with /)"
    )
    _drafts_option(sub)
    _audience_option(sub)
    sub.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not update the build cache in SITE/.pmsite-cache/",
    )
    sub.set_defaults(handler=_cmd_build)


def _serve_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading the browser on every save",
        description="Build the site, serve it from memory and rebuild on every change"
        " to content/ or templates/. output/ is not touched.",
    )
    _site_option(sub)
    sub.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    sub.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on (default: 8000; the next free one if taken; 0: any)",
    )
    _drafts_option(sub)
    _audience_option(sub)
    sub.add_argument("--open", action="store_true", help="open the site in a browser")
    sub.set_defaults(handler=_cmd_serve)


def _check_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser(
        "check",
        help="validate the content and every internal link, without writing output/",
    )
    _site_option(sub)
    sub.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings as errors (notices, about dates, never fail)",
    )
    default = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    sub.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default=default,
        help="text, github (workflow annotations; the default on GitHub Actions) or json",
    )
    sub.add_argument(
        "--base",
        metavar="REV",
        help="also note every goal whose target slipped, or that left Now, since this git"
        " revision (e.g. origin/main on a pull request)",
    )
    _audience_option(sub)
    sub.set_defaults(handler=_cmd_check)


def _changes_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser(
        "changes",
        help="what changed on the roadmap, from git: a stakeholder update or JSON",
        description="The roadmap's changes (goals, releases, KPI check-ins) from the git"
        " history of content/, newest first.",
    )
    _site_option(sub)
    sub.add_argument(
        "--since", metavar="DATE|REV", help="from this date (YYYY-MM-DD) or after this revision"
    )
    sub.add_argument(
        "--until", metavar="DATE|REV", help="up to this date (YYYY-MM-DD) or this revision"
    )
    sub.add_argument(
        "--format",
        choices=("text", "markdown", "json"),
        default="text",
        help="text or markdown (an update by section, ready to paste) or json (change objects)",
    )
    _drafts_option(sub)
    _audience_option(sub)
    sub.set_defaults(handler=_cmd_changes)


def _init_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser("init", help="start a new site in an empty folder")
    _site_option(sub)
    sub.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="default: --site")
    sub.set_defaults(handler=_cmd_init)


def _new_parser(commands: argparse._SubParsersAction) -> None:
    sub = commands.add_parser("new", help="write a new goal, release, reflection or metric")
    _site_option(sub)
    sub.add_argument(
        "kind",
        choices=_ScaffoldedKinds(),
        metavar="KIND",
        help="goal, release, reflection or metric",
    )
    sub.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help='a title in quotes ("Better search") or a slug (better-search); for a release,'
        " a version (default: the next patch after the newest released one); for a"
        " reflection, optional (default: today's date)",
    )
    sub.set_defaults(handler=_cmd_new)


class _ScaffoldedKinds:
    """The kinds ``pmsite new`` writes, from the registry, which is loaded only when
    they are asked for (the registry loads the model: a no-op build does without)."""

    def __contains__(self, name: object) -> bool:
        from pmsite.model.kinds import SCAFFOLDED

        return name in SCAFFOLDED

    def __iter__(self) -> Iterator[str]:
        from pmsite.model.kinds import SCAFFOLDED

        return iter(SCAFFOLDED)


def _changelog_parsers(commands: argparse._SubParsersAction) -> None:
    importer = commands.add_parser("import", help="import a CHANGELOG.md as release files")
    importer.add_argument("what", choices=("changelog",))
    importer.add_argument("file", type=Path, metavar="CHANGELOG.md")
    _site_option(importer)
    importer.add_argument("--into", type=Path, metavar="DIR", help="default: SITE/content/releases")
    importer.add_argument("--force", action="store_true", help="replace existing release files")
    importer.add_argument(
        "--package",
        metavar="NAME",
        help="import the releases of one package of a monorepo (headings such as '## NAME 1.2.0')",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="report what would be written, write nothing"
    )
    importer.set_defaults(handler=_cmd_import)
    exporter = commands.add_parser("export", help="write the releases as a CHANGELOG.md")
    exporter.add_argument("what", choices=("changelog",))
    _site_option(exporter)
    exporter.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="default: standard output"
    )
    exporter.add_argument(
        "--force", action="store_true", help="replace the output file if it exists"
    )
    exporter.add_argument(
        "--release",
        metavar="VERSION",
        help="only this release's section (e.g. the notes of a GitHub release)",
    )
    exporter.set_defaults(handler=_cmd_export)


def _print_warnings(warnings: Sequence[ContentError]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _cmd_build(args: argparse.Namespace) -> int:
    if args.base_url is not None:
        from pmsite.load.config import (
            base_url_problem,  # loads the model, which a no-op build skips
        )

        if problem := base_url_problem(args.base_url):
            raise UsageError(f"--base-url: {problem}")
    options = BuildOptions.of(args.base_url, args.drafts, args.audience)
    builds_once()
    result = build(args.site, args.output, options, use_cache=not args.no_cache)
    _print_warnings(result.warnings)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    shown = _shown_path(result.output_dir)
    if result.up_to_date:
        print(f"Nothing changed: {shown} is up to date ({result.pages} pages)")
        return 0
    made = f"Built {result.pages} pages ({result.files} files) into {shown}"
    if result.kept > 0:  # pages and feeds; the sitemap and assets are always written
        made += f" ({result.rendered} made again, {result.kept} kept from the last build)"
    print(f"{made} in {result.seconds:.2f} s")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from pmsite.serve import PreviewServer

    _require_content(args.site)
    server = PreviewServer(
        args.site, host=args.host, port=args.port, drafts=args.drafts, audience=args.audience
    )
    # Both stop the server. SIGINT is set explicitly: a process started in the
    # background by a script inherits SIGINT ignored, and Python then leaves it so.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        server.start()
        print(f"Serving {_shown_path(args.site)} at {server.url} (Ctrl-C to stop)", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(server.url)
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    finally:
        server.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _cmd_check(args: argparse.Namespace) -> int:
    from pmsite.check import format_findings, run_check
    from pmsite.load.git import GitReader

    _require_content(args.site)
    builds_once()
    findings = run_check(args.site, strict=args.strict, audience=args.audience, base=args.base)
    prefix = ""
    if args.format == "github":
        # Annotations name files from the repository's top, which may hold the site deeper.
        git = GitReader(args.site).read()
        prefix = git.repo_path(args.site, args.site) + "/" if git.root else ""
        prefix = "" if prefix == "./" else prefix
    sys.stdout.write(format_findings(findings, args.format, prefix))
    return 1 if any(finding.severity == "error" for finding in findings) else 0


def _cmd_changes(args: argparse.Namespace) -> int:
    from pmsite.history.report import changes_report

    _require_content(args.site)
    report = changes_report(
        args.site, args.since, args.until, args.format, args.drafts, args.audience
    )
    for note in report.notes:
        print(note, file=sys.stderr)
    sys.stdout.write(report.output)
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from pmsite.scaffold import init_site

    target = args.dir or args.site
    written = init_site(target)
    print(f"Created a new pmsite site in {_shown_path(target)}:")
    for path in written:
        print(f"  {path.relative_to(target).as_posix()}")
    where = "" if target.resolve() == Path.cwd().resolve() else f"  cd {target}\n"
    print(
        f"\nNext:\n{where}"
        "  pmsite serve                     preview it at http://127.0.0.1:8000/ while you edit\n"
        '  pmsite new goal "Better search"  add a goal (also: release, reflection, metric)\n'
        "  pmsite check                     validate everything before you commit\n"
        "  pmsite build                     write the site into output/\n"
        "Then commit and push to GitHub: .github/workflows/pmsite.yml checks pull requests\n"
        "and publishes main to GitHub Pages at its Pages address (set Pages' source to\n"
        '"GitHub Actions" in the repository settings).'
    )
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from pmsite.scaffold import new_item

    _require_content(args.site)
    path = new_item(args.site, args.kind, args.name)
    print(_shown_path(path).rstrip("/"))
    print(
        "It is a draft: `pmsite serve --drafts` shows it; set draft: false to publish it.",
        file=sys.stderr,
    )
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from pmsite.changelog.release_files import (
        parse_changelog,
        read_site_config,
        write_release_files,
    )
    from pmsite.errors import ErrorList
    from pmsite.load.files import read_text

    errors = ErrorList()
    text = read_text(args.file, str(args.file), errors)
    if text is None:
        raise PmsiteError("\n".join(str(error) for error in errors.errors))
    site_yaml = args.site / "content" / "site.yaml"
    config = read_site_config(site_yaml)
    into = args.into or args.site / "content" / "releases"
    parsed = parse_changelog(text, str(args.file), config, args.package)
    report = write_release_files(
        parsed, into, force=args.force, dry_run=args.dry_run, site_yaml=site_yaml, config=config
    )
    verb = "would write" if args.dry_run else "wrote"
    for path in report.written:
        print(f"{verb} {_shown_path(path).rstrip('/')}")
    for line in report.messages():
        print(line, file=sys.stderr)
    shown_yaml = _shown_path(site_yaml)
    if report.site_yaml_problem:
        print(f"{shown_yaml}: {report.site_yaml_problem}", file=sys.stderr)
    elif report.site_yaml and site_yaml.is_file():
        added = "".join(report.site_yaml)
        print(f"{'would add' if args.dry_run else 'added'} to {shown_yaml}:\n{added}", end="")
    elif report.site_yaml:
        added = "".join(report.site_yaml)
        print(f"add to your site.yaml:\n{added}", end="", file=sys.stderr)
    if not report.written:
        print("no release was written: no heading starts with a version", file=sys.stderr)
    print(report.summary(_shown_path(into)))
    return 1 if report.failed else 0


def _cmd_export(args: argparse.Namespace) -> int:
    from pmsite.changelog.export import export_changelog, export_omissions

    _require_content(args.site)
    site = load_site(args.site)[0]
    text = export_changelog(site, args.release)
    if args.release is None:
        for omitted in export_omissions(site):
            print(
                f"not in the changelog (the format has no place for it): {omitted}",
                file=sys.stderr,
            )
    if args.output is None:
        sys.stdout.write(text)
        return 0
    if args.output.exists() and not args.force:
        raise PmsiteError(f"{args.output} already exists; use --force to replace it")
    from pmsite.store.write import replacing

    with replacing(args.output) as out:
        out.write(text)
    print(f"wrote {args.output}")
    return 0


def _require_content(site: Path) -> None:
    if not (site / "content").is_dir():
        raise PmsiteError(f"no content/ folder in {site}: is --site pointing at your site?")


def _shown_path(path: Path) -> str:
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return f"{path}/" if path.is_dir() else str(path)
    shown = relative.as_posix()
    if shown == ".":
        return "./"
    return f"{shown}/" if path.is_dir() else shown


def _configure_logging(debug: bool) -> None:
    """Stage timings with --debug; the preview server's one line per rebuild, always."""
    import logging  # here: a no-op build finishes before it would be used

    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("pmsite").setLevel(logging.DEBUG if debug else logging.WARNING)
    serve_log = logging.getLogger("pmsite.serve")
    serve_log.setLevel(logging.DEBUG if debug else logging.INFO)
    serve_log.propagate = False
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    serve_log.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.debug or args.command == "serve":  # nothing else logs unless debugging
        _configure_logging(args.debug)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"pmsite: error: {error}", file=sys.stderr)
        return 2
    except PmsiteError as error:
        if args.debug:
            import traceback

            traceback.print_exc()
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            raise
        print(
            f"pmsite: internal error: {type(error).__name__}: {error}"
            " (run with --debug for a traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
