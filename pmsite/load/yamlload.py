"""Safe YAML loading that remembers where every key and list item came from.

libyaml (``CSafeLoader``) parses the text into events; we build plain Python values from
those events ourselves, without recursion, so that we can keep line numbers, refuse
duplicate keys, refuse tags that try to construct objects, and bound alias expansion and
nesting depth. Building from events (rather than libyaml's node composer, which recurses
in C and crashes on ~100,000 nested brackets) lets us stop at the first level too deep,
before libyaml has read the rest of a hostile document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, cast

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every PyYAML wheel we support
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_NODES = 100_000
MAX_DEPTH = 64

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# Characters no HTML page may hold: C0 and C1 control characters except tab and
# newline, DEL, and the noncharacters (U+FDD0..U+FDEF, and the last two of each plane).
# Text fields and Markdown bodies are checked against the same rule.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
    )
    + "]"
)
_CONTROL = FORBIDDEN_CHARACTERS


def character_problem(character: str) -> str:
    """'the control character U+001B' or 'the noncharacter U+FDD0', for messages."""
    what = "control character" if ord(character) <= 0x9F else "noncharacter"
    return f"the {what} U+{ord(character):04X}"


# The tag libyaml's resolver gives each plain scalar seen (keys and common values).
_PLAIN_TAGS: dict[str, str] = {}


class YamlError(Exception):
    """A YAML problem at a 1-based line of the document."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class YamlMap(dict):
    """A mapping that knows its own line and the line of each of its keys."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A list that knows its own line and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Parse one YAML document; lines in errors and results are offset to ``first_line``."""
    loader = _Loader(text)
    try:
        try:
            return _Builder(loader, first_line - 1).document()
        except yaml.MarkedYAMLError as error:
            raise _syntax_error(error, text, first_line) from None
        except yaml.reader.ReaderError as error:
            raise _reader_error(error, text, first_line) from None
        except yaml.YAMLError as error:
            raise YamlError(None, f"YAML error: {error}") from None
    finally:
        loader.dispose()


