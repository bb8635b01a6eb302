"""Keep a Changelog import and export: parsing real-world files exactly, writing release
files that pmsite loads, refusing to overwrite, and export -> parse round trips."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsite.changelog.export import demote_headings
from pmsite.changelog.parse import split_breaking
from pmsite.changelog.release_files import (
    ExistingFilesError,
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


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# -- parsing -------------------------------------------------------------------------------


def test_parses_strict_keep_a_changelog_with_links_yanked_and_unreleased() -> None:
    parsed = parse_fixture("keepachangelog")
    assert parsed.title == "Changelog"
    assert parsed.preamble.startswith("All notable changes to this project")
    assert parsed.releases == [
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
        Note(8, "[Unreleased] becomes planned release 1.3.0 (the next minor version after 1.2.0)")
    ]


def test_parses_nested_lists_code_links_star_bullets_and_wrapped_items() -> None:
    parsed = parse_fixture("nested")
    assert parsed.unplaced == []
    assert parsed.preamble == "All notable changes to `fastq-tools` are listed here."
    assert parsed.releases == [
        release(
            "3.4.0",
            4,
            date=day("2026-05-12"),
            body=(
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
    assert parsed.releases == [
        release(
            "2.1.0",
            3,
            planned=True,
            unreleased=True,
            changes={"added": ["Plugin hooks for custom exporters."]},
        ),
        release(
            "2.0.0",
            8,
            date=day("2026-04-02"),
            changes={"added": ["Async client (`AsyncClient`)."]},
            breaking=[
                "The `Client` constructor takes keyword arguments only.",
                "Dropped the `v1` API namespace.",
            ],
        ),
        release(
            "2.0.0-rc.1",
            17,
            date=day("2026-03-20"),
            changes={"fixed": ["Retries no longer double the request timeout."]},
        ),
        release(
            "2.0.0-beta.2",
            22,
            changes={"changed": ["Renamed `Client.fetch_all` to `Client.fetch`."]},
        ),
        release("2.0.0-beta.1", 27, changes={"added": ["Preview of the v2 API."]}),
        release(
            "1.9.0",
            32,
            date=day("2025-12-01"),
            changes={"fixed": ["Connection pool leak under high load."]},
        ),
    ]
    assert parsed.notes == [
        Note(3, "[Unreleased] becomes planned release 2.1.0 (the next minor version after 2.0.0)")
    ]


def test_messy_changelog_reports_every_line_it_cannot_place() -> None:
    parsed = parse_fixture("messy")
    assert parsed.unplaced == [
        Unplaced(
            1, "Generated by hand; see docs/releasing.md.", "before the first version heading"
        ),
        Unplaced(7, "* this list is not a release", "before the first version heading"),
        Unplaced(9, "Summer release", "text in the version heading besides the date and [YANKED]"),
        Unplaced(14, "### Performance", f"unknown section; {KNOWN}"),
        Unplaced(15, "- Startup is 30% faster.", "in the unknown section 'Performance'"),
        Unplaced(16, "- Less memory when indexing.", "in the unknown section 'Performance'"),
        Unplaced(21, "Thanks to all contributors!", "not a list item of the section 'Fixed'"),
        Unplaced(28, "2026-02-30", "not a valid YYYY-MM-DD date"),
        Unplaced(42, "## Older history", "not a version heading"),
        Unplaced(
            44,
            "See the wiki for releases before 1.0.0.",
            "under '## Older history', which is not a version heading",
        ),
    ]
    assert parsed.releases == [
        release(
            "1.3.0",
            9,
            date=day("2026-06-01"),
            changes={"added": ["Bulk edit."], "fixed": ["Login loop on Safari."]},
        ),
        release("1.2", 23, date=day("2026-04-01"), changes={"added": ["Import from CSV."]}),
        release("1.1.0", 28, changes={"changed": ["New logo."]}),
        release("1.0.0", 33, date=day("2025-12-24"), body="Initial public release."),
        release("1.0.0", 37, date=day("2025-12-20"), changes={"added": ["A duplicate entry."]}),
    ]


@pytest.mark.parametrize(
    ("heading", "version", "date", "yanked", "planned"),
    [
        ("## [1.2.0] - 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## 1.2.0 - 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## [1.2.0] – 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## [v1.2.0] — 2026-03-30", "1.2.0", "2026-03-30", False, False),
        ("## v1.2.0 (2026-03-30)", "1.2.0", "2026-03-30", False, False),
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
        ("## 2.0.0-rc.1", "2.0.0-rc.1", None, False, False),
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


def test_items_without_a_category_and_body_prose_become_the_body() -> None:
    text = "## 1.0.0 - 2026-01-01\n\nFirst release.\n\n- Notes\n- Tags\n"
    [found] = parse_changelog(text, "c").releases
    assert found.body == "First release.\n\n- Notes\n- Tags"
    assert found.changes == {}


def test_headings_inside_fenced_code_in_a_body_stay_in_the_body() -> None:
    text = "## 1.0.0 - 2026-01-01\n\n```sh\n# install\n## not a version\n```\n\n### Added\n- x\n"
    parsed = parse_changelog(text, "c")
    assert parsed.unplaced == []
    assert parsed.releases[0].body == "```sh\n# install\n## not a version\n```"


def test_horizontal_rules_between_versions_are_layout_not_text() -> None:
    text = "# Changelog\n\n---\n\n## 1.0.0 - 2026-01-01\n\nBody.\n\n---\n\n## 0.9.0 - 2025-01-01\n"
    text += "### Added\n- x\n***\n## 0.8.0 - 2024-01-01\n"
    parsed = parse_changelog(text, "c")
    assert parsed.unplaced == []
    assert [(r.version, r.body, r.changes) for r in parsed.releases] == [
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
    """What the written files must hold: valid, first-seen versions; no date -> planned."""
    data: dict[str, tuple] = {}
    for found in parsed.releases:
        if parse_version(found.version) is None or found.version in data:
            continue
        planned = found.planned or found.date is None
        data[found.version] = (
            found.date,
            found.yanked,
            planned,
            found.changes,
            found.breaking,
            found.body,
        )
    return data


def site_data(site: Site) -> dict[str, tuple]:
    """A site's releases as export writes them (body headings start at ####)."""
    return {
        r.version_text: (
            None if r.is_planned else r.date,
            r.yanked,
            r.is_planned,
            {c: [n.source for n in notes] for c, notes in r.changes.items() if notes},
            [n.source for n in r.breaking],
            demote_headings(r.body.source.strip("\n")),
        )
        for r in site.releases
    }


