"""Server-side SVG charts: structure, accessibility, determinism and edge cases."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from pmsite.model.items import Point
from pmsite.render.charts import (
    format_number,
    format_short,
    line_chart,
    nice_ticks,
    progress_bar,
    sparkline,
    tick_labels,
)

NS = "{http://www.w3.org/2000/svg}"
START = dt.date(2026, 9, 1)


def series(*values: float, days: int = 7) -> list[Point]:
    return [Point(START + dt.timedelta(days=days * i), v) for i, v in enumerate(values)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def find(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if css in e.get("class", "").split()]


def polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    (line,) = find(root, "polyline", "chart-line")
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.get("points").split())]


def plot_bottom(root: ET.Element) -> float:
    (axis,) = find(root, "path", "chart-axis")
    return float(re.search(r"V([\d.]+)", axis.get("d")).group(1))


def tick_values(root: ET.Element) -> dict[float, str]:
    """y coordinate -> label of every y-axis tick."""
    grid = find(root, "line", "chart-grid")
    labels = find(root, "text", "chart-tick")
    return {float(g.get("y1")): t.text for g, t in zip(grid, labels, strict=True)}


def chart(values: list[Point] | None = None, **kwargs: object) -> str:
    options: dict = {"title": "Latency", "unit": "ms", "chart_id": "latency"} | kwargs
    return line_chart(series(120, 110, 95, 90) if values is None else values, **options)


# -- line chart ---------------------------------------------------------------------------


def test_line_chart_is_deterministic() -> None:
    points = series(1.23456, 2.5, 3.75, 0.1)
    first = chart(points, baseline=1, target=4)
    assert first == chart(list(points), baseline=1, target=4)
    assert first == chart(points[::-1], baseline=1, target=4)  # sorted by date, not input order


def test_line_chart_accessible_name_and_description() -> None:
    svg = chart(series(120, 110, 95, 87), baseline=120, target=80, direction="down")
    root = parse(svg)
    assert not svg.startswith("<?xml")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "latency-title latency-desc"
    assert root.find(f"{NS}title").get("id") == "latency-title"
    assert root.find(f"{NS}title").text == "Latency"
    desc = root.find(f"{NS}desc")
    assert desc.get("id") == "latency-desc"
    assert desc.text.startswith(
        "4 points from 2026-09-01 to 2026-09-22; latest 87 ms; target 80 ms"
    )
    assert "baseline 120 ms" in desc.text
    assert "lower is better" in desc.text


def test_every_id_is_prefixed_with_the_chart_id() -> None:
    root = parse(chart(chart_id="signups-weekly"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("signups-weekly-") for i in ids)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("bad", ["", "two words"])
def test_chart_id_must_be_usable(bad: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        chart(chart_id=bad)


def test_unknown_direction_is_an_error() -> None:
    with pytest.raises(ValueError, match="direction"):
        chart(direction="sideways")


def test_polyline_has_one_coordinate_and_one_circle_per_point() -> None:
    root = parse(chart(series(5, 9, 7, 12, 3, 8)))
    coords = polyline_points(root)
    assert len(coords) == 6
    circles = find(root, "circle", "chart-point")
    assert [(float(c.get("cx")), float(c.get("cy"))) for c in circles] == coords
    xs = [x for x, _ in coords]
    assert xs == sorted(xs) and len(set(xs)) == 6
    # the highest value is drawn highest (smallest y), the lowest lowest
    ys = [y for _, y in coords]
    assert ys.index(min(ys)) == 3 and ys.index(max(ys)) == 4
    assert circles[0].find(f"{NS}title").text == "2026-09-01: 5 ms"


def test_x_position_follows_dates_not_indexes() -> None:
    points = [Point(START, 1), Point(START + dt.timedelta(days=1), 2)]
    points.append(Point(START + dt.timedelta(days=10), 3))
    (x0, _), (x1, _), (x2, _) = polyline_points(parse(chart(points)))
    assert (x1 - x0) * 9 == pytest.approx(x2 - x1, abs=1)


def test_baseline_and_target_lines_are_drawn_and_labelled() -> None:
    root = parse(chart(baseline=130, target=80))
    (base,) = find(root, "line", "chart-baseline")
    (goal,) = find(root, "line", "chart-target")
    assert base.get("stroke-dasharray") and goal.get("stroke-dasharray")
    assert base.get("y1") == base.get("y2") and goal.get("y1") == goal.get("y2")
    assert float(base.get("y1")) < float(goal.get("y1"))  # 130 is drawn above 80
    assert find(root, "text", "chart-baseline-label")[0].text == "baseline 130 ms"
    assert find(root, "text", "chart-target-label")[0].text == "target 80 ms"


def test_no_reference_lines_without_baseline_and_target() -> None:
    root = parse(chart())
    assert not find(root, "line", "chart-baseline")
    assert not find(root, "line", "chart-target")
    assert "target" not in root.find(f"{NS}desc").text


@pytest.mark.parametrize(("baseline", "target"), [(None, 500), (-40, None), (-40, 500)])
def test_y_range_includes_baseline_and_target(baseline: float | None, target: float | None) -> None:
    root = parse(chart(series(10, 12, 11), baseline=baseline, target=target))
    ticks = tick_values(root)
    top, bottom = min(ticks), max(ticks)
    for css in ("chart-baseline", "chart-target"):
        for line in find(root, "line", css):
            assert top <= float(line.get("y1")) <= bottom
    for _, y in polyline_points(root):
        assert top <= y <= bottom
    labels = [float(t.replace(",", "")) for t in ticks.values()]
    assert min(labels) <= min(v for v in (baseline, target, 10) if v is not None)
    assert max(labels) >= max(v for v in (baseline, target, 12) if v is not None)


def test_y_ticks_are_nice_and_ordered() -> None:
    ticks = tick_values(parse(chart(series(3, 47, 22))))
    labels = [ticks[y] for y in sorted(ticks, reverse=True)]  # bottom to top
    assert labels == ["0", "10", "20", "30", "40", "50"]


def test_x_labels_name_the_first_and_last_dates() -> None:
    root = parse(chart(series(*range(10), days=1)))
    dates = [t.text for t in find(root, "text", "chart-date")]
    assert dates[0] == "2026-09-01" and dates[-1] == "2026-09-10"
    assert 2 <= len(dates) <= 6 and len(set(dates)) == len(dates)


def test_x_labels_use_months_for_long_spans_and_do_not_repeat() -> None:
    root = parse(chart(series(*range(30), days=7)))
    dates = [t.text for t in find(root, "text", "chart-date")]
    assert dates[0] == "Sep 2026" and dates[-1] == "Mar 2027"
    assert len(set(dates)) == len(dates)


def test_the_last_date_label_wins_over_a_clashing_one() -> None:
    days = [dt.date(2026, m, d) for m, d in ((9, 1), (10, 1), (11, 1), (12, 1), (12, 20), (12, 28))]
    root = parse(chart([Point(day, i) for i, day in enumerate(days)]))
    labels = find(root, "text", "chart-date")
    assert [t.text for t in labels] == ["Sep 2026", "Oct 2026", "Nov 2026", "Dec 2026"]
    assert float(labels[-1].get("x")) == polyline_points(root)[-1][0]


def test_x_labels_do_not_overlap_on_a_narrow_chart() -> None:
    root = parse(chart(series(*range(40), days=1), width=240))
    labels = find(root, "text", "chart-date")
    assert labels[-1].text == "2026-10-10"
    shift = {"start": 0.5, "middle": 0, "end": -0.5}
    centres = [float(t.get("x")) + shift[t.get("text-anchor")] * 66 for t in labels]
    # an ISO date in an 11px font is about 60px wide
    assert all(b - a >= 66 for a, b in itertools.pairwise(centres))


def test_every_coordinate_has_at_most_one_decimal() -> None:
    svg = chart(series(1 / 3, 2 / 7, 22 / 7, 0.123456), baseline=0.05, target=3.3)
    numbers = re.findall(r' (?:x1?|x2|y1?|y2|cx|cy|width|height)="(-?[\d.]+)"', svg)
    numbers += re.findall(r"-?\d+(?:\.\d+)?", " ".join(re.findall(r'points="([^"]+)"', svg)))
    assert numbers
    assert all(re.fullmatch(r"-?\d+(\.\d)?", n) for n in numbers)
    assert not any(n.endswith(".0") for n in numbers)


def test_no_points_gives_an_empty_string() -> None:
    assert chart([]) == ""
    assert chart([], baseline=1, target=2) == ""


def test_one_point_is_a_single_dot_in_the_middle() -> None:
    root = parse(chart(series(42), target=50))
    assert not find(root, "polyline", "chart-line")
    (dot,) = find(root, "circle", "chart-point")
    assert float(dot.get("cx")) == pytest.approx((56 + 640 - 24) / 2)
    assert root.find(f"{NS}desc").text.startswith("1 point on 2026-09-01; latest 42 ms")
    assert [t.text for t in find(root, "text", "chart-date")] == ["2026-09-01"]


@pytest.mark.parametrize("value", [0.0, 7.0, -3.5, 2_500_000.0])
def test_all_values_equal_draws_a_flat_line_in_range(value: float) -> None:
    root = parse(chart(series(value, value, value)))
    ys = {y for _, y in polyline_points(root)}
    assert len(ys) == 1
    ticks = tick_values(root)
    assert min(ticks) <= ys.pop() <= max(ticks)
    assert len(ticks) >= 2


def test_points_a_day_apart_span_the_plot() -> None:
    (a, _), (b, _) = polyline_points(parse(chart(series(1, 2, days=1))))
    assert (a, b) == (56, 616)


def test_negative_values() -> None:
    root = parse(chart(series(-120, -30, 15), baseline=-100, target=0))
    ticks = tick_values(root)
    assert "0" in ticks.values()
    assert any(label.startswith("-") for label in ticks.values())
    zero_y = next(y for y, label in ticks.items() if label == "0")
    (goal,) = find(root, "line", "chart-target")
    assert float(goal.get("y1")) == zero_y
    (_, low), (_, mid), (_, high) = polyline_points(root)
    assert low > mid > high


def test_huge_values_get_short_tick_labels() -> None:
    root = parse(chart(series(1_200_000, 2_900_000, 3_400_000), target=4_000_000, unit="users"))
    labels = set(tick_values(root).values())
    assert {"1M", "2M", "3M", "4M"} <= labels
    assert find(root, "text", "chart-target-label")[0].text == "target 4M users"
    assert "latest 3,400,000 users" in root.find(f"{NS}desc").text


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(ValueError, match="2026-09-08"):
        chart(series(1, float("nan")))
    with pytest.raises(ValueError, match="finite"):
        chart(target=float("inf"))


def test_title_and_unit_are_escaped() -> None:
    evil = "<script>alert(1)</script>"
    svg = chart(title=evil, unit=evil, baseline=1, target=200)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == evil
    assert evil in root.find(f"{NS}desc").text
    assert find(root, "text", "chart-unit")[0].text == evil


def test_chart_id_is_escaped() -> None:
    svg = chart(chart_id='a"onload="x')
    assert 'onload="x' not in svg
    assert parse(svg).find(f"{NS}title").get("id") == 'a"onload="x-title'


def test_presentation_attributes_follow_the_text_colour() -> None:
    svg = chart(baseline=100, target=90)
    root = parse(svg)
    assert root.get("viewBox") == "0 0 640 280"
    assert (root.get("width"), root.get("height")) == ("640", "280")
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            assert element.get(attribute) in (None, "none", "currentColor")
    assert all(t.get("fill") == "currentColor" for t in root.iter(f"{NS}text"))
    assert "<script" not in svg and "style=" not in svg


def test_custom_size() -> None:
    root = parse(chart(width=320, height=200))
    assert root.get("viewBox") == "0 0 320 200"
    assert max(x for x, _ in polyline_points(root)) <= 320


# -- sparkline ----------------------------------------------------------------------------


def test_sparkline_structure() -> None:
    svg = sparkline(series(3, 1, 4, 1, 5), label="Signups <trend>")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Signups <trend>"
    assert "&lt;trend&gt;" in svg
    assert root.get("viewBox") == "0 0 120 32"
    coords = polyline_points(root)
    assert len(coords) == 5
    (dot,) = find(root, "circle", "chart-point")
    assert (float(dot.get("cx")), float(dot.get("cy"))) == coords[-1]
    assert not list(root.iter(f"{NS}text"))  # no axes, no labels
    assert all(0 <= x <= 120 and 0 <= y <= 32 for x, y in coords)


def test_sparkline_is_deterministic_and_handles_edges() -> None:
    points = series(1 / 3, 2 / 3, 1.0)
    assert sparkline(points, label="x") == sparkline(list(points), label="x")
    assert sparkline([], label="x") == ""
    (dot,) = find(parse(sparkline(series(9), label="x")), "circle", "chart-point")
    assert (dot.get("cx"), dot.get("cy")) == ("60", "16")
    assert {y for _, y in polyline_points(parse(sparkline(series(4, 4, 4), label="x")))} == {16}


# -- progress bar -------------------------------------------------------------------------


def fill_width(svg: str) -> float:
    (fill,) = find(parse(svg), "rect", "chart-fill")
    return float(fill.get("width"))


def test_progress_bar_structure() -> None:
    svg = progress_bar(0.55, label="Progress")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Progress: 55%"
    (track,) = find(root, "rect", "chart-track")
    assert track.get("width") == "160"
    assert fill_width(svg) == 88
    assert svg == progress_bar(0.55, label="Progress")


@pytest.mark.parametrize(
    ("fraction", "width", "percent"),
    [(-0.5, 0, "-50%"), (0.0, 0, "0%"), (1.7, 160, "170%"), (float("inf"), 160, "100%")],
)
def test_progress_bar_clamps_its_fill_not_its_label(
    fraction: float, width: float, percent: str
) -> None:
    svg = progress_bar(fraction, label="Done")
    assert fill_width(svg) == width
    assert parse(svg).get("aria-label") == f"Done: {percent}"


def test_progress_bar_without_a_value_is_empty() -> None:
    assert progress_bar(None, label="Progress") == ""
    assert progress_bar(float("nan"), label="Progress") == ""


def test_progress_bar_escapes_its_label() -> None:
    svg = progress_bar(0.5, label='<b>"x"</b>', width=100, height=8)
    assert "<b>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == '<b>"x"</b>: 50%'
    assert root.get("viewBox") == "0 0 100 8"
    assert fill_width(svg) == 50


# -- number formatting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12.0, "12"),
        (-0.0, "0"),
        (1234567.891, "1,234,567.891"),  # as written: no reading is rounded away
        (0.5, "0.5"),
        (-0.001, "-0.001"),
        (0.0275, "0.0275"),
        (1e-7, "0.0000001"),
        (1e20, "1e+20"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"), [(1234567.891, 2, "1,234,567.89"), (-0.001, 2, "0")]
)
def test_format_number_rounded_for_labels(value: float, decimals: int, text: str) -> None:
    assert format_number(value, decimals) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(950, "950"), (1234, "1.2k"), (3_400_000, "3.4M"), (-5e9, "-5B"), (999_999, "1M")],
)
def test_format_short(value: float, text: str) -> None:
    assert format_short(value) == text


@pytest.mark.parametrize(
    ("low", "high", "labels"),
    [
        (0, 0, ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
        (0.1, 0.35, ["0.1", "0.15", "0.2", "0.25", "0.3", "0.35"]),
        (5, 5, ["4.4", "4.6", "4.8", "5", "5.2", "5.4", "5.6"]),
        (12_000, 48_000, ["10k", "20k", "30k", "40k", "50k"]),
        (-5e9, 2e9, ["-6B", "-4B", "-2B", "0", "2B"]),
        (999_000, 1_001_000, ["999,000", "999,500", "1,000,000", "1,000,500", "1,001,000"]),
    ],
)
def test_tick_labels(low: float, high: float, labels: list[str]) -> None:
    assert tick_labels(*nice_ticks(low, high)) == labels
