"""The speed-ups that rely on library internals are on for every version pyproject.toml
allows, change nothing at import, and when off give exactly the same HTML."""

from __future__ import annotations

import subprocess
import sys

import pygments.lexers
import pytest
from markdown.extensions import codehilite

from pmsite.render import library_speedups
from pmsite.render.markup import MarkupRenderer

from .conftest import ROOT

SOURCES = [
    "# Heading *one*\n\ntext with [link](http://x) and `code`",
    "```python\nx = 1  # `tick`\n```\n\n```\nplain\n```\n\n```nosuchlanguage\nx\n```",
    '```python hl_lines="1"\ny = 2\n```',
    "| a | b |\n|---|:-:|\n| *1* | [2](x) |",
    "note[^1] &amp; <b>raw</b>\n\n[^1]: the *note*",
    "hard  \nbreak, __strong__ _em_ snake_case_word \\*escaped\\*",
]


def test_every_speedup_is_on_for_the_installed_versions() -> None:
    """Fails after a cap in pyproject.toml is raised without reviewing library_speedups
    (and its TESTED versions) against the new release."""
    renderer = MarkupRenderer()
    assert library_speedups.is_tested("markdown")
    assert library_speedups.is_tested("pygments")
    assert library_speedups.code_formatter() is library_speedups.CachedStylesheetFormatter
    assert library_speedups.lexer_cache_installed()
    assert renderer._inline_patterns.active


def test_importing_changes_no_library() -> None:
    check = (
        "import pmsite.render.markup, pygments.lexers\n"
        "from markdown.extensions import codehilite\n"
        "assert codehilite.get_lexer_by_name is pygments.lexers.get_lexer_by_name\n"
    )
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True)


def test_untested_versions_fall_back_to_the_same_html(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = {unsafe: MarkupRenderer(unsafe_html=unsafe) for unsafe in (False, True)}
    expected = {(u, s): fast[u].markdown_html(s) for u in (False, True) for s in SOURCES}
    monkeypatch.setattr(library_speedups, "TESTED", {"markdown": (0, 0), "pygments": (0, 0)})
    monkeypatch.setattr(codehilite, "get_lexer_by_name", pygments.lexers.get_lexer_by_name)
    plain = {unsafe: MarkupRenderer(unsafe_html=unsafe) for unsafe in (False, True)}
    assert library_speedups.code_formatter() is not library_speedups.CachedStylesheetFormatter
    assert not library_speedups.lexer_cache_installed()
    assert not plain[False]._inline_patterns.active
    for (unsafe, source), html in expected.items():
        assert plain[unsafe].markdown_html(source) == html, source
