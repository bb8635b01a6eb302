"""A second ``pmsite build`` process renders only what an edit touched (the records of
the first are in .pmsite-cache/renders-*.json), and its output always equals a clean
build's: each edit of the catalogue in tests/edits.py runs through two real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pmsite.build import build
from pmsite.digest import checked, with_check
from pmsite.store.cache import CACHE_DIR

from .conftest import replace, run_pmsite
from .edits import EDITS


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (the marker file too)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def clean_output(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """The output of a build from scratch by a new process, without any cache."""
    out = tmp_path / "clean-output"
    shutil.rmtree(out, ignore_errors=True)
    result = run_pmsite("build", "--site", site, "--output", out, "--no-cache")
    assert result.returncode == 0, result.stderr
    return tree(out)


def built(site: Path) -> str:
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Built "), result.stdout
    return result.stdout


@pytest.mark.slow  # three processes per edit
@pytest.mark.parametrize("name", list(EDITS))
def test_each_edit_through_two_processes_equals_a_clean_build(
    site: Path, tmp_path: Path, name: str
) -> None:
    built(site)
    if name == "override partial":
        (site / "templates").mkdir()
    EDITS[name](site)
    built(site)
    assert tree(site / "output") == clean_output(site, tmp_path), name


def test_every_edit_in_sequence_through_processes_equals_a_clean_build(
    site: Path, tmp_path: Path
) -> None:
    built(site)
    kept_any = False
    for name, edit in EDITS.items():
        edit(site)
        kept_any |= "kept from the last build" in built(site)
        assert tree(site / "output") == clean_output(site, tmp_path), name
    assert kept_any  # the test can fail: some builds did keep outputs


def test_a_body_edit_renders_only_the_outputs_that_read_the_item(site: Path) -> None:
    first = build(site)
    assert first.rendered is not None and first.rendered >= first.pages  # every page, the feeds
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    second = build(site)
    assert second.rendered is not None and 0 < second.rendered <= 12, second.rendered
    page = site / "output/reflections/2026-10-offline-beta/index.html"
    assert "An even longer" in page.read_text(encoding="utf-8")
    # An untouched page is the same file (linked), keeping its modification time.
    home = site / "output/goals/sso/index.html"
    before = home.stat()
    replace(site / "content/reflections/2026-10-offline-beta.md", "even longer", "longer still")
    assert build(site).rendered == second.rendered
    assert home.stat().st_ino == before.st_ino and home.stat().st_mtime_ns == before.st_mtime_ns


def test_an_output_file_changed_by_hand_is_made_again(site: Path, tmp_path: Path) -> None:
    build(site)
    page = site / "output/goals/sso/index.html"
    page.write_text("edited by hand", encoding="utf-8")
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    build(site)
    assert tree(site / "output") == clean_output(site, tmp_path)
    # Also when the hand edit kept the file's size and modification time.
    original = page.read_bytes()
    stat = page.stat()
    page.write_bytes(original.replace(b"<html", b"<HTML", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    replace(site / "content/reflections/2026-10-offline-beta.md", "even longer", "longer still")
    build(site)
    assert tree(site / "output") == clean_output(site, tmp_path)


@pytest.mark.parametrize("damage", ["missing", "damaged", "other keys"])
def test_a_missing_or_damaged_record_file_renders_everything(
    site: Path, tmp_path: Path, damage: str
) -> None:
    first = build(site)
    (renders,) = (site / CACHE_DIR).glob("renders-*.json")
    if damage == "missing":
        renders.unlink()
    elif damage == "damaged":
        renders.write_text(renders.read_text()[:-100], encoding="utf-8")
    else:
        text = checked(renders.read_text(encoding="utf-8").rstrip("\n"))
        assert text is not None
        data = json.loads(text)
        data["records"] = [[1, 2, 3]]  # its digest right, its shape wrong
        renders.write_text(with_check(json.dumps(data)) + "\n", encoding="utf-8")
    replace(site / "content/goals/sso.yaml", "Single sign-on", "SSO")
    second = build(site)
    assert second.rendered == first.rendered
    assert tree(site / "output") == clean_output(site, tmp_path)


def test_other_options_render_everything(site: Path) -> None:
    first = build(site)
    from pmsite.options import BuildOptions

    other = build(site, options=BuildOptions.of(base_url="https://roadmap.acme.test/"))
    assert other.rendered == first.rendered
    back = build(site)
    assert back.rendered == first.rendered


def test_an_edit_of_a_body_alone_keeps_the_pages_that_show_only_front_matter(
    site: Path, tmp_path: Path
) -> None:
    build(site)
    release = site / "content/releases/1.9.0.md"
    replace(release, "built in the background.", "built in the background, in seconds.")
    body_edit = build(site)
    # The release's page and the outputs that hold its body (feeds, search index);
    # lists, tag pages and the neighbours' pages show only its front matter.
    assert "releases/1.9.0/index.html" in body_edit.rendered_paths
    assert "search.json" in body_edit.rendered_paths
    for kept in ("releases/index.html", "releases/1.9.1/index.html", "tags/search/index.html"):
        assert kept not in body_edit.rendered_paths
    assert tree(site / "output") == clean_output(site, tmp_path)
    replace(release, "title: Faster search", "title: Much faster search")
    title_edit = build(site)
    for made in ("releases/index.html", "releases/1.9.1/index.html", "tags/search/index.html"):
        assert made in title_edit.rendered_paths
    assert tree(site / "output") == clean_output(site, tmp_path)


def test_what_counts_as_front_matter_is_found_from_the_code() -> None:
    from dataclasses import fields

    from pmsite.incremental.tracking import front_fields
    from pmsite.model import items
    from pmsite.model.kinds import KINDS

    for kind in KINDS:
        front = front_fields(kind.name)
        assert "body" not in front and "texts" not in front, kind.name  # texts() yields it
        assert {f.name for f in fields(kind.model)} - {"body"} <= front
        assert "summary_html" in front and "list_title" in front
    assert "sections" not in front_fields("reflection")  # reads fields by computed names
    # Model code outside the classes never reads a body (what the classes call of it
    # is then safe to count as front matter).
    for name, value in vars(items).items():
        code = getattr(value, "__code__", None)
        if code is not None and not isinstance(value, type):
            assert "body" not in code.co_names, name


def test_a_cache_and_output_restored_in_ci_keep_what_did_not_change(
    site: Path, tmp_path: Path
) -> None:
    """As the init workflow's actions/cache does: the cache and the output come back as
    new files (new inodes and change times, the same modification times), the checkout
    gives every content file a new modification time, one file was edited."""
    build(site)
    saved = tmp_path / "ci-cache"
    for name in (CACHE_DIR, "output"):
        shutil.copytree(site / name, saved / name)  # copy2: modification times kept
        shutil.rmtree(site / name)
        shutil.copytree(saved / name, site / name)
    for path in (site / "content").rglob("*"):
        if path.is_file():
            os.utime(path)  # a fresh checkout
    replace(site / "content/releases/1.9.0.md", "in the background.", "in the background, fast.")
    again = build(site)
    assert again.rendered is not None and again.rendered < again.pages / 2, again.rendered
    assert tree(site / "output") == clean_output(site, tmp_path)
    # A restored output file whose bytes differ from what was written is made again.
    (site / "output/goals/sso/index.html").write_text("tampered", encoding="utf-8")
    shutil.copytree(site / "output", saved / "output2")
    shutil.rmtree(site / "output")
    shutil.copytree(saved / "output2", site / "output")
    replace(site / "content/releases/1.9.0.md", "fast.", "quickly.")
    build(site)
    assert tree(site / "output") == clean_output(site, tmp_path)


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@users.noreply.invalid",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@users.noreply.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


def test_a_checkout_of_another_branch_at_the_same_commit_moves_the_edit_links(
    site: Path, tmp_path: Path
) -> None:
    """Found by a fresh-eyes run: the no-op build's key left the branch out, so "Edit
    this page" kept naming the old branch. The site's repo_url makes edit links."""
    (site / ".gitignore").write_text("output/\n.pmsite-cache/\n", encoding="utf-8")
    _git(site, "init", "-q", "-b", "main")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "first")
    built(site)
    page = site / "output/goals/sso/index.html"
    assert "/edit/main/content/goals/sso.yaml" in page.read_text(encoding="utf-8")
    for checkout in (["checkout", "-q", "-b", "feature"], ["checkout", "-q", "--detach"]):
        _git(site, *checkout)
        built(site)
        assert tree(site / "output") == clean_output(site, tmp_path), checkout
    assert "/edit/main/" in page.read_text(encoding="utf-8")  # detached: the default


