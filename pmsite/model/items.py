"""The typed model: one dataclass per content kind, plus the Site that links them.

Items are created by items.py, linked and ordered by assemble.py, given HTML by
markup.py, and only read after that (templates, feeds, roadmap.json).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, dataclass, field, fields
from html import escape, unescape
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, cast

from pmsite.history.model import PlanningAccuracy, RoadmapHistory, lateness
from pmsite.model.semver import Version
from pmsite.model.timeframe import Target

if TYPE_CHECKING:
    from pmsite.history.model import Change
    from pmsite.model.kinds import Kind

GOAL_STATUSES = ("planned", "in-progress", "at-risk", "done", "dropped")
HORIZONS = ("now", "next", "later")
CONFIDENCES = ("high", "medium", "low")  # a goal's check-in signal: will it land on target?
RELEASE_STATUSES = ("released", "planned")
REFLECTION_PERIODS = ("day", "week", "sprint", "month", "quarter", "release", "other")
DIRECTIONS = ("up", "down")
# Keep a Changelog order: the order the release page shows them in.
CHANGE_CATEGORIES = ("added", "changed", "deprecated", "removed", "fixed", "security")
# Release fields a changelog section can also fill (``### Breaking Changes``, ``### Highlights``).
NOTE_FIELDS = ("breaking", "highlights")
REFLECTION_SECTIONS = ("wins", "setbacks", "learnings", "next")


# Block elements an inline summary must not turn into; any tag (for plain text).
_BLOCK_TAG = re.compile(r"<(?:p|ul|ol|li|h[1-6]|hr|blockquote|pre|table|div|dl)\b")
_TAG = re.compile(r"<[^>]*>")


def as_percent(progress: float | None) -> int | None:
    return None if progress is None else round(progress * 100)


# Field metadata of the fields that linking fills in (assemble's work, not the file's):
# LINKED fields start empty again in ``fresh()``; RESOLVED fields hold what the file says
# and are completed in place by linking, so ``fresh()`` copies their elements. The
# dependency tracker compares both when it fingerprints an item (``linked_fields``).
LINKED = {"linked": "reset"}
RESOLVED = {"linked": "copy"}


READS_ATTRIBUTE = "__pmsite_reads__"
F = TypeVar("F", bound=Callable[..., Any])


def reads(*attributes: str) -> Callable[[F], F]:
    """Declare what a method reads of its object: code that renders an output through a
    recorded view (incremental/tracking.py) then depends on those attributes when it
    calls the method; an undeclared method depends on anything about the object."""

    def declare(method: F) -> F:
        setattr(method, READS_ATTRIBUTE, attributes)
        return method

    return declare


_LINKED_FIELDS: dict[type, tuple[str, ...]] = {}


def linked_fields(cls: type) -> tuple[str, ...]:
    """The names of the fields of ``cls`` that linking fills in, in declaration order."""
    names = _LINKED_FIELDS.get(cls)
    if names is None:
        names = _LINKED_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.metadata.get("linked"))
    return names


class HtmlSource(Protocol):
    """Where a Markdown text's HTML comes from when it is first read (render/markup.py's
    MarkupRenderer, holding the build cache's entries undecoded)."""

    def html_of(self, text: Markdown, entry: str, index: int) -> str: ...


class Markdown:
    """A piece of Markdown from the content (``source``; ``inline``: a one-line note,
    without a paragraph) and, after the markup stage, its ``html``. The HTML may be
    deferred (``defer``): it is then asked of its source each time it is read, so a
    rebuild that renders 7 pages of 10,000 decodes only what those pages show from the
    build cache, and a cold build of 10,000 items does not hold their HTML twice."""

    __slots__ = ("_html", "_pending", "inline", "source")

    def __init__(self, source: str, inline: bool = False, html: str = "") -> None:
        self.source = source
        self.inline = inline
        self._html = html
        self._pending: tuple[HtmlSource, str, int] | None = None

    @property
    def html(self) -> str:
        pending = self._pending
        if pending is not None:  # asked again each time: not held by the model
            return pending[0].html_of(self, pending[1], pending[2])
        return self._html

    @html.setter
    def html(self, value: str) -> None:
        self._html = value
        self._pending = None

    @staticmethod
    def defer(texts: Iterable[Markdown], source: HtmlSource, entry: str) -> None:
        """Take each text's HTML from ``source`` when it is first read: the text at
        position ``index`` of ``texts`` as ``source.html_of(text, entry, index)``."""
        for index, text in enumerate(texts):
            text._pending = (source, entry, index)
            text._html = ""  # not kept twice: the source has it

    def __bool__(self) -> bool:
        return bool(self.source.strip())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Markdown):
            return NotImplemented
        return (self.source, self.inline, self.html) == (other.source, other.inline, other.html)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it was

    def __repr__(self) -> str:
        return f"Markdown(source={self.source!r}, inline={self.inline!r}, html={self.html!r})"

    def __getstate__(self) -> tuple[str, bool, str]:
        return (self.source, self.inline, self.html)  # a deferred HTML is read first

    def __setstate__(self, state: tuple[str, bool, str]) -> None:
        self.source, self.inline, self._html = state
        self._pending = None


