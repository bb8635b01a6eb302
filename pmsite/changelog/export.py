"""Writing a site's releases as a Keep a Changelog file that ``parse_changelog`` reads back.

- Planned releases come first, highest version first, then released ones in display
  order (newest first). A lone planned release whose version is the one an import would
  give ``[Unreleased]`` (the next minor after the highest released version) is written as
  ``## [Unreleased]``; any other planned release as ``## [1.3.0] - Unreleased``, so no
  version is lost (the format allows only one ``[Unreleased]`` section, without a version).
- Breaking notes open the ``### Changed`` section as ``- **BREAKING** note``.
- The body goes under the version heading, its headings shifted to ``####`` or deeper so
  they cannot end the section; pmsite shifts headings back when it renders a body.
- Titles, summaries, highlights, goals and metrics have no place in the format.
"""

from __future__ import annotations

from pmsite.changelog.parse import (
    BREAKING_MARK,
    CATEGORY_TITLES,
    HEADING,
    LIST_ITEM,
    RULE,
    next_planned_version,
    outside_fences,
)
from pmsite.errors import PmsiteError, quoted
from pmsite.model.items import CHANGE_CATEGORIES, Release, Site
from pmsite.model.semver import Version

_INTRO = (
    "All notable changes to {product} are documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html)."
)
_BODY_HEADING_LEVEL = 4


def export_changelog(site: Site, only: str | None = None) -> str:
    """The site's releases as the text of a CHANGELOG.md; with ``only`` (a version), that
    release's section alone (e.g. the notes of a GitHub release). Raises PmsiteError
    when no release has that version."""
    planned = [r for r in site.releases if r.is_planned]
    planned.sort(key=lambda r: r.version.key if r.version else (), reverse=True)
    released = [r for r in site.releases if not r.is_planned]
    unreleased = _unreleased_section(planned, released)
    if only is not None:
        chosen = [r for r in [*planned, *released] if r.version_text == only]
        if not chosen:
            known = ", ".join(r.version_text for r in released[:5])
            raise PmsiteError(
                f"--release: no release has version {quoted(only)}"
                f" ({'the newest: ' + known if known else 'there is no released version'});"
                " add its file to content/releases/ first"
            )
        return _release_block(chosen[0], chosen[0] is unreleased) + "\n"
    blocks = [f"# Changelog\n\n{_INTRO.format(product=site.config.product_name)}"]
    blocks += [_release_block(r, r is unreleased) for r in [*planned, *released]]
    return "\n\n".join(blocks) + "\n"


def _unreleased_section(planned: list[Release], released: list[Release]) -> Release | None:
    """The planned release to write as [Unreleased]: only one that imports back the same."""
    if len(planned) != 1:
        return None
    versions: list[Version] = [r.version for r in released if r.version is not None]
    expected = next_planned_version(versions, (v.text for v in versions))
    return planned[0] if planned[0].version_text == expected else None


def _heading(release: Release, unreleased: bool) -> str:
    if unreleased:
        heading = "## [Unreleased]"
    elif release.is_planned:
        heading = f"## [{release.version_text}] - Unreleased"
    elif release.date is not None:
        heading = f"## [{release.version_text}] - {release.date.isoformat()}"
    else:
        heading = f"## [{release.version_text}]"
    return f"{heading} [YANKED]" if release.yanked else heading


def _release_block(release: Release, unreleased: bool) -> str:
    parts = [_heading(release, unreleased)]
    if release.body:
        parts.append(demote_headings(release.body.source.strip("\n")))
    for category in CHANGE_CATEGORIES:
        notes = [note.source for note in release.changes.get(category, []) if note]
        if category == "changed":
            marked = [f"{BREAKING_MARK} {note.source.strip()}" for note in release.breaking if note]
            notes = marked + notes
        if notes:
            items = "\n".join(list_item(note) for note in notes)
            parts.append(f"### {CATEGORY_TITLES[category]}\n\n{items}")
    return "\n\n".join(parts)


def list_item(note: str) -> str:
    """``- note`` (``* note`` when that would be a rule); further lines indented under it."""
    lines = note.strip().split("\n")
    # '- --' would be a horizontal rule; '* --' is a list item.
    out = [f"* {lines[0]}" if RULE.match(f"- {lines[0]}") else f"- {lines[0]}"]
    outside = list(outside_fences(lines))
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip():
            out.append(f"  {line}")
        elif not (outside[index] and index + 1 < len(lines) and LIST_ITEM.match(lines[index + 1])):
            out.append("")
    return "\n".join(out)


def demote_headings(body: str, top: int = _BODY_HEADING_LEVEL) -> str:
    """``body`` with its headings (outside fenced code) shifted so the first level is ``top``."""
    lines = body.split("\n")
    outside = list(outside_fences(lines))
    levels = [
        len(match[1])
        for line, out in zip(lines, outside, strict=True)
        if out and (match := HEADING.match(line))
    ]
    if not levels or min(levels) >= top:
        return body
    shift = top - min(levels)
    for index, line in enumerate(lines):
        if outside[index] and (match := HEADING.match(line)):
            lines[index] = "#" * min(6, len(match[1]) + shift) + line[len(match[1]) :]
    return "\n".join(lines)