def parsed_data(parsed: ParsedChangelog) -> dict[str, tuple]:
    return {
        r.version: (r.date, r.yanked, r.planned, r.changes, r.breaking, r.body)
        for r in parsed.releases
    }


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_written_files_load_back_without_errors(make_site: MakeSite, name: str) -> None:
    site_dir = make_site()
    parsed = parse_fixture(name)
    report = write_release_files(parsed, site_dir / "content" / "releases")
    expected = expected_after_import(parsed)
    assert sorted(p.name for p in report.written) == sorted(f"{v}.md" for v in expected)
    site = load(site_dir)
    assert site_data(site) == expected
    for item in site.releases:
        assert list(item.changes) == [c for c in CHANGE_CATEGORIES if c in item.changes]


def test_written_file_is_front_matter_in_the_release_format() -> None:
    [_, found, *_] = parse_fixture("keepachangelog").releases
    assert release_file_text(found) == (
        "---\n"
        "version: 1.2.0\n"
        "date: 2026-03-30\n"
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


def test_report_lists_skipped_versions_missing_dates_and_unplaced_lines(
    make_site: MakeSite,
) -> None:
    site_dir = make_site()
    report = write_release_files(parse_fixture("messy"), site_dir / "content" / "releases")
    assert report.skipped == [
        Note(23, "'1.2' is not a SemVer 2.0.0 version (e.g. 1.2.0 or 2.0.0-rc.1): not written"),
        Note(37, "version 1.0.0 already appeared at line 33: not written"),
    ]
    assert (
        Note(
            28,
            "1.1.0 has no date: written as 'status: planned'; add its date and remove the status"
            " to publish it as released",
        )
        in report.notes
    )
    assert len(report.unplaced) == 10
    assert report.messages() == [
        "messy.md: the introduction before the first version is not imported",
        "messy.md:1: not imported (before the first version heading):"
        " Generated by hand; see docs/releasing.md.",
        "messy.md:7: not imported (before the first version heading): * this list is not a release",
        "messy.md:9: not imported (text in the version heading besides the date and [YANKED]):"
        " Summer release",
        f"messy.md:14: not imported (unknown section; {KNOWN}): ### Performance",
        "messy.md:15: not imported (in the unknown section 'Performance'):"
        " - Startup is 30% faster.",
        "messy.md:16: not imported (in the unknown section 'Performance'):"
        " - Less memory when indexing.",
        "messy.md:21: not imported (not a list item of the section 'Fixed'):"
        " Thanks to all contributors!",
        "messy.md:23: '1.2' is not a SemVer 2.0.0 version (e.g. 1.2.0 or 2.0.0-rc.1): not written",
        "messy.md:28: 1.1.0 has no date: written as 'status: planned'; add its date and remove"
        " the status to publish it as released",
        "messy.md:28: not imported (not a valid YYYY-MM-DD date): 2026-02-30",
        "messy.md:37: version 1.0.0 already appeared at line 33: not written",
        "messy.md:42: not imported (not a version heading): ## Older history",
        "messy.md:44: not imported (under '## Older history', which is not a version heading):"
        " See the wiki for releases before 1.0.0.",
    ]


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
    write_release_files(parsed, site_dir / "content" / "releases")
    site = load(site_dir)
    again = parse_changelog(export_changelog(site), "CHANGELOG.md")
    assert again.unplaced == []
    assert parsed_data(again) == site_data(site) == expected_after_import(parsed)
    # Importing the exported file gives the same files again.
    other = site_dir.parent / "other"
    write_release_files(again, other / "content" / "releases")
    (other / "content" / "site.yaml").write_text("title: Other\n")
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
