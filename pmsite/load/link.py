"""From a flat list of items to the linked Site: uniqueness, references, drafts,
lanes, display order, backlinks, tags, themes and URLs.

References are checked against every item, drafts included, so a site's validity does
not depend on --drafts; links to items left out of this build are simply not shown.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TypeVar, cast

from pmsite.errors import ErrorList, did_you_mean, quoted
from pmsite.load.files import Claim
from pmsite.model.items import (
    Goal,
    Item,
    Metric,
    MetricTarget,
    Page,
    Reflection,
    Release,
    Site,
    SiteConfig,
    Tag,
    Theme,
)
from pmsite.model.kinds import KINDS, Kind
from pmsite.model.semver import parse_version
from pmsite.model.timeframe import Target
from pmsite.model.urls import (
    RESERVED_NAMES,
    assign_item_url,
    assign_tag_url,
    assign_theme_url,
    tag_slug,
    tag_spelling,
    theme_slug,
)
from pmsite.model.versions import SCHEME_EXAMPLES, parse_in_scheme

T = TypeVar("T", bound=Item)
# What to do about a reference to a release that does not exist (e.g. after deleting
# the example release of ``pmsite init``, which its example reflection names).
_REMEDY = {"release": "; remove it from '{field}' or add a release file with that version"}


def assemble_site(
    config: SiteConfig,
    items: list[Item],
    errors: ErrorList,
    include_drafts: bool = False,
    audience: str = "public",
    claims: Iterable[Claim] = (),
    today: dt.date | None = None,
) -> Site:
    """Link, order and filter ``items`` into a Site; problems go to ``errors``.

    Drafts are left out unless ``include_drafts``; items for an internal audience are left
    out of a public build. ``claims`` are the identities of files that could not be read
    (their problem is already reported): references to them are not reported again.
    Open goals and planned releases whose target ended before ``today`` are marked
    overdue (nothing is, without ``today``)."""
    found = {
        kind.name: _unique([item for item in items if item.kind == kind.name], kind, errors)
        for kind in KINDS
    }
    goals = cast("dict[str, Goal]", found["goal"])
    releases = cast("dict[str, Release]", found["release"])
    reflections = cast("dict[str, Reflection]", found["reflection"])
    metrics = cast("dict[str, Metric]", found["metric"])
    _check_page_slugs(cast("dict[str, Page]", found["page"]).values(), errors)
    _check_tags(items, errors)
    _check_theme_names(goals.values(), errors)

    def shown(item: Item) -> bool:
        """Whether the item is in this build (drafts and audiences)."""
        return (include_drafts or not item.draft) and (
            audience == "internal" or item.audience != "internal"
        )

    for release in releases.values():
        _check_release(release, config, errors)
    refs = _References(errors, _claimed(claims, items), shown)
    for goal in goals.values():
        goal.lane = lane_of(goal)
        goal.overdue = goal.status not in ("done", "dropped") and _ended(goal.target, today)
        refs.metric_targets(goal, goal.metrics, metrics)
    for release in releases.values():
        release.overdue = release.is_planned and _ended(release.target, today)
        release.goals = refs.resolve(release, release.goal_slugs, goals, "goals", "goal")
        refs.metric_targets(release, release.metrics, metrics)
    # A reflection names a release by its version as written or by its URL segment.
    by_version = {**releases, **{r.version_text: r for r in releases.values()}}
    for reflection in reflections.values():
        reflection.goals = refs.resolve(reflection, reflection.goal_slugs, goals, "goals", "goal")
        reflection.releases = refs.resolve(
            reflection, reflection.release_versions, by_version, "releases", "release"
        )

    def visible(found: dict[str, T]) -> list[T]:
        return [item for item in found.values() if shown(item)]

    site = Site(
        config=config,
        lists={kind.folder: kind.model.order(visible(found[kind.name])) for kind in KINDS},
        tags=[],
        include_drafts=include_drafts,
        audience=audience,
    )
    _link(site)
    return site


def _check_release(release: Release, config: SiteConfig, errors: ErrorList) -> None:
    """Parse the version in the site's scheme and check the change categories against
    the site's (both depend on site.yaml, so linking does it, not the reader)."""
    release.category_order = config.categories
    line = release.field_lines.get("version", release.line)
    if release.written_version and release.slug:
        release.version = parse_in_scheme(release.written_version, config.versioning)
        if release.version is None:
            errors.add(
                release.source,
                line,
                f"version: {quoted(release.written_version)} is not"
                f" {SCHEME_EXAMPLES[config.versioning]}; the site's versioning is"
                f" {config.versioning} (site.yaml: versioning: semver, calver, pep440 or any)",
            )
    keys = [category.key for category in config.categories]
    for key, notes_line in release.change_lines.items():
        if key not in keys:
            errors.add(
                release.source,
                notes_line,
                f"changes: {key}: unknown change category{did_you_mean(key, keys)};"
                f" categories are: {', '.join(keys)} (declare your own in site.yaml:"
                " changelog: categories)",
            )


