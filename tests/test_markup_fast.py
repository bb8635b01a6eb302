"""The fast path for one-line notes must give exactly what Python-Markdown and nh3 give:
checked on generated notes in the simple shape and on strings full of Markdown syntax."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsite.model.items import Markdown
from pmsite.render.markup import MarkupRenderer, _simple_html

RENDERERS = {"safe": MarkupRenderer(), "unsafe_html": MarkupRenderer(unsafe_html=True)}

WORD = st.text(st.sampled_from("abcXYZ019éßж"), min_size=1, max_size=6)
PUNCTUATION = st.sampled_from(list(" .,;:?!()'\"/%+=-"))
PIECE = st.one_of(
    WORD,
    PUNCTUATION,
    WORD.map(lambda w: f"**{w}**"),
    WORD.map(lambda w: f"**{w}:**"),
    st.text(st.sampled_from("ab_*[]#.=() "), min_size=1, max_size=6).map(lambda c: f"`{c}`"),
)
SIMPLE_SHAPED = st.lists(PIECE, min_size=1, max_size=12).map("".join)
# Every character that means something to Markdown, and a few that mean something to HTML.
HOSTILE = st.text(st.sampled_from(list("aZ9 *_`[]()!#<>&\\-+.:|~=\"'1\u00a0é\t")), max_size=16)


def check_same(source: str) -> bool:
    """Whether ``source`` takes the fast path; when it does, its HTML must be exactly
    Python-Markdown's (and nh3's), inline and not, safe and unsafe_html."""
    fast = _simple_html(source)
    if fast is None:
        return False
    for name, renderer in RENDERERS.items():
        for inline in (True, False):
            expected = renderer.markdown_html(source, inline)
            got = fast if inline else f"<p>{fast}</p>"
            assert got == expected, (name, inline, source)
    return True


def python_markdown_calls(renderer: MarkupRenderer) -> list[str]:
    """From now on, every source ``renderer`` converts with Python-Markdown (the slow
    path); the conversion itself is unchanged."""
    calls: list[str] = []
    convert = renderer._md.convert

    def counted(source: str) -> str:
        calls.append(source)
        return convert(source)

    renderer._md.convert = counted  # type: ignore[method-assign]
    return calls


@pytest.mark.slow  # 1500 examples
def test_simple_shaped_notes_match_python_markdown() -> None:
    taken: list[bool] = []

    @settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(SIMPLE_SHAPED)
    def check(source: str) -> None:
        taken.append(check_same(source))

    check()
    # The comparison above only happens on the fast path: it must be the usual case for
    # notes of this shape (about 40% of the generated ones), or nothing was compared.
    assert sum(taken) >= len(taken) // 5, f"{sum(taken)} of {len(taken)} took the fast path"


@pytest.mark.slow  # 3000 examples
def test_markdown_syntax_never_takes_the_fast_path_wrongly() -> None:
    taken: list[bool] = []

    @settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(HOSTILE)
    def check(source: str) -> None:
        taken.append(check_same(source))

    check()
    assert any(taken), "no generated string took the fast path: nothing was compared"


TYPICAL_NOTES = [
    "Plain words, a (parenthesis) and 50% more.",
    "**Editor:** saves `drafts` every 5 s.",
    "Déjà vu: ünïcode wörds.",
    "\"Quoted\" and 'single' quotes.",
    "**Widgets:** Tag next conflict link change chart metric.",
    "Checks a notebook report offline survey (`metric`).",
]
MARKDOWN_SYNTAX = [
    "1. a list", "- a list", "+ a list", "# a heading", "a *em* b", "a_b_c", "<b>x</b>", "a & b",
    "[link](x)", "a  \nb", " indented", "**bold **", "`code `", "a\\*b", "1. not a list here",
    "- not a list here",
]  # fmt: skip


@pytest.mark.parametrize("source", TYPICAL_NOTES)
def test_typical_notes_take_the_fast_path(source: str) -> None:
    assert check_same(source)
    renderer = MarkupRenderer()
    calls = python_markdown_calls(renderer)
    for inline in (True, False):
        got = renderer.to_html(source, inline)
        assert got == RENDERERS["safe"].markdown_html(source, inline)
    assert calls == []  # written directly: Python-Markdown never ran


@pytest.mark.parametrize("source", MARKDOWN_SYNTAX)
def test_markdown_syntax_goes_through_python_markdown(source: str) -> None:
    assert _simple_html(source) is None
    renderer = MarkupRenderer()
    calls = python_markdown_calls(renderer)
    assert renderer.to_html(source, inline=True) == RENDERERS["safe"].markdown_html(source, True)
    assert calls == [source]


def test_a_build_converts_only_the_notes_that_need_python_markdown() -> None:
    """render_all, as the build calls it: typical notes are written directly."""
    renderer = MarkupRenderer()
    calls = python_markdown_calls(renderer)
    texts = [Markdown(source, inline=True) for source in [*TYPICAL_NOTES, *MARKDOWN_SYNTAX]]
    renderer.render_all(texts)
    assert sorted(calls) == sorted(MARKDOWN_SYNTAX)
    reference = MarkupRenderer()
    assert [t.html for t in texts] == [reference.markdown_html(t.source, True) for t in texts]


BLOCKS = [
    "# Heading *one*", "## Heading `two`", "- item *em* and **strong**", "1. first\n2. second",
    "> quoted [link](https://example.org)", "```python\nx = 1  # `tick`\n```", "    indented code",
    "| a | b |\n|---|:-:|\n| *1* | [2](x) |", "text with [link](http://x) and `code`",
    "hard  \nbreak", "tab\there\t\nnext", "windows\r\nline", "note[^1]\n\n[^1]: the *note*",
    "ref [x][1] and [y]\n\n[1]: http://y\n[y]: http://z", "<http://auto.link> <me@example.org>",
    "&amp; &copy; &#169; & alone", "![img](x.png) ![ref][1]", "\\*escaped\\* \\` \\[",
    "__strong__ _em_ snake_case_word", "<b>raw</b> <!-- c -->", "*a **b** c*", "***both***",
    "plain words only", "`` double `tick` ``", "[^missing]",
]  # fmt: skip
DOCUMENT = st.lists(st.one_of(st.sampled_from(BLOCKS), HOSTILE), min_size=1, max_size=6).flatmap(
    lambda parts: st.sampled_from(["\n", "\n\n"]).map(lambda sep: sep.join(parts))
)


@pytest.mark.slow  # 600 examples
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_leaving_out_patterns_that_cannot_match_changes_nothing(source: str) -> None:
    for renderer in RENDERERS.values():
        picked = renderer.markdown_html(source)
        renderer._pick_patterns = False
        try:
            expected = renderer.markdown_html(source)
        finally:
            renderer._pick_patterns = True
        assert picked == expected, source


def patterns_run(renderer: MarkupRenderer, source: str) -> int:
    """How many inline patterns Python-Markdown was given for converting ``source``."""
    renderer.markdown_html(source)
    return len(renderer._md.treeprocessors["inline"].inlinePatterns)


def test_patterns_that_cannot_match_are_left_out() -> None:
    """The property above compares picked patterns with all of them: it only means
    something if a text without a pattern's trigger really runs without that pattern."""
    renderer = MarkupRenderer()
    every = len(renderer._md.inlinePatterns)
    assert patterns_run(renderer, "plain words only") < every
    assert patterns_run(renderer, "`x` \\ [^1] ![i] <b> &amp; *em* _em_ a  \nb") == every
    renderer._pick_patterns = False
    assert patterns_run(renderer, "plain words only") == every
