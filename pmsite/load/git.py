"""When each content file last changed, from git (never from file times, so builds stay
deterministic), and where to edit it. No git, or an uncommitted file: no date."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmsite.model.items import Item, Site


@dataclass
class GitDates:
    """Last-commit dates of the files under one folder of a git work tree."""

    root: Path | None = None  # the work tree's top folder; None outside git
    branch: str = "main"
    dates: dict[Path, dt.date] = field(default_factory=dict)
    dirty: set[Path] = field(default_factory=set)

    def last_updated(self, path: Path) -> dt.date | None:
        path = path.resolve()
        return None if path in self.dirty else self.dates.get(path)

    def repo_path(self, path: Path, site_dir: Path) -> str:
        """``path`` as the repository sees it (from the work tree's top, or the site)."""
        base = self.root or site_dir.resolve()
        try:
            return path.resolve().relative_to(base).as_posix()
        except ValueError:
            return path.as_posix()


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True)
class GitProbe:
    """What git says of a site's content/ now: the work tree's top folder (None outside
    git), HEAD's commit id, and ``git status --porcelain -z`` of content/."""

    root: Path | None = None
    head: str = ""
    status: str = ""

    @property
    def state(self) -> str:
        """HEAD and the uncommitted files: what the git dates depend on (one string)."""
        return f"{self.head}\n{self.status}" if self.root else ""

    def dirty(self) -> set[Path]:
        """The files under content/ with uncommitted changes (or untracked)."""
        assert self.root is not None
        root = self.root
        return {root / entry[3:] for entry in self.status.split("\0") if len(entry) > 3}


def probe(site_dir: Path) -> GitProbe:
    """Ask git about ``site_dir``'s content/ (the one place that does)."""
    content = site_dir / "content"
    top = _git(content, "rev-parse", "--show-toplevel")
    if top is None:
        return GitProbe()
    root = Path(top.strip()).resolve()
    head = (_git(root, "rev-parse", "HEAD") or "").strip()
    status = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", str(content))
    return GitProbe(root, head, status or "")


class GitReader:
    """Reads git dates for a site; the history is read again only when HEAD moves."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir.resolve()
        self._head: str | None = None
        self._cached = GitDates()

    def read(self) -> GitDates:
        found = probe(self.site_dir)
        if found.root is None:
            return GitDates()
        root = found.root
        if found.head != self._head:
            content = self.site_dir / "content"
            self._cached = GitDates(root, _branch(root), _last_commit_dates(root, content))
            self._head = found.head
        return GitDates(root, self._cached.branch, self._cached.dates, found.dirty())


def git_state(site_dir: Path) -> str:
    """HEAD and the uncommitted files under content/: what the git dates depend on."""
    return probe(site_dir).state


def _branch(root: Path) -> str:
    branch = (_git(root, "rev-parse", "--abbrev-ref", "HEAD") or "").strip()
    return branch if branch and branch != "HEAD" else "main"


def _last_commit_dates(root: Path, folder: Path) -> dict[Path, dt.date]:
    """One pass over the history: the first date seen for a file is its latest commit."""
    log = _git(root, "log", "--format=%x01%cs", "--name-only", "--no-renames", "--", str(folder))
    dates: dict[Path, dt.date] = {}
    current: dt.date | None = None
    for line in (log or "").splitlines():
        if line.startswith("\x01"):
            current = dt.date.fromisoformat(line[1:])
        elif line and current is not None:
            dates.setdefault((root / line).resolve(), current)
    return dates


def edit_url(repo_url: str, branch: str, path: str) -> str:
    """A link to edit ``path`` in the repository's web editor (GitHub or GitLab style)."""
    base = repo_url.rstrip("/")
    if "gitlab" in base:
        return f"{base}/-/edit/{branch}/{path}"
    return f"{base}/edit/{branch}/{path}"


def apply_git_dates(site: Site, site_dir: Path, git: GitDates) -> None:
    """Give every item its ``last_updated`` date and, with a repo_url, its ``edit_url``."""
    for item in site.items():
        apply_git_date(item, site_dir, git, site.config.repo_url)


def apply_git_date(item: Item, site_dir: Path, git: GitDates, repo_url: str) -> None:
    """One item's ``last_updated`` date and, with a ``repo_url``, its ``edit_url``."""
    path = site_dir / item.source
    item.last_updated = git.last_updated(path) if git.root else None
    if repo_url:
        item.edit_url = edit_url(repo_url, git.branch, git.repo_path(path, site_dir))
