"""Authoring and publishing from git, through the real CLI: init, new, check, import and
export of CHANGELOG.md, git dates and edit links, audiences, the CI recipes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, MakeSite, goal, run_pmsite
from .sitecheck import tree_bytes

# -- init ---------------------------------------------------------------------------------


def test_init_makes_a_site_that_builds_and_checks_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    result = run_pmsite("init", target)
    assert result.returncode == 0, result.stderr
    assert "pmsite serve" in result.stdout and "Next:" in result.stdout
    for name in [
        "content/site.yaml",
        "content/goals/first-goal.md",
        "content/releases/0.1.0.md",
        "content/reflections/kickoff.md",
        "content/metrics/weekly-active-users.yaml",
        ".gitignore",
        ".github/workflows/pmsite.yml",
    ]:
        assert (target / name).is_file(), name
    assert "output/" in (target / ".gitignore").read_text()
    check = run_pmsite("check", "--strict", "--site", target)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == "0 errors, 0 warnings\n"
    assert run_pmsite("build", "--site", target).returncode == 0
    assert "base_url" not in yaml.safe_load((target / "content/site.yaml").read_text())
    workflow = yaml.safe_load((target / ".github/workflows/pmsite.yml").read_text())
    steps = [step.get("run", step.get("uses")) for step in workflow["jobs"]["publish"]["steps"]]
    assert any(step.startswith("pmsite build --base-url") for step in steps)
    assert "actions/deploy-pages@v4" in steps  # every point is in test_publish.py


def test_init_defaults_to_the_current_folder(tmp_path: Path) -> None:
    result = run_pmsite("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content/site.yaml").is_file()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run_pmsite("init", tmp_path)
    assert result.returncode == 1
    assert "refusing to initialise" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# -- new ----------------------------------------------------------------------------------


def test_new_writes_every_field_and_never_overwrites(make_site: MakeSite) -> None:
    site = make_site()
    for kind, name, path in [
        ("goal", "offline-mode", "content/goals/offline-mode.md"),
        ("reflection", "sprint-12", "content/reflections/sprint-12.md"),
        ("metric", "nps", "content/metrics/nps.yaml"),
        ("release", "1.4.0", "content/releases/1.4.0.md"),
    ]:
        result = run_pmsite("new", kind, name, "--site", site)
        assert result.returncode == 0, result.stderr
        assert (site / path).is_file()
        again = run_pmsite("new", kind, name, "--site", site)
        assert again.returncode == 1
        assert "never overwrites" in again.stderr or "already exists" in again.stderr
    text = (site / "content/goals/offline-mode.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["title"] == "Offline mode"
    assert front["status"] == "planned"
    assert set(front) >= {"horizon", "target", "theme", "owner", "priority", "metrics", "tags"}
    reflection = yaml.safe_load(
        (site / "content/reflections/sprint-12.md").read_text().split("---")[1]
    )
    assert reflection["date"] == dt.date.today()
    release = yaml.safe_load((site / "content/releases/1.4.0.md").read_text().split("---")[1])
    assert list(release["changes"]) == [
        *("added", "changed", "deprecated", "removed", "fixed", "security")
    ]
    assert front["draft"] is True and release["draft"] is True  # published when ready
    assert run_pmsite("build", "--site", site).returncode == 0  # all of it builds


def test_new_release_takes_the_next_patch_version(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/releases/a.md": "---\nversion: 1.9.0\ndate: 2026-01-01\n---\n",
            "content/releases/b.md": "---\nversion: 1.10.2\ndate: 2026-02-01\n---\n",
        }
    )
    result = run_pmsite("new", "release", "--site", site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("content/releases/1.10.3.md")


def test_new_first_release_is_0_1_0(make_site: MakeSite) -> None:
    result = run_pmsite("new", "release", "--site", make_site())
    assert result.stdout.strip().endswith("content/releases/0.1.0.md")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["release", "1.2"], "is not a SemVer"),
        (["goal", "../escape"], "cannot be a file name"),
        (["goal"], "needs a NAME"),
    ],
)
def test_new_refuses_bad_names(make_site: MakeSite, args: list[str], message: str) -> None:
    result = run_pmsite("new", *args, "--site", make_site())
    assert result.returncode == 2
    assert message in result.stderr


def test_new_refuses_a_case_collision(make_site: MakeSite) -> None:
    site = make_site({"content/goals/Search.yaml": "title: S\nstatus: done\n"})
    result = run_pmsite("new", "goal", "search", "--site", site)
    assert result.returncode == 1
    assert "Search.yaml already exists" in result.stderr


# -- check --------------------------------------------------------------------------------

CHECK_SITE = {
    "content/goals/late.md": goal("Late", "in-progress", target="2026-Q1", owner="Ann"),
    "content/goals/ownerless.md": goal("Ownerless", "planned"),
    "content/releases/a.md": "---\nversion: 1.1.0\ndate: 2026-01-10\n---\n",
    "content/releases/b.md": "---\nversion: 1.2.0\ndate: 2026-01-05\n---\n",
    "content/releases/c.md": "---\nversion: 1.0.5\ndate: 2026-03-01\n---\n",  # a backport
    "content/releases/d.md": "---\nversion: 2.0.0\nstatus: planned\ntarget: 2026-06\n---\n",
    "content/metrics/empty.yaml": "name: Empty\n",
}


# A real address: a placeholder base_url is a finding of its own (test_publish.py).
REAL_SITE_YAML = "title: Test Site\nbase_url: https://acme.github.io/roadmap/\n"
NOV_26 = {"SOURCE_DATE_EPOCH": str(int(dt.datetime(2026, 11, 26, tzinfo=dt.UTC).timestamp()))}


def test_check_warnings_and_exit_codes(make_site: MakeSite) -> None:
    site = make_site(CHECK_SITE, site_yaml=REAL_SITE_YAML)
    result = run_pmsite("check", cwd=site, env=NOV_26)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "content/goals/ownerless.md:2: warning: owner: the goal has no owner",
        "content/metrics/empty.yaml:1: warning: points: the metric has no data points yet",
        "content/releases/b.md:3: warning: date: 1.2.0 is dated 2026-01-05, before 1.1.0"
        " (2026-01-10), although its version is higher",
        "content/goals/late.md:4: notice: target: the goal is overdue: its target 2026-Q1"
        " ended 2026-03-31 and it is still in-progress (in Now); move the target or update"
        " the status",
        "content/releases/d.md:4: notice: target: planned release 2.0.0 is overdue: its"
        " target 2026-06 ended 2026-06-30; release it or move the target",
        "0 errors, 3 warnings, 2 notices",
    ]
    strict = run_pmsite("check", "--strict", cwd=site, env=NOV_26)
    assert strict.returncode == 1
    assert strict.stdout.endswith("3 errors, 0 warnings, 2 notices\n")  # dates never fail
    assert not (site / "output").exists()


def test_check_github_and_json_formats(make_site: MakeSite) -> None:
    site = make_site(CHECK_SITE, site_yaml=REAL_SITE_YAML)
    github = run_pmsite("check", cwd=site, env={"GITHUB_ACTIONS": "true", **NOV_26})
    lines = github.stdout.splitlines()
    assert "::warning file=content/goals/ownerless.md,line=2::owner: the goal has no owner" in lines
    assert any(line.startswith("::notice file=content/goals/late.md,line=4::") for line in lines)
    listed = json.loads(run_pmsite("check", "--format", "json", cwd=site, env=NOV_26).stdout)
    assert {"file", "line", "severity", "message"} == set(listed[0])
    severities = {(entry["file"], entry["severity"]) for entry in listed}
    assert ("content/goals/ownerless.md", "warning") in severities
    assert ("content/goals/late.md", "notice") in severities
    assert ("content/releases/d.md", "notice") in severities
    assert {severity for _, severity in severities} == {"warning", "notice"}


def test_check_reports_content_errors_like_build(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": goal(status="wip")})
    result = run_pmsite("check", "--site", site)
    assert result.returncode == 1
    assert result.stdout.startswith("content/goals/a.md:3: error: status: unknown value 'wip'")


def test_check_finds_broken_internal_links(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal(owner="Ann") + "See [b](../b/) and [c](../../nowhere/).\n"
            "And [anchor](#missing).\n",
            "content/goals/b.md": goal("B", owner="Ann"),
        },
        site_yaml=REAL_SITE_YAML,
    )
    result = run_pmsite("check", "--site", site, "--format", "json")
    assert result.returncode == 1
    problems = [(f["file"], f["line"], f["message"]) for f in json.loads(result.stdout)]
    assert problems == [
        (
            "content/goals/a.md",
            7,
            "broken link on goals/a/index.html: ../../nowhere/ (no such page or file)",
        ),
        (
            "content/goals/a.md",
            8,
            "broken link on goals/a/index.html: #missing (no element with id 'missing')",
        ),
    ]


def test_check_the_example_site_is_clean_in_strict_mode() -> None:
    result = run_pmsite("check", "--strict", "--site", ROOT)
    assert result.returncode == 0, result.stdout


# -- import / export CHANGELOG.md ---------------------------------------------------------

CHANGELOG = """\
# Changelog

