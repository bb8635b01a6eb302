"""The build cache in ``SITE/.pmsite-cache/``: git-ignored, safe to delete at any time.

- ``markdown.json``: converted Markdown, keyed by its source, valid for one pmsite,
  Markdown, Pygments and nh3 version and one ``unsafe_html`` setting. A rebuild (or a CI
  run with the folder restored) converts only Markdown it has not seen.
- ``manifest-<output>.json``: what the last build into an output folder read (each
  input's size, modification time and inode) and wrote (each file's size, time and
  digest). When nothing read has changed and the output is as it was written, the next
  build has nothing to do; otherwise files whose bytes did not change are linked from
  the previous output instead of written again, keeping their times for deploy tools.

Only JSON is read back (never pickle): a cache restored in CI cannot run code.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__

CACHE_DIR = ".pmsite-cache"
FORMAT = 1


@functools.cache
def versions() -> str:
    """What the cache's contents depend on besides the site (looked up once, lazily:
    importlib.metadata is slow to import, and a no-op build should stay quick)."""
    from importlib.metadata import PackageNotFoundError, version

    found = [f"pmsite {__version__}", f"format {FORMAT}"]
    for package in ("markdown", "pygments", "nh3", "jinja2"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            found.append(f"{package} ?")
    return ", ".join(found)


def cache_dir(site_dir: Path) -> Path:
    return site_dir.resolve() / CACHE_DIR


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None  # missing or damaged: as if there were no cache


def _write_json(path: Path, data: object) -> None:
    """Write atomically (a temp file renamed over), so a killed build never leaves half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / ".gitignore").write_text("*\n", encoding="utf-8")
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def load_markdown(site_dir: Path, unsafe_html: bool) -> dict[tuple[str, bool], str]:
    data = _read_json(cache_dir(site_dir) / "markdown.json")
    if not isinstance(data, dict) or data.get("key") != [versions(), unsafe_html]:
        return {}
    entries = data.get("entries")
    if not isinstance(entries, list):
        return {}
    return {(source, bool(inline)): html for source, inline, html in entries}


def save_markdown(site_dir: Path, unsafe_html: bool, cache: dict[tuple[str, bool], str]) -> None:
    entries = [[source, inline, html] for (source, inline), html in cache.items()]
    _write_json(
        cache_dir(site_dir) / "markdown.json",
        {"key": [versions(), unsafe_html], "entries": entries},
    )


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _files_below(folder: Path) -> list[Path]:
    found = []
    for current, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found.extend(Path(current) / name for name in sorted(filenames))
    return found


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Manifest:
    """What one build into one output folder read and wrote."""

    settings: str = ""
    inputs: dict[str, list[int] | None] = field(default_factory=dict)
    outputs: dict[str, list] = field(default_factory=dict)  # path -> [size, mtime, digest]

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        data = _read_json(path)
        if not isinstance(data, dict) or data.get("versions") != versions():
            return None
        return cls(data.get("settings", ""), data.get("inputs", {}), data.get("outputs", {}))

    def save(self, path: Path) -> None:
        data = {"versions": versions(), "settings": self.settings}
        _write_json(path, {**data, "inputs": self.inputs, "outputs": self.outputs})


def manifest_path(site_dir: Path, output_dir: Path) -> Path:
    name = digest(str(output_dir.resolve()).encode())[:12]
    return cache_dir(site_dir) / f"manifest-{name}.json"


def input_stamps(folders: list[Path]) -> dict[str, list[int] | None]:
    """Size, modification time and inode of every file a build reads."""
    stamps: dict[str, list[int] | None] = {}
    for folder in folders:
        for path in _files_below(folder):
            stamps[str(path)] = _stamp(path)
    return stamps


def output_unchanged(output_dir: Path, outputs: dict[str, list]) -> bool:
    """Whether the output folder still holds exactly the files the last build wrote."""
    root = output_dir.resolve()
    found = {}
    for path in _files_below(root):
        stamp = _stamp(path)
        found[path.relative_to(root).as_posix()] = stamp[:2] if stamp else None
    return found == {name: entry[:2] for name, entry in outputs.items()}
