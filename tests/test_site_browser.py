"""The published site in a real browser (Debian's Chromium via Playwright), served from a
sub-path: every page type loads with no console errors, no failed requests and no axe-core
WCAG 2 A/AA violations; the board, charts and search work; screenshots for people."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, ROOT, run_pmsite

pytestmark = pytest.mark.slow  # a real browser, and axe-core on every page

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
SUB_PATH = "product/"
FIXTURE_PAGES = [
    "",
    "roadmap/",
    "goals/",
    "goals/offline-mode/",
    "goals/sso/",
    "releases/",
    "releases/1.10.0/",
    "releases/2.0.0/",
    "reflections/",
    "reflections/2026-10-offline-beta/",
    "metrics/",
    "metrics/weekly-active/",
    "tags/",
    "tags/mobile/",
    "about/",
    "search/",
    "404.html",
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serve_folder(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served_site(www: Path, source: Path) -> Iterator[str]:
    """Build ``source`` into www/product/ and serve www: the site lives under a sub-path
    (and is built for that URL, so its 404 page links from there)."""
    www.mkdir(parents=True, exist_ok=True)
    server, root_url = serve_folder(www)
    url = root_url + SUB_PATH
    result = run_pmsite("build", "--site", source, "--output", www / SUB_PATH, "--base-url", url)
    assert result.returncode == 0, result.stderr
    try:
        yield url
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("served")
    shutil.copytree(FIXTURES / "basic", tmp / "site")
    with served_site(tmp / "www", tmp / "site") as url:
        yield url


@pytest.fixture(scope="module")
def example_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_site(tmp_path_factory.mktemp("example"), ROOT) as url:
        yield url


class PageProblems:
    """Console errors and failed requests seen while a page loads."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("404.html"):
            self.problems.append(f"HTTP {response.status}: {response.url}")


def check_page(chromium: Any, url: str, color_scheme: str = "light") -> None:
    from axe_playwright_python.sync_playwright import Axe

    context = chromium.new_context(color_scheme=color_scheme)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(url, wait_until="networkidle")
    assert problems.problems == [], (url, problems.problems)
    assert page.locator("h1").count() == 1, url
    results = Axe().run(page, options=WCAG)
    violations = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in results.response["violations"]
    ]
    assert violations == [], (url, color_scheme, violations)
    context.close()


@pytest.mark.parametrize("path", FIXTURE_PAGES)
def test_fixture_pages(chromium: Any, fixture_url: str, path: str) -> None:
    check_page(chromium, fixture_url + path)


@pytest.mark.parametrize("path", ["", "roadmap/", "goals/offline-mode/", "releases/1.10.0/"])
def test_fixture_pages_in_dark_mode(chromium: Any, fixture_url: str, path: str) -> None:
    check_page(chromium, fixture_url + path, color_scheme="dark")


def test_example_site_pages(chromium: Any, example_url: str) -> None:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(example_url, wait_until="networkidle")
    urls = {example_url}
    for kind in ("roadmap/", "releases/", "reflections/", "metrics/", "search/"):
        page.goto(example_url + kind)
        for link in page.locator("main a").evaluate_all("links => links.map(a => a.href)"):
            if link.startswith(example_url) and "#" not in link:
                urls.add(link)
    context.close()
    assert len(urls) > 15
    for url in sorted(urls):
        check_page(chromium, url)


def test_board_lanes(chromium: Any, fixture_url: str) -> None:
    page = chromium.new_page()
    page.goto(fixture_url + "roadmap/")
    lanes = {
        lane: page.locator(f'[data-lane="{lane}"] .card-title').all_inner_texts()
        for lane in ("now", "next", "later")
    }
    assert lanes == {
        "now": ["Offline mode", "Single sign-on"],
        "next": ["Dark theme"],
        "later": ["Plugin API"],
    }
    page.close()


def test_charts_render_with_a_size(chromium: Any, fixture_url: str) -> None:
    page = chromium.new_page()
    for path, selector in [
        ("goals/offline-mode/", "svg.chart-line-chart"),
        ("metrics/weekly-active/", "svg.chart-line-chart"),
        ("", "svg.chart-sparkline"),
        ("roadmap/", "svg.chart-progress"),
    ]:
        page.goto(fixture_url + path)
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["width"] > 20 and box["height"] > 5, (path, box)
    page.close()


def test_search_finds_a_release_by_a_word_from_its_notes(
    chromium: Any,
    fixture_url: str,
) -> None:
    page = chromium.new_page()
    page.goto(fixture_url + "search/")
    page.locator("#pm--search-input").fill("MDM")
    results = page.locator("#pm--search-results a")
    results.first.wait_for()
    assert results.all_inner_texts() == ["1.10.0 Offline beta"]
    results.first.click()
    page.wait_for_url("**/releases/1.10.0/")
    page.close()


def test_search_page_lists_everything_without_javascript(
    chromium: Any,
    fixture_url: str,
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(fixture_url + "search/")
    listed = page.locator("#pm--search-all a").all_inner_texts()
    assert "1.10.0 Offline beta" in listed
    assert "Offline mode" in listed
    assert "Offline beta retro" in listed
    context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(chromium: Any, fixture_url: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for name, path in [
        ("home", ""),
        ("roadmap", "roadmap/"),
        ("goal", "goals/offline-mode/"),
        ("release", "releases/1.10.0/"),
    ]:
        page.goto(fixture_url + path, wait_until="networkidle")
        target = ARTIFACTS / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"{name} scrolls sideways at {width}px"
    context.close()
