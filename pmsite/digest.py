"""The one digest pmsite compares things by: BLAKE2b, 16 bytes, as 32 hex characters.

Used for file texts (what incremental rebuilds compare), settings, templates, output
files and the no-op build's stamps. Not for security: for telling contents apart.
"""

from __future__ import annotations

import hashlib


def digest(data: bytes | str) -> str:
    """The hex digest of ``data`` (text is taken as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()
