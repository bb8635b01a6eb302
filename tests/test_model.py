"""The rules the model derives: lanes, ordering, progress, references, drafts, tags."""

from __future__ import annotations

import datetime as dt

import pytest

from pmsite.load.link import lane_of
from pmsite.model.items import Goal, MetricTarget

from .conftest import FIXTURES, MakeSite, goal, load


@pytest.mark.parametrize(
    ("status", "horizon", "lane"),
    [
        ("in-progress", "", "now"),
        ("at-risk", "", "now"),
        ("planned", "", "next"),
        ("done", "", ""),
        ("dropped", "", ""),
        ("planned", "later", "later"),
        ("in-progress", "next", "next"),
        ("done", "now", "now"),
    ],
)
def test_lane_rule(status: str, horizon: str, lane: str) -> None:
    item = Goal("goal", "g", "x", 1, "G", status=status, horizon=horizon)
    assert lane_of(item) == lane


def test_fixture_lanes_and_lists() -> None:
    site = load(FIXTURES / "basic")
    lanes = {lane: [g.slug for g in goals] for lane, goals in site.lanes.items()}
    assert lanes == {"now": ["offline-mode", "sso"], "next": ["dark-theme"], "later": ["plugins"]}
    assert [g.slug for g in site.shipped] == ["search-v2"]
    assert [g.slug for g in site.dropped] == ["widgets"]


def test_goals_order_by_priority_then_target(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal("A", "planned", target="2027-Q2"),
            "content/goals/b.md": goal("B", "planned", target="2027-Q1"),
            "content/goals/c.md": goal("C", "planned", priority=1),
            "content/goals/d.md": goal("D", "in-progress"),
        }
    )
    assert [g.slug for g in load(site).goals] == ["d", "c", "b", "a"]


def release(version: str, date: str | None = None, **fields: object) -> str:
    lines = [f"version: '{version}'"] + ([f"date: {date}"] if date else [])
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def test_release_order_newest_first_semver_breaks_ties(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/releases/a.md": release("1.9.1", "2026-03-01"),
            "content/releases/b.md": release("1.10.0", "2026-03-01"),
            "content/releases/c.md": release("1.2.0", "2026-04-01"),
            "content/releases/d.md": release("2.0.0-rc.1", "2026-03-01"),
            "content/releases/e.md": release("2.0.0-beta.2", "2026-03-01"),
            "content/releases/f.md": release("3.0.0", status="planned"),
            "content/releases/g.md": release("2.1.0", status="planned"),
        }
    )
    versions = [r.version_text for r in load(site).releases]
    assert versions == ["2.1.0", "3.0.0", "1.2.0", "2.0.0-rc.1", "2.0.0-beta.2", "1.10.0", "1.9.1"]


def test_yanked_release_is_never_latest(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/releases/a.md": release("1.0.0", "2026-01-01"),
            "content/releases/b.md": release("1.0.1", "2026-01-02", yanked="true"),
        }
    )
    loaded = load(site)
    assert loaded.latest_release is not None
    assert loaded.latest_release.version_text == "1.0.0"
    assert loaded.releases[0].yanked


def test_previous_and_next_follow_release_order() -> None:
    site = load(FIXTURES / "basic")
    by_version = {r.version_text: r for r in site.releases}
    assert by_version["1.10.0"].previous is by_version["1.9.1"]
    assert by_version["1.10.0"].next is by_version["1.9.2"]
    assert by_version["2.0.0"].previous is None  # planned releases are not in the chain


def test_backlinks() -> None:
    site = load(FIXTURES / "basic")
    goals = {g.slug: g for g in site.goals}
    releases = {r.version_text: r for r in site.releases}
    metrics = {m.slug: m for m in site.metrics}
    assert [r.version_text for r in goals["offline-mode"].releases] == [
        "2.0.0",
        "2.0.0-rc.1",
        "1.10.0",
    ]
    assert [r.slug for r in goals["offline-mode"].reflections] == ["2026-10-offline-beta"]
    assert [r.slug for r in releases["1.10.0"].reflections] == ["2026-10-offline-beta"]
    assert [g.slug for g in metrics["weekly-active"].goals] == ["offline-mode"]
    assert [r.version_text for r in metrics["weekly-active"].releases] == ["1.10.0"]


def test_metric_reference_takes_current_and_baseline_from_points() -> None:
    site = load(FIXTURES / "basic")
    target = next(g for g in site.goals if g.slug == "offline-mode").metrics[0]
    assert (target.name, target.baseline, target.current, target.target) == (
        "Weekly active offline users",
        1200,
        3300,
        5000,
    )
    assert target.percent == 55


