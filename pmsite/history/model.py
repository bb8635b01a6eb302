"""The roadmap's history as a site shows it: a ``Change`` is one field of one goal or
release (or a metric's newest point) that differs between a commit and its parent; a
``CommitChanges`` holds the changes one commit made; ``PlanningAccuracy`` is the say/do
ratio; ``RoadmapHistory`` holds them all for the site.

Made by history/changes.py from what history/extract.py read from git. This module is
light (no git, no YAML): the model (``Site.history``) imports it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmsite.model.timeframe import Target

if TYPE_CHECKING:
    from pmsite.model.items import Item

# The kinds of change, in the order a commit's changes to one item are listed.
CHANGE_KINDS = (
    "added",
    "removed",
    "released",
    "status",
    "lane",
    "target",
    "title",
    "owner",
    "confidence",
    "progress",
)
RECENT_DAYS = 30  # the window of the counts at the top of changes/

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass
class Change:
    """One field of one item that one commit changed.

    ``date`` is the commit's committer date (UTC) and ``time`` the same instant in
    seconds since the epoch; ``commit`` is its 40-hex id and ``message`` its subject
    ("" when withheld: the commit also changed an item this site does not show).
    ``item_kind``/``slug``/``title`` name the item as it was then; ``item`` is the item on
    this site, when it is on it (for links). ``old``/``new`` are the values before and
    after: texts (a status, a lane, a target as written), numbers for ``progress`` (with
    ``measure`` and ``unit``), and None for ``added``/``removed``. ``slip`` is set on
    target changes only: True when the new target ends later than the old one.
    ``sentence`` says it for people ("Target slipped from 2026-Q2 to 2026-Q3");
    ``seq`` orders changes (oldest is 0); ``url`` links the commit ("" without repo_url).
    """

    date: dt.date
    time: int
    commit: str
    message: str
    item_kind: str
    slug: str
    title: str
    kind: str
    old: str | float | None
    new: str | float | None
    sentence: str
    seq: int
    slip: bool | None = None
    pulled_in: bool = False
    measure: str = ""
    unit: str = ""
    url: str = ""
    item: Item | None = None

    @property
    def anchor(self) -> str:
        """The id of this change's commit on an item's page ('pm--change-<12 hex>')."""
        return f"pm--change-{self.commit[:12]}"

    @property
    def short(self) -> str:
        return self.commit[:7]

    def as_json(self) -> dict:
        """The change object of roadmap.json and ``pmsite changes --format json``."""
        data: dict = {
            "date": self.date.isoformat(),
            "commit": self.commit,
            "message": self.message,
            "item": {"kind": self.item_kind, "slug": self.slug, "title": self.title},
            "kind": self.kind,
            "from": self.old,
            "to": self.new,
        }
        if self.kind == "target":
            data["slip"] = bool(self.slip)
        if self.kind == "progress":
            data["measure"] = self.measure
            data["unit"] = self.unit or None
        return data


@dataclass
class CommitChanges:
    """The changes one commit made to what the site shows, in item order."""

    commit: str
    date: dt.date
    time: int
    message: str
    url: str  # the commit on the repository's website, or ""
    changes: list[Change]

    @property
    def anchor(self) -> str:
        """Its id on the changes/ page ('pm--commit-<12 hex>')."""
        return f"pm--commit-{self.commit[:12]}"

    @property
    def short(self) -> str:
        return self.commit[:7]


@dataclass
class QuarterAccuracy:
    """Planning accuracy of one quarter: goals whose original target ended in it that
    reached done, and how many by that end; releases whose last planned target ended in
    it, and how many shipped by that end."""

    quarter: str  # '2026-Q2'
    goals: int = 0
    goals_on_time: int = 0
    releases: int = 0
    releases_on_time: int = 0


@dataclass
class PlanningAccuracy:
    """The say/do ratio. ``goals``: among goals that reached done, the share done by the
    end of their original target period (0.0 to 1.0); ``mean_slip_quarters``: how many
    quarters after that end they were done, on average (0 for those on time);
    ``releases``: among planned releases that shipped, the share released by the end of
    their last planned target. Each is None when nothing counts yet."""

    goals: float | None = None
    mean_slip_quarters: float | None = None
    releases: float | None = None
    goals_counted: int = 0
    releases_counted: int = 0
    quarters: list[QuarterAccuracy] = field(default_factory=list)  # oldest first

    def as_json(self) -> dict:
        """roadmap.json's ``planning_accuracy``: the three figures, rounded, or null."""
        return {
            "goals": _rounded(self.goals),
            "mean_slip_quarters": _rounded(self.mean_slip_quarters),
            "releases": _rounded(self.releases),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class RoadmapHistory:
    """Everything the site shows of its history.

    ``available`` is False without git (``why_not`` says why, for changes/); ``starts``
    is the date of the oldest commit read, and ``shallow`` says the clone is shallow
    (history then starts at the oldest commit present). ``commits`` are the commits
    that changed what the site shows, newest first. ``recent`` counts the changes of
    the ``RECENT_DAYS`` days up to ``recent_until`` (the newest change's date).
    ``notes`` are the revisions that could not be read (skipped).
    """

    available: bool = False
    why_not: str = ""
    starts: dt.date | None = None
    shallow: bool = False
    commits: list[CommitChanges] = field(default_factory=list)
    accuracy: PlanningAccuracy = field(default_factory=PlanningAccuracy)
    recent: list[tuple[str, int]] = field(default_factory=list)
    recent_until: dt.date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        """Every change, newest first."""
        return [change for commit in self.commits for change in commit.changes]

    @property
    def months(self) -> list[tuple[str, list[CommitChanges]]]:
        """The commits grouped by month ('July 2026'), newest first."""
        months: dict[str, list[CommitChanges]] = {}
        for commit in self.commits:
            name = f"{calendar.month_name[commit.date.month]} {commit.date.year}"
            months.setdefault(name, []).append(commit)
        return list(months.items())

    @property
    def recent_since(self) -> dt.date | None:
        """The first day of the window ``recent`` counts."""
        if self.recent_until is None:
            return None
        return self.recent_until - dt.timedelta(days=RECENT_DAYS - 1)


def by_commit(changes: list[Change]) -> list[list[Change]]:
    """``changes`` in runs of the same commit, in their order (the ``by_commit`` filter
    of templates: an item's history lists one entry per commit)."""
    groups: list[list[Change]] = []
    for change in changes:
        if groups and groups[-1][0].commit == change.commit:
            groups[-1].append(change)
        else:
            groups.append([change])
    return groups


def quarter_index(day: dt.date) -> int:
    """Quarters since year 0: consecutive quarters differ by one."""
    return day.year * 4 + (day.month - 1) // 3


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def lateness(day: dt.date, target: Target) -> str:
    """'on time' when ``day`` is within ``target``'s end; otherwise how late: 'one
    quarter late', 'two quarters late' (by calendar quarter), or '9 days late' when it is
    late but within the same quarter."""
    if day <= target.end:
        return "on time"
    quarters = quarter_index(day) - quarter_index(target.end)
    if quarters >= 1:
        return f"{number_word(quarters)} quarter{'s' if quarters != 1 else ''} late"
    days = (day - target.end).days
    return f"{days} day{'s' if days != 1 else ''} late"


def number_word(count: int) -> str:
    """'one' to 'nine', then digits."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)
