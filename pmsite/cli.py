"""The command line: argparse subcommands; every PmsiteError becomes one clear message.

Exit codes: 0 success, 1 content or output problems, 2 usage errors.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import traceback
import webbrowser
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .build import build
from .config import base_url_problem
from .errors import ContentError, PmsiteError, UsageError


def _add_site_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the site folder, holding content/ (default: the current folder)",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmsite",
        description="Build a product site (roadmap, release notes, reflections, KPIs)"
        " from YAML/Markdown files.",
    )
    parser.add_argument("--version", action="version", version=f"pmsite {__version__}")
    parser.add_argument("--debug", action="store_true", help="show stage timings and tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    build_parser = commands.add_parser(
        "build", help="build the site into output/", description="Build the site into output/."
    )
    _add_site_option(build_parser)
    build_parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="where to write the site (default: SITE/output)",
    )
    build_parser.add_argument(
        "--base-url", metavar="URL", help="override base_url from site.yaml (absolute, ends with /)"
    )
    build_parser.add_argument(
        "--drafts", action="store_true", help="include items marked draft: true"
    )
    build_parser.set_defaults(handler=_cmd_build)

    serve_parser = commands.add_parser(
        "serve",
        help="preview the site, rebuilding and reloading the browser on every save",
        description="Build the site, serve it from memory and rebuild on every change"
        " to content/ or templates/. output/ is not touched.",
    )
    _add_site_option(serve_parser)
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on (default: 8000; the next free one if taken; 0: any)",
    )
    serve_parser.add_argument(
        "--drafts", action="store_true", help="include items marked draft: true"
    )
    serve_parser.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_parser.set_defaults(handler=_cmd_serve)
    return parser


def _print_warnings(warnings: Sequence[ContentError]) -> None:
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _cmd_build(args: argparse.Namespace) -> int:
    if args.base_url is not None and (problem := base_url_problem(args.base_url)):
        raise UsageError(f"--base-url: {problem}")
    result = build(args.site, args.output, base_url=args.base_url, drafts=args.drafts)
    _print_warnings(result.warnings)
    shown = _shown_path(result.output_dir)
    print(
        f"Built {result.pages} pages ({result.files} files) into {shown} in {result.seconds:.2f} s"
    )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import PreviewServer

    if not (args.site / "content").is_dir():
        raise PmsiteError(f"no content/ folder in {args.site}: is --site pointing at your site?")
    server = PreviewServer(args.site, host=args.host, port=args.port, drafts=args.drafts)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.start()
        print(f"Serving {_shown_path(args.site)} at {server.url} (Ctrl-C to stop)", flush=True)
        if args.open:
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


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) + "/"
    except ValueError:
        return str(path) + "/"


def _configure_logging(debug: bool) -> None:
    """Stage timings with --debug; the preview server's one line per rebuild, always."""
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
    _configure_logging(args.debug)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"pmsite: error: {error}", file=sys.stderr)
        return 2
    except PmsiteError as error:
        if args.debug:
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
