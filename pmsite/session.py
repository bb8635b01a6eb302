"""BuildSession: the stages of a build, with what can be kept between builds.

``pmsite build`` uses a session once. The preview server keeps one for the whole day:
unchanged files are not parsed again, unchanged Markdown is not converted again, and a
page is rendered again only when something it read changed (deps.py notes the reads,
records.py keeps them and tells what changed); an edit of text only patches the last
build (patch.py). The feeds and JSON outputs are outputs.py's. Whatever was reused, the
files produced equal those of a clean build.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Collection, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from pmsite.errors import ContentError, ErrorList, OutputError
from pmsite.incremental.outputs import FeedOutputs
from pmsite.incremental.patch import PatchChanges, ReadValues, TextEdit, apply, text_fields_changed
from pmsite.incremental.records import (
    PARALLEL_MIN_PAGES,
    Changes,
    Rendered,
    SiteChanges,
    render_page,
)
from pmsite.incremental.tracking import (
    SITE_KEY,
    Key,
    fingerprint,
    model_objects,
    template_closure,
)
from pmsite.load.config import read_config
from pmsite.load.files import ContentTree, DocumentCache, read_content, text_digest
from pmsite.load.git import GitDates, GitReader, apply_git_date, apply_git_dates
from pmsite.load.link import assemble_site
from pmsite.load.readers import ItemCache, read_item, read_items
from pmsite.model.items import Item, Site
from pmsite.render.feeds import (
    sitemap,
)
from pmsite.render.markup import MarkupRenderer, code_stylesheet
from pmsite.render.parallel import fork_map
from pmsite.render.templates import PageSpec, Renderer, make_environment, page_list
from pmsite.store.cache import load_markdown, save_markdown
from pmsite.store.write import OutputFile, Staging, check_unique_paths

log = logging.getLogger("pmsite")


@dataclass
class BuildOutcome:
    site: Site
    files: list[OutputFile]
    rendered_paths: list[str]
    reused: int
    warnings: list[ContentError] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def rendered(self) -> int:
        return len(self.rendered_paths)

    @property
    def pages(self) -> int:
        return sum(1 for file in self.files if file.path.endswith(".html"))


class BuildSession:
    """Builds one site again and again, reusing whatever did not change."""

    def __init__(
        self,
        site_dir: Path,
        base_url: str | None = None,
        drafts: bool = False,
        audience: str = "public",
        use_cache: bool = False,
        track: bool = True,
    ) -> None:
        self.site_dir = site_dir.resolve()
        # Note what each page reads, to re-render only what an edit touches; a session
        # that builds once (pmsite build, pmsite check) has no next build to help.
        self.track = track
        self.use_cache = use_cache  # the Markdown cache on disk (see cache.py)
        self.base_url = base_url
        self.drafts = drafts
        self.audience = audience
        self.git = GitReader(self.site_dir)
        self.documents = DocumentCache()
        self.items = ItemCache()
        self._markup: MarkupRenderer | None = None
        self._env: jinja2.Environment | None = None
        self._settings = ""
        self._template_digests: dict[str, str] = {}
        self._fingerprints: dict[Key, Hashable] = {}
        self._site: Site | None = None
        self._records: dict[str, Rendered] = {}
        self._stages: dict[str, float] = {}
        self._changed_templates: set[str] = set()
        self._closures: dict[str, frozenset[str]] = {}
        self._outputs = FeedOutputs(track)
        self._new_template_digests: dict[str, str] = {}
        self._staging: Staging | None = None
        # Kept from the last full build for patched ones (see patch.py):
        self._pages: list[PageSpec] = []
        self._extra_files: list[OutputFile] = []  # sitemap.xml and the assets
        self._kinds: dict[Path, str] = {}  # the kind of each content document
        self._warnings: list[ContentError] = []
        self._last_good = False  # whether the last build succeeded (a patch needs it)
        self._git = GitDates()  # what git said when the model was last read or patched
        self._reads: dict[Key, set[str]] = {}  # the attributes outputs read, by key

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self._stages[name] = (time.perf_counter() - start) * 1000
        log.debug("%-9s %8.1f ms", name, self._stages[name])

    def forget(self, paths: Iterable[Path]) -> None:
        """Files known to have changed: read them again even if their stat looks the same."""
        self.documents.forget(path.resolve() for path in paths)

    def load(self) -> tuple[Site, ContentTree, ErrorList]:
        """Read, check, link and convert the content; raises ContentErrors on any problem."""
        errors = ErrorList()
        if not (self.site_dir / "content").is_dir():
            raise OutputError(
                f"no content/ folder in {self.site_dir}: is --site pointing at your site?"
            )
        if self.track:
            with self._stage("read"):
                tree = read_content(self.site_dir, errors, self.documents)
            with self._stage("parse"):
                items = read_items(tree.documents, self.site_dir, errors, self.items)
        else:
            # A session that builds once keeps nothing for a next build: each document
            # becomes an item as soon as it is read, and is then let go.
            items = []
            with self._stage("read"):
                tree = read_content(
                    self.site_dir,
                    errors,
                    take=lambda document: items.append(read_item(document, self.site_dir, errors)),
                )
        with self._stage("parse" if not self.track else "config"):
            config = read_config(tree.site_data, tree.site_display, errors, self.base_url)
        with self._stage("link"):
            site = assemble_site(config, items, errors, self.drafts, self.audience)
        errors.raise_if_any()
        with self._stage("git"):
            self._git = self.git.read()
            apply_git_dates(site, self.site_dir, self._git)
        with self._stage("markdown"):
            markup = self._markup_for(config.unsafe_html)
            markup.render_all(text for item in site.items() for text in item.texts())
            markup.forget_unused()
        return site, tree, errors

    def _markup_for(self, unsafe_html: bool) -> MarkupRenderer:
        if self._markup is None or self._markup.unsafe_html != unsafe_html:
            self._markup = MarkupRenderer(unsafe_html=unsafe_html)
            if self.use_cache:
                self._markup.preload(load_markdown(self.site_dir, unsafe_html))
        return self._markup

    def save_cache(self) -> None:
        """Keep the Markdown this build used for the next process (best effort)."""
        if self.use_cache and self._markup is not None:
            with contextlib.suppress(OSError):
                save_markdown(self.site_dir, self._markup.unsafe_html, self._markup.cache)

    def build(self, staging: Staging | None = None, changed: Collection[Path] = ()) -> BuildOutcome:
        """Every output file of the site; raises ContentErrors listing every problem.

        With ``staging``, pages are written into it as they are rendered (by whichever
        process renders them) instead of being kept in memory: their OutputFiles then
        carry only what was written. ``changed`` (the files a watcher saw change) lets
        an edit of text only patch the last build (see patch.py). A failed build leaves
        the session as it was after the last good one.
        """
        self._stages = {}
        self._staging = staging
        last_good, self._last_good = self._last_good, False
        try:
            outcome = self._patch(changed) if changed and last_good else None
            if outcome is None:
                outcome = self._full_build()
        except BaseException:
            # Nothing made for a failed build is kept: its templates (the environment
            # compiled them), its feed notes and search lines, and (from a failed patch)
            # the model it patched.
            self._env, self._closures = None, {}
            self._outputs.forget()
            raise
        self._last_good = True
        return outcome

    def _full_build(self) -> BuildOutcome:
        """Read, link and convert everything, then render what changed."""
        site, tree, errors = self.load()
        self._start_render(site, tree)
        renderer = Renderer(site, self.site_dir, self._env)
        with self._stage("changes"):
            changes = SiteChanges(site, self._site, self._fingerprints)
            pages = list(page_list(site))
        with self._stage("pages"):
            records = self._render_pages(site, renderer, changes, pages)
        with self._stage("feeds"):
            records.update(self._render_feeds(site, renderer, changes))
            renderer.raise_if_errors()
        extra = [*self._sitemap(site, records), *self._assets(renderer.env, tree)]
        files = [record.file for record in records.values()] + extra
        check_unique_paths(files)
        rendered = self._commit(records, changes, patched=False)
        self._pages, self._extra_files = pages, extra
        self._kinds = {document.path: document.kind for document in tree.documents}
        warnings = list(errors.warnings)
        if not site.config.base_url:
            warnings.append(
                ContentError(
                    site.config.source,
                    None,
                    "no base_url: sitemap.xml is not written and feeds use relative links",
                )
            )
        self._warnings = warnings
        outcome = BuildOutcome(site, files, rendered, len(records) - len(rendered))
        outcome.warnings, outcome.stages = warnings, dict(self._stages)
        return outcome

    def _patch(self, paths: Collection[Path]) -> BuildOutcome | None:
        """The build after an edit of text only, made by patching the last build's
        model; None when the edit is anything else (then the full path runs)."""
        site, markup, env = self._site, self._markup, self._env
        # An editor's atomic save (write a temporary file, rename it over the real one)
        # also reports the temporary file: one that is gone and was never read is moot.
        paths = [p for p in paths if p.resolve() in self._kinds or os.path.lexists(p)]
        kinds = [self._kinds.get(path.resolve()) for path in paths]
        if site is None or markup is None or env is None or None in kinds or not self.track:
            return None
        objects = model_objects(site)
        edits = []
        with self._stage("read"):
            for path, kind in zip(paths, kinds, strict=True):
                found = ErrorList()
                assert kind is not None
                document = self.documents.read(kind, path.resolve(), self.site_dir, found)
                before = self.items.peek(document.path) if document else None
                if document is None or before is None or found.errors or found.warnings:
                    return None
                item = read_item(document, self.site_dir, found, self.items)
                fields = text_fields_changed(before, item)
                linked = objects.get(item.key)
                if found.errors or found.warnings or fields is None:
                    return None
                if not isinstance(linked, Item):  # gone, or a tag with the same key
                    return None
                edits.append(TextEdit(linked, item, fields))
        git = self.git.read()
        if not _same_git(self._git, git, {path.resolve() for path in paths}):
            return None  # a commit or a checkout can change every item's date and link
        try:
            return self._apply_patch(site, markup, env, edits, git)
        except BaseException:
            # The model may be half patched: the next build starts again from the files.
            self._settings, self._site = "", None
            raise

    def _apply_patch(
        self,
        site: Site,
        markup: MarkupRenderer,
        env: jinja2.Environment,
        edits: list[TextEdit],
        git: GitDates,
    ) -> BuildOutcome:
        self._changed_templates = set()  # a patch is only taken when none changed
        with self._stage("markdown"):
            markup.render_all(text for edit in edits for text in edit.new.texts())
        with self._stage("render"):
            keys = [SITE_KEY, *(edit.linked.key for edit in edits)]
            reads = [(key, attribute) for key in keys for attribute in self._reads.get(key, ())]
            values = ReadValues(site, edits, reads)
            apply(edits)
            for edit in edits:
                apply_git_date(edit.linked, self.site_dir, git, site.config.repo_url)
            fingerprints = dict(self._fingerprints)
            fingerprints.update((edit.linked.key, fingerprint(edit.linked)) for edit in edits)
            changes = PatchChanges(site, fingerprints, values.changed(), edits)
            renderer = Renderer(site, self.site_dir, env)
            records = self._render_pages(site, renderer, changes, self._pages)
            records.update(self._render_feeds(site, renderer, changes))
            renderer.raise_if_errors()
        rendered = self._commit(records, changes, patched=True)
        self._git = git
        files = [record.file for record in records.values()] + self._extra_files
        outcome = BuildOutcome(site, files, rendered, len(records) - len(rendered))
        outcome.warnings, outcome.stages = list(self._warnings), dict(self._stages)
        return outcome

    def _start_render(self, site: Site, tree: ContentTree) -> None:
        """Drop what cannot be reused: everything after a settings change, and the
        template environment after a template change."""
        settings = text_digest(f"{tree.site_digest}|{self.base_url}|{self.drafts}|{self.audience}")
        if settings != self._settings:
            self._records, self._fingerprints, self._site = {}, {}, None
            self._outputs.forget()
            self._settings = settings
            self._env = None
        env = self._env or make_environment(self.site_dir, self.track)
        digests = _template_digests(env)
        self._changed_templates = {
            name
            for name in set(digests) | set(self._template_digests)
            if digests.get(name) != self._template_digests.get(name)
        }
        if self._changed_templates or self._env is None:
            env = make_environment(self.site_dir, self.track)  # nothing compiled from old sources
            self._closures = {}
        self._env = env
        self._new_template_digests = digests

    def _reusable(self, old: Rendered | None, template: str, changes: Changes) -> bool:
        if old is None or old.template != template:
            return False
        changed_templates = self._changed_templates
        if changed_templates and ("*" in old.templates or old.templates & changed_templates):
            return False
        return not changes.touches(old)

    def _render_pages(
        self, site: Site, renderer: Renderer, changes: Changes, pages: list[PageSpec]
    ) -> dict[str, Rendered]:
        """Every page: kept from the last build when nothing it read changed, otherwise
        rendered (over several processes when there are many)."""
        kept: dict[str, Rendered] = {}
        todo = []
        for page in pages:
            old = self._records.get(page.path)
            if self._reusable(old, page.template, changes):
                assert old is not None
                kept[page.path] = old
            else:
                todo.append(page)
                self._closure(renderer.env, page.template)  # parsed here, once
        job = (renderer, todo, self._closures, self._staging)
        results = fork_map(render_page, job, range(len(todo)), PARALLEL_MIN_PAGES)
        renderer.errors = [error for _, errors in results for error in errors]
        for record, _ in results:
            if record is not None:
                kept[record.file.path] = record
        return {page.path: kept[page.path] for page in pages if page.path in kept}

    def _closure(self, env: jinja2.Environment, template: str) -> frozenset[str]:
        """The templates ``template`` uses, parsed again only after a template change."""
        closure = self._closures.get(template)
        if closure is None:
            closure = self._closures[template] = template_closure(env, template)
        return closure

    def _render_feeds(
        self, site: Site, renderer: Renderer, changes: Changes
    ) -> dict[str, Rendered]:
        """The feeds and JSON outputs (see outputs.py)."""
        if self._changed_templates:
            self._outputs.forget_notes()

        def reuse(path: str) -> Rendered | None:
            old = self._records.get(path)
            return old if self._reusable(old, path, changes) else None

        return self._outputs.render(
            site,
            renderer,
            changes,
            reuse,
            lambda template: self._closure(renderer.env, template),
            self._staging,
        )

    def _sitemap(self, site: Site, records: dict[str, Rendered]) -> list[OutputFile]:
        """sitemap.xml (with a base_url) lists every page: cheap to write every time."""
        if not site.config.base_url:
            return []
        content = sitemap(site, list(records)).encode("utf-8")
        return [OutputFile("sitemap.xml", site.config.source, content=content)]

    def _assets(self, env: jinja2.Environment, tree: ContentTree) -> list[OutputFile]:
        """The theme's assets (a site's own templates/assets/ wins), code CSS, static files."""
        files = [OutputFile("assets/code.css", "(built-in theme)", content=_CODE_CSS)]
        loader = env.loader
        assert loader is not None
        for name in sorted(env.list_templates(filter_func=_is_asset)):
            source = loader.get_source(env, name)[0]
            files.append(OutputFile(name, "(theme)", content=source.encode("utf-8")))
        static_root = tree.content_dir / "static"
        for path in tree.static_files:
            relative = path.relative_to(static_root).as_posix()
            files.append(OutputFile(relative, f"content/static/{relative}", copy_from=path))
        return files

    def _commit(self, records: dict[str, Rendered], changes: Changes, patched: bool) -> list[str]:
        """Keep this build's records for the next one; returns the paths rendered again."""
        previous = self._records
        rendered = [path for path, record in records.items() if previous.get(path) is not record]
        if self.track:
            # What the outputs read of each item and of the site, for patched builds:
            # made again after a full build, added to after a patched one.
            reads = self._reads if patched else {}
            for path in rendered if patched else records:
                for key, attribute in records[path].deps:
                    reads.setdefault(key, set()).add(attribute)
            self._reads = reads
        self._records = records
        self._fingerprints = changes.fingerprints
        self._site = changes.site
        self._outputs.keep_only(changes.fingerprints)
        self._template_digests = self._new_template_digests
        return rendered


_CODE_CSS = code_stylesheet().encode("utf-8")


def _is_asset(name: str) -> bool:
    return name.startswith("assets/")


def _template_digests(env: jinja2.Environment) -> dict[str, str]:
    loader = env.loader
    assert loader is not None
    digests = {}
    for name in env.list_templates():
        try:
            digests[name] = text_digest(loader.get_source(env, name)[0])
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            digests[name] = "unreadable"
    return digests


def _same_git(before: GitDates, now: GitDates, edited: set[Path]) -> bool:
    """Whether git gives every item but the edited ones the same date and edit link."""
    if now.root is None and before.root is None:
        return True  # no git: no dates
    return (
        now.root == before.root
        and now.branch == before.branch
        and now.dates is before.dates  # read again only when HEAD moved
        and now.dirty - edited == before.dirty - edited
    )
