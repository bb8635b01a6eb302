"""Builds killed at random moments: output/ is always a complete build, the next build
works and cleans up after the killed one."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import make_big_site
from .sitecheck import tree_bytes

pytestmark = pytest.mark.slow  # a site of 1000 releases, built and killed many times


def build_command(site: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "pmsite", "build", "--site", str(site), "--output", str(output)]


def test_sigkill_never_leaves_a_partial_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_big_site(site)
    references = {}
    for rev in ("A", "B"):
        (site / "content/site.yaml").write_text(f"title: Rev {rev}\n")
        reference = tmp_path / f"reference-{rev}"
        subprocess.run(build_command(site, reference), check=True, capture_output=True)
        references[rev] = tree_bytes(reference)
    output = site / "output"
    subprocess.run(build_command(site, output), check=True, capture_output=True)  # Rev B
    started = time.monotonic()
    subprocess.run(build_command(site, tmp_path / "timing"), check=True, capture_output=True)
    build_seconds = time.monotonic() - started
    chooser = random.Random(7)
    killed_mid_build = 0
    for attempt in range(8):
        rev = "AB"[attempt % 2]
        (site / "content/site.yaml").write_text(f"title: Rev {rev}\n")
        previous = tree_bytes(output)
        process = subprocess.Popen(build_command(site, output), stderr=subprocess.DEVNULL)
        time.sleep(chooser.uniform(0.05, build_seconds * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        found = tree_bytes(output)
        assert found in (references["A"], references["B"]), f"mixed output after kill {attempt}"
        if process.returncode == -signal.SIGKILL and found == previous != references[rev]:
            killed_mid_build += 1  # the kill hit a running build, which left no trace
    assert killed_mid_build >= 1, "every kill came after its build: nothing was tested"
    (site / "content/site.yaml").write_text("title: Rev A\n")
    subprocess.run(build_command(site, output), check=True, capture_output=True)
    assert tree_bytes(output) == references["A"]
    leftovers = sorted(p.name for p in site.iterdir() if p.name.startswith(".output."))
    assert leftovers == [".output.lock", ".output.spare"]
