"""Server-side SVG charts: a line chart, a sparkline and a progress bar.

Each function returns inline SVG markup for an HTML5 page (no XML declaration, no
JavaScript), or "" when there is nothing to draw. The output is deterministic: every
coordinate is rounded to one decimal and written compactly, and every text is escaped.
Colours come from ``currentColor``, so charts follow the page's text colour (dark mode).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from pmsite.model.items import DIRECTIONS, Point, as_percent

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SUFFIXES = ("", "k", "M", "B", "T")
FONT = 'font-size="11" fill="currentColor"'
# Plot margins of the line chart: left (y labels), right, top, bottom (x labels).
LEFT, RIGHT, TOP, BOTTOM = 56, 24, 24, 28


def num(value: float) -> str:
    """A coordinate rounded to one decimal, written compactly: 12.0 -> '12'."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def format_number(value: float, decimals: int | None = None) -> str:
    """A value for people, with thousands separators and no trailing zeros.

    Without ``decimals`` it is the number as written: the shortest text that reads back
    as the same value (0.0275 -> '0.0275', 1200.0 -> '1,200', 1e-7 -> '0.0000001'), so
    no two readings that differ are shown alike. With ``decimals`` it is rounded to that
    many places (axis labels: 1234.5678 -> '1,234.57'). Values too large or too small
    to write out in full (1e16 and more, under 1e-9) keep Python's exponent form.
    """
    if decimals is None:
        written = repr(float(value))
        if not math.isfinite(value) or not (value == 0 or 1e-9 <= abs(value) < 1e16):
            return written  # 1e+20, 1e-12: pages stay readable
        text = f"{Decimal(written):,f}"
    else:
        text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_short(value: float, decimals: int = 1) -> str:
    """A compact value for labels: '950', '1.2k', '3.4M', '-5B'."""
    scaled, power = value, 0
    while abs(round(scaled, decimals)) >= 1000 and power < len(SUFFIXES) - 1:
        scaled, power = scaled / 1000, power + 1
    return format_number(scaled, decimals) + SUFFIXES[power]


def with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return text + unit if unit == "%" else f"{text} {unit}"


def format_date(day: dt.date, monthly: bool) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}" if monthly else day.isoformat()


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], int]:
    """About `count` round tick values covering low..high, and the step's power of ten."""
    if high - low <= abs(high) * 1e-9:
        pad = abs(low) * 0.1 or 1.0
        low, high = (0.0, 1.0) if low == 0 else (low - pad, high + pad)
    raw = (high - low) / count
    exponent = math.floor(math.log10(raw))
    mantissa = next(m for m in (1, 2, 5, 10) if m * 10.0**exponent >= raw * (1 - 1e-9))
    if mantissa == 10:
        mantissa, exponent = 1, exponent + 1
    step = mantissa * 10.0**exponent
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    # Dividing by an exact power of ten keeps 0.3 as 0.3 rather than 0.30000000000000004.
    steps = range(first * mantissa, last * mantissa + 1, mantissa)
    if exponent >= 0:
        return [float(n * 10**exponent) for n in steps], exponent
    return [n / 10**-exponent for n in steps], exponent


