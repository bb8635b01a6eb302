"""Shared fixtures and helpers: real sites in temp folders, the real CLI in a subprocess,
the real preview server on 127.0.0.1.

Every fixture or helper that more than one test module uses lives here (or in a plain
helper module such as sitecheck.py or edits.py); test modules never import each other.
"""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pmsite.build import load_site
from pmsite.errors import ContentErrors
from pmsite.model.items import Site
from pmsite.serve import PreviewServer

from .browser import chromium, page  # noqa: F401  (fixtures: one browser per session)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_SITE_YAML = "title: Test Site\nbase_url: https://example.org/p/\n"

MakeSite = Callable[..., Path]
# What a local build of the fixture itself may leave there (git-ignored).
LOCAL_FILES = shutil.ignore_patterns(".pmsite-cache", ".output.*", "output")
TIMEOUT = 15  # seconds before a request to the preview server, or a wait, gives up


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    """Edit a file in place; the text to replace must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def make_big_site(root: Path, items: int = 1000) -> None:
    """A site of ``items`` releases: big enough for parallel rendering and slow builds."""
    files: dict[str, str | bytes] = {"content/site.yaml": "title: Rev A\n"}
    for i in range(items):
        files[f"content/releases/r{i}.md"] = (
            f"---\nversion: 1.{i // 100}.{i % 100}\ndate: 2026-01-{1 + i % 28:02d}\n"
            f"changes:\n  added: ['Thing {i}']\n---\nNotes for {i}.\n"
        )
    write_files(root, files)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the fixture site tests/fixtures/basic, to edit freely."""
    target = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", target, ignore=LOCAL_FILES)
    return target


@pytest.fixture
def server(site: Path) -> Iterator[PreviewServer]:
    """The preview server on ``site``, on a free port of 127.0.0.1."""
    preview = PreviewServer(site, port=0)
    preview.start()
    yield preview
    preview.stop()


def get(server: PreviewServer, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request to the preview server."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def eventually(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    """Poll ``check`` until it holds; fail if it never does within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def all_events_handled(server: PreviewServer, site: Path) -> None:
    """Return once ``server`` has built for every file event under content/ so far: a new
    static file is written after them, and waited for. The watch of content/ reports
    events in order, so whatever the earlier ones caused has been published by then.
    This barrier costs one build of its own (or shares the last one)."""
    name = f"barrier-{server.builds}.txt"
    (site / "content/static" / name).write_text(name, encoding="utf-8")

    def served() -> bool:
        status, _, body = get(server, f"/{name}")
        return status == 200 and body == name.encode()

    eventually(served)


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """make_site({"content/goals/x.md": "..."}) -> a site folder with a default site.yaml."""

    def make(files: dict[str, str | bytes] | None = None, site_yaml: str | None = None) -> Path:
        site = tmp_path / "site"
        write_files(site, {"content/site.yaml": site_yaml or DEFAULT_SITE_YAML})
        write_files(site, files or {})
        return site

    return make


def run_pmsite(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line, in a subprocess, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "pmsite", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def load(site: Path, drafts: bool = False) -> Site:
    return load_site(site, drafts=drafts)[0]


def errors_of(site: Path) -> list[str]:
    """Every content error message of a site that must fail to load."""
    with pytest.raises(ContentErrors) as caught:
        load_site(site)
    return [str(error) for error in caught.value.errors]


def goal(title: str = "A goal", status: str = "planned", **fields: object) -> str:
    lines = [f"title: {title}", f"status: {status}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\nBody.\n"
