"""Dates and roadmap targets: 2027-Q1, 2027-H1, 2027-03 or a plain date."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TARGET_FORMATS = "2027-Q1, 2027-H1, 2027-03 or 2027-03-31"


@dataclass(frozen=True)
class Target:
    """A target period; ``start`` and ``end`` are the first and last day it covers."""

    text: str
    kind: str  # quarter | half | month | date
    start: dt.date
    end: dt.date

    @property
    def quarter(self) -> str:
        """The quarter the target ends in, e.g. '2027-Q1' (the roadmap timeline's lane)."""
        return f"{self.end.year}-Q{(self.end.month - 1) // 3 + 1}"

    @property
    def period(self) -> Target:
        """The roadmap timeline's lane for this target: a half-year is its own lane
        (2027-H2 is not a quarter); a quarter, a month or a date sits in the quarter it
        falls in (Nov 2027 and 2027-11-15 in 2027-Q4)."""
        if self.kind in ("half", "quarter"):
            return self
        quarter = parse_target(self.quarter)
        assert quarter is not None
        return quarter

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{calendar.month_abbr[self.start.month]} {self.start.year}"
        if self.kind == "date":
            return self.start.isoformat()
        return self.text

    @property
    def sort_key(self) -> tuple[dt.date, dt.date]:
        return (self.end, self.start)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_target(value: object) -> Target | None:
    """The Target for a YAML value (text or a date), or None when it has none of the forms."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Target(value.isoformat(), "date", value, value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        return Target(text, "quarter", dt.date(year, first, 1), _last_day(year, first + 2))
    if match := _HALF.match(text):
        year, half = int(match[1]), int(match[2])
        first = 6 * half - 5
        return Target(text, "half", dt.date(year, first, 1), _last_day(year, first + 5))
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        return Target(text, "month", dt.date(year, month, 1), _last_day(year, month))
    day = parse_date(text)
    return Target(day.isoformat(), "date", day, day) if day else None


# A date, optionally with a time of day and an offset: YAML's timestamp (what an
# unquoted value is read as; seconds may be left out), so that quoted and unquoted
# values follow one rule.
_DATE_TIME = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)"
    r"|(?P<y>\d{4})-(?P<m>\d\d?)-(?P<d>\d\d?)(?=[Tt \t]))"
    r"(?:(?:[Tt]|[ \t]+)(?P<hour>\d\d?):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:\.\d*)?)?"
    r"(?:[ \t]*(?:[Zz]|[-+](?P<tzh>\d\d?)(?::?(?P<tzm>\d\d))?))?)?"
)


def read_date(value: object) -> tuple[dt.date | None, str]:
    """(date, "") for a YAML date or date-time, or the same written as text; else (None,
    why: "" when it has no date's shape, "day is out of range for month" when it has).

    A date-time keeps the calendar date as written, in its own offset: the time and the
    offset are dropped (2026-11-15T23:30:00-08:00 is 15 November 2026)."""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    if not isinstance(value, str):
        return None, ""
    found = _DATE_TIME.fullmatch(value.strip())
    if found is None:
        return None, ""
    year, month, day = (
        found[a] or found[b] for a, b in (("year", "y"), ("month", "m"), ("day", "d"))
    )
    try:
        date = dt.date(int(year), int(month), int(day))
        if found["hour"] is not None:
            dt.time(int(found["hour"]), int(found["minute"]), int(found["second"] or 0))
        if found["tzh"] is not None and (int(found["tzh"]) > 23 or int(found["tzm"] or 0) > 59):
            raise ValueError("the offset from UTC is out of range")
    except ValueError as error:
        return None, str(error)
    return date, ""


def parse_date(value: object) -> dt.date | None:
    """A date from a YAML date or date-time, or from the same written as text, or None
    (see ``read_date``)."""
    return read_date(value)[0]
