"""Rebuilds that reuse work give exactly the files of a clean build, and reuse a lot."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.errors import ContentErrors
from pmsite.session import BuildSession

from .conftest import make_big_site, replace
from .edits import EDITS, clean_build, files_of


def test_every_edit_in_sequence_equals_a_clean_build(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    for name, edit in EDITS.items():
        edit(site)
        session.forget(p for p in (site / "content").rglob("*") if p.is_file())
        assert files_of(session.build()) == clean_build(site), name


@pytest.mark.slow  # one session per edit; the test above makes every edit in one
@pytest.mark.parametrize("name", list(EDITS))
def test_each_edit_alone_equals_a_clean_build(site: Path, name: str) -> None:
    session = BuildSession(site)
    session.build()
    if name == "override partial":
        (site / "templates").mkdir()
    EDITS[name](site)
    assert files_of(session.build()) == clean_build(site), name


def test_small_edit_renders_few_pages(site: Path) -> None:
    session = BuildSession(site)
    first = session.build()
    assert first.reused == 0
    replace(site / "content/reflections/2026-10-offline-beta.md", "A longer", "An even longer")
    outcome = session.build()
    # Only the reflection's own page and its feed entry show its body (and the search
    # index holds its words).
    assert sorted(outcome.rendered_paths) == [
        "reflections/2026-10-offline-beta/index.html",
        "reflections/feed.xml",
        "search.json",
    ]
    assert outcome.reused == first.rendered - 3
    replace(site / "content/reflections/2026-10-offline-beta.md", "Shipped on time.", "On time.")
    assert sorted(session.build().rendered_paths) == [
        "reflections/2026-10-offline-beta/index.html",
        "reflections/feed.xml",
        "search.json",
    ]
    assert session.build().rendered == 0  # nothing changed at all


def test_title_edit_renders_the_pages_that_show_it(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    replace(site / "content/goals/dark-theme.md", "Dark theme", "Dusk theme")
    outcome = session.build()
    changed = {f.path for f in outcome.files if b"Dusk theme" in (f.content or b"")}
    assert changed >= {"goals/dark-theme/index.html", "roadmap/index.html", "goals/index.html"}
    assert outcome.rendered < len([f for f in outcome.files if f.path.endswith(".html")]) / 2


def test_failed_build_keeps_the_session_usable(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    goal = site / "content/goals/sso.yaml"
    good = goal.read_text()
    goal.write_text("title: [broken\n")
    with pytest.raises(ContentErrors):
        session.build()
    goal.write_text(good.replace("Single sign-on", "SSO"))
    assert files_of(session.build()) == clean_build(site)


def test_template_error_then_fix(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    (site / "templates").mkdir()
    (site / "templates/goal.html").write_text("{{ goal.nope }}")
    with pytest.raises(ContentErrors):
        session.build()
    (site / "templates/goal.html").unlink()
    assert files_of(session.build()) == clean_build(site)


@pytest.mark.slow  # a site of 600 releases
def test_parallel_cached_and_incremental_builds_equal_a_single_process_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "big"
    make_big_site(site, items=600)  # above the thresholds for using several processes
    monkeypatch.setenv("PMSITE_JOBS", "1")
    single = clean_build(site)
    monkeypatch.setenv("PMSITE_JOBS", "2")
    session = BuildSession(site)
    assert files_of(session.build()) == single  # parallel, cold
    assert files_of(session.build()) == single  # cached, nothing to do
    replace(site / "content/releases/r7.md", "Thing 7", "Thing seven")
    monkeypatch.setenv("PMSITE_JOBS", "1")
    single = clean_build(site)
    monkeypatch.setenv("PMSITE_JOBS", "2")
    assert files_of(session.build()) == single  # incremental