def test_a_new_day_makes_again_only_what_became_overdue(site: Path, tmp_path: Path) -> None:
    """The day decides what is overdue; a build on the next day links every output
    that shows nothing which became overdue (found by a fresh-eyes run: a new day made
    every output again, and the daily publication of pmsite init's workflow with it)."""
    import datetime as dt

    from pmsite.options import BuildOptions

    first = build(site, options=BuildOptions.of(today=dt.date(2026, 6, 1)))
    later = dt.date(2027, 6, 1)
    second = build(site, options=BuildOptions.of(today=later))
    assert second.kept > 0 and second.rendered is not None and second.rendered > 0
    assert second.rendered < (first.rendered or 0)
    epoch = str(int(dt.datetime(2027, 6, 1, 12, tzinfo=dt.UTC).timestamp()))
    out = tmp_path / "clean-later"
    result = run_pmsite(
        "build", "--site", site, "--output", out, "--no-cache", env={"SOURCE_DATE_EPOCH": epoch}
    )
    assert result.returncode == 0, result.stderr
    assert tree(site / "output") == tree(out)
    assert "Overdue" in (site / "output/roadmap/index.html").read_text(encoding="utf-8")


def test_a_fresh_checkout_of_the_same_content_makes_nothing_again(
    site: Path, tmp_path: Path
) -> None:
    """A CI run with the cache and output restored and nothing edited: the content's new
    modification times take the build past its no-op check, and then every output is
    kept, the feeds and JSON files too (they depend on anything about the site)."""
    (site / ".gitignore").write_text("output/\n.pmsite-cache/\n", encoding="utf-8")
    _git(site, "init", "-q", "-b", "main")
    _git(site, "add", "-A")
    _git(site, "commit", "-q", "-m", "first", "--date", "2026-11-02T10:00:00+00:00")
    built(site)
    for path in (site / "content").rglob("*"):
        if path.is_file():
            os.utime(path)  # a fresh checkout
    again = build(site)
    assert not again.up_to_date
    assert again.rendered == 0 and again.kept > 0, (again.rendered, again.kept)
    assert tree(site / "output") == clean_output(site, tmp_path)
    # The same commit with a new subject: the roadmap's history changes, so do the
    # outputs that show it.
    date = "2026-11-02T10:00:00+00:00"
    _git(site, "commit", "-q", "--amend", "-m", "first, reworded", "--date", date)
    third = build(site)
    assert "changes/feed.xml" in third.rendered_paths, third.rendered_paths
    assert tree(site / "output") == clean_output(site, tmp_path)
