"""``pmsite check``: everything a build checks, every internal link of the rendered site,
and the findings a product team wants before it publishes; nothing is written.

Three severities. Errors: content errors and broken links. Warnings: releases whose
SemVer order contradicts their dates, a metric with no points, an active goal with no
owner, a placeholder ``base_url``; ``--strict`` makes them errors. Notices: what only
time made true (a goal or a planned release past its target, a goal not updated for
STALE_DAYS days) and, with ``--base REV``, a goal whose target slipped or that left Now
since a git revision; the site shows the overdue ones too ("Overdue"), and notices never
fail a check, so a date passing cannot stop a team from publishing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import posixpath
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pmsite.errors import ContentErrors
from pmsite.model.items import Item, Release, Site
from pmsite.model.urls import is_repository_path
from pmsite.options import BuildOptions, build_today
from pmsite.session import BuildSession
from pmsite.store.write import OutputFile

SEVERITIES = ("error", "warning", "notice")
STALE_DAYS = 90  # an open goal whose file no commit touched for longer gets a notice

# Hosts that are never a real site's address: the documentation domains (RFC 2606) and
# the loopback names. A base_url on one of them is a placeholder left in site.yaml.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int | None
    severity: str  # error | warning | notice
    message: str


def run_check(
    site_dir: Path,
    strict: bool = False,
    today: dt.date | None = None,
    audience: str = "public",
    base: str | None = None,
) -> list[Finding]:
    """All findings for the site, errors first, then warnings, then notices; ``strict``
    makes warnings errors (notices stay notices). With ``base`` (a git revision), notices
    also name every goal whose target slipped or that left Now since then
    (``base_notices``); raises UsageError when ``base`` names no commit."""
    today = today or build_today()  # SOURCE_DATE_EPOCH's day, when it is set
    try:
        options = BuildOptions.of(audience=audience, today=today)
        outcome = BuildSession(site_dir, options, track=False, history_cache=True).build()
    except ContentErrors as error:
        return [Finding(e.path, e.line, "error", e.message) for e in error.errors]
    findings = [Finding(w.path, w.line, "warning", w.message) for w in outcome.warnings]
    findings += content_warnings(outcome.site, today)
    findings += placeholder_base_url(outcome.site, site_dir)
    links = broken_links(outcome.files, site_dir)
    # Paths in the repository in imported release notes stay warnings under --strict:
    # they are fixed once for every old release by setting repo_url in site.yaml.
    repository = [f for f in links if f.severity == "warning"]
    findings += [f for f in links if f.severity != "warning"]
    if strict:
        findings = [
            Finding(f.file, f.line, "error", f.message) if f.severity == "warning" else f
            for f in findings
        ]
    findings += repository
    if base is not None:
        findings += base_notices(outcome.site, site_dir, base, audience)
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.file, f.line or 0))


def base_notices(site: Site, site_dir: Path, base: str, audience: str = "public") -> list[Finding]:
    """A notice (on the goal's ``target:`` line) for every goal of ``site`` whose target
    ends later than it did at the git revision ``base``, or whose target was removed, and
    for every goal that was in Now then and is not now. Goals new since ``base`` and goals
    that were drafts (or internal, in a public check) then are not compared. Raises
    UsageError without git or when ``base`` names no commit."""
    from pmsite.errors import UsageError, quoted
    from pmsite.history.gitlog import GitError, read_blobs, resolve, tree_files
    from pmsite.history.revisions import ItemState, kind_of, read_revision
    from pmsite.load.git import probe
    from pmsite.model.timeframe import parse_target

    root = probe(site_dir).root
    if root is None:
        raise UsageError("--base needs git: content/ is not in a git work tree")
    commit = resolve(root, base)
    if commit is None:
        raise UsageError(f"--base: {quoted(base)} is not a git revision")
    folder = (site_dir / "content").resolve().relative_to(root).as_posix()
    try:
        files = {path: blob for path, blob in tree_files(root, commit, folder).items()}
        blobs = read_blobs(root, files.values())
    except GitError as error:
        raise UsageError(f"--base: {error}") from None
    then: dict[str, ItemState] = {}
    for path, blob in sorted(files.items()):
        if kind_of(path) != "goal" or blob not in blobs:
            continue
        state = read_revision("goal", path, blobs[blob], site_dir)
        hidden = isinstance(state, ItemState) and (
            state.draft or (state.internal and audience != "internal")
        )
        if isinstance(state, ItemState) and not hidden:
            then.setdefault(state.slug, state)
    findings = []
    for goal in site.goals:
        old = then.get(goal.slug)
        if old is None:
            continue
        line = next(
            (goal.field_lines[k] for k in ("target", "horizon", "status") if k in goal.field_lines),
            goal.line,
        )
        old_target = parse_target(old.target) if old.target else None
        if old_target and goal.target and goal.target.end > old_target.end:
            message = (
                f"the goal's target slipped from {old.target} to {goal.target.text} since {base}"
            )
            findings.append(Finding(goal.source, line, "notice", message))
        elif old_target and goal.target is None:
            message = f"the goal's target {old.target} was removed since {base}: it is unscheduled"
            findings.append(Finding(goal.source, line, "notice", message))
        if old.lane == "now" and goal.lane != "now":
            if goal.lane:
                where = f"it is in {goal.lane.capitalize()} now"
            else:
                where = f"it is {goal.status.replace('-', ' ').capitalize()} now"
            message = f"the goal left Now since {base} ({where})"
            findings.append(Finding(goal.source, line, "notice", message))
    return findings


def _at(item: Item, key: str, message: str, severity: str = "warning") -> Finding:
    return Finding(item.source, item.field_lines.get(key, item.line), severity, message)


def content_warnings(site: Site, today: dt.date) -> list[Finding]:
    """The findings about the content itself: warnings, and notices about dates."""
    findings = []
    for goal in site.goals:
        if goal.overdue and goal.target:
            findings.append(
                _at(
                    goal,
                    "target",
                    f"target: the goal is overdue: its target {goal.target.text} ended"
                    f" {goal.target.end.isoformat()} and it is still {goal.status}"
                    f" ({_lane_text(goal.lane)}); move the target or update the status",
                    "notice",
                )
            )
        if not goal.owner and goal.status not in ("done", "dropped"):
            findings.append(_at(goal, "title", "owner: the goal has no owner"))
        if goal.status not in ("done", "dropped") and goal.last_updated:
            days = (today - goal.last_updated).days
            if days > STALE_DAYS:
                findings.append(
                    _at(
                        goal,
                        "title",
                        f"no update for {days} days (last commit {goal.last_updated.isoformat()})"
                        "; check that its status, progress and target are still right",
                        "notice",
                    )
                )
    for release in site.upcoming_releases:
        if release.overdue and release.target:
            findings.append(
                _at(
                    release,
                    "target",
                    f"target: planned release {release.version_text} is overdue: its target"
                    f" {release.target.text} ended {release.target.end.isoformat()};"
                    " release it or move the target",
                    "notice",
                )
            )
    for metric in site.metrics:
        if not metric.points:
            # At the empty 'points:' (or the 'csv:' that gave none), where the fix goes.
            key = next((k for k in ("points", "csv") if k in metric.field_lines), "name")
            findings.append(_at(metric, key, "points: the metric has no data points yet"))
    findings += _release_order_warnings(site.released_releases)
    return findings


def _lane_text(lane: str) -> str:
    return f"in {lane.capitalize()}" if lane else "on no lane"


def placeholder_host(url: str) -> str | None:
    """The reserved name that ``url``'s host is or is under (``example.org``, ``.test``,
    ``localhost``, a loopback address), or None for a real host."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return None
    for domain in PLACEHOLDER_DOMAINS:
        if host == domain or host.endswith(f".{domain}"):
            return domain
    for suffix in PLACEHOLDER_SUFFIXES:
        if host.endswith(suffix):
            return suffix
    try:
        return host if ipaddress.ip_address(host).is_loopback else None
    except ValueError:
        return None


