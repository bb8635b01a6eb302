"""The one place that maps items to output files and URLs, and URLs to relative links.

Every URL inside pmsite is relative to the site root ('goals/x/', '' for the home page);
pages turn them into links relative to themselves so a site works under any sub-path.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from pmsite.model.items import Item, Tag, Theme
from pmsite.model.kinds import BY_NAME, KINDS

# Top-level names pmsite writes itself; a free page may not take one.
RESERVED_NAMES = {
    *("index.html", "404.html", "roadmap", "changes", "tags", "themes", "search"),
    *("search.json", "assets"),
    *("feed.xml", "feed.json", "sitemap.xml", "roadmap.json"),
    *(kind.folder for kind in KINDS),
}
# Slugs come from file names: letters (any script), digits, '-', '_' and '.'.
_FILE_SLUG = re.compile(r"^\w[\w.-]*$")


def is_file_slug(name: str) -> bool:
    """Whether a file name (without its suffix) can be an item's slug and URL segment."""
    return bool(_FILE_SLUG.match(name)) and ".." not in name


def item_url(kind: str, slug: str) -> str:
    """An item's URL: its kind's prefix and its slug ('goals/x/')."""
    return f"{BY_NAME[kind].url_prefix}{slug}/"


def output_path(url: str) -> str:
    """The file a directory URL is written to: 'goals/x/' -> 'goals/x/index.html'."""
    return f"{url}index.html" if url == "" or url.endswith("/") else url


def assign_item_url(item: Item) -> None:
    item.url = item_url(item.kind, item.slug)
    item.output_path = output_path(item.url)


def assign_tag_url(tag: Tag) -> None:
    tag.url = f"tags/{tag.slug}/"
    tag.output_path = output_path(tag.url)


# Symbols that tell tags apart (C++ and C#, R&D): written as words in the slug.
_TAG_SYMBOLS = re.compile(r"\+|&|(?<=\w)#")
_TAG_WORDS = {"+": " plus ", "&": " and ", "#": " sharp "}


def assign_theme_url(theme: Theme) -> None:
    theme.url = f"themes/{theme.slug}/"
    theme.output_path = output_path(theme.url)


def theme_slug(name: str) -> str:
    """A theme's URL slug: made as a tag's is (two names with one slug are an error)."""
    return tag_slug(name)


def tag_slug(name: str) -> str:
    """A URL slug for a tag name: lower case, letters and digits, runs of others as '-';
    '+', '&' and a '#' after a letter are words, so C++, C# and C differ (c-plus-plus,
    c-sharp, c) and '#mobile' is 'mobile'."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _TAG_SYMBOLS.sub(lambda found: _TAG_WORDS[found[0]], text)
    return re.sub(r"[^\w]+|_+", "-", text).strip("-")


def tag_spelling(name: str) -> str:
    """What makes two tag names the same tag: case, a leading '#' and the separators
    between words ('Mobile app', '#mobile-app' and 'mobile_app' are one tag) are not
    part of it."""
    text = unicodedata.normalize("NFKC", name).casefold().lstrip("#")
    return " ".join(part for part in re.split(r"[\s_-]+", text) if part)


_URL_SAFE = "/#?=&.-_~"
_NOTHING_TO_QUOTE = re.compile(r"[A-Za-z0-9/#?=&._~-]*")


def quote_url(url: str) -> str:
    """``url`` with every character outside ASCII letters, digits and ``/#?=&.-_~``
    percent-encoded (as UTF-8). Most URLs have none: they are returned as they are,
    without urllib's per-call work (a build of 10,000 pages makes 20,000 of them)."""
    return url if _NOTHING_TO_QUOTE.fullmatch(url) else quote(url, safe=_URL_SAFE)


def relative_url(from_url: str, to_url: str) -> str:
    """A link from the page at ``from_url`` to ``to_url`` (both relative to the root)."""
    link = "../" * from_url.count("/") + quote_url(to_url)
    return link or "./"


def absolute_url(base_url: str, url: str) -> str:
    """``url`` under the site's base URL; ``url`` alone when there is no base URL."""
    return base_url + quote_url(url) if base_url else url


_REPOSITORY_FILE = re.compile(r"\.(?:md|markdown|rst|txt|adoc)$", re.IGNORECASE)
_HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")')


def is_repository_path(link: str) -> bool:
    """Whether a link in release notes is a path in the product's repository, as
    imported changelogs write them: ``./docs/features.md#hints``, ``docs/setup.md``
    (it starts with ``./`` or names a documentation file, and has no scheme or host)."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or not parts.path or link.startswith(("/", "../", "#")):
        return False
    return parts.path.startswith("./") or bool(_REPOSITORY_FILE.search(parts.path))


def repository_url(repo_url: str, link: str) -> str:
    """``link`` (a path in the repository) as a URL of the repository's web view:
    ``REPO/blob/HEAD/PATH`` (GitLab: ``REPO/-/blob/HEAD/PATH``), fragment kept."""
    base = repo_url.rstrip("/")
    path = link.removeprefix("./").lstrip("/")
    while path.startswith("./"):
        path = path[2:]
    return f"{base}/-/blob/HEAD/{path}" if "gitlab" in base else f"{base}/blob/HEAD/{path}"


def repository_links(html: str, repo_url: str) -> str:
    """``html`` with every repository path in an ``<a href>`` made a repository URL;
    unchanged without a ``repo_url`` (``pmsite check`` then warns about them)."""
    if not repo_url or "href=" not in html:
        return html

    def link(match: re.Match[str]) -> str:
        href = match[2]
        if not is_repository_path(href):
            return match[0]
        return f"{match[1]}{repository_url(repo_url, href)}{match[3]}"

    return _HREF.sub(link, html)
