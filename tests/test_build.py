"""End to end: the real CLI in a subprocess on real sites in temp folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest

from .conftest import FIXTURES, ROOT, MakeSite, goal, run_pmsite, write_files
from .sitecheck import broken_links, tree_bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built once by the CLI; tests read its output."""
    site = tmp_path_factory.mktemp("fixture") / "basic"
    shutil.copytree(FIXTURES / "basic", site)
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built ")
    assert result.stderr == ""
    return site / "output"


def read(output: Path, path: str) -> str:
    return (output / path).read_text(encoding="utf-8")


def test_every_page_type_is_written(built: Path) -> None:
    for path in [
        "index.html",
        "roadmap/index.html",
        "goals/index.html",
        "goals/offline-mode/index.html",
        "releases/index.html",
        "releases/1.10.0/index.html",
        "releases/2.0.0-rc.1/index.html",
        "reflections/index.html",
        "reflections/2026-10-offline-beta/index.html",
        "metrics/index.html",
        "metrics/weekly-active/index.html",
        "tags/index.html",
        "tags/mobile/index.html",
        "about/index.html",
        "404.html",
        "feed.xml",
        "feed.json",
        "sitemap.xml",
        "roadmap.json",
        "assets/style.css",
        "assets/code.css",
        "img/logo.svg",
    ]:
        assert (built / path).is_file(), path
    assert not (built / "goals/secret-project").exists()  # a draft


def test_every_internal_link_resolves(built: Path) -> None:
    assert broken_links(built) == []


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    """broken_links, which the tests of built sites rely on, does report what is broken."""
    write_files(
        tmp_path,
        {
            "index.html": '<a href="a/">ok</a> <a href="a/#top">ok</a> <a href="missing/">x</a>'
            ' <a href="a/#nowhere">x</a> <img src="i.png"> <a href="https://x.org/">out</a>',
            "a/index.html": '<h1 id="top">A</h1> <a href="../">up</a> <a href="#top">top</a>',
        },
    )
    assert broken_links(tmp_path) == [
        "index.html -> missing/",
        "index.html -> a/#nowhere (no such anchor)",
        "index.html -> i.png",
    ]


def test_links_are_relative(built: Path) -> None:
    page = read(built, "goals/offline-mode/index.html")
    assert 'href="../../releases/1.10.0/"' in page
    assert 'href="../../assets/style.css"' in page
    assert 'href="/' not in page


def test_404_links_from_the_base_path(built: Path) -> None:
    page = read(built, "404.html")
    assert 'href="/acme/roadmap/"' in page


def test_goal_page_content(built: Path) -> None:
    page = read(built, "goals/offline-mode/index.html")
    assert "<h1>Offline mode</h1>" in page
    assert "In progress" in page
    assert "Now" in page
    assert "Dana" in page
    assert "Mobile" in page
    assert "Weekly active offline users" in page
    assert "Sync conflicts" in page
    assert "<strong>Offline first</strong>" in page
    assert '<h2 id="why-now">Why now</h2>' in page  # body headings start at h2
    assert "Offline beta retro" in page  # reflection backlink
    assert 'href="../../tags/reliability/"' in page
    assert page.count("<h1") == 1


def test_release_page_order_breaking_first(built: Path) -> None:
    page = read(built, "releases/1.10.0/index.html")
    order = [
        page.index("Breaking changes"),
        page.index("Highlights"),
        page.index(">Added<"),
        page.index(">Changed<"),
        page.index(">Deprecated<"),
        page.index(">Removed<"),
    ]
    assert order == sorted(order)
    assert "<code>sync</code>" in page
    assert 'rel="prev" href="../../releases/1.9.1/"' in page
    assert 'rel="next" href="../../releases/1.9.2/"' in page
    assert "Offline beta retro" in page  # the reflection that cites it


def test_releases_index_upcoming_first(built: Path) -> None:
    page = read(built, "releases/index.html")
    assert page.index("Upcoming") < page.index("2.0.0-rc.1") < page.index("1.10.0")
    assert page.index(">2.0.0<") < page.index("Released")
    assert "badge-breaking" in page
    assert "badge-yanked" in page