def _syntax_error(error: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + first_line if mark is not None else None
    problem = error.problem or "invalid YAML"
    if "nesting depth" in problem:  # newer libyaml stops deep nesting itself
        return YamlError(line, f"YAML nested deeper than {MAX_DEPTH} levels")
    detail = f"YAML syntax error: {problem}"
    if error.context:
        detail += f" ({error.context})"
    lines = text.splitlines()
    line_text = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in line_text:
        detail += "; YAML does not allow tabs for indentation, use spaces"
    elif "mapping values are not allowed" in problem:
        if hint := _quote_hint(line_text):
            return YamlError(line, hint)
        if mark is not None and _indented_under_a_value(lines, mark.line):
            detail += "; this line is indented more than the field above it: line them up"
    elif "cannot start any token" in problem and mark is not None:
        character = line_text[mark.column : mark.column + 1]
        if character in ("`", "@"):
            detail += f"; text that starts with {character} must be put in quotes"
    return YamlError(line, detail)


_KEY_AND_TEXT = re.compile(r"\s*(-\s+)?([^\s'\"#:\[{-][^:]*?):\s+(.*\S)\s*")


def _quote_hint(line_text: str) -> str | None:
    """For 'summary: Checkout: weekly list' (a second ': ' YAML reads as a mapping): the
    field and the fix, the line with its text in quotes."""
    found = _KEY_AND_TEXT.fullmatch(line_text)
    if found is None:
        return None
    dash, key, text = found.groups()
    if ": " not in text and not text.endswith(":"):
        return None  # one ': ' only: the problem is elsewhere (indentation...)
    if dash:  # a list entry: the whole entry is the text
        example = "- " + json.dumps(f"{key}: {text}", ensure_ascii=False)
        return f"text with ': ' in it must be put in quotes, e.g. {example}"
    example = f"{key}: " + json.dumps(text, ensure_ascii=False)
    return f"{_short(key)}: text with ': ' in it must be put in quotes, e.g. {example}"


def _indented_under_a_value(lines: list[str], index: int) -> bool:
    """Whether line ``index`` is indented under a 'key: value' line (a field that
    slipped to the right of the one above it)."""
    text = lines[index] if index < len(lines) else ""
    indent = len(text) - len(text.lstrip(" "))
    above = next((line for line in reversed(lines[:index]) if line.strip()), "")
    found = _KEY_AND_TEXT.fullmatch(above)
    return bool(found and not found[1] and indent > len(above) - len(above.lstrip(" ")))


def _reader_error(error: yaml.reader.ReaderError, text: str, first_line: int) -> YamlError:
    """A character YAML does not allow anywhere (a control character, U+FFFE...)."""
    # libyaml reports the position as a byte offset into the UTF-8 text.
    before = text.encode("utf-8", "surrogatepass")[: max(error.position, 0)]
    line = before.count(b"\n") + first_line
    character = error.character
    code = ord(character) if isinstance(character, str) else int(character)
    return YamlError(line, f"YAML does not allow the character U+{code:04X}; remove it")


@dataclass
class _Anchored:
    """A finished value an alias may refer to, with its size and height for the bounds."""

    value: Any
    nodes: int
    height: int


@dataclass
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    value: Any  # a YamlMap or a YamlList
    anchor: str | None
    nodes_before: int
    is_map: bool
    height: int = 0
    key: str | None = None
    key_line: int = 0
    items: list[int] = field(default_factory=list)


class _Builder:
    """Builds one document's values from libyaml's events with an explicit stack."""

    def __init__(self, loader: Any, offset: int) -> None:
        self.loader = loader
        self.offset = offset
        self.nodes = 0
        self.anchors: dict[str, _Anchored] = {}

    def line(self, event: yaml.Event) -> int:
        mark = event.start_mark
        assert mark is not None  # libyaml marks every event
        return mark.line + 1 + self.offset

    def document(self) -> Any:
        self.loader.get_event()  # stream start
        if self.loader.check_event(yaml.StreamEndEvent):
            return None
        self.loader.get_event()  # document start
        value = self.value()
        self.loader.get_event()  # document end
        if not self.loader.check_event(yaml.StreamEndEvent):
            event = self.loader.get_event()
            raise YamlError(
                self.line(event), "expected one YAML document, but found a second one ('---')"
            )
        return value

    def value(self) -> Any:
        stack: list[_Open] = []
        get_event = self.loader.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                value, height = done.value, done.height
                if not done.is_map:
                    value.item_lines = done.items
                if done.anchor is not None:
                    nodes = self.nodes - done.nodes_before
                    self.anchors[done.anchor] = _Anchored(value, nodes, height)
            elif stack and stack[-1].is_map and stack[-1].key is None:
                self.key(stack[-1], event)
                continue
            else:
                if stack and not stack[-1].is_map:
                    stack[-1].items.append(event.start_mark.line + 1 + self.offset)
                value, height, opened = self.start(event, len(stack))
                if opened is not None:
                    stack.append(opened)
                    continue
            if not stack:
                return value
            parent = stack[-1]
            if height >= parent.height:
                parent.height = height + 1
            if parent.is_map:
                parent.value[parent.key] = value
                parent.key = None
            else:
                parent.value.append(value)

    def count(self, event: yaml.Event, nodes: int, depth: int) -> None:
        self.nodes += nodes
        if self.nodes <= MAX_NODES and depth <= MAX_DEPTH:
            return
        if self.nodes > MAX_NODES:
            raise YamlError(
                self.line(event),
                f"YAML too large: more than {MAX_NODES} values (are aliases expanding?)",
            )
        if depth > MAX_DEPTH:
            raise YamlError(self.line(event), f"YAML nested deeper than {MAX_DEPTH} levels")

    def start(self, event: yaml.Event, depth: int) -> tuple[Any, int, _Open | None]:
        """(value, height, None) for a scalar or alias; (None, 0, open) for a collection."""
        if type(event) is yaml.ScalarEvent and event.anchor is None:  # the common case
            self.count(event, 1, depth)
            return self.scalar(event), 0, None
        if isinstance(event, yaml.AliasEvent):
            anchored = None if event.anchor is None else self.anchors.get(event.anchor)
            if anchored is None:
                raise YamlError(self.line(event), f"unknown alias '*{event.anchor}'")
            self.count(event, anchored.nodes, depth + anchored.height)
            return _copy(anchored.value), anchored.height, None
        self.count(event, 1, depth)
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = _Anchored(value, 1, 0)
            return value, 0, None
        line = self.line(event)
        collection: YamlMap | YamlList
        if isinstance(event, yaml.MappingStartEvent):
            self.check_tag(event, yaml.MappingNode, {_MAP_TAG})
            collection = YamlMap()
            collection.key_lines = {}
        elif isinstance(event, yaml.SequenceStartEvent):
            self.check_tag(event, yaml.SequenceNode, {_SEQ_TAG})
            collection = YamlList()
            collection.item_lines = []
        else:  # pragma: no cover - libyaml only gives the events above inside a document
            raise YamlError(line, f"unexpected YAML event {type(event).__name__}")
        collection.line = line
        opened = _Open(collection, event.anchor, self.nodes - 1, type(collection) is YamlMap)
        return None, 0, opened

    def key(self, parent: _Open, event: yaml.Event) -> None:
        """Record the next key of ``parent``: plain text, not seen before in it."""
        if not isinstance(event, yaml.ScalarEvent):
            raise YamlError(self.line(event), "a key must be plain text")
        tag = self.resolve(event)
        if tag == _MERGE_TAG and event.implicit[0]:
            raise YamlError(self.line(event), "YAML merge keys ('<<') are not supported")
        self.check_resolved(event, tag, _SCALAR_TAGS)
        self.check_characters(event)
        key, line = event.value, self.line(event)
        mapping = parent.value
        assert isinstance(mapping, YamlMap)
        if key in mapping.key_lines:
            first = mapping.key_lines[key]
            raise YamlError(line, f"duplicate key '{_short(key)}' (first at line {first})")
        mapping.key_lines[key] = line
        parent.key = key

    def resolve(self, event: yaml.ScalarEvent) -> str:
        if event.tag is None or event.tag == "!":
            if event.implicit == (True, False):  # plain: remembered, keys repeat a lot
                tag = _PLAIN_TAGS.get(event.value)
                if tag is None:
                    tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                    if len(_PLAIN_TAGS) < 10_000:
                        _PLAIN_TAGS[event.value] = tag
                return tag
            return self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        return event.tag

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        if event.tag is None and not event.implicit[0]:  # quoted, untagged: a string
            if _CONTROL.search(event.value) is not None:
                self.check_characters(event)
            return event.value
        tag = self.resolve(event)
        self.check_resolved(event, tag, _SCALAR_TAGS)
        self.check_characters(event)
        # libyaml's marks (yaml._yaml.Mark) serve as yaml.Mark, as in PyYAML's own C loader.
        start = cast("yaml.Mark | None", event.start_mark)
        end = cast("yaml.Mark | None", event.end_mark)
        node = yaml.ScalarNode(tag, event.value, start, end, event.style)
        try:
            return self.loader.yaml_constructors[tag](self.loader, node)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            if tag == _TIMESTAMP_TAG:
                # 2026-02-30: text, which the field that wants a date reports by name.
                return event.value
            reason = str(error)
            if "integer string conversion" in reason:
                reason = "too many digits for a number"
            shown = _short(event.value)
            raise YamlError(self.line(event), f"invalid value {shown!r}: {reason}") from None

    def check_characters(self, event: yaml.ScalarEvent) -> None:
        """Control characters (which only a quoted escape such as "\\0" can make) would
        reach file names, messages and pages: refused."""
        found = _CONTROL.search(event.value)
        if found is not None:
            raise YamlError(
                self.line(event),
                f"text contains {character_problem(found[0])}; remove it",
            )

    def check_tag(self, event: yaml.CollectionStartEvent, kind: type, allowed: set[str]) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(kind, None, event.implicit)
        self.check_resolved(event, tag, allowed)

    def check_resolved(self, event: yaml.Event, tag: str, allowed: set[str]) -> None:
        if tag not in allowed:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlError(self.line(event), f"YAML tag '{shown}' is not allowed here")


def _short(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters for a one-line message."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _copy(value: Any) -> Any:
    """A fresh copy of an anchored value for one alias (its size was already counted)."""
    if isinstance(value, YamlMap):
        result = YamlMap((key, _copy(item)) for key, item in value.items())
        result.line, result.key_lines = value.line, dict(value.key_lines)
        return result
    if isinstance(value, YamlList):
        copied = YamlList(_copy(item) for item in value)
        copied.line, copied.item_lines = value.line, list(value.item_lines)
        return copied
    return value
