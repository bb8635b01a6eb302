"""What each rendered output read from the model, so a rebuild re-renders only what changed.

While a page renders, every attribute its templates read from an item, a tag or the site
is noted (``TrackingEnvironment``) as a (key, attribute) pair. After the next change:

- items whose fingerprint (source text digest plus everything linked to it afterwards:
  backlinks, lane, previous/next, resolved metrics, tags) is unchanged cannot have
  changed any attribute, so pages that read only those are kept as they are;
- for the few items that did change, only the attributes a page read are compared, so
  editing a release's body does not re-render the index that lists its title;
- a site-wide attribute (``site.goals``...) is compared as the keys it holds, in order.

The page is rendered again when any of these differ, or a template it uses changed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields, is_dataclass
from types import CodeType
from typing import Any

import jinja2
from jinja2 import meta

from pmsite.model.items import READS_ATTRIBUTE, Item, Markdown, Site, Tag, Theme, linked_fields
from pmsite.model.kinds import BY_NAME

Key = tuple[str, str]  # (kind, slug) of an item, a tag or a theme; SITE_KEY for the site
Dependency = tuple[Key, str]  # (key, attribute read); "" means "anything about it"
SITE_KEY: Key = ("site", "")

_recording: ContextVar[set[Dependency] | None] = ContextVar("pmsite_dependencies", default=None)


@contextmanager
def recording() -> Iterator[set[Dependency]]:
    """Collect the dependencies noted while the block runs (per thread/context)."""
    found: set[Dependency] = set()
    token = _recording.set(found)
    try:
        yield found
    finally:
        _recording.reset(token)


def note(obj: object, attribute: object = "") -> None:
    """Record that the output being rendered read ``obj`` (an item, a tag, a theme or the
    site)."""
    found = _recording.get()
    if found is None:
        return
    cls = type(obj)
    role = _ROLES.get(cls)
    if role is None:  # first time this class is seen: most are not model objects
        role = 1 if isinstance(obj, _KEYED) else 2 if isinstance(obj, Site) else 0
        if cls is not Recorded:  # a view's class is its target's, which varies
            _ROLES[cls] = role
    if role == 1:
        found.add((obj.key, str(attribute)))  # type: ignore[attr-defined]
    elif role == 2:
        found.add((SITE_KEY, str(attribute)))


def note_all(deps: Iterable[Dependency]) -> None:
    """Record dependencies noted earlier (by a cached fragment) into the current output."""
    found = _recording.get()
    if found is not None:
        found.update(deps)


_KEYED = (Item, Tag, Theme)  # the model objects that have a key
# What ``note`` makes of an object by its class: 1 keyed, 2 the site, 0 anything else
# (a template reads attributes of strings, dicts and loop variables too: most reads).
_ROLES: dict[type, int] = {}
_MODEL = (*_KEYED, Site)


class Recorded:
    """A read-only view of a model object for Python code that renders an output
    (feeds, roadmap.json, search.json): every attribute read of an item, a tag or the
    site is noted as a dependency (``note``), as ``TrackingEnvironment`` does for
    templates, so what an output depends on is never a hand-kept list.

    What it reads is wrapped in turn (lists, dicts, the values inside an item), so reads
    through a measure's metric count too. Calling a method notes what the method declares
    with ``@reads``, or "anything about the object". ``isinstance`` sees the wrapped
    object's class.
    """

    __slots__ = ("_target",)

    def __init__(self, target: object) -> None:
        object.__setattr__(self, "_target", target)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(view, Release) is about the target
        return type(object.__getattribute__(self, "_target"))

    def __getattr__(self, name: str) -> Any:
        target = object.__getattribute__(self, "_target")
        value = getattr(target, name)
        if callable(value) and hasattr(value, "__self__"):  # a bound method
            declared = getattr(value, READS_ATTRIBUTE, ("",))
            for attribute in declared:
                note(target, attribute)
            return lambda *args, **kwargs: recorded(value(*args, **kwargs))
        note(target, name)
        return recorded(value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a recorded view is read-only (setting {name!r})")

    def __iter__(self) -> Iterator[Any]:
        return (recorded(value) for value in object.__getattribute__(self, "_target"))

    def __bool__(self) -> bool:
        return bool(object.__getattribute__(self, "_target"))

    def __repr__(self) -> str:
        return f"Recorded({object.__getattribute__(self, '_target')!r})"


def recorded(value: Any) -> Any:
    """``value`` as seen through ``Recorded``: model objects and the containers and
    dataclass values that hold them are wrapped; plain values are returned as they are."""
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    if isinstance(value, Recorded):
        return value
    if isinstance(value, list):
        return [recorded(v) for v in value]
    if isinstance(value, tuple):
        return tuple(recorded(v) for v in value)
    if isinstance(value, dict):
        return {k: recorded(v) for k, v in value.items()}
    if isinstance(value, _MODEL) or (is_dataclass(value) and not isinstance(value, type)):
        return Recorded(value)
    if isinstance(value, Iterator):
        return (recorded(v) for v in value)
    return value


def unwrap(value: Any) -> Any:
    """The model object behind a ``Recorded`` view (templates note reads themselves)."""
    if type(value) is Recorded:  # not isinstance: a view's __class__ is its target's
        return object.__getattribute__(value, "_target")
    return value


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes every model object a template reads."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # A page reads about 200 attributes, most of them of strings, loop variables and
        # values that are not model objects (role 0): those skip ``note``.
        if _ROLES.get(type(obj)) != 0:
            note(obj, attribute)
        try:  # jinja2.Environment.getattr, inlined: this runs millions of times a build
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        note(obj, argument)
        return super().getitem(obj, argument)


def plain(value: Any) -> Hashable:
    """A comparable stand-in for a model value: items, tags and themes become their keys."""
    if isinstance(value, _KEYED):
        return value.key
    if isinstance(value, type):  # a model class named by the registry
        return value.__qualname__
    if isinstance(value, Markdown):
        return value.source
    if isinstance(value, (list, tuple)):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, plain(v)) for k, v in value.items())
    if is_dataclass(value):
        return (type(value).__name__, *(plain(getattr(value, f.name)) for f in fields(value)))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def model_objects(site: Site) -> dict[Key, Item | Tag | Theme]:
    """Every item, tag and theme of the site by key."""
    found: dict[Key, Item | Tag | Theme] = {item.key: item for item in site.items()}
    found.update((tag.key, tag) for tag in site.tags)
    found.update((theme.key, theme) for theme in site.theme_pages)
    return found


def fingerprints(site: Site) -> dict[Key, Hashable]:
    """Every item's, tag's and theme's fingerprint: its source digest (an item's) plus
    its links."""
    found: dict[Key, Hashable] = {item.key: fingerprint(item) for item in site.items()}
    for tag in site.tags:
        found[tag.key] = (tag.name, tuple(item.key for item in tag.items))
    for theme in site.theme_pages:
        goals = tuple(goal.key for goal in theme.goals)
        found[theme.key] = (theme.name, goals, tuple(r.key for r in theme.releases))
    return found


def fingerprint(item: Item) -> Hashable:
    """An item's source digest plus its links: equal fingerprints, equal attributes."""
    return (item.digest, item.draft, _links(item))


