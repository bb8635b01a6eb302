"""BuildOptions: what a build is asked for besides the files, with one cache key.

Kept free of heavy imports: the no-op build (build.py) reads it before anything else.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from pmsite import MAX_FILE_ENV


def build_today() -> dt.date:
    """The day a build or a check runs on: SOURCE_DATE_EPOCH's day (UTC) when it is set,
    so that a run can be reproduced, otherwise today. It decides what is overdue."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


@dataclass(frozen=True)
class BuildOptions:
    """The options of one build: equal options and equal files give equal output.

    ``base_url`` overrides site.yaml's (``--base-url``; None keeps the file's); ``drafts``
    includes drafts; ``audience`` is "public" or "internal"; ``max_file_mb`` is the
    PMSITE_MAX_FILE_MB setting the build ran with (content files over it are refused);
    ``today`` is the day the build runs on (goals and planned releases whose target
    ended before it are shown as overdue), see ``build_today``.
    """

    base_url: str | None = None
    drafts: bool = False
    audience: str = "public"
    max_file_mb: str = ""
    today: dt.date = field(default_factory=build_today)

    @classmethod
    def of(
        cls,
        base_url: str | None = None,
        drafts: bool = False,
        audience: str = "public",
        today: dt.date | None = None,
    ) -> BuildOptions:
        """Options with the environment's file size limit and, unless given, today."""
        max_file_mb = os.environ.get(MAX_FILE_ENV, "")
        return cls(base_url, drafts, audience, max_file_mb, today or build_today())

    def cache_key(self, day: bool = True) -> str:
        """One string of every option that changes the output: the no-op build and the
        session's reuse of its last build both compare it. The day is one of them: a
        target that passes overnight makes a goal overdue on its pages. ``day=False``
        leaves it out, for what compares items by fingerprint (an item that became
        overdue has a new one: see incremental/saved.py)."""
        key = f"{self.base_url}|{self.drafts}|{self.audience}|{self.max_file_mb}"
        return f"{key}|{self.today.isoformat()}" if day else key
