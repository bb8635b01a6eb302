"""Edits to the fixture site, and what a build gives, for the tests of rebuilds that
reuse work (test_incremental) and of rebuilds told which files changed (test_patch)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pmsite.session import BuildOutcome, BuildSession

from .conftest import replace


def files_of(outcome: BuildOutcome) -> dict[str, bytes]:
    """Every output file of a build with its bytes."""
    return {
        file.path: file.content if file.copy_from is None else file.copy_from.read_bytes()
        for file in outcome.files
    }


def clean_build(site: Path) -> dict[str, bytes]:
    """The files of a build from scratch, in a new session."""
    return files_of(BuildSession(site).build())


Edit = Callable[[Path], None]
EDITS: dict[str, Edit] = {
    "goal title": lambda s: replace(s / "content/goals/offline-mode.md", "Offline mode", "Offline"),
    "release date reorders": lambda s: replace(
        s / "content/releases/1.9.1.md", "2026-10-15", "2026-10-25"
    ),
    "new reflection": lambda s: (s / "content/reflections/new.md").write_text(
        "---\ntitle: New one\ndate: 2026-11-20\nreleases: ['1.9.0']\ngoals: [sso]\n---\nHi\n"
    ),
    "delete release": lambda s: (s / "content/releases/2.0.0-rc.1.md").unlink(),
    "metric point": lambda s: replace(s / "content/metrics/weekly-active.yaml", "3300", "4100"),
    "metric csv": lambda s: replace(s / "content/metrics/crash-rate.csv", "0.9", "0.4"),
    "goal becomes draft": lambda s: replace(
        s / "content/goals/dark-theme.md", "priority: 3", "priority: 3\ndraft: true"
    ),
    "page tag": lambda s: replace(
        s / "content/pages/about.md", "summary:", "tags: [mobile]\nsummary:"
    ),
    "body only": lambda s: replace(
        s / "content/reflections/2026-q3.yaml", "title: Q3 review", "title: Q3 review\nbody: Hi"
    ),
    "release body": lambda s: replace(
        s / "content/releases/1.9.0.md", "in the background.", "in the background, in seconds."
    ),
    "override template": lambda s: (
        (s / "templates").mkdir()
        or (s / "templates/goal.html").write_text(
            '{% extends "!default/goal.html" %}{% block head %}<meta name="x">{% endblock %}'
        )
    ),
    "override partial": lambda s: (
        (s / "templates/partials").mkdir(parents=True)
        or (s / "templates/partials/goal_card.html").write_text("<p>{{ goal.title }} card</p>\n")
    ),
    "site title": lambda s: replace(s / "content/site.yaml", "Acme Roadmap", "Acme Plans"),
    "static file": lambda s: (s / "content/static/img/logo.svg").write_text("<svg></svg>\n"),
}
