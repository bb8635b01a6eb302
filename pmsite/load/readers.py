"""From RawDocuments to typed items: one reader per content kind, every field checked.

Readers never raise on bad content: they record each problem (file, line, field) and
return the item anyway when it is usable, so one run reports everything at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pmsite import AUDIENCES
from pmsite.digest import digest
from pmsite.errors import ErrorList, did_you_mean, display_path, quoted
from pmsite.load.fields import FieldReader, describe
from pmsite.load.files import RawDocument, read_text
from pmsite.load.yamlload import YamlMap
from pmsite.model.categories import KEY_PATTERN
from pmsite.model.items import (
    CHANGE_CATEGORIES,
    CONFIDENCES,
    DIRECTIONS,
    GOAL_STATUSES,
    HORIZONS,
    REFLECTION_PERIODS,
    RELEASE_STATUSES,
    Goal,
    Item,
    Markdown,
    Metric,
    MetricTarget,
    Page,
    Point,
    Reflection,
    Release,
)
from pmsite.model.kinds import BY_NAME, Kind
from pmsite.model.timeframe import read_date
from pmsite.model.urls import is_file_slug
from pmsite.model.versions import version_slug

METRIC_REF_KEYS = ("metric", "target", "baseline")
METRIC_INLINE_KEYS = ("name", "unit", "baseline", "current", "target", "direction")


class ItemCache:
    """Items read from unchanged documents, kept between rebuilds (handed out fresh)."""

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[str, Item, ErrorList]] = {}

    def get(self, document: RawDocument, errors: ErrorList) -> Item | None:
        entry = self._entries.get(document.path)
        if entry is None or entry[0] != document.digest:
            return None
        errors.errors.extend(entry[2].errors)
        errors.warnings.extend(entry[2].warnings)
        return entry[1].fresh()

    def put(self, document: RawDocument, item: Item, found: ErrorList) -> None:
        # A metric's CSV file can change without its YAML changing: never cached.
        if "csv" not in document.data:
            self._entries[document.path] = (document.digest, item.fresh(), found)

    def peek(self, path: Path) -> Item | None:
        """The item last read from ``path`` (not a copy: only to compare with)."""
        entry = self._entries.get(path)
        return entry[1] if entry else None

    def keep_only(self, documents: list[RawDocument]) -> None:
        paths = {document.path for document in documents}
        self._entries = {p: e for p, e in self._entries.items() if p in paths}


def read_items(
    documents: list[RawDocument],
    site_dir: Path,
    errors: ErrorList,
    cache: ItemCache | None = None,
) -> list[Item]:
    """Typed items for every document that is usable; problems go to ``errors``."""
    items = [read_item(document, site_dir, errors, cache) for document in documents]
    if cache is not None:
        cache.keep_only(documents)
    return items


def read_item(
    document: RawDocument, site_dir: Path, errors: ErrorList, cache: ItemCache | None = None
) -> Item:
    """The typed item of one document (from ``cache`` when it is unchanged)."""
    item = cache.get(document, errors) if cache is not None else None
    if item is None:
        found = ErrorList()
        kind = BY_NAME[document.kind]
        fields = FieldReader(document.data, document.display, found, kind.allowed_keys)
        item = reader_of(kind)(document, fields, site_dir)
        fields.finish()
        errors.errors.extend(found.errors)
        errors.warnings.extend(found.warnings)
        if cache is not None:
            cache.put(document, item, found)
    return item


def file_slug(document: RawDocument, errors: ErrorList) -> str:
    """The slug of an item named by its file (lower case, so Foo.md and foo.md collide)."""
    stem = document.stem
    if not is_file_slug(stem):
        errors.add(
            document.display,
            None,
            f"file name '{stem}' cannot be a URL slug: use letters, digits, '-', '_' or '.'",
        )
    return stem.lower()


Reader = Callable[[RawDocument, FieldReader, Path], Item]


def reader_of(kind: Kind) -> Reader:
    """The function that reads a document of ``kind`` (named by the registry)."""
    reader: Reader = globals()[kind.reader]
    return reader


def _common(document: RawDocument, fields: FieldReader, title: str, **kwargs: object) -> dict:
    summary = fields.text("summary")
    return {
        "kind": document.kind,
        "source": document.display,
        "line": document.data.line,
        "title": title,
        "summary": summary,
        "summary_markdown": Markdown(summary, inline=True),
        "tag_names": fields.text_list("tags"),
        "draft": fields.boolean("draft"),
        "audience": fields.choice("audience", AUDIENCES) or "public",
        "field_lines": document.data.key_lines,
        "body": Markdown(document.body),
        "digest": document.digest,
        "front_digest": document.front_digest or document.digest,
        **kwargs,
    }


def read_goal(document: RawDocument, fields: FieldReader, site_dir: Path) -> Goal:
    """A goal (see the README's content format)."""
    slug = file_slug(document, fields.errors)
    return Goal(
        **_common(document, fields, fields.text("title", required=True), slug=slug),
        status=fields.choice("status", GOAL_STATUSES, required=True),
        horizon=fields.choice("horizon", HORIZONS),
        target=fields.target("target"),
        confidence=fields.choice("confidence", CONFIDENCES),
        theme=fields.text("theme"),
        owner=fields.text("owner"),
        priority=_priority(fields),
        metrics=_metric_targets(fields),
    )


def _priority(fields: FieldReader) -> int | None:
    priority = fields.integer("priority")
    if priority is not None and priority < 1:
        fields.error("priority", f"must be 1 or more (1 is the highest), got {priority}")
        return None
    return priority


def read_release(document: RawDocument, fields: FieldReader, site_dir: Path) -> Release:
    """A release; its slug is its version's URL segment (``versions.version_slug``).

    The version is checked against the site's versioning scheme, and change categories
    against the site's categories, when the site is linked (``load/link.py``): both
    depend on site.yaml."""
    version_text = fields.text("version", required=True)
    slug = version_slug(version_text) if version_text else ""
    if version_text and (not slug or "\n" in version_text):
        fields.error(
            "version",
            f"{quoted(version_text)} cannot be a version:"
            " use one line that starts with a letter or digit",
        )
        slug = ""
    status = fields.choice("status", RELEASE_STATUSES) or "released"
    changes, change_lines = _changes(fields)
    release = Release(
        **_common(document, fields, fields.text("title"), slug=slug),
        written_version=version_text,
        status=status,
        date=_release_date(fields, status),
        target=fields.target("target"),
        highlights=fields.markdown_list("highlights"),
        changes=changes,
        change_lines=change_lines,
        breaking=fields.markdown_list("breaking"),
        intro=Markdown(fields.text("intro")),
        links=_links(fields),
        goal_slugs=fields.text_list("goals"),
        yanked=fields.boolean("yanked"),
        metrics=_metric_targets(fields),
    )
    if not release.title:
        release.title = f"Version {version_text}" if version_text else document.stem
    return release


_RELEASE_DATE_HINT = (
    ": the day it was released, e.g. date: 2026-11-15;"
    " a release that is not out yet needs status: planned"
)


def _release_date(fields: FieldReader, status: str) -> dt.date | None:
    """The date; ``date: unknown`` for a released release whose date nobody knows (an
    imported changelog's old versions): it is then ordered by its version."""
    value = fields.get("date")
    if isinstance(value, str) and value.strip().lower() == "unknown" and status != "planned":
        return None
    return fields.date("date", required=status != "planned", hint=_RELEASE_DATE_HINT)


def _changes(fields: FieldReader) -> tuple[dict[str, list[Markdown]], dict[str, int]]:
    """The notes by category key: the six standard categories first, in Keep a Changelog
    order, then the file's others in its order (linking checks them against site.yaml)."""
    changes = fields.mapping("changes")
    if changes is None:
        return {}, {}
    keys = [key for key in CHANGE_CATEGORIES if key in changes]
    keys += [key for key in changes if key not in CHANGE_CATEGORIES]
    inner = FieldReader(changes, fields.source, fields.errors, keys, "changes: ")
    result, lines = {}, {}
    for key in keys:
        if not KEY_PATTERN.match(key) or key != key.lower():
            inner.error(key, "a change category is a lower-case key (letters, digits and '-')")
            continue
        notes = inner.markdown_list(key)
        lines[key] = inner.line(key)
        if notes:
            result[key] = notes
    return result, lines


def _links(fields: FieldReader) -> dict[str, str]:
    """``links: {compare: https://…}``: labels and absolute http(s) URLs or paths in
    the repository (``docs/upgrading.md``)."""
    links = fields.mapping("links")
    if links is None:
        return {}
    inner = FieldReader(links, fields.source, fields.errors, list(links), "links: ")
    result = {}
    for label in links:
        url = inner.text(label, required=True)
        parts = urlsplit(url)
        web = parts.scheme in ("http", "https") and bool(parts.netloc)
        in_repository = not (parts.scheme or parts.netloc or url.startswith("//"))
        if url and (web or in_repository):
            result[str(label)] = url
        elif url:
            inner.error(label, f"{quoted(url)} must be an http(s) URL or a path in the repository")
    return result


def read_reflection(document: RawDocument, fields: FieldReader, site_dir: Path) -> Reflection:
    """A reflection."""
    slug = file_slug(document, fields.errors)
    return Reflection(
        **_common(document, fields, fields.text("title", required=True), slug=slug),
        date=fields.date("date", required=True),
        period=fields.choice("period", REFLECTION_PERIODS),
        wins=fields.markdown_list("wins"),
        setbacks=fields.markdown_list("setbacks"),
        learnings=fields.markdown_list("learnings"),
        next=fields.markdown_list("next"),
        goal_slugs=fields.text_list("goals"),
        release_versions=fields.text_list("releases"),
    )


def read_page(document: RawDocument, fields: FieldReader, site_dir: Path) -> Page:
    """A free page: a title and a body."""
    slug = file_slug(document, fields.errors)
    return Page(**_common(document, fields, fields.text("title", required=True), slug=slug))


def read_metric(document: RawDocument, fields: FieldReader, site_dir: Path) -> Metric:
    """A metric; its points come from the file or from a CSV file beside it in content/."""
    slug = file_slug(document, fields.errors)
    name = fields.text("name", required=True)
    metric = Metric(
        **_common(document, fields, name, slug=slug),
        name=name,
        unit=fields.text("unit"),
        direction=fields.choice("direction", DIRECTIONS) or "up",
        description=Markdown(fields.text("description")),
    )
    if "points" in document.data and "csv" in document.data:
        fields.error("csv", "give either 'points' or 'csv', not both")
    elif "csv" in document.data:
        metric.points = _csv_points(document, fields, site_dir)
        # The CSV's values are part of what the metric's pages show.
        points = repr([(point.date, point.value) for point in metric.points])
        metric.digest = metric.front_digest = digest(document.digest + points)
    else:
        metric.points = _yaml_points(fields)
    return metric


def _yaml_points(fields: FieldReader) -> list[Point]:
    points: list[tuple[Point, int, str]] = []  # (point, line, how messages name it)
    for index, (entry, line) in enumerate(fields.items("points")):
        if not isinstance(entry, YamlMap):
            fields.error("points", f"each point is {{date, value}}, got {describe(entry)}", line)
            continue
        point = FieldReader(entry, fields.source, fields.errors, ("date", "value"))
        point.prefix = f"points item {index + 1}: "
        day, value = point.date("date", required=True), point.number("value", required=True)
        point.finish()
        if day is not None and value is not None:
            points.append((Point(day, value), point.line("date"), point.prefix))
    return _check_point_dates(points, fields.errors, fields.source)


def _csv_points(document: RawDocument, fields: FieldReader, site_dir: Path) -> list[Point]:
    name = fields.text("csv")
    if not name:
        return []
    path = (document.path.parent / name).resolve()
    content_dir = (site_dir / "content").resolve()
    if not path.is_relative_to(content_dir):
        fields.error("csv", f"{quoted(name)} is outside content/")
        return []
    if not path.is_file():
        fields.error("csv", f"file {quoted(name)} not found next to {document.path.name}")
        return []
    shown = display_path(path, site_dir.resolve())
    text = read_text(path, shown, fields.errors)
    if text is None:
        return []
    return csv_points(text, shown, fields)


def csv_points(text: str, shown: str, fields: FieldReader) -> list[Point]:
    """The points of a metric's CSV file (header ``date,value``), oldest first, read from
    its text; ``shown`` names the file in messages, which go to ``fields.errors``."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [cell.strip().lower() for cell in rows[0]] != ["date", "value"]:
        fields.errors.add(shown, 1, "the first line must be the header 'date,value'")
        return []
    points = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != 2:
            fields.errors.add(
                shown,
                number,
                f"expected 'YYYY-MM-DD,number', got {quoted(','.join(row))}"
                f" ({len(row)} cells; a number has no thousands separators: 8900, not 8,900)",
            )
            continue
        day, why = read_date(row[0])
        if day is None:
            reason = f" ({why})" if why else ""
            fields.errors.add(
                shown,
                number,
                f"date: {quoted(row[0].strip())} is not a date{reason}; write it as YYYY-MM-DD",
            )
        value = _csv_number(row[1])
        if value is None:
            fields.errors.add(
                shown,
                number,
                f"value: {quoted(row[1].strip())} is not a number;"
                " write it like 8900.5 (no thousands separators, no unit)",
            )
        if day is not None and value is not None:
            points.append((Point(day, value), number, ""))
    return _check_point_dates(points, fields.errors, shown)


def _csv_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_point_dates(
    points: list[tuple[Point, int, str]], errors: ErrorList, shown: str
) -> list[Point]:
    """The points by date; a second point on a day (date-times count by their date) is
    an error at its own line, naming the line of the first."""
    first: dict[object, int] = {}
    for point, line, prefix in points:
        day = point.date.isoformat()
        if point.date in first:
            errors.add(
                shown,
                line,
                f"{prefix}date: {day} is also the date of the point on line"
                f" {first[point.date]}; a metric has one value per day",
            )
        else:
            first[point.date] = line
    return sorted((point for point, _, _ in points), key=lambda point: point.date)


def _metric_targets(fields: FieldReader) -> list[MetricTarget]:
    result = []
    for index, (entry, line) in enumerate(fields.items("metrics")):
        prefix = f"metrics item {index + 1}: "
        if not isinstance(entry, YamlMap):
            fields.errors.add(
                fields.source,
                line,
                f"{prefix}must be {{metric: <slug>, target: N}} or"
                f" {{name, unit, baseline, current, target, direction}}, got {describe(entry)}",
            )
            continue
        # A reference to a metric, also when its key is misspelt ("metrc"): the typo
        # is then the one error, not the fields an inline measure would need.
        if "metric" in entry or (
            "name" not in entry and any(did_you_mean(key, ["metric"]) for key in entry)
        ):
            reader = FieldReader(entry, fields.source, fields.errors, METRIC_REF_KEYS, prefix)
            slug = reader.text("metric", required=True)
            target = MetricTarget(
                name=slug,
                metric_slug=slug,
                target=reader.number("target", required=True),
                baseline=reader.number("baseline"),
                line=reader.line("metric"),
            )
        else:
            reader = FieldReader(entry, fields.source, fields.errors, METRIC_INLINE_KEYS, prefix)
            target = MetricTarget(
                name=reader.text("name", required=True),
                unit=reader.text("unit"),
                direction=reader.choice("direction", DIRECTIONS) or "up",
                baseline=reader.number("baseline"),
                current=reader.number("current"),
                target=reader.number("target", required=True),
                line=line,
            )
        reader.finish()
        result.append(target)
    return result
