"""Keep a Changelog import and export: parsing real-world files exactly, writing release
files that pmsite loads, refusing to overwrite, and export -> parse round trips."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsite.changelog.export import demote_headings
from pmsite.changelog.parse import split_breaking
from pmsite.changelog.release_files import (
    ExistingFilesError,
    ImportReport,
    Note,
    ParsedChangelog,
    ParsedRelease,
    Unplaced,
    export_changelog,
    parse_changelog,
    release_file_text,
    write_release_files,
)
from pmsite.errors import PmsiteError
from pmsite.model.items import CHANGE_CATEGORIES, Item, Markdown, Release, Site, SiteConfig
from pmsite.model.kinds import KINDS
from pmsite.model.semver import parse_version

from .conftest import FIXTURES, MakeSite, load

CHANGELOGS = FIXTURES / "changelogs"
FIXTURE_NAMES = ["keepachangelog", "nested", "prereleases", "messy"]
KNOWN = "Keep a Changelog sections are Added, Changed, Deprecated, Removed, Fixed, Security"


def parse_fixture(name: str) -> ParsedChangelog:
    return parse_changelog((CHANGELOGS / f"{name}.md").read_text(encoding="utf-8"), f"{name}.md")


def release(version: str, line: int, **fields: object) -> ParsedRelease:
    return ParsedRelease(version, line, **fields)


def shapes(releases: list[ParsedRelease]) -> list[ParsedRelease]:
    """Releases without the heading's label and links (checked on their own)."""
    return [dataclasses.replace(r, label="", links={}) for r in releases]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# -- parsing -------------------------------------------------------------------------------


def test_parses_strict_keep_a_changelog_with_links_yanked_and_unreleased() -> None:
    parsed = parse_fixture("keepachangelog")
    assert parsed.title == "Changelog"
    assert parsed.preamble.startswith("All notable changes to this project")
    compare = "https://github.com/example/notes/compare/"
    assert {r.version: r.links for r in parsed.releases} == {
        "1.3.0": {"compare": f"{compare}v1.2.0...HEAD"},
        "1.2.0": {"compare": f"{compare}v1.1.1...v1.2.0"},
        "1.1.1": {"compare": f"{compare}v1.1.0...v1.1.1"},
        "1.1.0": {"compare": f"{compare}v1.0.0...v1.1.0"},
        "1.0.0": {"compare": "https://github.com/example/notes/releases/tag/v1.0.0"},
    }
    assert shapes(parsed.releases) == [
        release(
            "1.3.0",
            8,
            planned=True,
            unreleased=True,
            changes={
                "added": ["Export of saved searches as CSV."],
                "fixed": ["Sidebar flickers when the window is resized."],
            },
        ),
        release(
            "1.2.0",
            18,
            date=day("2026-03-30"),
            changes={
                "added": [
                    "Offline editing of notes (beta).",
                    "Keyboard shortcut `Ctrl+K` opens the command palette.",
                ],
                "changed": [
                    "Sync runs in the background ([#142](https://github.com/example/notes/pull/142))."
                ],
                "deprecated": ["The `--legacy-sync` flag; it will be removed in 2.0.0."],
                "removed": ["Support for Python 3.9."],
                "fixed": [
                    "Notes with emoji titles could not be exported"
                    " ([#139](https://github.com/example/notes/issues/139))."
                ],
                "security": ["Session tokens are no longer written to the debug log."],
            },
            breaking=["The `sync.interval` setting is now in seconds, not minutes."],
        ),
        release(
            "1.1.1",
            46,
            date=day("2026-02-14"),
            yanked=True,
            changes={"fixed": ["Crash on start-up when the configuration file is empty."]},
        ),
        release(
            "1.1.0",
            52,
            date=day("2026-01-20"),
            changes={"added": ["Tags on notes.", "Dark mode follows the system setting."]},
        ),
        release("1.0.0", 59, date=day("2025-11-03"), changes={"added": ["First stable release."]}),
    ]
    # Link reference definitions are recognised, never reported as unplaced.
    assert parsed.unplaced == []
    assert parsed.links["1.2.0"] == "https://github.com/example/notes/compare/v1.1.1...v1.2.0"
    assert parsed.links["unreleased"].endswith("compare/v1.2.0...HEAD")
    assert parsed.notes == [
        Note(None, "the introduction before the first version (3 lines) is not imported"),
        Note(8, "[Unreleased] becomes planned release 1.3.0 (the next minor version after 1.2.0)"),
    ]


