"""Semantic Versioning 2.0.0: parsing and precedence (https://semver.org).

``Version`` is also the shape of a version in the other schemes a site may use
(``model/versions.py``): there ``order`` holds the scheme's precedence key.
"""

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
    """A parsed version; ``key`` orders versions of one scheme by precedence.

    ``text`` is the version as written (``v0.8.1``, ``1.44.0/0.65b0``); ``major``,
    ``minor`` and ``patch`` are its first three numbers (0 when absent); ``scheme`` is
    ``semver``, ``calver``, ``pep440`` or ``any``; ``order`` is the precedence key of a
    scheme other than SemVer (SemVer's is computed from the parts).
    """

    text: str
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...]
    scheme: str = "semver"
    order: tuple = ()

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def key(self) -> tuple:
        if self.order:
            return self.order
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
