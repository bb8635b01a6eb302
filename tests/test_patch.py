"""Builds told which files changed (as pmsite serve tells them) give exactly the files of
a clean build: text edits patch the last build, anything else takes the full path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.errors import ContentErrors
from pmsite.session import BuildSession

from .test_incremental import EDITS, Edit, clean_build, files_of, replace
from .test_incremental import site as site  # the fixture

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
    assert sorted(outcome.rendered_paths) == ["releases/1.9.0/index.html", "search.json"]
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
