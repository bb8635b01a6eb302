"""From the raw history (history/extract.py) to what one build shows: the changes, each
item's history and original target, and planning accuracy.

A build sees its own items only: drafts unless ``--drafts``, internal items unless
``--audience internal``. So every state is first reduced to what this build could show
(``visible``), and changes are the differences between those: a draft goal never shows,
a goal published after being a draft is added when it is published (with the state it
then had), and a commit that also changed an item this build does not show keeps its
subject to itself (it may name that item).

A merge's changes are those where its result differs from every parent (what the merge
itself decided); what a branch changed is told by the branch's own commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pmsite.history.extract import Commit, Extracted, NoHistory
from pmsite.history.model import (
    RECENT_DAYS,
    Change,
    CommitChanges,
    PlanningAccuracy,
    QuarterAccuracy,
    RoadmapHistory,
    lateness,
    quarter_index,
    quarter_of,
)
from pmsite.history.revisions import ItemState, Key
from pmsite.model.timeframe import Target, parse_target

if TYPE_CHECKING:
    from pmsite.model.items import Item

STATUS_LABELS = {
    "planned": "Planned",
    "in-progress": "In progress",
    "at-risk": "At risk",
    "done": "Done",
    "dropped": "Dropped",
    "released": "Released",
}
LANE_LABELS = {"now": "Now", "next": "Next", "later": "Later"}
CONFIDENCE_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass
class Projected:
    """The history as one build (one ``drafts``/``audience``) sees it.

    ``changes`` oldest first; ``commits`` the commits with visible changes, newest
    first; per item key: ``original`` (first target), ``planned`` (a release's last
    target while planned), ``first_seen`` (when it first showed).
    """

    changes: list[Change] = field(default_factory=list)
    commits: list[CommitChanges] = field(default_factory=list)
    original: dict[Key, str] = field(default_factory=dict)
    planned: dict[Key, str] = field(default_factory=dict)
    first_seen: dict[Key, dt.date] = field(default_factory=dict)
    accuracy: PlanningAccuracy = field(default_factory=PlanningAccuracy)
    starts: dt.date | None = None
    shallow: bool = False
    notes: list[str] = field(default_factory=list)


def project(extracted: Extracted, drafts: bool = False, audience: str = "public") -> Projected:
    """The changes of ``extracted`` that a build with these options may show."""

    def visible(state: ItemState | None) -> ItemState | None:
        if state is None or (state.draft and not drafts):
            return None
        return None if state.internal and audience != "internal" else state

    found = Projected(shallow=extracted.shallow, notes=[str(n) for n in extracted.notes])
    if extracted.commits:
        found.starts = extracted.commits[0].date
    withheld: set[int] = set()
    per_commit: dict[int, list[Change]] = {}
    accuracy = _Accuracy()
    for step in extracted.steps:
        commit = extracted.commits[step.commit]
        before, after = visible(step.before), visible(step.after)
        others = tuple(visible(state) for state in step.others)
        states = (step.before, step.after, *step.others)
        if any(s is not None and visible(s) is None for s in states):
            withheld.add(step.commit)
        if after is not None:
            found.first_seen.setdefault(step.key, commit.date)
            if after.target:
                found.original.setdefault(step.key, after.target)
            if after.kind == "release" and after.status == "planned" and after.target:
                found.planned[step.key] = after.target
        if commit.boundary:
            continue  # a shallow clone starts here: what it holds was not added here
        made = list(_changes(before, after, others, found.planned.get(step.key, "")))
        if not made:
            continue
        accuracy.note(step.key, before, after, commit, found)
        shown = after or before  # as this build may show it: never a draft's title
        assert shown is not None
        for kind, old, new, sentence, extra in made:
            change = Change(
                date=commit.date,
                time=commit.time,
                commit=commit.id,
                message=commit.subject,
                item_kind=step.key[0],
                slug=step.key[1],
                title=shown.title,
                kind=kind,
                old=old,
                new=new,
                sentence=sentence,
                seq=len(found.changes),
                **extra,
            )
            found.changes.append(change)
            per_commit.setdefault(step.commit, []).append(change)
    for index in withheld & per_commit.keys():
        for change in per_commit[index]:
            change.message = ""
    for index in sorted(per_commit, reverse=True):
        commit = extracted.commits[index]
        message = "" if index in withheld else commit.subject
        found.commits.append(
            CommitChanges(commit.id, commit.date, commit.time, message, "", per_commit[index])
        )
    found.accuracy = accuracy.result()
    return found


Made = tuple[str, "str | float | None", "str | float | None", str, dict]


def _changes(
    before: ItemState | None,
    after: ItemState | None,
    others: tuple[ItemState | None, ...],
    planned: str,
) -> Iterable[Made]:
    """(kind, from, to, sentence, extra fields) of each change from ``before`` to
    ``after``; for a merge, only where ``after`` differs from every parent."""
    if after is None and before is None:
        return
    if after is None:
        if all(other is not None for other in others):
            yield "removed", None, None, "Removed from the roadmap", {}
        return
    if before is None:
        if any(other is not None for other in others):
            return
        if after.kind == "release" and after.status == "released":
            yield _released(None, after, planned)
        elif after.kind != "metric":
            yield "added", None, None, _added(after), {}
        return

    def differs(name: str) -> bool:
        value = getattr(after, name)
        return getattr(before, name) != value and all(
            other is None or getattr(other, name) != value for other in others
        )

    if after.kind == "release" and differs("status"):
        if before.status == "planned" and after.status == "released":
            yield _released(before, after, planned)
        else:
            yield _labelled("status", before.status, after.status)
    elif after.kind == "goal" and differs("status"):
        yield _labelled("status", before.status, after.status)
    if after.kind == "goal" and after.lane and differs("lane"):
        new_lane = LANE_LABELS[after.lane]
        if before.lane:
            sentence = f"Moved from {LANE_LABELS[before.lane]} to {new_lane}"
        else:
            sentence = f"Moved into {new_lane}"
        yield "lane", before.lane or None, after.lane, sentence, {}
    a_plan = after.kind == "goal" or (after.kind == "release" and after.status == "planned")
    if a_plan and differs("target"):  # a released release's target is no longer a plan
        yield _target(before.target, after.target)
    if after.kind != "metric" and differs("title"):
        sentence = f"Renamed from “{before.title}” to “{after.title}”"
        yield "title", before.title, after.title, sentence, {}
    if after.kind == "goal" and differs("owner"):
        yield _optional("owner", "Owner", before.owner, after.owner)
    if after.kind == "goal" and differs("confidence"):
        yield _optional(
            "confidence", "Confidence", before.confidence, after.confidence, CONFIDENCE_LABELS
        )
    if after.kind == "goal":
        yield from _measures(before, after, others)
    if after.kind == "metric" and differs("point") and after.point is not None:
        old = before.point[1] if before.point else None
        yield _check_in(after.title, after.unit, old, after.point[1])


def _added(state: ItemState) -> str:
    if state.kind == "release":
        where = "Added as a planned release"
    elif state.lane:
        where = f"Added to the roadmap in {LANE_LABELS[state.lane]}"
    else:
        where = f"Added to the roadmap ({STATUS_LABELS.get(state.status, state.status)})"
    return f"{where}, target {state.target}" if state.target else where


def _labelled(kind: str, old: str, new: str) -> Made:
    sentence = f"Status: {STATUS_LABELS.get(old, old)} → {STATUS_LABELS.get(new, new)}"
    return kind, old, new, sentence, {}


def _released(before: ItemState | None, after: ItemState, planned: str) -> Made:
    """A planned release that got its date (or a release added as released)."""
    day = dt.date.fromisoformat(after.date) if after.date else None
    sentence = f"Released {_long_date(day)}" if day else "Released"
    target = parse_target(planned) if planned and before is not None else None
    if day and target:
        sentence += f" (planned for {planned}: {lateness(day, target)})"
    old = planned if before is not None and planned else None
    return "released", old, after.date or None, sentence, {}


def _target(old: str, new: str) -> Made:
    before, after = parse_target(old), parse_target(new)
    slip = bool(before and after and after.end > before.end)
    pulled_in = bool(before and after and after.end < before.end)
    if not old:
        sentence = f"Target set to {new}"
    elif not new:
        sentence = f"Target removed (was {old})"
    elif slip:
        sentence = f"Target slipped from {old} to {new}"
    elif pulled_in:
        sentence = f"Target pulled in from {old} to {new}"
    else:
        sentence = f"Target changed from {old} to {new}"
    return "target", old or None, new or None, sentence, {"slip": slip, "pulled_in": pulled_in}


def _optional(
    kind: str, label: str, old: str, new: str, labels: dict[str, str] | None = None
) -> Made:
    """A change of a field that may be empty: set, removed, or changed."""
    shown_old, shown_new = (labels or {}).get(old, old), (labels or {}).get(new, new)
    if not old:
        sentence = f"{label} set to {shown_new}"
    elif not new:
        sentence = f"{label} removed (was {shown_old})"
    else:
        sentence = f"{label}: {shown_old} → {shown_new}"
    return kind, old or None, new or None, sentence, {}


def _measures(
    before: ItemState, after: ItemState, others: tuple[ItemState | None, ...]
) -> Iterable[Made]:
    """A check-in of each inline measure whose current value changed."""
    old_values = {name: current for name, _, current in before.measures}
    for name, unit, current in after.measures:
        if current is None or old_values.get(name) == current:
            continue
        if any(other is not None and (name, unit, current) in other.measures for other in others):
            continue
        yield _check_in(name, unit, old_values.get(name), current)


def _check_in(name: str, unit: str, old: float | None, new: float) -> Made:
    shown = f"{_value(old, unit)} → {_value(new, unit)}" if old is not None else _value(new, unit)
    extra = {"measure": name, "unit": unit}
    return "progress", old, new, f"{name} check-in: {shown}", extra


def _value(value: float | None, unit: str) -> str:
    from pmsite.render.charts import format_number

    text = format_number(value) if value is not None else "–"
    return f"{text} {unit}" if unit else text


def _long_date(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


class _Accuracy:
    """Counts planning accuracy as the changes are made (see PlanningAccuracy)."""

    def __init__(self) -> None:
        self.goals: list[tuple[Target, dt.date]] = []  # (original target, done on)
        self.releases: list[tuple[Target, dt.date]] = []  # (last planned target, released)
        self._done: set[Key] = set()
        self._released: set[Key] = set()

    def note(
        self,
        key: Key,
        before: ItemState | None,
        after: ItemState | None,
        commit: Commit,
        found: Projected,
    ) -> None:
        if before is None or after is None:
            return
        if (
            after.kind == "goal"
            and after.status == "done"
            and before.status != "done"
            and key not in self._done
        ):
            self._done.add(key)
            target = parse_target(found.original.get(key, ""))
            if target is not None:
                self.goals.append((target, commit.date))
        elif (
            after.kind == "release"
            and after.status == "released"
            and before.status == "planned"
            and key not in self._released
        ):
            self._released.add(key)
            target = parse_target(found.planned.get(key, ""))
            day = dt.date.fromisoformat(after.date) if after.date else commit.date
            if target is not None:
                self.releases.append((target, day))

    def result(self) -> PlanningAccuracy:
        quarters: dict[str, QuarterAccuracy] = {}

        def row(target: Target) -> QuarterAccuracy:
            name = quarter_of(target.end)
            return quarters.setdefault(name, QuarterAccuracy(name))

        slips = []
        on_time = 0
        for target, day in self.goals:
            entry = row(target)
            entry.goals += 1
            if day <= target.end:
                on_time += 1
                entry.goals_on_time += 1
            slips.append(max(0, quarter_index(day) - quarter_index(target.end)))
        shipped = 0
        for target, day in self.releases:
            entry = row(target)
            entry.releases += 1
            if day <= target.end:
                shipped += 1
                entry.releases_on_time += 1
        return PlanningAccuracy(
            goals=on_time / len(self.goals) if self.goals else None,
            mean_slip_quarters=sum(slips) / len(slips) if slips else None,
            releases=shipped / len(self.releases) if self.releases else None,
            goals_counted=len(self.goals),
            releases_counted=len(self.releases),
            quarters=[quarters[name] for name in sorted(quarters)],
        )


RECENT_LABELS = ("Added", "Slipped", "Moved into Now", "Done", "Dropped", "Released")


def _recent(commits: list[CommitChanges]) -> tuple[list[tuple[str, int]], dt.date | None]:
    """The counts at the top of changes/ (RECENT_LABELS), over the RECENT_DAYS days that
    end on the newest change's date (never today: a build must not depend on when it ran)."""
    if not commits:
        return [], None
    until = commits[0].date
    since = until - dt.timedelta(days=RECENT_DAYS - 1)
    counts = dict.fromkeys(RECENT_LABELS, 0)
    for commit in commits:
        if commit.date < since:
            break
        for change in commit.changes:
            label = recent_label(change)
            if label:
                counts[label] += 1
    return list(counts.items()), until


