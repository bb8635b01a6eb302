"""Reading a changelog in the Keep a Changelog format (https://keepachangelog.com/en/1.1.0/)
and in the shapes real changelogs that say they follow it take.

``parse_changelog`` turns the text into ParsedReleases and places every line somewhere,
or says why not: every non-blank line it cannot place is returned as an Unplaced line
with a reason, and what it leaves out on purpose (an HTML comment, another package's
release) or reads in a way worth knowing (a date form, a section name) is a Note.

What it reads (the format, then what real files add to it):

- **Version headings** at any level (the first heading that starts with a version or
  "Unreleased" sets the level): ``## [1.2.0] - 2026-03-30``, ``# 0.5.0 (12. February,
  2022)``, ``### v0.8.1``, ``## [1.2.0](compare-url) - …``, ``## Version 1.44.0/0.65b0``,
  ``## axum-extra 0.9.0`` (with ``package``). The version keeps its spelling; text in
  the heading besides the version, the date, ``[YANKED]`` and words that mean "not
  released yet" (``TBD``, ``Unreleased``, ``ReleaseDate``) becomes the release's title.
- **Dates** in the forms of ``dates.find_date``, each form other than YYYY-MM-DD noted
  once. A version without a date is released (date unknown) when a version above it is
  released, and planned otherwise.
- **Sections** one level below the versions (or at the versions' level when they are a
  category's name): mapped by ``model.categories.section_target`` to a category,
  ``breaking`` or ``highlights``; any other heading is a new category (in
  ``ParsedChangelog.categories``). Items marked ``**BREAKING**``/``BREAKING:`` become
  breaking notes wherever they are.
- **Prose** (paragraphs, deeper headings, code blocks, lists outside a section) under a
  version before its first section becomes the release's ``intro``; prose inside or
  after the sections (after a ``---`` rule, every list is prose) becomes its ``body``.
  A section with no items is prose too. Headings in the intro and body start at ``####``.
- **Links**: reference definitions anywhere (also indented in a list item) resolve the
  references of every note (``[#12]``, ``[text][ref]``, ``[`rule`][]``) to inline links;
  the definition or link of a version heading becomes its ``compare`` link.
- Duplicate version headings are merged into the first, with a note; HTML comments and
  ``<details>``/``<summary>`` lines are left out, with a note each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pmsite.changelog.dates import PLANNED, find_date
from pmsite.model.categories import category_key, category_label, section_target
from pmsite.model.items import CHANGE_CATEGORIES, SiteConfig
from pmsite.model.semver import Version
from pmsite.model.versions import narrowest_scheme, parse_in_scheme

CATEGORY_TITLES = {category: category.capitalize() for category in CHANGE_CATEGORIES}
BREAKING_MARK = "**BREAKING**"
BODY_HEADING_LEVEL = 4

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(\S.*)$")
_LINK_DEF = re.compile(r"^[ \t]*\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+.*)?$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
# The exported form (**BREAKING**) comes first so that a note starting "CHANGES**" stays whole.
_BREAKING = re.compile(
    r"^(?:\*\*BREAKING\*\*:?|\*\*BREAKING(?:[ _]CHANGES?)?:\*\*|\*\*BREAKING[ _]CHANGES?\*\*:?"
    r"|BREAKING(?:[ _]CHANGES?)?:)[ \t]*",
    re.IGNORECASE,
)
_COMMENT_START = re.compile(r"^[ \t]*<!--")
_HTML_LAYOUT = re.compile(
    r"^[ \t]*(?:</?(?:details|summary|p|div|br|hr)\b[^>]*>[ \t]*)+"
    r"(?:(?P<text>[^<]*)</summary>[ \t]*)?(?:</?(?:details|p|div)\b[^>]*>[ \t]*)*$",
    re.IGNORECASE,
)
_LEAD_WORD = re.compile(r"^(?:version|release|versión|versão)[ \t]+(?=[vV]?\d|\[)", re.IGNORECASE)
_BRACKETED = re.compile(r"^\[(?P<label>[^\]]+)\](?:\((?P<url>[^)\s]*)\))?(?P<rest>.*)$")
_VERSION_TOKEN = r"[vV]?\d[\w.+-]*?"
_NOT_A_DATE = r"(?!\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\w))"
_PLAIN = re.compile(
    rf"^(?P<label>{_VERSION_TOKEN}(?:(?:[ \t]*/[ \t]*|,[ \t]+){_NOT_A_DATE}{_VERSION_TOKEN})?)"
    r"(?P<rest>(?:[\s:,;(\[–—]|-(?!\w)).*|)$"
)
_LABEL_VERSION = re.compile(rf"^{_VERSION_TOKEN}(?:(?:[ \t]*/[ \t]*|,[ \t]+){_VERSION_TOKEN})?$")
_UNRELEASED_WORDS = (
    r"(?:unreleased|upcoming|non publiée?|unveröffentlicht|sin publicar|no publicado)"
)
_UNRELEASED_LABEL = re.compile(rf"^{_UNRELEASED_WORDS}(?:[ \t]+changes)?$", re.IGNORECASE)
_UNRELEASED_START = re.compile(
    rf"^(?P<word>{_UNRELEASED_WORDS}(?:[ \t]+changes)?)(?P<rest>(?:[\s:,;(\[–—-].*)?)$",
    re.IGNORECASE,
)
_PACKAGE = re.compile(
    rf"^\[?(?P<package>[@A-Za-z][\w./@-]*?)(?:@|[ \t]+)(?P<version>{_VERSION_TOKEN})\]?"
    r"(?P<rest>(?:[\s:,;(\[–—]|-(?!\w)).*|)$"
)
_MARKED = re.compile(r"^\*\*(?P<word>[^*:]{1,30}):\*\*[ \t]+(?P<text>\S.*)$")
_DATE_UNKNOWN = re.compile(r"\b(?:date unknown|unknown date|undated)\b", re.IGNORECASE)
_YANKED = re.compile(r"\[[ \t]*yanked[ \t]*\]|\byanked\b", re.IGNORECASE)
_RELEASED_WORD = re.compile(r"\breleased(?:[ \t]+on)?\b|\bpublished(?:[ \t]+on)?\b", re.IGNORECASE)
_SEPARATORS = " \t-–—:,;|/"
_REFERENCE = re.compile(
    r"(?P<code>`+).*?(?P=code)"
    r"|\[(?P<text>(?:[^\[\]`]|`[^`]*`)+)\](?:\[(?P<ref>[^\[\]]*)\]|(?![(\[]))"
)


@dataclass(frozen=True)
class Unplaced:
    """A line of the changelog that was not imported, and why; ``in_release`` when it
    is inside a version's section (those make the import fail)."""

    line: int
    text: str
    reason: str
    in_release: bool = True


