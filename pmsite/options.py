"""BuildOptions: what a build is asked for besides the files, with one cache key.

Kept free of heavy imports: the no-op build (build.py) reads it before anything else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pmsite import MAX_FILE_ENV


@dataclass(frozen=True)
class BuildOptions:
    """The options of one build: equal options and equal files give equal output.

    ``base_url`` overrides site.yaml's (``--base-url``; None keeps the file's); ``drafts``
    includes drafts; ``audience`` is "public" or "internal"; ``max_file_mb`` is the
    PMSITE_MAX_FILE_MB setting the build ran with (content files over it are refused).
    """

    base_url: str | None = None
    drafts: bool = False
    audience: str = "public"
    max_file_mb: str = ""

    @classmethod
    def of(
        cls, base_url: str | None = None, drafts: bool = False, audience: str = "public"
    ) -> BuildOptions:
        """Options with the environment's file size limit."""
        return cls(base_url, drafts, audience, os.environ.get(MAX_FILE_ENV, ""))

    def cache_key(self) -> str:
        """One string of every option that changes the output: the no-op build and the
        session's reuse of its last build both compare it."""
        return f"{self.base_url}|{self.drafts}|{self.audience}|{self.max_file_mb}"
