"""Machine-readable outputs: feed.xml (Atom 1.0), feed.json (JSON Feed 1.1),
reflections/feed.xml, the roadmap's changes (changes/feed.xml and one feed per goal,
goals/<slug>/feed.xml), sitemap.xml, roadmap.json and the search index search.json.
Deterministic: no build time, only content dates."""

from __future__ import annotations

import calendar
import datetime as dt
import html
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from pmsite import __version__
from pmsite.history.model import Change, by_commit
from pmsite.model.items import Goal, Item, Reflection, Release, Site
from pmsite.model.urls import absolute_url, relative_url
from pmsite.render.templates import Renderer

T = TypeVar("T")

# A feed entry's content: the item's notes and its body (the templates its page uses).
NOTES_TEMPLATE = "partials/release_entry.html"
REFLECTION_NOTES_TEMPLATE = "partials/reflection_entry.html"
SEARCH_TEXT_LIMIT = 1000  # characters of text per item in search.json
_EPOCH = dt.date(1970, 1, 1)


def _timestamp(day: dt.date | None) -> str:
    return f"{(day or _EPOCH).isoformat()}T00:00:00Z"


def feed_urn(site_title: str, name: str) -> str:
    """A feed or entry id for a site without base_url: a name-based UUID URN (RFC 9562,
    version 5) of the site's title and ``name``, so it is a valid absolute IRI whatever
    the title holds (spaces, '#', non-ASCII) and the same in every build."""
    source = f"urn:pmsite:{quote(site_title, safe='')}:{quote(name, safe='/')}"
    return uuid.uuid5(uuid.NAMESPACE_URL, source).urn


NotesHtml = Callable[[Release], str]


def item_notes_html(renderer: Renderer, template: str) -> Callable[[Item], str]:
    """An item's notes as feeds show them: the partial its own page includes."""
    return lambda item: renderer.render(template, item.url, **{item.kind: item}) or ""


@dataclass(frozen=True)
class Entry:
    """One feed entry, whatever kind of item it is about."""

    title: str
    url: str  # relative to the site root
    date: dt.date | None
    summary: str
    content_html: str
    tags: tuple[str, ...]
    urn: str  # the entry's id when the site has no base_url
    time: int | None = None  # seconds since the epoch, when known to the second (commits)

    @property
    def timestamp(self) -> str:
        if self.time is None:
            return _timestamp(self.date)
        return dt.datetime.fromtimestamp(self.time, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def entry_id(self, base: str) -> str:
        """The entry's id in every feed: its absolute URL, or its URN without base_url."""
        return absolute_url(base, self.url) if base else self.urn


def _atom(site: Site, title: str, path: str, alternate: str, entries: list[Entry]) -> str:
    """An Atom 1.0 document; links are absolute from base_url when there is one."""
    config = site.config
    base = config.base_url
    updated = max((e.timestamp for e in entries), default=_timestamp(None))
    alternate_url = absolute_url(base, alternate)
    feed_id = alternate_url if base else feed_urn(config.title, alternate)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>',
        f"  <title>{escape(title)}</title>",
    ]
    if config.description:
        lines.append(f"  <subtitle>{escape(config.description)}</subtitle>")
    lines += [
        f"  <id>{escape(feed_id)}</id>",
        f'  <link rel="self" href={quoteattr(absolute_url(base, path))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(alternate_url)}/>',
        f"  <updated>{updated}</updated>",
        f"  <author><name>{escape(config.product_name)}</name></author>",
        f'  <generator version="{__version__}">pmsite</generator>',
    ]
    for entry in entries:
        lines += _atom_entry(entry, base)
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _atom_entry(entry: Entry, base: str) -> list[str]:
    link = absolute_url(base, entry.url)
    lines = [
        # xml:base lets feed readers resolve the relative links inside the content.
        f"  <entry xml:base={quoteattr(link)}>" if base else "  <entry>",
        f"    <title>{escape(entry.title)}</title>",
        f"    <id>{escape(entry.entry_id(base))}</id>",
        f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
        f"    <published>{entry.timestamp}</published>",
        f"    <updated>{entry.timestamp}</updated>",
    ]
    if entry.summary:
        lines.append(f"    <summary>{escape(entry.summary)}</summary>")
    lines.append(f'    <content type="html">{escape(entry.content_html)}</content>')
    lines += [f"    <category term={quoteattr(tag)}/>" for tag in entry.tags]
    lines.append("  </entry>")
    return lines


def feed_releases(site: Site) -> list[Release]:
    """The releases the release feeds show: the latest released ones (planned ones are
    not news yet), at most ``feed_limit`` of them."""
    return _newest(site.released_releases, site.config.feed_limit)


def feed_reflections(site: Site) -> list[Reflection]:
    """The reflections the journal feed shows: the latest ``feed_limit``."""
    return _newest(site.reflections, site.config.feed_limit)