def _ended(target: Target | None, today: dt.date | None) -> bool:
    return target is not None and today is not None and target.end < today


def lane_of(goal: Goal) -> str:
    """An explicit horizon wins; otherwise in-progress/at-risk are now, planned is next."""
    if goal.horizon:
        return goal.horizon
    return {"in-progress": "now", "at-risk": "now", "planned": "next"}.get(goal.status, "")


def _claimed(claims: Iterable[Claim], items: Iterable[Item]) -> set[tuple[str, str]]:
    """(kind, slug) of every file that has an error instead of an identity: files that
    could not be read, and releases whose version is unusable (their file name, when it
    is a version, as `pmsite new release` names them)."""
    claimed = {(claim.kind, key) for claim in claims for key in claim.keys}
    for item in items:
        unusable = isinstance(item, Release) and item.version is None
        if item.kind == "release" and (not item.slug or unusable):
            stem = PurePosixPath(item.source).stem
            if parse_version(stem) is not None:
                claimed.add(("release", stem))
    return claimed


def _unique(items: list[Item], kind: Kind, errors: ErrorList) -> dict[str, Item]:
    """Items by slug; a second item with the same slug is an error naming both files."""
    found: dict[str, Item] = {}
    for item in items:
        if not item.slug:
            continue  # its reader already reported why it has no usable slug
        if item.slug in found:
            first = found[item.slug]
            errors.add(
                item.source,
                item.line,
                f"duplicate {kind.name} {kind.slug_label} '{item.slug}':"
                f" also used by {first.source}",
            )
            continue
        found[item.slug] = item
    return found


def _check_page_slugs(pages: Iterable[Page], errors: ErrorList) -> None:
    for page in pages:
        if page.slug in RESERVED_NAMES:
            errors.add(
                page.source,
                None,
                f"page slug '{page.slug}' is taken by pmsite's own /{page.slug}/; rename the file",
            )


@dataclass
class _References:
    """Resolves references: every item counts (drafts too, so validity does not depend
    on --drafts), only the items in this build are suggested ("did you mean"), and
    references to claimed identities (files with errors) are not reported again."""

    errors: ErrorList
    claimed: Collection[tuple[str, str]]
    shown: Callable[[Item], bool]

    def unknown(
        self, item: Item, line: int, field: str, kind: str, reference: str, targets: dict[str, T]
    ) -> None:
        suggestions = [key for key, target in targets.items() if self.shown(target)]
        self.errors.add(
            item.source,
            line,
            f"{field}: unknown {kind} {quoted(reference)}{did_you_mean(reference, suggestions)}"
            f"{_REMEDY.get(kind, '').format(field=field)}",
        )

    def resolve(
        self,
        item: Item,
        references: Sequence[tuple[str, int]],
        targets: dict[str, T],
        field: str,
        kind: str,
    ) -> list[T]:
        resolved = []
        for reference, line in references:
            key = reference if kind == "release" else reference.lower()
            target = targets.get(key)
            if target is None and (kind, key) not in self.claimed:
                self.unknown(item, line, field, kind, reference, targets)
            elif target is not None and target not in resolved:
                resolved.append(target)
        return resolved

    def metric_targets(
        self, item: Item, targets: list[MetricTarget], metrics: dict[str, Metric]
    ) -> None:
        for target in targets:
            if not target.metric_slug:
                continue
            key = target.metric_slug.lower()
            metric = metrics.get(key)
            if metric is None:
                if ("metric", key) not in self.claimed:
                    self.unknown(
                        item, target.line, "metrics", "metric", target.metric_slug, metrics
                    )
                continue
            target.metric = metric
            target.name = metric.name
            target.unit = metric.unit
            target.direction = metric.direction
            if metric.points:
                target.current = metric.points[-1].value
                target.current_date = metric.points[-1].date
                if target.baseline is None:
                    target.baseline = metric.points[0].value


