"""The command line: argparse subcommands; every PmsiteError becomes one clear message.

Exit codes: 0 success, 1 content or output problems, 2 usage errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
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


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) + "/"
    except ValueError:
        return str(path) + "/"


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(name)s: %(message)s",
    )
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