def test_every_date_is_in_a_time_element(built: Path) -> None:
    import re

    dates = 0
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(
            r"\d{1,2} (January|February|March|April|May|June|July|"
            r"August|September|October|November|December) \d{4}",
            text,
        ):
            before = text[max(0, match.start() - 40) : match.start()]
            assert '<time datetime="' in before, (page, match.group())
            dates += 1
    assert dates > 20  # the pages do show dates written out


def test_atom_feed(built: Path) -> None:
    feed = feedparser.parse(read(built, "feed.xml"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Acme Notes releases"
    versions = [entry.link for entry in feed.entries]
    assert versions[:3] == [
        "https://example.org/acme/releases/2.0.0-rc.1/",
        "https://example.org/acme/releases/1.9.2/",
        "https://example.org/acme/releases/1.10.0/",
    ]
    assert "https://example.org/acme/releases/2.0.0/" not in versions  # planned: not in it
    assert len(feed.entries) == 5


def test_json_feed(built: Path) -> None:
    feed = json.loads(read(built, "feed.json"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [item["url"].split("/")[-2] for item in feed["items"]] == [
        "2.0.0-rc.1",
        "1.9.2",
        "1.10.0",
        "1.9.1",
        "1.9.0",
    ]
    assert "Breaking changes" in feed["items"][2]["content_html"]


def test_sitemap_and_roadmap_json(built: Path) -> None:
    sitemap = read(built, "sitemap.xml")
    assert "<loc>https://example.org/acme/goals/offline-mode/</loc>" in sitemap
    assert "404" not in sitemap
    roadmap = json.loads(read(built, "roadmap.json"))
    assert [g["slug"] for g in roadmap["goals"]] == [
        "offline-mode",
        "sso",
        "dark-theme",
        "plugins",
        "search-v2",
        "widgets",
    ]
    assert roadmap["version"] == 2
    assert roadmap["planning_accuracy"] == {
        "goals": None,
        "mean_slip_quarters": None,
        "releases": None,
    }  # a copy outside git: no history
    assert roadmap["goals"][0] == {
        "slug": "offline-mode",
        "title": "Offline mode",
        "status": "in-progress",
        "horizon": "now",
        "target": "2027-Q1",
        "original_target": None,
        "confidence": None,
        "progress": 0.5763,
        "theme": "Mobile",
        "owner": "Dana",
        "priority": 1,
        "url": "https://example.org/acme/goals/offline-mode/",
        "history": [],
    }
    assert [r["version"] for r in roadmap["releases"]][:2] == ["2.0.0", "2.0.0-rc.1"]
    assert roadmap["releases"][0]["status"] == "planned"
    assert roadmap["releases"][0]["date"] is None


def test_markdown_features(built: Path) -> None:
    page = read(built, "about/index.html")
    assert "<table>" in page
    assert '<div class="highlight"><pre>' in page
    assert 'class="footnote-ref"' in page
    assert "style=" not in page.replace('style="text-align:left"', "").replace(
        'style="text-align:right"', ""
    )


@pytest.mark.slow  # two full builds by the CLI
def test_build_is_deterministic(tmp_path: Path) -> None:
    site = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", site)
    first = run_pmsite("build", "--site", site, "--output", tmp_path / "one")
    second = run_pmsite("build", "--site", site, "--output", tmp_path / "two")
    assert first.returncode == second.returncode == 0
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_broken_content_reports_all_errors_and_keeps_output(make_site: MakeSite) -> None:
    site = make_site({"content/goals/offline-mode.md": goal("Offline")})
    assert run_pmsite("build", "--site", site).returncode == 0
    before = tree_bytes(site / "output")
    (site / "content/releases").mkdir()
    (site / "content/releases/1.9.0.md").write_text(
        "---\nversion: 1.9.0\ndate: 2026-01-01\ngoals:\n  - offline-mod\n---\n"
    )
    (site / "content/goals/b.md").write_text("---\ntitle: B\nstatus: wip\n---\n")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "content/goals/b.md:3: status: unknown value 'wip'; allowed: planned, in-progress,"
        " at-risk, done, dropped",
        "content/releases/1.9.0.md:5: goals: unknown goal 'offline-mod'"
        " (did you mean 'offline-mode'?)",
        "2 errors found; nothing was written.",
    ]
    assert tree_bytes(site / "output") == before
    leftovers = {p.name for p in site.iterdir() if p.name.startswith(".output.")}
    # No staging or moved-away folders: the lock, and the spare the next build stages into.
    assert leftovers <= {".output.lock", ".output.spare"}, leftovers


def test_yaml_error_in_cli_output(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": "---\ntitle: A\nstatus: planned\n  owner: x\n---\n"})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert result.stderr.startswith("content/goals/a.md:4: YAML syntax error")


def test_template_error_names_template_and_line(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal(),
            "templates/goal.html": "<p>\n{{ goal.no_such_field }}\n</p>\n",
        }
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "templates/goal.html:2: template error:" in result.stderr
    assert "no_such_field" in result.stderr
    assert "Traceback" not in result.stderr


def test_template_syntax_error(make_site: MakeSite) -> None:
    site = make_site({"templates/home.html": "{% extends 'base.html' %}\n{% block content %}\n"})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert result.stderr.startswith("templates/home.html:")


def test_override_a_template_and_extend_the_builtin(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal("Alpha"),
            "templates/base.html": (
                '{% extends "!default/base.html" %}\n'
                '{% block head %}<meta name="team" content="blue">{% endblock %}\n'
            ),
            "templates/goal.html": "<!DOCTYPE html><title>{{ goal.title }}</title>CUSTOM\n",
            "templates/assets/style.css": "body { color: red; }\n",
        }
    )
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    output = site / "output"
    assert '<meta name="team" content="blue">' in read(output, "index.html")
    assert "Skip to content" in read(output, "index.html")
    assert "CUSTOM" in read(output, "goals/a/index.html")
    assert read(output, "assets/style.css") == "body { color: red; }\n"


def test_drafts_flag(make_site: MakeSite) -> None:
    site = make_site({"content/goals/d.md": goal("Hidden", draft="true")})
    assert run_pmsite("build", "--site", site).returncode == 0
    assert not (site / "output/goals/d").exists()
    assert run_pmsite("build", "--site", site, "--drafts").returncode == 0
    page = read(site / "output", "goals/d/index.html")
    assert "Draft:" in page


def test_base_url_override(make_site: MakeSite) -> None:
    site = make_site({"content/releases/r.md": "---\nversion: 1.0.0\ndate: 2026-01-01\n---\n"})
    result = run_pmsite("build", "--site", site, "--base-url", "https://preview.example/pr-7/")
    assert result.returncode == 0, result.stderr
    assert "https://preview.example/pr-7/releases/1.0.0/" in read(site / "output", "feed.xml")


@pytest.mark.parametrize(
    "args",
    [
        ["--base-url", "not-a-url"],
        ["--base-url", "https://x.org/no-slash"],
        ["--no-such-flag"],
    ],
)
def test_usage_errors_exit_2(make_site: MakeSite, args: list[str]) -> None:
    site = make_site()
    result = run_pmsite("build", "--site", site, *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_no_base_url_warns_and_skips_sitemap(make_site: MakeSite) -> None:
    site = make_site(site_yaml="title: Local\n")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0
    assert "note: content/site.yaml: no base_url" in result.stderr
    assert not (site / "output/sitemap.xml").exists()
    assert (site / "output/feed.xml").is_file()


def test_missing_content_folder(tmp_path: Path) -> None:
    result = run_pmsite("build", "--site", tmp_path)
    assert result.returncode == 1
    assert "no content/ folder" in result.stderr


@pytest.mark.parametrize("output", [".", "content", "content/static", "templates", ".."])
def test_refuses_unsafe_output_folders(make_site: MakeSite, output: str) -> None:
    site = make_site({"templates/.keep": ""})
    before = tree_bytes(site)
    result = run_pmsite("build", "--site", site, "--output", site / output)
    assert result.returncode == 1
    assert "refusing" in result.stderr
    assert tree_bytes(site) == before


def test_refuses_a_folder_it_did_not_create(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site()
    mine = tmp_path / "my-docs"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    result = run_pmsite("build", "--site", site, "--output", mine)
    assert result.returncode == 1
    assert "not empty and pmsite did not create it" in result.stderr
    assert (mine / "notes.txt").read_text() == "precious"


def test_rebuild_replaces_its_own_output(make_site: MakeSite) -> None:
    site = make_site({"content/goals/a.md": goal()})
    assert run_pmsite("build", "--site", site).returncode == 0
    (site / "content/goals/a.md").rename(site / "content/goals/b.md")
    assert run_pmsite("build", "--site", site).returncode == 0
    assert not (site / "output/goals/a").exists()
    assert (site / "output/goals/b/index.html").is_file()


def test_static_file_colliding_with_a_page_is_an_error(make_site: MakeSite) -> None:
    site = make_site({"content/static/roadmap/index.html": "mine"})
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    assert "content/static/roadmap/index.html: writes roadmap/index.html" in result.stderr


def test_default_site_is_current_folder(make_site: MakeSite) -> None:
    site = make_site()
    result = run_pmsite("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert "into output/" in result.stdout
    assert (site / "output/index.html").is_file()


def test_example_site_builds(tmp_path: Path) -> None:
    result = run_pmsite("build", "--site", ROOT, "--output", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    output = tmp_path / "out"
    assert broken_links(output) == []
    for kind in ("goals", "releases", "reflections", "metrics"):
        assert len([p for p in (output / kind).iterdir() if p.is_dir()]) >= 1, kind


def test_concurrent_builds_serialise(make_site: MakeSite) -> None:
    import subprocess
    import sys

    files = {f"content/goals/g{i}.md": goal(f"Goal {i}") for i in range(60)}
    site = make_site(files)
    command = [sys.executable, "-m", "pmsite", "build", "--site", str(site)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert len(list((site / "output/goals").iterdir())) == 61
    names = sorted(p.name for p in site.iterdir() if p.name != ".output.spare")
    assert names == [".output.lock", ".pmsite-cache", "content", "output"]


def test_drafts_are_left_out_of_every_output(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/releases/a.md": "---\nversion: 1.0.0\ndate: 2026-01-01\n---\n",
            "content/releases/b.md": (
                "---\nversion: 1.1.0-secret\ndate: 2026-02-01\ndraft: true\ntags: [hush]\n---\n"
            ),
            "content/goals/g.md": goal("Hush hush", draft="true"),
            "content/reflections/r.md": "---\ntitle: Hush\ndate: 2026-01-01\ndraft: true\n---\n",
        }
    )
    assert run_pmsite("build", "--site", site).returncode == 0
    for path, data in tree_bytes(site / "output").items():
        text = data.decode("utf-8")
        assert "secret" not in text and "Hush" not in text and "hush" not in text, path


def test_search_index(built: Path) -> None:
    entries = json.loads(read(built, "search.json"))
    by_url = {entry["url"]: entry for entry in entries}
    release = by_url["releases/1.10.0/"]
    assert release["title"] == "1.10.0 Offline beta"
    assert release["kind"] == "release"
    assert "MDM profiles" in release["text"]
    assert "<" not in release["text"]
    assert "goals/secret-project/" not in by_url  # drafts stay out


@pytest.mark.parametrize(("limit", "expected"), [(None, 3), (2, 2), (0, 3)])
def test_feed_limit(make_site: MakeSite, limit: int | None, expected: int) -> None:
    releases = {
        f"content/releases/1.{n}.0.md": f"---\nversion: 1.{n}.0\ntitle: R{n}\n"
        f"date: 2026-0{n}-01\nhighlights: [Note {n}.]\n---\n"
        for n in (1, 2, 3)
    }
    setting = "" if limit is None else f"feed_limit: {limit}\n"
    site = make_site(releases, site_yaml=f"title: T\nbase_url: https://e.org/\n{setting}")
    assert run_pmsite("build", "--site", site).returncode == 0
    feed = feedparser.parse((site / "output/feed.xml").read_text(encoding="utf-8"))
    assert [e.title.split()[-1] for e in feed.entries] == ["R3", "R2", "R1"][:expected]
    items = json.loads((site / "output/feed.json").read_text(encoding="utf-8"))["items"]
    assert len(items) == expected


def test_feed_limit_must_not_be_negative(make_site: MakeSite) -> None:
    site = make_site(site_yaml="title: T\nfeed_limit: -1\n")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 1
    message = "content/site.yaml:2: feed_limit: must be 0 (every entry) or more, got -1"
    assert message in result.stderr
