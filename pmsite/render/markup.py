"""Markdown to HTML: one configured Python-Markdown converter, reused, and sanitised.

Secure by default: raw HTML in content is shown as text (not passed through) and the
HTML that Markdown produces goes through nh3, which drops ``javascript:``/``data:``
URLs and anything else outside the allow-list. ``markdown: {unsafe_html: true}`` in
site.yaml turns both off for teams that trust every author.

The speed-ups that rely on Python-Markdown's and Pygments' internals live in
``library_speedups`` and are turned on here, when the converter is set up.
"""

from __future__ import annotations

import contextlib
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Iterator
from pathlib import Path

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter

from pmsite.digest import digest
from pmsite.model.items import Item, Markdown
from pmsite.render import library_speedups
from pmsite.render.parallel import fork_map
from pmsite.store.cache import StoredMarkdown, markdown_line, markdown_writer

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
    "ol": {"start"},
}
_STASHED = re.compile(f"{markdown.util.STX}[^{markdown.util.ETX}]*{markdown.util.ETX}")
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)

# A one-line text made only of words, common punctuation, **strong** and `code`: the
# shape of most release notes. Python-Markdown's output for it is known exactly, so it is
# written directly (the property tests in test_markup compare the two); anything else,
# or a line that could start a list, goes through Python-Markdown.
_WORDS = r"(?:[^\W_]|[ .,;:?!()'\"/%+=-])"
_SIMPLE_TEXT = re.compile(
    rf"(?!\d+[.)]|[-+] )(?=[^\W_]|[(\"']|\*\*[^\W_(\"']|`[^` ])"  # how it may start
    rf"(?:{_WORDS}|\*\*(?! )(?:{_WORDS})+?(?<! )\*\*(?![^\W_])"  # words, **strong**
    r"|(?<!`)`[^`\s<>&\\](?:[^`\s<>&\\]| )*(?<! )`(?!`))*"  # `code`
)
_SIMPLE_PART = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")
CODE_CSS_CLASS = "highlight"


# Ids the theme writes without its 'pm--' prefix, because a contract names them (issue
# 15: a goal's history is at '#history'): a body heading never takes one.
THEME_IDS = frozenset({"history"})


class _Headings(Treeprocessor):
    """Shift a body's headings so the top one is an h2 (the page title is the only h1,
    and headings stay in order whether the writer started at '#' or at '##'), and give
    each a unique anchor id from its text. (Python-Markdown's toc extension would do
    the ids too, but also builds a table of contents we never show.)"""

    def run(self, root: etree.Element) -> None:
        headings = [el for el in root.iter() if el.tag in _HEADING_TAGS]
        if not headings:
            return
        shift = 2 - min(int(el.tag[1]) for el in headings)
        used = {el.get("id") for el in root.iter() if el.get("id")} | THEME_IDS
        for el in headings:
            el.tag = f"h{min(6, int(el.tag[1]) + shift)}"
            if el.get("id"):
                continue
            text = html.unescape(_STASHED.sub("", "".join(el.itertext())))
            base = slugify_unicode(text.strip(), "-") or "section"
            anchor, number = base, 0
            while anchor in used:
                number += 1
                anchor = f"{base}_{number}"
            used.add(anchor)
            el.set("id", anchor)