@dataclass(frozen=True)
class Note:
    """Something the importer decided that the user should know about."""

    line: int | None
    message: str


@dataclass
class ParsedRelease:
    """One version section. ``version`` is spelled as written (``v0.8.1``); an
    [Unreleased] section gets the next minor version after the newest released one
    (``unreleased`` is then True). ``date_unknown``: released, but the changelog gives
    no date. ``changes`` maps category keys (standard or new) to notes in file order."""

    version: str
    line: int
    date: dt.date | None = None
    yanked: bool = False
    planned: bool = False
    unreleased: bool = False
    date_unknown: bool = False
    title: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)
    breaking: list[str] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)
    intro: str = ""
    body: str = ""
    links: dict[str, str] = field(default_factory=dict)
    label: str = ""  # the heading's bracketed label, which its link definition names


@dataclass
class ParsedChangelog:
    """The whole file: releases in file order, the title and intro (``preamble``) before
    the first version, link reference definitions by normalised label, the categories
    it adds (key -> (label, first line)), the versioning scheme its versions need, and
    every line not placed. ``placed``, ``left_out``: counts of non-blank lines."""

    source: str
    title: str = ""
    preamble: str = ""
    releases: list[ParsedRelease] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    categories: dict[str, tuple[str, int]] = field(default_factory=dict)
    scheme: str = "semver"
    placed: int = 0
    left_out: int = 0