def test_parses_nested_lists_code_links_star_bullets_and_wrapped_items() -> None:
    parsed = parse_fixture("nested")
    assert parsed.unplaced == []
    assert parsed.preamble == "All notable changes to `fastq-tools` are listed here."
    assert shapes(parsed.releases) == [
        release(
            "3.4.0",
            4,
            date=day("2026-05-12"),
            intro=(
                "This release focuses on the command-line interface. Thanks to everyone who\n"
                "reported problems on the [issue tracker](https://github.com/example/fastq-tools/issues).\n"
                "\n"
                "#### Upgrading\n"
                "\n"
                "Run `fastq-tools migrate` once after upgrading."
            ),
            changes={
                "added": [
                    "New `fastq-tools stats` command, which prints per-read quality summaries"
                    " and can write them as JSON with `--json`.",
                    "Support for compressed input:\n\n"
                    "- gzip (`.gz`)\n"
                    "- bzip2 (`.bz2`)\n"
                    "    - only when the `bz2` module is available\n"
                    "- Zstandard (`.zst`)",
                    "A [user guide](https://example.org/guide/) with worked examples.",
                ],
                "changed": [
                    "The progress bar is written to stderr, so piping the output stays clean."
                    " Use `--quiet` to hide it.",
                    "Configuration is read from `pyproject.toml`:\n\n"
                    "```toml\n[tool.fastq-tools]\nmin-quality = 20\n```",
                ],
                "fixed": [
                    "Reads with `N` bases at the end were dropped (reported in"
                    " [#88](https://github.com/example/fastq-tools/issues/88)).",
                    "Windows paths with spaces, e.g. `C:\\Program Files\\data.fq`, are accepted.",
                ],
            },
            breaking=["`--min-quality` now defaults to `20` instead of `0`."],
        ),
        release(
            "3.3.2",
            39,
            date=day("2026-03-01"),
            changes={"fixed": ["Off-by-one error in `--trim-right`."]},
        ),
    ]


def test_parses_pre_releases_v_prefixes_en_dashes_and_missing_dates() -> None:
    parsed = parse_fixture("prereleases")
    assert parsed.unplaced == []
    assert shapes(parsed.releases) == [
        release(
            "v2.1.0",
            3,
            planned=True,
            unreleased=True,
            changes={"added": ["Plugin hooks for custom exporters."]},
        ),
        release(
            "v2.0.0",
            8,
            date=day("2026-04-02"),
            changes={"added": ["Async client (`AsyncClient`)."]},
            breaking=[
                "The `Client` constructor takes keyword arguments only.",
                "Dropped the `v1` API namespace.",
            ],
        ),
        release(
            "v2.0.0-rc.1",
            17,
            date=day("2026-03-20"),
            changes={"fixed": ["Retries no longer double the request timeout."]},
        ),
        release(
            "2.0.0-beta.2",
            22,
            date_unknown=True,
            changes={"changed": ["Renamed `Client.fetch_all` to `Client.fetch`."]},
        ),
        release(
            "v2.0.0-beta.1", 27, date_unknown=True, changes={"added": ["Preview of the v2 API."]}
        ),
        release(
            "1.9.0",
            32,
            date=day("2025-12-01"),
            changes={"fixed": ["Connection pool leak under high load."]},
        ),
    ]
    unknown = (
        "has no date: written as released with 'date: unknown' (a newer version is released);"
        " add its date if you know it"
    )
    assert parsed.notes == [
        Note(
            3, "[Unreleased] becomes planned release v2.1.0 (the next minor version after v2.0.0)"
        ),
        Note(10, "read section 'BREAKING CHANGES' as the release's breaking notes"),
        Note(22, f"2.0.0-beta.2 {unknown}"),
        Note(27, f"v2.0.0-beta.1 {unknown}"),
    ]


