"""Machine-readable outputs: feed.xml (Atom 1.0), feed.json (JSON Feed 1.1),
sitemap.xml and roadmap.json. Deterministic: no build time, only content dates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from . import __version__
from .model import Goal, Release, Site
from .render import Renderer
from .urls import absolute_url

NOTES_TEMPLATE = "partials/release_notes.html"
_EPOCH = dt.date(1970, 1, 1)


def feed_releases(site: Site) -> list[Release]:
    """Released releases, newest first (planned ones are not news yet)."""
    return site.released_releases


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or _EPOCH).isoformat()}T00:00:00Z"


NotesHtml = Callable[[Release], str]


def release_notes_html(renderer: Renderer) -> NotesHtml:
    """Release notes as the feeds show them: the release page's notes partial."""
    return lambda release: renderer.render(NOTES_TEMPLATE, release.url, release=release) or ""


def atom_feed(site: Site, notes_html: NotesHtml) -> str:
    """Atom 1.0: released releases newest first, links absolute from base_url."""
    config = site.config
    releases = feed_releases(site)
    base = config.base_url
    updated = _timestamp(releases[0].date if releases else None)
    releases_url = absolute_url(base, "releases/")
    feed_id = releases_url if base else f"urn:pmsite:{config.title}:releases"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(config.product_name)} releases</title>",
    ]
    if config.description:
        lines.append(f"  <subtitle>{escape(config.description)}</subtitle>")
    lines += [
        f"  <id>{escape(feed_id)}</id>",
        f'  <link rel="self" href={quoteattr(absolute_url(base, "feed.xml"))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(releases_url)}/>',
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(config.product_name)}</name></author>",
        f'  <generator version="{__version__}">pmsite</generator>',
    ]
    for release in releases:
        link = absolute_url(base, release.url)
        entry_id = link if base else f"urn:pmsite:{config.title}:release:{release.version_text}"
        notes = notes_html(release)
        lines += [
            f"  <entry xml:base={quoteattr(link)}>" if base else "  <entry>",
            f"    <title>{escape(_entry_title(site, release))}</title>",
            f"    <id>{escape(entry_id)}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
            f"    <published>{_timestamp(release.date)}</published>",
            f"    <updated>{_timestamp(release.date)}</updated>",
        ]
        if release.summary:
            lines.append(f"    <summary>{escape(release.summary)}</summary>")
        lines.append(f'    <content type="html">{escape(notes)}</content>')
        lines += [f"    <category term={quoteattr(tag.name)}/>" for tag in release.tags]
        lines.append("  </entry>")
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _entry_title(site: Site, release: Release) -> str:
    title = f"{site.config.product_name} {release.version_text}"
    if release.title and release.title != f"Version {release.version_text}":
        title += f": {release.title}"
    if release.yanked:
        title += " [YANKED]"
    return title


def json_feed(site: Site, notes_html: NotesHtml) -> str:
    """JSON Feed 1.1 with the same items as the Atom feed."""
    config = site.config
    base = config.base_url
    feed: dict = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{config.product_name} releases",
        "home_page_url": absolute_url(base, "releases/"),
        "feed_url": absolute_url(base, "feed.json"),
        "language": config.language,
    }
    if config.description:
        feed["description"] = config.description
    feed["authors"] = [{"name": config.product_name}]
    items = []
    for release in feed_releases(site):
        link = absolute_url(base, release.url)
        item: dict = {
            "id": link,
            "url": link,
            "title": _entry_title(site, release),
            "content_html": notes_html(release),
            "date_published": _timestamp(release.date),
        }
        if release.summary:
            item["summary"] = release.summary
        if release.tags:
            item["tags"] = [tag.name for tag in release.tags]
        items.append(item)
    feed["items"] = items
    return _json(feed)


def sitemap(site: Site, paths: list[str]) -> str:
    """Every HTML page but the 404 page, with absolute URLs (needs base_url)."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(paths):
        if path == "404.html" or not path.endswith(".html"):
            continue
        url = path.removesuffix("index.html")
        lines.append(f"  <url><loc>{escape(absolute_url(site.config.base_url, url))}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _json(data: dict) -> str:
    """Compact JSON, one top-level key per line: json's C encoder only runs without
    ``indent``, and these files can hold ten thousand entries."""
    members = [f"{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}" for k, v in data.items()]
    return "{\n" + ",\n".join(members) + "\n}\n"


# What feeds.py reads from each item, for incremental rebuilds (see deps.py).
FEED_RELEASE_FIELDS = ("version_text", "title", "date", "summary", "tags", "yanked", "url")
ROADMAP_GOAL_FIELDS = (
    *("slug", "title", "status", "lane", "target", "theme", "owner", "priority", "url"),
)
ROADMAP_RELEASE_FIELDS = ("version_text", "title", "date", "status", "target", "yanked", "url")


def _goal_entry(goal: Goal, base: str) -> dict:
    return {
        "slug": goal.slug,
        "title": goal.title,
        "status": goal.status,
        "horizon": goal.lane or None,
        "target": goal.target.text if goal.target else None,
        "theme": goal.theme or None,
        "owner": goal.owner or None,
        "priority": goal.priority,
        "url": absolute_url(base, goal.url),
    }


def _release_entry(release: Release, base: str) -> dict:
    return {
        "version": release.version_text,
        "title": release.title,
        "date": release.date.isoformat() if release.date else None,
        "status": release.status,
        "target": release.target.text if release.target else None,
        "yanked": release.yanked,
        "url": absolute_url(base, release.url),
    }


def roadmap_json(site: Site) -> str:
    """Goals and releases in display order, for other tools to read."""
    base = site.config.base_url
    data = {
        "site": {
            "title": site.config.title,
            "product": site.config.product_name,
            "base_url": base or None,
        },
        "generator": f"pmsite {__version__}",
        "goals": [_goal_entry(goal, base) for goal in site.goals],
        "releases": [_release_entry(release, base) for release in site.releases],
    }
    return _json(data)