def placeholder_base_url(site: Site, site_dir: Path) -> list[Finding]:
    """A warning when site.yaml's base_url is a placeholder: every canonical link, feed
    entry, sitemap entry and roadmap.json URL of the published site would point there."""
    url = site.config.base_url
    host = placeholder_host(url) if url else None
    if host is None:
        return []
    source = site.config.source
    line = _key_line(site_dir / source, "base_url")
    message = (
        f"base_url: {url} is a placeholder ({host} is reserved for examples and local"
        " use): canonical links, feeds, sitemap.xml and roadmap.json would point there;"
        " set the address the site is published at, or remove base_url and pass"
        " --base-url when building (the workflow pmsite init writes does)"
    )
    return [Finding(source, line, "warning", message)]


def _release_order_warnings(releases: list[Release]) -> list[Finding]:
    """Dates that contradict the version order: within one major.minor line, and between
    the x.y.0 releases that open each line. Patches to an older line (backports) are
    fine; versions of the ``any`` scheme have no such order."""
    findings = []
    dated = [
        r
        for r in releases
        if r.version and r.date and not r.version.is_prerelease and r.version.scheme != "any"
    ]
    by_version = sorted(dated, key=lambda r: r.version.key)  # type: ignore[union-attr]
    lines: dict[tuple[int, int], list[Release]] = {}
    for release in by_version:
        assert release.version is not None
        lines.setdefault((release.version.major, release.version.minor), []).append(release)
    firsts = [series[0] for series in lines.values() if series[0].version.patch == 0]  # type: ignore[union-attr]
    for series in [*lines.values(), firsts]:
        for lower, higher in pairwise(series):
            assert lower.date is not None and higher.date is not None
            if higher.date < lower.date:
                findings.append(
                    _at(
                        higher,
                        "date",
                        f"date: {higher.version_text} is dated"
                        f" {higher.date.isoformat()}, before {lower.version_text}"
                        f" ({lower.date.isoformat()}), although its version is higher",
                    )
                )
    return findings


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            elif (name == "href" and tag in ("a", "link", "area")) or (
                name == "src" and tag in ("img", "script", "source", "iframe")
            ):
                self.links.append(value)