def recent_label(change: Change) -> str:
    """Which of RECENT_LABELS counts ``change`` ("" for none)."""
    if change.kind in ("added", "released"):
        return change.kind.capitalize()
    if change.kind == "target" and change.slip:
        return "Slipped"
    if change.kind == "lane" and change.new == "now":
        return "Moved into Now"
    if change.kind == "status" and change.item_kind == "goal" and change.new in ("done", "dropped"):
        return str(change.new).capitalize()
    return ""


def section_of(change: Change) -> str:
    """The section of a stakeholder update a change belongs in: Shipped, Slipped, Moved
    into Now, New, Dropped, KPI check-ins, Releases, or Other changes."""
    if change.kind == "status" and change.item_kind == "goal":
        return {"done": "Shipped", "dropped": "Dropped"}.get(str(change.new), "Other changes")
    if change.kind == "target" and change.slip:
        return "Slipped"
    if change.kind == "lane" and change.new == "now":
        return "Moved into Now"
    if change.kind == "added":
        return "New"
    if change.kind == "removed":
        return "Dropped"
    if change.kind == "progress":
        return "KPI check-ins"
    if change.kind == "released" or (change.kind == "status" and change.item_kind == "release"):
        return "Releases"
    return "Other changes"


SECTIONS = (
    "Shipped",
    "Slipped",
    "Moved into Now",
    "New",
    "Dropped",
    "KPI check-ins",
    "Releases",
    "Other changes",
)


