"""The installed package carries its theme: build a site that holds only content/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pmsite import __version__

from .conftest import ROOT, write_files

pytestmark = pytest.mark.slow  # pip installs the package


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pmsite installed from a copy of the repository, as pip would for a user."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "output", "build", "*.egg-info", "__pycache__", ".*cache*"
        ),
    )
    target = base / "site-packages"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return target


def test_installed_package_builds_a_content_only_site(installed: Path, tmp_path: Path) -> None:
    site = tmp_path / "elsewhere"
    write_files(
        site,
        {
            "content/site.yaml": "title: Elsewhere\nbase_url: https://x.org/\n",
            "content/goals/a.md": "---\ntitle: Installed goal\nstatus: in-progress\n---\nBody\n",
        },
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    check = subprocess.run(
        [sys.executable, "-c", "import pmsite; print(pmsite.__file__)"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
    )
    assert Path(check.stdout.strip()).is_relative_to(installed)
    theme = installed / "pmsite/templates"
    assert (theme / "base.html").is_file()
    result = subprocess.run(
        [sys.executable, "-m", "pmsite", "build"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page = (site / "output/goals/a/index.html").read_text(encoding="utf-8")
    assert "<h1>Installed goal</h1>" in page
    assert "Skip to content" in page  # the installed theme's base.html around it
    style = (site / "output/assets/style.css").read_bytes()
    assert style == (theme / "assets/style.css").read_bytes()


def test_console_script_is_installed_and_runs(installed: Path, tmp_path: Path) -> None:
    script = installed / "bin/pmsite"
    assert script.is_file()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    version = subprocess.run([script, "--version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"pmsite {__version__}\n"
    target = tmp_path / "new-site"
    init = subprocess.run([script, "init", target], env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    assert (target / "content/site.yaml").is_file()
