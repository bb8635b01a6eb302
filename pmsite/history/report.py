"""``pmsite changes``: the roadmap's changes in a range of dates or commits, as a
stakeholder update (text or Markdown, by section) or as JSON change objects.

The range is ``--since``/``--until``: a date (YYYY-MM-DD, both ends included) or a git
revision (``--since REV``: the commits not reachable from REV, i.e. after it; ``--until
REV``: the commits reachable from REV).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pmsite.errors import ErrorList, PmsiteError, UsageError, quoted
from pmsite.history.changes import SECTIONS, project, section_of
from pmsite.history.extract import HistoryReader, NoHistory
from pmsite.history.gitlog import GitError, reachable, resolve
from pmsite.history.model import Change
from pmsite.history.site import newest_first
from pmsite.load.git import GitReader
from pmsite.model.urls import absolute_url, item_url

FORMATS = ("text", "markdown", "json")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Bound:
    """One end of the range: a date, or the commits reachable from a revision."""

    text: str
    day: dt.date | None = None
    commits: frozenset[str] = frozenset()


@dataclass
class Report:
    """What ``pmsite changes`` prints: ``output`` on standard output, ``notes`` (skipped
    revisions, a shallow clone) on standard error."""

    output: str
    notes: list[str]


def changes_report(
    site_dir: Path,
    since: str | None = None,
    until: str | None = None,
    style: str = "text",
    drafts: bool = False,
    audience: str = "public",
) -> Report:
    """The changes of the site's history between ``since`` and ``until`` in ``style``
    (text, markdown or json). Raises UsageError for a bad range, PmsiteError without git."""
    git = GitReader(site_dir).read()
    raw = HistoryReader(site_dir, use_cache=True).read(git.root, git.head, git.shallow)
    if isinstance(raw, NoHistory):
        raise PmsiteError(f"pmsite changes: {raw.message}")
    assert git.root is not None
    low = _bound(git.root, "--since", since)
    high = _bound(git.root, "--until", until)
    projected = project(raw, drafts, audience)
    changes = [c for c in newest_first(projected.changes) if _within(c, low, high)]
    notes = [f"note: skipped {note}" for note in projected.notes]
    if projected.shallow and projected.starts:
        notes.append(
            f"note: history starts on {_long(projected.starts)}: the clone is shallow;"
            " use fetch-depth: 0"
        )
    if style == "json":
        output = json.dumps([c.as_json() for c in changes], indent=2, ensure_ascii=False) + "\n"
        return Report(output, notes)
    link: Callable[[Change], str] = lambda change: ""  # noqa: E731
    if style == "markdown":
        base_url, shown = _site_links(site_dir, drafts, audience)
        if base_url:

            def link(change: Change) -> str:
                key = (change.item_kind, change.slug)
                return absolute_url(base_url, item_url(*key)) if key in shown else ""

    return Report(stakeholder_update(changes, low, high, style == "markdown", link), notes)


def _bound(root: Path, option: str, value: str | None) -> Bound | None:
    if value is None:
        return None
    if _DATE.match(value):
        try:
            return Bound(value, day=dt.date.fromisoformat(value))
        except ValueError:
            raise UsageError(f"{option}: {quoted(value)} is not a date") from None
    commit = resolve(root, value)
    if commit is None:
        raise UsageError(
            f"{option}: {quoted(value)} is neither a date (YYYY-MM-DD) nor a git revision"
        )
    try:
        return Bound(value, commits=frozenset(reachable(root, commit)))
    except GitError as error:
        raise PmsiteError(f"{option}: {error}") from None


def _within(change: Change, low: Bound | None, high: Bound | None) -> bool:
    if low is not None:
        if low.day is not None and change.date < low.day:
            return False
        if low.day is None and change.commit in low.commits:
            return False
    if high is not None:
        if high.day is not None and change.date > high.day:
            return False
        if high.day is None and change.commit not in high.commits:
            return False
    return True


def _site_links(site_dir: Path, drafts: bool, audience: str) -> tuple[str, set]:
    """The site's base_url and the keys of the items it shows now (for links), read as
    well as the content allows: ``pmsite changes`` works on a site with errors too."""
    from pmsite.load.config import read_config
    from pmsite.load.files import read_content
    from pmsite.load.link import assemble_site
    from pmsite.load.readers import read_items

    errors = ErrorList()
    tree = read_content(site_dir, errors)
    items = read_items(tree.documents, site_dir, errors)
    config = read_config(tree.site_data, tree.site_display, errors)
    site = assemble_site(config, items, errors, drafts, audience)
    return config.base_url, {item.key for item in site.items()}


def stakeholder_update(
    changes: list[Change],
    low: Bound | None,
    high: Bound | None,
    markdown: bool,
    link: Callable[[Change], str],
) -> str:
    """The changes by section (Shipped, Slipped, Moved into Now, New, Dropped, KPI
    check-ins, Releases, then Other changes), newest first in each, ready to paste."""
    title = _title(changes, low, high)
    lines = [f"# {title}" if markdown else title, ""]
    if not changes:
        lines.append("No roadmap changes in this range.")
        return "\n".join(lines) + "\n"
    sections: dict[str, list[Change]] = {name: [] for name in SECTIONS}
    for change in changes:
        sections[section_of(change)].append(change)
    for name, found in sections.items():
        if not found:
            continue
        lines.append(f"## {name}" if markdown else name)
        if markdown:
            lines.append("")
        for change in found:
            lines.append(_line(change, markdown, link(change)))
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _line(change: Change, markdown: bool, url: str) -> str:
    """One change: its item's name (linked in Markdown), its sentence and its date. A
    metric's check-in names the metric in its sentence already."""
    when = f"{change.date.day} {_MONTHS[change.date.month - 1][:3]} {change.date.year}"
    if change.item_kind == "metric":
        sentence = _escape(change.sentence) if markdown else change.sentence
        if markdown and url:
            sentence = f"[{sentence}]({url})"
        return f"- {sentence} ({when})"
    name = change.title if change.item_kind != "release" else f"{change.slug} {change.title}"
    if change.item_kind == "release" and change.title in (f"Version {change.slug}", ""):
        name = change.slug
    sentence = change.sentence
    if markdown:
        name = f"[{_escape(name)}]({url})" if url else f"**{_escape(name)}**"
        sentence = _escape(sentence)
    return f"- {name}: {sentence} ({when})"


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _title(changes: list[Change], low: Bound | None, high: Bound | None) -> str:
    """'Roadmap changes from 1 May 2026 to 30 June 2026' (or 'since v1.2', 'to v1.3')."""
    parts = ["Roadmap changes"]
    if low is not None and low.day is None:
        parts.append(f"since {low.text}")
    elif low is not None or changes:
        parts.append(f"from {_long(low.day if low and low.day else changes[-1].date)}")
    if high is not None and high.day is None:
        parts.append(f"to {high.text}")
    elif high is not None or changes:
        parts.append(f"to {_long(high.day if high and high.day else changes[0].date)}")
    return " ".join(parts)


def _long(day: dt.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
