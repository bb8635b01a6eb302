"""Writing new content for people: ``pmsite init`` (a whole new site) and ``pmsite new``
(one item with every field present). Neither ever overwrites a file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from pmsite.errors import PmsiteError, UsageError
from pmsite.model.kinds import BY_NAME
from pmsite.model.semver import Version, parse_version
from pmsite.model.urls import is_file_slug
from pmsite.store.write import write_new_text

_VERSION_LINE = re.compile(r"^version:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)

GITIGNORE = """\
# pmsite: the built site, the build's temporary folders and its cache
output/
.output.*
.pmsite-cache/
"""

WORKFLOW = """\
# Check content on pull requests; build and publish to GitHub Pages from main.
# Enable Pages with "GitHub Actions" as the source in the repository's settings.
name: pmsite

on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: "Last updated", the roadmap's history, --base
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install pmsite
      # Notices on the pull request's lines for every goal it postpones or takes out of Now.
      - run: pmsite check --strict --format github --base "origin/${{ github.base_ref }}"

  publish:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deploy.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install pmsite
      - run: pmsite check --strict --format github
      - run: pmsite build
      - uses: actions/upload-pages-artifact@v3
        with:
          path: output
      - id: deploy
        uses: actions/deploy-pages@v4
"""


def today() -> dt.date:
    return dt.date.today()


def _front_matter(fields: dict, body: str) -> str:
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{text}---\n{body}"


def _title_from(name: str) -> str:
    words = re.sub(r"[-_.]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def goal_text(name: str, day: dt.date) -> str:
    fields: dict[str, object] = {
        "title": _title_from(name),
        "status": "planned",
        "horizon": None,
        "target": None,
        "confidence": None,
        "theme": "",
        "owner": "",
        "priority": None,
        "summary": "",
        "tags": [],
        "metrics": [],
        "draft": False,
    }
    body = "\nWhy this goal matters, and how we will know it is done.\n"
    return _front_matter(fields, body)


def release_text(version: str, day: dt.date) -> str:
    fields: dict[str, object] = {
        "version": version,
        "title": "",
        "status": "planned",
        "date": None,
        "target": None,
        "summary": "",
        "highlights": [],
        "breaking": [],
        "changes": {category: [] for category in ("added", "changed", "fixed")},
        "goals": [],
        "yanked": False,
        "metrics": [],
        "tags": [],
        "draft": False,
    }
    text = _front_matter(fields, "\nWhat changed and why, in Markdown.\n")
    hint = f"date: null  # when it ships: status: released, date: {day.isoformat()}"
    return text.replace("date: null", hint, 1)


def reflection_text(name: str, day: dt.date) -> str:
    fields = {
        "title": _title_from(name),
        "date": day,
        "period": "sprint",
        "summary": "",
        "wins": [],
        "setbacks": [],
        "learnings": [],
        "next": [],
        "goals": [],
        "releases": [],
        "tags": [],
        "draft": False,
    }
    return _front_matter(fields, "\nWhat happened, in a few paragraphs.\n")


def metric_text(name: str, day: dt.date) -> str:
    fields = {
        "name": _title_from(name),
        "unit": "",
        "direction": "up",
        "description": "",
        "summary": "",
        "tags": [],
        "points": [],
        "draft": False,
    }
    comment = f"# Add points as {{date: {day.isoformat()}, value: 42}}, or use csv: <file>.\n"
    return comment + yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)


def next_patch_version(versions: Iterable[Version]) -> str:
    """The patch after the highest released version (pre-releases count), or 0.1.0."""
    highest = max(versions, key=lambda v: v.key, default=None)
    if highest is None:
        return "0.1.0"
    if highest.prerelease:
        return f"{highest.major}.{highest.minor}.{highest.patch}"
    return f"{highest.major}.{highest.minor}.{highest.patch + 1}"


def existing_versions(releases_dir: Path) -> list[Version]:
    """Versions of the release files in a folder, read leniently (for `new release`)."""
    versions = []
    for path in sorted(releases_dir.rglob("*")):
        if path.suffix.lower() not in (".md", ".yaml", ".yml"):
            continue
        match = _VERSION_LINE.search(path.read_text("utf-8", "replace"))
        version = parse_version(match[1]) if match else None
        if version is not None:
            versions.append(version)
    return versions


def new_item(site_dir: Path, kind: str, name: str | None, day: dt.date | None = None) -> Path:
    """Write a new item file with every field present; never overwrite. Returns its path."""
    day = day or today()
    spec = BY_NAME[kind]
    folder = site_dir / "content" / spec.folder
    if kind == "release":
        versions = existing_versions(folder) if folder.is_dir() else []
        name = name or next_patch_version(versions)
        if parse_version(name) is None:
            raise UsageError(f"'{name}' is not a SemVer 2.0.0 version (e.g. 1.4.0 or 2.0.0-rc.1)")
        if name in {version.text for version in versions}:
            raise PmsiteError(f"release {name} already exists in {folder}")
    if not name:
        raise UsageError(f"pmsite new {kind} needs a NAME (it becomes the file name and URL)")
    if not is_file_slug(name):
        raise UsageError(f"'{name}' cannot be a file name: use letters, digits, '-', '_' or '.'")
    path = folder / f"{name}{spec.scaffold_suffix}"
    clashes = [p for p in [path] if p.exists()]
    if folder.is_dir():
        clashes += [p for p in folder.iterdir() if p.stem.lower() == name.lower()]
    if clashes:
        raise PmsiteError(f"{clashes[0]} already exists; pmsite new never overwrites a file")
    assert spec.scaffold is not None, f"pmsite new {kind}: the kind has no scaffold"
    text: str = globals()[spec.scaffold](name, day)
    write_new_text(path, text)
    return path


def init_site(target: Path, day: dt.date | None = None) -> list[Path]:
    """A new site in an empty (or new) folder: content, .gitignore, a CI workflow."""
    day = day or today()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PmsiteError(
            f"refusing to initialise {target}: it is not an empty folder"
            " (pmsite init never writes over existing files)"
        )
    name = target.resolve().name or "product"
    files = {
        "content/site.yaml": _site_yaml(name),
        "content/goals/first-goal.md": _example_goal(day),
        "content/releases/0.1.0.md": _example_release(day),
        "content/reflections/kickoff.md": _example_reflection(day),
        "content/metrics/weekly-active-users.yaml": _example_metric(day),
        ".gitignore": GITIGNORE,
        ".github/workflows/pmsite.yml": WORKFLOW,
    }
    written = []
    for relative, text in files.items():
        path = target / relative
        write_new_text(path, text)
        written.append(path)
    return written


def _site_yaml(name: str) -> str:
    title = _title_from(name)
    return yaml.safe_dump(
        {
            "title": f"{title} roadmap",
            "product": title,
            "description": f"Where {title} is going, and what shipped.",
            "base_url": "https://example.org/",
            "language": "en",
        },
        sort_keys=False,
        allow_unicode=True,
    )


def _example_goal(day: dt.date) -> str:
    quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    fields = {
        "title": "Make onboarding take under five minutes",
        "status": "in-progress",
        "target": quarter,
        "theme": "Activation",
        "owner": "Product team",
        "priority": 1,
        "summary": "New users reach their first success in one sitting.",
        "tags": ["onboarding"],
        "metrics": [{"metric": "weekly-active-users", "target": 1000}],
    }
    body = (
        "\nWhy it matters: most people who leave do so in their first session.\n\n"
        "## What done looks like\n\n- A guided first project\n- No setup screen\n"
    )
    return _front_matter(fields, body)


def _example_release(day: dt.date) -> str:
    fields = {
        "version": "0.1.0",
        "title": "First public release",
        "date": day,
        "summary": "The first version people can use.",
        "highlights": ["Sign up and create a project in one step."],
        "changes": {"added": ["Projects.", "Sign-up with email."]},
        "goals": ["first-goal"],
        "tags": ["onboarding"],
    }
    return _front_matter(fields, "\nThanks to everyone who tried the beta.\n")


def _example_reflection(day: dt.date) -> str:
    fields = {
        "title": "Kick-off",
        "date": day,
        "period": "sprint",
        "summary": "Why we are starting where we are starting.",
        "wins": ["The team agreed on one goal for the quarter."],
        "setbacks": ["We have no baseline for activation yet."],
        "learnings": ["Writing the goal down made the trade-offs visible."],
        "next": ["Measure weekly active users every Monday."],
        "goals": ["first-goal"],
        "releases": ["0.1.0"],
    }
    return _front_matter(fields, "")


def _example_metric(day: dt.date) -> str:
    start = day - dt.timedelta(days=28)
    points = [
        {"date": start + dt.timedelta(days=7 * week), "value": value}
        for week, value in enumerate((120, 180, 260, 410, 530))
    ]
    fields = {
        "name": "Weekly active users",
        "unit": "users",
        "direction": "up",
        "description": "People who used the product at least once in the last 7 days.",
        "points": points,
    }
    return yaml.safe_dump(fields, sort_keys=False, allow_unicode=True)
