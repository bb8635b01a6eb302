"""The preview server: a real HTTP server on 127.0.0.1, real files edited on disk."""

from __future__ import annotations

import http.client
import logging
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmsite.options import BuildOptions
from pmsite.serve import PreviewServer, resolve_request_path
from pmsite.session import BuildSession

from .conftest import (
    FIXTURES,
    LOCAL_FILES,
    TIMEOUT,
    all_events_handled,
    eventually,
    get,
    replace,
)


@pytest.fixture(scope="module")
def unedited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    """One server for the tests that only make requests: none of them edits its site."""
    site = tmp_path_factory.mktemp("unedited") / "basic"
    shutil.copytree(FIXTURES / "basic", site, ignore=LOCAL_FILES)
    preview = PreviewServer(site, port=0)
    preview.start()
    yield preview
    preview.stop()


def raw_request(server: PreviewServer, target: str) -> int:
    """Send a request line exactly as given (no client-side normalisation)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def test_serves_pages_with_reload_script(unedited: PreviewServer) -> None:
    status, headers, body = get(unedited, "/goals/offline-mode/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert b"<h1>Offline mode</h1>" in body
    assert b'new EventSource("/__pmsite/events' in body
    assert not (unedited.site_dir / "output").exists()  # serving never writes output/


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/img/logo.svg", "image/svg+xml"),
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/roadmap.json", "application/json; charset=utf-8"),
    ],
)
def test_content_types_and_head(unedited: PreviewServer, path: str, content_type: str) -> None:
    status, headers, _ = get(unedited, path)
    assert (status, headers["Content-Type"]) == (200, content_type)
    head_status, head_headers, head_body = get(unedited, path, method="HEAD")
    assert head_status == 200
    assert head_body == b""
    assert head_headers["Content-Length"] == headers["Content-Length"]


def test_script_is_only_in_html(unedited: PreviewServer) -> None:
    assert b"EventSource" not in get(unedited, "/feed.xml")[2]
    assert b"EventSource" not in get(unedited, "/assets/style.css")[2]


def test_missing_page_gets_the_404_page(unedited: PreviewServer) -> None:
    status, _, body = get(unedited, "/no/such/page/")
    assert status == 404
    assert b"Page not found" in body


def test_directory_without_slash_redirects(unedited: PreviewServer) -> None:
    status, headers, _ = get(unedited, "/roadmap")
    assert status == 301
    assert headers["Location"] == "/roadmap/"


@pytest.mark.parametrize(
    "target",
    [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2Fcontent%2Fsite.yaml",
        "/goals/..%5c..%5csite.yaml",
        "/goals\\..\\..\\content\\site.yaml",
        "/%00",
        "//etc/passwd",
        "/./index.html",
    ],
)
def test_path_tricks_are_refused(unedited: PreviewServer, target: str) -> None:
    assert raw_request(unedited, target) in (400, 404)


def test_request_paths() -> None:
    assert resolve_request_path("/") == "index.html"
    assert resolve_request_path("/goals/x/?a=1") == "goals/x/index.html"
    assert resolve_request_path("/caf%C3%A9/") == "café/index.html"
    assert resolve_request_path("/a/../b") is None
    assert resolve_request_path("/a%2f..%2fb") is None


def test_symlink_out_of_the_site_is_not_served(site: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (site / "content/static/leak.txt").symlink_to(secret)
    preview = PreviewServer(site, port=0)
    preview.start()
    try:
        assert preview.snapshot.errors  # the build refuses the link...
        status, _, body = get(preview, "/leak.txt")
        assert b"secret" not in body  # ...and nothing serves it
        assert status in (404, 503)  # no good build: the page listing the errors
    finally:
        preview.stop()


def test_edit_is_served(server: PreviewServer, site: Path) -> None:
    replace(site / "content/goals/offline-mode.md", "title: Offline mode", "title: Offline first")
    eventually(lambda: b"<h1>Offline first</h1>" in get(server, "/goals/offline-mode/")[2])
    assert b"Offline first" in get(server, "/roadmap/")[2]


def test_broken_edit_shows_overlay_and_keeps_last_good_build(
    server: PreviewServer, site: Path
) -> None:
    goal = site / "content/goals/sso.yaml"
    good = goal.read_text()
    goal.write_text(good.replace("status: at-risk", "status: wobbly"))
    eventually(lambda: b"pmsite-error-overlay" in get(server, "/")[2])
    status, _, body = get(server, "/goals/sso/")
    assert status == 200
    assert b"Single sign-on" in body  # the last good build
    assert b"content/goals/sso.yaml:2: status: unknown value &#x27;wobbly&#x27;" in body
    goal.write_text(good.replace("Single sign-on", "SSO"))
    eventually(lambda: b"<h1>SSO</h1>" in get(server, "/goals/sso/")[2])
    assert b"pmsite-error-overlay" not in get(server, "/")[2]


def test_template_edit_rebuilds(server: PreviewServer, site: Path) -> None:
    (site / "templates").mkdir()
    (site / "templates/home.html").write_text(
        '{% extends "!default/home.html" %}{% block content %}HOME OVERRIDE{% endblock %}\n'
    )
    eventually(lambda: b"HOME OVERRIDE" in get(server, "/")[2])


def test_events_announce_each_build(server: PreviewServer, site: Path) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    since = server.snapshot.build_id
    connection.request("GET", f"/__pmsite/events?since={since}")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    replace(site / "content/goals/plugins.md", "Plugin API", "Plugins")
    lines = [response.readline() for _ in range(2)]
    assert lines[0] == b"event: reload\n"
    assert int(lines[1].split(b":")[1]) > since
    connection.close()


def test_css_only_change_swaps_stylesheets(server: PreviewServer, site: Path) -> None:
    (site / "templates/assets").mkdir(parents=True)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    connection.request("GET", f"/__pmsite/events?since={server.snapshot.build_id}")
    response = connection.getresponse()
    (site / "templates/assets/style.css").write_text("body { color: teal; }\n")
    assert response.readline() == b"event: css\n"
    connection.close()
    assert get(server, "/assets/style.css")[2] == b"body { color: teal; }\n"


def rebuilds_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The server's line for each rebuild since the test began ('<changed files>: ...')."""
    return [r.getMessage() for r in caplog.records if r.name == "pmsite.serve"]