## [Unreleased]
### Added
- Dark mode.

## [1.1.0] - 2026-03-30
### Fixed
- A crash on start.
- **BREAKING** Config moved to `pmsite.toml`.

## [1.0.0] - 2026-01-15 [YANKED]
### Added
- First release.

Some stray text.

[1.1.0]: https://example.org/compare/v1.0.0...v1.1.0
"""


def test_import_changelog_writes_releases_and_reports(make_site: MakeSite) -> None:
    site = make_site()
    changelog = site / "CHANGELOG.md"
    changelog.write_text(CHANGELOG)
    result = run_pmsite("import", "changelog", changelog, "--site", site)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (site / "content/releases").iterdir())
    assert written == ["1.0.0.md", "1.1.0.md", "1.2.0.md"]
    assert "Imported 3 releases" in result.stdout
    assert "0 not placed" in result.stdout
    # prose after a section's items is kept in the release's body, never dropped
    assert (site / "content/releases/1.0.0.md").read_text().endswith("\nSome stray text.\n")
    build = run_pmsite("build", "--site", site)
    assert build.returncode == 0, build.stderr
    release = (site / "output/releases/1.1.0/index.html").read_text()
    assert "<code>pmsite.toml</code>" in release and "Breaking changes" in release
    assert "Yanked" in (site / "output/releases/1.0.0/index.html").read_text()
    again = run_pmsite("import", "changelog", changelog, "--site", site)
    assert again.returncode == 1
    assert "already exist; nothing was written (use --force" in again.stderr
    forced = run_pmsite("import", "changelog", changelog, "--site", site, "--force")
    assert forced.returncode == 0


def test_export_changelog_round_trips(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    changelog = site / "CHANGELOG.md"
    changelog.write_text(CHANGELOG)
    assert run_pmsite("import", "changelog", changelog, "--site", site).returncode == 0
    exported = run_pmsite("export", "changelog", "--site", site)
    assert exported.returncode == 0
    assert "## [1.1.0] - 2026-03-30" in exported.stdout
    assert "- **BREAKING** Config moved to `pmsite.toml`." in exported.stdout
    out = tmp_path / "EXPORTED.md"
    assert run_pmsite("export", "changelog", "--site", site, "-o", out).returncode == 0
    refused = run_pmsite("export", "changelog", "--site", site, "-o", out)
    assert refused.returncode == 1 and "already exists" in refused.stderr
    second = tmp_path / "second"
    (second / "content").mkdir(parents=True)
    (second / "content/site.yaml").write_text("title: T\n")
    assert run_pmsite("import", "changelog", out, "--site", second).returncode == 0
    again = run_pmsite("export", "changelog", "--site", second)
    assert again.stdout.split("## [")[1:] == exported.stdout.split("## [")[1:]


# -- git dates, edit links, audiences -----------------------------------------------------


def git(cwd: Path, *args: str, date: str = "2026-05-04T10:00:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_last_updated_comes_from_git_and_edit_links_from_repo_url(make_site: MakeSite) -> None:
    site = make_site(
        {"content/goals/a.md": goal("A"), "content/goals/b.md": goal("B")},
        site_yaml="title: T\nrepo_url: https://github.com/acme/roadmap\n",
    )
    git(site, "init", "-q", "-b", "main")
    git(site, "add", ".")
    git(site, "commit", "-q", "-m", "first", date="2026-05-04T10:00:00")
    (site / "content/goals/b.md").write_text(goal("B changed"))
    assert run_pmsite("build", "--site", site).returncode == 0
    page_a = (site / "output/goals/a/index.html").read_text()
    assert 'Last updated <time datetime="2026-05-04">4 May 2026</time>' in page_a
    assert 'href="https://github.com/acme/roadmap/edit/main/content/goals/a.md"' in page_a
    page_b = (site / "output/goals/b/index.html").read_text()
    assert "Last updated" not in page_b  # uncommitted: no date, never the file's mtime
    assert "Edit this page" in page_b
    git(site, "commit", "-q", "-am", "second", date="2026-06-01T09:00:00")
    assert run_pmsite("build", "--site", site).returncode == 0
    assert 'datetime="2026-06-01"' in (site / "output/goals/b/index.html").read_text()


def test_no_git_no_dates(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": goal("A")})
    assert run_pmsite("build", "--site", site).returncode == 0
    assert "Last updated" not in (site / "output/goals/a/index.html").read_text()


def test_internal_audience(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/public.md": goal("Public goal"),
            "content/goals/secret.md": goal("Secret goal", audience="internal"),
        }
    )
    assert run_pmsite("build", "--site", site).returncode == 0
    public = tree_bytes(site / "output")
    assert not any(b"Secret goal" in data for data in public.values())
    assert b'class="internal-banner' not in public["index.html"]
    assert run_pmsite("build", "--site", site, "--audience", "internal").returncode == 0
    home = (site / "output/index.html").read_text()
    assert "Secret goal" in (site / "output/goals/secret/index.html").read_text()
    assert "internal-banner" in home and 'content="noindex, nofollow"' in home


def test_audience_value_is_checked(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": goal(audience="staff")})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "audience: unknown value 'staff'; allowed: public, internal" in result.stderr


# -- publishing recipes -------------------------------------------------------------------


def test_pages_workflow_structure() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())
    triggers = workflow[True]  # YAML reads the key 'on' as true
    assert set(triggers) >= {"pull_request", "push"}
    test_runs = [s.get("run", "") for s in workflow["jobs"]["test"]["steps"]]
    assert "bash .ci/run" in test_runs
    assert any("pmsite check --strict" in run for run in test_runs)
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "test"
    assert publish["permissions"]["pages"] == "write"
    uses = [s.get("uses", "") for s in publish["steps"]]
    assert "actions/upload-pages-artifact@v3" in uses and "actions/deploy-pages@v4" in uses
    assert any(s.get("run", "").startswith("pmsite build") for s in publish["steps"])


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "pmsite-check"
    assert hooks[0]["entry"] == "pmsite check --strict"
    assert hooks[0]["pass_filenames"] is False
