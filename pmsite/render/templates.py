"""The Jinja environment and one context builder per page type -> RenderedPage list.

Templates come from the site's own ``templates/`` first and the built-in theme second;
``!default/NAME`` always names the built-in one, so an override can extend it.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2

from pmsite import __version__
from pmsite.errors import ContentError, ContentErrors, display_path
from pmsite.history.model import by_commit
from pmsite.incremental.tracking import TrackingEnvironment
from pmsite.model.items import CHANGE_CATEGORIES, Item, Site, Tag, Theme
from pmsite.model.kinds import KINDS
from pmsite.model.urls import (
    absolute_url,
    is_repository_path,
    output_path,
    quote_url,
    relative_url,
    repository_links,
    repository_url,
)
from pmsite.render import charts
from pmsite.render.theme import builtin_theme_dir

BUILTIN_PREFIX = "!default"
RAW_PREFIX = "!raw"  # "!raw/assets/style.css": a stylesheet as text, to inline it
CHANGE_LABELS = {category: category.capitalize() for category in CHANGE_CATEGORIES}
LANE_LABELS = {"now": "Now", "next": "Next", "later": "Later", "": "No lane"}


@dataclass(frozen=True)
class RenderedPage:
    """One output file: its path under output/, its bytes, and what produced it."""

    path: str
    content: bytes
    source: str


def make_environment(site_dir: Path, track: bool = True) -> jinja2.Environment:
    """The Jinja environment for a site; ``track`` notes what each page reads (for
    rebuilds that re-render only what changed; a one-off build skips that cost)."""
    builtin = jinja2.FileSystemLoader(builtin_theme_dir())
    # The site's templates/ is searched even before it exists, so that a rebuild
    # notices the first override a writer adds.
    own = jinja2.FileSystemLoader(site_dir / "templates")
    prefixed = {BUILTIN_PREFIX: builtin, RAW_PREFIX: RawStylesheets([own, builtin])}
    loaders: list[jinja2.BaseLoader] = [
        jinja2.PrefixLoader(prefixed, delimiter="/"),
        own,
        builtin,
    ]
    environment = _ParsedOnceTracking if track else _ParsedOnce
    env = environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates never change under an environment: a session makes a new one when
        # they do (see session.py), so Jinja need not stat them on every page.
        auto_reload=False,
    )
    env.filters["url"] = _url_filter
    env.filters["absolute_url"] = _absolute_url_filter
    env.filters["date"] = format_date
    env.filters["number"] = format_number
    env.filters["percent"] = lambda value: "" if value is None else f"{round(value * 100)}%"
    env.filters["repo_links"] = _repo_links_filter
    env.filters["repo_link"] = _repo_link_filter
    env.filters["by_commit"] = by_commit
    env.globals.update(
        line_chart=charts.line_chart,
        sparkline=charts.sparkline,
        progress_bar=charts.progress_bar,
        pmsite_version=__version__,
        change_labels=CHANGE_LABELS,
        lane_labels=LANE_LABELS,
    )
    return env


class _ParsedOnce(jinja2.Environment):
    """An environment that parses each template once: the tree that finding a page
    template's closure parsed (``parse`` with a name, see tracking.template_closure) is
    the one compiling the template then uses, instead of parsing the source again. A tree
    is handed over once, before compiling could change it (Jinja folds constants)."""

    def parse(
        self, source: str, name: str | None = None, filename: str | None = None
    ) -> jinja2.nodes.Template:
        tree = super().parse(source, name, filename)
        if name is not None:
            self.__dict__.setdefault("_pmsite_trees", {})[(name, source)] = tree
        return tree

    def _parse(self, source: str, name: str | None, filename: str | None) -> jinja2.nodes.Template:
        trees = self.__dict__.get("_pmsite_trees")
        tree = trees.pop((name, source), None) if trees else None
        return tree if tree is not None else super()._parse(source, name, filename)


class _ParsedOnceTracking(_ParsedOnce, TrackingEnvironment):
    """``_ParsedOnce`` that notes what each page reads (see tracking.py)."""


class RawStylesheets(jinja2.BaseLoader):
    """The stylesheets under ``assets/`` (a site's own first) as templates whose text is
    all literal, so that ``{% include "!raw/assets/style.css" %}`` inlines one whatever
    braces it holds. Listed, so that a change to one re-renders the pages that inline it."""

    def __init__(self, loaders: list[jinja2.BaseLoader]) -> None:
        self.inner = jinja2.ChoiceLoader(loaders)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The stylesheet's text, wrapped so that Jinja leaves all of it alone."""
        if not (template.startswith("assets/") and template.endswith(".css")):
            raise jinja2.TemplateNotFound(template)
        source, filename, uptodate = self.inner.get_source(environment, template)
        return "{% raw %}" + source + "{% endraw %}", filename, uptodate

    def list_templates(self) -> list[str]:
        """The stylesheets under assets/."""
        names = self.inner.list_templates()
        return [name for name in names if name.startswith("assets/") and name.endswith(".css")]


@jinja2.pass_context
def _url_filter(context: jinja2.runtime.Context, url: str) -> str:
    """A link from the page being rendered to ``url`` (relative to the site root).

    The 404 page is served at any depth, so it links from the base URL's path instead,
    and without a base URL from the server's root (its script then finds the folder the
    site is in, see 404.html).
    """
    page_url = context["page_url"]
    if page_url == "404.html":
        base_url = context["site"].config.base_url
        base_path = urlsplit(base_url).path if base_url else "/"
        return base_path + quote_url(url)
    return relative_url(page_url, url)


@jinja2.pass_context
def _repo_links_filter(context: jinja2.runtime.Context, html: str) -> str:
    """Release notes' HTML with links to paths in the repository (``./docs/x.md``)
    pointing at the repository's web view, when site.yaml has a ``repo_url``."""
    return repository_links(html, context["site"].config.repo_url)


@jinja2.pass_context
def _repo_link_filter(context: jinja2.runtime.Context, link: str) -> str:
    """One link: a path in the repository becomes a repository URL (with a repo_url)."""
    repo_url = context["site"].config.repo_url
    return repository_url(repo_url, link) if repo_url and is_repository_path(link) else link


@jinja2.pass_context
def _absolute_url_filter(context: jinja2.runtime.Context, url: str) -> str:
    return absolute_url(context["site"].config.base_url, url)


def format_date(value: dt.date | None, style: str = "long") -> str:
    """'26 November 2026' (long) or '26 Nov 2026' (short); '' for no date."""
    if value is None:
        return ""
    month = value.strftime("%B" if style == "long" else "%b")
    return f"{value.day} {month} {value.year}"


def format_number(value: float | None) -> str:
    """1200.0 -> '1,200', 0.0275 -> '0.0275' (as written), None -> '–' (no value)."""
    return "–" if value is None else charts.format_number(value)


@dataclass(frozen=True)
class PageSpec:
    """One HTML page to render: where, with which template and context, and for what."""

    url: str
    template: str
    context: dict[str, Any]
    source: str  # the content file shown in messages about this page
    subject: Item | Tag | Theme | None = None  # the item, tag or theme the page is about
    path: str = field(init=False)  # the output file, from the URL

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", output_path(self.url))


def page_list(site: Site) -> Iterator[PageSpec]:
    """Every HTML page of the site."""
    source = site.config.source
    for url, template, title in SITE_PAGES:
        yield PageSpec(url, template, {"title": title or site.config.title}, source)
    for kind in KINDS:
        if kind.has_list_page:
            yield PageSpec(kind.url_prefix, kind.list_template, {"title": kind.title}, source)
    yield PageSpec("tags/", "tags.html", {"title": "Tags"}, source)
    yield PageSpec("themes/", "themes.html", {"title": "Themes"}, source)
    for item in site.items():
        context = {"title": item.title, item.kind: item, "item": item}
        yield PageSpec(item.url, f"{item.kind}.html", context, item.source, item)
    for tag in site.tags:
        context = {"title": f"Tagged “{tag.name}”", "tag": tag}
        yield PageSpec(tag.url, "tag.html", context, "tags", tag)
    for theme in site.theme_pages:
        context = {"title": f"Theme: {theme.name}", "theme": theme}
        yield PageSpec(theme.url, "theme.html", context, "themes", theme)
    yield PageSpec("404.html", "404.html", {"title": "Page not found"}, source)


# The site's own pages before the kinds' list pages (url, template, title).
SITE_PAGES = (
    ("", "home.html", ""),
    ("roadmap/", "roadmap.html", "Roadmap"),
    ("changes/", "changes.html", "What changed on the roadmap"),
    ("search/", "search.html", "Search"),
)


class Renderer:
    """Renders pages; every template problem is collected with its file and line."""

    def __init__(self, site: Site, site_dir: Path, env: jinja2.Environment | None = None) -> None:
        self.site = site
        self.site_dir = site_dir
        self.env = env or make_environment(site_dir)
        self.errors: list[ContentError] = []

    def render(self, template_name: str, url: str, **context: Any) -> str | None:
        try:
            template = self.env.get_template(template_name)
            # Written piece by piece into one buffer, not joined from a list of every
            # piece (Template.render): the list for a page of 8,500 releases took about
            # 30 MB, the largest part of a cold build's peak memory.
            out = io.StringIO()
            write = out.write
            context.update(site=self.site, config=self.site.config, page_url=url)
            for piece in template.generate(context):
                write(piece)
            return out.getvalue()
        except jinja2.TemplateSyntaxError as error:
            self._report(error.filename or error.name or template_name, error.lineno, error)
        except jinja2.TemplateNotFound as error:
            self.errors.append(
                ContentError(f"templates/{template_name}", None, f"template not found: {error}")
            )
        except Exception as error:  # a template's runtime error: show where it happened
            filename, line = _template_frame(error)
            self._report(filename or template_name, line, error)
        return None

    def _report(self, filename: str, line: int | None, error: Exception) -> None:
        message = getattr(error, "message", None) or str(error)
        path = self._template_display(filename)
        self.errors.append(ContentError(path, line, f"template error: {message}"))

    def _template_display(self, filename: str) -> str:
        path = Path(filename)
        if path.is_absolute():
            if path.is_relative_to(self.site_dir):
                return display_path(path, self.site_dir)
            theme = builtin_theme_dir()
            if path.is_relative_to(theme):
                return f"(built-in theme) {path.relative_to(theme).as_posix()}"
        return filename

    def render_page(self, page: PageSpec) -> RenderedPage | None:
        html = self.render(page.template, page.url, **page.context)
        if html is None:
            return None
        return RenderedPage(page.path, html.encode("utf-8"), page.source)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentErrors(sorted(set(self.errors), key=lambda e: (e.path, e.line or 0)))


def _template_frame(error: Exception) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (Jinja maps them for us)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = error.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