# A coarse dependency on an item (see records.coarse): only fields in front_fields(kind).
FRONT = "|front"


# Names whose use makes a member of a model class count as reading the body: the body
# itself, and reads by a name computed at run time.
_READS_ANYTHING = frozenset({"body", "getattr", "vars", "__dict__"})


@functools.cache
def front_fields(kind: str) -> frozenset[str]:
    """The attributes of an item of ``kind`` that its Markdown body never changes: its
    dataclass fields but ``body``, and its properties and methods whose code (with what
    it calls of the class, transitively) never names the body or reads an attribute by
    a computed name. Found from the compiled code (``co_names``), so a new property that
    reads the body is never taken for one that does not."""
    entry = BY_NAME.get(kind)
    if entry is None:
        return frozenset()
    cls = entry.model
    members: dict[str, frozenset[str]] = {}
    for name in dir(cls):
        if name.startswith("__"):
            continue
        value = inspect.getattr_static(cls, name)
        if isinstance(value, property):
            value = value.fget
        elif isinstance(value, (classmethod, staticmethod)):
            value = value.__func__
        code = getattr(value, "__code__", None)
        if code is not None:
            members[name] = _names_used(code)
    reading = set(_READS_ANYTHING)
    grew = True
    while grew:  # a member that uses one that reads the body reads it too
        found = {name for name, used in members.items() if used & reading}
        grew = not found <= reading
        reading |= found
    names = {spec.name for spec in fields(cls)} | set(members)
    return frozenset(names - reading)


def _names_used(code: CodeType) -> frozenset[str]:
    """The attribute and global names ``code`` uses, with those of the functions,
    lambdas and comprehensions inside it."""
    found = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            found |= _names_used(constant)
    return frozenset(found)


def _links(item: Item) -> tuple:
    """The linked fields as keys (a fast path of ``plain`` for the common shapes)."""
    state = []
    for name in linked_fields(type(item)):
        value = getattr(item, name)
        if isinstance(value, list):
            state.append(tuple(v.key if isinstance(v, _KEYED) else plain(v) for v in value))
        elif isinstance(value, _KEYED):
            state.append(value.key)
        else:
            state.append(value)
    return tuple(state)


def attribute_value(obj: object, attribute: str) -> Hashable:
    """What an attribute holds, as plain values and keys (``site.goals`` -> its keys)."""
    if isinstance(obj, Site) and attribute == "config":
        return "config"  # a site.yaml change rebuilds everything anyway
    return plain(getattr(obj, attribute, None))


def template_closure(env: jinja2.Environment, name: str) -> frozenset[str]:
    """``name`` and every template it extends, includes or imports, transitively.

    A reference computed at render time (a variable template name) cannot be followed,
    so such a template depends on every template ("*").
    """
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source = env.loader.get_source(env, current)[0]  # type: ignore[union-attr]
            # Named: an environment of make_environment's then compiles this very tree.
            references = meta.find_referenced_templates(env.parse(source, current))
        except jinja2.TemplateError:
            continue  # reported when the page renders
        for reference in references:
            if reference is None:
                seen.add("*")
            else:
                pending.append(reference)
    return frozenset(seen)