def test_messy_changelog_reports_every_line_it_cannot_place() -> None:
    parsed = parse_fixture("messy")
    assert parsed.unplaced == [
        Unplaced(28, "2026-02-30", "not a valid date (year, month, day)"),
        Unplaced(42, "## Older history", "not a version heading"),
        Unplaced(
            44,
            "See the wiki for releases before 1.0.0.",
            "under '## Older history', which is not a version heading",
        ),
    ]
    assert parsed.preamble.startswith("Generated by hand")
    assert parsed.scheme == "pep440"  # '1.2' is not SemVer
    assert parsed.categories == {"performance": ("Performance", 14)}
    assert shapes(parsed.releases) == [
        release(
            "1.3.0",
            9,
            date=day("2026-06-01"),
            title="Summer release",
            changes={
                "added": ["Bulk edit."],
                "performance": ["Startup is 30% faster.", "Less memory when indexing."],
                "fixed": ["Login loop on Safari."],
            },
            body="Thanks to all contributors!",
        ),
        release("1.2", 23, date=day("2026-04-01"), changes={"added": ["Import from CSV."]}),
        release("1.1.0", 28, date_unknown=True, changes={"changed": ["New logo."]}),
        release(
            "1.0.0",
            33,
            date=day("2025-12-24"),
            intro="Initial public release.",
            changes={"added": ["A duplicate entry."]},
        ),
    ]


@pytest.mark.parametrize(
    ("heading", "version", "date", "yanked", "planned"),
    [
        ("## [1.2.0] - 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## 1.2.0 - 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## [1.2.0] – 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## [v1.2.0] — 2026-03-30", "v1.2.0", "2026-03-30", False, False),
        ("## v1.2.0 (2026-03-30)", "v1.2.0", "2026-03-30", False, False),
        (
            "## [1.2.0](https://x.org/compare/v1.1.0...v1.2.0) (2026-03-30)",
            "1.2.0",
            "2026-03-30",
            False,
            False,
        ),
        ("## Version 1.2.0 - 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## [1.1.0] - 2026-01-01 [YANKED]", "1.1.0", "2026-01-01", True, False),
        ("## [1.1.0] - 2026-01-01 [yanked]", "1.1.0", "2026-01-01", True, False),
        ("## 2.0.0-rc.1", "2.0.0-rc.1", None, False, True),
        ("## [1.3.0] - Unreleased", "1.3.0", None, False, True),
        ("## [1.3.0] (unreleased)", "1.3.0", None, False, True),
        ("## [Unreleased]", "0.1.0", None, False, True),
        ("## unreleased", "0.1.0", None, False, True),
    ],
)
def test_version_heading_forms(
    heading: str, version: str, date: str | None, yanked: bool, planned: bool
) -> None:
    parsed = parse_changelog(f"# Changelog\n\n{heading}\n\n### Added\n\n- A thing.\n", "c.md")
    assert parsed.unplaced == []
    [found] = parsed.releases
    assert (found.version, found.date, found.yanked, found.planned) == (
        version,
        day(date) if date else None,
        yanked,
        planned,
    )
    assert found.changes == {"added": ["A thing."]}


@pytest.mark.parametrize(
    "item",
    [
        "**BREAKING** Dropped Python 3.9.",
        "**BREAKING:** Dropped Python 3.9.",
        "**Breaking change**: Dropped Python 3.9.",
        "BREAKING: Dropped Python 3.9.",
        "BREAKING CHANGE: Dropped Python 3.9.",
    ],
)
def test_breaking_markers_in_any_section(item: str) -> None:
    parsed = parse_changelog(f"## [2.0.0] - 2026-01-01\n### Removed\n- {item}\n- Old API.\n", "c")
    [found] = parsed.releases
    assert found.breaking == ["Dropped Python 3.9."]
    assert found.changes == {"removed": ["Old API."]}


