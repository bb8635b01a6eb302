"""Every file pmsite writes is written here.

- The built site: refuse unsafe output folders, stage every file in a temporary folder
  beside the output, and swap it in only when everything was written. A failed build
  therefore leaves the previous output exactly as it was. A marker file tells pmsite
  that a folder is its own, so it never replaces a folder a user made.
- Files that replace another whole (the build cache, ``export changelog -o``):
  ``replacing`` writes a temporary file and renames it over the old one.
- Files for people (``pmsite new``, ``pmsite init``, imported release notes):
  ``write_new_text`` never overwrites anything.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TextIO

from pmsite.digest import digest
from pmsite.errors import ContentError, ContentErrors, OutputError


@contextmanager
def replacing(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text file to write that replaces ``path`` only once complete (a temporary
    file renamed over it), so a killed process never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            yield out
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_new_text(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path`` (and its folders); raises FileExistsError
    rather than overwrite anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
        handle.write(text)


MARKER = ".pmsite-output"
MARKER_TEXT = "This folder is written by pmsite build and replaced on every build.\n"


@dataclass(frozen=True)
class OutputFile:
    """A file to write: its path under the output folder and its bytes or source file."""

    path: str
    source: str
    content: bytes | None = None
    copy_from: Path | None = None
    written: list | None = None  # already in the staging folder: its [size, mtime, digest]


def check_output_dir(site_dir: Path, output_dir: Path) -> None:
    """Raise OutputError unless ``output_dir`` is safe to replace wholesale."""
    site = site_dir.resolve()
    out = output_dir.resolve()
    protected = [site / "content", site / "templates"]
    if out == site or site.is_relative_to(out):
        raise OutputError(f"refusing to use {output_dir} as output: it holds the site itself")
    for folder in protected:
        if out == folder or out.is_relative_to(folder):
            raise OutputError(
                f"refusing to use {output_dir} as output: it is inside {folder.name}/,"
                " which holds your sources"
            )
    if out.exists() and not out.is_dir():
        raise OutputError(f"refusing to use {output_dir} as output: it is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise OutputError(
            f"refusing to replace {output_dir}: it is not empty and pmsite did not create it"
            f" (no {MARKER} file); empty it or choose another --output"
        )


def check_unique_paths(files: Iterable[OutputFile]) -> None:
    """Two sources must never write the same output file (the second would win silently)."""
    seen: dict[str, str] = {}
    problems = []
    for file in files:
        key = file.path.lower()
        if key in seen:
            problems.append(
                ContentError(file.source, None, f"writes {file.path}, which {seen[key]} writes too")
            )
        else:
            seen[key] = file.source
    if problems:
        raise ContentErrors(problems)


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise OutputError(f"internal error: refusing to write outside the output folder: {path}")
    return relative


def recover_interrupted(output_dir: Path) -> None:
    """Undo what an interrupted build left: restore a moved-away output, drop temp folders."""
    parent = output_dir.parent
    if not parent.is_dir():
        return
    old_dirs = sorted(parent.glob(f".{output_dir.name}.old-*"))
    if not output_dir.exists() and old_dirs:
        os.replace(old_dirs[-1], output_dir)
        old_dirs = old_dirs[:-1]
    for leftover in [*old_dirs, *parent.glob(f".{output_dir.name}.tmp-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Serialise builds into the same output folder (two at once must not mix)."""
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# path -> [size, mtime_ns, digest] of each file in the output, and ctime_ns once swapped in
Written = dict[str, list]


