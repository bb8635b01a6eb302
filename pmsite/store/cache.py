"""The build cache in ``SITE/.pmsite-cache/``: git-ignored, safe to delete at any time.

- ``markdown.jsonl``: converted Markdown, one line per item (by the digest of its texts),
  valid for one pmsite, Markdown, Pygments and nh3 version and one ``unsafe_html``
  setting. A rebuild (or a CI
  run with the folder restored) converts only Markdown it has not seen.
- ``history.json`` and ``history-blobs.json``: the roadmap's history as read from git
  for one HEAD, and every revision of a content file parsed so far, by blob id (see
  history/extract.py): a build whose HEAD did not move reads no history from git.
- ``documents.jsonl``: front matter parsed from each content file's text, by the
  text's digest (load/parsed.py): a build parses the YAML of changed files only.
- ``renders-<output>.json``: what each output of the last build into an output folder
  read (items by fingerprint, site attributes, templates; see incremental/saved.py), so
  the next build process renders again only what an edit touched.
- ``manifest-<output>.json``: what the last build into an output folder read (one
  digest of each input's path, size, modification time and inode) and wrote (each
  file's size, time and digest, and each folder's time). When nothing read has changed
  and the output is as it was written, the next build has nothing to do; otherwise
  files whose bytes did not change are linked from the previous output instead of
  written again, keeping their times for deploy tools.

Only JSON is read back (never pickle): a cache restored in CI cannot run code. Each file,
and each line of the line-by-line ones, ends in the digest of its text (digest.py
``with_check``): damage that leaves valid JSON is noticed too.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pmsite import __version__
from pmsite.digest import checked, digest, hasher, with_check
from pmsite.load.walk import is_ignored_name
from pmsite.store.write import replacing

CACHE_DIR = ".pmsite-cache"
MARKDOWN_FILE = "markdown.jsonl"
FORMAT = 4  # 4: Markdown by item, decoded lazily; 3: by the digest of each source
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # the C encoder, one value at a time


@functools.cache
def versions() -> str:
    """What the cache's contents depend on besides the site: the versions of pmsite and
    of the libraries that shape its output. Read from the installed distributions' folder
    names (importlib.metadata takes 20 ms to do the same, a tenth of a no-op build)."""
    found = [f"pmsite {__version__}", f"format {FORMAT}"]
    for package in ("markdown", "pygments", "nh3", "jinja2"):
        found.append(f"{package} {_installed_version(package)}")
    return ", ".join(found)


def _installed_version(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return "?"  # not installed: pmsite cannot run without it anyway
    folder = os.path.dirname(os.path.dirname(spec.origin))
    prefix = f"{package}-"
    try:
        names = os.listdir(folder)
    except OSError:
        return "?"
    for name in names:
        if name.lower().startswith(prefix) and name.endswith((".dist-info", ".egg-info")):
            return name[len(prefix) :].rsplit(".", 1)[0]
    from importlib.metadata import PackageNotFoundError, version  # an unusual layout

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def cache_dir(site_dir: Path) -> Path:
    return site_dir.resolve() / CACHE_DIR


def _read_json(path: Path) -> object:
    try:
        body = checked(path.read_text(encoding="utf-8").rstrip("\n"))
        return None if body is None else json.loads(body)
    except (OSError, ValueError, UnicodeDecodeError):
        return None  # missing or damaged: as if there were no cache


@contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """A cache file to write, replacing the old one only once complete; the cache
    folder keeps a .gitignore of its own, so it is never committed by accident."""
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        with replacing(ignore) as out:
            out.write("*\n")
    with replacing(path) as out:
        yield out


class _Checked:
    """A text file being written, with the digest of what was written (``with_check``)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.hash = hasher()

    def write(self, text: str) -> None:
        self.out.write(text)
        self.hash.update(text.encode("utf-8"))

    def finish(self) -> None:
        """Write the digest of everything written, after a tab, and a newline."""
        self.out.write(f"\t{self.hash.hexdigest()}\n")


def _write_json(path: Path, data: object) -> None:
    """Write ``data`` as one line of JSON and its digest (see ``checked``)."""
    with _replacing(path) as file:
        out = _Checked(file)
        if not isinstance(data, dict):
            out.write(_dumps(data))
            out.finish()
            return
        # A mapping of lists or iterators (the build's records) is written an element at
        # a time: the whole file's text is never in memory at once.
        out.write("{")
        for number, (key, value) in enumerate(data.items()):
            out.write(f"{',' if number else ''}{_dumps(str(key))}:")
            if isinstance(value, (list, Iterator)):
                out.write("[")
                for index, element in enumerate(value):
                    out.write(f",{_dumps(element)}" if index else _dumps(element))
                out.write("]")
            else:
                out.write(_dumps(value))
        out.write("}")
        out.finish()