def parse_changelog(
    text: str, source: str, config: SiteConfig | None = None, package: str | None = None
) -> ParsedChangelog:
    """Parse a changelog; ``source`` names it in the result. ``config`` (the site's
    settings) gives the categories, aliases and versioning scheme it knows; ``package``
    imports that package's releases from headings such as ``## axum-extra 0.9.0``."""
    parser = _Parser(source, config or SiteConfig(title=""), package)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        parser.feed(number, line.expandtabs(4).rstrip())
    return parser.finish()


def next_planned_version(released: Iterable[Version], taken: Iterable[str] = ()) -> str:
    """The version an [Unreleased] section gets: the next minor after the highest released
    version (0.1.0 when there is none; with a ``v`` when that one has it), skipping
    versions already ``taken``."""
    newest = max(released, key=lambda version: version.key, default=None)
    major, minor = (newest.major, newest.minor + 1) if newest else (0, 1)
    prefix = newest.text[0] if newest and newest.text[:1] in ("v", "V") else ""
    used = set(taken)
    while f"{prefix}{major}.{minor}.0" in used:
        minor += 1
    return f"{prefix}{major}.{minor}.0"


def split_breaking(text: str) -> tuple[bool, str]:
    """(True, the note) when ``text`` starts with a **BREAKING** or BREAKING: marker."""
    match = _BREAKING.match(text)
    if match is None or not text[match.end() :].strip():
        return False, text
    return True, text[match.end() :]


def outside_fences(lines: list[str]) -> Iterator[bool]:
    """For each line: True when it is outside fenced code (fence lines count as inside)."""
    fence = ""
    for line in lines:
        if fence:
            yield False
            if _closes(line, fence):
                fence = ""
        elif match := _FENCE.match(line):
            fence = match[1]
            yield False
        else:
            yield True


def _closes(line: str, fence: str) -> bool:
    return line.strip().startswith(fence) and not line.strip().strip(fence[0])


def demote_headings(body: str, top: int = BODY_HEADING_LEVEL) -> str:
    """``body`` with its headings (outside fenced code) shifted so the first level is at
    least ``top``."""
    lines = body.split("\n")
    outside = list(outside_fences(lines))
    levels = [
        len(match[1])
        for line, out in zip(lines, outside, strict=True)
        if out and (match := HEADING.match(line))
    ]
    if not levels or min(levels) >= top:
        return body
    shift = top - min(levels)
    for index, line in enumerate(lines):
        if outside[index] and (match := HEADING.match(line)):
            lines[index] = "#" * min(6, len(match[1]) + shift) + line[len(match[1]) :]
    return "\n".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _starts_block(line: str) -> bool:
    return any(pattern.match(line) for pattern in (HEADING, _FENCE, RULE)) or bool(
        _LINK_DEF.match(line) and _indent(line) <= 3
    )


