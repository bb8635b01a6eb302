"""What one ``pmsite build`` process leaves for the next, so a build after an edit renders
again only the outputs whose reads changed (``.pmsite-cache/renders-<output>.json``).

The preview server keeps its last build in memory (state.py) and compares attribute
values with the last model. A new process has no last model, so what it compares is
kept as digests:

- each item's, tag's and theme's **fingerprint** (its source digest plus everything
  linked to it, see tracking.py): equal fingerprints mean equal attributes;
- each **site attribute** an output read (``site.goals`` as the keys it holds, ...);
- each template's source digest, and which templates each page template uses;
- the same without the Markdown body (its front fingerprint: equal front fingerprints,
  equal attributes but those the body changes, see ``tracking.front_fields``);
- per output: its template, the items it read (their keys, and whether it read only
  fields the body cannot change: then an edit of the body alone does not touch it;
  which fields is not kept) and the site attributes it read.

An output is kept when its settings (site.yaml and the build options), its templates,
every item it read and every site attribute it read are as they were, and the file the
last build wrote is still in the output folder untouched (same size and times): it is
then hard-linked into the new output, not rendered. Anything else renders it again,
so the output always equals a clean build's. The file is JSON (never pickle: a cache
restored in CI cannot run code); a missing, damaged or other-version file means a full
render.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.digest import digest
from pmsite.incremental.outputs import OutputCache, SearchLines
from pmsite.incremental.records import Rendered, SiteChanges
from pmsite.incremental.tracking import (
    FRONT,
    SITE_KEY,
    Dependency,
    Key,
    attribute_value,
    fingerprints,
    plain,
)
from pmsite.model.items import Site
from pmsite.store.cache import read_json_file, versions, write_json_file
from pmsite.store.write import OutputFile

FORMAT = 5  # 5: "anything about the site" kept as a digest (site_state); 4: search lines


def value_digest(value: Hashable) -> str:
    """The digest of a plain model value (see ``tracking.plain``), equal across
    processes for equal values."""
    return digest(repr(value).encode("utf-8", "surrogateescape"))


def site_state(site: Site) -> Hashable:
    """What "anything about the site" is, besides its items', tags' and themes'
    fingerprints (compared one by one) and its settings (site.yaml and the options: a
    saved build with others is not used): the lists in their order, the tags and
    themes, and the roadmap's history from git (a commit's subject is in no item). An
    output made without noting its reads (the feeds, roadmap.json, search.json) is kept
    when none of these nor any fingerprint changed: a fresh CI checkout of the same
    content makes nothing again."""
    return (
        plain(site.lists),
        plain(site.tags),
        plain(site.theme_pages),
        plain(site.history),
        site.include_drafts,
        site.audience,
    )


def _site_value(site: Site, attribute: str) -> str:
    """The digest of a site attribute an output read ("": anything, see site_state)."""
    if not attribute:
        return value_digest(site_state(site))
    return value_digest(attribute_value(site, attribute))


def fingerprint_digests(
    site: Site, found: dict[Key, Hashable]
) -> tuple[dict[Key, str], dict[Key, str]]:
    """The digests of the fingerprints ``found`` (see ``tracking.fingerprints``) and of
    the front fingerprints: an item's (digest, draft, links) and (front digest, draft,
    links), with the links written out once; a tag's or a theme's front is its full."""
    items = {item.key: item for item in site.items()}
    full: dict[Key, str] = {}
    fronts: dict[Key, str] = {}
    for key, value in found.items():
        item = items.get(key)
        if item is None or not isinstance(value, tuple):
            full[key] = fronts[key] = value_digest(value)
        else:
            tail = repr(value[1:])
            full[key] = digest(f"{value[0]}|{tail}".encode("utf-8", "surrogateescape"))
            front = f"{item.front_digest}|{tail}"
            fronts[key] = digest(front.encode("utf-8", "surrogateescape"))
    return full, fronts


@dataclass(frozen=True)
class SavedBuild:
    """The last build into one output folder, as the next process needs it.

    ``settings`` is the session's settings digest (site.yaml and the build options);
    ``templates`` each template's source digest by name; ``closures`` the templates each
    page template uses; ``fingerprints`` a digest of each item's, tag's and theme's
    fingerprint by key; ``site_values`` a digest of each site attribute read; ``records``
    each output by path, as a ``Rendered`` whose file carries only its path and source
    and whose dependencies are (key, "") per item read and (SITE_KEY, attribute) per site
    attribute read.
    """

    settings: str
    templates: dict[str, str]
    closures: dict[str, frozenset[str]]
    fingerprints: dict[Key, str]
    fronts: dict[Key, str]  # the digests of the front fingerprints
    site_values: dict[str, str]
    records: dict[str, Rendered]
    # Each item's line of search.json, valid while its fingerprint is the saved one.
    search: dict[Key, bytes] = field(default_factory=dict)

    def search_cache(self, changes: SavedChanges) -> OutputCache:
        """The saved search.json lines of the items that did not change, as the feeds'
        cache of the last build (``outputs.FeedOutputs``) holds them."""
        found: SearchLines = {}
        for index, (key, line) in enumerate(self.search.items()):
            if key not in changes.keys and key in changes.fingerprints:
                found[key] = (index, changes.fingerprints[key], line, frozenset())
        return OutputCache(search=found)

    @classmethod
    def of(
        cls,
        settings: str,
        templates: dict[str, str],
        closures: dict[str, frozenset[str]],
        records: dict[str, Rendered],
        found: dict[Key, Hashable],
        site: Site,
        digests: tuple[dict[Key, str], dict[Key, str]] | None = None,
        search: dict[Key, bytes] | None = None,
    ) -> SavedBuild:
        """What a build that made ``records`` (and whose model had the fingerprints
        ``found``, whose ``fingerprint_digests`` may be given) leaves for the next
        process."""
        attributes = {
            attribute
            for record in records.values()
            for key, attribute in record.deps
            if key == SITE_KEY
        }
        full, fronts = digests or fingerprint_digests(site, found)
        return cls(
            settings,
            dict(templates),
            dict(closures),
            full,
            fronts,
            {attribute: _site_value(site, attribute) for attribute in attributes},
            records,
            {key: line for key, line in (search or {}).items() if key in full and _utf8(line)},
        )

    def save(self, path: Path) -> None:
        """Write it as JSON (renamed into place once complete); raises OSError."""
        keys: dict[Key, int] = {}
        for key in self.fingerprints:
            keys.setdefault(key, len(keys))
        rows = []
        for path_name, record in self.records.items():
            read, front, site_reads = set(), set(), []
            for key, attribute in record.deps:
                if key == SITE_KEY:
                    site_reads.append(attribute)
                elif attribute == FRONT:
                    front.add(keys.setdefault(key, len(keys)))
                else:
                    read.add(keys.setdefault(key, len(keys)))
            rows.append(
                [
                    path_name,
                    record.template,
                    record.file.source,
                    sorted(read),
                    sorted(front - read),
                    sorted(site_reads),
                    sorted(record.templates),
                ]
            )
        table = [
            [kind, slug, self.fingerprints.get((kind, slug), ""), self.fronts.get((kind, slug), "")]
            for kind, slug in keys
        ]
        data = {
            "versions": versions(),
            "format": FORMAT,
            "settings": self.settings,
            "templates": self.templates,
            "closures": {name: sorted(names) for name, names in self.closures.items()},
            "keys": table,
            "site": self.site_values,
            "records": rows,
            # Written as made, one line at a time: 12 MB at 10,000 items.
            "search": ([keys[key], line.decode("utf-8")] for key, line in self.search.items()),
        }
        write_json_file(path, data)

    @classmethod
    def load(cls, path: Path) -> SavedBuild | None:
        """The saved build in ``path``; None when it is missing, damaged, or made by
        another version of pmsite or of the libraries that shape the output."""
        data = read_json_file(path)
        if not isinstance(data, dict):
            return None
        if data.get("versions") != versions() or data.get("format") != FORMAT:
            return None
        try:
            table = [((kind, slug), full, front) for kind, slug, full, front in data["keys"]]
            keys = [key for key, _, _ in table]
            records = {}
            # One tuple per key, dependency and set of templates, shared by the records
            # (as ``Interned`` makes them; the saved lists hold no duplicates).
            read_deps = [(key, "") for key in keys]
            front_deps = [(key, FRONT) for key in keys]
            site_deps: dict[str, Dependency] = {}
            closures: dict[tuple[str, ...], frozenset[str]] = {}
            for path_name, template, source, read, front, site_reads, used in data["records"]:
                deps = [read_deps[index] for index in read]
                deps += [front_deps[index] for index in front]
                deps += [site_deps.setdefault(name, (SITE_KEY, name)) for name in site_reads]
                found = [keys[index] for index in read] + [keys[index] for index in front]
                if site_reads:
                    found.append(SITE_KEY)
                names = tuple(used)
                templates = closures.get(names)
                if templates is None:
                    templates = closures[names] = frozenset(used)
                file = OutputFile(path_name, source)
                records[path_name] = Rendered(file, template, tuple(deps), templates, tuple(found))
            return cls(
                str(data["settings"]),
                dict(data["templates"]),
                {name: frozenset(names) for name, names in data["closures"].items()},
                {key: full for key, full, _ in table if full},
                {key: front for key, _, front in table if front},
                dict(data["site"]),
                records,
                {keys[index]: line.encode("utf-8") for index, line in data.get("search", [])},
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class SavedChanges(SiteChanges):
    """What differs between a saved build (an earlier process's) and this build's model,
    asked per output, as ``SiteChanges`` asks it of the last build in memory."""

    def __init__(self, site: Site, saved: SavedBuild) -> None:
        # Not super().__init__: there is no earlier model to compare values with.
        self.site = site
        self.fingerprints = fingerprints(site)
        self.digests = fingerprint_digests(site, self.fingerprints)
        old, now = saved.fingerprints, self.digests[0]
        self.keys = {key for key in old.keys() | now.keys() if old.get(key) != now.get(key)}
        # Of those, the items whose fields but the body changed too (or that are new or
        # gone): only these touch an output that read no body.
        fronts = self.digests[1]
        self.front_keys = {key for key in self.keys if saved.fronts.get(key) != fronts.get(key)}
        self._site_values = saved.site_values
        self._site_answers: dict[str, bool] = {}

    def touches(self, record: Rendered) -> bool:
        """Whether any item or site attribute ``record`` read differs now (an item
        counts as changed when its fingerprint did, or, for an output that read only
        its fields but the body, when its front fingerprint did)."""
        if not self.keys.isdisjoint(record.keys):
            for key, attribute in record.deps:
                if key in self.keys and (attribute != FRONT or key in self.front_keys):
                    return True
        if SITE_KEY not in record.keys:
            return False
        return any(
            self._site_changed(attribute) for key, attribute in record.deps if key == SITE_KEY
        )

    def _site_changed(self, attribute: str) -> bool:
        answer = self._site_answers.get(attribute)
        if answer is None:
            before = self._site_values.get(attribute)
            if not attribute and self.keys:
                answer = True  # "anything": an item, a tag or a theme changed
            else:
                answer = before is None or before != _site_value(self.site, attribute)
            self._site_answers[attribute] = answer
        return answer
