"""Markdown is secure by default; unsafe_html is an explicit opt-in."""

from __future__ import annotations

import pytest

from pmsite.render.markup import MarkupRenderer

from .conftest import MakeSite, load, run_pmsite


@pytest.fixture(scope="module")
def safe() -> MarkupRenderer:
    return MarkupRenderer()


@pytest.mark.parametrize(
    ("source", "forbidden", "kept"),
    [
        ("<script>alert(1)</script>", "<script>", "&lt;script&gt;"),
        ("hi <img src=x onerror=alert(1)>", "<img", "&lt;img"),
        ("[x](javascript:alert(1))", "javascript:", "<a>x</a>"),
        ("[x](JaVaScRiPt:alert(1))", "alert", "<a>x</a>"),
        ("![i](data:image/png;base64,AAAA)", "data:", '<img alt="i">'),
        ("<div onclick='x()'>hi</div>", "<div", "&lt;div"),
        ("[ok](../roadmap/)", "javascript", '<a href="../roadmap/">ok</a>'),
        ("[mail](mailto:a@example.org)", "javascript", 'href="mailto:a@example.org"'),
    ],
)
def test_sanitised(safe: MarkupRenderer, source: str, forbidden: str, kept: str) -> None:
    html = safe.to_html(source)
    assert forbidden not in html
    assert kept in html


def test_unsafe_html_passes_raw_html_through() -> None:
    html = MarkupRenderer(unsafe_html=True).to_html('<div class="x">hi</div>')
    assert '<div class="x">hi</div>' in html


def test_inline_notes_drop_the_paragraph(safe: MarkupRenderer) -> None:
    assert safe.to_html("a `b` *c*", inline=True) == "a <code>b</code> <em>c</em>"
    assert safe.to_html("one\n\ntwo", inline=True).count("<p>") == 2


@pytest.mark.parametrize(
    ("source", "tags"),
    [
        ("# A\n\n## B\n\n### C", ["h2", "h3", "h4"]),
        ("## A\n\n### B", ["h2", "h3"]),
        ("### A\n\n#### B", ["h2", "h3"]),
    ],
)
def test_body_headings_start_at_h2(safe: MarkupRenderer, source: str, tags: list[str]) -> None:
    html = safe.to_html(source)
    assert [tag for tag in ("h1", "h2", "h3", "h4") if f"<{tag} " in html] == tags


def test_fenced_code_uses_pygments_classes(safe: MarkupRenderer) -> None:
    html = safe.to_html("```python\nx = 1\n```")
    assert '<div class="highlight">' in html
    assert 'class="n"' in html
    assert "style=" not in html


def test_markup_instance_is_reused_without_leaking_footnotes(safe: MarkupRenderer) -> None:
    first = safe.to_html("a[^1]\n\n[^1]: note one")
    # Not a plain note: that would take the fast path and never reach Python-Markdown.
    second = safe.to_html("b *c*")
    assert "note one" in first
    assert second == "<p>b <em>c</em></p>"


def test_html_in_every_field_is_escaped(make_site: MakeSite) -> None:
    evil = "<script>alert(1)</script>"
    site = make_site(
        {
            "content/goals/g.md": (
                f"---\ntitle: '{evil}'\nstatus: in-progress\nowner: '{evil}'\n"
                f"theme: '{evil}'\nsummary: '{evil}'\ntags: ['{evil}x']\n---\n{evil}\n"
            ),
            "content/releases/r.yaml": (
                f"version: 1.0.0\ndate: 2026-01-01\ntitle: '{evil}'\nsummary: '{evil}'\n"
                f"highlights: ['{evil}']\nchanges: {{added: ['{evil}']}}\ngoals: [g]\n"
            ),
        },
        site_yaml=f"title: '{evil}'\ndescription: '{evil}'\nbase_url: https://x.org/\n",
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    # JSON outputs carry titles as plain-text data, which their readers escape.
    for page in (site / "output").rglob("*"):
        if page.suffix in (".html", ".xml") and page.is_file():
            assert "<script>" not in page.read_text(encoding="utf-8"), page


def test_unsafe_html_setting_reaches_the_pages(make_site: MakeSite) -> None:
    site = make_site(
        {"content/pages/p.md": "---\ntitle: P\n---\n<aside>raw</aside>\n"},
        site_yaml="title: T\nmarkdown:\n  unsafe_html: true\n",
    )
    page = next(p for p in load(site).pages if p.slug == "p")
    assert "<aside>raw</aside>" in page.body.html


def test_heading_anchors_are_unique_and_readable(safe: MarkupRenderer) -> None:
    html = safe.to_html("# Hi & `code`\n\n## Hi & `code`\n\n### Café ünïcode")
    assert '<h2 id="hi-code">' in html
    assert '<h3 id="hi-code_1">' in html
    assert '<h4 id="café-ünïcode">' in html


@pytest.mark.parametrize(
    "source",
    ['```python hl_lines="1 2"\nx = 1\ny = 2\n```\n', '    :::python hl_lines="1"\n    x = 1\n'],
)
def test_highlighted_lines_in_code_blocks(safe: MarkupRenderer, source: str) -> None:
    # Lexer options holding a list (hl_lines) once crashed the lexer cache.
    assert '<span class="hll">' in safe.to_html(source)
