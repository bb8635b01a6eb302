"""The one ignore rule and the one folder listing behind every walk over a site's files:
reading content/, stamping the inputs of a no-op build, copying theme assets, watching
for changes. Kept free of heavy imports: the no-op build uses it."""

from __future__ import annotations

import os


def is_ignored_name(name: str) -> bool:
    """Dotfiles, editor swap and backup files: never content, never watched, never an
    input of a build (saving a swap file must not make a build do anything)."""
    return (
        name.startswith(".")
        or name.endswith("~")
        or name.endswith((".swp", ".swx", ".swo", ".tmp", ".bak"))
        or (name.startswith("#") and name.endswith("#"))
    )


def is_ignored_path(relative: str) -> bool:
    """Whether any part of a '/'-separated relative path is an ignored name."""
    return any(is_ignored_name(part) for part in relative.split("/"))


def listing(folder: str) -> list[os.DirEntry[str]]:
    """The entries of ``folder`` in name order, without ignored names; raises OSError."""
    with os.scandir(folder) as scan:
        return sorted((entry for entry in scan if not is_ignored_name(entry.name)), key=_name)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name
