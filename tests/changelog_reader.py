"""An independent reader of changelogs, for measuring what an import and export keep.

It shares no code with ``pmsite.changelog``: it reads a CHANGELOG.md the simple way a
person skims one (headings that start with a version, top-level bullets under them,
a date in the heading) and ``kept(original, exported)`` counts how many of the
original's versions, dates and entries appear in pmsite's export.

- A **version** is a heading (outside fenced code) whose text, after ``#``, brackets
  and a leading "Version"/"Release", starts with a version token (``1.2.0``,
  ``v0.8.1``, ``2024.03.1``, ``1.44.0/0.65b0``) or "Unreleased"; with ``package``, a
  heading ``PACKAGE VERSION`` counts and other packages' headings end the scope.
- A **date** is one found in a version heading: ``2024-03-14`` and the same numbers with
  ``/`` or ``.``, ``June 12, 2024``, ``6th December, 2024``, ``24. March 2024``.
- An **entry** is a bullet at column 0 under a version heading (outside code); it is
  compared by its letters and digits, with link targets and ``**BREAKING**``/
  ``**added:**`` marks removed, and counts as kept when an export entry starts with it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_TOKEN = re.compile(
    r"^[vV]?\d+(?:\.[0-9A-Za-z]+)+(?:[-+][0-9A-Za-z.-]+)?(?:(?:/|, )[vV]?\d[\w.-]*)?"
)
_UNRELEASED = re.compile(r"^(?:unreleased|non publié)", re.IGNORECASE)
_KAC = {"added", "changed", "deprecated", "removed", "fixed", "security"}
_BULLET = re.compile(r"^[-*+] +(\S.*)$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_NUM_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_MONTH_FIRST = re.compile(r"([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")
_DAY_FIRST = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\.? ([A-Za-z]+),? (\d{4})")


@dataclass
class Changelog:
    """What the reader found: versions in order, each version's date, its entries."""

    versions: list[str] = field(default_factory=list)
    dates: dict[str, dt.date] = field(default_factory=dict)
    entries: dict[str, list[str]] = field(default_factory=dict)


def _date(text: str) -> dt.date | None:
    try:
        if match := _NUM_DATE.search(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if (match := _MONTH_FIRST.search(text)) and match[1].lower() in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
        if (match := _DAY_FIRST.search(text)) and match[2].lower() in _MONTHS:
            return dt.date(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    except ValueError:
        return None
    return None


def _version(text: str, package: str | None) -> tuple[str | None, bool]:
    """(version or 'unreleased', whether the heading belongs to another package)."""
    text = re.sub(r"^(?:version|release) +", "", text.strip(), flags=re.IGNORECASE)
    text = text.replace("[", "").replace("]", " ").strip()
    text = re.sub(r"^(?:version|release) +", "", text, flags=re.IGNORECASE)
    if package is not None and text.lower().startswith(package.lower() + " "):
        text = text[len(package) + 1 :]
    elif package is not None and re.match(r"^[A-Za-z][\w-]* v?\d", text):
        return None, True
    if _UNRELEASED.match(text):
        return "unreleased", False
    match = _TOKEN.match(text)
    return (match[0] if match else None), False


def read(text: str, package: str | None = None) -> Changelog:
    """Versions, dates and entries of a changelog (see the module's rules)."""
    found = Changelog()
    current: str | None = None
    fence = False
    level = 0
    for line in text.splitlines():
        if _FENCE.match(line):
            fence = not fence
            continue
        if fence:
            continue
        if heading := _HEADING.match(line):
            text = re.sub(r"\]\([^)]*\)", "]", heading[2])  # a version's link: not its date
            version, other = _version(text, package)
            if other:
                current = None
                continue
            ours = package is not None and text.lower().startswith(package.lower())
            if version and (not level or len(heading[1]) <= level or ours):
                level = level or len(heading[1])
                current = version
                if version not in found.entries:
                    found.versions.append(version)
                    found.entries[version] = []
                if "unreleased" in text.lower() and version != "unreleased":
                    found.versions.append("unreleased")  # a numbered planned release
                rest = text[text.find(version) + len(version) :]
                if (day := _date(rest)) and version not in found.dates:
                    found.dates[version] = day
            elif (
                len(heading[1]) <= level and not version and heading[2].strip().lower() not in _KAC
            ):
                current = None
            continue
        if current is not None and (bullet := _BULLET.match(line)):
            found.entries[current].append(bullet[1])
    return found


def normalise(entry: str) -> str:
    """An entry as compared: letters and digits of its text, marks and URLs removed."""
    entry = re.sub(r"\]\([^)]*\)", "]", entry)
    entry = re.sub(r"\*\*BREAKING\*\*|^\*\*[\w ]+:\*\*", "", entry)
    return "".join(c for c in entry.lower() if c.isalnum())


@dataclass
class Kept:
    """Counts over one or more changelogs: (kept, total) for versions, dates, entries."""

    versions: list[int] = field(default_factory=lambda: [0, 0])
    dates: list[int] = field(default_factory=lambda: [0, 0])
    entries: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, other: Kept) -> None:
        for name in ("versions", "dates", "entries"):
            mine, theirs = getattr(self, name), getattr(other, name)
            mine[0] += theirs[0]
            mine[1] += theirs[1]

    def percent(self, name: str) -> float:
        kept, total = getattr(self, name)
        return 100.0 if total == 0 else 100.0 * kept / total


def kept(original: str, exported: str, package: str | None = None) -> Kept:
    """How much of ``original`` the ``exported`` changelog still has."""
    before, after = read(original, package), read(exported)
    result = Kept()
    result.versions = [sum(1 for v in before.versions if v in after.versions), len(before.versions)]
    result.dates = [
        sum(1 for v, day in before.dates.items() if after.dates.get(v) == day),
        len(before.dates),
    ]
    pool = [normalise(e) for entries in after.entries.values() for e in entries]
    found = 0
    total = 0
    for entries in before.entries.values():
        for entry in entries:
            total += 1
            wanted = normalise(entry)
            match = next((i for i, e in enumerate(pool) if e.startswith(wanted)), None)
            if match is not None:
                pool.pop(match)
                found += 1
    result.entries = [found, total]
    return result
