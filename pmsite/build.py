"""The one orchestrator of ``pmsite build``: check the output folder, run the stages
(content -> model -> Markdown -> pages, in session.py), write atomically.

Stage timings are logged at debug level (``pmsite --debug build``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .content import ContentTree
from .errors import ContentError, ErrorList
from .model import Site
from .session import BuildSession
from .write import check_output_dir, write_output


@dataclass
class BuildResult:
    output_dir: Path
    pages: int
    files: int
    seconds: float
    warnings: list[ContentError] = field(default_factory=list)


def load_site(
    site_dir: Path, base_url: str | None = None, drafts: bool = False
) -> tuple[Site, ContentTree, ErrorList]:
    """Read, check, link and convert the content; raises ContentErrors listing every problem."""
    return BuildSession(site_dir, base_url, drafts).load()


def build(
    site_dir: Path,
    output_dir: Path | None = None,
    base_url: str | None = None,
    drafts: bool = False,
    audience: str = "public",
) -> BuildResult:
    """Build the site in ``site_dir`` into ``output_dir`` (default: site_dir/output)."""
    start = time.perf_counter()
    output_dir = output_dir or site_dir / "output"
    check_output_dir(site_dir, output_dir)
    outcome = BuildSession(site_dir, base_url, drafts, audience).build()
    write_output(output_dir, outcome.files)
    seconds = time.perf_counter() - start
    return BuildResult(output_dir, outcome.pages, len(outcome.files), seconds, outcome.warnings)