class Staging:
    """A folder beside the output that a build writes into as it goes (forked workers
    write their own pages into it too), swapped in as the output only when every file
    is there. A file whose bytes did not change is hard-linked from the current output
    instead (when ``previous``, what the last build wrote, says it is untouched), so it
    keeps its modification time."""

    def __init__(self, output_dir: Path, previous: Written) -> None:
        self.output_dir = output_dir
        self.previous = previous
        self.path = output_dir.parent / f".{output_dir.name}.tmp-{os.getpid()}"
        self._folders: set[Path] = {self.path}  # made already

    def write(self, file: OutputFile) -> list:
        """Write one file; returns its [size, mtime_ns, digest] for the manifest."""
        target = self._target(file.path)
        data = file.copy_from.read_bytes() if file.copy_from else (file.content or b"")
        fingerprint = digest(data)
        before = self.previous.get(file.path)
        if not _link_unchanged(self.output_dir / file.path, target, fingerprint, before):
            target.write_bytes(data)
        stat = target.stat()
        return [stat.st_size, stat.st_mtime_ns, fingerprint]

    def _target(self, path: str) -> Path:
        """Where ``path`` goes in the staging folder, its folder made."""
        target = self.path / _safe_relative(path)
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        return target

    def keep(self, path: str) -> list | None:
        """Hard-link the current output's ``path`` into the staging folder when it is
        the file the last build wrote there: without reading it when its size,
        modification and change time are as recorded, otherwise (an output restored
        from a CI cache has new change times) when its bytes still have the recorded
        digest. Returns its [size, mtime_ns, digest], or None when it cannot be kept
        (then the caller makes it again)."""
        before = self.previous.get(path)
        if before is None:
            return None
        current = self.output_dir / path
        target = self._target(path)
        if _link_unchanged(current, target, before[2], before):
            return [before[0], before[1], before[2]]
        try:
            data = current.read_bytes()
        except OSError:
            return None
        fingerprint = digest(data)
        if fingerprint != before[2]:
            return None  # changed since it was written: made again
        try:
            os.link(current, target)
        except OSError:
            target.write_bytes(data)
        stat = target.stat()
        return [stat.st_size, stat.st_mtime_ns, fingerprint]


@contextmanager
def staged_output(output_dir: Path, previous: Written | None = None) -> Iterator[Staging]:
    """A Staging for ``output_dir``, holding the output's lock throughout. Leaving the
    block normally does not swap it in: call ``commit``. On any error it is removed and
    the output stays as it was."""
    with output_lock(output_dir):
        recover_interrupted(output_dir)
        staging = Staging(output_dir, previous or {})
        shutil.rmtree(staging.path, ignore_errors=True)
        try:
            staging.path.mkdir()
            yield staging
        except OSError as error:
            raise OutputError(f"could not write {output_dir}: {error}") from None
        finally:
            shutil.rmtree(staging.path, ignore_errors=True)  # gone already when committed


def commit(staging: Staging, written: Written) -> Written:
    """Finish ``staging`` (the marker file) and swap it in as the output; ``written`` is
    what was written into it, returned with the marker added."""
    marker = staging.path / MARKER
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    stat = marker.stat()
    written = {**written, MARKER: [stat.st_size, stat.st_mtime_ns, digest(MARKER_TEXT.encode())]}
    _swap_in(staging.path, staging.output_dir)
    return written


def _link_unchanged(current: Path, target: Path, fingerprint: str, before: list | None) -> bool:
    """Hard-link ``current`` to ``target`` when it is the file the last build wrote (same
    size and times as recorded) and the new bytes are the same (same digest)."""
    if before is None or before[2] != fingerprint:
        return False
    try:
        stat = current.stat()
        if [stat.st_size, stat.st_mtime_ns] != before[:2]:
            return False
        if len(before) > 3 and stat.st_ctime_ns != before[3]:
            return False  # rewritten with its time set back (cp -p, rsync --inplace)
        os.link(current, target)
    except OSError:
        return False
    return True


def _swap_in(staging: Path, output_dir: Path) -> None:
    """Make ``staging`` the output. On Linux the two folders are exchanged in one atomic
    step, so output/ is never missing or mixed, even if the process is killed."""
    if not output_dir.exists():
        os.replace(staging, output_dir)
        return
    if _exchange(staging, output_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous build
        return
    # Elsewhere: two renames; recover_interrupted() repairs a kill between them.
    old = output_dir.parent / f".{output_dir.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    os.replace(output_dir, old)
    os.replace(staging, output_dir)
    shutil.rmtree(old, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False if the
    system cannot (then nothing happened)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # here: only a build that writes needs it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return result == 0