def _link(site: Site) -> None:
    """URLs, previous/next releases, backlinks and tags, among visible items only."""
    for item in site.items():
        assign_item_url(item)
    visible = {id(item) for item in site.items()}
    for release in site.releases:
        release.goals = [g for g in release.goals if id(g) in visible]
    for reflection in site.reflections:
        reflection.goals = [g for g in reflection.goals if id(g) in visible]
        reflection.releases = [r for r in reflection.releases if id(r) in visible]

    released = site.released_releases
    for newer, older in itertools.pairwise(released):
        newer.previous, older.next = older, newer

    for release in site.releases:
        for goal in release.goals:
            goal.releases.append(release)
    for reflection in site.reflections:
        for goal in reflection.goals:
            goal.reflections.append(reflection)
        for release in reflection.releases:
            release.reflections.append(reflection)
    measured: list[Goal | Release] = [*site.goals, *site.releases]
    for item in measured:
        # A measure of a metric left out of this build (a draft, an internal metric in
        # a public build) is left out with it: its name and values are not shown.
        item.metrics = [t for t in item.metrics if not t.metric_slug or id(t.metric) in visible]
        for target in item.metrics:
            if target.metric is None:
                continue
            if isinstance(item, Goal) and item not in target.metric.goals:
                target.metric.goals.append(item)
            elif isinstance(item, Release) and item not in target.metric.releases:
                target.metric.releases.append(item)
    site.tags = _collect_tags(site)
    site.theme_pages = _collect_themes(site)


def _check_tags(items: Iterable[Item], errors: ErrorList) -> None:
    """Every tag of every item (drafts and internal ones too, so that a site's validity
    does not depend on the build's options) needs a slug, and two spellings that are
    not the same tag (``tag_spelling``) must not share one: 'NET' and '.NET' would
    share tags/net/."""
    first: dict[str, tuple[str, str, int]] = {}  # slug -> (name, file, line)
    for item in items:
        for name, line in item.tag_names:
            slug = tag_slug(name)
            if not slug:
                errors.add(item.source, line, f"tags: {quoted(name)} has no letters or digits")
                continue
            seen = first.setdefault(slug, (name, item.source, line))
            if tag_spelling(seen[0]) != tag_spelling(name):
                errors.add(
                    item.source,
                    line,
                    f"tags: {quoted(name)} and {quoted(seen[0])} ({seen[1]}:{seen[2]}) would"
                    f" share the tag page tags/{slug}/; spell them the same, or rename one",
                )


def _collect_tags(site: Site) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for item in site.items():
        for name, _ in item.tag_names:
            slug = tag_slug(name)
            if not slug:
                continue  # reported by _check_tags
            tag = tags.setdefault(slug, Tag(name=name, slug=slug))
            if item not in tag.items:
                tag.items.append(item)
            if tag not in item.tags:
                item.tags.append(tag)
    for tag in tags.values():
        assign_tag_url(tag)
    return sorted(tags.values(), key=lambda t: t.slug)


def _check_theme_names(goals: Iterable[Goal], errors: ErrorList) -> None:
    """Each theme gets a page at themes/<slug>/: a theme whose name has no letters or
    digits, or two spellings with one slug ('Mobile apps', 'mobile-apps'), are errors.
    Every goal counts, drafts included, so validity does not depend on --drafts."""
    first: dict[str, Goal] = {}
    for goal in sorted(goals, key=lambda g: (g.source, g.line)):
        if not goal.theme:
            continue
        slug = theme_slug(goal.theme)
        line = goal.field_lines.get("theme", goal.line)
        if not slug:
            errors.add(
                goal.source,
                line,
                f"theme: {quoted(goal.theme)} has no letters or digits,"
                " which its page's URL (themes/<name>/) needs",
            )
            continue
        other = first.setdefault(slug, goal)
        if other.theme != goal.theme:
            where = f"{other.source}:{other.field_lines.get('theme', other.line)}"
            errors.add(
                goal.source,
                line,
                f"theme: {quoted(goal.theme)} and {quoted(other.theme)} ({where}) would share"
                f" the page themes/{slug}/; spell the theme the same way in both files",
            )


def _collect_themes(site: Site) -> list[Theme]:
    """A Theme per theme name of the build's goals, with its goals (roadmap order) and
    the releases that list any of them (display order); themes A to Z."""
    themes: dict[str, Theme] = {}
    for goal in site.goals:
        slug = theme_slug(goal.theme) if goal.theme else ""
        if not slug:
            continue
        theme = themes.setdefault(slug, Theme(name=goal.theme, slug=slug))
        theme.goals.append(goal)
        goal.theme_page = theme
    for release in site.releases:  # in display order: each theme's releases are too
        for goal in release.goals:
            page = goal.theme_page
            if page is not None and (not page.releases or page.releases[-1] is not release):
                page.releases.append(release)
    for theme in themes.values():
        assign_theme_url(theme)
    return sorted(themes.values(), key=lambda t: (t.name, t.slug))