def read_json_file(path: Path) -> object:
    """The JSON value in the cache file ``path``, or None when it is missing or damaged."""
    return _read_json(path)


def write_json_file(path: Path, data: object) -> None:
    """Write ``data`` as the JSON of the cache file ``path`` (renamed into place once
    complete; the cache folder gets its .gitignore); raises OSError."""
    _write_json(path, data)


def read_cache_lines(site_dir: Path, name: str) -> list[str]:
    """The lines of the cache file ``name`` (empty when missing or unreadable)."""
    try:
        with open(cache_dir(site_dir) / name, encoding="utf-8") as lines:
            return list(lines)
    except (OSError, UnicodeDecodeError):
        return []


def write_cache_lines(site_dir: Path, name: str, lines: Iterable[str]) -> None:
    """Write ``lines`` (each ending in a newline) as the cache file ``name``, renamed
    into place once complete; raises OSError."""
    with _replacing(cache_dir(site_dir) / name) as out:
        out.writelines(lines)


def read_cache_json(site_dir: Path, name: str) -> object:
    """The JSON value in the cache file ``name``, or None when it is missing or damaged."""
    return _read_json(cache_dir(site_dir) / name)


def write_cache_json(site_dir: Path, name: str, data: object) -> None:
    """Write ``data`` as the JSON of the cache file ``name`` (renamed into place once
    complete); raises OSError when it cannot be written."""
    _write_json(cache_dir(site_dir) / name, data)


class StoredMarkdown:
    """The converted Markdown of earlier builds (``markdown.jsonl``), one line per item:
    ``[key, [HTML of each of its texts, in the order of Item.texts()]]``, the key being
    the digest of those texts' sources (render/markup.py ``entry_key``). Only where each
    line is in the file is kept in memory (``index``: key -> offset and length); a
    line is read (``os.pread``, in whichever process asks) and decoded when a page first
    shows one of its item's texts: a rebuild that renders a few pages of 10,000 decodes
    a few lines instead of 44 MB of JSON, and a cold build holds no HTML once it has
    written the file (see MarkupRenderer.render_items)."""

    def __init__(
        self, path: Path | None = None, index: dict[str, tuple[int, int]] | None = None
    ) -> None:
        self.path = path
        self.index = index or {}
        self._handle: int | None = None

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, key: object) -> bool:
        return key in self.index

    def _read(self, key: str) -> bytes:
        offset, length = self.index[key]
        if self._handle is None:
            assert self.path is not None
            # Kept open: a file written over later (renamed into place) stays readable.
            self._handle = os.open(self.path, os.O_RDONLY)
        return os.pread(self._handle, length, offset)

    def html(self, key: str) -> list[str] | None:
        """The HTML of each text of the item whose entry is ``key``; None when there is
        none or its line is damaged (or the file cannot be read)."""
        if key not in self.index:
            return None
        try:
            body = checked(self._read(key).decode("utf-8"))
            if body is None:
                return None  # damaged, even if it still reads as JSON
            stored_key, htmls = json.loads(body)
        except (OSError, ValueError, TypeError, UnicodeDecodeError):
            return None
        if stored_key != key or not isinstance(htmls, list):
            return None
        if not all(isinstance(html, str) for html in htmls):
            return None
        return htmls

    def line(self, key: str) -> str:
        """The JSON line of ``key`` as stored (with its newline), for writing it again;
        raises OSError or UnicodeDecodeError when it cannot be read."""
        return self._read(key).decode("utf-8") + "\n"


_KEY_END = b'", ['  # after the key (32 hex digits, see digest.py): the list of HTML


