"""Checks on a built output folder: every internal link and anchor resolves."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append(value)
            if name == "id":
                self.ids.add(value)


def parse_page(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def resolve_link(output: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """(file, fragment) a relative link points to, or None for external links."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page, parts.fragment
    target = (page.parent / unquote(parts.path)).resolve()
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def broken_links(output: Path) -> list[str]:
    """'page -> link' for every internal link whose file or anchor is missing."""
    problems = []
    root = output.resolve()
    parsed = {}
    for page in sorted(root.rglob("*.html")):
        if page.name == "404.html":
            continue  # linked from the base URL's path, checked separately
        parsed[page] = parse_page(page)
    for page, parser in parsed.items():
        for link in parser.links:
            found = resolve_link(root, page, link)
            if found is None:
                continue
            target, fragment = found
            if not target.is_relative_to(root) or not target.is_file():
                problems.append(f"{page.relative_to(root)} -> {link}")
            elif fragment and target.suffix == ".html":
                ids = parsed.get(target) or parse_page(target)
                if fragment not in ids.ids:
                    problems.append(f"{page.relative_to(root)} -> {link} (no such anchor)")
    return problems


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes, for before/after comparisons."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
