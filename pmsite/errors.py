"""Errors a user can act on: every content problem carries its file and line.

Content problems are collected (never raised one at a time) so that one run reports
all of them; the CLI turns them into ``file:line: message`` lines and exit code 1.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


class PmsiteError(Exception):
    """A problem the CLI reports as one clear message with exit code 1 (no traceback)."""


class UsageError(PmsiteError):
    """The command line asked for something pmsite refuses (exit code 2)."""


class OutputError(PmsiteError):
    """The output folder is unsafe to write to, or writing failed."""


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one content file; ``line`` is 1-based, or None when unknown."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class ErrorList:
    """Collects content errors (and warnings) across every stage of one build."""

    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentError] = field(default_factory=list)

    def add(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(ContentError(path, line, message))

    def warn(self, path: str, line: int | None, message: str) -> None:
        self.warnings.append(ContentError(path, line, message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ContentErrors(sorted(set(self.errors), key=_sort_key))


def _sort_key(error: ContentError) -> tuple[str, int, str]:
    return (error.path, error.line or 0, error.message)


class ContentErrors(PmsiteError):
    """Raised once, at the end of a stage, with every problem found in the content."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__(self.report())

    def report(self) -> str:
        lines = [str(error) for error in self.errors]
        count = len(self.errors)
        lines.append(f"{count} error{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


MAX_SHOWN = 60


def quoted(value: object) -> str:
    """A user's value inside a message: quoted, control characters escaped, long values
    cut, so one problem always stays one line of output."""
    text = str(value)
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    escaped = "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode() for c in text
    )
    return f"'{escaped}'"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix for the closest choice, or an empty string."""
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def display_path(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the site folder, with forward slashes."""
    text, prefix = str(path), f"{root}{os.sep}"
    if text.startswith(prefix) and prefix != os.sep + os.sep:  # quick: no pathlib parsing
        return text[len(prefix) :].replace(os.sep, "/")
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
