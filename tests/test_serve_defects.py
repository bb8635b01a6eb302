"""Issue 16's preview-server classes: deletions (17), folders created after start (18),
starting on broken content (19) and page counts (20). A real server on 127.0.0.1, real
files changed on disk, the real CLI in a subprocess, and Chromium for the reload."""

from __future__ import annotations

import html
import queue
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pmsite.errors import ContentErrors
from pmsite.options import BuildOptions
from pmsite.serve import PreviewServer
from pmsite.session import BuildSession
from pmsite.store.write import OutputFile

from .conftest import FIXTURES, run_pmsite
from .test_serve import eventually, get, replace, start_cli

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


# -- 17. Deletions --------------------------------------------------------------------

DELETIONS: dict[str, Callable[[Path], None]] = {
    "site.yaml": lambda s: (s / "content/site.yaml").unlink(),
    "a metric's CSV file": lambda s: (s / "content/metrics/crash-rate.csv").unlink(),
    "the whole content/ folder": lambda s: shutil.rmtree(s / "content"),
    "content/ moved away": lambda s: (s / "content").rename(s / "content-moved"),
    "a metrics folder": lambda s: shutil.rmtree(s / "content/metrics"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DELETIONS))
def test_a_deletion_that_breaks_the_site_shows_the_errors(
    server: PreviewServer,
    site: Path,
    name: str,
) -> None:
    """Every page gets the overlay with exactly the errors a clean build reports, and
    restoring the files gives back exactly a clean build (with its folder watched)."""
    backup = site.parent / "backup"
    shutil.copytree(site / "content", backup)
    DELETIONS[name](site)
    eventually(lambda: OVERLAY in get(server, "/")[2])
    status, _, body = get(server, "/goals/offline-mode/")
    assert status == 200
    expected = clean_build_errors(site)
    if name in ("the whole content/ folder", "content/ moved away"):
        assert expected == [f"no content/ folder in {site}: is --site pointing at your site?"]
    assert overlay_errors(body) == expected, name
    assert b"showing the last good build" in body
    if (site / "content-moved").exists():
        (site / "content-moved").rename(site / "content")
    else:
        shutil.rmtree(site / "content", ignore_errors=True)
        shutil.copytree(backup, site / "content")
    eventually(lambda: served_equals_clean_build(server, site))
    replace(site / "content/goals/plugins.md", "Plugin API", "Plugins")  # still watched?
    eventually(lambda: b"<h1>Plugins</h1>" in get(server, "/goals/plugins/")[2])
    assert served(server) == clean_build(site, server)


RESTORING_DELETIONS: dict[str, Callable[[Path], None]] = {
    "a template override": lambda s: (s / "templates/goal.html").unlink(),
    "the templates/ folder": lambda s: shutil.rmtree(s / "templates"),
    "a static file": lambda s: (s / "content/static/img/logo.svg").unlink(),
    "a page": lambda s: (s / "content/pages/about.md").unlink(),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RESTORING_DELETIONS))
def test_a_deletion_that_still_builds_serves_a_clean_build(site: Path, name: str) -> None:
    (site / "templates").mkdir()
    (site / "templates/goal.html").write_text(
        '{% extends "!default/goal.html" %}{% block head %}<meta name="x">{% endblock %}\n'
    )
    preview = PreviewServer(site, port=0)
    preview.start()
    try:
        before = served(preview)
        assert before == clean_build(site, preview)
        RESTORING_DELETIONS[name](site)
        eventually(lambda: served(preview) != before)
        eventually(lambda: served_equals_clean_build(preview, site))
    finally:
        preview.stop()


def test_an_editors_vanished_temporary_file_still_patches(site: Path) -> None:
    """The fix must not cost the fast path: a temporary file that came and went beside a
    real edit (an editor's atomic save) is moot, so the text edit is still patched."""
    session = BuildSession(site)
    session.build()
    goal = site / "content/goals/plugins.md"
    temporary = site / "content/goals/plugins.md___jb_tmp___"
    temporary.write_text(goal.read_text().replace("the editor", "the editor now"))
    temporary.rename(goal)
    session.forget([goal, temporary])
    outcome = session.build(changed={goal, temporary})
    assert "link" not in outcome.stages  # patched: nothing was linked again
    assert b"the editor now" in next(
        f.content or b"" for f in outcome.files if f.path == "goals/plugins/index.html"
    )