class MarkupRenderer:
    """Converts content Markdown to safe HTML with one reused Markdown instance."""

    def __init__(self, unsafe_html: bool = False) -> None:
        self.unsafe_html = unsafe_html
        # HTML converted by this renderer, by (source, inline): the same text is
        # converted once, and a long session converts only what changed.
        self._cache: dict[tuple[str, bool], str] = {}
        self._used: set[tuple[str, bool]] = set()
        # The build cache's entries by item (see render_items), decoded only when a
        # page shows one of the item's texts (see Markdown.defer).
        self._stored = StoredMarkdown()
        self._decoded: dict[str, list[str] | None] = {}
        self._items: dict[str, list[Markdown]] = {}  # the last build's, by entry key
        # How the cache differs from what ``preload`` gave: a build that converted
        # nothing and forgot nothing need not write it out again; one that mostly
        # converted can append (see session.save_cache).
        self.preloaded = 0
        self.added: dict[str, None] = {}  # entry keys new since preload, in order
        self.dropped = 0
        self._md = markdown.Markdown(
            extensions=["tables", "fenced_code", "codehilite", "footnotes", "sane_lists"],
            extension_configs={
                "codehilite": {
                    "pygments_formatter": library_speedups.code_formatter(),
                    "css_class": CODE_CSS_CLASS,
                    "guess_lang": False,
                    "use_pygments": True,
                    "noclasses": False,
                },
                "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
            },
            output_format="html",
        )
        self._md.treeprocessors.register(_Headings(self._md), "pmsite_headings", 6)
        if not unsafe_html:
            # Raw HTML blocks and inline tags are then escaped and shown as text.
            self._md.preprocessors.deregister("html_block")
            self._md.inlinePatterns.deregister("html")
        # After the registries are final: apply() reads the inline patterns.
        self._inline_patterns = library_speedups.apply(self._md)
        self._pick_patterns = True  # False: every pattern runs (the tests' reference)

    def to_html(self, source: str, inline: bool = False) -> str:
        """HTML for ``source``; ``inline`` drops the paragraph around a one-line note."""
        simple = _simple_html(source)
        if simple is not None:
            return simple if inline else f"<p>{simple}</p>"
        return self.markdown_html(source, inline)

    def markdown_html(self, source: str, inline: bool = False) -> str:
        """``to_html`` always through Python-Markdown (and nh3), without the fast path."""
        self._md.reset()
        self._inline_patterns.select(source, every=not self._pick_patterns)
        html = self._md.convert(source)
        if not self.unsafe_html:
            html = nh3.clean(
                html,
                tags=_ALLOWED_TAGS,
                attributes=_ALLOWED_ATTRIBUTES,
                url_schemes={"http", "https", "mailto"},
                link_rel=None,
                filter_style_properties={"text-align"},
            )
        if inline:
            match = _PARAGRAPH.match(html)
            if match and "<p>" not in match[1]:
                html = match[1]
        return html

    def render_items(self, items: Iterable[Item], spill_to: Path | None = None) -> None:
        """Fill in ``html`` for every text of each item. An item whose texts the build
        cache holds (the same sources, in the same order: ``entry_key``) gets them from
        it when one is first read; the others' texts are converted (see render_all).

        With ``spill_to`` (a build process with a cache, in that site folder), when most
        items are new (a cold build), the cache file is written anew instead, each new
        item's line as soon as it is converted, and every text is then read from it:
        the HTML of 10,000 items (about 70 MB in memory) is never held."""
        found: dict[str, list[Markdown]] = {}
        todo: list[tuple[str, list[Markdown]]] = []
        stored = self._stored
        for item in items:
            texts = list(item.texts())
            key = entry_key(texts)
            found[key] = texts
            if key in stored:
                Markdown.defer(texts, self, key)
            else:
                todo.append((key, texts))
        self._items = found
        if spill_to is not None and len(todo) * 4 > len(found):
            with contextlib.suppress(OSError):
                self._spill(spill_to, todo)
                return
        self.added.update(dict.fromkeys(key for key, _ in todo))
        self.render_all(text for _, texts in todo for text in texts)

    def _spill(self, site_dir: Path, todo: list[tuple[str, list[Markdown]]]) -> None:
        """Write the Markdown cache file with every item of this build: the lines of
        those it holds, then those of ``todo``, converted one item per job (over
        several processes when there are many) and written as each arrives; then defer
        the texts of ``todo`` to it (those of the items it held were deferred already).
        Two items with the same texts share one key and one line: each is deferred.
        Raises OSError (nothing is deferred then)."""
        stored = self._stored
        with markdown_writer(site_dir, self.unsafe_html) as writer:
            for key in self._items:
                if key in stored:
                    writer.add(stored.line(key))
            job = (self, todo)
            fork_map(_convert_item, job, range(len(todo)), PARALLEL_MIN_ITEMS, writer.add)
        self._stored = writer.stored
        self._decoded = {}
        for key, texts in todo:
            Markdown.defer(texts, self, key)
        self._cache = {}
        self.added = {}
        self.dropped = 0
        self.preloaded = len(self._stored)

    def render_all(self, texts: Iterable[Markdown]) -> None:
        """Fill in ``html`` for each text; the same Markdown is converted only once, and
        many new texts are converted by a pool of processes (one per core)."""
        texts = list(texts)
        cache = self._cache
        missing = list(
            dict.fromkeys(key for text in texts if (key := (text.source, text.inline)) not in cache)
        )
        # Workers are forked with ``missing`` in memory: only indexes are sent to them.
        converted = fork_map(_convert, (self, missing), range(len(missing)), PARALLEL_MIN_TEXTS)
        cache.update(zip(missing, converted, strict=True))
        used = self._used
        for text in texts:
            key = (text.source, text.inline)
            used.add(key)
            text.html = cache[key]

    def html_of(self, text: Markdown, entry: str, index: int) -> str:
        """The HTML of a deferred ``text`` (see Markdown.defer): the ``index``-th of
        the build cache's ``entry``, or converted now when that entry is damaged."""
        decoded = self._decoded
        if entry in decoded:
            htmls = decoded[entry]
        else:
            # A few recent entries: a page reads one item's texts in a row, and a list
            # of 10,000 items reads each item's summary once; none is kept for long.
            htmls = decoded[entry] = self._stored.html(entry)
            if len(decoded) > 64:
                del decoded[next(iter(decoded))]
        if htmls is not None and index < len(htmls):
            return htmls[index]
        return self.to_html(text.source, text.inline) if text.source.strip() else ""

    def preload(self, stored: StoredMarkdown) -> None:
        """Use the build cache's entries (decoded when first shown)."""
        self._stored = stored
        self.preloaded += len(stored)

    def new_lines(self) -> list[str]:
        """The cache file's lines of the items converted since ``preload``."""
        items = self._items
        return [_line(key, items[key]) for key in self.added if key in items]

    def lines(self) -> Iterator[str]:
        """The cache file's lines of every item of the last build."""
        stored = self._stored
        for key, texts in self._items.items():
            yield stored.line(key) if key in stored else _line(key, texts)

    def forget_unused(self) -> None:
        """Drop what the last build did not use (keeps long sessions small)."""
        used = self._used
        if len(used) != len(self._cache):
            self._cache = {key: html for key, html in self._cache.items() if key in used}
        self._used = set()
        stored, items = self._stored, self._items
        unused = stored.index.keys() - items.keys()
        if unused:
            self.dropped += len(unused)
            stored.index = {key: where for key, where in stored.index.items() if key in items}
            self._decoded = {key: h for key, h in self._decoded.items() if key in items}

    @property
    def changed(self) -> bool:
        """Whether the cache differs from what ``preload`` gave."""
        return bool(self.added or self.dropped)


