"""content/site.yaml: the site's settings, checked like any other content file."""

from __future__ import annotations

from urllib.parse import urlsplit

from pmsite.errors import ErrorList, quoted
from pmsite.load.fields import FieldReader
from pmsite.load.yamlload import YamlMap
from pmsite.model.items import SiteConfig

SITE_KEYS = (
    *("title", "description", "product", "base_url", "language", "repo_url", "markdown"),
    "feed_limit",
)
MARKDOWN_KEYS = ("unsafe_html",)


def http_url_problem(url: str) -> str | None:
    """Why ``url`` is not an absolute http(s) URL (links from site.yaml must be)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{quoted(url)} must be an absolute http(s) URL, e.g. https://example.org/"
    return None


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL, or None when it is absolute and ends with '/'."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"'{url}' must be an absolute http(s) URL, e.g. https://example.org/product/"
    if not url.endswith("/"):
        return f"'{url}' must end with '/', e.g. {url}/"
    return None


def read_config(
    data: YamlMap | None, source: str, errors: ErrorList, base_url: str | None = None
) -> SiteConfig:
    """The SiteConfig from site.yaml; ``base_url`` (from --base-url) overrides the file's."""
    if data is None:
        return SiteConfig(title="", source=source)
    fields = FieldReader(data, source, errors, SITE_KEYS)
    config = SiteConfig(
        title=fields.text("title", required=True),
        description=fields.text("description"),
        product=fields.text("product"),
        base_url=fields.text("base_url"),
        language=fields.text("language") or "en",
        repo_url=fields.text("repo_url"),
        source=source,
    )
    if config.base_url and (problem := base_url_problem(config.base_url)):
        fields.error("base_url", problem)
    if config.repo_url and (problem := http_url_problem(config.repo_url)):
        fields.error("repo_url", problem)
        config.repo_url = ""
    feed_limit = fields.integer("feed_limit")
    if feed_limit is not None:
        if feed_limit < 0:
            fields.error("feed_limit", f"must be 0 (every entry) or more, got {feed_limit}")
        else:
            config.feed_limit = feed_limit
    markdown = fields.mapping("markdown")
    if markdown is not None:
        options = FieldReader(markdown, source, errors, MARKDOWN_KEYS, prefix="markdown: ")
        config.unsafe_html = options.boolean("unsafe_html")
        options.finish()
    fields.finish()
    if base_url is not None:
        config.base_url = base_url
    return config
