"""BuildSession: the stages of a build, with what can be kept between builds.

``pmsite build`` uses a session once. The preview server keeps one for the whole day:
unchanged files are not parsed again, unchanged Markdown is not converted again, and a
page is rendered again only when something it read changed (incremental/tracking.py
notes the reads, records.py keeps them and tells what changed, state.py holds the last
good build as one value); an edit of text only patches the last build (patch.py). The
feeds and JSON outputs are incremental/outputs.py's. Whatever was reused, the files
produced equal those of a clean build.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeAlias

import jinja2

from pmsite.collector import long_lived
from pmsite.digest import digest
from pmsite.errors import ContentError, ErrorList, OutputError
from pmsite.history.changes import Projected, project
from pmsite.history.extract import Extracted, HistoryReader, NoHistory
from pmsite.history.site import apply_history
from pmsite.incremental.outputs import FeedOutputs
from pmsite.incremental.patch import PatchChanges, ReadValues, TextEdit, apply, text_fields_changed
from pmsite.incremental.records import (
    PARALLEL_MIN_PAGES,
    Changes,
    Interned,
    Rendered,
    SiteChanges,
    render_page,
)
from pmsite.incremental.saved import SavedBuild, SavedChanges
from pmsite.incremental.state import (
    LastBuild,
    Templates,
    reads_of,
    rendered_again,
    same_git,
    template_digests,
)
from pmsite.incremental.tracking import (
    SITE_KEY,
    fingerprint,
    model_objects,
)
from pmsite.load.config import read_config
from pmsite.load.files import SITE_FILE, ContentTree, DocumentCache, RawDocument, read_content
from pmsite.load.git import GitDates, GitReader, apply_git_date, apply_git_dates
from pmsite.load.link import assemble_site
from pmsite.load.parsed import FILE as PARSED
from pmsite.load.parsed import ParsedCache
from pmsite.load.readers import ItemCache, read_item, read_items
from pmsite.load.walk import is_ignored_path
from pmsite.model.items import Item, Site
from pmsite.options import BuildOptions
from pmsite.render.feeds import (
    sitemap,
)
from pmsite.render.markup import MarkupRenderer, code_stylesheet
from pmsite.render.parallel import fork_map
from pmsite.render.templates import PageSpec, Renderer, make_environment, page_list
from pmsite.store.cache import (
    append_markdown,
    load_markdown,
    read_cache_lines,
    save_markdown,
    versions,
    write_cache_lines,
)
from pmsite.store.write import OutputFile, Staging, check_unique_paths

log = logging.getLogger("pmsite")

PageResult: TypeAlias = tuple[Rendered | None, list[ContentError]]  # see render_page


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
        options: BuildOptions | None = None,
        *,
        use_cache: bool = False,
        track: bool = True,
        history_cache: bool | None = None,
        history: bool = True,
        persist: bool = False,
    ) -> None:
        self.site_dir = site_dir.resolve()
        self.options = options or BuildOptions.of()
        # Note what each page reads, to re-render only what an edit touches; a session
        # that builds once (pmsite build, pmsite check) has no next build to help.
        self.track = track
        # Note what each output reads for the next build process instead (pmsite build
        # with its cache): build(saved=...) uses an earlier process's records, and
        # ``saved`` is what this one leaves (see incremental/saved.py).
        self.persist = persist
        self.record = track or persist
        self.saved: SavedBuild | None = None
        self.parsed: ParsedCache | None = None  # front matter by text digest, see _parsed
        self.use_cache = use_cache  # the Markdown cache on disk (see store/cache.py)
        self.git = GitReader(self.site_dir)
        # The roadmap's history, read from git again only when HEAD moves; kept in
        # .pmsite-cache/ too (``history_cache``, by default as the Markdown cache is).
        # ``history=False``: the site has none (Site.history says it was not read).
        keep = use_cache if history_cache is None else history_cache
        self.history = HistoryReader(self.site_dir, use_cache=keep) if history else None
        self._projected: tuple[object, Projected] | None = None
        # Caches of what was read and converted, keyed by what they were made from:
        self.documents = DocumentCache()
        self.items = ItemCache()
        self._markup: MarkupRenderer | None = None
        self._last: LastBuild | None = None
        self._last_failed = False  # a patch needs the latest build to have succeeded
        self.stages: dict[str, float] = {}  # the latest build's stage timings, in ms

    @contextmanager
    def _stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.stages[name] = (time.perf_counter() - start) * 1000
        log.debug("%-9s %8.1f ms", name, self.stages[name])

    def forget(self, paths: Iterable[Path]) -> None:
        """Files known to have changed: read them again even if their stat looks the same."""
        self.documents.forget(path.resolve() for path in paths)

    def load(self) -> tuple[Site, ContentTree, ErrorList]:
        """Read, check, link and convert the content; raises ContentErrors on any problem."""
        site, tree, errors, _ = self._load()
        return site, tree, errors

    def _load(self) -> tuple[Site, ContentTree, ErrorList, GitDates]:
        # What a session that builds once reads lives until its process ends: the
        # collector is paused meanwhile and then left alone (see collector.py).
        with contextlib.nullcontext() if self.track else long_lived():
            site, tree, errors, git = self._read_model()
        with self._stage("markdown"):
            markup = self._markup_for(site.config.unsafe_html)
            # A build process with a cache writes what it converts to the cache file as
            # it goes, and every page then reads its HTML from there.
            spill = self.site_dir if self.use_cache and self.persist else None
            markup.render_items(site.items(), spill)
            markup.forget_unused()
        return site, tree, errors, git

    def _read_model(self) -> tuple[Site, ContentTree, ErrorList, GitDates]:
        """Read, check and link the content, with its dates and history from git."""
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
                    parsed=self._parsed(),
                )
            self._save_parsed()  # its 10 MB (at 10,000 files) are not held while rendering
        options = self.options
        with self._stage("parse" if not self.track else "config"):
            config = read_config(tree.site_data, tree.site_display, errors, options.base_url)
        with self._stage("link"):
            site = assemble_site(
                config, items, errors, options.drafts, options.audience, tree.claims, options.today
            )
        errors.raise_if_any()
        with self._stage("git"):
            git = self.git.read()
            apply_git_dates(site, self.site_dir, git)
        with self._stage("history"):
            raw = self._read_history(git)
            apply_history(site, raw, self._project(raw))
            for note in site.history.notes:
                log.debug("history: skipped %s", note)
        return site, tree, errors, git

    def _read_history(self, git: GitDates) -> Extracted | NoHistory:
        if self.history is None:
            return NoHistory("This build does not read the roadmap's history.")
        return self.history.read(git.root, git.head, git.shallow)

    def _project(self, raw: Extracted | NoHistory) -> Projected | None:
        """The history as this session's options show it (made again when HEAD moved)."""
        if isinstance(raw, NoHistory):
            return None
        if self._projected is None or self._projected[0] is not raw:
            options = self.options
            self._projected = (raw, project(raw, options.drafts, options.audience))
        return self._projected[1]

    def _markup_for(self, unsafe_html: bool) -> MarkupRenderer:
        if self._markup is None or self._markup.unsafe_html != unsafe_html:
            self._markup = MarkupRenderer(unsafe_html=unsafe_html)
            if self.use_cache:
                self._markup.preload(load_markdown(self.site_dir, unsafe_html))
        return self._markup

    def _parsed(self) -> ParsedCache | None:
        """The front matter earlier processes parsed (for a build that persists)."""
        if not self.persist:
            return None
        if self.parsed is None:
            lines = read_cache_lines(self.site_dir, PARSED)
            self.parsed = ParsedCache.from_lines(lines, versions())
        return self.parsed

    def save_cache(self) -> None:
        """Keep the Markdown and front matter this build used for the next process
        (best effort)."""
        markup = self._markup
        if self.use_cache and markup is not None and markup.changed:
            with contextlib.suppress(OSError):
                # New entries are appended while what is forgotten (and stays in the
                # file until it is written again) is under a quarter of it.
                if markup.preloaded and markup.dropped * 4 <= markup.preloaded:
                    append_markdown(self.site_dir, markup.new_lines())
                else:
                    save_markdown(self.site_dir, markup.unsafe_html, markup.lines())
        self._save_parsed()

    def _save_parsed(self) -> None:
        """Write the front matter parsed or used by this build for the next process
        (best effort), once every file was read, and let it go."""
        if self.parsed is not None and self.parsed.changed:
            with contextlib.suppress(OSError):
                write_cache_lines(self.site_dir, PARSED, self.parsed.lines(versions()))
        self.parsed = None

    def build(
        self,
        staging: Staging | None = None,
        changed: Collection[Path] = (),
        saved: SavedBuild | None = None,
    ) -> BuildOutcome:
        """Every output file of the site; raises ContentErrors listing every problem.

        With ``staging``, pages are written into it as they are rendered (by whichever
        process renders them) instead of being kept in memory: their OutputFiles then
        carry only what was written. ``changed`` (the files a watcher saw change) lets
        an edit of text only patch the last build (see incremental/patch.py). ``saved``
        (an earlier process's build into the output folder ``staging`` replaces) lets
        outputs whose reads did not change be linked from that output instead of
        rendered. A failed build leaves the session as it was after the last good one.
        """
        self.stages = {}
        last_failed, self._last_failed = self._last_failed, True
        outcome = None
        last = self._last
        # A patch edits the last build's model, made with its options (and its day).
        if changed and not last_failed and last and last.options == self.options and self.track:
            outcome = self._patch(last, changed, staging)
        if outcome is None:
            outcome = self._full_build(staging, saved)
        self._last_failed = False
        return outcome

    def _full_build(self, staging: Staging | None, saved: SavedBuild | None) -> BuildOutcome:
        """Read, link and convert everything, then render what changed."""
        site, tree, errors, git = self._load()
        settings = digest(f"{tree.site_digest}|{self.options.cache_key()}")
        last = self._last if self._last and self._last.settings == settings else None
        # An earlier process's build, with the same settings, to link from. Its day may
        # differ: what a new day changes (overdue goals and releases) changes those
        # items' fingerprints, so only the outputs that show them are made again.
        settings_any_day = digest(f"{tree.site_digest}|{self.options.cache_key(day=False)}")
        if (
            last
            or staging is None
            or not self.record
            or (saved and saved.settings != settings_any_day)
        ):
            saved = None
        templates, changed_templates = self._templates(last, saved)
        renderer = Renderer(site, self.site_dir, templates.env)
        with self._stage("changes"):
            changes: SiteChanges | SavedChanges
            if saved is not None:
                changes = SavedChanges(site, saved)
            else:
                changes = SiteChanges(
                    site, last.site if last else None, last.fingerprints if last else {}
                )
            pages = list(page_list(site))
        records_before = saved.records if saved else last.records if last else {}
        linked: set[str] = set()  # outputs linked from an earlier process's output

        def reusable(path: str, template: str) -> Rendered | None:
            old = records_before.get(path)
            if old is None or old.template != template:
                return None
            if changed_templates and ("*" in old.templates or old.templates & changed_templates):
                return None
            if changes.touches(old):
                return None
            if saved is None:
                return old
            assert staging is not None
            written = staging.keep(path)  # the file the earlier process wrote, untouched
            if written is None:
                return None
            linked.add(path)
            return replace(old, file=OutputFile(path, old.file.source, written=written))

        before = last.outputs if last else None
        if saved is not None and isinstance(changes, SavedChanges):
            before = saved.search_cache(changes)
        outputs = FeedOutputs(self.track, before, bool(changed_templates), self.persist)
        records = self._render(renderer, templates, pages, changes, reusable, outputs, staging)
        extra = [*self._sitemap(site, records), *self._assets(renderer.env, tree)]
        files = [record.file for record in records.values()] + extra
        check_unique_paths(files)
        warnings = list(errors.warnings)
        rendered = [path for path in rendered_again(records, last) if path not in linked]
        if self.persist:
            digests = changes.digests if isinstance(changes, SavedChanges) else None
            self.saved = SavedBuild.of(
                settings_any_day,
                templates.digests,
                templates.closures,
                records,
                changes.fingerprints,
                site,
                digests,
                outputs.search_lines(),
            )
        if self.track:
            self._last = LastBuild(
                settings=settings,
                options=self.options,
                site=site,
                records=records,
                fingerprints=changes.fingerprints,
                reads=reads_of(records.values()),
                templates=templates,
                outputs=outputs.cache(changes.fingerprints),
                pages=pages,
                extra_files=extra,
                documents={document.path: document.kind for document in tree.documents},
                inputs=_inputs(self.site_dir, tree),
                warnings=warnings,
                git=git,
            )
        outcome = BuildOutcome(site, files, rendered, len(records) - len(rendered))
        outcome.warnings, outcome.stages = warnings, dict(self.stages)
        return outcome

    def _templates(
        self, last: LastBuild | None, saved: SavedBuild | None = None
    ) -> tuple[Templates, set[str]]:
        """The last build's environment when no template changed, otherwise a new one
        (nothing compiled from old sources is kept); and the names of those that changed
        since the last build or, in a new process, since the ``saved`` one."""
        env = last.templates.env if last else make_environment(self.site_dir, self.record)
        digests = template_digests(env)
        before = last.templates.digests if last else saved.templates if saved else {}
        changed = {
            name for name in set(digests) | set(before) if digests.get(name) != before.get(name)
        }
        if last is not None and not changed:
            return Templates(env, digests, last.templates.closures), changed
        if last is not None:
            env = make_environment(self.site_dir, self.record)
        if saved is not None and not changed:  # the same sources use the same templates
            return Templates(env, digests, dict(saved.closures)), changed
        return Templates(env, digests, {}), changed

    def _patch(
        self, last: LastBuild, paths: Collection[Path], staging: Staging | None
    ) -> BuildOutcome | None:
        """The build after an edit of text only, made by patching the last build's
        model; None when the edit is anything else (then the full path runs)."""
        # An editor's atomic save (write a temporary file, rename it over the real one)
        # also reports the temporary file: one that is gone and was never read (nor a
        # folder holding something read) is moot. Any other deletion takes the full path.
        paths = [p for p in paths if os.path.lexists(p) or _was_read(p.resolve(), last)]
        kinds = [last.documents.get(path.resolve()) for path in paths]
        markup = self._markup
        if markup is None or None in kinds:
            return None
        objects = model_objects(last.site)
        edits = []
        with self._stage("read"):
            for path, kind in zip(paths, kinds, strict=True):
                found = ErrorList()
                assert kind is not None
                document = self.documents.read(kind, path.resolve(), self.site_dir, found)
                if not isinstance(document, RawDocument):
                    return None  # unreadable now: the full path reports why
                before = self.items.peek(document.path)
                if before is None or found.errors or found.warnings:
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
        if not same_git(last.git, git, {path.resolve() for path in paths}):
            return None  # a commit or a checkout can change every item's date and link
        try:
            return self._apply_patch(last, markup, edits, git, staging)
        except BaseException:
            self._last = None  # the model may be half patched: start again from the files
            raise

    def _apply_patch(
        self,
        last: LastBuild,
        markup: MarkupRenderer,
        edits: list[TextEdit],
        git: GitDates,
        staging: Staging | None,
    ) -> BuildOutcome:
        site = last.site
        with self._stage("markdown"):
            markup.render_all(text for edit in edits for text in edit.new.texts())
        with self._stage("render"):
            keys = [SITE_KEY, *(edit.linked.key for edit in edits)]
            reads = [(key, attribute) for key in keys for attribute in last.reads.get(key, ())]
            values = ReadValues(site, edits, reads)
            apply(edits)
            for edit in edits:
                apply_git_date(edit.linked, self.site_dir, git, site.config.repo_url)
            fingerprints = dict(last.fingerprints)
            fingerprints.update((edit.linked.key, fingerprint(edit.linked)) for edit in edits)
            changes = PatchChanges(site, fingerprints, values.changed(), edits)
            renderer = Renderer(site, self.site_dir, last.templates.env)

            def reusable(path: str, template: str) -> Rendered | None:
                old = last.records.get(path)
                if old is None or old.template != template or changes.touches(old):
                    return None
                return old

            outputs = FeedOutputs(self.track, last.outputs)
            records = self._render(
                renderer, last.templates, last.pages, changes, reusable, outputs, staging
            )
        rendered = rendered_again(records, last)
        self._last = replace(
            last,
            records=records,
            fingerprints=fingerprints,
            reads=reads_of(_read_more(records, rendered, last), last.reads),
            outputs=outputs.cache(fingerprints),
            git=git,
        )
        files = [record.file for record in records.values()] + last.extra_files
        outcome = BuildOutcome(site, files, rendered, len(records) - len(rendered))
        outcome.warnings, outcome.stages = list(last.warnings), dict(self.stages)
        return outcome

    def _render(
        self,
        renderer: Renderer,
        templates: Templates,
        pages: list[PageSpec],
        changes: Changes,
        reusable: Callable[[str, str], Rendered | None],
        outputs: FeedOutputs,
        staging: Staging | None,
    ) -> dict[str, Rendered]:
        """Every page, feed and JSON output: the last build's record where ``reusable``
        gives it, otherwise rendered again; raises ContentErrors on template errors."""
        with self._stage("pages"):
            records = self._render_pages(renderer, templates, pages, reusable, staging)
        with self._stage("feeds"):
            feeds = outputs.render(
                renderer.site,
                renderer,
                changes,
                lambda path: reusable(path, path),
                templates.closure,
                staging,
            )
            records.update(feeds)
            renderer.raise_if_errors()
        return records

    def _render_pages(
        self,
        renderer: Renderer,
        templates: Templates,
        pages: list[PageSpec],
        reusable: Callable[[str, str], Rendered | None],
        staging: Staging | None,
    ) -> dict[str, Rendered]:
        """Every page: kept from the last build when nothing it read changed, otherwise
        rendered (over several processes when there are many)."""
        kept: dict[str, Rendered] = {}
        todo = []
        for page in pages:
            old = reusable(page.path, page.template)
            if old is not None:
                kept[page.path] = old
            else:
                todo.append(page)
                templates.closure(page.template)  # parsed here, once
        job = (renderer, todo, templates.closures, staging, not self.track)
        take = None
        if self.persist and not self.track:  # records kept to be saved: share their parts
            interned = Interned()

            def take(result: PageResult) -> PageResult:
                record, errors = result
                return (interned.record(record) if record else None), errors

        results = fork_map(render_page, job, range(len(todo)), PARALLEL_MIN_PAGES, take)
        renderer.errors = [error for _, errors in results for error in errors]
        for record, _ in results:
            if record is not None:
                kept[record.file.path] = record
        return {page.path: kept[page.path] for page in pages if page.path in kept}

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


