"""Release dates as changelogs write them, read as calendar dates.

``find_date(text)`` finds the first date in a version heading's text, in any of these
forms (seen in real changelogs), and says which form it was:

- ISO 8601 ``2024-03-14`` (the Keep a Changelog form: no note), and the same numbers
  with one-digit parts or other separators: ``2020-08-5``, ``2024/03/14``, ``2025.04.03``;
- day first with a four-digit year: ``14.03.2024``, ``14/03/2024`` (only when the day
  and month cannot be confused: a day over 12, or dots, the European form);
- month names (English, French, German; full or abbreviated): ``June 12, 2024``,
  ``Jun 12 2024``, ``6th December, 2024``, ``24. March 2024``, ``12. February, 2022``,
  ``6 décembre 2024``.

``PLANNED`` matches the words that say a version is not released yet: ``Unreleased``,
``TBD``, ``ReleaseDate`` (cargo-release's placeholder), ``YYYY-MM-DD``...
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    **dict.fromkeys(("january", "jan", "janvier", "janv", "januar", "jänner"), 1),
    **dict.fromkeys(("february", "feb", "février", "fevrier", "févr", "februar"), 2),
    **dict.fromkeys(("march", "mar", "mars", "märz", "maerz"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("june", "jun", "juin", "juni"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "juli"), 7),
    **dict.fromkeys(("august", "aug", "août", "aout"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre"), 9),
    **dict.fromkeys(("october", "oct", "octobre", "oktober", "okt"), 10),
    **dict.fromkeys(("november", "nov", "novembre"), 11),
    **dict.fromkeys(("december", "dec", "décembre", "decembre", "déc", "dezember", "dez"), 12),
}
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"(?:st|nd|rd|th|er)?\.?"
_NUMERIC = re.compile(
    r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])"
)
_DAY_FIRST = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"
)
_DAY_MONTH = re.compile(
    rf"(?<!\w)(?P<d>\d{{1,2}}){_ORDINAL}[ \t]+(?:of[ \t]+)?{_MONTH},?[ \t]+(?P<y>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"(?<!\w){_MONTH}[ \t]+(?P<d>\d{{1,2}}){_ORDINAL},?[ \t]+(?P<y>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PLANNED = re.compile(
    r"\b(?:un-?released|upcoming|tbd|tba|to be (?:released|determined|announced)"
    r"|release-?date|not (?:yet )?released|in progress|wip|yyyy-mm-dd|aaaa-mm-jj|jjjj-mm-tt"
    r"|non publiée?|unveröffentlicht|sin publicar|no publicado|não publicado)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    """A date found in a text: the date (None when the text names an impossible or an
    ambiguous one, see ``problem``), where it is, and its form for the import report."""

    date: dt.date | None
    start: int
    end: int
    text: str
    form: str  # "iso" or a description of the form, e.g. "YYYY.MM.DD"
    problem: str = ""


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_date(text: str) -> FoundDate | None:
    """The first date in ``text`` (see the module's list of forms), or None."""
    found: list[FoundDate] = []
    if match := _NUMERIC.search(text):
        day = _make(int(match["y"]), int(match["m"]), int(match["d"]))
        iso = bool(_ISO.match(match[0]))
        form = "iso" if iso else f"YYYY{match['sep']}MM{match['sep']}DD"
        problem = "" if day else "not a valid date (year, month, day)"
        found.append(FoundDate(day, match.start(), match.end(), match[0], form, problem))
    if match := _DAY_FIRST.search(text):
        first, second = int(match["d"]), int(match["m"])
        year, sep = int(match["y"]), match["sep"]
        if second > 12 >= first:
            day, form = _make(year, first, second), f"MM{sep}DD{sep}YYYY"
        elif first > 12 or sep == ".":
            day, form = _make(year, second, first), f"DD{sep}MM{sep}YYYY"
        else:
            day, form = None, "ambiguous"
        problem = "" if day else "an ambiguous or impossible date; write it as YYYY-MM-DD"
        found.append(FoundDate(day, match.start(), match.end(), match[0], form, problem))
    for pattern, form in ((_DAY_MONTH, "day month year"), (_MONTH_DAY, "month day, year")):
        if match := pattern.search(text):
            month = _MONTHS[match["month"].lower()]
            day = _make(int(match["y"]), month, int(match["d"]))
            problem = "" if day else "not a valid date"
            found.append(FoundDate(day, match.start(), match.end(), match[0], form, problem))
    return min(found, key=lambda f: f.start) if found else None
