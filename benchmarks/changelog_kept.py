"""What ``pmsite import changelog`` then ``export changelog`` keep of real-shaped
changelogs, measured by the independent reader of the tests (tests/changelog_reader.py).

    python benchmarks/changelog_kept.py [--pmsite CHECKOUT] [FILE.md ...]

By default it runs this checkout's pmsite over tests/fixtures/changelogs/real-shapes/;
``--pmsite`` points at another checkout (e.g. the main branch, for a before/after
figure). For each changelog: import into a new site (the monorepo one with --package),
export, and count the original's versions, dates and entries found in the export. A
failed import or export keeps nothing. Prints one line per file and the totals.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.changelog_reader import Kept, kept  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "changelogs" / "real-shapes"
PACKAGES = {"monorepo-packages": "ferry-extra"}


def run(checkout: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, "-m", "pmsite", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=checkout)


def measure(checkout: Path, changelog: Path, work: Path) -> tuple[Kept, str]:
    site = work / changelog.stem
    (site / "content").mkdir(parents=True)
    (site / "content" / "site.yaml").write_text("title: T\n", encoding="utf-8")
    package = PACKAGES.get(changelog.stem)
    extra = ["--package", package] if package else []
    imported = run(checkout, "import", "changelog", changelog, "--site", site, *extra)
    exported = run(checkout, "export", "changelog", "--site", site)
    original = changelog.read_text(encoding="utf-8")
    text = exported.stdout if exported.returncode == 0 else ""
    status = f"import exit {imported.returncode}, export exit {exported.returncode}"
    return kept(original, text, package), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pmsite", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    files = args.files or sorted(CORPUS.glob("*.md"))
    total = Kept()
    with tempfile.TemporaryDirectory() as temp:
        for changelog in files:
            found, status = measure(args.pmsite.resolve(), changelog.resolve(), Path(temp))
            total.add(found)
            print(
                f"{changelog.stem}: versions {found.versions[0]}/{found.versions[1]},"
                f" dates {found.dates[0]}/{found.dates[1]},"
                f" entries {found.entries[0]}/{found.entries[1]} ({status})"
            )
    print(
        f"kept over {len(files)} changelogs: {total.percent('entries'):.1f}% of"
        f" {total.entries[1]} entries, {total.percent('versions'):.1f}% of"
        f" {total.versions[1]} versions, {total.percent('dates'):.1f}% of {total.dates[1]} dates"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