@dataclass
class _Item:
    """A list item being read: continuation lines are joined with a space, nested lists
    are kept as a Markdown list (4 spaces a level) after a blank line, fences verbatim."""

    line: int
    column: int
    parts: list[str]
    indents: list[int] = field(default_factory=list)
    blank: bool = False
    in_list: bool = False
    fence: str = ""
    target: str = ""  # the category of an item marked '**added:**' outside a section

    def take(self, line: str) -> bool:
        """Add ``line`` when it continues this item; False means the item has ended."""
        if self.fence:
            self._fenced(line)
            return True
        if not line:
            self.blank = True
            return True
        indent, marker = _indent(line), LIST_ITEM.match(line)
        if marker and indent >= self.column:
            self._nested(indent, marker[2], marker[3])
        elif marker or (self.blank and indent < 2) or (indent == 0 and _starts_block(line)):
            return False
        elif match := _FENCE.match(line):
            self.fence = match[1]
            self._paragraph(line[min(indent, self.column) :])
        elif self.blank:
            self._paragraph(line.strip())
        else:
            self.parts[-1] = f"{self.parts[-1]} {line.strip()}"
        return True

    def _fenced(self, line: str) -> None:
        self.parts.append(line[min(_indent(line), self.column) :])
        if _closes(line, self.fence):
            self.fence, self.blank = "", True

    def _paragraph(self, text: str) -> None:
        if self.parts[-1]:
            self.parts.append("")
        self.parts.append(text)
        self.blank = self.in_list = False

    def _nested(self, indent: int, marker: str, text: str) -> None:
        while self.indents and indent < self.indents[-1]:
            self.indents.pop()
        if not self.indents or indent > self.indents[-1]:
            self.indents.append(indent)
        if not self.in_list:
            self.parts.append("")
        bullet = "-" if marker in "-*+" else marker
        self.parts.append(f"{'    ' * (len(self.indents) - 1)}{bullet} {text}")
        self.blank, self.in_list = False, True

    def text(self) -> str:
        return "\n".join(self.parts).strip()


@dataclass
class _Heading:
    """What a version heading says (``version`` is '' for an [Unreleased] one)."""

    version: str
    label: str
    rest: str
    url: str = ""
    unreleased: bool = False
    package: str = ""