def load_markdown(site_dir: Path, unsafe_html: bool) -> StoredMarkdown:
    """The converted Markdown of earlier builds (see StoredMarkdown); empty when
    missing, damaged or made by other versions. Only the key at each line's start is
    read here; a line cut short (an interrupted append) is left out."""
    path = cache_dir(site_dir) / MARKDOWN_FILE
    index: dict[str, tuple[int, int]] = {}
    try:
        with open(path, "rb") as lines:
            header = lines.readline()
            if json.loads(header) != [versions(), unsafe_html]:
                return StoredMarkdown()
            offset = len(header)
            for line in lines:
                length = len(line) - 1  # without the newline
                whole = line.endswith(b"\n") and line[-35:-33] == b"]\t"  # and its check
                if whole and line.startswith(b'["') and line[34:38] == _KEY_END:
                    index[line[2:34].decode("ascii", "replace")] = (offset, length)
                offset += len(line)
    except (OSError, ValueError, UnicodeDecodeError):
        return StoredMarkdown()
    return StoredMarkdown(path, index)


def save_markdown(site_dir: Path, unsafe_html: bool, lines: Iterable[str]) -> StoredMarkdown:
    """Write the converted Markdown as JSON Lines (a header, then one line per item, as
    ``markdown_line`` makes them), renamed into place once complete; returns the file
    written, to read from. Raises OSError."""
    with markdown_writer(site_dir, unsafe_html) as writer:
        for line in lines:
            writer.add(line)
    return writer.stored


class MarkdownWriter:
    """The Markdown cache file being written by ``markdown_writer``: ``add`` one line
    (``markdown_line``) at a time, as each is made; ``stored`` is the file to read from
    once the ``with`` block is done."""

    def __init__(self, out: TextIO, path: Path, unsafe_html: bool) -> None:
        self._out = out
        self.stored = StoredMarkdown(path)
        header = _dumps([versions(), unsafe_html]) + "\n"
        out.write(header)
        self._offset = len(header.encode("utf-8"))

    def add(self, line: str) -> None:
        size = len(line.encode("utf-8"))
        self.stored.index[line[2:34]] = (self._offset, size - 1)
        self._out.write(line)
        self._offset += size


@contextmanager
def markdown_writer(site_dir: Path, unsafe_html: bool) -> Iterator[MarkdownWriter]:
    """A new Markdown cache file, written line by line and renamed into place when the
    ``with`` block completes (a failure or a kill leaves the old one); raises OSError."""
    path = cache_dir(site_dir) / MARKDOWN_FILE
    with _replacing(path) as out:
        yield MarkdownWriter(out, path, unsafe_html)


def markdown_line(key: str, htmls: list[str]) -> str:
    """One entry of the Markdown cache file (see StoredMarkdown): its JSON, a tab and
    the JSON's digest (``with_check``), and a newline."""
    return with_check(_dumps([key, htmls])) + "\n"


def append_markdown(site_dir: Path, lines: Iterable[str]) -> None:
    """Add ``lines`` (``markdown_line``) at the end of the Markdown cache written by
    ``save_markdown`` (which must exist, with the same versions and setting); raises
    OSError. Appending is not atomic: a line cut short by a killed process is skipped
    when read."""
    with open(cache_dir(site_dir) / MARKDOWN_FILE, "a", encoding="utf-8") as out:
        out.write("".join(lines))