def entry_key(texts: list[Markdown]) -> str:
    """What the build cache keeps an item's HTML by: the digest of its texts' sources
    (with their inline flags), in order. The same file read by another pmsite, or with
    another site.yaml, may give other texts: then the key differs too."""
    return digest("\x1f".join(f"{'i' if text.inline else 'b'}{text.source}" for text in texts))


def _line(key: str, texts: list[Markdown]) -> str:
    return markdown_line(key, [text.html for text in texts])


def _simple_html(source: str) -> str | None:
    """The HTML of a one-line note in the simple shape above, or None for anything else."""
    if _SIMPLE_TEXT.fullmatch(source) is None:
        return None
    return _SIMPLE_PART.sub(_simple_part, source)


def _simple_part(match: re.Match[str]) -> str:
    strong, code = match.groups()
    return f"<strong>{strong}</strong>" if code is None else f"<code>{code}</code>"


PARALLEL_MIN_TEXTS = 300  # fewer texts convert faster than a pool of processes starts


def _convert(job: tuple[MarkupRenderer, list[tuple[str, bool]]], index: int) -> str:
    renderer, keys = job
    source, inline = keys[index]
    return renderer.to_html(source, inline) if source.strip() else ""


PARALLEL_MIN_ITEMS = 100  # items have a few texts each: see PARALLEL_MIN_TEXTS


def _convert_item(job: tuple[MarkupRenderer, list[tuple[str, list[Markdown]]]], index: int) -> str:
    """The Markdown cache line (``markdown_line``) of the ``index``-th item of the job."""
    renderer, todo = job
    key, texts = todo[index]
    htmls = [renderer.to_html(t.source, t.inline) if t.source.strip() else "" for t in texts]
    return markdown_line(key, htmls)


def code_stylesheet() -> str:
    """Pygments' CSS for the classes fenced code blocks carry (light and dark)."""
    light = HtmlFormatter(style="default").get_style_defs(f".{CODE_CSS_CLASS}")
    dark = HtmlFormatter(style="monokai").get_style_defs(f".{CODE_CSS_CLASS}")
    # Dark on screens only: paper is printed with the light colours, dark ink on white.
    return f"{light}\n@media screen and (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
