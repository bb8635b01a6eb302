"""The feeds and JSON outputs of a build session: feed.xml, feed.json,
reflections/feed.xml, roadmap.json, search.json, changes/feed.xml and each goal's
goals/<slug>/feed.xml (the texts come from feeds.py).

What each output reads of the model is noted as it reads it (through a ``Recorded``
view of the site, see tracking.py), so a rebuild makes it again only when that changed;
a release's feed notes and an item's search.json line are kept between builds and made
again only for items that changed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container, Hashable
from dataclasses import dataclass, field

from pmsite.incremental.patch import PatchChanges
from pmsite.incremental.records import PARALLEL_MIN_PAGES, Changes, Rendered, render_notes
from pmsite.incremental.tracking import (
    SITE_KEY,
    Dependency,
    Key,
    note_all,
    recorded,
    recording,
    unwrap,
)
from pmsite.model.items import Item, Release, Site
from pmsite.render.feeds import (
    NOTES_TEMPLATE,
    REFLECTION_NOTES_TEMPLATE,
    atom_feed,
    changes_feed,
    feed_releases,
    goal_feed,
    item_notes_html,
    json_feed,
    reflections_feed,
    roadmap_json,
    search_line,
    search_parts,
)
from pmsite.render.parallel import fork_map
from pmsite.render.templates import Renderer
from pmsite.store.write import OutputFile, Staging

_ANYTHING: frozenset[Dependency] = frozenset({(SITE_KEY, "")})
Notes = dict[Key, tuple[Hashable, str, frozenset[Dependency]]]  # fingerprint, html, reads
# Each item's search.json line: position, fingerprint, line, what making it read.
SearchLines = dict[Key, tuple[int, Hashable, bytes, frozenset[Dependency]]]


@dataclass(frozen=True)
class OutputCache:
    """What one build's feeds and JSON outputs leave for the next: the releases' feed
    notes and the items' search.json lines, each with the fingerprint it was made for."""

    notes: Notes = field(default_factory=dict)
    search: SearchLines = field(default_factory=dict)
    search_lines: list[bytes] = field(default_factory=list)


class FeedOutputs:
    """The feeds and JSON outputs of one build, made from what an earlier build left
    (``previous``) where the items are unchanged; ``cache()`` is what this one leaves."""

    def __init__(
        self,
        track: bool,
        previous: OutputCache | None = None,
        templates_changed: bool = False,
        keep_search: bool = False,
    ) -> None:
        self.track = track  # False: a session that builds once keeps nothing
        # The search.json lines are kept for a next build process too (see saved.py).
        self.keep_search = track or keep_search
        previous = previous or OutputCache()
        # Feed notes are rendered by templates: none is kept after a template changed.
        self._notes: Notes = {} if templates_changed else dict(previous.notes)
        self._search: SearchLines = previous.search
        self._search_lines = previous.search_lines

    def search_lines(self) -> dict[Key, bytes]:
        """Each item's search.json line, as this build made or kept it."""
        return {key: entry[2] for key, entry in self._search.items()}

    def cache(self, keys: Container[Key]) -> OutputCache:
        """What this build leaves for the next, for the items (``keys``) it had."""
        notes = {key: value for key, value in self._notes.items() if key in keys}
        return OutputCache(notes, self._search, self._search_lines)

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
        changed), otherwise made again; with ``staging``, written into it at once.

        A session that keeps records runs each output over a ``Recorded`` view of the
        site, so what the output read is noted as it reads it."""
        view = recorded(site) if self.track else site
        notes = closure(NOTES_TEMPLATE)
        notes_html = self._notes_html(renderer, changes)
        journal = item_notes_html(renderer, REFLECTION_NOTES_TEMPLATE)

        def journal_html(reflection: Item) -> str:
            return journal(unwrap(reflection))  # the template notes its own reads

        outputs: list[tuple[str, Callable[[], str | bytes | list[bytes]], frozenset[str]]] = [
            ("feed.xml", lambda: atom_feed(view, notes_html), notes),
            ("feed.json", lambda: json_feed(view, notes_html), notes),
            (
                "reflections/feed.xml",
                lambda: reflections_feed(view, journal_html),
                closure(REFLECTION_NOTES_TEMPLATE),
            ),
            ("roadmap.json", lambda: roadmap_json(view), frozenset()),
            ("search.json", lambda: self._search_index(view, changes), frozenset()),
            ("changes/feed.xml", lambda: changes_feed(view), frozenset()),
        ]
        if site.has_history:  # each goal's changes, followed from its page
            for goal in site.goals:
                feed = functools.partial(goal_feed, view, recorded(goal))
                outputs.append((f"{goal.url}feed.xml", feed, frozenset()))
        records = {}
        for path, make, templates in outputs:
            old = reuse(path)
            if old is not None:
                records[path] = old
                continue
            with recording() as deps:
                made = make()
            if isinstance(made, str):
                made = made.encode("utf-8")
            parts = made if isinstance(made, list) else [made]
            if staging is not None:  # written now, not kept (search.json is large)
                written = staging.write_parts(path, parts)
                file = OutputFile(path, site.config.source, written=written)
            else:
                file = OutputFile(path, site.config.source, content=b"".join(parts))
            del made, parts  # not held while the next output is made (memory peak)
            # Without a view that notes reads (it costs more than making these outputs
            # for 10,000 items), an output depends on anything about the site.
            read = deps if self.track else _ANYTHING
            records[path] = Rendered.of(file, path, read, templates)
        return records

    def _search_index(self, site: Site, changes: Changes) -> list[bytes]:
        """search.json, with each item's line made again only when the item changed (a
        patched build, whose items are the same ones in the same order, replaces just
        the lines of the items it patched). A kept line notes again what it read."""
        if isinstance(changes, PatchChanges) and self._search_lines:
            site.items()  # what a full build reads: the lists, in order
            lines = list(self._search_lines)
            self._search = dict(self._search)
            for key in changes.keys & self._search.keys():
                index = self._search[key][0]
                lines[index], deps = _search_line(recorded(changes.site_object(key)))
                self._search[key] = (index, changes.fingerprints[key], lines[index], deps)
            for entry in self._search.values():
                note_all(entry[3])
        else:
            lines = []
            cache: SearchLines = {}
            for index, item in enumerate(site.items()):
                key = unwrap(item).key
                fingerprint = changes.fingerprints[key]
                cached = self._search.get(key)
                if cached and cached[1] == fingerprint:
                    line, deps = cached[2], cached[3]
                    note_all(deps)
                else:
                    line, deps = _search_line(item)
                # What a line read is noted again when it is kept in memory (the preview
                # server's next build); a next process only needs the line.
                cache[key] = (index, fingerprint, line, deps if self.track else frozenset())
                lines.append(line)
            self._search = cache if self.keep_search else {}  # for the next build, if any
        self._search_lines = lines if self.track else []
        return search_parts(lines)

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
            release = unwrap(release)  # the template notes its own reads
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


def _search_line(item: Item) -> tuple[bytes, frozenset[Dependency]]:
    """One item's line of search.json and what making it read (noted here as well)."""
    with recording() as deps:
        line = search_line(item)
    note_all(deps)
    return line, frozenset(deps)