@pytest.mark.parametrize("name", ["content/site.yaml", "content/metrics/crash-rate.csv"])
def test_a_deleted_input_is_never_patched_over(site: Path, name: str) -> None:
    """A session told that an input it read is gone builds from the files (and fails as
    a clean build does) instead of patching the last build with nothing."""
    session = BuildSession(site)
    session.build()
    (site / name).unlink()
    with pytest.raises(ContentErrors) as caught:
        session.build(changed={site / name})
    assert [str(e) for e in caught.value.errors] == clean_build_errors(site)


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


# -- 19. Starting on broken content ---------------------------------------------------


def test_starting_on_broken_content_shows_the_errors_and_no_good_build(
    site: Path,
) -> None:
    (site / "content/goals/sso.yaml").write_text("title: SSO\nstatus: wobbly\n")
    preview = PreviewServer(site, port=0)
    preview.start()
    try:
        for path in ("/", "/goals/sso/", "/feed.xml", "/assets/style.css"):
            status, headers, body = get(preview, path)
            assert status == 503, path
            assert headers["Content-Type"] == "text/html; charset=utf-8"
            assert b"<h1>The site could not be built</h1>" in body
            assert b"there is no good build yet" in body
            assert b"showing the last good build" not in body
            assert overlay_errors(body) == clean_build_errors(site)
        (site / "content/goals/sso.yaml").write_text("title: SSO\nstatus: at-risk\n")
        eventually(lambda: get(preview, "/")[0] == 200)
        assert served_equals_clean_build(preview, site)
    finally:
        preview.stop()


@pytest.mark.slow
def test_the_no_build_page_reloads_itself_into_the_site(site: Path, page: Any) -> None:
    """In Chromium: the page shows the errors, then becomes the site on the first good
    build without the test touching the browser."""
    goal = site / "content/goals/sso.yaml"
    good = goal.read_text()
    goal.write_text(good.replace("status: at-risk", "status: wobbly"))
    preview = PreviewServer(site, port=0)
    preview.start()
    try:
        page.goto(preview.url + "goals/sso/")
        assert page.locator("h1").inner_text() == "The site could not be built"
        overlay = page.locator("#pmsite-error-overlay")
        assert overlay.is_visible()
        assert "there is no good build yet" in overlay.inner_text()
        assert "content/goals/sso.yaml:2: status: unknown value 'wobbly'" in overlay.inner_text()
        page.evaluate("window.loadedOnce = true")
        goal.write_text(good)
        page.locator("h1", has_text="Single sign-on").wait_for(timeout=15_000)
        assert page.evaluate("window.loadedOnce === undefined")  # it reloaded by itself
        assert page.locator("#pmsite-error-overlay").count() == 0
    finally:
        preview.stop()


# -- 20. Page counts ------------------------------------------------------------------


def output_lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    """The lines ``process`` prints from now on, read by a thread, so that a test waits
    for one with a bound (``get(timeout=...)``) instead of blocking for ever."""
    lines: queue.Queue[str] = queue.Queue()
    stream = process.stdout
    assert stream is not None

    def read() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.mark.slow
def test_build_and_serve_report_the_same_page_count(site: Path) -> None:
    result = run_pmsite("build", "--site", site)
    assert result.returncode == 0, result.stderr
    built = int(re.search(r"Built (\d+) pages", result.stdout)[1])  # type: ignore[index]
    assert built == len(list((site / "output").rglob("*.html")))
    process, lines = start_cli(site, "--port", "0")
    try:
        found = re.search(r"initial build: (\d+) pages, (\d+) re-rendered", lines)
        assert found is not None, lines
        assert (int(found[1]), int(found[2])) == (built, built)
        lines_after = output_lines(process)
        replace(site / "content/goals/plugins.md", "Plugin API", "Plugins")
        line = lines_after.get(timeout=15)  # the rebuild's line
        found = re.search(r"content/goals/plugins\.md: (\d+) pages, (\d+) re-rendered", line)
        assert found is not None, line
        assert int(found[1]) == built and 0 < int(found[2]) < built
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
