"""Changelogs in the shapes real ones take (issue 13), through the real command line:
each imports to its expected release files with every line placed, the site builds and
passes ``check --strict``, the export imports back to the same files, and an independent
reader (tests/changelog_reader.py) finds the original's versions, dates and entries in
the export. Also: the model's new fields and settings, and import → export → import as a
property over generated changelogs of the new shapes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmsite.build import load_site
from pmsite.changelog.export import export_changelog
from pmsite.changelog.parse import ParsedChangelog, parse_changelog
from pmsite.changelog.release_files import read_site_config, write_release_files
from pmsite.errors import ContentErrors

from .changelog_reader import Kept, kept, read

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "changelogs" / "real-shapes"
CORPUS = sorted(path.stem for path in FIXTURES.glob("*.md"))
PACKAGES = {"monorepo-packages": "ferry-extra"}
SITE_YAML = "title: T\nbase_url: https://example.org/\n"


def pmsite(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "pmsite", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def new_site(root: Path, site_yaml: str = SITE_YAML, **files: str) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "content" / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for name, text in files.items():
        path = root / "content" / (name.replace("__", "/") + ".md")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def import_args(name: str) -> list[str]:
    package = PACKAGES.get(name)
    return ["--package", package] if package else []


def release_files(site: Path) -> dict[str, str]:
    folder = site / "content" / "releases"
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


@dataclasses.dataclass
class Pipeline:
    """One changelog through import, build, check, export and import again."""

    imported: subprocess.CompletedProcess[str]
    site: Path
    built: subprocess.CompletedProcess[str]
    checked: subprocess.CompletedProcess[str]
    exported: subprocess.CompletedProcess[str]
    export_text: str
    again: subprocess.CompletedProcess[str]
    again_site: Path


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pipeline]:
    found = {}
    for name in CORPUS:
        root = tmp_path_factory.mktemp(name)
        site = new_site(root / "site")
        imported = pmsite(
            "import", "changelog", FIXTURES / f"{name}.md", "--site", site, *import_args(name)
        )
        built = pmsite("build", "--site", site)
        checked = pmsite("check", "--strict", "--site", site)
        exported_path = root / "CHANGELOG.md"
        exported = pmsite("export", "changelog", "--site", site, "-o", exported_path)
        again_site = new_site(root / "again")
        again = pmsite("import", "changelog", exported_path, "--site", again_site)
        text = exported_path.read_text(encoding="utf-8") if exported_path.exists() else ""
        found[name] = Pipeline(imported, site, built, checked, exported, text, again, again_site)
    return found


def test_the_corpus_covers_every_shape_of_the_issue() -> None:
    assert len(CORPUS) >= 12
    text = "\n".join((FIXTURES / f"{name}.md").read_text(encoding="utf-8") for name in CORPUS)
    for shape in (
        "2024.03.1", "0.13.0.dev1", "1.0b2", "v0.8.1", "1.44.0/0.65b0", "2025.04.03",
        "2025/03/14", "2024-12-9", "6th December, 2024", "June 12, 2024", "24. March 2024",
        "(2024-03-01)", "– 2024-02-01", "Released 2024-01-05", "TBD", "ReleaseDate",
        "### Features", "### Bug Fixes", "### Breaking Changes", "### Performance",
        "### Dependencies", "### ✨ Added", "### Ajouts", "\n# 0.5.0", "\n### [v0.9.0]",
        "```sh", "#### Upgrade notes", "<!-- next-url -->", "[`prefer-const-enum`][]",
        "  [#468]: https://", "./docs/rules.md#overview", "## ferry-extra 0.9.0",
        "/compare/2024.03.0...2024.03.1", "### Deprecations", "### Security Fixes",
    ):  # fmt: skip
        assert shape in text, shape


@pytest.mark.parametrize("name", CORPUS)
def test_each_shape_imports_to_its_expected_release_files(
    pipelines: dict[str, Pipeline], name: str
) -> None:
    run = pipelines[name]
    assert run.imported.returncode == 0, run.imported.stderr
    assert ", 0 not placed," in run.imported.stdout
    assert "Traceback" not in run.imported.stderr
    expected = FIXTURES / f"{name}.expected"
    wanted = {p.name: p.read_text(encoding="utf-8") for p in sorted(expected.glob("*.md"))}
    assert release_files(run.site) == wanted
    site_yaml = (run.site / "content" / "site.yaml").read_text(encoding="utf-8")
    expected_yaml = (expected / "site.yaml").read_text(encoding="utf-8")
    # site.yaml's comments name the changelog by the path it was imported from
    assert re.sub(r"of \S+", "of X", site_yaml) == re.sub(r"of \S+", "of X", expected_yaml)


@pytest.mark.parametrize("name", CORPUS)
def test_each_imported_site_builds_checks_and_exports_back_to_the_same_files(
    pipelines: dict[str, Pipeline], name: str
) -> None:
    run = pipelines[name]
    assert run.built.returncode == 0, run.built.stderr
    assert run.checked.returncode == 0, run.checked.stdout + run.checked.stderr
    assert run.exported.returncode == 0, run.exported.stderr
    assert run.again.returncode == 0, run.again.stderr
    assert ", 0 not placed, 0 left out" in run.again.stdout
    assert release_files(run.again_site) == release_files(run.site)


def test_repository_paths_are_warnings_even_with_strict(pipelines: dict[str, Pipeline]) -> None:
    checked = pipelines["reference-links"].checked
    assert "warning: ./docs/rules.md#overview on releases/7.2.0/index.html is a path in your" in (
        checked.stdout
    )
    assert "set repo_url in site.yaml to link it there" in checked.stdout


def test_the_export_keeps_what_the_independent_reader_finds(
    pipelines: dict[str, Pipeline],
) -> None:
    total = Kept()
    lines = []
    for name in CORPUS:
        original = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
        found = kept(original, pipelines[name].export_text, PACKAGES.get(name))
        total.add(found)
        lines.append(
            f"{name}: {found.versions} versions, {found.dates} dates, {found.entries} entries"
        )
    report = (
        f"kept over {len(CORPUS)} changelogs: {total.percent('entries'):.1f}% of"
        f" {total.entries[1]} entries, {total.percent('versions'):.1f}% of {total.versions[1]}"
        f" versions, {total.percent('dates'):.1f}% of {total.dates[1]} dates"
    )
    print("\n".join([*lines, report]))
    assert total.versions[1] >= 45 and total.entries[1] >= 80 and total.dates[1] >= 35
    assert total.percent("versions") == 100.0, report
    assert total.percent("entries") >= 99.0, report
    assert total.percent("dates") >= 99.0, report


def test_the_independent_reader_reads_versions_dates_and_entries() -> None:
    found = read((FIXTURES / "dates-everywhere.md").read_text(encoding="utf-8"))
    assert found.versions[:3] == ["3.1.0", "3.0.2", "3.0.1"]
    assert len(found.versions) == 11
    assert found.dates["3.0.0"] == dt.date(2024, 12, 6)
    assert found.dates["2.8.0"] == dt.date(2024, 3, 24)
    assert "2.5.0" not in found.dates
    assert found.entries["3.1.0"] == ["CSV import keeps column order."]
    mono = read((FIXTURES / "monorepo-packages.md").read_text(encoding="utf-8"), "ferry-extra")
    assert mono.versions == ["unreleased", "0.9.0", "0.8.1"]
    nothing = kept("## 1.0.0 - 2024-01-01\n- a thing\n", "# Changelog\n")
    assert (nothing.versions, nothing.dates, nothing.entries) == ([0, 1], [0, 1], [0, 1])


# -- the command line's reporting -----------------------------------------------------------


def test_no_release_written_is_exit_1_and_says_why(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## ferry 0.1.0\n\n- First.\n", encoding="utf-8")
    result = pmsite("import", "changelog", changelog, "--site", site)
    assert result.returncode == 1
    assert (
        "a release of the package 'ferry': import one package's releases with --package ferry"
        in (result.stderr)
    )
    assert "no release was written" in result.stderr
    assert "Imported 0 releases into " in result.stdout
    assert ": 0 lines placed, 2 not placed, 0 left out with a note" in result.stdout


def test_an_unplaced_line_is_exit_1_but_the_files_are_written(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(
        "## 1.1.0 - 2024-02-30\n### Added\n- A.\n## 1.0.0 - 2024-01-01\n- B.\n", encoding="utf-8"
    )
    result = pmsite("import", "changelog", changelog, "--site", site)
    assert result.returncode == 1
    assert f"{changelog}:1: not imported (not a valid date (year, month, day)): 2024-02-30" in (
        result.stderr
    )
    assert sorted(release_files(site)) == ["1.0.0.md", "1.1.0.md"]


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    result = pmsite(
        "import", "changelog", FIXTURES / "custom-sections.md", "--site", site, "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "would write" in result.stdout and "would add to" in result.stdout
    assert "nothing written (--dry-run)" in result.stdout
    assert not (site / "content" / "releases").exists()
    assert (site / "content" / "site.yaml").read_text() == SITE_YAML


def test_export_says_what_the_format_has_no_place_for(tmp_path: Path) -> None:
    site = new_site(
        tmp_path / "site",
        releases__a=(
            "---\nversion: 1.0.0\ntitle: Launch\ndate: 2024-01-01\nsummary: The first.\n---\n"
        ),
    )
    result = pmsite("export", "changelog", "--site", site)
    assert result.returncode == 0, result.stderr
    assert "## [1.0.0] - 2024-01-01 - Launch" in result.stdout
    assert "not in the changelog (the format has no place for it): summary: 1.0.0" in result.stderr


# -- the model --------------------------------------------------------------------------------


def errors(site: Path) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        load_site(site)
    return [str(error) for error in caught.value.errors]


@pytest.mark.parametrize(
    ("versioning", "good", "bad", "expected"),
    [
        ("semver", "v0.8.1", "2024.03.1", "is not a SemVer 2.0.0 version"),
        ("calver", "2024.03.1", "1.2.3", "is not a CalVer version (e.g. 2024.03.1 or 24.1)"),
        ("pep440", "1.0b2", "1.0-beta-x", "is not a PEP 440 version"),
        ("any", "Spring release/2", "-x", "is not a version that starts with a letter or digit"),
    ],
)
def test_versions_follow_the_sites_scheme(
    tmp_path: Path, versioning: str, good: str, bad: str, expected: str
) -> None:
    release = "---\nversion: '{}'\ndate: 2024-01-01\n---\n"
    site = new_site(
        tmp_path / "site",
        f"title: T\nversioning: {versioning}\n",
        releases__good=release.format(good),
        releases__bad=release.format(bad),
    )
    [message] = errors(site)
    assert message.startswith(f"content/releases/bad.md:2: version: '{bad}' {expected}")
    (site / "content" / "releases" / "bad.md").unlink()
    [only] = load_site(site)[0].releases
    assert only.version_text == good


def test_a_version_keeps_its_spelling_and_gets_a_safe_url(tmp_path: Path) -> None:
    site = new_site(
        tmp_path / "site",
        "title: T\nversioning: pep440\n",
        releases__a="---\nversion: 1.44.0/0.65b0\ndate: 2024-02-01\n---\n",
        releases__b="---\nversion: v1.43.0\ndate: 2024-01-01\n---\n",
    )
    result = pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    page = (site / "output" / "releases" / "1.44.0-0.65b0" / "index.html").read_text()
    assert "<h1>1.44.0/0.65b0</h1>" in page
    assert (site / "output" / "releases" / "v1.43.0" / "index.html").is_file()


def test_custom_categories_their_labels_order_and_unknown_ones(tmp_path: Path) -> None:
    site_yaml = (
        "title: T\nchangelog:\n  categories:\n    - {key: performance, label: Speed}\n"
        "    - docs\n  aliases:\n    Bug Fixes: fixed\n"
    )
    release = (
        "---\nversion: 1.0.0\ndate: 2024-01-01\nchanges:\n  docs: [A guide.]\n"
        "  performance: [Faster.]\n  fixed: [A bug.]\n---\n"
    )
    site = new_site(tmp_path / "site", site_yaml, releases__a=release)
    [item] = load_site(site)[0].releases
    assert [(c.key, c.label) for c, _ in item.sections] == [
        ("fixed", "Fixed"),
        ("performance", "Speed"),
        ("docs", "Docs"),
    ]
    assert pmsite("build", "--site", site).returncode == 0
    page = (site / "output" / "releases" / "1.0.0" / "index.html").read_text()
    assert page.index(">Fixed</h2>") < page.index(">Speed</h2>") < page.index(">Docs</h2>")
    typo = release.replace("performance:", "perfomance:")
    (site / "content" / "releases" / "a.md").write_text(typo)
    [message] = errors(site)
    assert message.startswith(
        "content/releases/a.md:6: changes: perfomance: unknown change category"
        " (did you mean 'performance'?)"
    )
    assert "declare your own in site.yaml: changelog: categories" in message


def test_bad_changelog_settings_are_errors_with_lines(tmp_path: Path) -> None:
    site_yaml = (
        "title: T\nversioning: semvar\nchangelog:\n  categories: [Perf, breaking]\n"
        "  aliases:\n    Bug Fixes: fixd\n"
    )
    site = new_site(tmp_path / "site", site_yaml)
    assert errors(site) == [
        "content/site.yaml:2: versioning: unknown value 'semvar' (did you mean 'semver'?);"
        " allowed: semver, calver, pep440, any",
        "content/site.yaml:4: changelog: categories: 'Perf' cannot be a category key:"
        " use lower-case letters, digits and '-'",
        "content/site.yaml:4: changelog: categories: 'breaking' is a release field, not a"
        " category; remove it from the list",
        "content/site.yaml:6: changelog: aliases: Bug Fixes: 'fixd' is not a category (did you"
        " mean 'fixed'?); use one of added, changed, deprecated, removed, fixed, security,"
        " breaking, highlights",
    ]


def test_intro_body_links_and_an_unknown_date(tmp_path: Path) -> None:
    site = new_site(
        tmp_path / "site",
        "title: T\nrepo_url: https://example.org/repo\n",
        releases__new="---\nversion: 1.1.0\ndate: 2024-02-01\n---\n",
        releases__old=(
            "---\nversion: 1.0.5\ndate: unknown\nintro: Read [the guide](./docs/guide.md).\n"
            "links:\n  compare: https://example.org/repo/compare/1.0.4...1.0.5\n"
            "changes:\n  fixed: [A bug.]\n---\nClosing words.\n"
        ),
        releases__older="---\nversion: 1.0.0\ndate: 2023-01-01\n---\n",
    )
    assert [r.version_text for r in load_site(site)[0].releases] == ["1.1.0", "1.0.5", "1.0.0"]
    result = pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    page = (site / "output" / "releases" / "1.0.5" / "index.html").read_text()
    assert 'href="https://example.org/repo/blob/HEAD/docs/guide.md"' in page
    assert 'href="https://example.org/repo/compare/1.0.4...1.0.5">Compare</a>' in page
    assert "Released, date unknown" in page
    assert page.index("the guide") < page.index("A bug.") < page.index("Closing words.")
    (site / "content" / "releases" / "older.md").write_text(
        "---\nversion: 1.0.0\ndate: sometime\n---\n"
    )
    assert errors(site) == [
        "content/releases/older.md:3: date: 'sometime' is not a date; write it as YYYY-MM-DD"
    ]
    (site / "content" / "releases" / "older.md").write_text(
        "---\nversion: 1.0.0\ndate: 2023-01-01\nlinks: {compare: 'javascript:alert(1)'}\n---\n"
    )
    assert errors(site) == [
        "content/releases/older.md:4: links: compare: 'javascript:alert(1)' must be an http(s)"
        " URL or a path in the repository"
    ]


def test_deleting_the_init_example_release_says_what_to_do(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert pmsite("init", site).returncode == 0
    (site / "content" / "releases" / "0.1.0.md").unlink()
    result = pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(
        r"^content/reflections/kickoff\.md:\d+: releases: unknown release '0\.1\.0'; remove it"
        r" from 'releases' or add a release file with that version$",
        result.stderr,
        re.MULTILINE,
    )


# -- import -> export -> import, as a property ----------------------------------------------

_WORDS = st.lists(
    st.sampled_from(["sync", "tags", "`cfg`", "**bold**", "ü", "#12", "[docs](./docs/a.md)", "x"]),
    min_size=1,
    max_size=5,
).map(" ".join)
_NUMBER = st.integers(0, 30)
_SCHEME_VERSIONS = {
    "semver": st.builds(
        lambda a, b, c, v: f"{v}{a}.{b}.{c}", _NUMBER, _NUMBER, _NUMBER, st.sampled_from(["", "v"])
    ),
    "calver": st.builds(
        lambda y, m, n: f"{y}.{m:02d}.{n}", st.integers(2019, 2026), st.integers(1, 12), _NUMBER
    ),
    "pep440": st.builds(
        lambda a, b, pre: f"{a}.{b}{pre}",
        _NUMBER,
        _NUMBER,
        st.sampled_from(["", "b2", "rc1", ".dev1", ".post1"]),
    ),
}
_DATE_FORMS = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y.%m.%d"),
    lambda d: d.strftime("%Y/%m/%d"),
    lambda d: f"{d.strftime('%B')} {d.day}, {d.year}",
    lambda d: f"{d.day}. {d.strftime('%B')} {d.year}",
    lambda d: f"({d.isoformat()})",
    lambda d: f"Released {d.isoformat()}",
]
_SECTIONS = [
    "### Added", "### ✨ Added", "### Features", "### Bug Fixes", "### Fixes", "### Deprecations",
    "### Security Fixes", "### Breaking Changes", "### Performance", "### 📦 Dependencies",
    "### Ajouts", "### Corrections", "### Highlights",
]  # fmt: skip


@st.composite
def _changelogs(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(sorted(_SCHEME_VERSIONS)))
    versions = draw(st.lists(_SCHEME_VERSIONS[scheme], min_size=1, max_size=5, unique=True))
    level = draw(st.sampled_from(["#", "##", "###"]))
    lines = ["# Changelog", "", "Keep a Changelog, more or less.", ""]
    if draw(st.booleans()):
        lines += [f"{level} [Unreleased]", "", f"{level}# Added", "", f"- {draw(_WORDS)}", ""]
    day = dt.date(2026, 1, 1)
    for version in versions:
        day -= dt.timedelta(days=draw(st.integers(1, 90)))
        form = draw(st.sampled_from(_DATE_FORMS))
        dated = draw(st.integers(0, 5)) > 0
        label = f"[{version}]" if draw(st.booleans()) else version
        lines += [f"{level} {label} - {form(day)}" if dated else f"{level} {label}", ""]
        if draw(st.booleans()):
            lines += [draw(_WORDS), ""]
        for section in draw(st.lists(st.sampled_from(_SECTIONS), max_size=3, unique=True)):
            lines += [section.replace("###", level + "#"), ""]
            lines += [f"- {draw(_WORDS)}" for _ in range(draw(st.integers(1, 3)))]
            lines.append("")
        if draw(st.booleans()):
            lines += ["---", "", draw(_WORDS), ""]
        if label.startswith("[") and draw(st.booleans()):
            lines.append(f"[{version}]: https://example.org/compare/{version}")
            lines.append("")
    return "\n".join(lines)


def _release_data(parsed: ParsedChangelog) -> dict[str, tuple]:
    return {
        r.version: (r.date, r.date_unknown, r.planned, r.yanked, r.title, r.changes, r.breaking,
                    r.highlights, r.intro, r.body, r.links)
        for r in parsed.releases
    }  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(_changelogs())
def test_import_export_import_is_the_identity_on_the_new_shapes(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    site = new_site(tmp_path_factory.mktemp("site"))
    site_yaml = site / "content" / "site.yaml"
    first = parse_changelog(text, "CHANGELOG.md", read_site_config(site_yaml))
    assert [u for u in first.unplaced if u.in_release] == []
    write_release_files(first, site / "content" / "releases", site_yaml=site_yaml)
    model = load_site(site)[0]
    second = parse_changelog(export_changelog(model), "CHANGELOG.md", model.config)
    assert second.unplaced == []
    assert _release_data(second) == _release_data(first)