def test_category_headings_are_case_insensitive_and_sections_may_repeat() -> None:
    text = "## 1.0.0 - 2026-01-01\n### ADDED\n- a\n### fixed:\n- b\n### Added\n- c\n"
    [found] = parse_changelog(text, "c").releases
    assert found.changes == {"added": ["a", "c"], "fixed": ["b"]}


def test_items_without_a_category_and_prose_before_the_sections_become_the_intro() -> None:
    text = "## 1.0.0 - 2026-01-01\n\nFirst release.\n\n- Notes\n- Tags\n"
    [found] = parse_changelog(text, "c").releases
    assert found.intro == "First release.\n\n- Notes\n- Tags"
    assert found.changes == {}


def test_headings_inside_fenced_code_in_the_intro_stay_there() -> None:
    text = "## 1.0.0 - 2026-01-01\n\n```sh\n# install\n## not a version\n```\n\n### Added\n- x\n"
    parsed = parse_changelog(text, "c")
    assert parsed.unplaced == []
    assert parsed.releases[0].intro == "```sh\n# install\n## not a version\n```"


def test_horizontal_rules_between_versions_are_layout_not_text() -> None:
    text = "# Changelog\n\n---\n\n## 1.0.0 - 2026-01-01\n\nBody.\n\n---\n\n## 0.9.0 - 2025-01-01\n"
    text += "### Added\n- x\n***\n## 0.8.0 - 2024-01-01\n"
    parsed = parse_changelog(text, "c")
    assert parsed.unplaced == []
    assert [(r.version, r.intro, r.changes) for r in parsed.releases] == [
        ("1.0.0", "Body.", {}),
        ("0.9.0", "", {"added": ["x"]}),
        ("0.8.0", "", {}),
    ]


def test_crlf_line_endings_and_a_byte_order_mark_are_read() -> None:
    text = "\ufeff# Changelog\r\n\r\n## [1.0.0] - 2026-01-01\r\n### Added\r\n- x\r\n  wrapped\r\n"
    parsed = parse_changelog(text, "c")
    assert parsed.title == "Changelog"
    assert parsed.releases[0].changes == {"added": ["x wrapped"]}


def test_unreleased_without_any_release_is_0_1_0_and_never_collides() -> None:
    assert parse_changelog("## [Unreleased]\n", "c").releases[0].version == "0.1.0"
    text = "## [Unreleased]\n## [1.1.0] - Unreleased\n## [1.0.0] - 2026-01-01\n"
    assert [r.version for r in parse_changelog(text, "c").releases] == ["1.2.0", "1.1.0", "1.0.0"]


def test_reference_links_in_items_become_inline_links_but_not_in_code() -> None:
    text = (
        "## 1.0.0 - 2026-01-01\n### Fixed\n- Crash ([#7], [the report][r], `a[#7]`, [unknown]).\n\n"
        "[#7]: https://x.org/7\n[R]: https://x.org/report\n"
    )
    [found] = parse_changelog(text, "c").releases
    assert found.changes["fixed"] == [
        "Crash ([#7](https://x.org/7), [the report](https://x.org/report), `a[#7]`, [unknown])."
    ]


# -- writing release files ---------------------------------------------------------------------


def expected_after_import(parsed: ParsedChangelog) -> dict[str, tuple]:
    """What the written files must hold: every version, as parsed."""
    return parsed_data(parsed)


def _title(release: Release) -> str:
    return "" if release.title == f"Version {release.version_text}" else release.title


def site_data(site: Site) -> dict[str, tuple]:
    """A site's releases as export writes them (intro and body headings start at ####)."""
    return {
        r.version_text: (
            None if r.is_planned else r.date,
            r.yanked,
            r.is_planned,
            {c: [n.source for n in notes] for c, notes in r.changes.items() if notes},
            [n.source for n in r.breaking],
            [n.source for n in r.highlights],
            demote_headings(r.intro.source.strip("\n")),
            demote_headings(r.body.source.strip("\n")),
            _title(r),
            r.links,
        )
        for r in site.releases
    }