def _inputs(site_dir: Path, tree: ContentTree) -> frozenset[Path]:
    """What a build read besides the content documents: site.yaml, the metrics' CSV
    files, the static files and the site's own templates."""
    found = {tree.content_dir / SITE_FILE, *tree.static_files}
    for document in tree.documents:
        data_file = document.data.get("csv") if document.kind == "metric" else None
        if isinstance(data_file, str) and data_file:
            found.add((document.path.parent / data_file).resolve())
    templates = site_dir / "templates"
    if templates.is_dir():
        names = jinja2.FileSystemLoader(templates).list_templates()
        found.update(templates / name for name in names)
    return frozenset(found)


def _was_read(path: Path, last: LastBuild) -> bool:
    """Whether ``path`` (resolved) was read by ``last``, or is a folder holding a file
    that was (content/ or templates/ deleted or moved away)."""
    if path in last.documents or path in last.inputs:
        return True
    folder = f"{path}{os.sep}"
    return any(str(read).startswith(folder) for read in (*last.documents, *last.inputs))


_CODE_CSS = code_stylesheet().encode("utf-8")


def _is_asset(name: str) -> bool:
    return name.startswith("assets/") and not is_ignored_path(name)


def _read_more(records: dict[str, Rendered], paths: list[str], last: LastBuild) -> list[Rendered]:
    """The records among ``paths`` that read something their last version did not: the
    only ones that can add to the last build's reads (most read exactly the same)."""
    found = []
    for path in paths:
        before = last.records.get(path)
        if before is None or not frozenset(before.deps).issuperset(records[path].deps):
            found.append(records[path])
    return found
