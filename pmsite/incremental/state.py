"""The state a build session keeps between builds: the last good build as one value
(``LastBuild``), the template environment it rendered with (``Templates``), and the
helpers that compare a build with it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from pmsite.digest import digest
from pmsite.errors import ContentError
from pmsite.incremental.outputs import OutputCache
from pmsite.incremental.records import Rendered
from pmsite.incremental.tracking import Key, template_closure
from pmsite.load.git import GitDates
from pmsite.load.walk import is_ignored_path
from pmsite.model.items import Site
from pmsite.options import BuildOptions
from pmsite.render.templates import PageSpec
from pmsite.store.write import OutputFile


@dataclass(frozen=True)
class Templates:
    """A build's template environment, with the digest of every template it can load
    and, per page template, the templates it uses (parsed once per environment)."""

    env: jinja2.Environment
    digests: dict[str, str]
    closures: dict[str, frozenset[str]]

    def closure(self, template: str) -> frozenset[str]:
        closure = self.closures.get(template)
        if closure is None:
            closure = self.closures[template] = template_closure(self.env, template)
        return closure


@dataclass(frozen=True)
class LastBuild:
    """The last build that succeeded, as one value. It is assigned whole, only when a
    build succeeds, so a failed build leaves nothing of itself behind: its templates,
    records and feed notes are simply never kept. (A patched build edits the model in
    place; when one fails, the session drops its LastBuild and starts again from the
    files.)"""

    settings: str  # digest of site.yaml and the build options
    options: BuildOptions  # a patch needs the same (a new day can make items overdue)
    site: Site
    records: dict[str, Rendered]  # by output path
    fingerprints: dict[Key, Hashable]
    reads: dict[Key, frozenset[str]]  # the attributes outputs read, by key (for patches)
    templates: Templates
    outputs: OutputCache
    pages: list[PageSpec]
    extra_files: list[OutputFile]  # sitemap.xml and the assets
    documents: dict[Path, str]  # the kind of each content document
    inputs: frozenset[Path]  # what else it read: site.yaml, CSV, static, templates
    warnings: list[ContentError]
    git: GitDates  # what git said when the model was read or patched


def rendered_again(records: dict[str, Rendered], last: LastBuild | None) -> list[str]:
    """The paths of the records this build made (not kept from ``last``)."""
    before = last.records if last else {}
    return [path for path, record in records.items() if before.get(path) is not record]


def reads_of(
    records: Iterable[Rendered], before: dict[Key, frozenset[str]] | None = None
) -> dict[Key, frozenset[str]]:
    """The attributes that ``records`` read of each item and of the site, added to
    ``before`` (a patched build adds the reads of what it rendered again; only the keys
    that gain an attribute are copied)."""
    found = dict(before or {})
    added: dict[Key, set[str]] = {}
    for record in records:
        for key, attribute in record.deps:
            if attribute not in found.get(key, ()):
                added.setdefault(key, set(found.get(key, ()))).add(attribute)
    found.update((key, frozenset(attributes)) for key, attributes in added.items())
    return found


def template_digests(env: jinja2.Environment) -> dict[str, str]:
    loader = env.loader
    assert loader is not None
    digests = {}
    for name in env.list_templates():
        if is_ignored_path(name):
            continue  # what the no-op build and the watcher ignore, a build ignores too
        try:
            digests[name] = digest(loader.get_source(env, name)[0])
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            digests[name] = "unreadable"
    return digests


def same_git(before: GitDates, now: GitDates, edited: set[Path]) -> bool:
    """Whether git gives every item but the edited ones the same date and edit link."""
    if now.root is None and before.root is None:
        return True  # no git: no dates
    return (
        now.root == before.root
        and now.branch == before.branch
        and now.dates is before.dates  # read again only when HEAD moved
        and now.shallow == before.shallow  # the history starts elsewhere
        and now.dirty - edited == before.dirty - edited
    )