class _Parser:
    """A line-by-line reader. ``mode``: 'before' the first version, 'intro' (prose under
    a version), 'section' (a category's list; ``section`` is its target), 'after' (prose
    after a rule), 'skip' (another package's release), 'outside' (under a heading that
    is not a version's: its lines are reported)."""

    def __init__(self, source: str, config: SiteConfig, package: str | None) -> None:
        self.out = ParsedChangelog(source)
        self.config = config
        self.package = package
        self.level = 0  # the version headings' level, once known
        self.release: ParsedRelease | None = None
        self.mode = "before"
        self.section = ""
        self.section_heading = ""
        self.section_start = 0
        self.section_items = 0
        self.item: _Item | None = None
        self.fence = ""
        self.comment: list[str] = []
        self.comment_line = 0
        self.intro: list[str] = []
        self.body: list[str] = []
        self.preamble: list[str] = []
        self.outside_reason = ""
        self.section_notes: set[str] = set()
        self.date_forms: dict[str, list[tuple[int, str, dt.date]]] = {}
        self.skipped: list[tuple[int, str]] = []
        self.in_versions = 0  # non-blank lines from the first version heading on

    # -- reporting ---------------------------------------------------------------------

    def unplaced(self, line: int, text: str, reason: str) -> None:
        self.out.unplaced.append(Unplaced(line, text.strip(), reason, self.mode != "before"))

    def note(self, line: int | None, message: str) -> None:
        self.out.notes.append(Note(line, message))

    def left_out(self, line: int, message: str) -> None:
        if self.level:
            self.out.left_out += 1
        self.note(line, message)

    # -- the line loop -----------------------------------------------------------------

    def feed(self, number: int, line: str) -> None:
        if line.strip() and self.level:
            self.in_versions += 1
        if self.comment:
            self._comment_line(number, line)
            return
        if self.item is not None:
            if not self.item.fence and (link := _LINK_DEF.match(line)) and _indent(line) > 0:
                self._definition(link)
                return
            if self.item.take(line):
                return
            self._end_item()
        if self.fence:
            self._prose(line)
            if _closes(line, self.fence):
                self.fence = ""
        elif not line:
            self._prose(line)
        elif _COMMENT_START.match(line):
            self.comment, self.comment_line = [line.strip()], number
            self._comment_line(number, "")
        elif layout := _HTML_LAYOUT.match(line):
            text = (layout["text"] or "").strip()
            kept = f" (its text: {text})" if text else ""
            self.left_out(number, f"HTML layout left out: {line.strip()}{kept}")
        elif RULE.match(line) and self.mode in ("before", "intro", "section", "skip", "outside"):
            if self.mode in ("intro", "section"):
                self._end_section()
                self.mode = "after"  # what follows a rule under a version is prose
        elif (link := _LINK_DEF.match(line)) and _indent(line) <= 3:
            self._definition(link)
        elif heading := HEADING.match(line):
            self._heading(number, len(heading[1]), heading[2], line)
        else:
            self._text(number, line)

    def _comment_line(self, number: int, line: str) -> None:
        if line:
            self.comment.append(line.strip())
        if "-->" in self.comment[-1]:
            shown = " ".join(self.comment)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            if self.level:
                self.out.left_out += len(self.comment) - 1
            self.left_out(self.comment_line, f"HTML comment left out: {shown}")
            self.comment = []

    def _definition(self, link: re.Match[str]) -> None:
        self.out.links.setdefault(_label(link[1]), link[2])

    def _prose(self, line: str) -> None:
        if self.mode == "before":
            self.preamble.append(line)
        elif self.mode == "intro":
            self.intro.append(line)
        elif self.mode in ("section", "after"):
            self.body.append(line)

    def _text(self, number: int, line: str) -> None:
        if self.mode == "before":
            self.preamble.append(line)
        elif self.mode == "outside":
            self.unplaced(number, line, self.outside_reason)
        elif self.mode == "skip":
            self.out.left_out += 1
        elif self.mode == "section" and (marker := LIST_ITEM.match(line)) and _indent(line) <= 3:
            self.item = _Item(number, marker.start(3), [marker[3]])
        elif self.mode == "intro" and (marked := self._marked_item(number, line)):
            self.item = marked
        else:
            if match := _FENCE.match(line):
                self.fence = match[1]
            self._prose(line)

    def _marked_item(self, number: int, line: str) -> _Item | None:
        """A list item under a version, outside any section, that names its category
        (``- **added:** …``, ``- **fixed:** …``): an item of that category."""
        marker = LIST_ITEM.match(line)
        if marker is None or _indent(line) > 3 or not (found := _MARKED.match(marker[3])):
            return None
        target = section_target(found["word"], self.config)
        if target is None:
            return None
        shown = found["word"].strip().lower()
        if shown not in self.section_notes:
            self.section_notes.add(shown)
            name = CATEGORY_TITLES.get(target, f"the release's {target} notes")
            self.note(number, f"read items marked '**{found['word']}:**' as {name}")
        text = marker[3] if target == "breaking" else found["text"]
        return _Item(number, marker.start(3), [text], target=target)

    # -- headings ----------------------------------------------------------------------

    def _heading(self, number: int, level: int, text: str, line: str) -> None:
        heading = _read_heading(text, self.package)
        if heading is not None and heading.package and self.package is not None:
            self.level = max(self.level, level)  # the packages' headings set the level
        other = heading is not None and heading.package and heading.package != self.package
        if other and heading is not None and (self.level == 0 or level <= self.level):
            self._other_package(number, level, heading, line)
            return
        if heading is not None and (self.level == 0 or level <= self.level):
            if not self.level:
                self.level, self.in_versions = level, 1
            self._version(number, heading)
            return
        if self.mode == "before":
            if level == 1 and not self.out.title:
                self.out.title = text
            else:
                self.preamble.append(line)
            return
        in_release = self.release is not None
        if in_release and level == self.level and section_target(text, self.config):
            self._section(number, text)
            return
        if level <= self.level:
            self._end_release()
            self.mode = "outside"
            self.outside_reason = f"under '{line.strip()}', which is not a version heading"
            self.unplaced(number, line, "not a version heading")
        elif self.mode == "outside":
            self.unplaced(number, line, self.outside_reason)
        elif self.mode == "skip":
            self.out.left_out += 1
        elif level == self.level + 1:
            self._section(number, text)
        else:
            self._prose(line)

    def _other_package(self, number: int, level: int, heading: _Heading, line: str) -> None:
        self._end_release()
        if not self.level:
            self.level, self.in_versions = level, 1
        if self.package is None:
            self.mode = "outside"
            self.outside_reason = (
                f"under '{line.strip()}', a release of the package '{heading.package}'"
                f" (import one package with --package {heading.package})"
            )
            self.unplaced(
                number,
                line,
                f"a release of the package '{heading.package}': import one package's releases"
                f" with --package {heading.package}",
            )
            return
        self.mode = "skip"
        self.out.left_out += 1
        self.skipped.append((number, line.strip()))

    def _version(self, number: int, heading: _Heading) -> None:
        self._end_release()
        self.mode = "intro"
        release = ParsedRelease(heading.version, number, label=heading.label)
        release.unreleased = heading.unreleased
        release.planned = heading.unreleased
        if heading.url:
            release.links["compare"] = heading.url
        rest = heading.rest
        rest, yanked = _YANKED.subn(" ", rest)
        release.yanked = yanked > 0
        rest, unknown = _DATE_UNKNOWN.subn(" ", rest)
        release.date_unknown = unknown > 0
        if PLANNED.search(rest):
            release.planned = True
            rest = PLANNED.sub(" ", rest)
        if found := find_date(rest):
            rest = rest[: found.start] + " " + rest[found.end :]
            if found.date is None:
                self.unplaced(number, found.text, found.problem)
            else:
                release.date = found.date
                if found.form != "iso":
                    self.date_forms.setdefault(found.form, []).append(
                        (number, found.text, found.date)
                    )
        rest = _RELEASED_WORD.sub(" ", rest)
        rest = re.sub(r"\(\s*\)|\[\s*\]", " ", rest)
        release.title = rest.strip(_SEPARATORS + "()[]").strip()
        self.release, self.mode, self.section = release, "intro", ""
        self.intro, self.body = [], []
        self.out.releases.append(release)

    def _section(self, number: int, text: str) -> None:
        self._end_item()
        self._end_section()
        target = section_target(text, self.config)
        if target is None:
            key = category_key(text)
            if not key:  # a heading of emoji only: prose
                self.mode = "after"
                self._prose("#" * (self.level + 1) + " " + text)
                return
            target = key
            if key not in self.out.categories:
                self.out.categories[key] = (category_label(text), number)
                self.note(number, f"section '{text.strip()}' is kept as the new category '{key}'")
        elif text.strip() not in self.section_notes and text.strip().lower() != target:
            self.section_notes.add(text.strip())
            shown = CATEGORY_TITLES.get(target, target)
            if target in ("breaking", "highlights"):
                shown = f"the release's {target} notes"
            self.note(number, f"read section '{text.strip()}' as {shown}")
        self.mode, self.section = "section", target
        self.section_heading = "#" * (self.level + 1) + " " + text
        self.section_start, self.section_items = len(self.body), 0

    def _end_section(self) -> None:
        """A section without items is prose: its heading goes back before its text."""
        prose = any(line.strip() for line in self.body[self.section_start :])
        if self.mode == "section" and self.section_items == 0 and prose:
            self.body.insert(self.section_start, self.section_heading)
            self.body.insert(self.section_start + 1, "")

    def _end_item(self) -> None:
        item, release = self.item, self.release
        self.item = None
        if item is None or release is None:
            return
        section = item.target or self.section
        self.section_items += 0 if item.target else 1
        text = item.text()
        breaking, note = split_breaking(text)
        if breaking or section == "breaking":
            release.breaking.append(note)
        elif section == "highlights":
            release.highlights.append(text)
        else:
            release.changes.setdefault(section, []).append(text)

    def _end_release(self) -> None:
        self._end_item()
        self._end_section()
        if self.release is not None:
            self.release.intro = _prose_text(self.intro)
            self.release.body = _prose_text(self.body)
        self.release, self.section, self.fence = None, "", ""
        self.intro, self.body = [], []

    def finish(self) -> ParsedChangelog:
        if self.comment:
            self.unplaced(self.comment_line, self.comment[0], "an HTML comment that never ends")
        self._end_release()
        out = self.out
        out.preamble = "\n".join(self.preamble).strip("\n")
        if out.preamble:
            lines = sum(1 for line in self.preamble if line.strip())
            self.note(
                None, f"the introduction before the first version ({lines} lines) is not imported"
            )
        for line, text in self.skipped:
            shown = text.lstrip("#").strip()
            self.note(line, f"'{shown}' is another package's release: not imported")
        for found in self.date_forms.values():
            line, text, day = found[0]
            more = f" (and {len(found) - 1} more dates written this way)" if len(found) > 1 else ""
            self.note(line, f"read {text} as {day.isoformat()}{more}")
        _merge_duplicates(out)
        for release in out.releases:
            _resolve_references(release, out.links)
        _date_unknown(out)
        out.scheme = _scheme(out, self.config)
        _number_unreleased(out)
        out.placed = self.in_versions - out.left_out - sum(1 for u in out.unplaced if u.in_release)
        out.notes.sort(key=lambda note: note.line or 0)
        return out


