"""How long ``pmsite import changelog`` takes on a large changelog (issue 13: under 2 s
for 400 versions). A measurement, not a test: it prints times and never fails.

    python benchmarks/changelog_import.py [--versions 400] [--repeat 3]

It writes a changelog of N versions in the shapes real ones take (sections with
synonyms and custom names, several date forms, prose with code, reference links and
compare links at the bottom), then runs the real command line into a fresh site, R
times, and prints the best and median wall times and what the import reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SECTIONS = ["### Added", "### Bug Fixes", "### Changed", "### Performance", "### ✨ Features"]
_FORMS = [
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y.%m.%d"),
    lambda d: f"{d.strftime('%B')} {d.day}, {d.year}",
    lambda d: f"({d.isoformat()})",
]


def changelog(versions: int) -> str:
    """A changelog of ``versions`` versions, newest first, about 12 lines each."""
    lines = ["# Changelog", "", "All notable changes. Based on Keep a Changelog.", ""]
    lines += ["## [Unreleased]", "", "### Added", "", "- Something new ([#9999]).", ""]
    definitions = ["[#9999]: https://example.org/pull/9999"]
    day = dt.date(2026, 1, 1)
    for index in range(versions):
        major, minor, patch = 1 + index // 100, (index // 10) % 10, index % 10
        version = f"{major}.{9 - minor}.{9 - patch}"
        day -= dt.timedelta(days=3)
        lines += [f"## [{version}] - {_FORMS[index % len(_FORMS)](day)}", ""]
        if index % 7 == 0:
            lines += [
                "This release changes the storage layer:",
                "",
                "```sh",
                "tool migrate",
                "```",
                "",
            ]
        for offset in range(2):
            section = _SECTIONS[(index + offset) % len(_SECTIONS)]
            number = index * 10 + offset
            lines += [section, "", f"- Change {number} to the `api` ([#{number}])", "  wrapped."]
            lines += [f"- Another change {number}.", ""]
            definitions.append(f"[#{number}]: https://example.org/pull/{number}")
        definitions.append(f"[{version}]: https://example.org/compare/v{version}...HEAD")
    return "\n".join(lines + definitions) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times, last = [], None
    with tempfile.TemporaryDirectory() as temp:
        source = Path(temp) / "CHANGELOG.md"
        source.write_text(changelog(args.versions), encoding="utf-8")
        lines = source.read_text(encoding="utf-8").count("\n")
        for run in range(args.repeat):
            site = Path(temp) / f"site{run}"
            (site / "content").mkdir(parents=True)
            (site / "content" / "site.yaml").write_text("title: Bench\n", encoding="utf-8")
            start = time.perf_counter()
            last = subprocess.run(
                [sys.executable, "-m", "pmsite", "import", "changelog", source, "--site", site],
                capture_output=True,
                text=True,
                env=env,
            )
            times.append(time.perf_counter() - start)
    assert last is not None
    print(f"{args.versions} versions, {lines} lines: exit {last.returncode}")
    print(last.stdout.strip().splitlines()[-1])
    print(f"wall time of 'pmsite import changelog' (process start included), {args.repeat} runs:")
    print(f"  best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
