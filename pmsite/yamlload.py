"""Safe YAML loading that remembers where every key and list item came from.

libyaml (``CSafeLoader``) composes the node tree; we build plain Python values from it
ourselves so that we can keep line numbers, refuse duplicate keys, refuse tags that try
to construct objects, and bound alias expansion and nesting depth.
"""

from __future__ import annotations

from typing import Any

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
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            raise _syntax_error(error, text, first_line) from None
        except yaml.YAMLError as error:
            raise YamlError(None, f"YAML error: {error}") from None
        if node is None:
            return None
        return _Builder(loader, first_line - 1).build(node, 0)
    finally:
        loader.dispose()


def _syntax_error(error: yaml.MarkedYAMLError, text: str, first_line: int) -> YamlError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + first_line if mark is not None else None
    problem = error.problem or "invalid YAML"
    detail = f"YAML syntax error: {problem}"
    if error.context:
        detail += f" ({error.context})"
    lines = text.splitlines()
    line_text = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in line_text:
        detail += "; YAML does not allow tabs for indentation, use spaces"
    elif "cannot start any token" in problem and mark is not None:
        character = line_text[mark.column : mark.column + 1]
        if character in ("`", "@"):
            detail += f"; text that starts with {character} must be put in quotes"
    return YamlError(line, detail)


class _Builder:
    def __init__(self, loader: Any, offset: int) -> None:
        self.loader = loader
        self.offset = offset
        self.nodes = 0

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(
                self.line(node),
                f"YAML too large: more than {MAX_NODES} values (are aliases expanding?)",
            )
        if depth > MAX_DEPTH:
            raise YamlError(self.line(node), f"YAML nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, depth)
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, depth: int) -> YamlMap:
        self.check_tag(node, {_MAP_TAG})
        result = YamlMap()
        result.line = self.line(node)
        result.key_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(self.line(key_node), "a key must be plain text")
            key = key_node.value
            if key in result.key_lines:
                raise YamlError(
                    self.line(key_node),
                    f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                )
            result.key_lines[key] = self.line(key_node)
            result[key] = self.build(value_node, depth + 1)
        return result

    def sequence(self, node: yaml.SequenceNode, depth: int) -> YamlList:
        self.check_tag(node, {_SEQ_TAG})
        result = YamlList(self.build(item, depth + 1) for item in node.value)
        result.line = self.line(node)
        result.item_lines = [self.line(item) for item in node.value]
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        self.check_tag(node, _SCALAR_TAGS)
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            raise YamlError(self.line(node), f"invalid value {node.value!r}: {error}") from None

    def check_tag(self, node: yaml.Node, allowed: set[str]) -> None:
        if node.tag not in allowed:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise YamlError(self.line(node), f"YAML tag '{tag}' is not allowed here")
