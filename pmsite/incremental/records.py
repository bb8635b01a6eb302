"""The records behind incremental rebuilds: what each rendered output was made from
(``Rendered``), what changed since the last build (``SiteChanges``, or ``PatchChanges``
for a patched build, see patch.py), and the functions that render pages and feed notes
in worker processes while noting what they read (see deps.py)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from pmsite.errors import ContentError
from pmsite.incremental.patch import PatchChanges
from pmsite.incremental.tracking import (
    FRONT,
    SITE_KEY,
    Dependency,
    Key,
    attribute_value,
    fingerprints,
    front_fields,
    model_objects,
    note,
    recording,
)
from pmsite.model.items import Release, Site
from pmsite.render.feeds import NOTES_TEMPLATE
from pmsite.render.templates import PageSpec, Renderer
from pmsite.store.write import OutputFile, Staging


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered output and what it was made from, to decide whether to render it again."""

    file: OutputFile
    template: str
    # A frozenset, or a tuple in the records a build process keeps only to save them
    # (``Interned``): a tuple of 8 takes a tenth of a frozenset's memory.
    deps: frozenset[Dependency] | tuple[Dependency, ...]
    templates: frozenset[str]
    keys: frozenset[Key] | tuple[Key, ...]  # the items and tags in ``deps``: a first check

    @classmethod
    def of(
        cls, file: OutputFile, template: str, deps: Iterable[Dependency], templates: frozenset[str]
    ) -> Rendered:
        deps = frozenset(deps)
        return cls(file, template, deps, templates, frozenset(key for key, _ in deps))


class SiteChanges:
    """What differs between the last good build and this one, asked per dependency."""

    def __init__(
        self, site: Site, old_site: Site | None, old_fingerprints: dict[Key, Hashable]
    ) -> None:
        self.site = site
        self.fingerprints = fingerprints(site)
        old = old_fingerprints
        self.keys = {
            key
            for key in set(old) | set(self.fingerprints)
            if old.get(key) != self.fingerprints.get(key)
        }
        self._old_site = old_site
        self._old_objects = model_objects(old_site) if old_site else {}
        self._new_objects = model_objects(site)
        self._answers: dict[Dependency, bool] = {}
        self._keys_to_check = self.keys | {SITE_KEY}

    def touches(self, record: Rendered) -> bool:
        """Whether anything ``record`` read differs now."""
        if self._keys_to_check.isdisjoint(record.keys):
            return False
        return any(
            self._changed(dep) for dep in record.deps if dep[0] == SITE_KEY or dep[0] in self.keys
        )

    def _changed(self, dep: Dependency) -> bool:
        answer = self._answers.get(dep)
        if answer is None:
            answer = self._compare(dep)
            self._answers[dep] = answer
        return answer

    def _compare(self, dep: Dependency) -> bool:
        key, attribute = dep
        if key == SITE_KEY:
            old_obj: object = self._old_site
            new_obj: object = self.site
        else:
            old_obj, new_obj = self._old_objects.get(key), self._new_objects.get(key)
        if old_obj is None or new_obj is None or not attribute:
            return True
        return attribute_value(old_obj, attribute) != attribute_value(new_obj, attribute)


Changes = SiteChanges | PatchChanges

PARALLEL_MIN_PAGES = 400  # fewer pages render faster than a pool of processes starts


# The renderer, the pages, each page template's closure, where to write, and whether to
# keep only which items a page read (``coarse``: what a build process saves needs no more).
RenderJob = tuple[Renderer, list[PageSpec], dict[str, frozenset[str]], Staging | None, bool]


def render_page(job: RenderJob, index: int) -> tuple[Rendered | None, list[ContentError]]:
    """Render one page, noting what it reads; also returns the template errors it made
    (a worker process's renderer collects them, so they travel back with the page)."""
    renderer, pages, closures, staging, keys_only = job
    page = pages[index]
    errors_before = len(renderer.errors)
    with recording() as deps:
        if page.subject is not None:
            note(page.subject)  # a page always depends on what it is about
        rendered = renderer.render_page(page)
    errors = renderer.errors[errors_before:]
    if rendered is None:
        return None, errors
    file = OutputFile(rendered.path, rendered.source, content=rendered.content)
    if staging is not None:
        file = OutputFile(file.path, file.source, written=staging.write(file))
    found = coarse(deps) if keys_only else deps
    return Rendered.of(file, page.template, found, closures[page.template]), errors


class Interned:
    """One object per equal key, dependency and set of templates, shared by the records
    of a build (those a worker process sends back arrive as copies of their own), and
    the dependencies and keys of each as a tuple: what a build process keeps of 10,000
    pages (to save them, and to compare them once) then takes a fraction of the memory.
    Not for the preview server's records, whose reads are compared as sets."""

    def __init__(self) -> None:
        self._deps: dict[Dependency, Dependency] = {}
        self._keys: dict[Key, Key] = {}
        self._templates: dict[frozenset[str], frozenset[str]] = {}

    def record(self, record: Rendered) -> Rendered:
        deps = tuple(self._deps.setdefault(dep, dep) for dep in record.deps)
        keys = tuple(self._keys.setdefault(key, key) for key in record.keys)
        templates = self._templates.setdefault(record.templates, record.templates)
        return Rendered(record.file, record.template, deps, templates, keys)


def coarse(deps: Iterable[Dependency]) -> set[Dependency]:
    """``deps`` as a build saves them for the next process, which compares items by
    fingerprint only (see saved.py): each item, tag or theme read once, as (key, FRONT)
    when only fields its Markdown body cannot change were read, otherwise (key, "");
    each site attribute as it is. Far fewer to keep."""
    front: dict[Key, bool] = {}
    found: set[Dependency] = set()
    for key, attribute in deps:
        if key == SITE_KEY:
            found.add((key, attribute))
        elif front.get(key, True):
            front[key] = attribute in front_fields(key[0])
    found.update((key, FRONT if only else "") for key, only in front.items())
    return found


def render_notes(
    job: tuple[Renderer, list[Release]], index: int
) -> tuple[str, frozenset[Dependency], list[ContentError]]:
    """One release's notes for the feeds, what they read, and any template errors
    (which a worker process's renderer collects, so they travel back with the notes)."""
    renderer, releases = job
    release = releases[index]
    errors_before = len(renderer.errors)
    with recording() as deps:
        html = renderer.render(NOTES_TEMPLATE, release.url, release=release) or ""
    return html, frozenset(deps), renderer.errors[errors_before:]
