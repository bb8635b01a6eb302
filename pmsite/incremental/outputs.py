"""The feeds and JSON outputs of a build session: feed.xml, feed.json,
reflections/feed.xml, roadmap.json and search.json (the texts come from feeds.py).

Each output declares what it reads of the model, so a rebuild makes it again only when
that changed; a release's feed notes and an item's search.json line are kept between
builds and made again only for items that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable

from pmsite.incremental.patch import PatchChanges
from pmsite.incremental.records import PARALLEL_MIN_PAGES, Changes, Rendered, reads, render_notes
from pmsite.incremental.tracking import SITE_KEY, Dependency, Key, note_all, recording
from pmsite.model.items import Release, Site
from pmsite.render.feeds import (
    FEED_RELEASE_FIELDS,
    NOTES_TEMPLATE,
    REFLECTION_FEED_FIELDS,
    REFLECTION_NOTES_TEMPLATE,
    ROADMAP_GOAL_FIELDS,
    ROADMAP_RELEASE_FIELDS,
    atom_feed,
    feed_reflections,
    feed_releases,
    item_notes_html,
    json_feed,
    reflections_feed,
    roadmap_json,
    search_index,
    search_line,
)
from pmsite.render.parallel import fork_map
from pmsite.render.templates import Renderer
from pmsite.store.write import OutputFile, Staging


class FeedOutputs:
    """The feeds and JSON outputs for one session, with what it keeps between builds."""

    def __init__(self, track: bool) -> None:
        self.track = track  # False: a session that builds once keeps nothing
        self._notes: dict[Key, tuple[Hashable, str, frozenset[Dependency]]] = {}
        self._search: dict[Key, tuple[int, Hashable, bytes]] = {}  # position, fingerprint, line
        self._search_lines: list[bytes] = []
        self._declared_reads: dict[str, tuple[Site, list[Dependency]]] = {}

    def forget(self) -> None:
        """Drop everything kept (the settings changed)."""
        self._notes, self._search, self._search_lines = {}, {}, []

    def forget_notes(self) -> None:
        """Drop the kept feed notes (the templates changed; search lines do not use them)."""
        self._notes = {}

    def keep_only(self, keys: Container[Key]) -> None:
        """Drop the notes of items that are gone."""
        self._notes = {key: value for key, value in self._notes.items() if key in keys}

    def render(
        self,
        site: Site,
        renderer: Renderer,
        changes: Changes,
        reuse: Callable[[str], Rendered | None],
        closure: Callable[[str], frozenset[str]],
        staging: Staging | None,
    ) -> dict[str, Rendered]:
        """Each output, kept when ``reuse`` gives its last record (nothing it read
        changed), otherwise made again; with ``staging``, written into it at once."""

        # What each output reads, declared (made only for outputs rendered again).
        def released() -> list[Dependency]:
            return [
                *((SITE_KEY, "released_releases"), (SITE_KEY, "config")),
                *reads(feed_releases(site), FEED_RELEASE_FIELDS),
            ]

        def journal() -> list[Dependency]:
            return [
                *((SITE_KEY, "reflections"), (SITE_KEY, "config")),
                *reads(feed_reflections(site), REFLECTION_FEED_FIELDS),
            ]

        def listed() -> list[Dependency]:
            return [
                *((SITE_KEY, "goals"), (SITE_KEY, "releases")),
                *reads(site.goals, ROADMAP_GOAL_FIELDS),
                *reads(site.releases, ROADMAP_RELEASE_FIELDS),
            ]

        def everything() -> list[Dependency]:
            return [(SITE_KEY, "lists"), *reads(site.items(), ("",))]

        notes = closure(NOTES_TEMPLATE)
        notes_html = self._notes_html(renderer, changes)
        journal_html = item_notes_html(renderer, REFLECTION_NOTES_TEMPLATE)
        Declared = Callable[[], list[Dependency]]
        outputs: list[tuple[str, Callable[[], str | bytes], Declared, frozenset[str]]] = [
            ("feed.xml", lambda: atom_feed(site, notes_html), released, notes),
            ("feed.json", lambda: json_feed(site, notes_html), released, notes),
            (
                "reflections/feed.xml",
                lambda: reflections_feed(site, journal_html),
                journal,
                closure(REFLECTION_NOTES_TEMPLATE),
            ),
            ("roadmap.json", lambda: roadmap_json(site), listed, frozenset()),
            ("search.json", lambda: self._search_index(site, changes), everything, frozenset()),
        ]
        records = {}
        for path, make, declared, templates in outputs:
            old = reuse(path)
            if old is not None:
                records[path] = old
                continue
            with recording() as deps:
                made = make()
                content = made if isinstance(made, bytes) else made.encode("utf-8")
            file = OutputFile(path, site.config.source, content=content)
            if staging is not None:  # written now, not kept (search.json is large)
                file = OutputFile(path, file.source, written=staging.write(file))
            records[path] = Rendered.of(
                file, path, deps.union(self._declared(path, site, declared)), templates
            )
        return records

    def _declared(
        self, path: str, site: Site, declared: Callable[[], list[Dependency]]
    ) -> list[Dependency]:
        """What an output reads by declaration, made once per site model (a patched
        build keeps the model, so its lists of items are the same)."""
        cached = self._declared_reads.get(path)
        if cached is None or cached[0] is not site:
            cached = self._declared_reads[path] = (site, declared())
        return cached[1]

    def _search_index(self, site: Site, changes: Changes) -> bytes:
        """search.json, with each item's line made again only when the item changed (a
        patched build, whose items are the same ones in the same order, replaces just
        the lines of the items it patched)."""
        if isinstance(changes, PatchChanges) and self._search_lines:
            lines = list(self._search_lines)
            for key in changes.keys & self._search.keys():
                index, _, _ = self._search[key]
                line = search_line(changes.site_object(key))
                lines[index] = line
                self._search[key] = (index, changes.fingerprints[key], line)
        else:
            lines = []
            cache: dict[Key, tuple[int, Hashable, bytes]] = {}
            for index, item in enumerate(site.items()):
                fingerprint = changes.fingerprints[item.key]
                cached = self._search.get(item.key)
                line = cached[2] if cached and cached[1] == fingerprint else search_line(item)
                cache[item.key] = (index, fingerprint, line)
                lines.append(line)
            self._search = cache if self.track else {}  # kept for the next build, if any
        self._search_lines = lines if self.track else []
        return search_index(lines)

    def _notes_html(self, renderer: Renderer, changes: Changes) -> Callable[[Release], str]:
        """Feed entries' notes, rendered again only for releases that changed. A cached
        entry notes again what it read, so the feed depends on exactly that."""
        render = item_notes_html(renderer, NOTES_TEMPLATE)
        stale = [
            release
            for release in feed_releases(changes.site)
            if self._notes.get(release.key, (None,))[0] != changes.fingerprints[release.key]
        ]
        job = (renderer, stale)
        results = fork_map(render_notes, job, range(len(stale)), PARALLEL_MIN_PAGES)
        for release, (html, deps, errors) in zip(stale, results, strict=True):
            self._notes[release.key] = (changes.fingerprints[release.key], html, deps)
            renderer.errors.extend(e for e in errors if e not in renderer.errors)

        def notes_html(release: Release) -> str:
            fingerprint = changes.fingerprints[release.key]
            cached = self._notes.get(release.key)
            if cached is None or cached[0] != fingerprint:
                with recording() as deps:
                    html = render(release)
                cached = (fingerprint, html, frozenset(deps))
                self._notes[release.key] = cached
            note_all(cached[2])
            return cached[1]

        return notes_html