def _newest(items: list[T], limit: int) -> list[T]:
    return items[:limit] if limit else items


def release_entries(site: Site, notes_html: NotesHtml) -> list[Entry]:
    """Released releases, newest first, as feed entries."""
    return [
        Entry(
            title=_entry_title(site, release),
            url=release.url,
            date=release.date,
            summary=release.summary,
            content_html=notes_html(release),
            tags=tuple(tag.name for tag in release.tags),
            urn=feed_urn(site.config.title, f"release:{release.version_text}"),
        )
        for release in feed_releases(site)
    ]


def atom_feed(site: Site, notes_html: NotesHtml) -> str:
    """feed.xml: released releases newest first."""
    title = f"{site.config.product_name} releases"
    return _atom(site, title, "feed.xml", "releases/", release_entries(site, notes_html))


def reflections_feed(site: Site, notes_html: Callable[[Reflection], str]) -> str:
    """reflections/feed.xml: the reflection journal, newest first."""
    entries = [
        Entry(
            title=reflection.title,
            url=reflection.url,
            date=reflection.date,
            summary=reflection.summary,
            content_html=notes_html(reflection),
            tags=tuple(tag.name for tag in reflection.tags),
            urn=feed_urn(site.config.title, f"reflection:{reflection.slug}"),
        )
        for reflection in feed_reflections(site)
    ]
    title = f"{site.config.product_name} reflections"
    return _atom(site, title, "reflections/feed.xml", "reflections/", entries)


def changes_feed(site: Site) -> str:
    """changes/feed.xml: one entry per commit that changed what the roadmap shows, newest
    first (the latest ``feed_limit``), each listing its changes with links to the items.
    Empty without history."""
    history = site.history
    entries = []
    for commit in _newest(history.commits if history.available else [], site.config.feed_limit):
        url = f"changes/#{commit.anchor}"
        when = f"{commit.date.day} {calendar.month_name[commit.date.month]} {commit.date.year}"
        items = "".join(
            f"<li>{_change_html(change, 'changes/', named=True)}</li>" for change in commit.changes
        )
        entries.append(
            Entry(
                title=commit.message or f"Roadmap changes of {when}",
                url=url,
                date=commit.date,
                summary="; ".join(_change_text(change) for change in commit.changes),
                content_html=f"<ul>{items}</ul>" + _commit_link(commit.url, commit.short),
                tags=(),
                urn=feed_urn(site.config.title, f"change:{commit.commit}"),
                time=commit.time,
            )
        )
    title = f"{site.config.product_name} roadmap changes"
    return _atom(site, title, "changes/feed.xml", "changes/", entries)


def goal_feed(site: Site, goal: Goal) -> str:
    """goals/<slug>/feed.xml: one goal's changes, one entry per commit, newest first (the
    latest ``feed_limit``), so a reader can follow one item and hear when it slips or
    ships."""
    entries = []
    groups = by_commit(goal.history)
    for changes in _newest(groups, site.config.feed_limit):
        first = changes[0]
        items = "".join(f"<li>{_change_html(change, goal.url)}</li>" for change in changes)
        entries.append(
            Entry(
                title=f"{goal.title}: " + "; ".join(change.sentence for change in changes),
                url=f"{goal.url}#{first.anchor}",
                date=first.date,
                summary=first.message,
                content_html=f"<ul>{items}</ul>" + _commit_link(first.url, first.short),
                tags=(),
                urn=feed_urn(site.config.title, f"goal:{goal.slug}:{first.commit}"),
                time=first.time,
            )
        )
    title = f"{site.config.product_name}: {goal.title} (roadmap changes)"
    return _atom(site, title, f"{goal.url}feed.xml", f"{goal.url}#history", entries)


def _change_text(change: Change) -> str:
    return change.sentence if change.item_kind == "metric" else f"{change.title}: {change.sentence}"


def _change_html(change: Change, page_url: str, named: bool = False) -> str:
    """One change as feeds show it: its sentence, after its item's name (linked from
    ``page_url`` when the item is on the site) when ``named``."""
    sentence = escape(change.sentence)
    if change.slip:
        sentence = f"<strong>Slipped:</strong> {sentence}"
    if not named:
        return sentence
    item = change.item
    if change.item_kind == "metric":  # a check-in's sentence names its metric
        if item is None:
            return sentence
        return f"<a href={quoteattr(relative_url(page_url, item.url))}>{sentence}</a>"
    if item is None:
        return f"{escape(change.title)}: {sentence}"
    link = relative_url(page_url, item.url)
    return f"<a href={quoteattr(link)}>{escape(item.list_title)}</a>: {sentence}"


