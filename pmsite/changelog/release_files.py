"""Keep a Changelog import and export: ``pmsite import changelog`` and ``export changelog``.

- ``parse_changelog(text, source)`` reads a CHANGELOG.md (see changelog_import.py);
- ``write_release_files(parsed, into, force)`` writes one ``<version>.md`` per version;
- ``export_changelog(site)`` writes the site's releases as a CHANGELOG.md.

Decisions: an ``[Unreleased]`` section becomes a planned release numbered the next minor
after the highest released version (0.1.0 when there is none); a version without a date
is written as ``status: planned`` (pmsite needs a date for a released one) and a note
says so; a version that is not SemVer, or repeats an earlier one, is reported and not
written; items marked ``**BREAKING**`` or ``BREAKING:`` (or in a ``### Breaking
changes`` section) become the release's ``breaking`` notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pmsite.changelog.export import export_changelog
from pmsite.changelog.parse import (
    Note,
    ParsedChangelog,
    ParsedRelease,
    Unplaced,
    next_planned_version,
    parse_changelog,
)
from pmsite.errors import PmsiteError
from pmsite.model.items import CHANGE_CATEGORIES
from pmsite.model.semver import parse_version
from pmsite.store.write import replacing, write_new_text

__all__ = [
    "ExistingFilesError",
    "ImportReport",
    "Note",
    "ParsedChangelog",
    "ParsedRelease",
    "Unplaced",
    "export_changelog",
    "next_planned_version",
    "parse_changelog",
    "release_file_text",
    "write_release_files",
]


class ExistingFilesError(PmsiteError):
    """Release files that already exist; nothing was written. ``paths`` lists them all."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        count = f"{len(paths)} release file{'s' if len(paths) != 1 else ''}"
        listed = "".join(f"\n  {path}" for path in paths)
        super().__init__(
            f"{count} already exist; nothing was written (use --force to replace them):{listed}"
        )


@dataclass
class ImportReport:
    """What an import wrote, replaced and skipped, and every line it did not import."""

    source: str
    written: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One ``FILE:LINE: message`` line per skipped version, note and unplaced line."""
        found = [(note.line or 0, note.message) for note in [*self.skipped, *self.notes]]
        found += [(u.line, f"not imported ({u.reason}): {u.text}") for u in self.unplaced]
        found.sort(key=lambda entry: entry[0])
        return [
            f"{self.source}:{line}: {message}" if line else f"{self.source}: {message}"
            for line, message in found
        ]


def write_release_files(parsed: ParsedChangelog, into: Path, force: bool = False) -> ImportReport:
    """Write ``<version>.md`` into ``into`` for each importable version.

    Raises ExistingFilesError, writing nothing, when any target exists and not ``force``.
    """
    report = ImportReport(parsed.source, unplaced=list(parsed.unplaced), notes=list(parsed.notes))
    if parsed.preamble:
        report.notes.append(Note(None, "the introduction before the first version is not imported"))
    files = _plan_files(parsed, into, report)
    existing = [path for path, _ in files if path.exists()]
    if existing and not force:
        raise ExistingFilesError(existing)
    try:
        into.mkdir(parents=True, exist_ok=True)
        for path, text in files:
            if path in existing:  # --force: replaced whole, never left half written
                with replacing(path) as out:
                    out.write(text)
            else:
                write_new_text(path, text)
            report.written.append(path)
    except OSError as error:
        done = f" (wrote {len(report.written)} files before it)" if report.written else ""
        raise PmsiteError(f"cannot write {error.filename}: {error.strerror}{done}") from error
    report.replaced = existing
    return report


def _plan_files(
    parsed: ParsedChangelog, into: Path, report: ImportReport
) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    first_line: dict[str, int] = {}
    for release in parsed.releases:
        version = release.version
        if parse_version(version) is None:
            report.skipped.append(
                Note(
                    release.line,
                    f"'{version}' is not a SemVer 2.0.0 version (e.g. 1.2.0 or 2.0.0-rc.1):"
                    " not written",
                )
            )
            continue
        if version in first_line:
            message = f"version {version} already appeared at line {first_line[version]}"
            report.skipped.append(Note(release.line, f"{message}: not written"))
            continue
        first_line[version] = release.line
        if release.date is None and not release.planned:
            report.notes.append(
                Note(
                    release.line,
                    f"{version} has no date: written as 'status: planned'; add its date and"
                    " remove the status to publish it as released",
                )
            )
        files.append((into / f"{version}.md", release_file_text(release)))
    return files


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, writing multi-line notes as literal blocks (``|``)."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def release_file_text(release: ParsedRelease) -> str:
    """A release file: YAML front matter in pmsite's Release format, then the body."""
    planned = release.planned or release.date is None
    data: dict[str, object] = {"version": release.version}
    if release.date is not None:
        data["date"] = release.date
    if planned:
        data["status"] = "planned"
    if release.yanked:
        data["yanked"] = True
    if release.breaking:
        data["breaking"] = list(release.breaking)
    changes = {c: list(release.changes[c]) for c in CHANGE_CATEGORIES if release.changes.get(c)}
    if changes:
        data["changes"] = changes
    front = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 20)
    body = f"\n{release.body.strip()}\n" if release.body.strip() else ""
    return f"---\n{front}---\n{body}"
