"""What the history reads from git: one ``git log`` of content/ (every commit that
touched it, with the blobs each one changed), blobs in one ``git cat-file --batch``, the
commits reachable from a revision, and a tree's files (``pmsite check --base``).

Everything runs with ``--literal-pathspecs`` and without the user's pager, colours,
signatures or rename detection, so the output is the same on every machine.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Modes of what the history reads: regular files (symlinks and submodules are not).
_FILE_MODES = ("100644", "100755")
_TIMEOUT = 300
_HEX = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that surrogateescape kept


class GitError(Exception):
    """git could not do what was asked; the message is git's own first line."""


@dataclass(frozen=True)
class LogEntry:
    """One file a commit changed: its path under content/ and its blob before and after
    ("" where it did not exist, or was not a regular file)."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class LogCommit:
    """One commit of ``git log``: its id, its parents in the log (rewritten to those that
    touched content/), its committer time (seconds since the epoch), its subject, and
    the files it changed compared with its first parent."""

    id: str
    parents: tuple[str, ...]
    time: int
    subject: str
    entries: tuple[LogEntry, ...]


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """git's standard output for ``args`` run in ``root``; raises GitError when git is
    missing or fails."""
    command = ["git", "--literal-pathspecs", "--no-pager", *args]
    try:
        result = subprocess.run(
            command, cwd=root, input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"cannot run git: {error}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[0] if message else f"git {args[0]} failed")
    return result.stdout


def read_log(root: Path, folder: str) -> list[LogCommit]:
    """Every commit reachable from HEAD that changed something under ``folder`` (a path
    relative to ``root``), parents before children and otherwise by commit date: the
    order of ``git log --date-order --reverse``. A merge lists what it changed compared
    with its first parent; paths in the entries are relative to ``folder``."""
    output = run_git(
        root,
        "-c",
        "log.showSignature=false",
        "log",
        "--date-order",
        "--reverse",
        "--parents",
        "--root",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-color",
        "--diff-merges=first-parent",
        "-z",
        "--format=%x1e%H%x1f%P%x1f%ct%x1f%s",
        "HEAD",
        "--",
        folder,
    )
    text = output.decode("utf-8", "surrogateescape")
    prefix = folder.rstrip("/") + "/"
    commits = []
    for record in text.split("\x1e")[1:]:
        header, _, raw = record.partition("\0")
        fields = header.split("\x1f", 3)
        if len(fields) < 4:
            continue
        commit, parents, time, subject = fields
        commits.append(
            LogCommit(
                commit,
                tuple(parents.split()),
                int(time or 0),
                _readable(subject),
                tuple(_entries(raw, prefix)),
            )
        )
    return commits


def _readable(text: str) -> str:
    """A commit subject fit for a page and a feed: bytes that are not UTF-8 become U+FFFD,
    control characters (which XML refuses) are dropped."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROL.sub("", text)


def _entries(raw: str, prefix: str) -> Iterable[LogEntry]:
    """The entries of ``--raw -z``: ':old-mode new-mode old new status' NUL path NUL."""
    tokens = raw.lstrip("\n").split("\0")
    for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
        parts = meta.lstrip(":").split()
        if len(parts) < 5 or not path.startswith(prefix):
            continue
        old_mode, new_mode, old, new = parts[:4]
        if _NOT_UTF8.search(path):
            continue  # a name the build refuses too ("file name is not valid UTF-8")
        yield LogEntry(
            path[len(prefix) :],
            old if old_mode in _FILE_MODES and old.strip("0") else "",
            new if new_mode in _FILE_MODES and new.strip("0") else "",
        )


def read_blobs(root: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """The contents of the blobs ``ids``, read in one ``git cat-file --batch``; a blob
    git does not have (a partial clone) is left out."""
    wanted = sorted({blob for blob in ids if _HEX.match(blob)})
    if not wanted:
        return {}
    output = run_git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in wanted).encode())
    found: dict[str, bytes] = {}
    position = 0
    for blob in wanted:
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        found[blob] = output[position : position + size]
        position += size + 1
    return found


def resolve(root: Path, revision: str) -> str | None:
    """The commit id ``revision`` names, or None when it names no commit."""
    if not revision or revision.startswith("-"):
        return None
    try:
        output = run_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                         f"{revision}^{{commit}}")  # fmt: skip
    except GitError:
        return None
    found = output.decode("ascii", "replace").strip()
    return found if _HEX.match(found) else None


def reachable(root: Path, commit: str) -> set[str]:
    """Every commit reachable from ``commit`` (it included)."""
    return set(run_git(root, "rev-list", commit).decode("ascii", "replace").split())


def tree_files(root: Path, commit: str, folder: str) -> dict[str, str]:
    """The regular files under ``folder`` in ``commit``: path relative to ``folder`` ->
    blob id."""
    output = run_git(root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", folder)
    prefix = folder.rstrip("/") + "/"
    files = {}
    for entry in output.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[0] in _FILE_MODES and path.startswith(prefix):
            files[path[len(prefix) :]] = parts[2]
    return files


def shallow_commits(common_dir: Path | None) -> frozenset[str]:
    """The commits a shallow clone was cut at (its ``shallow`` file); empty otherwise."""
    if common_dir is None:
        return frozenset()
    try:
        text = (common_dir / "shallow").read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