def parsed_data(parsed: ParsedChangelog) -> dict[str, tuple]:
    return {
        r.version: (
            r.date,
            r.yanked,
            r.planned,
            r.changes,
            r.breaking,
            r.highlights,
            r.intro,
            r.body,
            r.title,
            r.links,
        )
        for r in parsed.releases
    }


def import_into(site_dir: Path, parsed: ParsedChangelog, into: Path | None = None) -> ImportReport:
    """Write the release files and what site.yaml needs, as the command does."""
    site_yaml = site_dir / "content" / "site.yaml"
    return write_release_files(
        parsed, into or site_dir / "content" / "releases", site_yaml=site_yaml
    )


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_written_files_load_back_without_errors(make_site: MakeSite, name: str) -> None:
    site_dir = make_site()
    parsed = parse_fixture(name)
    report = import_into(site_dir, parsed)
    expected = expected_after_import(parsed)
    assert sorted(p.name for p in report.written) == sorted(f"{v}.md" for v in expected)
    site = load(site_dir)
    assert site_data(site) == expected
    for item in site.releases:
        standard = [c for c in CHANGE_CATEGORIES if c in item.changes]
        assert list(item.changes)[: len(standard)] == standard


def test_written_file_is_front_matter_in_the_release_format() -> None:
    [_, found, *_] = parse_fixture("keepachangelog").releases
    assert release_file_text(found) == (
        "---\n"
        "version: 1.2.0\n"
        "date: 2026-03-30\n"
        "links:\n"
        "  compare: https://github.com/example/notes/compare/v1.1.1...v1.2.0\n"
        "breaking:\n"
        "- The `sync.interval` setting is now in seconds, not minutes.\n"
        "changes:\n"
        "  added:\n"
        "  - Offline editing of notes (beta).\n"
        "  - Keyboard shortcut `Ctrl+K` opens the command palette.\n"
        "  changed:\n"
        "  - Sync runs in the background ([#142](https://github.com/example/notes/pull/142)).\n"
        "  deprecated:\n"
        "  - The `--legacy-sync` flag; it will be removed in 2.0.0.\n"
        "  removed:\n"
        "  - Support for Python 3.9.\n"
        "  fixed:\n"
        "  - Notes with emoji titles could not be exported"
        " ([#139](https://github.com/example/notes/issues/139)).\n"
        "  security:\n"
        "  - Session tokens are no longer written to the debug log.\n"
        "---\n"
    )


def test_planned_yanked_body_and_multi_line_notes_in_the_file() -> None:
    found = release(
        "1.3.0",
        1,
        planned=True,
        yanked=True,
        changes={"added": ["Parent:\n\n- child", "`code`: with colon"]},
        body="Some *prose*.",
    )
    assert release_file_text(found) == (
        "---\n"
        "version: 1.3.0\n"
        "status: planned\n"
        "yanked: true\n"
        "changes:\n"
        "  added:\n"
        "  - |-\n"
        "    Parent:\n"
        "\n"
        "    - child\n"
        "  - '`code`: with colon'\n"
        "---\n"
        "\n"
        "Some *prose*.\n"
    )


