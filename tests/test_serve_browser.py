"""Live reload in a real browser: the page updates itself while the test only edits files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmsite.serve import PreviewServer

from .conftest import replace

pytestmark = pytest.mark.slow  # a real browser


def test_page_reloads_itself_after_an_edit(
    server: PreviewServer,
    site: Path,
    page: Any,
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server.url + "goals/offline-mode/")
    assert page.locator("h1").inner_text() == "Offline mode"
    page.evaluate("window.loadedOnce = true")
    replace(site / "content/goals/offline-mode.md", "title: Offline mode", "title: Offline first")
    page.locator("h1", has_text="Offline first").wait_for(timeout=10_000)
    assert page.evaluate("window.loadedOnce === undefined")  # the page reloaded by itself
    assert errors == []


def test_error_overlay_appears_and_disappears(
    server: PreviewServer,
    site: Path,
    page: Any,
) -> None:
    page.goto(server.url)
    goal = site / "content/goals/sso.yaml"
    good = goal.read_text()
    goal.write_text(good.replace("status: at-risk", "status: wobbly"))
    overlay = page.locator("#pmsite-error-overlay")
    overlay.wait_for(state="visible", timeout=10_000)
    assert "content/goals/sso.yaml:2: status: unknown value 'wobbly'" in overlay.inner_text()
    goal.write_text(good)
    overlay.wait_for(state="detached", timeout=10_000)
    assert page.locator("h1").inner_text() == "Acme Notes"


def test_css_change_applies_without_reload(
    server: PreviewServer,
    site: Path,
    page: Any,
) -> None:
    page.goto(server.url)
    page.evaluate("window.loadedOnce = true")
    (site / "templates/assets").mkdir(parents=True)
    (site / "templates/assets/style.css").write_text("body { background: rgb(1, 2, 3); }\n")
    page.wait_for_function(
        "getComputedStyle(document.body).backgroundColor == 'rgb(1, 2, 3)'", timeout=10_000
    )
    assert page.evaluate("window.loadedOnce === true")  # swapped in place, no reload
