"""Shared fixtures: real sites in temp folders, the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pmsite.build import load_site
from pmsite.errors import ContentErrors
from pmsite.model.items import Site

from .browser import chromium, page  # noqa: F401  (fixtures: one browser per session)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_SITE_YAML = "title: Test Site\nbase_url: https://example.org/p/\n"

MakeSite = Callable[..., Path]


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


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
