"""Reading a Keep a Changelog file (https://keepachangelog.com/en/1.1.0/).

``parse_changelog`` turns the text into ParsedReleases and never drops text silently:
every non-blank line it cannot place is returned as an Unplaced line with a reason.
``pmsite.changelog.release_files`` writes the release files; ``changelog_export`` writes the format.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pmsite.model.items import CHANGE_CATEGORIES
from pmsite.model.semver import Version, parse_version

CATEGORY_TITLES = {category: category.capitalize() for category in CHANGE_CATEGORIES}
BREAKING_SECTIONS = ("breaking", "breaking change", "breaking changes")
BREAKING_MARK = "**BREAKING**"

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
LIST_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(\S.*)$")
_LINK_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+.*)?$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
# The exported form (**BREAKING**) comes first so that a note starting "CHANGES**" stays whole.
_BREAKING = re.compile(
    r"^(?:\*\*BREAKING\*\*:?|\*\*BREAKING(?:[ _]CHANGES?)?:\*\*|\*\*BREAKING[ _]CHANGES?\*\*:?"
    r"|BREAKING(?:[ _]CHANGES?)?:)[ \t]*",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"^\[(?P<label>[^\]]+)\](?:\([^)]*\))?(?P<rest>.*)$")
_PLAIN = re.compile(r"^(?P<label>[^\s\[]+)(?P<rest>.*)$")
_VERSIONISH = re.compile(r"^[vV]?\d")
_YANKED = re.compile(r"\[[ \t]*yanked[ \t]*\]|\byanked\b", re.IGNORECASE)
_UNRELEASED = re.compile(r"\bunreleased\b", re.IGNORECASE)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_REFERENCE = re.compile(
    r"(?P<code>`+).*?(?P=code)|\[(?P<text>[^\[\]]+)\](?:\[(?P<ref>[^\[\]]*)\])?(?![(\[:])"
)


@dataclass(frozen=True)
class Unplaced:
    """A line of the changelog that was not imported, and why."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Note:
    """Something the importer decided that the user should know about."""

    line: int | None
    message: str


@dataclass
class ParsedRelease:
    """One version section. ``version`` has no leading 'v'; an [Unreleased] section gets
    the next minor version after the newest released one (``unreleased`` is then True)."""

    version: str
    line: int
    date: dt.date | None = None
    yanked: bool = False
    planned: bool = False
    unreleased: bool = False
    changes: dict[str, list[str]] = field(default_factory=dict)
    breaking: list[str] = field(default_factory=list)
    body: str = ""


@dataclass
class ParsedChangelog:
    """The whole file: releases in file order, the intro (``preamble``) after the title,
    link reference definitions by lower-case label, and every line not placed."""

    source: str
    title: str = ""
    preamble: str = ""
    releases: list[ParsedRelease] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)


def parse_changelog(text: str, source: str) -> ParsedChangelog:
    """Parse a Keep a Changelog file; ``source`` names it in the result."""
    parser = _Parser(source)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        parser.feed(number, line.expandtabs(4).rstrip())
    return parser.finish()


def next_planned_version(released: Iterable[Version], taken: Iterable[str] = ()) -> str:
    """The version an [Unreleased] section gets: the next minor after the highest released
    version (0.1.0 when there is none), skipping versions already ``taken``."""
    newest = max(released, key=lambda version: version.key, default=None)
    major, minor = (newest.major, newest.minor + 1) if newest else (0, 1)
    used = set(taken)
    while f"{major}.{minor}.0" in used:
        minor += 1
    return f"{major}.{minor}.0"


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
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
        elif match := _FENCE.match(line):
            fence = match[1]
            yield False
        else:
            yield True


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _starts_block(line: str) -> bool:
    return any(pattern.match(line) for pattern in (HEADING, _LINK_DEF, _FENCE, RULE))


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
        if line.strip().startswith(self.fence) and not line.strip().strip(self.fence[0]):
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