def broken_links(files: list[OutputFile], site_dir: Path) -> list[Finding]:
    """Every internal link (and #anchor) of the rendered pages that leads nowhere: an
    error, or a warning for a path in the repository (``./docs/x.md``) when site.yaml
    has no repo_url to link it to."""
    paths = {file.path for file in files}
    pages: dict[str, _Links] = {}
    for file in files:
        if file.path.endswith(".html") and file.content is not None:
            parser = _Links()
            parser.feed(file.content.decode("utf-8"))
            pages[file.path] = parser
    sources = {file.path: file.source for file in files}
    findings = []
    for page, parsed in pages.items():
        if page == "404.html":
            continue  # links from the base URL's path, not from its own place
        seen: dict[str, int] = {}  # broken link -> how many times it was met on the page
        for link in parsed.links:
            problem = _link_problem(page, link, paths, pages)
            if problem:
                source = sources[page]
                seen[link] = seen.get(link, 0) + 1
                line = _line_of(site_dir / source, link, seen[link])
                if is_repository_path(link):
                    message = (
                        f"{link} on {page} is a path in your repository: set repo_url in"
                        " site.yaml to link it there"
                    )
                    findings.append(Finding(source, line, "warning", message))
                    continue
                findings.append(
                    Finding(source, line, "error", f"broken link on {page}: {link} ({problem})")
                )
    return findings


def _link_problem(page: str, link: str, paths: set[str], pages: dict[str, _Links]) -> str | None:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith("//"):
        return None
    target: str | None = page
    if parts.path:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
        if joined.startswith(("..", "/")):
            return "it leads outside the site"
        directory = "index.html" if joined == "." else f"{joined}/index.html"
        candidates = [directory] if parts.path.endswith("/") else [joined, directory]
        target = next((c for c in candidates if c in paths), None)
        if target is None:
            return "no such page or file"
    if parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
        return f"no element with id '{unquote(parts.fragment)}'"
    return None


def _key_line(path: Path, key: str) -> int | None:
    """The line of a top-level ``key:`` in a YAML file (not a comment that names it)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((n for n, text in enumerate(lines, 1) if text.startswith(f"{key}:")), None)


def _line_of(path: Path, link: str, occurrence: int = 1) -> int | None:
    """The line of the source file that holds the ``occurrence``-th copy of the link
    itself (``#anchor`` included: not an earlier, working link to the same page); the
    link's page alone when the file writes it differently; None when it is not there."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for needle in dict.fromkeys((link, link.split("#")[0] or link)):
        found = [n for n, text in enumerate(lines, start=1) for _ in range(text.count(needle))]
        if found:
            return found[min(occurrence, len(found)) - 1]
    return None


def format_findings(findings: list[Finding], style: str, prefix: str = "") -> str:
    """text: file:line: severity: message, then the counts; github: ::error file=…,line=…::…
    (``::warning``, ``::notice``); json: a list of {file, line, severity, message}."""
    if style == "json":
        return json.dumps([asdict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
    lines = []
    for finding in findings:
        if style == "github":
            where = f"file={prefix}{finding.file}"
            if finding.line:
                where += f",line={finding.line}"
            message = finding.message.replace("%", "%25").replace("\n", "%0A")
            lines.append(f"::{finding.severity} {where}::{message}")
        else:
            where = f"{finding.file}:{finding.line}" if finding.line else finding.file
            lines.append(f"{where}: {finding.severity}: {finding.message}")
    if style == "text":
        counts = {severity: 0 for severity in SEVERITIES}
        for finding in findings:
            counts[finding.severity] += 1
        summary = [_count(counts["error"], "error"), _count(counts["warning"], "warning")]
        if counts["notice"]:
            summary.append(_count(counts["notice"], "notice"))
        lines.append(", ".join(summary))
    return "\n".join(lines) + "\n" if lines else ""


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"
