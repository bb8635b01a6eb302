"""Writing a site's releases as a Keep a Changelog file that ``parse_changelog`` reads back.

The file (Keep a Changelog 1.1.0, https://keepachangelog.com/en/1.1.0/):

- Planned releases come first, highest version first, then released ones in display
  order (newest first). A lone planned release whose version is the one an import would
  give ``[Unreleased]`` (the next minor after the highest released version) is written as
  ``## [Unreleased]``; any other planned release as ``## [1.3.0] - Unreleased``, so no
  version is lost (the format allows only one ``[Unreleased]`` section, without a version).
- A heading is ``## [VERSION] - DATE - TITLE [YANKED]``: the version as written, the date
  (``date unknown`` for a released release without one), the title when it is not the
  default "Version …".
- The intro goes under the heading; then ``### Highlights``; then each category with
  notes under its label, in the site's order, breaking notes opening ``### Changed`` as
  ``- **BREAKING** note``; then, after a ``---`` rule, the body. Headings in the intro
  and body are shifted to ``####`` or deeper so they cannot end the section; pmsite
  shifts them back when it renders them.
- Each release's links: its ``compare`` link as the heading's link reference definition
  at the bottom (``[1.2.0]: https://…``).

Summaries, goals, metrics, tags, targets and links other than ``compare`` have no place
in the format: ``export_omissions`` lists them so the command can say so.
"""

from __future__ import annotations

from pmsite.changelog.parse import (
    BREAKING_MARK,
    LIST_ITEM,
    RULE,
    demote_headings,
    next_planned_version,
    outside_fences,
)
from pmsite.errors import PmsiteError, quoted
from pmsite.model.items import Release, Site
from pmsite.model.semver import Version

__all__ = ["demote_headings", "export_changelog", "export_omissions", "list_item"]

_INTRO = (
    "All notable changes to {product} are documented in this file.\n\n"
    "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
    "and this project adheres to {scheme}."
)
_SCHEMES = {
    "semver": "[Semantic Versioning](https://semver.org/spec/v2.0.0.html)",
    "calver": "[Calendar Versioning](https://calver.org/)",
    "pep440": "[PEP 440](https://peps.python.org/pep-0440/) versions",
    "any": "its own version names",
}


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
    intro = _INTRO.format(product=site.config.product_name, scheme=_SCHEMES[site.config.versioning])
    blocks = [f"# Changelog\n\n{intro}"]
    blocks += [_release_block(r, r is unreleased) for r in [*planned, *released]]
    definitions = [
        f"[{'Unreleased' if r is unreleased else r.version_text}]: {r.links['compare']}"
        for r in [*planned, *released]
        if r.links.get("compare")
    ]
    if definitions:
        blocks.append("\n".join(definitions))
    return "\n\n".join(blocks) + "\n"


def export_omissions(site: Site) -> list[str]:
    """What the changelog leaves out, one line per field: 'summary: 1.2.0, 1.1.0'."""
    missing: dict[str, list[str]] = {}
    for release in site.releases:
        for name, value in (
            ("summary", release.summary),
            ("goals", release.goals),
            ("metrics", release.metrics),
            ("tags", release.tags),
            ("target", release.target),
            ("links other than compare", [k for k in release.links if k != "compare"]),
        ):
            if value:
                missing.setdefault(name, []).append(release.version_text)
    return [f"{name}: {', '.join(versions)}" for name, versions in missing.items()]


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
        heading = f"## [{release.version_text}] - date unknown"
    if release.title and release.title != f"Version {release.version_text}":
        heading += f" - {release.title}"
    return f"{heading} [YANKED]" if release.yanked else heading


def _release_block(release: Release, unreleased: bool) -> str:
    parts = [_heading(release, unreleased)]
    if release.intro:
        parts.append(demote_headings(release.intro.source.strip("\n")))
    sections: list[tuple[str, list[str]]] = []
    if release.highlights:
        sections.append(("Highlights", [note.source for note in release.highlights if note]))
    breaking = [f"{BREAKING_MARK} {note.source.strip()}" for note in release.breaking if note]
    for category in release.category_order:
        texts = [note.source for note in release.changes.get(category.key, []) if note]
        if category.key == "changed":
            texts = breaking + texts
        sections.append((category.label, texts))
    for label, texts in sections:
        if texts:
            items = "\n".join(list_item(text) for text in texts)
            parts.append(f"### {label}\n\n{items}")
    if release.body:
        parts.append("---")
        parts.append(demote_headings(release.body.source.strip("\n")))
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
