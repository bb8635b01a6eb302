"""The build cache: no-op builds do nothing, unchanged files keep their times, cached
Markdown gives the same output as a clean build, and a damaged cache is ignored."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pmsite.digest import with_check
from pmsite.store.cache import inputs_digest

from .conftest import FIXTURES, LOCAL_FILES, run_pmsite
from .sitecheck import tree_bytes


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.*")}


def test_second_build_with_nothing_changed_does_nothing(site: Path) -> None:
    first = run_pmsite("build", "--site", site)
    assert first.returncode == 0
    before, times = tree_bytes(site / "output"), mtimes(site / "output")
    second = run_pmsite("build", "--site", site)
    assert second.returncode == 0
    assert second.stdout.startswith("Nothing changed: ")
    assert tree_bytes(site / "output") == before
    assert mtimes(site / "output") == times


def test_edit_rebuilds_and_unchanged_files_keep_their_times(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    times = mtimes(site / "output")
    page = site / "content/reflections/2026-q3.yaml"
    page.write_text(page.read_text().replace("Q3 review", "Third quarter review"))
    result = run_pmsite("build", "--site", site)
    assert result.stdout.startswith("Built ")
    after = mtimes(site / "output")
    assert after["reflections/2026-q3/index.html"] != times["reflections/2026-q3/index.html"]
    assert after["goals/dark-theme/index.html"] == times["goals/dark-theme/index.html"]
    assert after["assets/style.css"] == times["assets/style.css"]
    clean = run_pmsite("build", "--site", site, "--no-cache", "--output", site / "clean")
    assert clean.returncode == 0
    assert tree_bytes(site / "output") == tree_bytes(site / "clean")


def test_changed_or_missing_output_is_rebuilt(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    expected = tree_bytes(site / "output")
    (site / "output/roadmap/index.html").write_text("scribbled")
    (site / "output/feed.xml").unlink()
    assert run_pmsite("build", "--site", site).stdout.startswith("Built ")
    assert tree_bytes(site / "output") == expected


TAMPERING = {
    "file added to a page folder": lambda out: (out / "goals/dark-theme/notes.txt").write_text("x"),
    "folder added": lambda out: (out / "extra").mkdir(),
    "file renamed": lambda out: (out / "feed.json").rename(out / "feed2.json"),
    "page folder removed": lambda out: shutil.rmtree(out / "metrics"),
    "file replaced with same size": lambda out: (out / "feed.xml").write_bytes(
        b"x" * (out / "feed.xml").stat().st_size
    ),
}


FAST_TAMPERING = {"file added to a page folder", "file replaced with same size"}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(tamper, id=name, marks=() if name in FAST_TAMPERING else pytest.mark.slow)
        for name, tamper in TAMPERING.items()
    ],
)
def test_any_change_to_the_output_is_noticed(site: Path, tamper) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    expected = tree_bytes(site / "output")
    tamper(site / "output")
    assert run_pmsite("build", "--site", site).stdout.startswith("Built ")
    assert tree_bytes(site / "output") == expected


def test_a_new_content_file_is_noticed(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    (site / "content/goals/extra-goal.yaml").write_text(
        "title: Extra goal\nstatus: planned\nhorizon: later\n"
    )
    result = run_pmsite("build", "--site", site)
    assert result.stdout.startswith("Built "), result.stderr
    assert (site / "output/goals/extra-goal/index.html").is_file()


def test_template_edit_with_cached_markdown_equals_a_clean_build(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    assert (site / ".pmsite-cache/markdown.jsonl").stat().st_size > 1000
    (site / "templates").mkdir()
    (site / "templates/goal.html").write_text(
        '{% extends "!default/goal.html" %}{% block head %}<meta name="x" content="y">'
        "{% endblock %}\n"
    )
    assert run_pmsite("build", "--site", site).stdout.startswith("Built ")
    assert (
        run_pmsite("build", "--site", site, "--no-cache", "--output", site / "clean").returncode
        == 0
    )
    assert tree_bytes(site / "output") == tree_bytes(site / "clean")


def test_damaged_cache_is_ignored(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    for path in (site / ".pmsite-cache").iterdir():
        path.write_text("{not json")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0
    assert result.stdout.startswith("Built ")


def test_damaged_markdown_entries_are_converted_again(site: Path) -> None:
    """Entries are decoded only when a page shows them: one whose line looks whole but
    is not JSON, one cut short and one with fewer texts than its item are converted
    again, and the output equals a clean build's."""
    assert run_pmsite("build", "--site", site).returncode == 0
    cache = site / ".pmsite-cache/markdown.jsonl"
    header, *lines = cache.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 6
    entries = [line.rpartition("\t")[0] for line in lines]  # each line's JSON
    lines[0] = with_check(entries[0][:60] + '\\x"]]')  # its digest right, a bad escape
    lines[1] = lines[1][: len(lines[1]) // 2]  # cut short by an interrupted append
    lines[2] = with_check(json.dumps([json.loads(entries[2])[0], []]))  # no HTML
    cache.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    (site / "templates").mkdir()  # every page is rendered again, from the cache
    (site / "templates/base.html").write_text(
        '{% extends "!default/base.html" %}{% block head %}<meta name="x" content="y">'
        "{% endblock %}\n"
    )
    assert run_pmsite("build", "--site", site).returncode == 0
    clean = site / "clean"
    assert run_pmsite("build", "--site", site, "--no-cache", "--output", clean).returncode == 0
    assert tree_bytes(site / "output") == tree_bytes(clean)


def test_no_cache_builds_every_time_and_writes_no_cache(tmp_path: Path) -> None:
    site = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", site, ignore=LOCAL_FILES)
    for _ in range(2):
        result = run_pmsite("build", "--site", site, "--no-cache")
        assert result.stdout.startswith("Built ")
    assert not (site / ".pmsite-cache").exists()


@pytest.mark.slow  # an edge case of the cache, built by the CLI several times
def test_options_are_part_of_what_was_built(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    drafts = run_pmsite("build", "--site", site, "--drafts")
    assert drafts.stdout.startswith("Built ")
    assert (site / "output/goals/secret-project/index.html").is_file()


@pytest.mark.slow  # an edge case of the cache, built by the CLI several times
def test_edit_through_a_symlinked_template_folder_is_noticed(site: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-partials"
    shared.mkdir()
    (shared / "note.html").write_text("<p>shared</p>\n")
    (site / "templates").mkdir()
    (site / "templates/partials").symlink_to(shared)
    assert run_pmsite("build", "--site", site).returncode == 0
    assert run_pmsite("build", "--site", site).stdout.startswith("Nothing changed")
    (shared / "note.html").write_text("<p>changed</p>\n")
    assert run_pmsite("build", "--site", site).stdout.startswith("Built ")


@pytest.mark.slow  # an edge case of the cache, built by the CLI several times
def test_a_rewrite_that_keeps_size_and_modification_time_is_noticed(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    page = site / "output/roadmap/index.html"
    before = page.stat()
    page.write_bytes(b"x" * before.st_size)
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # as cp -p would
    assert run_pmsite("build", "--site", site).stdout.startswith("Built ")
    assert b"x" * 100 not in page.read_bytes()


@pytest.mark.slow  # an edge case of the cache, built by the CLI several times
def test_a_different_file_size_limit_is_a_different_build(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    result = run_pmsite("build", "--site", site, env={"PMSITE_MAX_FILE_MB": "50"})
    assert result.stdout.startswith("Built ")


def test_a_build_with_nothing_to_do_says_the_notes_again(make_site: Any) -> None:
    site = make_site(site_yaml="title: No address yet\n")
    first = run_pmsite("build", "--site", site)
    assert first.returncode == 0 and "note: " in first.stderr and "no base_url" in first.stderr
    again = run_pmsite("build", "--site", site)
    assert again.stdout.startswith("Nothing changed")
    assert again.stderr == first.stderr  # the same note, from the same file


@pytest.mark.parametrize("name", ["markdown.jsonl", "documents.jsonl", "renders-*.json"])
def test_a_cache_damaged_into_other_valid_json_is_not_trusted(site: Path, name: str) -> None:
    """Found by a fresh-eyes run: one letter changed in a cache file, the JSON still
    valid, was shown on the site until the item changed. Every cache file (and every
    line of the line-by-line ones) carries its digest: the damaged entry is made again
    from the content and the output equals a clean build's."""
    assert run_pmsite("build", "--site", site).returncode == 0
    (path,) = (site / ".pmsite-cache").glob(name)
    text = path.read_text(encoding="utf-8")
    assert "Offline" in text, name
    path.write_text(text.replace("Offline", "OFFLINE"), encoding="utf-8")
    (site / "templates").mkdir()  # every page made again, from what the caches hold
    (site / "templates/base.html").write_text(
        '{% extends "!default/base.html" %}{% block styles %}{{ super() }}'
        '<meta name="x" content="y">{% endblock %}\n'
    )
    (site / "content/releases/1.9.0.md").write_text(
        (site / "content/releases/1.9.0.md").read_text(encoding="utf-8") + "\nMore.\n"
    )
    assert run_pmsite("build", "--site", site).returncode == 0
    clean = site / "clean"
    assert run_pmsite("build", "--site", site, "--no-cache", "--output", clean).returncode == 0
    assert tree_bytes(site / "output") == tree_bytes(clean)


def test_bytecode_written_as_modules_load_is_not_an_input(tmp_path: Path) -> None:
    """Python writes __pycache__/*.pyc beside pmsite's own modules the first time they
    load, which a full build does after the no-op check: the next build must still be a
    no-op. A change to a module's source still counts."""
    package = tmp_path / "package"
    package.mkdir()
    (package / "module.py").write_text("VALUE = 1\n", encoding="utf-8")
    before = inputs_digest([], code=package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "module.cpython-311.pyc").write_bytes(b"\x00compiled")
    assert inputs_digest([], code=package) == before
    (package / "module.py").write_text("VALUE = 2\n", encoding="utf-8")
    assert inputs_digest([], code=package) != before


def test_a_content_folder_named_pycache_is_an_input(tmp_path: Path) -> None:
    """Only pmsite's own bytecode is skipped: content/ is read whatever its folders'
    names (found by a fresh-eyes run: a release in content/releases/__pycache__/ was
    published by a full build but never noticed by the no-op check)."""
    content = tmp_path / "content"
    (content / "releases" / "__pycache__").mkdir(parents=True)
    before = inputs_digest([content])
    (content / "releases" / "__pycache__" / "b.md").write_text("---\n", encoding="utf-8")
    assert inputs_digest([content]) != before


def test_items_with_the_same_markdown_both_show_it_after_a_cold_build(make_site: Any) -> None:
    """Two releases whose summary and body are the same share one line of the Markdown
    cache; a cold build must still give both their HTML (found by a fresh-eyes run: the
    first was left empty)."""
    release = (
        "---\nversion: 1.0.{n}\ndate: 2026-01-0{n}\nsummary: Same **summary**\n---\nSame *body*.\n"
    )
    site = make_site({f"content/releases/r{n}.md": release.format(n=n) for n in (1, 2)})
    assert run_pmsite("build", "--site", site).returncode == 0
    for version in ("1.0.1", "1.0.2"):
        page = (site / f"output/releases/{version}/index.html").read_text(encoding="utf-8")
        assert "Same <em>body</em>." in page and "Same <strong>summary</strong>" in page
