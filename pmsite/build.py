"""The one orchestrator of ``pmsite build``: check the output folder, run the stages
(content -> model -> Markdown -> pages, in session.py), write atomically.

Stage timings are logged at debug level (``pmsite --debug build``).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pmsite.collector import long_lived
from pmsite.errors import ContentError
from pmsite.load.git import git_state
from pmsite.options import BuildOptions
from pmsite.render.theme import builtin_theme_dir
from pmsite.store.cache import (
    Manifest,
    inputs_digest,
    load_written,
    manifest_path,
    output_folders,
    output_stamp,
    renders_path,
    save_written,
)
from pmsite.store.write import check_output_dir, commit, staged_output

if TYPE_CHECKING:
    from pmsite.errors import ErrorList
    from pmsite.load.files import ContentTree
    from pmsite.model.items import Site


@dataclass
class BuildResult:
    output_dir: Path
    pages: int
    files: int
    seconds: float
    warnings: list[ContentError] = field(default_factory=list)
    up_to_date: bool = False  # nothing changed since the last build: nothing was done
    notes: list[ContentError] = field(default_factory=list)  # worth knowing, not wrong
    # Outputs (pages, feeds, JSON) made by this build; the others were kept from the last
    # build into the same output folder, nothing they read having changed.
    rendered: int | None = None
    rendered_paths: list[str] = field(default_factory=list)  # their paths
    kept: int = 0  # outputs linked from the last build's output, not made again


def load_site(
    site_dir: Path, base_url: str | None = None, drafts: bool = False
) -> tuple[Site, ContentTree, ErrorList]:
    """Read, check, link and convert the content (without its history from git); raises
    ContentErrors listing every problem."""
    from pmsite.session import BuildSession

    options = BuildOptions.of(base_url, drafts)
    return BuildSession(site_dir, options, track=False, history=False).load()


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    options: BuildOptions | None = None,
    use_cache: bool = True,
) -> BuildResult:
    """Build the site in ``site_dir`` into ``output_dir`` (default: site_dir/output).

    With the cache (see cache.py), a build whose inputs and output are exactly as the
    last build left them does nothing, and unchanged Markdown is not converted again.
    """
    start = time.perf_counter()
    output_dir = output_dir or site_dir / "output"
    check_output_dir(site_dir, output_dir)
    manifest_file = manifest_path(site_dir, output_dir)
    options = options or BuildOptions.of()
    settings = f"{options.cache_key()}|{git_state(site_dir)}"
    # Taken before anything is read, so a file changed during the build is seen next
    # time; pmsite's own code counts too (an upgrade or a local change rebuilds).
    package = Path(__file__).resolve().parent
    inputs = inputs_digest(
        [site_dir / "content", site_dir / "templates", builtin_theme_dir()], code=package
    )
    previous = Manifest.load(manifest_file) if use_cache else None
    if (
        previous is not None
        and previous.settings == settings
        and previous.inputs == inputs
        and output_stamp(output_dir, previous.outputs, previous.folders) == previous.stamp
    ):
        seconds = time.perf_counter() - start
        files = len(previous.outputs) - 1  # the marker file is not counted
        notes = [ContentError(file, None, text) for file, text in previous.notes]
        return BuildResult(output_dir, previous.pages, files, seconds, up_to_date=True, notes=notes)
    from pmsite.incremental.saved import SavedBuild  # the stages' libraries load only
    from pmsite.session import BuildSession  # when needed

    session = BuildSession(site_dir, options, use_cache=use_cache, track=False, persist=use_cache)
    before = load_written(manifest_file) if use_cache else None
    # What the last build into this output read: outputs whose reads did not change are
    # linked from the current output instead of rendered (see incremental/saved.py).
    with long_lived():  # kept to the end, like the model read next (see collector.py)
        saved = SavedBuild.load(renders_path(manifest_file)) if use_cache and before else None
    with staged_output(output_dir, before) as staging:
        outcome = session.build(staging, saved=saved)  # pages are written as rendered
        written = {
            file.path: file.written if file.written is not None else staging.write(file)
            for file in outcome.files
        }
        written = commit(staging, written)
    notes = []
    if not outcome.site.config.base_url:
        # Not a warning: a publishing workflow passes --base-url (pmsite init's does).
        message = (
            "no base_url: sitemap.xml is not written and feeds use relative links"
            " (pass --base-url when building for publication)"
        )
        notes.append(ContentError(outcome.site.config.source, None, message))
    if use_cache:
        session.save_cache()
        with contextlib.suppress(OSError):
            outputs = list(written)
            folders = output_folders(outputs)
            stamp = output_stamp(output_dir, outputs, folders, written) or ""
            save_written(manifest_file, written)
            if session.saved is not None:
                session.saved.save(renders_path(manifest_file))
            kept_notes = [[note.path, note.message] for note in notes]
            Manifest(settings, inputs, outputs, folders, stamp, kept_notes).save(manifest_file)
    seconds = time.perf_counter() - start
    pages, files = outcome.pages, len(outcome.files)
    return BuildResult(
        output_dir,
        pages,
        files,
        seconds,
        outcome.warnings,
        notes=notes,
        rendered=outcome.rendered,
        rendered_paths=outcome.rendered_paths,
        kept=outcome.reused,
    )
