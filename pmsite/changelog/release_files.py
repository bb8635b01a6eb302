"""Changelog import and export: ``pmsite import changelog`` and ``export changelog``.

- ``parse_changelog(text, source, config, package)`` reads a CHANGELOG.md (parse.py);
- ``write_release_files(parsed, into, force, dry_run, site_yaml)`` writes one release
  file per version (``<version>.md``, the version's URL segment) and adds to site.yaml
  the versioning scheme and the categories the changelog needs, when site.yaml does not
  set them yet;
- ``export_changelog(site)`` writes the site's releases as a CHANGELOG.md (export.py).

Decisions: an ``[Unreleased]`` section becomes a planned release numbered the next minor
after the highest released version (0.1.0 when there is none); a version without a date
is released with ``date: unknown`` when a newer version is released, and planned
otherwise (a note says which); items marked ``**BREAKING**`` or ``BREAKING:`` (or in a
``### Breaking changes`` section) become the release's ``breaking`` notes.
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
from pmsite.errors import ErrorList, PmsiteError
from pmsite.model.items import CHANGE_CATEGORIES, SiteConfig
from pmsite.model.versions import SCHEME_EXAMPLES, version_slug
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
    "read_site_config",
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
    """What an import wrote (or, with ``dry_run``, would write), replaced and skipped,
    every line it did not place, and what it added to (or asks the user to add to)
    site.yaml. ``failed`` is True when a line of a version section was not placed, no
    release was written, or site.yaml needs a change pmsite could not make."""

    source: str
    written: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    site_yaml: list[str] = field(default_factory=list)  # what was added (or is to add)
    site_yaml_problem: str = ""
    placed: int = 0
    left_out: int = 0
    dry_run: bool = False

    def messages(self) -> list[str]:
        """One ``FILE:LINE: message`` line per skipped version, note and unplaced line."""
        found = [(note.line or 0, note.message) for note in [*self.skipped, *self.notes]]
        found += [(u.line, f"not imported ({u.reason}): {u.text}") for u in self.unplaced]
        found.sort(key=lambda entry: entry[0])
        return [
            f"{self.source}:{line}: {message}" if line else f"{self.source}: {message}"
            for line, message in found
        ]

    @property
    def not_placed(self) -> int:
        return sum(1 for line in self.unplaced if line.in_release)

    @property
    def failed(self) -> bool:
        return self.not_placed > 0 or not self.written or bool(self.site_yaml_problem)

    def summary(self, into: str) -> str:
        """The last line: releases written, lines placed, not placed and left out."""
        count = len(self.written)
        releases = f"{count} release{'s' if count != 1 else ''}"
        lines = (
            f"{self.placed} line{'s' if self.placed != 1 else ''} placed,"
            f" {self.not_placed} not placed, {self.left_out} left out with a note"
        )
        if self.dry_run:
            return f"Would import {releases} into {into} ({lines}); nothing written (--dry-run)"
        return f"Imported {releases} into {into}: {lines}"


def read_site_config(site_yaml: Path) -> SiteConfig:
    """The settings of the site the changelog is imported into (defaults without one)."""
    from pmsite.load.config import read_config
    from pmsite.load.files import read_text
    from pmsite.load.yamlload import YamlError, YamlMap, load_yaml

    if not site_yaml.is_file():
        return SiteConfig(title="")
    errors = ErrorList()
    text = read_text(site_yaml, str(site_yaml), errors)
    data = None
    try:
        data = load_yaml(text) if text is not None else None
    except YamlError as error:
        errors.add(str(site_yaml), error.line, error.message)
    config = read_config(data if isinstance(data, YamlMap) else None, str(site_yaml), errors)
    if errors.errors:
        raise PmsiteError("\n".join(str(error) for error in errors.errors))
    return config


def write_release_files(
    parsed: ParsedChangelog,
    into: Path,
    force: bool = False,
    dry_run: bool = False,
    site_yaml: Path | None = None,
    config: SiteConfig | None = None,
) -> ImportReport:
    """Write ``<version>.md`` into ``into`` for each version, and what the changelog
    needs into ``site_yaml`` (see ``site_yaml_additions``).

    Raises ExistingFilesError, writing nothing, when any target exists and not ``force``.
    """
    config = config or SiteConfig(title="")
    report = ImportReport(
        parsed.source,
        unplaced=list(parsed.unplaced),
        notes=list(parsed.notes),
        placed=parsed.placed,
        left_out=parsed.left_out,
        dry_run=dry_run,
    )
    files = _plan_files(parsed, into, report)
    existing = [path for path, _ in files if path.exists()]
    if existing and not force:
        raise ExistingFilesError(existing)
    additions, problem = site_yaml_additions(parsed, config, site_yaml)
    report.site_yaml, report.site_yaml_problem = additions, problem
    if dry_run:
        report.written = [path for path, _ in files]
        report.replaced = existing
        return report
    try:
        into.mkdir(parents=True, exist_ok=True)
        for path, text in files:
            if path in existing:  # --force: replaced whole, never left half written
                with replacing(path) as out:
                    out.write(text)
            else:
                write_new_text(path, text)
            report.written.append(path)
        if additions and not problem and site_yaml is not None and site_yaml.is_file():
            old = site_yaml.read_text(encoding="utf-8")
            with replacing(site_yaml) as out:
                out.write(
                    old + ("" if old.endswith("\n") or not old else "\n") + "".join(additions)
                )
    except OSError as error:
        done = f" (wrote {len(report.written)} files before it)" if report.written else ""
        raise PmsiteError(f"cannot write {error.filename}: {error.strerror}{done}") from error
    report.replaced = existing
    return report


def site_yaml_additions(
    parsed: ParsedChangelog, config: SiteConfig, site_yaml: Path | None
) -> tuple[list[str], str]:
    """The site.yaml lines the imported releases need: ``versioning:`` when their
    versions are not in the site's scheme, ``changelog: categories:`` for the sections
    that are new categories. Returns (blocks to append, a problem when site.yaml already
    sets that key and must be changed by hand, or '')."""
    blocks, problems = [], []
    name = Path(parsed.source).name
    text = site_yaml.read_text(encoding="utf-8") if site_yaml and site_yaml.is_file() else ""
    keys = {line.split(":", 1)[0] for line in text.splitlines() if line[:1].isalpha()}
    if parsed.scheme != config.versioning:
        block = f"versioning: {parsed.scheme}  # the versions of {name}\n"
        if "versioning" in keys:
            problems.append(
                f"its versions are not all {SCHEME_EXAMPLES[config.versioning]}:"
                f" change site.yaml's versioning to {parsed.scheme}"
            )
        blocks.append(block)
    known = {category.key for category in config.categories}
    new = [(key, label) for key, (label, _) in parsed.categories.items() if key not in known]
    if new:
        entries = [{"key": key, "label": label} for key, label in new]
        if "changelog" in keys:
            listed = yaml.safe_dump(
                entries, sort_keys=False, allow_unicode=True, default_flow_style=None
            )
            problems.append(
                "add these categories to changelog: categories: in site.yaml:\n"
                + "".join(f"    {line}\n" for line in listed.splitlines())
            )
        block = yaml.safe_dump(
            {"changelog": {"categories": entries}},
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=None,
            width=1 << 20,
        )
        blocks.append(f"# sections of {name} that are not Keep a Changelog's\n{block}")
    return blocks, "; ".join(problems)


def _plan_files(
    parsed: ParsedChangelog, into: Path, report: ImportReport
) -> list[tuple[Path, str]]:
    files: list[tuple[Path, str]] = []
    first_line: dict[str, tuple[str, int]] = {}
    for release in parsed.releases:
        slug = version_slug(release.version)
        if not slug:
            report.skipped.append(
                Note(release.line, f"'{release.version}' cannot be a file name: not written")
            )
            continue
        if slug.lower() in first_line:
            other, line = first_line[slug.lower()]
            report.skipped.append(
                Note(
                    release.line,
                    f"version {release.version} has the same file name as {other} (line"
                    f" {line}): not written; rename one of them in the changelog",
                )
            )
            continue
        first_line[slug.lower()] = (release.version, release.line)
        files.append((into / f"{slug}.md", release_file_text(release)))
    return files


# libyaml's emitter when PyYAML has it: ten times faster on a changelog of 400 versions.
_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[valid-type,misc]
    """PyYAML's safe dumper, writing multi-line notes as literal blocks (``|``)."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def release_file_text(release: ParsedRelease) -> str:
    """A release file: YAML front matter in pmsite's Release format, then the body."""
    data: dict[str, object] = {"version": release.version}
    if release.title:
        data["title"] = release.title
    if release.date is not None:
        data["date"] = release.date
    elif release.date_unknown:
        data["date"] = "unknown"
    if release.planned:
        data["status"] = "planned"
    if release.yanked:
        data["yanked"] = True
    if release.links:
        data["links"] = dict(release.links)
    if release.intro.strip():
        data["intro"] = release.intro.strip()
    if release.highlights:
        data["highlights"] = list(release.highlights)
    if release.breaking:
        data["breaking"] = list(release.breaking)
    order = [c for c in CHANGE_CATEGORIES if release.changes.get(c)]
    order += [c for c in release.changes if c not in CHANGE_CATEGORIES and release.changes[c]]
    if order:
        data["changes"] = {c: list(release.changes[c]) for c in order}
    front = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1 << 20)
    body = f"\n{release.body.strip()}\n" if release.body.strip() else ""
    return f"---\n{front}---\n{body}"
