"""The one orchestrator: content -> model -> HTML -> output/, each stage timed.

``load_site`` runs the stages that read and check (used by build, and later by check
and serve); ``build`` adds rendering and the atomic write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .assemble import assemble_site
from .config import read_config
from .content import ContentTree, read_content
from .errors import ContentError, ErrorList, OutputError
from .feeds import render_feeds
from .items import read_items
from .markup import MarkupRenderer, code_stylesheet
from .model import Site
from .render import Renderer, page_list
from .write import OutputFile, check_output_dir, check_unique_paths, write_output

log = logging.getLogger("pmsite")


@dataclass
class BuildResult:
    output_dir: Path
    pages: int
    files: int
    seconds: float
    warnings: list[ContentError] = field(default_factory=list)


@contextmanager
def _stage(name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    log.debug("%-8s %7.1f ms", name, (time.perf_counter() - start) * 1000)


def load_site(
    site_dir: Path, base_url: str | None = None, drafts: bool = False
) -> tuple[Site, ContentTree, ErrorList]:
    """Read, check, link and convert the content; raises ContentErrors listing every problem."""
    errors = ErrorList()
    if not (site_dir / "content").is_dir():
        raise OutputError(f"no content/ folder in {site_dir}: is --site pointing at your site?")
    with _stage("read"):
        tree = read_content(site_dir, errors)
    with _stage("parse"):
        config = read_config(tree.site_data, tree.site_display, errors, base_url)
        items = read_items(tree.documents, site_dir, errors)
    with _stage("link"):
        site = assemble_site(config, items, errors, include_drafts=drafts)
    errors.raise_if_any()
    with _stage("markdown"):
        markup = MarkupRenderer(unsafe_html=config.unsafe_html)
        for item in site.items():
            markup.render_all(item.texts())
    return site, tree, errors


def render_outputs(site: Site, tree: ContentTree, site_dir: Path) -> list[OutputFile]:
    """Every file of the built site, in memory (static files by reference)."""
    renderer = Renderer(site, site_dir)
    with _stage("render"):
        pages = renderer.render_pages(page_list(site))
        feeds = render_feeds(site, renderer, pages)
        renderer.raise_if_errors()
    files = [OutputFile(p.path, p.source, content=p.content) for p in [*pages, *feeds]]
    code_css = code_stylesheet().encode()
    files.append(OutputFile("assets/code.css", "(built-in theme)", content=code_css))
    files.extend(_theme_assets(renderer))
    static_root = tree.content_dir / "static"
    for path in tree.static_files:
        relative = path.relative_to(static_root).as_posix()
        source = f"content/static/{relative}"
        files.append(OutputFile(relative, source, copy_from=path))
    check_unique_paths(files)
    return files


def _theme_assets(renderer: Renderer) -> list[OutputFile]:
    """The stylesheet and scripts under the theme's assets/ (a site's own override wins)."""
    assets = []
    for name in sorted(renderer.env.list_templates(filter_func=_is_asset)):
        source = renderer.env.loader.get_source(renderer.env, name)[0]  # type: ignore[union-attr]
        assets.append(OutputFile(name, "(theme)", content=source.encode("utf-8")))
    return assets


def _is_asset(name: str) -> bool:
    return name.startswith("assets/") and not name.startswith("!")


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    base_url: str | None = None,
    drafts: bool = False,
) -> BuildResult:
    """Build the site in ``site_dir`` into ``output_dir`` (default: site_dir/output)."""
    start = time.perf_counter()
    output_dir = output_dir or site_dir / "output"
    check_output_dir(site_dir, output_dir)
    site, tree, errors = load_site(site_dir, base_url, drafts)
    files = render_outputs(site, tree, site_dir)
    with _stage("write"):
        write_output(output_dir, files)
    pages = sum(1 for f in files if f.path.endswith(".html"))
    if not site.config.base_url:
        errors.warn(
            site.config.source,
            None,
            "no base_url: sitemap.xml is not written and feeds use relative links",
        )
    return BuildResult(output_dir, pages, len(files), time.perf_counter() - start, errors.warnings)
