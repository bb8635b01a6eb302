"""Release versions in a site's versioning scheme (site.yaml ``versioning:``).

- ``semver`` (the default): SemVer 2.0.0 (https://semver.org): ``1.4.0``,
  ``2.0.0-rc.1``; SemVer precedence.
- ``calver``: a year (``2024`` or ``24``) and one to three numbers (``2024.03.1``,
  ``24.1``), with an optional modifier (``2024.1.0-rc.1``, ``2023.0b3``); ordered by the
  numbers, a version with a modifier before the same numbers without one.
- ``pep440``: PEP 440 (https://peps.python.org/pep-0440/): ``0.13.0.dev1``, ``1.0b2``,
  ``2.0.0rc1``, ``1!2.0.post1``; PEP 440 ordering (parsed by ``packaging``).
- ``any``: any one-line text that starts with a letter or digit; ordered as written,
  runs of digits compared as numbers (released releases are ordered by date first).

In every scheme a version may start with ``v`` or ``V`` (``v0.8.1``) and may name a second
version for a second package group after ``/`` or ``, `` (``1.44.0/0.65b0``): the first
one orders it. A version keeps its spelling (``Version.text``); ``version_slug`` gives the
part of its URL, which stays unique and safe.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion
from packaging.version import Version as Pep440Version

from pmsite.model.semver import Version, parse_version

SCHEMES = ("semver", "calver", "pep440", "any")
SCHEME_EXAMPLES = {
    "semver": "a SemVer 2.0.0 version (e.g. 1.4.0 or 2.0.0-rc.1)",
    "calver": "a CalVer version (e.g. 2024.03.1 or 24.1)",
    "pep440": "a PEP 440 version (e.g. 1.0b2, 2.0.0rc1 or 0.13.0.dev1)",
    "any": "a version that starts with a letter or digit, on one line",
}
_SECOND = re.compile(r"^(?P<first>[^/,\s]+)(?:[ \t]*/[ \t]*|,[ \t]+)(?P<second>[vV]?\d\S*)$")
_CALVER = re.compile(
    r"^(?P<year>\d{4}|\d{2})(?P<rest>(?:\.\d+){1,3})(?P<modifier>[-+._]?[A-Za-z][0-9A-Za-z.-]*)?$"
)
_ANY = re.compile(r"^[^\W_][^\x00-\x1f\x7f]*$")
_UNSAFE = re.compile(r"[^\w.+-]+|\.{2,}")
_NUMBER = re.compile(r"\d+")
MAX_LENGTH = 100


def parse_in_scheme(text: str, scheme: str) -> Version | None:
    """The Version for ``text`` in ``scheme``, or None when it is not such a version."""
    if not text or len(text) > MAX_LENGTH or text != text.strip() or "\n" in text:
        return None
    if scheme == "any":
        return _any(text) if _ANY.match(text) else None
    match = _SECOND.match(text)
    first = match["first"] if match else text
    bare = first[1:] if first[:1] in "vV" and first[1:2].isdigit() else first
    found = _PARSERS[scheme](bare)
    if found is None:
        return None
    return Version(
        text, found.major, found.minor, found.patch, found.prerelease, scheme, found.order
    )


def _semver(text: str) -> Version | None:
    return parse_version(text)


def _calver(text: str) -> Version | None:
    match = _CALVER.match(text)
    if match is None:
        return None
    year = int(match["year"])
    year += 2000 if len(match["year"]) == 2 else 0
    numbers = [year, *(int(part) for part in match["rest"][1:].split("."))]
    numbers += [0] * (4 - len(numbers))
    modifier = (match["modifier"] or "").lstrip("-+._")
    pre = (0, *_natural(modifier)) if modifier else (1,)
    return Version(
        text,
        numbers[0],
        numbers[1],
        numbers[2],
        (modifier,) if modifier else (),
        "calver",
        (*numbers, pre),
    )


def _pep440(text: str) -> Version | None:
    try:
        parsed = Pep440Version(text)
    except InvalidVersion:
        return None
    release = [*parsed.release, 0, 0, 0]
    trimmed = list(parsed.release)
    while len(trimmed) > 1 and trimmed[-1] == 0:
        trimmed.pop()
    # PEP 440 order: a dev release of a final comes before its pre-releases, which come
    # before the final, which comes before its post-releases.
    if parsed.pre is None and parsed.post is None and parsed.dev is not None:
        pre: tuple = (0,)
    elif parsed.pre is not None:
        pre = (1, parsed.pre[0], parsed.pre[1])
    else:
        pre = (2,)
    post = (0,) if parsed.post is None else (1, parsed.post)
    dev = (1,) if parsed.dev is None else (0, parsed.dev)
    local = () if parsed.local is None else _natural(parsed.local)
    order = (parsed.epoch, tuple(trimmed), pre, post, dev, local)
    marks: tuple[str, ...] = ()
    if parsed.pre is not None:
        marks += (f"{parsed.pre[0]}{parsed.pre[1]}",)
    if parsed.dev is not None:
        marks += (f"dev{parsed.dev}",)
    return Version(
        text,
        release[0],
        release[1],
        release[2],
        marks if parsed.is_prerelease else (),
        "pep440",
        order,
    )


def _any(text: str) -> Version:
    numbers = [int(number) for number in _NUMBER.findall(text)[:3]] + [0, 0, 0]
    return Version(text, numbers[0], numbers[1], numbers[2], (), "any", (_natural(text),))


def _natural(text: str) -> tuple:
    """``text`` as a key in which runs of digits compare as numbers ('a10' after 'a9')."""
    parts = re.findall(r"\d+|\D+", text.lower())
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


_PARSERS = {"semver": _semver, "calver": _calver, "pep440": _pep440}


def narrowest_scheme(texts: list[str]) -> str:
    """The first of semver, calver, pep440 and any that accepts every one of ``texts``."""
    for scheme in SCHEMES:
        if all(parse_in_scheme(text, scheme) is not None for text in texts):
            return scheme
    return "any"


def version_slug(text: str) -> str:
    """The URL segment (and imported file name) of a version: the text itself when it
    is made of letters, digits, '.', '+', '-' and '_'; otherwise every other run of
    characters (and '..') becomes '-' (``1.44.0/0.65b0`` -> ``1.44.0-0.65b0``)."""
    return _UNSAFE.sub("-", text).strip("-.")