def test_report_lists_notes_and_unplaced_lines_and_adds_to_site_yaml(make_site: MakeSite) -> None:
    site_dir = make_site(site_yaml="title: T\n")
    report = import_into(site_dir, parse_fixture("messy"))
    assert report.skipped == []
    assert [p.name for p in report.written] == ["1.3.0.md", "1.2.md", "1.1.0.md", "1.0.0.md"]
    assert report.not_placed == 3 and report.failed
    assert report.messages() == [
        "messy.md: the introduction before the first version (3 lines) is not imported",
        "messy.md:14: section 'Performance' is kept as the new category 'performance'",
        "messy.md:28: 1.1.0 has no date: written as released with 'date: unknown' (a newer"
        " version is released); add its date if you know it",
        "messy.md:28: not imported (not a valid date (year, month, day)): 2026-02-30",
        "messy.md:37: version 1.0.0 already appeared at line 33: merged into it",
        "messy.md:37: its date 2025-12-20 differs from 2025-12-24 at line 33: the first is kept",
        "messy.md:42: not imported (not a version heading): ## Older history",
        "messy.md:44: not imported (under '## Older history', which is not a version heading):"
        " See the wiki for releases before 1.0.0.",
    ]
    assert (site_dir / "content" / "site.yaml").read_text() == (
        "title: T\n"
        "versioning: pep440  # the versions of messy.md\n"
        "# sections of messy.md that are not Keep a Changelog's\n"
        "changelog:\n"
        "  categories:\n"
        "  - {key: performance, label: Performance}\n"
    )
    assert [r.version_text for r in load(site_dir).releases] == ["1.3.0", "1.2", "1.1.0", "1.0.0"]


def test_site_yaml_that_already_sets_the_keys_is_left_alone_and_the_report_says_what_to_add(
    make_site: MakeSite,
) -> None:
    site_yaml = "title: T\nversioning: semver\nchangelog:\n  categories: [docs]\n"
    site_dir = make_site(site_yaml=site_yaml)
    report = import_into(site_dir, parse_fixture("messy"))
    assert report.failed
    assert "change site.yaml's versioning to pep440" in report.site_yaml_problem
    assert "- {key: performance, label: Performance}" in report.site_yaml_problem
    assert (site_dir / "content" / "site.yaml").read_text() == site_yaml


def test_refuses_to_overwrite_and_writes_nothing_without_force(make_site: MakeSite) -> None:
    site_dir = make_site(
        {"content/releases/1.1.0.md": "mine\n", "content/releases/1.0.0.md": "x\n"}
    )
    into = site_dir / "content" / "releases"
    with pytest.raises(ExistingFilesError) as caught:
        write_release_files(parse_fixture("keepachangelog"), into)
    assert caught.value.paths == [into / "1.1.0.md", into / "1.0.0.md"]
    message = str(caught.value)
    assert "2 release files already exist; nothing was written (use --force" in message
    assert f"\n  {into / '1.1.0.md'}" in message and f"\n  {into / '1.0.0.md'}" in message
    assert sorted(p.name for p in into.iterdir()) == ["1.0.0.md", "1.1.0.md"]
    assert (into / "1.1.0.md").read_text() == "mine\n"


def test_force_replaces_existing_files(make_site: MakeSite) -> None:
    site_dir = make_site({"content/releases/1.1.0.md": "mine\n"})
    into = site_dir / "content" / "releases"
    report = write_release_files(parse_fixture("keepachangelog"), into, force=True)
    assert report.replaced == [into / "1.1.0.md"]
    assert len(report.written) == 5
    assert "version: 1.1.0" in (into / "1.1.0.md").read_text()
    assert load(site_dir).releases[0].version_text == "1.3.0"


def test_a_target_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    into = tmp_path / "releases"
    into.write_text("not a folder\n")
    with pytest.raises(PmsiteError, match=r"cannot write .*releases: File exists"):
        write_release_files(parse_fixture("nested"), into)


def test_creates_the_target_folder(tmp_path: Path) -> None:
    into = tmp_path / "a" / "b"
    report = write_release_files(parse_fixture("nested"), into)
    assert report.written == [into / "3.4.0.md", into / "3.3.2.md"]


# -- export ------------------------------------------------------------------------------------


def make_release(version: str, **fields: object) -> Release:
    changes = fields.pop("changes", {})
    breaking = fields.pop("breaking", [])
    body = fields.pop("body", "")
    return Release(
        kind="release",
        slug=version,
        source=f"content/releases/{version}.md",
        line=1,
        title=f"Version {version}",
        version=parse_version(version),
        changes={c: [Markdown(t, inline=True) for t in notes] for c, notes in changes.items()},
        breaking=[Markdown(t, inline=True) for t in breaking],
        body=Markdown(body),
        **fields,
    )