@dataclass(frozen=True)
class Category:
    """A change category of release notes: ``key`` as in a release's ``changes``
    (``added``, ``performance``), ``label`` as shown (``Added``, ``Performance``)."""

    key: str
    label: str


STANDARD_CATEGORIES = tuple(Category(key, key.capitalize()) for key in CHANGE_CATEGORIES)


@dataclass
class SiteConfig:
    """site.yaml. ``versioning`` is the scheme of release versions (model/versions.py);
    ``categories`` are every change category in display order (the six Keep a Changelog
    ones and the site's own); ``aliases`` map a changelog section heading, normalised by
    ``changelog.sections.heading_key``, to a category key, ``breaking`` or ``highlights``."""

    title: str
    description: str = ""
    product: str = ""
    base_url: str = ""
    language: str = "en"
    repo_url: str = ""
    unsafe_html: bool = False
    feed_limit: int = 100  # entries per feed, newest first; 0: every one
    source: str = "content/site.yaml"
    versioning: str = "semver"
    categories: tuple[Category, ...] = STANDARD_CATEGORIES
    aliases: dict[str, str] = field(default_factory=dict)

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
    url: str = field(default="", metadata=LINKED)
    output_path: str = field(default="", metadata=LINKED)
    summary: str = ""
    summary_markdown: Markdown = field(default_factory=lambda: Markdown("", inline=True))
    tags: list[Tag] = field(default_factory=list, metadata=LINKED)
    draft: bool = False
    body: Markdown = field(default_factory=lambda: Markdown(""))
    tag_names: list[tuple[str, int]] = field(default_factory=list)
    digest: str = ""  # of the source file(s): what incremental rebuilds compare
    front_digest: str = ""  # of the same without the Markdown body (see load/files.py)
    audience: str = "public"  # public | internal
    field_lines: dict[str, int] = field(default_factory=dict)  # key -> line in the file
    last_updated: dt.date | None = field(
        default=None, metadata=LINKED
    )  # the file's last commit, from git
    edit_url: str = field(
        default="", metadata=LINKED
    )  # where to edit the file, when site.yaml has a repo_url
    # Identity across rebuilds: (kind, slug), which never change after reading. A plain
    # attribute: rebuilds look it up hundreds of thousands of times.
    key: tuple[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.key = (self.kind, self.slug)

    def texts(self) -> Iterator[Markdown]:
        """Every Markdown field of the item, for the markup stage."""
        yield self.summary_markdown
        yield self.body

    @property
    def summary_html(self) -> str:
        """The summary's inline Markdown as HTML (`code`, **strong**, links), for lists
        and leads; as escaped text when it would make a block (a list, a heading...),
        which a one-line summary inside a paragraph cannot hold."""
        html = self.summary_markdown.html
        if not html or _BLOCK_TAG.search(html):
            return escape(self.summary)
        return html

    @property
    def summary_text(self) -> str:
        """The summary as plain text, Markdown marks taken off (meta descriptions)."""
        return unescape(_TAG.sub("", self.summary_html))

    @property
    def list_title(self) -> str:
        """How lists name the item (tag pages, search): its title."""
        return self.title

    @classmethod
    def order(cls, items: Iterable[Self]) -> list[Self]:
        """The kind's display order: by title (A to Z), then slug."""
        return sorted(items, key=lambda item: (item.title.lower(), item.slug))

    def fresh(self) -> Self:
        """A copy as it was read from its file, before linking: fields that linking
        fills in (URLs, tags, backlinks...) are new and empty, and resolved ones hold
        copies, so a cached item can be linked again without touching the objects an
        earlier build handed out."""
        clone = copy.copy(self)
        for spec in fields(self):
            how = spec.metadata.get("linked")
            if how == "reset":
                if spec.default_factory is not MISSING:
                    setattr(clone, spec.name, spec.default_factory())
                else:
                    setattr(clone, spec.name, spec.default)
            elif how == "copy":
                setattr(clone, spec.name, [copy.copy(v) for v in getattr(self, spec.name)])
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


@dataclass(eq=False)
class Theme:
    """A goal theme with its own page (``themes/<slug>/``): every goal of the build with
    that ``theme``, in roadmap order, and the releases that list any of them, in the
    releases' display order. Linking makes these; no file declares them."""

    name: str
    slug: str
    url: str = ""
    output_path: str = ""
    goals: list[Goal] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return ("theme", self.slug)


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
    goals: list[Goal] = field(default_factory=list, metadata=LINKED)
    releases: list[Release] = field(default_factory=list, metadata=LINKED)

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    def texts(self) -> Iterator[Markdown]:
        yield self.summary_markdown
        yield self.body
        yield self.description


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
    current_date: dt.date | None = None  # the day of the metric's latest point, if any

    @property
    def progress(self) -> float | None:
        """How far from baseline to target the current value is: 0.0 at the baseline,
        1.0 at the target.

        A target already met (at or beyond it in the metric's direction) is 1.0. A
        current value worse than the baseline is below 0.0 (-0.5: it moved away from the
        target by half the distance to it), so a regression shows. A target on the wrong
        side of the baseline for the direction is 0.0 until the target is met.
        """
        if self.baseline is None or self.current is None or self.target is None:
            return None
        if self._met():
            return 1.0
        span = self.target - self.baseline
        if (span < 0) != (self.direction == "down") or span == 0:
            return 0.0
        return min(1.0, (self.current - self.baseline) / span)

    @property
    def worse_than_baseline(self) -> bool:
        """The current value moved away from the target, past the baseline."""
        progress = self.progress
        return progress is not None and progress < 0

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
    confidence: str = ""  # high | medium | low, or "" when not given
    theme: str = ""
    owner: str = ""
    priority: int | None = None
    metrics: list[MetricTarget] = field(default_factory=list, metadata=RESOLVED)
    lane: str = field(
        default="", metadata=LINKED
    )  # now | next | later, or "" for done and dropped goals
    # Still open (not done, not dropped) on the build's day although its target ended:
    # the pages mark it "Overdue" with the target's last day (``target.end``).
    overdue: bool = field(default=False, metadata=LINKED)
    releases: list[Release] = field(default_factory=list, metadata=LINKED)
    reflections: list[Reflection] = field(default_factory=list, metadata=LINKED)
    theme_page: Theme | None = field(default=None, metadata=LINKED)  # when it has a theme
    # From git (history/): its changes, newest first, with the check-ins of the metrics
    # it measures; and the first target it had (None without history).
    history: list[Change] = field(default_factory=list, metadata=LINKED)
    original_target: Target | None = field(default=None, metadata=LINKED)

    @classmethod
    def order(cls, items: Iterable[Self]) -> list[Self]:
        """Lane, then priority (1 first, unset last), then target, then title."""
        return sorted(items, key=goal_order)

    @property
    def progress(self) -> float | None:
        """The mean progress of the goal's measurable metrics (below 0.0 when they are,
        on the whole, worse than their baselines); done goals are complete."""
        if self.status == "done":
            return 1.0
        values = [m.progress for m in self.metrics if m.progress is not None]
        return sum(values) / len(values) if values else None

    @property
    def percent(self) -> int | None:
        return as_percent(self.progress)


@dataclass(eq=False)
class Release(Item):
    """A release. ``written_version`` is the version as its file spells it; ``version``
    is that text parsed in the site's versioning scheme (by linking, which knows the
    scheme). ``changes`` maps category keys to notes (the six standard ones first, in
    Keep a Changelog order, then the file's others); ``sections`` orders them as site.yaml
    says. ``intro`` is Markdown shown before the lists, ``body`` after them; ``links``
    maps a label (``compare``) to a URL."""

    written_version: str = ""
    version: Version | None = field(default=None, metadata=LINKED)
    date: dt.date | None = None
    status: str = "released"
    target: Target | None = None
    highlights: list[Markdown] = field(default_factory=list)
    changes: dict[str, list[Markdown]] = field(default_factory=dict)
    change_lines: dict[str, int] = field(default_factory=dict)  # category key -> line
    breaking: list[Markdown] = field(default_factory=list)
    intro: Markdown = field(default_factory=lambda: Markdown(""))
    links: dict[str, str] = field(default_factory=dict)
    goal_slugs: list[tuple[str, int]] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list, metadata=LINKED)
    yanked: bool = False
    metrics: list[MetricTarget] = field(default_factory=list, metadata=RESOLVED)
    reflections: list[Reflection] = field(default_factory=list, metadata=LINKED)
    previous: Release | None = field(default=None, metadata=LINKED)
    next: Release | None = field(default=None, metadata=LINKED)
    # The site's categories in display order (from site.yaml, set by linking).
    category_order: tuple[Category, ...] = field(default=STANDARD_CATEGORIES, metadata=LINKED)
    # Planned, and its target ended before the build's day: marked "Overdue".
    overdue: bool = field(default=False, metadata=LINKED)
    # From git (history/): its changes, newest first; the first target it had; and, for
    # a release that was planned before it shipped, the last target it had while planned.
    history: list[Change] = field(default_factory=list, metadata=LINKED)
    original_target: Target | None = field(default=None, metadata=LINKED)
    planned_target: Target | None = field(default=None, metadata=LINKED)

    @classmethod
    def order(cls, items: Iterable[Self]) -> list[Self]:
        """Planned releases first (nearest version first), then released ones newest
        first: by date, and on the same date the higher version first; one whose date
        is unknown goes by its version, before the first dated one of a lower version."""
        planned = [r for r in items if r.is_planned]
        planned.sort(key=lambda r: r.version.key if r.version else ())
        dated = [r for r in items if not r.is_planned and r.date is not None]
        dated.sort(key=lambda r: (r.date, r.version.key if r.version else ()), reverse=True)
        # A release whose date is unknown goes before the first dated one of a lower version.
        undated = [r for r in items if not r.is_planned and r.date is None]
        undated.sort(key=lambda r: r.version.key if r.version else (), reverse=True)
        released: list[Self] = []
        for release in dated:
            while undated and release.version and undated[0].version:
                if undated[0].version.key <= release.version.key:
                    break
                released.append(undated.pop(0))
            released.append(release)
        return planned + released + undated

    @property
    def list_title(self) -> str:
        return f"{self.version_text} {self.title}"

    @property
    def version_text(self) -> str:
        """The version as written (``v0.8.1``)."""
        return self.version.text if self.version else self.written_version or self.slug

    @property
    def is_planned(self) -> bool:
        return self.status == "planned"

    @property
    def is_stable(self) -> bool:
        """Whether the version is not a pre-release (``2.0.0``, not ``2.0.0-rc.1``)."""
        return not (self.version is not None and self.version.is_prerelease)

    @property
    def lateness(self) -> str:
        """How its date compares with ``planned_target``: 'on time', 'one quarter late',
        '9 days late'; '' when it has no date or was never planned with a target."""
        if self.date is None or self.planned_target is None:
            return ""
        return lateness(self.date, self.planned_target)

    @property
    def change_count(self) -> int:
        return sum(len(notes) for notes in self.changes.values())

    @property
    def sections(self) -> list[tuple[Category, list[Markdown]]]:
        """(category, notes) for each category with notes, in the site's order."""
        return [
            (category, self.changes[category.key])
            for category in self.category_order
            if self.changes.get(category.key)
        ]

    def texts(self) -> Iterator[Markdown]:
        yield self.summary_markdown
        yield from self.breaking
        yield self.intro
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
    goals: list[Goal] = field(default_factory=list, metadata=LINKED)
    releases: list[Release] = field(default_factory=list, metadata=LINKED)

    @classmethod
    def order(cls, items: Iterable[Self]) -> list[Self]:
        """Newest first, then by slug."""
        return sorted(items, key=lambda r: (-(r.date or dt.date.min).toordinal(), r.slug))

    @property
    def sections(self) -> list[tuple[str, list[Markdown]]]:
        return [(name, getattr(self, name)) for name in REFLECTION_SECTIONS]

    def texts(self) -> Iterator[Markdown]:
        yield self.summary_markdown
        for _, notes in self.sections:
            yield from notes
        yield self.body