def _prose_text(lines: list[str]) -> str:
    """Prose as Markdown: one blank line between blocks (outside code), headings at
    ``####`` or deeper, no trailing rule (it separates the version from the next)."""
    while lines and (not lines[-1].strip() or RULE.match(lines[-1])):
        lines.pop()
    kept: list[str] = []
    for line, outside in zip(lines, outside_fences(lines), strict=True):
        if outside and not line.strip() and (not kept or not kept[-1].strip()):
            continue
        kept.append(line)
    return demote_headings("\n".join(kept).strip("\n"))


def _read_heading(text: str, package: str | None) -> _Heading | None:
    """A version heading's parts, or None when ``text`` does not start with a version,
    "Unreleased" or (``package``) a package's name and version."""
    text = _LEAD_WORD.sub("", text.strip())
    url = ""
    if bracketed := _BRACKETED.match(text):
        label, url, rest = bracketed["label"].strip(), bracketed["url"] or "", bracketed["rest"]
        inner = _LEAD_WORD.sub("", label)
        if _UNRELEASED_LABEL.match(inner):
            return _Heading("", label, rest, url, unreleased=True)
        if _LABEL_VERSION.match(inner):
            return _Heading(inner, label, rest, url)
        text = f"{label}{rest}"  # e.g. [axum-extra 0.9.0]
    elif plain := _PLAIN.match(text):
        return _Heading(plain["label"].rstrip(".-"), "", plain["rest"])
    elif word := _UNRELEASED_START.match(text):
        return _Heading("", word["word"], word["rest"], unreleased=True)
    if (found := _PACKAGE.match(text)) and not found["package"][:1].isdigit():
        name = found["package"]
        if name.lower() in ("version", "release", "v"):
            return None
        if package is not None and name.lower() == package.lower():
            name = package
        return _Heading(found["version"].rstrip(".-"), "", found["rest"], url, package=name)
    return None


