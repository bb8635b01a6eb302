"""Finding content files and reading them into RawDocuments (front matter + body).

This module knows the folder layout and the two file shapes (Markdown with YAML front
matter, or pure YAML); it knows nothing about what the fields mean (that is model.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import ErrorList, did_you_mean, display_path
from .yamlload import YamlError, YamlMap, load_yaml

# content/<folder>/ -> item kind
KIND_FOLDERS = {
    "goals": "goal",
    "releases": "release",
    "reflections": "reflection",
    "metrics": "metric",
    "pages": "page",
}
STATIC_FOLDER = "static"
SITE_FILE = "site.yaml"
MARKDOWN_SUFFIXES = {".md", ".markdown"}
YAML_SUFFIXES = {".yaml", ".yml"}
# Files a metric may point to with `csv:`; they are read by the metric, not as items.
DATA_SUFFIXES = {".csv"}
MAX_FILE_BYTES = 10 * 1024 * 1024


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


@dataclass(frozen=True)
class ContentTree:
    """Everything found under content/: the site settings, the items, the static files."""

    site_data: YamlMap | None
    site_display: str
    documents: list[RawDocument]
    static_files: list[Path]
    content_dir: Path
    site_digest: str = ""


class DocumentCache:
    """Parsed documents kept between rebuilds, keyed by path and the file's stat.

    A file whose (mtime, size, inode) is unchanged is not read again; callers that know
    which files changed (the preview server's watcher) also ``forget`` them, so two saves
    within one timestamp tick are never confused.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[int, int, int], RawDocument | None, ErrorList]] = {}

    def forget(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._entries.pop(path, None)

    def read(self, kind: str, path: Path, site_dir: Path, errors: ErrorList) -> RawDocument | None:
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


def is_ignored_name(name: str) -> bool:
    """Dotfiles, editor swap and backup files: never content, never watched."""
    return (
        name.startswith(".")
        or name.endswith("~")
        or name.endswith((".swp", ".swx", ".swo", ".tmp", ".bak"))
        or (name.startswith("#") and name.endswith("#"))
    )


def read_content(
    site_dir: Path, errors: ErrorList, cache: DocumentCache | None = None
) -> ContentTree:
    """Read content/ under ``site_dir``; problems go to ``errors``, never raised."""
    content_dir = site_dir / "content"
    site_display = display_path(content_dir / SITE_FILE, site_dir)
    site_data, site_digest = _read_site_file(content_dir / SITE_FILE, site_dir, errors)
    documents: list[RawDocument] = []
    static_files: list[Path] = []
    for entry in sorted(content_dir.iterdir()):
        if is_ignored_name(entry.name) or entry.name == SITE_FILE:
            continue
        shown = display_path(entry, site_dir)
        if entry.is_dir() and entry.name in KIND_FOLDERS:
            for path in _walk_files(entry, content_dir, site_dir, errors):
                kind = KIND_FOLDERS[entry.name]
                if cache is None:
                    document = _read_item(kind, path, site_dir, errors)
                else:
                    document = cache.read(kind, path, site_dir, errors)
                if document is not None:
                    documents.append(document)
        elif entry.is_dir() and entry.name == STATIC_FOLDER:
            static_files.extend(_walk_files(entry, content_dir, site_dir, errors, data=True))
        elif entry.is_dir():
            known = [*KIND_FOLDERS, STATIC_FOLDER]
            errors.add(
                shown,
                None,
                f"unknown content folder '{entry.name}'{did_you_mean(entry.name, known)};"
                f" expected one of: {', '.join(known)}",
            )
        else:
            errors.warn(shown, None, "ignored: only site.yaml and folders belong in content/")
    return ContentTree(site_data, site_display, documents, static_files, content_dir, site_digest)


def _walk_files(
    folder: Path, content_dir: Path, site_dir: Path, errors: ErrorList, data: bool = False
) -> list[Path]:
    """Files below ``folder`` in a stable order; symlinks must stay inside content/."""
    found: list[Path] = []
    root_real = content_dir.resolve()
    for current, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if not is_ignored_name(name))
        for name in sorted(filenames):
            if is_ignored_name(name):
                continue
            path = Path(current) / name
            if path.is_symlink() and not _link_stays_inside(path, root_real):
                errors.add(
                    display_path(path, site_dir), None, "symlink points outside content/: not read"
                )
                continue
            if not data and path.suffix.lower() not in MARKDOWN_SUFFIXES | YAML_SUFFIXES:
                if folder.name == "metrics" and path.suffix.lower() in DATA_SUFFIXES:
                    continue
                errors.add(
                    display_path(path, site_dir),
                    None,
                    "not a content file: items are .md (Markdown with front matter) or .yaml",
                )
                continue
            found.append(path)
    return found


def _link_stays_inside(path: Path, root_real: Path) -> bool:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target.is_relative_to(root_real)


def read_text(path: Path, shown: str, errors: ErrorList) -> str | None:
    """A content file's text with BOM and CRLF normalised, or None after reporting why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            errors.add(
                shown,
                None,
                f"file is {size / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB",
            )
            return None
        raw = path.read_bytes()
    except OSError as error:
        errors.add(shown, None, f"cannot read file: {error.strerror or error}")
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
    if not path.is_file():
        errors.add(shown, None, "site.yaml is missing: it needs at least a title")
        return None, ""
    text = read_text(path, shown, errors)
    if text is None:
        return None, ""
    return _parse_mapping(text, 1, shown, errors, what="site.yaml"), text_digest(text)


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


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


def _read_item(kind: str, path: Path, site_dir: Path, errors: ErrorList) -> RawDocument | None:
    shown = display_path(path, site_dir)
    text = read_text(path, shown, errors)
    if text is None:
        return None
    is_yaml = path.suffix.lower() in YAML_SUFFIXES
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
    digest = text_digest(text)
    return RawDocument(kind, path, shown, path.stem, data, body, body_line, is_yaml, digest)


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
