"""search.json's text strips only as much HTML as it needs: the result must equal
stripping everything and cutting at the limit."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pmsite.model.items import Markdown, Release
from pmsite.render.feeds import SEARCH_TEXT_LIMIT, search_text


def reference(texts: list[Markdown]) -> str:
    """The plain definition: every text stripped whole, joined, cut at the limit."""

    def plain(fragment: str) -> str:
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()

    return " ".join(plain(text.html) for text in texts if text)[:SEARCH_TEXT_LIMIT]


PIECES = st.sampled_from(
    ["word ", "a", " ", "\n", "\t", "&amp;", "&CounterClockwiseContourIntegral;", "&#169;",
     "&am", "<p>", "</p>", '<a href="https://example.org/a/very/long/path?x=1&amp;y=2">',
     "</a>", "<code>", "</code>", '<span class="n">', "</span>", "é", "\u00a0", "<", ">"]
)  # fmt: skip
FRAGMENT = st.lists(PIECES, max_size=900).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENT, min_size=1, max_size=4))
def test_search_text_equals_stripping_everything(fragments: list[str]) -> None:
    texts = [Markdown(source="x", html=fragment) for fragment in fragments]
    release = Release(kind="release", slug="1.0.0", source="r.md", line=1, title="R")
    release.highlights = texts[:-1]
    release.body = texts[-1]
    assert search_text(release) == reference(list(release.texts()))