def _merge_duplicates(parsed: ParsedChangelog) -> None:
    """A version's second heading is merged into its first, with a note."""
    first: dict[str, ParsedRelease] = {}
    kept = []
    for release in parsed.releases:
        key = release.version if not release.unreleased else "\0unreleased"
        earlier = first.get(key)
        if earlier is None:
            first[key] = release
            kept.append(release)
            continue
        shown = release.version or "[Unreleased]"
        message = f"version {shown} already appeared at line {earlier.line}: merged into it"
        parsed.notes.append(Note(release.line, message))
        if release.date and earlier.date and release.date != earlier.date:
            parsed.notes.append(
                Note(
                    release.line,
                    f"its date {release.date.isoformat()} differs from"
                    f" {earlier.date.isoformat()} at line {earlier.line}: the first is kept",
                )
            )
        earlier.date = earlier.date or release.date
        earlier.yanked = earlier.yanked or release.yanked
        earlier.title = earlier.title or release.title
        for category, notes in release.changes.items():
            earlier.changes.setdefault(category, []).extend(notes)
        earlier.breaking += release.breaking
        earlier.highlights += release.highlights
        earlier.intro = "\n\n".join(t for t in (earlier.intro, release.intro) if t)
        earlier.body = "\n\n".join(t for t in (earlier.body, release.body) if t)
        for name, url in release.links.items():
            earlier.links.setdefault(name, url)
    parsed.releases = kept


