"""The typed model: one dataclass per content kind, plus the Site that links them.

Items are created by items.py, linked and ordered by assemble.py, given HTML by
markup.py, and only read after that (templates, feeds, roadmap.json).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Self

from pmsite.model.semver import Version
from pmsite.model.timeframe import Target

GOAL_STATUSES = ("planned", "in-progress", "at-risk", "done", "dropped")
HORIZONS = ("now", "next", "later")
RELEASE_STATUSES = ("released", "planned")
REFLECTION_PERIODS = ("day", "week", "sprint", "month", "quarter", "release", "other")
DIRECTIONS = ("up", "down")
# Keep a Changelog order: the order the release page shows them in.
CHANGE_CATEGORIES = ("added", "changed", "deprecated", "removed", "fixed", "security")
REFLECTION_SECTIONS = ("wins", "setbacks", "learnings", "next")


def as_percent(progress: float | None) -> int | None:
    return None if progress is None else round(progress * 100)


@dataclass
class Markdown:
    """A piece of Markdown from the content and, after the markup stage, its HTML."""

    source: str
    inline: bool = False
    html: str = ""

    def __bool__(self) -> bool:
        return bool(self.source.strip())


@dataclass
class SiteConfig:
    title: str
    description: str = ""
    product: str = ""
    base_url: str = ""
    language: str = "en"
    repo_url: str = ""
    unsafe_html: bool = False
    feed_limit: int = 100  # entries per feed, newest first; 0: every one
    source: str = "content/site.yaml"

    @property
    def product_name(self) -> str:
        return self.product or self.title


@dataclass(eq=False)
class Item:
    """Fields every item kind has; ``url`` is relative to the site root ('goals/x/')."""

    kind: str
    slug: str
    source: str
    line: int
    title: str
    url: str = ""
    output_path: str = ""
    summary: str = ""
    tags: list[Tag] = field(default_factory=list)
    draft: bool = False
    body: Markdown = field(default_factory=lambda: Markdown(""))
    tag_names: list[tuple[str, int]] = field(default_factory=list)
    digest: str = ""  # of the source file(s): what incremental rebuilds compare
    audience: str = "public"  # public | internal
    field_lines: dict[str, int] = field(default_factory=dict)  # key -> line in the file
    last_updated: dt.date | None = None  # the file's last commit, from git
    edit_url: str = ""  # where to edit the file, when site.yaml has a repo_url
    # Identity across rebuilds: (kind, slug), which never change after reading. A plain
    # attribute: rebuilds look it up hundreds of thousands of times.
    key: tuple[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.key = (self.kind, self.slug)

    def texts(self) -> Iterator[Markdown]:
        """Every Markdown field of the item, for the markup stage."""
        yield self.body

    def fresh(self) -> Self:
        """A copy as it was read from its file, before linking: fields that linking
        fills in (URLs, tags, backlinks...) are new and empty, so a cached item can be
        linked again without touching the objects an earlier build handed out."""
        clone = copy.copy(self)
        clone.url = clone.output_path = clone.edit_url = ""
        clone.tags, clone.last_updated = [], None
        return clone


@dataclass(eq=False)
class Tag:
    name: str
    slug: str
    url: str = ""
    output_path: str = ""
    items: list[Item] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return ("tag", self.slug)


@dataclass
class Point:
    date: dt.date
    value: float


@dataclass(eq=False)
class Metric(Item):
    name: str = ""
    unit: str = ""
    direction: str = "up"
    description: Markdown = field(default_factory=lambda: Markdown(""))
    points: list[Point] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    def texts(self) -> Iterator[Markdown]:
        yield self.body
        yield self.description

    def fresh(self) -> Self:
        clone = super().fresh()
        clone.goals, clone.releases = [], []
        return clone


@dataclass
class MetricTarget:
    """A goal's or release's success measure: a reference to a Metric, or inline numbers."""

    name: str
    unit: str = ""
    direction: str = "up"
    baseline: float | None = None
    current: float | None = None
    target: float | None = None
    metric: Metric | None = None
    metric_slug: str = ""
    line: int = 0

    @property
    def progress(self) -> float | None:
        """How far from baseline to target the current value is, 0.0 to 1.0.

        A target already met (at or beyond it in the metric's direction) is 1.0; a
        current value that moved the wrong way, or a target on the wrong side of the
        baseline for the direction, is 0.0 until the target is met.
        """
        if self.baseline is None or self.current is None or self.target is None:
            return None
        if self._met():
            return 1.0
        span = self.target - self.baseline
        if (span < 0) != (self.direction == "down") or span == 0:
            return 0.0
        return max(0.0, min(1.0, (self.current - self.baseline) / span))

    def _met(self) -> bool:
        assert self.current is not None and self.target is not None
        if self.direction == "down":
            return self.current <= self.target
        return self.current >= self.target

    @property
    def percent(self) -> int | None:
        return as_percent(self.progress)


@dataclass(eq=False)
class Goal(Item):
    status: str = "planned"
    horizon: str = ""
    target: Target | None = None
    theme: str = ""
    owner: str = ""
    priority: int | None = None
    metrics: list[MetricTarget] = field(default_factory=list)
    lane: str = ""  # now | next | later, or "" for done and dropped goals
    releases: list[Release] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)

    def fresh(self) -> Self:
        clone = super().fresh()
        clone.lane, clone.releases, clone.reflections = "", [], []
        clone.metrics = [copy.copy(measure) for measure in self.metrics]
        return clone

    @property
    def progress(self) -> float | None:
        """The mean progress of the goal's measurable metrics; done goals are complete."""
        if self.status == "done":
            return 1.0
        values = [m.progress for m in self.metrics if m.progress is not None]
        return sum(values) / len(values) if values else None

    @property
    def percent(self) -> int | None:
        return as_percent(self.progress)


@dataclass(eq=False)
class Release(Item):
    version: Version | None = None
    date: dt.date | None = None
    status: str = "released"
    target: Target | None = None
    highlights: list[Markdown] = field(default_factory=list)
    changes: dict[str, list[Markdown]] = field(default_factory=dict)
    breaking: list[Markdown] = field(default_factory=list)
    goal_slugs: list[tuple[str, int]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    yanked: bool = False
    metrics: list[MetricTarget] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)
    previous: Release | None = None
    next: Release | None = None

    def fresh(self) -> Self:
        clone = super().fresh()
        clone.goals, clone.reflections, clone.previous, clone.next = [], [], None, None
        clone.metrics = [copy.copy(measure) for measure in self.metrics]
        return clone

    @property
    def version_text(self) -> str:
        return self.version.text if self.version else self.slug

    @property
    def is_planned(self) -> bool:
        return self.status == "planned"

    @property
    def change_count(self) -> int:
        return sum(len(notes) for notes in self.changes.values())

    def texts(self) -> Iterator[Markdown]:
        yield from self.breaking
        yield from self.highlights
        for notes in self.changes.values():
            yield from notes
        yield self.body


@dataclass(eq=False)
class Reflection(Item):
    date: dt.date | None = None
    period: str = ""
    wins: list[Markdown] = field(default_factory=list)
    setbacks: list[Markdown] = field(default_factory=list)
    learnings: list[Markdown] = field(default_factory=list)
    next: list[Markdown] = field(default_factory=list)
    goal_slugs: list[tuple[str, int]] = field(default_factory=list)
    release_versions: list[tuple[str, int]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    def fresh(self) -> Self:
        clone = super().fresh()
        clone.goals, clone.releases = [], []
        return clone

    @property
    def sections(self) -> list[tuple[str, list[Markdown]]]:
        return [(name, getattr(self, name)) for name in REFLECTION_SECTIONS]

    def texts(self) -> Iterator[Markdown]:
        for _, notes in self.sections:
            yield from notes
        yield self.body


@dataclass(eq=False)
class Page(Item):
    pass


@dataclass
class Site:
    """The whole linked model, in display order, as the templates see it."""

    config: SiteConfig
    goals: list[Goal]
    releases: list[Release]
    reflections: list[Reflection]
    metrics: list[Metric]
    pages: list[Page]
    tags: list[Tag]
    include_drafts: bool = False
    audience: str = "public"  # "internal": the build includes internal items

    @property
    def lanes(self) -> dict[str, list[Goal]]:
        return {lane: [g for g in self.goals if g.lane == lane] for lane in HORIZONS}

    @property
    def shipped(self) -> list[Goal]:
        return [g for g in self.goals if g.status == "done"]

    @property
    def dropped(self) -> list[Goal]:
        return [g for g in self.goals if g.status == "dropped"]

    @property
    def active_goals(self) -> list[Goal]:
        """Goals still on the roadmap: not done, not dropped."""
        return [g for g in self.goals if g.status not in ("done", "dropped")]

    @property
    def timeline(self) -> list[tuple[str, list[Goal]]]:
        """Active goals by the quarter their target ends in, earliest first, then the
        ones with no target as "Unscheduled"."""
        quarters: dict[str, list[Goal]] = {}
        unscheduled = []
        for goal in sorted(self.active_goals, key=lambda g: g.target.sort_key if g.target else ()):
            if goal.target is None:
                unscheduled.append(goal)
            else:
                quarters.setdefault(goal.target.quarter, []).append(goal)
        lanes = list(quarters.items())
        return [*lanes, ("Unscheduled", unscheduled)] if unscheduled else lanes

    @property
    def themes(self) -> list[tuple[str, list[Goal]]]:
        """Active goals by theme, themes A to Z, then "No theme"."""
        themes: dict[str, list[Goal]] = {}
        for goal in self.active_goals:
            themes.setdefault(goal.theme, []).append(goal)
        named = sorted((t, goals) for t, goals in themes.items() if t)
        return [*named, ("No theme", themes[""])] if "" in themes else named

    @property
    def upcoming_releases(self) -> list[Release]:
        return [r for r in self.releases if r.is_planned]

    @property
    def released_releases(self) -> list[Release]:
        return [r for r in self.releases if not r.is_planned]

    @property
    def latest_release(self) -> Release | None:
        return next((r for r in self.released_releases if not r.yanked), None)

    @property
    def latest_reflection(self) -> Reflection | None:
        return self.reflections[0] if self.reflections else None

    def items(self) -> Iterator[Item]:
        yield from self.goals
        yield from self.releases
        yield from self.reflections
        yield from self.metrics
        yield from self.pages
