"""The preview server under abuse: slow and malformed clients, a burst of file events,
many concurrent readers while content changes."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

from pmsite.options import BuildOptions
from pmsite.serve import PreviewServer
from pmsite.session import BuildSession

from .conftest import TIMEOUT, all_events_handled, eventually, get


def send_raw(port: int, data: bytes, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        if not read:
            return b""
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
        return reply


def test_half_request_does_not_block_others(server: PreviewServer) -> None:
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # ...and never finishes
    try:
        assert get(server, "/roadmap/")[0] == 200
        # ...answered while the half request still waits: no reply to it, not closed.
        slow.setblocking(False)
        with pytest.raises(BlockingIOError):
            slow.recv(1)
    finally:
        slow.close()


def test_huge_header_is_refused(server: PreviewServer) -> None:
    reply = send_raw(
        server.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\n"
    )
    assert reply.split(b" ", 2)[1] in (b"400", b"431")
    assert get(server, "/")[0] == 200


def test_invalid_method_and_garbage(server: PreviewServer) -> None:
    assert send_raw(server.port, b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n").split(b" ")[1] == b"501"
    assert b"Error code: 400" in send_raw(server.port, b"\x00\xff\x16garbage\r\n\r\n")
    assert send_raw(server.port, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")[9:12] == b"414"
    assert get(server, "/")[0] == 200


def test_watch_storm_gives_few_rebuilds(server: PreviewServer, site: Path) -> None:
    before = server.builds
    folder = site / "content/goals"
    for i in range(100):
        (folder / f"storm-{i}.md").write_text(f"---\ntitle: Storm {i}\nstatus: planned\n---\n")
        (folder / f"storm-{i}.md").unlink()
    (folder / "survivor.md").write_text("---\ntitle: Survivor\nstatus: planned\n---\n")
    eventually(lambda: get(server, "/goals/survivor/")[0] == 200)
    all_events_handled(server, site)
    assert server.builds - before <= 6  # at most 5 for the storm, and the barrier's
    served = {f.path: f.content for f in server.snapshot.files.values() if f.copy_from is None}
    clean = BuildSession(site, BuildOptions(base_url=server.url)).build()
    assert served == {f.path: f.content for f in clean.files if f.copy_from is None}


@pytest.mark.slow  # seconds of readers and edits
def test_concurrent_readers_see_whole_builds(server: PreviewServer, site: Path) -> None:
    """Readers hammer the server while the site title changes: every page is internally
    consistent (title and header from the same build) and each build id maps to one rev."""
    config = site / "content/site.yaml"
    original = config.read_text()
    stop = threading.Event()
    failures: list[str] = []
    seen: dict[int, set[str]] = {}
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            status, _, body = get(server, "/goals/offline-mode/")
            text = body.decode()
            titles = set(re.findall(r"Rev (\d+)", text))
            build = int(re.search(r"var built = (\d+);", text)[1])  # type: ignore[index]
            if status != 200 or len(titles) > 1:
                failures.append(f"{status} {titles}")
            with lock:
                seen.setdefault(build, set()).update(titles)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        for rev in range(6):
            config.write_text(original.replace("Acme Roadmap", f"Rev {rev}"))
            # Each rev is seen before the next edit, however slow a loaded machine builds;
            # two edits in quick succession also keep readers racing a build in progress.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with lock:
                    if str(rev) in set().union(*seen.values()):
                        break
                time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert all(len(revs) <= 1 for revs in seen.values()), seen
    assert len(seen) > 3
    assert len(set().union(*seen.values())) == 6, seen  # the readers saw every title