def _date_unknown(parsed: ParsedChangelog) -> None:
    """A version without a date is released when a version above it is (the file lists
    the newest first); otherwise it is planned. Either way a note says so."""
    newer_released = False
    for release in parsed.releases:
        if release.date is None and not release.planned and not release.date_unknown:
            shown = release.version
            if newer_released:
                release.date_unknown = True
                message = (
                    f"{shown} has no date: written as released with 'date: unknown' (a newer"
                    " version is released); add its date if you know it"
                )
            else:
                release.planned = True
                message = (
                    f"{shown} has no date: written as 'status: planned'; add its date and"
                    " remove the status to publish it as released"
                )
            parsed.notes.append(Note(release.line, message))
        if not release.planned:
            newer_released = True


def _scheme(parsed: ParsedChangelog, config: SiteConfig) -> str:
    """The site's versioning scheme when it accepts every version, else the narrowest
    scheme that does."""
    texts = [release.version for release in parsed.releases if not release.unreleased]
    if all(parse_in_scheme(text, config.versioning) for text in texts):
        return config.versioning
    return narrowest_scheme(texts)


def _number_unreleased(parsed: ParsedChangelog) -> None:
    """Give each [Unreleased] section a version, and say which in a note."""
    versions = [
        (release.planned, version)
        for release in parsed.releases
        if not release.unreleased and (version := parse_in_scheme(release.version, parsed.scheme))
    ]
    released = [version for planned, version in versions if not planned]
    # With no released version, number it after the planned ones: a CalVer or PEP 440
    # changelog has no 0.1.0.
    released = released or [version for _, version in versions]
    taken = {release.version for release in parsed.releases}
    newest = max(released, key=lambda version: version.key, default=None)
    for release in parsed.releases:
        if not release.unreleased:
            continue
        release.version = next_planned_version(released, taken)
        taken.add(release.version)
        why = f"the next minor version after {newest.text}" if newest else "no other version"
        parsed.notes.append(
            Note(release.line, f"[Unreleased] becomes planned release {release.version} ({why})")
        )


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _resolve_references(release: ParsedRelease, links: dict[str, str]) -> None:
    """Turn reference links ([#12], [text][ref], [`rule`][]) into inline links: a release
    file has no link reference definitions of its own. The heading's own definition (its
    label or version) becomes the release's ``compare`` link."""
    if "compare" not in release.links:
        label = release.label or release.version
        url = links.get(_label(label)) or links.get(_label(release.version))
        if url:
            release.links["compare"] = url
    if not links:
        return

    def inline(match: re.Match[str]) -> str:
        if match["code"]:
            return match[0]
        url = links.get(_label(match["ref"] or match["text"]))
        return f"[{match['text']}]({url})" if url else match[0]

    def resolve(text: str) -> str:
        return _REFERENCE.sub(inline, text) if "[" in text else text

    release.intro = resolve(release.intro)
    release.body = resolve(release.body)
    release.breaking = [resolve(note) for note in release.breaking]
    release.highlights = [resolve(note) for note in release.highlights]
    for category, notes in release.changes.items():
        release.changes[category] = [resolve(note) for note in notes]
