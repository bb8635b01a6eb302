"""One rule each, used everywhere: the ignore rule for files, the keys every kind allows,
the git probe. Each test shows a place where two rules used to disagree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pmsite.load.git import GitReader, git_state, probe
from pmsite.model.kinds import BY_NAME, COMMON_KEYS, KINDS

from .conftest import MakeSite, load, run_pmsite

METRIC = "name: Weekly users\npoints:\n  - {date: 2026-01-01, value: 3}\n"


def test_an_editor_swap_file_does_not_make_a_build_do_anything(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    assert run_pmsite("build", "--site", site).returncode == 0
    (site / "content" / "pages" / ".about.md.swp").write_bytes(b"\0swap")
    (site / "content" / "pages" / "about.md~").write_text("backup", encoding="utf-8")
    (site / "templates").mkdir()
    (site / "templates" / ".base.html.swp").write_bytes(b"\0swap")
    again = run_pmsite("build", "--site", site)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Nothing changed"), again.stdout


def test_ignored_files_in_theme_assets_are_not_published(make_site: MakeSite) -> None:
    site = make_site(
        {
            "templates/assets/extra.css": "body { color: black; }\n",
            "templates/assets/.DS_Store": "finder junk",
            "templates/assets/extra.css~": "a backup",
        }
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    assets = sorted(path.name for path in (site / "output" / "assets").iterdir())
    assert "extra.css" in assets
    assert ".DS_Store" not in assets and "extra.css~" not in assets


def test_every_kind_allows_the_common_keys() -> None:
    for kind in KINDS:
        assert set(COMMON_KEYS) <= set(kind.allowed_keys), kind.name
    assert BY_NAME["metric"].allowed_keys[0] == "name"  # a metric's title key


def test_an_internal_metric_is_accepted_and_left_out_of_a_public_build(
    make_site: MakeSite,
) -> None:
    site = make_site(
        {
            "content/metrics/users.yaml": METRIC + "audience: internal\n",
            "content/metrics/visits.yaml": "name: Visits\n",
        }
    )
    assert [metric.slug for metric in load(site).metrics] == ["visits"]
    result = run_pmsite("build", "--site", site, "--audience", "internal")
    assert result.returncode == 0, result.stderr
    assert (site / "output" / "metrics" / "users" / "index.html").is_file()


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_git_probe_is_what_dates_and_the_no_op_build_both_read(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": "---\ntitle: About\n---\nHi.\n"})
    assert probe(site).root is None and git_state(site) == ""
    _git(site, "init", "-q", "-b", "main")
    _git(site, "-c", "user.name=T", "-c", "user.email=t@example.org", "add", ".")
    env_date = "2026-03-04T10:00:00+00:00"
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "c"],
        cwd=site,
        check=True,
        env={"GIT_AUTHOR_DATE": env_date, "GIT_COMMITTER_DATE": env_date, "PATH": "/usr/bin"},
    )
    found = probe(site)
    assert found.root == site.resolve() and len(found.head) == 40 and found.status == ""
    assert git_state(site) == found.state
    dates = GitReader(site).read()
    assert dates.last_updated(site / "content" / "pages" / "about.md").isoformat() == "2026-03-04"
    (site / "content" / "pages" / "about.md").write_text("---\ntitle: A\n---\n", encoding="utf-8")
    assert probe(site).dirty() == {site.resolve() / "content" / "pages" / "about.md"}
    assert git_state(site) != found.state


def test_a_misspelt_required_field_is_one_error_naming_the_fix(make_site: MakeSite) -> None:
    """`titel:` is one mistake: its "did you mean" is the fix, so "title: missing required
    field" would only be a second error for it. Inside a goal's measures too."""
    site = make_site(
        {
            "content/goals/g.md": (
                "---\ntitle: G\nstatus: planned\nmetrics:\n  - metrc: users\n    target: 5\n"
                "  - name: Inline\n    targt: 4\n---\n"
            ),
            "content/metrics/users.yaml": METRIC,
        },
        site_yaml="titel: T\n",
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines == [
        "content/goals/g.md:5: metrics item 1: metrc: unknown field (did you mean 'metric'?);"
        " known fields: metric, target, baseline",
        "content/goals/g.md:8: metrics item 2: targt: unknown field (did you mean 'target'?);"
        " known fields: name, unit, baseline, current, target, direction",
        "content/site.yaml:1: titel: unknown field (did you mean 'title'?); known fields:"
        " title, description, product, base_url, language, repo_url, markdown, feed_limit,"
        " versioning, changelog",
        "3 errors found; nothing was written.",
    ]


def test_a_missing_required_field_without_a_typo_is_still_reported(make_site: MakeSite) -> None:
    site = make_site({"content/goals/g.md": "---\ntitle: G\nstats: planned\nowner: x\n---\n"})
    result = run_pmsite("build", "--site", site)
    assert "content/goals/g.md:2: status: missing required field" not in result.stderr
    assert "stats: unknown field (did you mean 'status'?)" in result.stderr
    other = make_site({"content/goals/h.md": "---\ntitle: H\nowner: x\n---\n"})
    assert "status: missing required field" in run_pmsite("build", "--site", other).stderr
