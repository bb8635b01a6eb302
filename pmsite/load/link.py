"""From a flat list of items to the linked Site: uniqueness, references, drafts,
lanes, display order, backlinks, tags, themes and URLs.

References are checked against every item, drafts included, so a site's validity does
not depend on --drafts; links to items left out of this build are simply not shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TypeVar, cast

from pmsite.errors import ErrorList, did_you_mean, quoted
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
from pmsite.model.urls import (
    RESERVED_NAMES,
    assign_item_url,
    assign_tag_url,
    assign_theme_url,
    tag_slug,
    theme_slug,
)

T = TypeVar("T", bound=Item)


def assemble_site(
    config: SiteConfig,
    items: list[Item],
    errors: ErrorList,
    include_drafts: bool = False,
    audience: str = "public",
) -> Site:
    """Link, order and filter ``items`` into a Site; problems go to ``errors``.

    Drafts are left out unless ``include_drafts``; items for an internal audience are left
    out of a public build."""
    found = {
        kind.name: _unique([item for item in items if item.kind == kind.name], kind, errors)
        for kind in KINDS
    }
    goals = cast("dict[str, Goal]", found["goal"])
    releases = cast("dict[str, Release]", found["release"])
    reflections = cast("dict[str, Reflection]", found["reflection"])
    metrics = cast("dict[str, Metric]", found["metric"])
    _check_page_slugs(cast("dict[str, Page]", found["page"]).values(), errors)
    _check_theme_names(goals.values(), errors)

    for goal in goals.values():
        goal.lane = lane_of(goal)
        _resolve_metric_targets(goal, goal.metrics, metrics, errors)
    for release in releases.values():
        release.goals = _resolve(release, release.goal_slugs, goals, "goals", "goal", errors)
        _resolve_metric_targets(release, release.metrics, metrics, errors)
    for reflection in reflections.values():
        reflection.goals = _resolve(
            reflection, reflection.goal_slugs, goals, "goals", "goal", errors
        )
        reflection.releases = _resolve(
            reflection, reflection.release_versions, releases, "releases", "release", errors
        )

    def visible(found: dict[str, T]) -> list[T]:
        return [
            item
            for item in found.values()
            if (include_drafts or not item.draft)
            and (audience == "internal" or item.audience != "internal")
        ]

    site = Site(
        config=config,
        lists={kind.folder: kind.model.order(visible(found[kind.name])) for kind in KINDS},
        tags=[],
        include_drafts=include_drafts,
        audience=audience,
    )
    _link(site, errors)
    return site


def lane_of(goal: Goal) -> str:
    """An explicit horizon wins; otherwise in-progress/at-risk are now, planned is next."""
    if goal.horizon:
        return goal.horizon
    return {"in-progress": "now", "at-risk": "now", "planned": "next"}.get(goal.status, "")


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


def _resolve(
    item: Item,
    references: Sequence[tuple[str, int]],
    targets: dict[str, T],
    field: str,
    kind: str,
    errors: ErrorList,
) -> list[T]:
    resolved = []
    for reference, line in references:
        key = reference if kind == "release" else reference.lower()
        target = targets.get(key)
        if target is None:
            errors.add(
                item.source,
                line,
                f"{field}: unknown {kind} {quoted(reference)}{did_you_mean(reference, targets)}",
            )
        elif target not in resolved:
            resolved.append(target)
    return resolved


def _resolve_metric_targets(
    item: Item, targets: list[MetricTarget], metrics: dict[str, Metric], errors: ErrorList
) -> None:
    for target in targets:
        if not target.metric_slug:
            continue
        metric = metrics.get(target.metric_slug.lower())
        if metric is None:
            errors.add(
                item.source,
                target.line,
                f"metrics: unknown metric '{target.metric_slug}'"
                f"{did_you_mean(target.metric_slug, metrics)}",
            )
            continue
        target.metric = metric
        target.name = metric.name
        target.unit = metric.unit
        target.direction = metric.direction
        if metric.points:
            target.current = metric.points[-1].value
            if target.baseline is None:
                target.baseline = metric.points[0].value


def _link(site: Site, errors: ErrorList) -> None:
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
        for target in item.metrics:
            if target.metric is None:
                continue
            if id(target.metric) not in visible:
                target.metric = None
                continue
            if isinstance(item, Goal) and item not in target.metric.goals:
                target.metric.goals.append(item)
            elif isinstance(item, Release) and item not in target.metric.releases:
                target.metric.releases.append(item)
    site.tags = _collect_tags(site, errors)
    site.theme_pages = _collect_themes(site)


def _collect_tags(site: Site, errors: ErrorList) -> list[Tag]:
    tags: dict[str, Tag] = {}
    for item in site.items():
        for name, line in item.tag_names:
            slug = tag_slug(name)
            if not slug:
                errors.add(item.source, line, f"tags: {quoted(name)} has no letters or digits")
                continue
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
