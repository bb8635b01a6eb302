"""Finding content files and reading them into RawDocuments (front matter + body).

This module knows the folder layout and the two file shapes (Markdown with YAML front
matter, or pure YAML); it knows nothing about what the fields mean (that is model.py).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pmsite import MAX_FILE_ENV
from pmsite.digest import digest
from pmsite.errors import ErrorList, UsageError, did_you_mean, display_path
from pmsite.load.parsed import ParsedCache
from pmsite.load.walk import is_ignored_name, listing
from pmsite.load.yamlload import (
    FORBIDDEN_CHARACTERS,
    YamlError,
    YamlMap,
    character_problem,
    load_yaml,
)
from pmsite.model.kinds import FOLDERS
from pmsite.model.semver import parse_version

STATIC_FOLDER = "static"
SITE_FILE = "site.yaml"
MARKDOWN_SUFFIXES = {".md", ".markdown"}
YAML_SUFFIXES = {".yaml", ".yml"}
# Files a metric may point to with `csv:`; they are read by the metric, not as items.
DATA_SUFFIXES = {".csv"}
# Content files bigger than this are refused (static files are copied whatever their size).
MAX_FILE_BYTES = 10 * 1024 * 1024
_MB = 1024 * 1024
# Control characters, line separators and undecodable bytes (lone surrogates) in names.
_BAD_NAME_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True)
class RawDocument:
    """One content file split into its YAML mapping and its Markdown body."""

    kind: str
    path: Path
    display: str  # path relative to the site folder, as shown in messages
    stem: str
    data: YamlMap
    body: str
    body_line: int
    is_yaml: bool
    digest: str  # of the file's text: what incremental rebuilds compare
    # Of the text but the Markdown body (all of a YAML file's): an edit of the body alone
    # leaves it as it was, so outputs that read no body need not be made again.
    front_digest: str = ""


@dataclass(frozen=True)
class Claim:
    """The identity a content file claims although it could not be read (broken YAML,
    no front matter...): references to it are then not reported a second time."""

    kind: str
    keys: tuple[str, ...]  # slugs, or for a release the versions it may have


@dataclass(frozen=True)
class ContentTree:
    """Everything found under content/: the site settings, the items, the static files."""

    site_data: YamlMap | None
    site_display: str
    documents: list[RawDocument]
    static_files: list[Path]
    content_dir: Path
    site_digest: str = ""
    claims: tuple[Claim, ...] = ()  # of the files that could not be read


class DocumentCache:
    """Parsed documents kept between rebuilds, keyed by path and the file's stat.

    A file whose (mtime, size, inode) is unchanged is not read again; callers that know
    which files changed (the preview server's watcher) also ``forget`` them, so two saves
    within one timestamp tick are never confused.
    """

    def __init__(self) -> None:
        self._entries: dict[
            Path, tuple[tuple[int, int, int], RawDocument | Claim | None, ErrorList]
        ] = {}

    def forget(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._entries.pop(path, None)

    def read(
        self, kind: str, path: Path, site_dir: Path, errors: ErrorList
    ) -> RawDocument | Claim | None:
        try:
            stat = path.stat()
        except OSError:
            return _read_item(kind, path, site_dir, errors)
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = self._entries.get(path)
        if cached is None or cached[0] != key:
            found = ErrorList()
            cached = (key, _read_item(kind, path, site_dir, found), found)
            self._entries[path] = cached
        errors.errors.extend(cached[2].errors)
        errors.warnings.extend(cached[2].warnings)
        return cached[1]


def read_content(
    site_dir: Path,
    errors: ErrorList,
    cache: DocumentCache | None = None,
    take: Callable[[RawDocument], None] | None = None,
    parsed: ParsedCache | None = None,
) -> ContentTree:
    """Read content/ under ``site_dir``; problems go to ``errors``, never raised.

    With ``take``, each document is handed to it as soon as it is read instead of being
    kept in the tree (a one-off build then never holds every document at once). With
    ``parsed``, front matter an earlier build parsed is not parsed again (parsed.py)."""
    content_dir = site_dir / "content"
    site_display = display_path(content_dir / SITE_FILE, site_dir)
    site_data, site_digest = _read_site_file(content_dir / SITE_FILE, site_dir, errors)
    documents: list[RawDocument] = []
    claims: list[Claim] = []
    static_files: list[Path] = []
    root_real = content_dir.resolve()
    try:
        entries = sorted(content_dir.iterdir())
    except OSError as error:
        errors.add(display_path(content_dir, site_dir), None, f"cannot read folder: {_why(error)}")
        entries = []
    for entry in entries:
        if is_ignored_name(entry.name) or entry.name == SITE_FILE:
            continue
        if _bad_name(entry, site_dir, errors):
            continue
        shown = display_path(entry, site_dir)
        if entry.is_symlink() and (problem := _link_problem(entry, root_real)):
            errors.add(shown, None, problem)
            continue
        if entry.is_dir() and entry.name in FOLDERS:
            for path in _walk_files(entry, content_dir, site_dir, errors):
                kind = FOLDERS[entry.name]
                if cache is None:
                    document = _read_item(kind, path, site_dir, errors, parsed)
                else:
                    document = cache.read(kind, path, site_dir, errors)
                if isinstance(document, Claim):
                    claims.append(document)
                elif document is not None and take is not None:
                    take(document)
                elif document is not None:
                    documents.append(document)
        elif entry.is_dir() and entry.name == STATIC_FOLDER:
            static_files.extend(_walk_files(entry, content_dir, site_dir, errors, data=True))
        elif entry.is_dir():
            known = [*FOLDERS, STATIC_FOLDER]
            errors.add(
                shown,
                None,
                f"unknown content folder '{entry.name}'{did_you_mean(entry.name, known)};"
                f" expected one of: {', '.join(known)}",
            )
        else:
            errors.warn(shown, None, "ignored: only site.yaml and folders belong in content/")
    return ContentTree(
        site_data, site_display, documents, static_files, content_dir, site_digest, tuple(claims)
    )


def _walk_files(
    folder: Path, content_dir: Path, site_dir: Path, errors: ErrorList, data: bool = False
) -> list[Path]:
    """Files below ``folder``, depth first in name order; symlinks must stay inside content/.

    An explicit stack rather than os.walk, which recurses once per level and so fails on
    a folder nested a thousand deep.
    """
    found: list[Path] = []
    root_real = content_dir.resolve()
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = listing(str(current))
        except OSError as error:
            errors.add(display_path(current, site_dir), None, f"cannot read folder: {_why(error)}")
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if _bad_name(path, site_dir, errors):
                continue
            symlink = entry.is_symlink()
            if symlink:
                if problem := _link_problem(path, root_real):
                    errors.add(display_path(path, site_dir), None, problem)
                    continue
                if path.is_dir():
                    # Never followed: a link to a folder inside content/ could make a loop.
                    shown = display_path(path, site_dir)
                    errors.warn(shown, None, "symlink to a folder: not followed")
                    continue
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            elif not (_is_regular_file(path) if symlink else entry.is_file(follow_symlinks=False)):
                errors.add(
                    display_path(path, site_dir),
                    None,
                    "not a regular file (a pipe, socket or device): not read",
                )
            elif data or path.suffix.lower() in _ITEM_SUFFIXES:
                found.append(path)
            elif not (folder.name == "metrics" and path.suffix.lower() in DATA_SUFFIXES):
                errors.add(
                    display_path(path, site_dir),
                    None,
                    "not a content file: items are .md (Markdown with front matter) or .yaml",
                )
        pending.extend(reversed(subfolders))
    return found


_ITEM_SUFFIXES = MARKDOWN_SUFFIXES | YAML_SUFFIXES


def _bad_name(path: Path, site_dir: Path, errors: ErrorList) -> bool:
    """Report a name that is not UTF-8 or holds control characters (a newline in a name
    would break every ``file:line: message`` line); such a file is not read."""
    found = _BAD_NAME_CHARACTER.search(path.name)
    if found is None:
        return False
    shown = _BAD_NAME_CHARACTER.sub(_escape, display_path(path, site_dir))
    if "\udc80" <= found[0] <= "\udcff":
        errors.add(shown, None, "file name is not valid UTF-8: rename it")
    else:
        errors.add(shown, None, "file name contains control characters: rename it")
    return True


def _escape(found: re.Match[str]) -> str:
    character = found[0]
    if "\udc80" <= character <= "\udcff":  # an undecodable byte, as os.fsdecode keeps it
        return f"\\x{ord(character) - 0xDC00:02x}"
    return character.encode("unicode_escape").decode("ascii")


def _link_problem(path: Path, root_real: Path) -> str | None:
    """Why the symlink ``path`` is not read, or None when it stays inside content/."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "broken symlink (its target does not exist): not read"
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "symlink loop: not read"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symlink loop: not read"
        return f"cannot follow symlink: {_why(error)}"
    if not target.is_relative_to(root_real):
        return "symlink points outside content/: not read"
    return None


def _is_regular_file(path: Path) -> bool:
    """True for a plain file; a FIFO would block the build forever, a device never end."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # let the read report why it cannot be read


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def max_file_bytes() -> int:
    """The size limit for one content file: 10 MB, or PMSITE_MAX_FILE_MB megabytes."""
    setting = os.environ.get(MAX_FILE_ENV, "").strip()
    if not setting:
        return MAX_FILE_BYTES
    try:
        megabytes = float(setting)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes < 1 << 40:
        raise UsageError(
            f"{MAX_FILE_ENV} must be a positive number of megabytes, e.g. 50; got {setting!r}"
        )
    return int(megabytes * _MB)


def _size(size: int) -> str:
    """1.5 MB, 10 MB, 12 KB, 900 bytes."""
    for unit, name in ((_MB, "MB"), (1024, "KB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} bytes"


def _read_bytes(path: Path, shown: str, errors: ErrorList) -> bytes | None:
    """At most the size limit of bytes from a regular file; never blocks on a FIFO."""
    limit = max_file_bytes()
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        errors.add(shown, None, f"cannot read file: {_why(error)}")
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if stat.S_ISDIR(info.st_mode):
                errors.add(shown, None, "is a folder, not a file")
                return None
            if not stat.S_ISREG(info.st_mode):
                errors.add(shown, None, "not a regular file (a pipe, socket or device): not read")
                return None
            raw = file.read(limit + 1) if info.st_size <= limit else b""
    except OSError as error:
        errors.add(shown, None, f"cannot read file: {_why(error)}")
        return None
    if info.st_size > limit or len(raw) > limit:
        size = max(info.st_size, len(raw))
        errors.add(
            shown,
            None,
            f"file is too large ({_size(size)}); the limit is {_size(limit)}"
            f" (set the environment variable {MAX_FILE_ENV} to change it)",
        )
        return None
    return raw


def read_text(path: Path, shown: str, errors: ErrorList) -> str | None:
    """A content file's text with BOM and CRLF normalised, or None after reporting why not."""
    raw = _read_bytes(path, shown, errors)
    if raw is None:
        return None
    return decode_text(raw, shown, errors)


def decode_text(raw: bytes, shown: str, errors: ErrorList) -> str | None:
    """The text of a content file's bytes (UTF-8, a BOM and CRLF line endings allowed),
    or None after reporting to ``errors`` why it is not text (UTF-16, NUL bytes, not
    UTF-8). The size limit is the caller's to check."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        errors.add(shown, 1, "file is UTF-16; save it as UTF-8")
        return None
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        errors.add(shown, line, "file contains NUL bytes; is it a binary file?")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        errors.add(
            shown, line, f"file is not UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_site_file(path: Path, site_dir: Path, errors: ErrorList) -> tuple[YamlMap | None, str]:
    shown = display_path(path, site_dir)
    if path.is_symlink() and (problem := _link_problem(path, path.parent.resolve())):
        errors.add(shown, None, problem)
        return None, ""
    if path.is_dir():
        errors.add(shown, None, "site.yaml is a folder: it must be a YAML file")
        return None, ""
    if not path.exists():
        errors.add(shown, None, "site.yaml is missing: it needs at least a title")
        return None, ""
    text = read_text(path, shown, errors)
    if text is None:
        return None, ""
    return _parse_mapping(text, 1, shown, errors, what="site.yaml"), digest(text)


def _parse_mapping(
    text: str, first_line: int, shown: str, errors: ErrorList, what: str
) -> YamlMap | None:
    try:
        data = load_yaml(text, first_line)
    except YamlError as error:
        errors.add(shown, error.line, error.message)
        return None
    if data is None:
        data = YamlMap()
        data.line, data.key_lines = first_line, {}
    if not isinstance(data, YamlMap):
        errors.add(shown, first_line, f"{what} must be a YAML mapping of 'key: value' lines")
        return None
    return data


def _read_item(
    kind: str, path: Path, site_dir: Path, errors: ErrorList, parsed: ParsedCache | None = None
) -> RawDocument | Claim | None:
    """The document in ``path``; when its text cannot be split or parsed (the problem is
    reported), the identity it claims; None when it cannot be read at all."""
    shown = display_path(path, site_dir)
    text = read_text(path, shown, errors)
    if text is None:
        return _claim(kind, path, "")
    document = document_from_text(kind, path, shown, text, errors, parsed)
    return document if document is not None else _claim(kind, path, text)


_VERSION_LINE = re.compile(r"""^version:[ \t]*["']?([^"'\s#]+)""", re.MULTILINE)


def _claim(kind: str, path: Path, text: str) -> Claim:
    """What a file that could not be read claims: its slug (its file name) or, for a
    release, the version a 'version:' line gives and its file name if that is one."""
    stem = unicodedata.normalize("NFC", path.stem)
    if kind != "release":
        return Claim(kind, (stem.lower(),))
    written = [found[1] for found in _VERSION_LINE.finditer(text)][:1]
    versions = [v for v in (*written, stem) if parse_version(v) is not None]
    return Claim(kind, tuple(dict.fromkeys(versions)))


def document_from_text(
    kind: str,
    path: Path,
    shown: str,
    text: str,
    errors: ErrorList,
    parsed: ParsedCache | None = None,
) -> RawDocument | None:
    """The RawDocument of a content file of ``kind`` whose (decoded) text is ``text``:
    its YAML (front matter, or the whole file for .yaml) and its Markdown body. ``path``
    names the file (its suffix says which shape it has, its stem gives the slug) and
    ``shown`` is how messages name it. Problems go to ``errors``; None when unusable.
    The history (pmsite/history/) reads old revisions of a file through this too.
    With ``parsed``, front matter an earlier build parsed from the same text is taken
    from it, and what is parsed here is added to it (see parsed.py)."""
    text_digest = digest(text)
    stem = unicodedata.normalize("NFC", path.stem)  # macOS writes e + U+0301: composed
    is_yaml = path.suffix.lower() in YAML_SUFFIXES
    if parsed is not None:
        kept = parsed.get(text_digest)
        if kept is not None and kept[3] == is_yaml:
            data, body, body_line = kept[0], kept[1], kept[2]
            if body is None:  # a Markdown file: its body is the text after the front matter
                parts = text.split("\n", body_line - 1)
                body = parts[-1] if len(parts) == body_line else ""
            front = _front_digest(text, body, is_yaml, text_digest)
            return RawDocument(
                kind, path, shown, stem, data, body, body_line, is_yaml, text_digest, front
            )
    problems = len(errors.errors) + len(errors.warnings)
    document = _document(kind, path, shown, text, errors, is_yaml, stem, text_digest)
    clean = len(errors.errors) + len(errors.warnings) == problems  # read without a problem
    if parsed is not None and document is not None and clean:
        body = document.body if is_yaml else None
        parsed.put(text_digest, document.data, body, document.body_line, is_yaml)
    return document


def _document(
    kind: str,
    path: Path,
    shown: str,
    text: str,
    errors: ErrorList,
    is_yaml: bool,
    stem: str,
    text_digest: str,
) -> RawDocument | None:
    if is_yaml:
        data = _parse_mapping(text, 1, shown, errors, what="a YAML item")
        if data is None:
            return None
        body, body_line = "", data.line
        if "body" in data:
            body_line = data.line_of("body")
            body = data.pop("body")
            if body is None:
                body = ""
            if not isinstance(body, str):
                errors.add(shown, body_line, "body: must be text (Markdown)")
                return None
    else:
        split = _split_front_matter(text, shown, errors)
        if split is None:
            return None
        front, body, body_line = split
        data = _parse_mapping(front, 2, shown, errors, what="front matter")
        if data is None:
            return None
        body = _checked_body(body, body_line, shown, errors)
    front = _front_digest(text, body, is_yaml, text_digest)
    return RawDocument(kind, path, shown, stem, data, body, body_line, is_yaml, text_digest, front)


def _front_digest(text: str, body: str, is_yaml: bool, text_digest: str) -> str:
    """The digest of ``text`` without its Markdown ``body`` (a suffix of it; a body that
    had characters removed is not one, and then the whole text counts)."""
    if is_yaml or not body or not text.endswith(body):
        return text_digest
    return digest(text[: len(text) - len(body)])


def _checked_body(body: str, first_line: int, shown: str, errors: ErrorList) -> str:
    """A Markdown body without the characters no page may hold (control characters,
    noncharacters); finding any is an error at the first one's line (as in YAML text),
    and the body is kept without them so that the item still links."""
    found = FORBIDDEN_CHARACTERS.search(body)
    if found is None:
        return body
    count = len(FORBIDDEN_CHARACTERS.findall(body))
    line = first_line + body.count("\n", 0, found.start())
    more = f" ({count} in the body)" if count > 1 else ""
    errors.add(shown, line, f"body contains {character_problem(found[0])}{more}; remove it")
    return FORBIDDEN_CHARACTERS.sub("", body)


def _split_front_matter(text: str, shown: str, errors: ErrorList) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line) of a Markdown file."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        errors.add(shown, 1, "no front matter: the file must start with a '---' line")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    errors.add(shown, 1, "front matter is never closed: add a '---' line after it")
    return None
