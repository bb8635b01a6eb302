"""Text edits under ``pmsite serve``: patch the last build's model instead of rebuilding it.

Most saves while writing change only Markdown: a release's body, a note, a reflection's
learnings. Such an edit cannot change how items link, order or group, so reading,
linking and fingerprinting every item again (most of a rebuild at 10,000 items) is
skipped: the changed items' text fields are replaced in the linked model, and the pages
that read an attribute whose value changed are rendered again, exactly as a full rebuild
would decide (``BuildSession`` compares the same values). Anything else (a new, deleted
or renamed file, a front-matter field other than text, a template, an error) takes the
full path.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from pmsite.incremental.tracking import SITE_KEY, Dependency, Key, attribute_value, plain
from pmsite.model.items import Item, Markdown, Site

# Fields that may differ without touching links or order: besides the text itself, the
# file's digest and where its fields are (lines move when text is added above them).
_BOOKKEEPING_FIELDS = ("digest", "front_digest", "line", "field_lines", "change_lines")


@dataclass
class TextEdit:
    """One changed item: the linked item of the last build and the item read now."""

    linked: Item
    new: Item
    fields: list[str]  # the fields to copy from ``new`` to ``linked``


def text_fields_changed(before: Item, now: Item) -> list[str] | None:
    """The fields in which ``now`` differs from ``before`` (both as read, not linked),
    when they are all text or bookkeeping; None when anything else differs."""
    if type(before) is not type(now) or before.key != now.key:
        return None
    changed = []
    for field in fields(before):
        old, new = getattr(before, field.name), getattr(now, field.name)
        if field.name in _BOOKKEEPING_FIELDS:
            if old != new:
                changed.append(field.name)
        elif plain(old) != plain(new):
            if not (_holds_markdown(old) or _holds_markdown(new)):
                return None
            if isinstance(old, dict) and isinstance(new, dict) and old.keys() != new.keys():
                return None  # a new or removed change category is checked by linking
            changed.append(field.name)
    return changed


def _holds_markdown(value: Any) -> bool:
    if isinstance(value, Markdown):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_markdown(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_markdown(v) for v in value.values())
    return False


class ReadValues:
    """The values that recorded outputs read from the edited items and from the site,
    taken before an edit is applied, to tell afterwards which of them changed."""

    def __init__(self, site: Site, edits: list[TextEdit], reads: Iterable[Dependency]) -> None:
        self.site = site
        self.objects: dict[Key, object] = {edit.linked.key: edit.linked for edit in edits}
        self.objects[SITE_KEY] = site
        self.reads = {dep for dep in reads if dep[0] in self.objects and dep[1]}
        self.before = {dep: self._value(dep) for dep in self.reads}

    def _value(self, dep: Dependency) -> Hashable:
        return attribute_value(self.objects[dep[0]], dep[1])

    def changed(self) -> set[Dependency]:
        """Every read whose value differs now, and "anything" about each edited item."""
        found = {dep for dep in self.reads if self._value(dep) != self.before[dep]}
        found.update((key, "") for key in self.objects)  # as a full rebuild decides
        return found


def apply(edits: list[TextEdit]) -> None:
    """Copy the changed fields into the linked items (pages then see the new text)."""
    for edit in edits:
        for name in edit.fields:
            setattr(edit.linked, name, getattr(edit.new, name))


class PatchChanges:
    """What changed in a patched build, asked the way ``session._Changes`` is asked."""

    def __init__(
        self,
        site: Site,
        fingerprints: dict[Key, Hashable],
        changed: set[Dependency],
        edits: list[TextEdit],
    ) -> None:
        self.site = site
        self.fingerprints = fingerprints
        self.changed = changed
        self.keys = {key for key, _ in changed}
        self._edited = {edit.linked.key: edit.linked for edit in edits}

    def site_object(self, key: Key) -> Item:
        """The (patched) item with ``key``: only the edited ones are asked for."""
        return self._edited[key]

    def touches(self, record: Any) -> bool:
        if self.keys.isdisjoint(record.keys):
            return False
        return not self.changed.isdisjoint(record.deps)
