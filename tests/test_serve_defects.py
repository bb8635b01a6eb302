"""Issue 16's preview-server classes: deletions (17), folders created after start (18),
starting on broken content (19) and page counts (20). A real server on 127.0.0.1, real
files changed on disk, the real CLI in a subprocess, and Chromium for the reload."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmsite.options import BuildOptions
from pmsite.serve import PreviewServer
from pmsite.session import BuildSession
from pmsite.store.write import OutputFile

from .conftest import FIXTURES, run_pmsite
from .test_serve import eventually, get, replace

OVERLAY = b'id="pmsite-error-overlay"'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    target = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", target)
    return target


@pytest.fixture
def server(site: Path) -> Iterator[PreviewServer]:
    preview = PreviewServer(site, port=0)
    preview.start()
    yield preview
    preview.stop()


def served(server: PreviewServer) -> dict[str, bytes | None]:
    """What the server's snapshot holds, file by file (a copied file that is gone
    counts as a file the server has and cannot send: a clean build would not have it)."""

    def content(file: OutputFile) -> bytes | None:
        if file.copy_from is None:
            return file.content
        return file.copy_from.read_bytes() if file.copy_from.exists() else None

    return {f.path: content(f) for f in server.snapshot.files.values()}


def clean_build(site: Path, server: PreviewServer) -> dict[str, bytes]:
    """What a clean build of the site gives, for the server's URL."""
    outcome = BuildSession(site, BuildOptions(base_url=server.url)).build()
    return {
        f.path: f.content if f.copy_from is None else f.copy_from.read_bytes()
        for f in outcome.files
    }


def clean_build_errors(site: Path) -> list[str]:
    """The error lines `pmsite build` prints for the site (it must fail)."""
    result = run_pmsite("build", "--site", site, "--output", site.parent / "clean-output")
    assert result.returncode == 1, result.stdout
    return [line for line in result.stderr.splitlines() if not line.endswith("was written.")]


def overlay_errors(body: bytes) -> list[str]:
    aside = body[body.index(OVERLAY) :].split(b"</aside>")[0].decode("utf-8")
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", aside)]


def served_equals_clean_build(server: PreviewServer, site: Path) -> bool:
    return OVERLAY not in get(server, "/")[2] and served(server) == clean_build(site, server)


# -- 18. Folders created after start --------------------------------------------------


def test_templates_folder_created_after_start_is_watched(
    server: PreviewServer,
    site: Path,
) -> None:
    assert not (site / "templates").exists()
    builds = server.builds
    (site / "templates").mkdir()
    eventually(lambda: server.builds > builds)  # the folder's own event: a rebuild
    # Files created later, in it and in a folder inside it, are seen one by one.
    (site / "templates/home.html").write_text(
        '{% extends "!default/home.html" %}{% block content %}HOME ONE{% endblock %}\n'
    )
    eventually(lambda: b"HOME ONE" in get(server, "/")[2])
    (site / "templates/partials").mkdir()
    (site / "templates/partials/goal_card.html").write_text("<p>CARD {{ goal.title }}</p>\n")
    eventually(lambda: b"CARD Offline mode" in get(server, "/roadmap/")[2])
    replace(site / "templates/home.html", "HOME ONE", "HOME TWO")
    eventually(lambda: b"HOME TWO" in get(server, "/")[2])
    assert served(server) == clean_build(site, server)


def test_templates_folder_replaced_while_serving_is_watched(
    server: PreviewServer,
    site: Path,
) -> None:
    (site / "templates").mkdir()
    (site / "templates/home.html").write_text("{% extends '!default/home.html' %}\n")
    eventually(lambda: served_equals_clean_build(server, site))
    shutil.rmtree(site / "templates")
    builds = server.builds
    (site / "templates").mkdir()
    eventually(lambda: server.builds > builds)
    (site / "templates/home.html").write_text(
        '{% extends "!default/home.html" %}{% block content %}AGAIN{% endblock %}\n'
    )
    eventually(lambda: b"AGAIN" in get(server, "/")[2])