def tick_labels(ticks: list[float], exponent: int) -> list[str]:
    """Y-axis labels sharing one suffix (k, M, ...), with just enough decimals for the step."""
    biggest = max(abs(value) for value in ticks)
    power = 0 if biggest < 1000 else min(len(SUFFIXES) - 1, int(math.log10(biggest) // 3))
    decimals = max(0, 3 * power - exponent)
    if decimals > 2 and power:  # a narrow range of big values: '1,000.5', not '1.0005k'
        power, decimals = 0, max(0, -exponent)
    return [
        format_number(value / 1000**power, decimals) + SUFFIXES[power] if value else "0"
        for value in ticks
    ]


def label_value(value: float) -> str:
    return format_short(value, 2) if abs(value) >= 1e6 else format_number(value)


def _check_points(points: Sequence[Point]) -> list[Point]:
    for point in points:
        if not math.isfinite(point.value):
            raise ValueError(f"chart value on {point.date.isoformat()} is not a finite number")
    return sorted(points, key=lambda point: point.date)


def _svg_open(width: int, height: int, css: str, aria: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" {aria}>'
    )


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    return (
        f'<text class="chart-label {css}" x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" '
        f"{FONT}>{escape(text)}</text>"
    )


def _hline(x1: float, x2: float, y: float, css: str, extra: str = "") -> str:
    return (
        f'<line class="{css}" x1="{num(x1)}" y1="{num(y)}" x2="{num(x2)}" y2="{num(y)}" '
        f'stroke="currentColor"{extra}/>'
    )


def _describe(
    points: list[Point], unit: str, baseline: float | None, target: float | None, direction: str
) -> str:
    first, last = points[0].date.isoformat(), points[-1].date.isoformat()
    span = (
        f"1 point on {first}"
        if len(points) == 1
        else f"{len(points)} points from {first} to {last}"
    )
    parts = [span, "latest " + with_unit(format_number(points[-1].value), unit)]
    if target is not None:
        parts.append("target " + with_unit(format_number(target), unit))
    if baseline is not None:
        parts.append("baseline " + with_unit(format_number(baseline), unit))
    parts.append("higher is better" if direction == "up" else "lower is better")
    return "; ".join(parts) + "."


def _y_axis(
    ticks: list[float], exponent: int, y_of: Callable[[float], float], width: int, unit: str
) -> list[str]:
    parts = []
    for value, label in zip(ticks, tick_labels(ticks, exponent), strict=True):
        y = y_of(value)
        parts.append(_hline(LEFT, width - RIGHT, y, "chart-grid", ' stroke-opacity="0.15"'))
        parts.append(_text(LEFT - 6, y + 4, label, "chart-tick", "end"))
    if unit:
        parts.append(_text(4, TOP - 12, unit, "chart-unit"))
    return parts


def _date_label(x: float, text: str, width: int) -> tuple[float, float, float, str, str]:
    """(left, right, x, text, anchor) of a date label, kept inside the chart's width."""
    size = len(text) * 6.6  # about the width of an 11px sans-serif character
    if x - size / 2 < 0:
        return x, x + size, x, text, "start"
    if x + size / 2 > width:
        return x - size, x, x, text, "end"
    return x - size / 2, x + size / 2, x, text, "middle"


def _x_labels(points: list[Point], xs: list[float], width: int, height: int) -> list[str]:
    """Date labels under the first, the last and a few points between, never overlapping."""
    monthly = (points[-1].date - points[0].date).days >= 90
    wanted = max(2, min(6, (width - LEFT - RIGHT) // 90))
    last = len(points) - 1
    kept: list[tuple[float, float, float, str, str]] = []
    for index in sorted({round(i * last / (wanted - 1)) for i in range(wanted)}):
        label = _date_label(xs[index], format_date(points[index].date, monthly), width)
        while kept and (label[3] == kept[-1][3] or label[0] < kept[-1][1] + 8):
            if index != last:
                break
            kept.pop()  # the last date wins over the ones before it
        else:
            kept.append(label)
    y = height - BOTTOM + 16
    return [_text(x, y, text, "chart-date", anchor) for _, _, x, text, anchor in kept]


def _reference(value: float, kind: str, unit: str, y: float, width: int) -> list[str]:
    dash = "6 4" if kind == "target" else "2 3"
    line = _hline(LEFT, width - RIGHT, y, f"chart-{kind}", f' stroke-dasharray="{dash}"')
    x, anchor = (width - RIGHT - 4, "end") if kind == "target" else (LEFT + 4, "start")
    text = f"{kind} " + with_unit(label_value(value), unit)
    return [line, _text(x, y - 4, text, f"chart-{kind}-label", anchor)]


def _x_positions(points: list[Point], x0: float, x1: float) -> list[float]:
    """x by date (not by index, so gaps show); a single day sits in the middle."""
    start, days = points[0].date, (points[-1].date - points[0].date).days
    if days == 0:
        return [(x0 + x1) / 2 for _ in points]
    return [x0 + (p.date - start).days / days * (x1 - x0) for p in points]


def _series(points: list[Point], xs: list[float], ys: list[float], unit: str) -> list[str]:
    """The polyline (two points or more) and one circle per point, with a tooltip."""
    coords = [(num(x), num(y)) for x, y in zip(xs, ys, strict=True)]
    parts = []
    if len(points) > 1:
        joined = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(
            f'<polyline class="chart-line" points="{joined}" fill="none" stroke="currentColor" '
            'stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    for (x, y), point in zip(coords, points, strict=True):
        tip = f"{point.date.isoformat()}: " + with_unit(format_number(point.value), unit)
        parts.append(
            f'<circle class="chart-point" cx="{x}" cy="{y}" r="3" fill="currentColor">'
            f"<title>{escape(tip)}</title></circle>"
        )
    return parts


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    unit: str = "",
    baseline: float | None = None,
    target: float | None = None,
    direction: str = "up",
    width: int = 640,
    height: int = 280,
    chart_id: str,
) -> str:
    """A line chart with axes, dates, and dashed baseline and target lines; "" for no points."""
    if not chart_id or any(c.isspace() for c in chart_id):
        raise ValueError(f"chart_id must be a non-empty id without spaces, got {chart_id!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if any(v is not None and not math.isfinite(v) for v in (baseline, target)):
        raise ValueError(f"baseline and target must be finite numbers, got {baseline}, {target}")
    points = _check_points(points)
    if not points:
        return ""
    values = [p.value for p in points] + [v for v in (baseline, target) if v is not None]
    ticks, exponent = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    x0, x1, y0, y1 = LEFT, width - RIGHT, TOP, height - BOTTOM

    def y_of(value: float) -> float:
        return y1 - (value - low) / (high - low) * (y1 - y0)

    xs = _x_positions(points, x0, x1)
    ident = escape(chart_id)
    summary = _describe(points, unit, baseline, target, direction)
    parts = [
        _svg_open(
            width, height, "chart-line-chart", f'aria-labelledby="{ident}-title {ident}-desc"'
        ),
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
        *_y_axis(ticks, exponent, y_of, width, unit),
        f'<path class="chart-axis" d="M{x0} {y0}V{y1}H{x1}" fill="none" stroke="currentColor"/>',
    ]
    for kind, value in (("baseline", baseline), ("target", target)):
        if value is not None:
            parts += _reference(value, kind, unit, y_of(value), width)
    parts += _series(points, xs, [y_of(p.value) for p in points], unit)
    parts += _x_labels(points, xs, width, height)
    return "".join(parts) + "</svg>"


def sparkline(points: Sequence[Point], *, label: str, width: int = 120, height: int = 32) -> str:
    """A tiny line with no axes and a dot on the latest point; "" for no points."""
    points = _check_points(points)
    if not points:
        return ""
    pad = 3
    values = [p.value for p in points]
    low, high = min(values), max(values)
    step = (width - 2 * pad) / (len(points) - 1) if len(points) > 1 else 0.0

    def xy(index: int, value: float) -> str:
        x = pad + index * step if len(points) > 1 else width / 2
        y = (
            height / 2
            if high == low
            else height - pad - (value - low) / (high - low) * (height - 2 * pad)
        )
        return f"{num(x)},{num(y)}"

    coords = [xy(i, v) for i, v in enumerate(values)]
    parts = [_svg_open(width, height, "chart-sparkline", f'aria-label="{escape(label)}"')]
    if len(coords) > 1:
        parts.append(
            f'<polyline class="chart-line" points="{" ".join(coords)}" fill="none" '
            'stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>'
        )
    cx, cy = coords[-1].split(",")
    parts.append(f'<circle class="chart-point" cx="{cx}" cy="{cy}" r="2.5" fill="currentColor"/>')
    return "".join(parts) + "</svg>"


def progress_bar(fraction: float | None, *, label: str, width: int = 160, height: int = 12) -> str:
    """A track and a fill for a 0..1 fraction; "" for None or NaN. The fill is clamped to
    the track, the label is not: -0.5 draws an empty bar labelled -50%."""
    if fraction is None or math.isnan(fraction):
        return ""
    clamped = max(0.0, min(1.0, fraction))
    shown = as_percent(fraction if math.isfinite(fraction) else clamped)
    aria = f'aria-label="{escape(label)}: {shown}%"'
    fraction = clamped
    radius = num(height / 2)
    return (
        _svg_open(width, height, "chart-progress", aria)
        + f'<rect class="chart-track" x="0" y="0" width="{width}" height="{height}" '
        f'rx="{radius}" fill="currentColor" fill-opacity="0.15"/>'
        f'<rect class="chart-fill" x="0" y="0" width="{num(fraction * width)}" height="{height}" '
        f'rx="{radius}" fill="currentColor"/>'
        "</svg>"
    )