def _commit_link(url: str, short: str) -> str:
    return f"<p><a href={quoteattr(url)}>commit {escape(short)}</a></p>" if url else ""


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
    for entry in release_entries(site, notes_html):
        link = absolute_url(base, entry.url)
        item: dict = {
            "id": entry.entry_id(base),
            "url": link,
            "title": entry.title,
            "content_html": entry.content_html,
            "date_published": _timestamp(entry.date),
        }
        if entry.summary:
            item["summary"] = entry.summary
        if entry.tags:
            item["tags"] = list(entry.tags)
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


ROADMAP_JSON_VERSION = 2  # 2: history, original targets, confidence, planning accuracy


def _goal_entry(goal: Goal, base: str) -> dict:
    progress = goal.progress
    return {
        "slug": goal.slug,
        "title": goal.title,
        "status": goal.status,
        "horizon": goal.lane or None,
        "target": goal.target.text if goal.target else None,
        "original_target": goal.original_target.text if goal.original_target else None,
        "confidence": goal.confidence or None,
        "progress": None if progress is None else round(progress, 4),
        "theme": goal.theme or None,
        "owner": goal.owner or None,
        "priority": goal.priority,
        "url": absolute_url(base, goal.url),
        "history": [change.as_json() for change in goal.history],
    }


def _release_entry(release: Release, base: str) -> dict:
    original = release.original_target
    return {
        "version": release.version_text,
        "title": release.title,
        "date": release.date.isoformat() if release.date else None,
        "status": release.status,
        "target": release.target.text if release.target else None,
        "original_target": original.text if original else None,
        "yanked": release.yanked,
        "url": absolute_url(base, release.url),
        "history": [change.as_json() for change in release.history],
    }


def roadmap_json(site: Site) -> str:
    """Goals and releases in display order, with their history and the roadmap's
    planning accuracy, for other tools to read (see the README's roadmap.json schema)."""
    base = site.config.base_url
    data = {
        "version": ROADMAP_JSON_VERSION,
        "site": {
            "title": site.config.title,
            "product": site.config.product_name,
            "base_url": base or None,
        },
        "generator": f"pmsite {__version__}",
        "planning_accuracy": site.planning_accuracy.as_json(),
        "goals": [_goal_entry(goal, base) for goal in site.goals],
        "releases": [_release_entry(release, base) for release in site.releases],
    }
    return _json(data)


_TAG = re.compile(r"<[^>]+>")


def plain_text(fragment: str) -> str:
    """Readable text of an HTML fragment, for the search index."""
    if "<" in fragment:
        fragment = _TAG.sub(" ", fragment)
    if "&" in fragment:
        fragment = html.unescape(fragment)
    return " ".join(fragment.split())  # what \s+ -> " " and strip() give, quicker


def search_entry(item: Item) -> dict:
    """One item in search.json: what it is, where it is, and the words it contains."""
    return {
        "title": item.list_title,
        "url": item.url,
        "kind": item.kind,
        "summary": item.summary,
        "text": search_text(item),
    }


def search_text(item: Item) -> str:
    """The first SEARCH_TEXT_LIMIT characters of the item's texts as plain text, joined
    by spaces. Only as much HTML is stripped as that takes: stripping every body whole
    was most of the time search.json took."""
    need = SEARCH_TEXT_LIMIT + _SEARCH_MARGIN
    parts: list[str] = []
    length = 0
    for text in item.texts():
        if not text:
            continue
        part = plain_text_prefix(text.html, need - length)
        parts.append(part)
        length += len(part) + 1
        if length >= need:
            break
    return " ".join(parts)[:SEARCH_TEXT_LIMIT]


# A prefix's plain text can differ from the whole's only in its last characters: a
# character reference cut in two (the longest named one is 33 characters) or spaces.
_SEARCH_MARGIN = 64


def plain_text_prefix(fragment: str, need: int) -> str:
    """``plain_text(fragment)``, or the plain text of a prefix of ``fragment`` at least
    ``need`` characters long (equal to the whole's up to its last _SEARCH_MARGIN)."""
    size = max(2 * need, 256)
    while size < len(fragment):
        end = size
        opening = fragment.rfind("<", 0, end)
        if opening > fragment.rfind(">", 0, end):
            end = opening  # never end inside a tag
        text = plain_text(fragment[:end])
        if len(text) >= need:
            return text
        size *= 2
    return plain_text(fragment)


def search_line(item: Item) -> bytes:
    """One item's entry of search.json: its line of JSON, in UTF-8."""
    return json.dumps(search_entry(item), ensure_ascii=False).encode("utf-8")


def search_index(lines: list[bytes]) -> bytes:
    """search.json: one JSON object per line inside a list (URLs relative to the root)."""
    return b"".join(search_parts(lines))


def search_parts(lines: list[bytes]) -> list[bytes]:
    """search.json as the parts that make it, the lines themselves among them: a build
    writes them one after the other, never joined (at 10,000 items it is 12 MB)."""
    if not lines:
        return [b"[\n\n]\n"]
    parts = [b"[\n"]
    for line in lines:
        parts += (line, b",\n")
    parts[-1] = b"\n]\n"
    return parts
