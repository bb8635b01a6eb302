"""Writing new content for people: ``pmsite init`` (a whole new site) and ``pmsite new``
(one item with every field present). Neither ever overwrites a file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from pmsite import __version__
from pmsite.errors import PmsiteError, UsageError
from pmsite.model.items import CHANGE_CATEGORIES
from pmsite.model.kinds import BY_NAME
from pmsite.model.semver import Version, parse_version
from pmsite.model.urls import is_file_slug, tag_slug
from pmsite.store.write import write_new_text

_VERSION_LINE = re.compile(r"^version:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)
_PLANNED_LINE = re.compile(r"^status:\s*['\"]?planned['\"]?\s*(#.*)?$", re.MULTILINE)
_DRAFT_HINT = "draft: true  # a draft shows only with --drafts; set false to publish it"

GITIGNORE = """\
# pmsite: the built site, the build's temporary folders and its cache
output/
.output.*
.pmsite-cache/
"""

# The workflow ``pmsite init`` writes; @VERSION@ becomes the version that wrote it.
WORKFLOW = """\
# Check content on pull requests; build and publish to GitHub Pages from main.
# Enable Pages with "GitHub Actions" as the source in the repository's settings.
#
# pmsite @VERSION@ wrote this file, and both jobs install exactly that version, so that
# the same content gives the same site next month too. To upgrade: read the release
# notes, run `pip install -U pmsite` and `pmsite check --strict` locally, then replace
# @VERSION@ with the new version in both "pip install" steps below.
name: pmsite

on:
  pull_request:
  push:
    branches: [main]
  schedule:
    - cron: "23 4 * * *"  # daily, so the site shows what became overdue overnight
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: pmsite-${{ github.ref }}
  cancel-in-progress: false  # let a publication in progress finish

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
      - name: Install pmsite
        run: pip install "pmsite==@VERSION@"
      # Notices on the pull request's lines for every goal it postpones or takes out of Now.
      - name: Check the content and every link
        run: pmsite check --strict --format github --base "origin/${{ github.base_ref }}"

  publish:
    if: github.event_name != 'pull_request'
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # full history: pages show when each file last changed
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install pmsite
        run: pip install "pmsite==@VERSION@"
      - name: Check the content and every link
        run: pmsite check --strict --format github
      # The last publication's build cache and output: the build then parses only the
      # files that changed and renders only the pages they touch (a kept page is checked
      # unchanged first; a cache from another pmsite version is not used). The run id
      # makes every run save its own, the daily one too; the newest is restored.
      - uses: actions/cache@v4
        with:
          path: |
            .pmsite-cache
            output
          key: pmsite-@VERSION@-${{ github.sha }}-${{ github.run_id }}
          restore-keys: pmsite-@VERSION@-
      - id: pages
        uses: actions/configure-pages@v5
      - name: Build for the Pages address
        run: pmsite build --base-url "${{ steps.pages.outputs.base_url }}/"
      - uses: actions/upload-pages-artifact@v3
        with:
          path: output
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def workflow_text() -> str:
    """The GitHub Actions workflow of a new site, pinned to this version of pmsite."""
    return WORKFLOW.replace("@VERSION@", __version__)


def today() -> dt.date:
    """The day new items are dated with."""
    return dt.date.today()


def _front_matter(fields: dict, body: str) -> str:
    return f"---\n{_yaml(fields)}---\n{body}"


def _yaml(fields: dict) -> str:
    """The fields as YAML; a new item starts as a draft, with a comment that says how to
    publish it (as Hugo's ``new`` does): its empty owner or data points then warn only
    once someone publishes it."""
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    return text.replace("draft: true\n", f"{_DRAFT_HINT}\n", 1)


def _title_from(name: str) -> str:
    words = re.sub(r"[-_.]+", " ", name).strip()
    return words[:1].upper() + words[1:] if words else name


def goal_text(title: str, day: dt.date) -> str:
    """A new goal: planned, with every field present."""
    fields: dict[str, object] = {
        "title": title,
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
        "draft": True,
    }
    body = "\nWhy this goal matters, and how we will know it is done.\n"
    return _front_matter(fields, body)


def release_text(version: str, day: dt.date) -> str:
    """A new planned release with every Keep a Changelog category present."""
    fields: dict[str, object] = {
        "version": version,
        "title": "",
        "status": "planned",
        "date": None,
        "target": None,
        "summary": "",
        "highlights": [],
        "breaking": [],
        "changes": {category: [] for category in CHANGE_CATEGORIES},
        "goals": [],
        "yanked": False,
        "metrics": [],
        "tags": [],
        "draft": True,
    }
    text = _front_matter(fields, "\nWhat changed and why, in Markdown.\n")
    hint = f"date: null  # when it ships: status: released, date: {day.isoformat()}"
    return text.replace("date: null", hint, 1)


def reflection_text(title: str, day: dt.date) -> str:
    """A new reflection dated ``day``."""
    fields = {
        "title": title,
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
        "draft": True,
    }
    return _front_matter(fields, "\nWhat happened, in a few paragraphs.\n")


def metric_text(title: str, day: dt.date) -> str:
    """A new metric with no points yet, and a comment that shows how to add them."""
    fields = {
        "name": title,
        "unit": "",
        "direction": "up",
        "description": "",
        "summary": "",
        "tags": [],
        "points": [],
        "draft": True,
    }
    comment = f"# Add points as {{date: {day.isoformat()}, value: 42}}, or use csv: <file>.\n"
    return comment + _yaml(fields)


