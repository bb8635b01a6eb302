"""The front matter kept by one build process for the next (load/parsed.py): values come
back exactly, with their lines; only files read without a problem are kept; a damaged or
other-version file is as if there were none."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from pmsite.errors import ErrorList
from pmsite.load.files import document_from_text
from pmsite.load.parsed import ParsedCache, decode, encode
from pmsite.load.yamlload import YamlList, YamlMap, load_yaml
from pmsite.store.cache import CACHE_DIR

from .conftest import load, replace, run_pmsite

SHAPES = """\
title: "Quoted: with a colon"
plain: text
number: 12
big: 123456789012345678901234567890
negative: -3
ratio: 0.0275
tiny: 1.0e-12
infinite: .inf
none: ~
yes: true
date: 2026-11-30
moment: 2026-11-15T23:30:00-08:00
utc: 2026-11-15 23:30:00
unicode: "Ünïcödé ✓ 日本"
2024: a number key
2026-01-02: a date key
list:
  - one
  - 2
  - {nested: [a, b], deeper: {x: 1.5}}
empty_list: []
empty_map: {}
multiline: |
  first line
  second line
"""


def same(a: object, b: object) -> None:
    """Equal values, of the same types, with the same lines, all the way down."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, YamlMap):
        assert isinstance(b, YamlMap)
        assert list(a) == list(b) and a.line == b.line and a.key_lines == b.key_lines
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, YamlList):
        assert isinstance(b, YamlList)
        assert len(a) == len(b) and a.line == b.line and a.item_lines == b.item_lines
        for left, right in zip(a, b, strict=True):
            same(left, right)
    elif isinstance(a, float) and math.isnan(a):
        assert isinstance(b, float) and math.isnan(b)
    else:
        assert a == b


def test_every_yaml_value_comes_back_the_same() -> None:
    data = load_yaml(SHAPES + "nan: .nan\n", first_line=2)
    import json

    same(decode(json.loads(json.dumps(encode(data)))), data)
    assert isinstance(data["moment"], dt.datetime) and data["moment"].utcoffset() is not None


@pytest.mark.parametrize("suffix", [".md", ".yaml"])
def test_a_document_from_the_cache_equals_one_parsed(tmp_path: Path, suffix: str) -> None:
    if suffix == ".md":
        text = f"---\n{SHAPES}---\n\n# Body\n\nText with a line\n"
    else:
        text = f"{SHAPES}body: |\n  # Body\n\n  Text\n"
    path = tmp_path / f"item{suffix}"
    first, second = ParsedCache(), ParsedCache()
    parsed = document_from_text("goal", path, "item", text, ErrorList(), first)
    assert parsed is not None and first.used
    second = ParsedCache.from_lines(first.lines("v1"), "v1")
    kept = document_from_text("goal", path, "item", text, ErrorList(), second)
    assert kept is not None and second.used == first.used
    assert (kept.body, kept.body_line, kept.is_yaml, kept.digest) == (
        parsed.body,
        parsed.body_line,
        parsed.is_yaml,
        parsed.digest,
    )
    same(kept.data, parsed.data)
    # Another version's file is not used.
    assert ParsedCache.from_lines(first.lines("v1"), "v2").get(parsed.digest) is None


def test_markdown_bodies_at_the_edges(tmp_path: Path) -> None:
    for text in ["---\ntitle: x\n---", "---\ntitle: x\n---\n", "---\ntitle: x\n---\n\n\nA\n\n"]:
        path = tmp_path / "edge.md"
        cache = ParsedCache()
        parsed = document_from_text("goal", path, "edge", text, ErrorList(), cache)
        again = ParsedCache.from_lines(cache.lines("v"), "v")
        kept = document_from_text("goal", path, "edge", text, ErrorList(), again)
        assert parsed is not None and kept is not None
        assert (kept.body, kept.body_line) == (parsed.body, parsed.body_line), repr(text)


def test_a_file_with_a_problem_is_not_kept(tmp_path: Path) -> None:
    cache = ParsedCache()
    errors = ErrorList()
    text = "---\ntitle: x\n---\nA body with an escape \x1b character\n"
    assert document_from_text("goal", tmp_path / "x.md", "x", text, errors, cache) is not None
    assert errors.errors and not cache.used


def test_builds_use_the_cache_and_give_the_same_model(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    kept = site / CACHE_DIR / "documents.jsonl"
    lines = kept.read_text(encoding="utf-8").splitlines()
    documents = [p for p in (site / "content").rglob("*") if p.suffix in (".md", ".yaml")]
    assert len(lines) - 1 == len(documents) - 1  # every item; site.yaml is read apart
    replace(site / "content/goals/offline-mode.md", "Offline mode", "Offline")
    assert run_pmsite("build", "--site", site).returncode == 0
    assert len(kept.read_text(encoding="utf-8").splitlines()) == len(lines)
    assert load(site).goals  # the model loads the same way without a cache


def test_a_damaged_cache_is_as_if_there_were_none(site: Path, tmp_path: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    kept = site / CACHE_DIR / "documents.jsonl"
    lines = kept.read_text(encoding="utf-8").splitlines(keepends=True)
    key = lines[1].split("\t")[0]
    damaged = [lines[0], f'{key}\t["m", 1, [["title", 1, ["zz"]]]]\n', *lines[2:], "junk\n"]
    kept.write_text("".join(damaged), encoding="utf-8")
    replace(site / "content/goals/offline-mode.md", "Offline mode", "Offline")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    clean = tmp_path / "clean"
    assert run_pmsite("build", "--site", site, "--no-cache", "--output", clean).returncode == 0
    for page in clean.rglob("*.html"):
        assert (site / "output" / page.relative_to(clean)).read_bytes() == page.read_bytes()


def test_cache_files_are_written_only_when_they_change(site: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    markdown, documents = site / CACHE_DIR / "markdown.jsonl", site / CACHE_DIR / "documents.jsonl"
    before = markdown.stat().st_mtime_ns, documents.stat().st_mtime_ns
    replace(site / "content/goals/offline-mode.md", "Offline mode", "Offline")  # no Markdown
    assert run_pmsite("build", "--site", site).returncode == 0
    assert markdown.stat().st_mtime_ns == before[0]
    assert documents.stat().st_mtime_ns != before[1]
    again = documents.stat().st_mtime_ns
    (site / "content/site.yaml").write_text(
        (site / "content/site.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
    )
    assert run_pmsite("build", "--site", site).returncode == 0  # nothing parsed anew
    assert (markdown.stat().st_mtime_ns, documents.stat().st_mtime_ns) == (before[0], again)


def test_new_markdown_is_appended_and_a_cut_line_is_skipped(site: Path, tmp_path: Path) -> None:
    assert run_pmsite("build", "--site", site).returncode == 0
    markdown = site / CACHE_DIR / "markdown.jsonl"
    first = markdown.read_text(encoding="utf-8")
    replace(site / "content/releases/1.9.0.md", "in the background.", "in the background, fast.")
    assert run_pmsite("build", "--site", site).returncode == 0
    second = markdown.read_text(encoding="utf-8")
    assert second.startswith(first) and "fast." in second[len(first) :]  # appended
    markdown.write_text(second + '["cut short by a kill', encoding="utf-8")
    replace(site / "content/releases/1.9.0.md", "fast.", "quickly.")
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    clean = tmp_path / "clean"
    assert run_pmsite("build", "--site", site, "--no-cache", "--output", clean).returncode == 0
    page = "releases/1.9.0/index.html"
    assert (site / "output" / page).read_bytes() == (clean / page).read_bytes()
