"""One revision of one content file, read with the same readers as a build, reduced to
what the history compares: an ``ItemState``.

Only goals, releases and metrics (and the CSV files metrics read) have a history. A
revision that the build would refuse (bad YAML, a missing required field, an unknown
value) is not a state: ``read_revision`` returns the first problem instead, and the
history skips that revision with a note.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, fields, replace
from pathlib import Path, PurePosixPath

from pmsite.errors import ErrorList
from pmsite.load.fields import FieldReader
from pmsite.load.files import (
    DATA_SUFFIXES,
    MARKDOWN_SUFFIXES,
    YAML_SUFFIXES,
    decode_text,
    document_from_text,
    max_file_bytes,
)
from pmsite.load.link import lane_of
from pmsite.load.readers import csv_points, read_item
from pmsite.load.walk import is_ignored_path
from pmsite.load.yamlload import YamlMap
from pmsite.model.items import Goal, Metric, Release

# The folders under content/ whose files have a history, and their kinds.
TRACKED = {"goals": "goal", "releases": "release", "metrics": "metric"}
_ITEM_SUFFIXES = MARKDOWN_SUFFIXES | YAML_SUFFIXES

Key = tuple[str, str]  # (kind, slug)
Measure = tuple[str, str, float | None]  # an inline measure: (name, unit, current)


@dataclass(frozen=True)
class ItemState:
    """What the history compares of one item at one commit (texts as written).

    Goals: ``status``, ``lane`` (by the lane rule), ``target``, ``owner``, ``confidence``,
    inline ``measures`` and the ``metrics`` they refer to. Releases: ``status``,
    ``target`` and ``date`` (ISO). Metrics: ``unit``, their newest ``point`` (ISO date,
    value) and ``csv``, the CSV file they read (a path under content/). Every item:
    ``title`` (a metric's name), ``draft`` and ``internal`` (audience: internal).
    """

    kind: str
    slug: str
    title: str
    draft: bool = False
    internal: bool = False
    status: str = ""
    lane: str = ""
    target: str = ""
    owner: str = ""
    confidence: str = ""
    date: str = ""
    measures: tuple[Measure, ...] = ()
    metrics: tuple[str, ...] = ()
    unit: str = ""
    point: tuple[str, float] | None = None
    csv: str = ""

    @property
    def key(self) -> Key:
        return (self.kind, self.slug)

    def to_json(self) -> list:
        """The state as a JSON list, in field order (for the cache)."""
        return [getattr(self, name) for name in _FIELDS]

    @classmethod
    def from_json(cls, data: list) -> ItemState:
        """The state ``to_json`` wrote; raises ValueError (or TypeError) on anything else."""
        if not isinstance(data, list) or len(data) != len(_FIELDS):
            raise ValueError("not an item state")
        values = list(data)
        values[_MEASURES] = tuple(
            (str(name), str(unit), None if current is None else float(current))
            for name, unit, current in values[_MEASURES]
        )
        values[_METRICS] = tuple(str(slug) for slug in values[_METRICS])
        point = values[_POINT]
        values[_POINT] = None if point is None else (str(point[0]), float(point[1]))
        return cls(*values)


_FIELDS = tuple(spec.name for spec in fields(ItemState))
_MEASURES, _METRICS, _POINT = (_FIELDS.index(name) for name in ("measures", "metrics", "point"))


def kind_of(path: str) -> str | None:
    """The kind of the item file at ``path`` (relative to content/), or None when it is
    not a goal, release or metric file (or is a name the build ignores)."""
    folder, _, rest = path.partition("/")
    kind = TRACKED.get(folder)
    if kind is None or not rest or is_ignored_path(path):
        return None
    return kind if PurePosixPath(path).suffix.lower() in _ITEM_SUFFIXES else None


def is_data_file(path: str) -> bool:
    """Whether ``path`` (relative to content/) is a CSV file a metric may read."""
    return (
        path.startswith("metrics/")
        and PurePosixPath(path).suffix.lower() in DATA_SUFFIXES
        and not is_ignored_path(path)
    )


def read_revision(kind: str, path: str, raw: bytes, site_dir: Path) -> ItemState | str:
    """The state of the item in one revision (``raw``) of the file ``path`` (relative to
    content/), read as a build reads it; or, when the build would refuse it, the first
    problem as ``file:line: message``. A metric's CSV points are not read here (the CSV
    file may differ in the same commit): its state names the CSV file, see ``with_point``.
    """
    shown = f"content/{path}"
    errors = ErrorList()
    if len(raw) > max_file_bytes():
        return f"{shown}: file is too large"
    text = decode_text(raw, shown, errors)
    document = None
    if text is not None:
        document = document_from_text(kind, site_dir / "content" / path, shown, text, errors)
    if document is None or errors.errors:
        return _first(errors, shown)
    csv = ""
    if kind == "metric" and "csv" in document.data:
        if "points" in document.data:
            line = document.data.line_of("csv")
            return f"{shown}:{line}: csv: give either 'points' or 'csv', not both"
        name = document.data.get("csv")
        csv = _csv_path(path, name) if isinstance(name, str) else ""
        if not csv:
            return f"{shown}:{document.data.line_of('csv')}: csv: not a file inside content/"
        data = YamlMap((key, value) for key, value in document.data.items() if key != "csv")
        data.line, data.key_lines = document.data.line, document.data.key_lines
        document = replace(document, data=data)
    item = read_item(document, site_dir, errors)
    if errors.errors or not item.slug:
        return _first(errors, shown)
    common = ItemState(
        kind, item.slug, item.title, draft=item.draft, internal=item.audience == "internal"
    )
    if isinstance(item, Goal):
        return replace(
            common,
            status=item.status,
            lane=lane_of(item),
            target=item.target.text if item.target else "",
            owner=item.owner,
            confidence=item.confidence,
            measures=tuple((m.name, m.unit, m.current) for m in item.metrics if not m.metric_slug),
            metrics=tuple(m.metric_slug.lower() for m in item.metrics if m.metric_slug),
        )
    if isinstance(item, Release):
        return replace(
            common,
            status=item.status,
            target=item.target.text if item.target else "",
            date=item.date.isoformat() if item.date else "",
        )
    assert isinstance(item, Metric)
    newest = item.points[-1] if item.points else None
    point = (newest.date.isoformat(), newest.value) if newest else None
    return replace(common, unit=item.unit, point=point, csv=csv)


def read_csv_point(path: str, raw: bytes) -> tuple[str, float] | str | None:
    """The newest point (ISO date, value) of one revision of a metric's CSV file, None
    when it has none, or the first problem as ``file:line: message``."""
    shown = f"content/{path}"
    errors = ErrorList()
    text = decode_text(raw, shown, errors) if len(raw) <= max_file_bytes() else None
    if text is None:
        return _first(errors, shown)
    reader = FieldReader(YamlMap(), shown, errors, ())
    points = csv_points(text, shown, reader)
    if errors.errors:
        return _first(errors, shown)
    return (points[-1].date.isoformat(), points[-1].value) if points else None


def with_point(state: ItemState, point: tuple[str, float] | None) -> ItemState:
    """A CSV metric's state with its newest point, read from its CSV file."""
    return replace(state, point=point)


def _csv_path(path: str, name: str) -> str:
    """The path under content/ of the CSV file ``name`` that the metric file at ``path``
    reads (relative to its folder), or "" when that leads outside content/."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), name.strip()))
    return "" if joined.startswith(("../", "/")) or joined in ("..", ".") else joined


def _first(errors: ErrorList, shown: str) -> str:
    return str(errors.errors[0]) if errors.errors else f"{shown}: cannot be read"