def _stamps_below(folder: str, stamps: list[tuple], code: bool = False) -> None:
    """Add (path, size, modification time, change time, inode) of every file below
    ``folder`` to ``stamps``, but for ignored names (dotfiles, editor swap and backup
    files: the build never reads them) and, in ``code`` (pmsite's package), ``__pycache__``
    folders (Python's bytecode, written when a module is first imported: pmsite's own code
    counts by its sources; a content folder of that name is read like any other).
    Symlinked folders are followed (Jinja reads templates through them), each folder
    once. Plain strings and scandir, not pathlib, in no particular order (the caller
    sorts): a no-op build of 10,000 items stats 10,000 files."""
    pending, seen = [folder], set()
    while pending:
        current = pending.pop()
        try:
            scan = os.scandir(current)
        except OSError:
            continue
        with scan:
            for entry in scan:
                name = entry.name
                if is_ignored_name(name):
                    continue
                try:
                    if entry.is_dir():
                        if not (code and name == "__pycache__"):
                            stat = entry.stat()
                            if (stat.st_dev, stat.st_ino) not in seen:
                                seen.add((stat.st_dev, stat.st_ino))
                                pending.append(entry.path)
                        continue
                    stat = entry.stat()
                except OSError:
                    stamps.append((entry.path, -1, -1, -1, -1))
                    continue
                stamps.append(
                    (entry.path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                )


@dataclass
class Manifest:
    """What one build into one output folder read and wrote, in the form a no-op build
    checks quickly: the written files and folders as two lists, and one digest of their
    sizes and times (``output_stamp``). The files' digests, needed only to build, are in
    a second file (``load_written``)."""

    settings: str = ""
    inputs: str = ""  # inputs_digest() of what the build read
    outputs: list[str] = field(default_factory=list)  # the files written, in order
    folders: list[str] = field(default_factory=list)  # their folders ("" is the root)
    stamp: str = ""  # output_stamp() right after writing
    # The build's notes (worth knowing, not wrong), as [file, message]: a build with
    # nothing to do says them again.
    notes: list[list[str]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        data = _read_json(path)
        if not isinstance(data, dict) or data.get("versions") != versions():
            return None
        try:
            outputs, folders = data["outputs"].split("\n"), data["folders"].split("\n")
            notes = [[str(file), str(text)] for file, text in data.get("notes", [])]
            return cls(data["settings"], data["inputs"], outputs, folders, data["stamp"], notes)
        except (KeyError, AttributeError, TypeError, ValueError):
            return None

    def save(self, path: Path) -> None:
        data = {"versions": versions(), "settings": self.settings, "inputs": self.inputs}
        lists = {"outputs": "\n".join(self.outputs), "folders": "\n".join(self.folders)}
        _write_json(path, {**data, **lists, "stamp": self.stamp, "notes": self.notes})

    @property
    def pages(self) -> int:
        return sum(1 for name in self.outputs if name.endswith(".html"))


def manifest_path(site_dir: Path, output_dir: Path) -> Path:
    name = digest(str(output_dir.resolve()).encode())[:12]
    return cache_dir(site_dir) / f"manifest-{name}.json"


def renders_path(manifest: Path) -> Path:
    """Where the records of the last build into the manifest's output folder are kept
    (incremental/saved.py), beside ``manifest``."""
    return manifest.with_name(manifest.name.replace("manifest-", "renders-", 1))


def _written_path(manifest: Path) -> Path:
    return manifest.with_name(manifest.name.replace("manifest-", "written-", 1))


def load_written(manifest: Path) -> dict[str, list] | None:
    """What the last build wrote (path -> [size, mtime, digest]), beside ``manifest``."""
    data = _read_json(_written_path(manifest))
    if not isinstance(data, dict) or data.get("versions") != versions():
        return None
    written = data.get("written")
    return written if isinstance(written, dict) else None


def save_written(manifest: Path, written: dict[str, list]) -> None:
    _write_json(_written_path(manifest), {"versions": versions(), "written": written})


def inputs_digest(folders: list[Path], code: Path | None = None) -> str:
    """One digest of the path, size, modification time and inode of every file a build
    reads: equal digests mean nothing was added, removed or touched. ``code`` (pmsite's
    own package) counts too, but for its ``__pycache__`` folders."""
    stamps: list[tuple] = []
    for folder in folders:
        _stamps_below(str(folder), stamps, code=False)
    if code is not None:
        _stamps_below(str(code), stamps, code=True)
    stamps.sort()
    return digest(repr(stamps).encode("utf-8", "surrogateescape"))


def output_folders(outputs: list[str]) -> list[str]:
    """Every folder holding the files ``outputs`` (the output's root is "")."""
    folders = {""}
    for name in outputs:
        while "/" in name:
            name = name.rsplit("/", 1)[0]
            if name in folders:
                break
            folders.add(name)
    return sorted(folders)


def output_stamp(
    output_dir: Path, outputs: list[str], folders: list[str], written: dict[str, list] | None = None
) -> str | None:
    """One digest of the size and times of each file and the time of each folder; None
    when one is missing. A file changed in place changes its own times; a file added,
    removed or renamed changes its folder's, so no folder needs listing. The change time
    counts too: a tool can set a file's modification time back, never its change time.

    With ``written`` (just after a build), each file's entry gets its change time as it
    is now, after the swap, so the next build links only files nobody touched since."""
    try:
        root = os.open(output_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        stat = os.stat
        times = [stat(name or ".", dir_fd=root).st_mtime_ns for name in folders]
        found = [stat(name, dir_fd=root) for name in outputs]
    except (OSError, ValueError):
        return None
    finally:
        os.close(root)
    sizes = [(entry.st_size, entry.st_mtime_ns, entry.st_ctime_ns) for entry in found]
    if written is not None:
        for name, (size, mtime, ctime) in zip(outputs, sizes, strict=True):
            written[name] = [size, mtime, written[name][2], ctime]
    return digest(repr((times, sizes)).encode())
