"""The one digest pmsite compares things by: BLAKE2b, 16 bytes, as 32 hex characters.

Used for file texts (what incremental rebuilds compare), settings, templates, output
files and the no-op build's stamps. Not for security: for telling contents apart.
"""

from __future__ import annotations

import hashlib


def hasher() -> hashlib.blake2b:
    """The one digest, fed piece by piece (``update``, then ``hexdigest``): for a text
    written out in parts, equal to ``digest`` of the whole."""
    return hashlib.blake2b(digest_size=16)


def digest(data: bytes | str) -> str:
    """The hex digest of ``data`` (text is taken as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def checked(text: str) -> str | None:
    """``text`` without the digest ``with_check`` put after it, when that digest is
    right; None otherwise. Every cache file and every line of the line-by-line ones
    carries one: damage that leaves valid JSON (a flipped letter in a title, in some
    HTML) is noticed too, and the entry is made again from the content."""
    body, tab, check = text.rpartition("\t")
    if not tab or len(check) != 32 or digest(body) != check:
        return None
    return body


def with_check(text: str) -> str:
    """``text``, a tab and its digest (see ``checked``); ``text`` holds no newline."""
    return f"{text}\t{digest(text)}"