@pytest.mark.parametrize(
    ("direction", "baseline", "current", "target", "percent"),
    [
        ("up", 10, 15, 20, 50),
        ("down", 12, 6, 2, 60),
        ("up", 10, 5, 20, -50),  # worse than the baseline: negative, not hidden as 0
        ("down", 40, 55, 30, -150),
        ("down", 12, 1, 2, 100),
        ("up", 10, 10, 10, 100),
        ("down", 327, 327, 500, 100),
        ("up", 20, 15, 10, 100),
        ("up", 20, 5, 10, 0),
    ],
)
def test_progress_respects_direction(
    direction: str, baseline: float, current: float, target: float, percent: int
) -> None:
    measure = MetricTarget("m", "", direction, baseline, current, target)
    assert measure.percent == percent


def test_drafts_left_out_unless_asked(make_site: MakeSite) -> None:
    site_dir = make_site(
        {
            "content/goals/public.md": goal("Public", tags="[shared]"),
            "content/goals/hidden.md": goal("Hidden", draft="true", tags="[secret]"),
            "content/releases/r.md": release("1.0.0", "2026-01-01", goals="[hidden, public]"),
        }
    )
    site = load(site_dir)
    assert [g.slug for g in site.goals] == ["public"]
    assert [g.slug for g in site.releases[0].goals] == ["public"]
    assert [t.slug for t in site.tags] == ["shared"]
    with_drafts = load(site_dir, drafts=True)
    assert sorted(g.slug for g in with_drafts.goals) == ["hidden", "public"]
    assert [t.slug for t in with_drafts.tags] == ["secret", "shared"]


def test_slugs_are_case_insensitive_and_collide(make_site: MakeSite) -> None:
    from .conftest import errors_of

    site = make_site({"content/goals/Foo.md": goal(), "content/goals/foo.md": goal()})
    messages = errors_of(site)
    assert any("duplicate goal slug 'foo'" in message for message in messages), messages


def test_tags_merge_by_slug(make_site: MakeSite) -> None:
    site = make_site(
        {
            "content/goals/a.md": goal("A", tags="['Mobile App']"),
            "content/goals/b.md": goal("B", tags="['mobile app']"),
        }
    )
    tags = load(site).tags
    assert [(t.slug, t.name, len(t.items)) for t in tags] == [("mobile-app", "Mobile App", 2)]


def test_targets_parse() -> None:
    site = load(FIXTURES / "basic")
    goals = {g.slug: g for g in site.goals}
    assert goals["offline-mode"].target.end == dt.date(2027, 3, 31)
    assert goals["sso"].target.label == "Dec 2026"
    assert goals["dark-theme"].target.quarter == "2027-Q2"
    assert goals["search-v2"].target.kind == "date"


def test_unicode_file_names_are_slugs(make_site: MakeSite) -> None:
    site = make_site({"content/goals/café-menu.md": goal("Café")})
    assert load(site).goals[0].url == "goals/café-menu/"


def test_timeline_by_period_then_unscheduled() -> None:
    site = load(FIXTURES / "basic")
    timeline = [(period, [g.slug for g in goals]) for period, goals in site.timeline]
    assert timeline == [
        ("2026-Q4", ["sso"]),
        ("2027-Q1", ["offline-mode"]),
        ("2027-H1", ["dark-theme"]),  # a half-year is its own lane, not 2027-Q2
        ("Unscheduled", ["plugins"]),
    ]


def test_themes_group_active_goals() -> None:
    site = load(FIXTURES / "basic")
    themes = [(theme, [g.slug for g in goals]) for theme, goals in site.themes]
    assert themes == [
        ("Design", ["dark-theme"]),
        ("Enterprise", ["sso"]),
        ("Mobile", ["offline-mode"]),
        ("Platform", ["plugins"]),
    ]


def test_quote_url_is_urllib_quote_with_its_fast_path() -> None:
    """URLs with nothing to encode skip urllib; every other one is encoded as before."""
    import random
    import string
    from urllib.parse import quote

    from pmsite.model.urls import quote_url

    chooser = random.Random(3)
    alphabet = string.printable + "éü日本 %"
    samples = ["releases/1.0.0/", "tags/c++/", "goals/é/", "a b", "x?y=1&z#top", ""]
    samples += ["".join(chooser.choices(alphabet, k=chooser.randint(0, 12))) for _ in range(5000)]
    for url in samples:
        assert quote_url(url) == quote(url, safe="/#?=&.-_~"), url
