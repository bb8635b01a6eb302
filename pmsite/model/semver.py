"""Semantic Versioning 2.0.0: parsing and precedence (https://semver.org)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The regular expression suggested by semver.org, anchored, with named groups.
_SEMVER = re.compile(
    r"^(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@dataclass(frozen=True)
class Version:
    """A parsed SemVer version; ``key`` orders versions by SemVer precedence."""

    text: str
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def key(self) -> tuple:
        # A version without pre-release identifiers ranks above any with them; numeric
        # identifiers rank below alphanumeric ones and compare as numbers.
        if not self.prerelease:
            pre: tuple = (1,)
        else:
            pre = (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease))
        return (self.major, self.minor, self.patch, pre)


def parse_version(text: str) -> Version | None:
    """The Version for ``text``, or None when it is not valid SemVer 2.0.0."""
    match = _SEMVER.match(text)
    if match is None:
        return None
    pre = tuple(match["pre"].split(".")) if match["pre"] else ()
    return Version(text, int(match["major"]), int(match["minor"]), int(match["patch"]), pre)