class _Parser:
    """A line-by-line reader; ``section`` is '' for a release's body, a category,
    'breaking', or '?' for an unknown section whose lines are all reported."""

    def __init__(self, source: str) -> None:
        self.out = ParsedChangelog(source)
        self.release: ParsedRelease | None = None
        self.section, self.section_title = "", ""
        self.item: _Item | None = None
        self.fence = ""
        self.body: list[str] = []
        self.preamble: list[str] = []
        self.outside = "before the first version heading"
        self.seen_version_heading = False

    def unplaced(self, line: int, text: str, reason: str) -> None:
        self.out.unplaced.append(Unplaced(line, text.strip(), reason))

    def feed(self, number: int, line: str) -> None:
        if self.item is not None:
            if self.item.take(line):
                return
            self._end_item()
        if self.fence:
            self.body.append(line)
            if line.strip().startswith(self.fence) and not line.strip().strip(self.fence[0]):
                self.fence = ""
        elif not line:
            (self.body if self.release is not None else self.preamble).append("")
        elif RULE.match(line) and (self.section or self.release is None):
            return  # a horizontal rule between versions or sections: layout, not text
        elif link := _LINK_DEF.match(line):
            self.out.links[_label(link[1])] = link[2]
        elif heading := HEADING.match(line):
            self._heading(number, len(heading[1]), heading[2], line)
        elif self.release is None:
            self._outside(number, line)
        else:
            self._release_text(number, line)

    def _outside(self, number: int, line: str) -> None:
        is_prose = not (LIST_ITEM.match(line) or _FENCE.match(line))
        if self.out.title and not self.seen_version_heading and is_prose:
            self.preamble.append(line)
        else:
            self.unplaced(number, line, self.outside)

    def _release_text(self, number: int, line: str) -> None:
        marker = LIST_ITEM.match(line)
        if not self.section:
            if match := _FENCE.match(line):
                self.fence = match[1]
            self.body.append(line)
        elif self.section == "?":
            self.unplaced(number, line, f"in the unknown section '{self.section_title}'")
        elif marker and _indent(line) <= 3:
            self.item = _Item(number, marker.start(3), [marker[3]])
        else:
            self.unplaced(number, line, f"not a list item of the section '{self.section_title}'")

    def _heading(self, number: int, level: int, text: str, line: str) -> None:
        if level == 2:
            self._version_heading(number, text, line)
        elif level == 1 and not (self.out.title or self.seen_version_heading):
            self.out.title = text
        elif level == 1:
            self.unplaced(number, line, "a second '#' title")
        elif self.release is None:
            self.unplaced(number, line, self.outside)
        elif level == 3:
            self._section(number, text, line)
        elif not self.section:
            self.body.append(line)
        else:
            self.unplaced(number, line, f"a heading inside the section '{self.section_title}'")

    def _section(self, number: int, text: str, line: str) -> None:
        key = text.strip().rstrip(":").strip().lower()
        self.section_title = text.strip()
        if key in CHANGE_CATEGORIES:
            self.section = key
        elif key in BREAKING_SECTIONS:
            self.section = "breaking"
        else:
            self.section = "?"
            known = ", ".join(CATEGORY_TITLES.values())
            self.unplaced(number, line, f"unknown section; Keep a Changelog sections are {known}")

    def _version_heading(self, number: int, text: str, line: str) -> None:
        self._end_release()
        self.seen_version_heading = True
        release = self._read_heading(number, text)
        if release is None:
            self.outside = f"under '{line.strip()}', which is not a version heading"
            self.unplaced(number, line, "not a version heading")
            return
        self.release, self.section, self.body = release, "", []
        self.out.releases.append(release)

    def _read_heading(self, number: int, text: str) -> ParsedRelease | None:
        text = re.sub(r"^(?:version|release)[ \t]+", "", text.strip(), flags=re.IGNORECASE)
        match = _BRACKETED.match(text) or _PLAIN.match(text)
        if match is None:
            return None
        label, rest = match["label"].strip().rstrip(":,"), match["rest"]
        if label.lower() == "unreleased":
            release = ParsedRelease("", number, planned=True, unreleased=True)
        elif _VERSIONISH.match(label):
            release = ParsedRelease(label.removeprefix("v").removeprefix("V"), number)
        else:
            return None
        rest, yanked = _YANKED.subn("", rest)
        rest, unreleased = _UNRELEASED.subn("", rest)
        release.yanked, release.planned = yanked > 0, release.planned or unreleased > 0
        if date := _DATE.search(rest):
            rest = rest[: date.start()] + rest[date.end() :]
            try:
                release.date = dt.date.fromisoformat(date[0])
            except ValueError:
                self.unplaced(number, date[0], "not a valid YYYY-MM-DD date")
        leftover = rest.strip(" -–—:,;()[]")
        if leftover:
            reason = "text in the version heading besides the date and [YANKED]"
            self.unplaced(number, leftover, reason)
        return release

    def _end_item(self) -> None:
        item, release = self.item, self.release
        self.item = None
        if item is None or release is None:
            return
        text = item.text()
        breaking, note = split_breaking(text)
        if breaking or self.section == "breaking":
            release.breaking.append(note)
        else:
            release.changes.setdefault(self.section, []).append(text)

    def _end_release(self) -> None:
        self._end_item()
        while self.body and (not self.body[-1] or RULE.match(self.body[-1])):
            self.body.pop()  # blank lines and a rule that separates it from the next version
        if self.release is not None:
            self.release.body = "\n".join(self.body).strip("\n")
        self.release, self.section, self.fence = None, "", ""

    def finish(self) -> ParsedChangelog:
        self._end_release()
        self.out.preamble = "\n".join(self.preamble).strip("\n")
        _number_unreleased(self.out)
        for release in self.out.releases:
            _resolve_references(release, self.out.links)
        return self.out


def _number_unreleased(parsed: ParsedChangelog) -> None:
    """Give each [Unreleased] section a version, and say which in a note."""
    released = [
        version
        for release in parsed.releases
        if not release.planned and (version := parse_version(release.version))
    ]
    taken = {release.version for release in parsed.releases}
    newest = max(released, key=lambda version: version.key, default=None)
    for release in parsed.releases:
        if not release.unreleased:
            continue
        release.version = next_planned_version(released, taken)
        taken.add(release.version)
        why = f"the next minor version after {newest.text}" if newest else "no released version"
        parsed.notes.append(
            Note(release.line, f"[Unreleased] becomes planned release {release.version} ({why})")
        )


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _resolve_references(release: ParsedRelease, links: dict[str, str]) -> None:
    """Turn reference links ([#12], [text][ref]) into inline links: a release file has
    no link reference definitions of its own."""
    if not links:
        return

    def inline(match: re.Match[str]) -> str:
        if match["code"]:
            return match[0]
        url = links.get(_label(match["ref"] or match["text"]))
        return f"[{match['text']}]({url})" if url else match[0]

    def resolve(text: str) -> str:
        return _REFERENCE.sub(inline, text) if "[" in text else text

    release.body = resolve(release.body)
    release.breaking = [resolve(note) for note in release.breaking]
    for category, notes in release.changes.items():
        release.changes[category] = [resolve(note) for note in notes]
