"""FieldReader: typed access to one YAML mapping that reports every problem with its line.

Each accessor returns a usable value (or None/default) and records an error instead of
raising, so one run collects every problem in every file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import Any

from pmsite.errors import ErrorList, did_you_mean, quoted
from pmsite.load.yamlload import YamlList, YamlMap
from pmsite.model.items import Markdown
from pmsite.model.timeframe import TARGET_FORMATS, Target, parse_target, read_date

_TYPE_NAMES = {
    bool: "true/false",
    int: "a whole number",
    float: "a number",
    str: "text",
    list: "a list",
    dict: "a mapping",
    dt.date: "a date",
}


# 8,900 or 1,234,567.5: a number written with thousands separators, which YAML reads
# as text.
_GROUPED_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def describe(value: Any) -> str:
    """How a YAML value reads to a user: 'a number', 'a list', 'empty'..."""
    if value is None:
        return "nothing"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


class FieldReader:
    """Reads the fields of one mapping; ``finish()`` reports keys nobody asked for."""

    def __init__(
        self,
        data: YamlMap,
        source: str,
        errors: ErrorList,
        known: Iterable[str],
        prefix: str = "",
    ) -> None:
        self.data = data
        self.source = source
        self.errors = errors
        self.known = tuple(known)
        self.prefix = prefix

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def error(self, key: str, message: str, line: int | None = None) -> None:
        self.errors.add(self.source, line or self.line(key), f"{self.prefix}{key}: {message}")

    def finish(self) -> None:
        keys = list(self.data)
        for index, key in enumerate(keys):
            if key in self.known:
                continue
            if index and self._split_number(keys[index - 1], key):
                continue
            hint = did_you_mean(key, self.known)
            self.error(key, f"unknown field{hint}; known fields: {', '.join(self.known)}")

    def misspelt(self, key: str) -> bool:
        """Whether an unknown key of the mapping reads as a typo of ``key`` (``titel``
        for ``title``): its "did you mean" names ``key``, so that one error is enough."""
        return any(
            other not in self.known and did_you_mean(other, self.known) == did_you_mean(key, [key])
            for other in self.data
        )

    def _split_number(self, before: str, key: str) -> bool:
        """Report ``{value: 8,900}`` (read as value 8 and a field '900') as the number it
        was meant to be; False when ``key`` is not such a leftover."""
        value = self.data.get(before)
        if not (key.isdigit() and self.data[key] is None and type(value) is int):
            return False
        written = f"{value},{key}"
        self.error(
            before,
            f"{written} reads as {value} and a field '{key}' (in {{...}} a comma separates"
            f" fields); write the number without thousands separators: {value}{key}",
        )
        return True

    def get(self, key: str, required: bool = False, hint: str = "") -> Any:
        """The raw value of ``key``; a required one that is missing or empty is reported
        (with ``hint``, the fix, after the problem)."""
        value = self.data.get(key)
        if value is None and required:
            if key in self.data:
                self.error(key, f"is required and must not be empty{hint}")
            elif self.misspelt(key):
                pass  # one mistake, one error: finish() reports the typo with this key
            else:
                self.errors.add(
                    self.source,
                    self.data.line,
                    f"{self.prefix}{key}: missing required field{hint}",
                )
        return value

    def _typed(self, key: str, kinds: tuple[type, ...], required: bool, what: str) -> Any:
        value = self.get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) and bool not in kinds:
            self.error(key, f"must be {what}, got true/false")
            return None
        if not isinstance(value, kinds):
            hint = " (put it in quotes)" if str in kinds else ""
            if isinstance(value, str) and _GROUPED_NUMBER.fullmatch(value.strip()):
                plain = value.strip().replace(",", "")
                hint = f" ({quoted(value)}: write it without thousands separators: {plain})"
            self.error(key, f"must be {what}, got {describe(value)}{hint}")
            return None
        return value

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self._typed(key, (str,), required, "text")
        return value.strip() if value is not None else default

    def integer(self, key: str) -> int | None:
        return self._typed(key, (int,), False, "a whole number")

    def number(self, key: str, required: bool = False) -> float | None:
        value = self._typed(key, (int, float), required, "a number")
        if value is None:
            return None
        if not math.isfinite(value):
            self.error(key, f"must be a finite number, got {value}")
            return None
        return float(value)

    def boolean(self, key: str) -> bool:
        value = self._typed(key, (bool,), False, "true or false")
        return bool(value)

    def choice(self, key: str, choices: tuple[str, ...], required: bool = False) -> str:
        value = self.text(key, required)
        if value and value not in choices:
            hint = did_you_mean(value, choices)
            self.error(key, f"unknown value {quoted(value)}{hint}; allowed: {', '.join(choices)}")
            return ""
        return value

    def date(self, key: str, required: bool = False, hint: str = "") -> dt.date | None:
        value = self.get(key, required, hint)
        if value is None:
            return None
        day, why = read_date(value)
        if day is None:
            self.error(
                key,
                f"{quoted(value)} is not a date{f' ({why})' if why else ''};"
                " write it as YYYY-MM-DD",
            )
        return day

    def target(self, key: str) -> Target | None:
        value = self.get(key)
        if value is None:
            return None
        target = parse_target(value)
        if target is None:
            self.error(key, f"{quoted(value)} is not a target; use {TARGET_FORMATS}")
        return target

    def mapping(self, key: str, required: bool = False) -> YamlMap | None:
        return self._typed(key, (YamlMap,), required, "a mapping of 'key: value' lines")

    def items(self, key: str) -> list[tuple[Any, int]]:
        """(item, line) for each entry of a list field; a single value counts as one."""
        value = self.get(key)
        if value is None:
            return []
        if isinstance(value, YamlList):
            return [(item, value.line_of(i)) for i, item in enumerate(value)]
        if isinstance(value, (YamlMap, list)):
            self.error(key, f"must be a list, got {describe(value)}")
            return []
        return [(value, self.line(key))]

    def text_list(self, key: str) -> list[tuple[str, int]]:
        """(text, line) for each entry of a list of strings."""
        result = []
        for item, line in self.items(key):
            if isinstance(item, str) and item.strip():
                result.append((item.strip(), line))
            else:
                hint = ""
                if isinstance(item, YamlMap):
                    hint = " (text with ': ' in it reads as a mapping: put the entry in quotes)"
                self.error(key, f"each entry must be text, got {describe(item)}{hint}", line)
        return result

    def markdown_list(self, key: str) -> list[Markdown]:
        return [Markdown(text, inline=True) for text, _ in self.text_list(key)]
