"""The roadmap's history on a built site: ``Site.history`` and each goal's and
release's ``history``, ``original_target`` and (releases) ``planned_target``."""

from __future__ import annotations

from pmsite.history.changes import Projected, linked, site_history
from pmsite.history.extract import Extracted, NoHistory
from pmsite.history.model import Change
from pmsite.model.items import Item, Site
from pmsite.model.timeframe import parse_target


def apply_history(site: Site, raw: Extracted | NoHistory, projected: Projected | None) -> None:
    """Give ``site`` its history (``projected``: ``raw`` as this build may show it; None
    without history). A goal's history holds its own changes and the check-ins of the
    metrics it measures since it first showed; items never committed have none."""
    items: dict[tuple[str, str], Item] = {item.key: item for item in site.items()}
    site.history = linked(site_history(raw, projected), items, site.config.repo_url)
    if projected is None or not site.history.available:
        return
    by_key: dict[tuple[str, str], list[Change]] = {}
    for change in reversed(site.history.changes):  # oldest first
        by_key.setdefault((change.item_kind, change.slug), []).append(change)
    for goal in site.goals:
        changes = list(by_key.get(goal.key, ()))
        since = projected.first_seen.get(goal.key)
        measured = {m.metric.slug for m in goal.metrics if m.metric is not None}
        for slug in sorted(measured):
            changes += [c for c in by_key.get(("metric", slug), ()) if since and c.date >= since]
        goal.history = newest_first(changes)
        goal.original_target = parse_target(projected.original.get(goal.key, ""))
    for release in site.releases:
        release.history = newest_first(by_key.get(release.key, []))
        release.original_target = parse_target(projected.original.get(release.key, ""))
        if not release.is_planned:
            release.planned_target = parse_target(projected.planned.get(release.key, ""))


def newest_first(changes: list[Change]) -> list[Change]:
    """``changes`` by commit, newest commit first; within a commit, in the order made."""
    ordered = sorted(changes, key=lambda change: change.seq)
    groups: list[list[Change]] = []
    for change in ordered:
        if groups and groups[-1][0].commit == change.commit:
            groups[-1].append(change)
        else:
            groups.append([change])
    return [change for group in reversed(groups) for change in group]