def make_site_model(releases: list[Release], product: str = "Notes") -> Site:
    lists: dict[str, list[Item]] = {kind.folder: [] for kind in KINDS}
    lists["releases"] = list(Release.order(releases))
    return Site(config=SiteConfig(title="Notes site", product=product), lists=lists, tags=[])


def test_export_writes_keep_a_changelog() -> None:
    site = make_site_model(
        [
            make_release("1.0.0", date=day("2026-01-10"), changes={"added": ["First."]}),
            make_release(
                "1.1.0",
                date=day("2026-02-01"),
                yanked=True,
                changes={"fixed": ["Crash."], "added": ["Tags."]},
                breaking=["Config moved."],
            ),
            make_release("1.2.0", status="planned", changes={"added": ["Export."]}),
        ]
    )
    assert export_changelog(site) == (
        "# Changelog\n\n"
        "All notable changes to Notes are documented in this file.\n\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n"
        "## [Unreleased]\n\n### Added\n\n- Export.\n\n"
        "## [1.1.0] - 2026-02-01 [YANKED]\n\n"
        "### Added\n\n- Tags.\n\n"
        "### Changed\n\n- **BREAKING** Config moved.\n\n"
        "### Fixed\n\n- Crash.\n\n"
        "## [1.0.0] - 2026-01-10\n\n### Added\n\n- First.\n"
    )


def test_export_keeps_versions_of_several_planned_releases() -> None:
    site = make_site_model(
        [
            make_release("1.0.0", date=day("2026-01-10")),
            make_release("1.1.0", status="planned"),
            make_release("2.0.0", status="planned"),
        ]
    )
    text = export_changelog(site)
    assert "## [2.0.0] - Unreleased\n\n## [1.1.0] - Unreleased\n\n## [1.0.0] - 2026-01-10" in text
    assert "[Unreleased]" not in text
    parsed = parse_changelog(text, "c")
    assert [(r.version, r.planned) for r in parsed.releases] == [
        ("2.0.0", True),
        ("1.1.0", True),
        ("1.0.0", False),
    ]


def test_a_lone_planned_release_that_is_not_the_next_minor_keeps_its_version() -> None:
    site = make_site_model(
        [make_release("1.0.0", date=day("2026-01-10")), make_release("2.0.0", status="planned")]
    )
    assert "## [2.0.0] - Unreleased" in export_changelog(site)
    only = make_site_model([make_release("0.1.0", status="planned")])
    assert "## [Unreleased]" in export_changelog(only)
    assert parse_changelog(export_changelog(only), "c").releases[0].version == "0.1.0"


def test_export_demotes_body_headings_outside_code_and_reads_back(make_site: MakeSite) -> None:
    site_dir = make_site(
        {
            "content/releases/0.1.0.md": """
                ---
                version: 0.1.0
                title: The foundation
                date: 2026-11-26
                summary: The first release.
                highlights: [Builds a site.]
                changes:
                  added:
                    - "`pmsite build` with `--site`."
                  security: ["YAML is loaded safely."]
                ---

                This is where pmsite starts.

                ## Try it

                ```sh
                # install it
                pip install .
                ```
                """,
        }
    )
    site = load(site_dir)
    text = export_changelog(site)
    assert "#### Try it\n\n```sh\n# install it\npip install .\n```" in text
    parsed = parse_changelog(text, "CHANGELOG.md")
    assert parsed.unplaced == []
    [found] = parsed.releases
    assert (
        found.body
        == "This is where pmsite starts.\n\n#### Try it\n\n```sh\n# install it\npip install .\n```"
    )
    assert found.changes == {
        "added": ["`pmsite build` with `--site`."],
        "security": ["YAML is loaded safely."],
    }


