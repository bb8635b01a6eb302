"""What outputs read is recorded, never declared by hand: every output rendered in Python
(feeds, roadmap.json, search.json) runs over a recorded view of the site, and changing any
field of any item that changes an output must change a value the output was recorded
reading. Otherwise ``pmsite serve`` would keep a stale output after that edit."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pmsite.incremental.tracking import (
    SITE_KEY,
    Dependency,
    Recorded,
    attribute_value,
    model_objects,
    recorded,
    recording,
)
from pmsite.model.items import Item, Markdown, Release, Site
from pmsite.model.kinds import KINDS
from pmsite.render import feeds
from pmsite.session import BuildSession

from .conftest import FIXTURES


def _notes(release: Release) -> str:
    return ""  # the notes partial is a template: TrackingEnvironment notes its reads


OUTPUTS: dict[str, Callable[[Site], str | bytes]] = {
    "feed.xml": lambda site: feeds.atom_feed(site, _notes),
    "feed.json": lambda site: feeds.json_feed(site, _notes),
    "reflections/feed.xml": lambda site: feeds.reflections_feed(site, lambda _: ""),
    "roadmap.json": feeds.roadmap_json,
    "search.json": lambda site: feeds.search_index([feeds.search_line(i) for i in site.items()]),
    "changes/feed.xml": feeds.changes_feed,
    "goals/*/feed.xml": lambda site: "".join(feeds.goal_feed(site, g) for g in site.goals),
}


def _git(site: Path, *args: str, date: str = "2026-06-01T10:00:00+00:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=site, check=True, capture_output=True, env=env)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The fixture site in a git repository of two commits, so that it has a history
    (a slip, a check-in, a release that shipped): the history's outputs read it."""
    folder = tmp_path_factory.mktemp("tracking") / "basic"
    shutil.copytree(FIXTURES / "basic", folder)
    content = folder / "content"
    finals = {
        path: path.read_text(encoding="utf-8")
        for path in [
            content / "goals/offline-mode.md",
            content / "metrics/weekly-active.yaml",
            content / "releases/1.10.0.yaml",
        ]
    }
    earlier = [
        ("goals/offline-mode.md", "target: 2027-Q1", "target: 2026-Q4"),
        ("metrics/weekly-active.yaml", "  - {date: 2026-11-01, value: 3300}\n", ""),
        ("releases/1.10.0.yaml", "date: 2026-10-15", "status: planned\ntarget: 2026-Q3"),
    ]
    for name, old, new in earlier:
        text = (content / name).read_text(encoding="utf-8")
        assert old in text, name
        (content / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "Plan", date="2026-06-01T10:00:00+00:00")
    for path, text in finals.items():
        path.write_text(text, encoding="utf-8")
    _git(folder, "commit", "-q", "-am", "Slip, check in, ship", date="2026-11-02T10:00:00+00:00")
    model, _, _ = BuildSession(folder).load()
    assert model.history.available and model.history.changes, "the history exercises nothing"
    return model


def _perturbed(value: Any) -> Any:
    """Another value of the same shape, or None when there is no obvious one."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 1.5
    if isinstance(value, str):
        return value + " changed"
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, Markdown):
        return Markdown(value.source + " changed", value.inline, value.html + " changed")
    if isinstance(value, list) and len(value) > 1:
        return list(reversed(value))
    if isinstance(value, list) and value:
        return []
    return None


def _reads(output: Callable[[Site], str | bytes], site: Site) -> tuple[object, set[Dependency]]:
    with recording() as deps:
        made = output(recorded(site))
    return made, set(deps)


@pytest.mark.parametrize("path", sorted(OUTPUTS))
def test_an_output_that_changes_read_something_that_changed(site: Site, path: str) -> None:
    output = OUTPUTS[path]
    made, deps = _reads(output, site)
    assert made == output(site), "the recorded view must not change what an output makes"
    assert deps, f"{path} recorded no reads"
    objects = model_objects(site)
    checked = 0
    for key, obj in objects.items():
        if not isinstance(obj, Item):
            continue
        mine = [dep for dep in deps if dep[0] in (key, SITE_KEY)]
        for spec in dataclasses.fields(obj):
            old = getattr(obj, spec.name)
            new = _perturbed(old)
            if new is None or spec.name in ("kind", "slug"):
                continue
            before = {dep: _value(objects, site, dep) for dep in mine}
            setattr(obj, spec.name, new)
            try:
                if output(site) == made:
                    continue
                checked += 1
                noticed = (key, "") in deps or any(
                    _value(objects, site, dep) != before[dep] for dep in mine
                )
                assert noticed, (
                    f"{path} changes when {key[0]} {key[1]!r} changes {spec.name!r},"
                    f" but nothing it was recorded reading changed"
                )
            finally:
                setattr(obj, spec.name, old)
    assert checked, f"no edit changed {path}: the test exercised nothing"


def _value(objects: dict, site: Site, dep: Dependency) -> object:
    key, attribute = dep
    obj = site if key == SITE_KEY else objects[key]
    return attribute_value(obj, attribute) if attribute else None


def test_a_recorded_view_reads_like_the_object_and_cannot_change_it(site: Site) -> None:
    release = site.releases[0]
    with recording() as deps:
        view = recorded(release)
        assert isinstance(view, Release) and type(view) is Recorded
        assert view.version_text == release.version_text
        assert [tag.name for tag in view.tags] == [tag.name for tag in release.tags]
    assert (release.key, "version_text") in deps
    assert all((tag.key, "name") in deps for tag in release.tags)
    with pytest.raises(AttributeError):
        view.title = "changed"


def test_site_methods_declare_what_they_read(site: Site) -> None:
    with recording() as deps:
        list(recorded(site).items())
    assert deps == {(SITE_KEY, "lists")}
    with recording() as deps:
        recorded(site.goals[0]).texts()
    assert deps == {(site.goals[0].key, "")}  # an undeclared method: anything about it


def test_every_kind_is_complete(tmp_path: Path) -> None:
    """Each registry entry names a reader, a model class and templates that exist."""
    from pmsite import scaffold
    from pmsite.load import readers
    from pmsite.render.theme import builtin_theme_dir

    theme = builtin_theme_dir()
    for kind in KINDS:
        assert callable(readers.reader_of(kind))
        assert (theme / kind.template).is_file(), kind.template
        if kind.has_list_page:
            assert (theme / kind.list_template).is_file(), kind.list_template
        if kind.scaffold:
            assert callable(getattr(scaffold, kind.scaffold))
        assert issubclass(kind.model, Item)
        copy.copy(kind)  # frozen, plain data


def test_the_tracking_environment_looks_up_as_jinja_does() -> None:
    """TrackingEnvironment.getattr inlines Jinja's lookup (attribute, then item, then
    undefined): the same answers for every shape a template meets."""
    import jinja2

    from pmsite.incremental.tracking import TrackingEnvironment

    class Thing:
        title = "a title"

    plain, tracking = jinja2.Environment(), TrackingEnvironment()
    cases = [
        (Thing(), "title"),
        (Thing(), "missing"),
        ({"title": "from a dict"}, "title"),
        ({"items": 1}, "items"),  # the attribute (a dict's method) wins, as in Jinja
        (["a"], "0"),
        ("text", "upper"),
        (None, "anything"),
        (3, "real"),
    ]
    for obj, name in cases:
        expected, found = plain.getattr(obj, name), tracking.getattr(obj, name)
        if isinstance(expected, jinja2.Undefined):
            assert isinstance(found, jinja2.Undefined), (obj, name)
        else:
            assert found == expected, (obj, name)