@dataclass(eq=False)
class Page(Item):
    pass


_LANE_ORDER = {"now": 0, "next": 1, "later": 2, "": 3}


def goal_order(goal: Goal) -> tuple:
    """Lane, then priority (1 first, unset last), then target, then title."""
    target = goal.target.sort_key if goal.target else (dt.date.max, dt.date.max)
    priority = goal.priority if goal.priority is not None else 1 << 30
    return (_LANE_ORDER[goal.lane], priority, target, goal.title.lower(), goal.slug)


@dataclass
class Site:
    """The whole linked model, in display order, as the templates see it.

    ``lists`` holds each kind's items by the kind's folder name ("goals": [...]), in the
    registry's order (see kinds.py); ``site.goals`` and the like read it.
    """

    config: SiteConfig
    lists: dict[str, list[Item]]
    tags: list[Tag]
    include_drafts: bool = False
    audience: str = "public"  # "internal": the build includes internal items
    theme_pages: list[Theme] = field(default_factory=list)  # every Theme, A to Z
    history: RoadmapHistory = field(default_factory=RoadmapHistory)  # from git (history/)

    @property
    def has_history(self) -> bool:
        """Whether the roadmap's history could be read from git (pages that only need to
        know this read it rather than the whole history)."""
        return self.history.available

    @property
    def planning_accuracy(self) -> PlanningAccuracy:
        """The say/do ratio of the roadmap's history (see history/model.py)."""
        return self.history.accuracy

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The content kinds (kinds.KINDS), for templates that loop over them."""
        from pmsite.model.kinds import KINDS  # the registry imports this module

        return KINDS

    @property
    def goals(self) -> list[Goal]:
        return cast("list[Goal]", self.lists["goals"])

    @property
    def releases(self) -> list[Release]:
        return cast("list[Release]", self.lists["releases"])

    @property
    def reflections(self) -> list[Reflection]:
        return cast("list[Reflection]", self.lists["reflections"])

    @property
    def metrics(self) -> list[Metric]:
        return cast("list[Metric]", self.lists["metrics"])

    @property
    def pages(self) -> list[Page]:
        return cast("list[Page]", self.lists["pages"])

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
        """Active goals by target period (``Target.period``: the quarter a quarter, month
        or date falls in; a half-year as itself), the period ending first first (on the
        same last day, the shorter period first: 2027-Q4, then 2027-H2), then the goals
        with no target as "Unscheduled"."""
        periods: dict[Target, list[Goal]] = {}
        unscheduled = []
        for goal in sorted(self.active_goals, key=lambda g: g.target.sort_key if g.target else ()):
            if goal.target is None:
                unscheduled.append(goal)
            else:
                periods.setdefault(goal.target.period, []).append(goal)
        order = sorted(periods, key=lambda p: (p.end, -p.start.toordinal()))
        lanes = [(period.text, periods[period]) for period in order]
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
        """GitHub's rule: the newest released release that is neither a pre-release
        (``2.0.0-rc.1``) nor yanked; None when there is no such release."""
        return next((r for r in self.released_releases if r.is_stable and not r.yanked), None)

    @property
    def latest_prerelease(self) -> Release | None:
        """The newest released pre-release that is not yanked, when it is newer than
        ``latest_release`` (a release candidate of what comes next); otherwise None."""
        latest = self.latest_release
        for release in self.released_releases:
            if release is latest:
                return None
            if not release.is_stable and not release.yanked:
                return release
        return None

    @property
    def latest_reflection(self) -> Reflection | None:
        return self.reflections[0] if self.reflections else None

    @reads("lists")
    def items(self) -> Iterator[Item]:
        """Every item, kind by kind in the registry's order."""
        for items in self.lists.values():
            yield from items