def test_notes_that_look_like_markdown_blocks_round_trip() -> None:
    notes = ["--", "- -", "# not a heading", "[x]: https://x.org", "1. numbered", "```", "> q"]
    breaking = ["**BREAKING** twice", "CHANGES** x"]
    site = make_site_model(
        [make_release("1.0.0", date=day("2026-01-01"), changes={"fixed": notes}, breaking=breaking)]
    )
    text = export_changelog(site)
    assert "\n* --\n* - -\n" in text
    [found] = parse_changelog(text, "c").releases
    assert found.changes == {"fixed": notes}
    assert found.breaking == breaking


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_import_export_import_round_trips_real_changelogs(make_site: MakeSite, name: str) -> None:
    site_dir = make_site()
    parsed = parse_fixture(name)
    import_into(site_dir, parsed)
    site = load(site_dir)
    again = parse_changelog(export_changelog(site), "CHANGELOG.md", site.config)
    assert again.unplaced == []
    assert parsed_data(again) == site_data(site) == expected_after_import(parsed)
    # Importing the exported file gives the same files again.
    other = site_dir.parent / "other"
    (other / "content").mkdir(parents=True)
    (other / "content" / "site.yaml").write_text("title: Other\n")
    import_into(other, parse_changelog(export_changelog(site), "CHANGELOG.md"))
    assert site_data(load(other)) == site_data(site)


# -- the round-trip property -------------------------------------------------------------------

_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1
)
# Markdown-ish pieces: code, links, emphasis, and characters that open headings or lists.
_TOKEN = st.sampled_from(
    ["`x[1]`", "[link](https://x.org/a_(b))", "[#12]", "**bold**", "_em_", "#", "##", "-", "*",
     "+", "1.", "[x]:", ":", "`", "```", "—", "ü", "\\", "<b>", "&amp;", "BREAKING", "v1.2.0",
     "2026-01-01", "[YANKED]", "Unreleased"]
)  # fmt: skip
_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30),
    st.lists(st.one_of(_TOKEN, _WORD), min_size=1, max_size=8).map(" ".join),
).filter(lambda text: text == text.strip() and text != "" and not split_breaking(text)[0])
_PARAGRAPH = st.one_of(
    st.lists(_WORD, min_size=1, max_size=6).map(" ".join),
    st.sampled_from(
        ["## Upgrading", "# Notes", "### Details", "```sh\n# a comment\n## not a heading\n```",
         "- a list in the body", "> a quote", "1. first"]
    ),
)  # fmt: skip
_BODY = st.lists(_PARAGRAPH, max_size=4).map("\n\n".join)
_VERSION = st.builds(
    lambda major, minor, patch, pre, build: f"{major}.{minor}.{patch}{pre}{build}",
    st.integers(0, 20),
    st.integers(0, 20),
    st.integers(0, 20),
    st.sampled_from(["", "", "-alpha", "-beta.2", "-rc.1", "-0.3.7", "-x-y.7"]),
    st.sampled_from(["", "", "", "+build.5"]),
)
_CHANGES = st.dictionaries(
    st.sampled_from(CHANGE_CATEGORIES), st.lists(_TEXT, min_size=1, max_size=3), max_size=4
)


@st.composite
def _releases(draw: st.DrawFn) -> list[Release]:
    versions = draw(st.lists(_VERSION, min_size=0, max_size=6, unique=True))
    found = []
    for version in versions:
        planned = draw(st.booleans())
        found.append(
            make_release(
                version,
                status="planned" if planned else "released",
                date=None
                if planned
                else draw(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31))),
                yanked=draw(st.booleans()),
                changes=draw(_CHANGES),
                breaking=draw(st.lists(_TEXT, max_size=2)),
                body=draw(_BODY),
            )
        )
    return found


@pytest.mark.slow  # 200 examples
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_releases())
def test_export_then_parse_gives_back_the_same_releases(releases: list[Release]) -> None:
    site = make_site_model(releases)
    parsed = parse_changelog(export_changelog(site), "CHANGELOG.md")
    assert parsed.unplaced == []
    assert parsed_data(parsed) == site_data(site)
    assert [r.version for r in parsed.releases] == [
        r.version_text
        for r in sorted(site.upcoming_releases, key=lambda r: r.version.key, reverse=True)
    ] + [r.version_text for r in site.released_releases]