def next_patch_version(versions: Iterable[Version]) -> str:
    """The patch after the highest version given (a pre-release gives its release), or
    0.1.0 when there is none."""
    highest = max(versions, key=lambda v: v.key, default=None)
    if highest is None:
        return "0.1.0"
    if highest.prerelease:
        return f"{highest.major}.{highest.minor}.{highest.patch}"
    return f"{highest.major}.{highest.minor}.{highest.patch + 1}"


def existing_versions(releases_dir: Path) -> list[tuple[Version, bool]]:
    """The version of each release file in a folder and whether the file says
    ``status: planned``, read leniently (for `new release`: a broken file still counts)."""
    versions = []
    for path in sorted(releases_dir.rglob("*")):
        if path.suffix.lower() not in (".md", ".yaml", ".yml") or not path.is_file():
            continue
        text = path.read_text("utf-8", "replace")
        match = _VERSION_LINE.search(text)
        version = parse_version(match[1]) if match else None
        if version is not None:
            versions.append((version, bool(_PLANNED_LINE.search(text))))
    return versions


def next_release_version(versions: list[tuple[Version, bool]]) -> str:
    """The next patch after the highest *released* version (a planned 3.0.0 does not
    count), skipping versions that a file already has; 0.1.0 for the first release."""
    released = [version for version, planned in versions if not planned]
    taken = {version.text for version, _ in versions}
    candidate = next_patch_version(released)
    while candidate in taken:
        parsed = parse_version(candidate)
        assert parsed is not None
        candidate = next_patch_version([parsed])
    return candidate


def name_and_title(kind: str, name: str | None, day: dt.date) -> tuple[str, str]:
    """The file name (slug) and the title of a new item from what the user typed: a
    slug ("better-search": its title is "Better search") or a title ("Better search":
    its slug is "better-search"). A reflection without a name is named by ``day``."""
    if not name and kind == "reflection":
        return day.isoformat(), f"Reflection, {day.day} {day:%B} {day.year}"
    if not name or not name.strip():
        raise UsageError(
            f"pmsite new {kind} needs a NAME: a title in quotes"
            f' (pmsite new {kind} "Better search") or a slug (better-search)'
        )
    name = name.strip()
    if is_file_slug(name):
        return name, _title_from(name)
    parts = re.split(r"[/\\]", name)
    if name.startswith((".", "/", "\\")) or any(part in (".", "..") for part in parts):
        raise UsageError(
            f"'{name}' cannot be a file name: it looks like a path; give a title in quotes"
            f' (pmsite new {kind} "Better search") or a slug (better-search)'
        )
    slug = tag_slug(name)
    if not slug or not is_file_slug(slug):
        raise UsageError(
            f"'{name}' cannot be a file name: it has no letters or digits; give a title"
            f' in quotes (pmsite new {kind} "Better search") or a slug (better-search)'
        )
    return slug, name


def new_item(site_dir: Path, kind: str, name: str | None, day: dt.date | None = None) -> Path:
    """Write a new item file with every field present; never overwrite. Returns its path.

    ``name`` is a slug or a title (see ``name_and_title``); for a release, a version (by
    default the next patch after the highest released one)."""
    day = day or today()
    spec = BY_NAME[kind]
    folder = site_dir / "content" / spec.folder
    if kind == "release":
        versions = existing_versions(folder) if folder.is_dir() else []
        name = name.strip() if name else next_release_version(versions)
        if parse_version(name) is None:
            raise UsageError(f"'{name}' is not a SemVer 2.0.0 version (e.g. 1.4.0 or 2.0.0-rc.1)")
        if name in {version.text for version, _ in versions}:
            raise PmsiteError(f"release {name} already exists in {folder}")
        slug, title = name, name
    else:
        slug, title = name_and_title(kind, name, day)
        if kind == "reflection" and not name:
            slug = _free_name(folder, slug)
    path = folder / f"{slug}{spec.scaffold_suffix}"
    clashes = [p for p in [path] if p.exists()]
    if folder.is_dir():
        clashes += [p for p in folder.iterdir() if p.stem.lower() == slug.lower()]
    if clashes:
        raise PmsiteError(f"{clashes[0]} already exists; pmsite new never overwrites a file")
    assert spec.scaffold is not None, f"pmsite new {kind}: the kind has no scaffold"
    text: str = globals()[spec.scaffold](title, day)
    write_new_text(path, text)
    return path


def _free_name(folder: Path, name: str) -> str:
    """``name``, or ``name-2``, ``name-3``... the first that no file in ``folder`` has."""
    taken = {p.stem.lower() for p in folder.iterdir()} if folder.is_dir() else set()
    candidate, number = name, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


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
        ".github/workflows/pmsite.yml": workflow_text(),
    }
    written = []
    for relative, text in files.items():
        path = target / relative
        write_new_text(path, text)
        written.append(path)
    return written


def _site_yaml(name: str) -> str:
    title = _title_from(name)
    text = yaml.safe_dump(
        {
            "title": f"{title} roadmap",
            "product": title,
            "description": f"Where {title} is going, and what shipped.",
            "language": "en",
        },
        sort_keys=False,
        allow_unicode=True,
    )
    return text + SITE_YAML_BASE_URL


SITE_YAML_BASE_URL = """\
# base_url: the address the site is published at, ending with '/'. It is left out on
# purpose: .github/workflows/pmsite.yml passes the GitHub Pages address with
# --base-url, and so do the GitLab and Netlify recipes in pmsite's README. Set it only
# to publish another way (e.g. base_url: https://roadmap.acme.com/).
"""


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