def site_history(raw: Extracted | NoHistory, projected: Projected | None) -> RoadmapHistory:
    """The RoadmapHistory a site shows (links to items are made by ``apply_history``)."""
    if isinstance(raw, NoHistory) or projected is None:
        message = raw.message if isinstance(raw, NoHistory) else ""
        return RoadmapHistory(available=False, why_not=message)
    recent, until = _recent(projected.commits)
    return RoadmapHistory(
        available=True,
        starts=projected.starts,
        shallow=projected.shallow,
        commits=projected.commits,
        accuracy=projected.accuracy,
        recent=recent,
        recent_until=until,
        notes=projected.notes,
    )


def linked(history: RoadmapHistory, items: Mapping[Key, Item], repo_url: str) -> RoadmapHistory:
    """A copy of ``history`` whose changes link the items of this build (``items`` by
    key) and, with a ``repo_url``, their commits."""
    from pmsite.load.git import commit_url

    commits = []
    for commit in history.commits:
        url = commit_url(repo_url, commit.commit) if repo_url else ""
        changes = [
            dataclasses.replace(change, item=items.get((change.item_kind, change.slug)), url=url)
            for change in commit.changes
        ]
        commits.append(dataclasses.replace(commit, url=url, changes=changes))
    return dataclasses.replace(history, commits=commits)
