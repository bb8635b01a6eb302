"""Front matter parsed by earlier build processes, so a build after an edit parses the
YAML of changed files only (``.pmsite-cache/documents.jsonl``).

Entries are keyed by the digest of a file's whole text, never by its modification time:
a file whose text is unchanged has the same front matter whatever its time says, and
any change to the text misses the cache. Only files that read without any problem are
kept, so every message a file gives comes from reading it. The values are JSON (never
pickle: a cache restored in CI cannot run code), tagged so that they come back as the
same Python values with the same lines:

- a mapping (``YamlMap``): ``["m", line, [[key, key line, value], ...], [[key, line],
  ...]]``, the last for keys taken out after parsing (a YAML item's ``body``)
- a list (``YamlList``): ``["l", line, [item lines], [values]]``
- a float: ``["f", repr]`` (also ``inf`` and ``nan``); a date: ``["d", "2026-11-30"]``;
  a date-time: ``["t", ISO 8601 with its offset]``
- a string, an integer, a boolean and null as themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from pmsite.digest import checked, with_check
from pmsite.load.yamlload import YamlList, YamlMap

FILE = "documents.jsonl"
FORMAT = 3  # 3: each entry with its digest; 2: the lines of keys taken out after parsing

# Each entry: [encoded data, body (of a YAML file; None for Markdown), body line, is YAML]


def encode(value: Any) -> Any:
    """``value`` (what load_yaml returns) as tagged JSON values; raises TypeError for a
    value load_yaml never makes."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, YamlMap):
        lines = value.key_lines
        entries = [[encode(k), lines.get(k), encode(v)] for k, v in value.items()]
        # Lines of keys taken out after parsing (a YAML item's body) stay known too.
        others = [[encode(k), line] for k, line in lines.items() if k not in value]
        return ["m", value.line, entries, others]
    if isinstance(value, YamlList):
        return ["l", value.line, list(value.item_lines), [encode(v) for v in value]]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    raise TypeError(f"cannot keep {type(value).__name__} in the parse cache")


def decode(value: Any) -> Any:
    """The Python value of ``encode``'s result; raises ValueError, TypeError, KeyError or
    IndexError for anything else (a damaged cache). Scalars are taken as they are without
    a call: a site of 10,000 files decodes some 350,000 values a build."""
    if value.__class__ is not list:
        return value
    tag = value[0]
    if tag == "m":
        found = YamlMap()
        found.line = int(value[1])
        key_lines: dict[str, int] = {}
        for encoded, line, item in value[2]:
            key = encoded if encoded.__class__ is not list else decode(encoded)
            found[key] = item if item.__class__ is not list else decode(item)
            if line is not None:
                key_lines[key] = int(line)
        for encoded, line in value[3]:
            key_lines[decode(encoded)] = int(line)
        found.key_lines = key_lines
        return found
    if tag == "l":
        items = YamlList([v if v.__class__ is not list else decode(v) for v in value[3]])
        items.line, items.item_lines = int(value[1]), list(map(int, value[2]))
        return items
    if tag == "f":
        return float(value[1])
    if tag == "d":
        return dt.date.fromisoformat(value[1])
    if tag == "t":
        return dt.datetime.fromisoformat(value[1])
    raise ValueError(f"unknown tag {tag!r} in the parse cache")


class ParsedCache:
    """Front matter by the digest of the file's text. ``get`` gives a fresh copy (the
    readers may change what they are given); ``put`` keeps a newly parsed one; ``used``
    is what this build read, which is all the next one needs. Entries stay JSON text
    until a build asks for them: a site of 10,000 files holds 10 MB of it, not the 50 MB
    its values would take."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self._entries = entries or {}
        self.used: dict[str, str] = {}
        self._added = False

    @property
    def changed(self) -> bool:
        """Whether what this build used differs from what was loaded (then the file
        is written again)."""
        return self._added or len(self.used) != len(self._entries)

    @classmethod
    def from_lines(cls, lines: Iterable[str], versions: str) -> ParsedCache:
        """The cache in ``lines`` (the file: a header, then ``digest<TAB>JSON<TAB>digest
        of the JSON`` per entry); empty when it was not written by these ``versions``."""
        lines = iter(lines)
        if next(lines, "").rstrip("\n") != f"{versions}\t{FORMAT}":
            return cls()
        entries = {}
        for line in lines:
            key, tab, entry = line.partition("\t")
            if tab:
                entries[key] = entry.rstrip("\n")
        return cls(entries)

    def lines(self, versions: str) -> Iterator[str]:
        """The file ``from_lines`` reads, with what this build used."""
        yield f"{versions}\t{FORMAT}\n"
        for key, entry in self.used.items():
            yield f"{key}\t{entry}\n"

    def get(self, text_digest: str) -> tuple[YamlMap, str | None, int, bool] | None:
        """(data, the body of a YAML file, the body's line, is YAML), or None."""
        entry = self._entries.get(text_digest)
        if entry is None:
            return None
        text = checked(entry)
        if text is None:
            return None  # damaged, even if it still reads as JSON: parse the file
        try:
            encoded, body, body_line, is_yaml = json.loads(text)
            data = decode(encoded)
        except (ValueError, TypeError, KeyError, IndexError):
            return None  # damaged: parse the file
        if not isinstance(data, YamlMap) or not (body is None or isinstance(body, str)):
            return None
        self.used[text_digest] = entry
        return data, body, int(body_line), bool(is_yaml)

    def put(
        self, text_digest: str, data: YamlMap, body: str | None, body_line: int, is_yaml: bool
    ) -> None:
        """Keep ``data`` (as parsed, before any reader saw it) for the next build."""
        # A value the cache cannot keep (TypeError): the file is parsed next time too.
        with contextlib.suppress(TypeError):
            entry = [encode(data), body, body_line, is_yaml]
            self.used[text_digest] = with_check(json.dumps(entry, ensure_ascii=False))
            self._added = True
