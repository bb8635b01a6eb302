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
    """Last-commit dates of the files under one folder of a git work tree, with what
    the history (pmsite/history/) needs to know of the repository: HEAD's commit id,
    its common git folder and the commits a shallow clone was cut at."""

    root: Path | None = None  # the work tree's top folder; None outside git
    branch: str = "main"
    dates: dict[Path, dt.date] = field(default_factory=dict)
    dirty: set[Path] = field(default_factory=set)
    head: str = ""  # "" before the first commit
    common_dir: Path | None = None
    shallow: frozenset[str] = frozenset()

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
    git), HEAD's commit id, ``git status --porcelain -z`` of content/, the git folder
    of the work tree and the common one (they differ in a linked work tree), and the
    commits a shallow clone was cut at (its ``shallow`` file, one id a line), and the
    branch checked out ("main" when HEAD is detached), which edit links name."""

    root: Path | None = None
    head: str = ""
    status: str = ""
    git_dir: Path | None = None
    common_dir: Path | None = None
    shallow: str = ""
    branch: str = "main"

    @property
    def state(self) -> str:
        """HEAD, the uncommitted files, how shallow the clone is and the branch: what
        the git dates, the edit links and the history depend on (one string)."""
        if not self.root:
            return ""
        return f"{self.head}\n{self.status}\n{self.shallow}\n{self.branch}"

    @property
    def shallow_commits(self) -> frozenset[str]:
        return frozenset(self.shallow.split())

    def dirty(self) -> set[Path]:
        """The files under content/ with uncommitted changes (or untracked)."""
        assert self.root is not None
        root = self.root
        return {root / entry[3:] for entry in self.status.split("\0") if len(entry) > 3}


def probe(site_dir: Path) -> GitProbe:
    """Ask git about ``site_dir``'s content/ (the one place that does)."""
    content = site_dir / "content"
    found = _git(content, "rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir")
    lines = (found or "").splitlines()
    if len(lines) != 3:
        return GitProbe()
    root = Path(lines[0]).resolve()
    git_dir = Path(lines[1])
    common_dir = (content / lines[2]).resolve()  # relative to where git ran, or absolute
    head = (_git(root, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()
    status = _git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--", str(content))
    try:
        shallow = (common_dir / "shallow").read_text(encoding="ascii", errors="replace")
    except OSError:
        shallow = ""
    return GitProbe(root, head, status or "", git_dir, common_dir, shallow, _branch(git_dir))


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
            self._cached = GitDates(root, found.branch, _last_commit_dates(root, content))
            self._head = found.head
        cached = self._cached
        return GitDates(
            root,
            found.branch,  # a checkout of another branch at the same commit moves no date
            cached.dates,
            found.dirty(),
            found.head,
            found.common_dir,
            found.shallow_commits,
        )


def git_state(site_dir: Path) -> str:
    """HEAD and the uncommitted files under content/: what the git dates depend on."""
    return probe(site_dir).state


def _branch(git_dir: Path) -> str:
    """The branch HEAD names (its file ``ref: refs/heads/<branch>``), read without
    running git; "main" when HEAD is detached or cannot be read."""
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "main"
    prefix = "ref: refs/heads/"
    return head[len(prefix) :] if head.startswith(prefix) and len(head) > len(prefix) else "main"


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


def commit_url(repo_url: str, commit: str) -> str:
    """A link to ``commit`` on the repository's website (GitHub or GitLab style)."""
    base = repo_url.rstrip("/")
    if "gitlab" in base:
        return f"{base}/-/commit/{commit}"
    return f"{base}/commit/{commit}"


def watched_git_paths(site_dir: Path) -> tuple[Path, Path] | None:
    """The git folder of the site's work tree and the common one, whose HEAD, refs/ and
    packed-refs move when someone commits or checks out (``pmsite serve`` watches them:
    a commit changes the history); None outside git."""
    found = probe(site_dir)
    if found.git_dir is None or found.common_dir is None:
        return None
    return found.git_dir.resolve(), found.common_dir.resolve()


def is_ref_change(path: Path, git_dirs: tuple[Path, Path]) -> bool:
    """Whether ``path`` is HEAD, packed-refs or a ref (not a lock file) of those folders."""
    if path.name.endswith(".lock"):
        return False
    git_dir, common_dir = git_dirs
    if path.parent in (git_dir, common_dir):
        return path.name in ("HEAD", "packed-refs")
    return path.is_relative_to(common_dir / "refs")


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
