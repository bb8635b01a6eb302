"""Builds told which files changed (as pmsite serve tells them) give exactly the files of
a clean build: text edits patch the last build, anything else takes the full path."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pmsite.errors import ContentErrors
from pmsite.session import BuildSession

from .conftest import ROOT, replace
from .edits import EDITS, Edit, clean_build, files_of

TEXT_EDITS: dict[str, Edit] = {
    "release body": lambda s: replace(
        s / "content/releases/1.9.0.md", "built in the background", "built while you work"
    ),
    "release highlight": lambda s: replace(
        s / "content/releases/1.9.0.md", "across **every** notebook", "across *all* notebooks"
    ),
    "release change note": lambda s: replace(
        s / "content/releases/1.9.0.md", "Search filters by tag.", "Search filters by `tag`."
    ),
    "first breaking note": lambda s: replace(
        s / "content/releases/1.9.0.md",
        "highlights:",
        "breaking:\n  - Old links stop.\nhighlights:",
    ),
    "new change category": lambda s: replace(
        s / "content/releases/1.9.0.md", "changes:\n", "changes:\n  removed:\n    - Old search.\n"
    ),
    "yaml goal body": lambda s: replace(
        s / "content/goals/sso.yaml", "SAML and OIDC", "SAML, OIDC and SCIM"
    ),
    "reflection win": lambda s: replace(
        s / "content/reflections/2026-q3.yaml", "Search v2 landed.", "Search v2 landed early."
    ),
    "planned release highlight": lambda s: replace(
        s / "content/releases/2.0.0.md", "leaves beta", "is out of beta"
    ),
    "draft body": lambda s: replace(
        s / "content/goals/secret-project.md", "Not ready", "Still not ready"
    ),
    "text that fails": lambda s: replace(
        s / "content/releases/1.9.0.md", "highlights:\n", "highlights:\n  - [unclosed\n"
    ),
}


def snapshot(site: Path) -> dict[Path, bytes]:
    return {
        path: path.read_bytes()
        for folder in ("content", "templates")
        for path in (site / folder).rglob("*")
        if path.is_file()
    }


def edit_and_build(session: BuildSession, site: Path, edit: Edit) -> dict[str, bytes] | None:
    """Apply ``edit``, tell the session what a watcher would report, build; None when
    the build fails (as a clean build then must too)."""
    before = snapshot(site)
    edit(site)
    after = snapshot(site)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    session.forget(changed)
    try:
        return files_of(session.build(changed=changed))
    except ContentErrors:
        with pytest.raises(ContentErrors):
            clean_build(site)
        return None


@pytest.mark.slow  # one session per edit; the test below makes every edit in one
@pytest.mark.parametrize("name", [*TEXT_EDITS, *EDITS])
def test_each_edit_told_by_a_watcher_equals_a_clean_build(site: Path, name: str) -> None:
    session = BuildSession(site)
    session.build()
    edits = {**TEXT_EDITS, **EDITS}
    built = edit_and_build(session, site, edits[name])
    if built is not None:
        assert built == clean_build(site)


def test_every_edit_in_sequence_told_by_a_watcher_equals_a_clean_build(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    for name, edit in {**TEXT_EDITS, **EDITS}.items():
        built = edit_and_build(session, site, edit)
        if built is not None:
            assert built == clean_build(site), name


def test_text_edit_patches_and_renders_only_what_shows_it(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    page = site / "content/releases/1.9.0.md"
    replace(page, "built in the background", "built while you work")
    session.forget([page])
    outcome = session.build(changed={page})
    assert "link" not in outcome.stages  # patched: nothing was linked again
    # The body shows on the release's page and in its feed entries.
    assert sorted(outcome.rendered_paths) == [
        "feed.json",
        "feed.xml",
        "releases/1.9.0/index.html",
        "search.json",
    ]
    replace(page, "title: Faster search", "title: Quicker search")
    session.forget([page])
    outcome = session.build(changed={page})
    assert "link" in outcome.stages  # a title can reorder and relabel: the full path
    assert outcome.rendered > 2


def test_failed_patch_then_fix(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    page = site / "content/releases/1.9.0.md"
    original = page.read_text(encoding="utf-8")
    assert edit_and_build(session, site, TEXT_EDITS["text that fails"]) is None
    page.write_text(original, encoding="utf-8")
    session.forget([page])
    assert files_of(session.build(changed={page})) == clean_build(site)


def test_template_error_during_a_patch_then_fix(site: Path) -> None:
    # A template that fails only on some text: the patched build reports it, and the
    # next build (patched or not) starts again from the files.
    (site / "templates").mkdir()
    (site / "templates/release.html").write_text(
        '{% extends "!default/release.html" %}{% block content %}'
        "{% if 'BOOM' in release.body.source %}{{ undefined_name.x }}{% endif %}"
        "{{ super() }}{% endblock %}"
    )
    session = BuildSession(site)
    session.build()
    page = site / "content/releases/1.9.0.md"
    replace(page, "built in the background", "built BOOM")
    session.forget([page])
    with pytest.raises(ContentErrors):
        session.build(changed={page})
    replace(page, "built BOOM", "built quietly")
    session.forget([page])
    assert files_of(session.build(changed={page})) == clean_build(site)


def told(session: BuildSession, site: Path, *names: str) -> dict[str, bytes] | None:
    """Build after the watcher reported ``names``; None when the build fails."""
    paths = {site / name for name in names}
    session.forget(paths)
    try:
        return files_of(session.build(changed=paths))
    except ContentErrors:
        return None


GOAL, RELEASE = "content/goals/offline-mode.md", "content/releases/1.9.0.md"


def test_text_edit_after_a_failed_build_does_not_hide_the_error(site: Path) -> None:
    session = BuildSession(site)
    session.build()
    replace(site / GOAL, "status:", "status: bogus\nxstatus:")
    assert told(session, site, GOAL) is None
    replace(site / RELEASE, "built in the background", "built while you work")
    assert told(session, site, RELEASE) is None  # the goal is still broken


def test_nothing_from_a_failed_build_is_reused(site: Path) -> None:
    # The build fails late (two files write feed.xml), after it made search lines from
    # a new title and compiled an overriding template; both are undone before the
    # next builds, which must not show either.
    session = BuildSession(site)
    session.build()
    (site / "templates").mkdir()
    page = (ROOT / "templates/page.html").read_text(encoding="utf-8")
    (site / "templates/page.html").write_text(page.replace("</article>", "OVERRIDE</article>"))
    replace(site / GOAL, "title: Offline mode", "title: Offline BOOM")
    (site / "content/static/feed.xml").write_text("x")
    changed = (GOAL, "templates/page.html", "content/static/feed.xml")
    assert told(session, site, *changed) is None
    replace(site / GOAL, "title: Offline BOOM", "title: Offline mode")
    (site / "templates/page.html").unlink()
    (site / "content/static/feed.xml").unlink()
    assert told(session, site, *changed) == clean_build(site)
    replace(site / "content/pages/about.md", "We make", "We build")
    replace(site / RELEASE, "built in the background", "built while you work")
    built = told(session, site, "content/pages/about.md", RELEASE)
    assert built == clean_build(site)
    assert built is not None and b"BOOM" not in built["search.json"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_commit_between_edits_updates_every_date(site: Path) -> None:
    def git(*args: str) -> None:
        identity = ("-c", "user.email=a@example.org", "-c", "user.name=A")
        subprocess.run(["git", *identity, *args], cwd=site, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "start")
    session = BuildSession(site)
    session.build()
    replace(site / GOAL, "Offline first", "Offline-first")  # uncommitted: no date
    assert told(session, site, GOAL) == clean_build(site)
    git("commit", "-qam", "goal")  # HEAD moves; no content file changes
    replace(site / RELEASE, "built in the background", "built while you work")
    assert told(session, site, RELEASE) == clean_build(site)


def test_an_atomic_save_through_a_temporary_file_is_patched(site: Path) -> None:
    # Editors (and sed -i) write a temporary file and rename it over the real one: the
    # watcher reports both paths, and the temporary one is gone by the build.
    session = BuildSession(site)
    session.build()
    page = site / RELEASE
    temporary = page.with_name("sedX1b2c3")
    temporary.write_text(page.read_text().replace("in the background", "while you work"))
    temporary.replace(page)
    session.forget([page, temporary])
    outcome = session.build(changed={page, temporary})
    assert "link" not in outcome.stages  # patched
    assert files_of(outcome) == clean_build(site)
