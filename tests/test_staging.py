"""The spare tree: the output the build before last left (``.output.spare``) is where the
next build stages, so unchanged folders are not made and removed again. Whatever it
held, the output equals a clean build's, and the live output is never written through
it (its files are hard links of the live output's)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pmsite.build import build
from pmsite.store.write import OutputFile, commit, spare_path, staged_output

from .conftest import replace, run_pmsite
from .sitecheck import tree_bytes


def clean(site: Path, tmp_path: Path) -> dict:
    out = tmp_path / "clean"
    shutil.rmtree(out, ignore_errors=True)
    result = run_pmsite("build", "--site", site, "--output", out, "--no-cache")
    assert result.returncode == 0, result.stderr
    return tree_bytes(out)


def test_builds_stage_into_the_spare_and_equal_a_clean_build(site: Path, tmp_path: Path) -> None:
    build(site)
    spare = spare_path(site / "output")
    assert not spare.exists()  # the first build had no output to set aside
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    build(site)
    assert spare.is_dir()  # the first build's output
    page = "goals/sso/index.html"
    # Unchanged pages of the spare are the live output's files (hard links).
    assert (spare / page).stat().st_ino == (site / "output" / page).stat().st_ino
    # What a spare may hold that the next build must not publish: a stray file, a file
    # where a folder goes, a folder where a file goes.
    (spare / "stray.html").write_text("left by hand", encoding="utf-8")
    shutil.rmtree(spare / "goals/sso")
    (spare / "goals/sso").write_text("a file where a folder goes", encoding="utf-8")
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").mkdir()
    (spare / "feed.xml/inside.txt").write_text("x", encoding="utf-8")
    (spare / "old/deep/folder").mkdir(parents=True)
    replace(site / "content/reflections/2026-10-offline-beta.md", "even longer", "longer still")
    build(site)
    assert tree_bytes(site / "output") == clean(site, tmp_path)
    assert not (site / "output/old").exists()


def test_a_page_made_again_never_changes_the_live_output_through_the_spare(
    tmp_path: Path,
) -> None:
    output = tmp_path / "output"
    for text in ("first", "second"):  # two builds: the spare is the first one's output
        with staged_output(output) as staging:
            written = {"a/index.html": staging.write(OutputFile("a/index.html", "s", b"same"))}
            written["b/index.html"] = staging.write(OutputFile("b/index.html", "s", text.encode()))
            commit(staging, written)
    spare = spare_path(output)
    (spare / "a/index.html").unlink()
    os.link(output / "a/index.html", spare / "a/index.html")  # as a kept page would be
    live = tree_bytes(output)
    with pytest.raises(RuntimeError), staged_output(output) as staging:
        staging.write(OutputFile("a/index.html", "s", b"changed"))
        raise RuntimeError("the build fails after writing a page")
    assert tree_bytes(output) == live
    assert spare.is_dir()  # set aside again for the next build
    assert not list(tmp_path.glob(".output.tmp-*"))


def test_a_build_without_a_spare_and_one_whose_spare_is_gone_are_alike(
    site: Path, tmp_path: Path
) -> None:
    build(site)
    build(site, use_cache=False)
    shutil.rmtree(spare_path(site / "output"))
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    build(site)
    assert tree_bytes(site / "output") == clean(site, tmp_path)
    (site / "output").rename(tmp_path / "moved-away")  # the output deleted by hand
    build(site)
    assert tree_bytes(site / "output") == clean(site, tmp_path)


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "", "a/../../b", "a//b", "./a"])
def test_a_path_outside_the_output_is_refused(tmp_path: Path, path: str) -> None:
    from pmsite.errors import OutputError

    refused = pytest.raises(OutputError, match="outside the output folder")
    with refused, staged_output(tmp_path / "output") as staging:
        staging.write(OutputFile(path, "s", b"x"))
    assert not (tmp_path / "escape.html").exists()


def test_a_page_made_again_reuses_only_a_spare_file_nobody_else_links(
    site: Path, tmp_path: Path
) -> None:
    """Every page made again by two builds in a row: the second writes over the spare's
    stale files in place, except those another link shares (a ``cp -al`` backup)."""
    templates = site / "templates"
    templates.mkdir()

    def template_edit(marker: str) -> None:
        (templates / "base.html").write_text(
            '{% extends "!default/base.html" %}{% block styles %}{{ super() }}'
            f'<meta name="x" content="{marker}">{{% endblock %}}\n'
        )
        build(site)

    build(site)
    template_edit("one")
    backup = tmp_path / "backup"
    page = "goals/sso/index.html"
    for path in (site / "output").rglob("*"):  # cp -al output backup
        if path.is_file():
            copy = backup / path.relative_to(site / "output")
            copy.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, copy)
    saved = tree_bytes(backup)
    template_edit("two")  # the output with the backup's links becomes the spare
    stale = spare_path(site / "output") / "releases/index.html"
    (backup / "releases/index.html").unlink()  # that one has no other link now
    inode = stale.stat().st_ino
    template_edit("three")  # stages into that spare
    assert (site / "output/releases/index.html").stat().st_ino == inode  # written in place
    assert tree_bytes(backup) == {k: v for k, v in saved.items() if k != "releases/index.html"}
    assert b'content="three"' in (site / "output" / page).read_bytes()
    assert tree_bytes(site / "output") == clean(site, tmp_path)


def test_a_symlink_in_the_spare_is_never_written_through(site: Path, tmp_path: Path) -> None:
    """Found by a fresh-eyes run: a symlinked folder in the spare took the pages written
    below it out of the site, and out of the output."""
    outside = tmp_path / "outside"
    outside.mkdir()
    build(site)
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    build(site)
    spare = spare_path(site / "output")
    shutil.rmtree(spare / "goals")
    (spare / "goals").symlink_to(outside, target_is_directory=True)
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").symlink_to(outside / "feed.xml")
    replace(site / "content/reflections/2026-10-offline-beta.md", "even longer", "longer still")
    build(site)
    assert list(outside.iterdir()) == []
    assert tree_bytes(site / "output") == clean(site, tmp_path)


def test_a_file_written_in_parts_is_their_bytes_in_order_with_their_digest(
    tmp_path: Path,
) -> None:
    """search.json is written from its parts, never joined: the file, its size and its
    digest are those of the joined bytes, and writing over a longer stale file in place
    leaves nothing of it behind."""
    from pmsite.digest import digest
    from pmsite.store.write import _overwrite_own

    parts = [b"[\n", b'{"title": "A"}', b",\n", '{"title": "é"}'.encode(), b"\n]\n"]
    joined = b"".join(parts)
    with staged_output(tmp_path / "output") as staging:
        size, _, fingerprint = staging.write_parts("search.json", parts)
        assert (staging.path / "search.json").read_bytes() == joined
    assert (size, fingerprint) == (len(joined), digest(joined))
    stale = tmp_path / "stale.json"
    stale.write_bytes(b"x" * (len(joined) * 3))
    assert _overwrite_own(stale, parts)
    assert stale.read_bytes() == joined


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_search_json_parts_join_to_one_line_per_item_inside_a_list(count: int) -> None:
    import json

    from pmsite.render.feeds import search_index, search_parts

    lines = [json.dumps({"title": f"Item {n}"}).encode() for n in range(count)]
    text = b"".join(search_parts(lines))
    assert text == search_index(lines)
    assert json.loads(text) == [{"title": f"Item {n}"} for n in range(count)]
    if count:  # one item per line, a comma after each but the last
        assert text.splitlines()[1:-1] == [line + b"," for line in lines[:-1]] + lines[-1:]