def test_burst_of_saves_gives_few_rebuilds(
    server: PreviewServer, site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pmsite.serve")
    before = server.builds
    goal = site / "content/goals/plugins.md"
    text = goal.read_text()
    for i in range(100):
        goal.write_text(text.replace("Plugin API", f"Plugin API {i}"))
        (site / f"content/goals/.#swap{i}").write_text("editor noise")
    eventually(lambda: b"Plugin API 99" in get(server, "/goals/plugins/")[2])
    all_events_handled(server, site)
    assert server.builds - before <= 6  # at most 5 for the burst, and the barrier's
    assert not any(".#swap" in line for line in rebuilds_logged(caplog))
    served = {f.path: f.content for f in server.snapshot.files.values() if f.copy_from is None}
    clean = BuildSession(site, BuildOptions(base_url=server.url)).build()
    assert served == {f.path: f.content for f in clean.files if f.copy_from is None}


def test_ignored_files_do_not_rebuild(
    server: PreviewServer, site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pmsite.serve")
    (site / "output").mkdir()
    (site / "output/x.html").write_text("x")
    (site / "content/goals/notes.md~").write_text("backup")
    (site / "content/goals/.hidden.md").write_text("hidden")
    (site / "content/goals/#autosave.md#").write_text("emacs")
    (site / "content/goals/a.md.swp").write_text("vim")
    # A real edit after them: once it is served, the watcher has seen every file above,
    # and each rebuild's line names the files that caused it.
    replace(site / "content/goals/plugins.md", "title: Plugin API", "title: Plugin kit")
    eventually(lambda: b"<h1>Plugin kit</h1>" in get(server, "/goals/plugins/")[2])
    rebuilds = rebuilds_logged(caplog)
    assert rebuilds, "the edit was served, so its rebuild must have been logged"
    assert all(line.startswith("content/goals/plugins.md: ") for line in rebuilds), rebuilds


def start_cli(site: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pmsite", "serve", "--site", str(site), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = ""
    for _ in range(20):
        line = process.stdout.readline()
        lines += line
        if line.startswith("Serving"):
            return process, lines
    process.kill()
    raise AssertionError("no 'Serving' line")


def test_ctrl_c_stops_cleanly_while_a_browser_listens(site: Path) -> None:
    process, lines = start_cli(site, "--port", "0")
    try:
        port = int(lines.rsplit("http://127.0.0.1:", 1)[1].split("/")[0])
        # An open page holds the events stream, whose wait for a build lasts 15 s.
        events = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        events.request("GET", "/__pmsite/events")
        stream = events.getresponse()
        assert stream.getheader("Content-Type") == "text/event-stream"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0  # a guard against hanging, well under 15 s
        assert stream.read() == b""  # the stream ended without another event
        events.close()
    finally:
        process.kill()
        stdout, stderr = process.communicate()
    assert stdout.splitlines() == ["Stopped."]
    assert "Traceback" not in stderr


def test_taken_port_moves_to_the_next(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process, lines = start_cli(site, "--port", str(port))
        process.send_signal(signal.SIGINT)
        process.wait(timeout=5)
    assert f"port {port} is in use; trying {port + 1}" in lines
    assert f"Serving ./ at http://127.0.0.1:{port}/" not in lines
    assert "at http://127.0.0.1:" in lines.splitlines()[-1]


def test_drafts_are_served_with_a_banner(site: Path) -> None:
    preview = PreviewServer(site, port=0, drafts=True)
    preview.start()
    try:
        status, _, body = get(preview, "/goals/secret-project/")
        assert status == 200
        assert b"Draft:" in body
    finally:
        preview.stop()


def test_first_build_failing_still_serves_the_errors(site: Path) -> None:
    (site / "content/site.yaml").write_text("title: [\n")
    preview = PreviewServer(site, port=0)
    preview.start()
    try:
        status, _, body = get(preview, "/")
        assert status == 503  # no good build yet: the site is not there, for now
        assert b"content/site.yaml:2: YAML syntax error" in body
        (site / "content/site.yaml").write_text("title: Fixed\n")
        eventually(lambda: get(preview, "/")[0] == 200)
    finally:
        preview.stop()
