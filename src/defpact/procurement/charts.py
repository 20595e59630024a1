"""Server-rendered SVG charts of the procurement pages (pure string building, no I/O).

Three charts, each a self-contained ``<svg>`` with ``role="img"``, an ``aria-label`` and a
``<title>`` per bar (the tooltip). Colours and dashes are SVG presentation attributes
(``fill=``, ``stroke=``), which the Content-Security-Policy allows; there is no inline
``style`` and no script. Every text is XML-escaped.

- ``savings_chart``: per nation, the stand-alone cost against the joint share, with the saving
  (or the extra cost, shown as such) written beside the bars.
- ``delivery_timeline``: per nation, the delivery span buying alone and buying jointly on a
  month axis, the need-by month marked by a dashed line; a span ending after the need-by month
  is outlined in red.
- ``cash_chart``: per fiscal year, payments buying alone and jointly against the budget line;
  a bar that breaks the budget (by more than 0.50) is outlined in red and flagged.

Axes use "nice" round maxima (1, 2, 2.5 or 5 times a power of ten).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from defpact.procurement.months import YearMonth

__all__ = [
    "CashYear",
    "SavingsBar",
    "TimelineRow",
    "cash_chart",
    "compact_money",
    "delivery_timeline",
    "savings_chart",
]

ALONE = "#9aa5b4"
JOINT = "#1f3a68"
BUDGET = "#b35806"
LATE = "#a4161a"
INK = "#1c2430"
GRID = "#d9dee6"
_FONT = 'font-family="sans-serif" font-size="11"'
_BREACH_TOLERANCE = 0.5


@dataclass(frozen=True, slots=True)
class SavingsBar:
    nation: str
    stand_alone: float
    share: float


@dataclass(frozen=True, slots=True)
class TimelineRow:
    nation: str
    individual: tuple[int, int] | None  # first and last delivery month (index from start)
    joint: tuple[int, int] | None
    need_by: int | None


@dataclass(frozen=True, slots=True)
class CashYear:
    year: int
    individual: float
    joint: float
    budget: float | None  # None: no visible budget line


def compact_money(value: float) -> str:
    """1234567 -> '1.23M', 45000 -> '45k', negative values keep their sign."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{value / limit:.3g}{suffix}"
    return f"{sign}{value:.0f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power:
            return step * power
    return 10.0 * power


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" {_FONT}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str, late: bool = False) -> str:
    outline = f' stroke="{LATE}" stroke-width="2"' if late else ""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" height="{h:.1f}" '
        f'fill="{fill}"{outline}><title>{escape(tip)}</title></rect>'
    )


def _svg(width: int, height: int, label: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" class="chart">'
        f"<title>{escape(label)}</title>" + "".join(parts) + "</svg>"
    )


def _legend_end(x: float, entries: Sequence[tuple[str, str]]) -> float:
    return x + sum(24 + 6.5 * len(label) for _, label in entries)


def _legend(x: float, y: float, entries: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for colour, label in entries:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, y, label))
        x = _legend_end(x, [(colour, label)])
    return parts


def savings_chart(bars: Sequence[SavingsBar], title: str = "Cost alone vs joint share") -> str:
    """Horizontal bars per nation: stand-alone cost (grey) and joint share (dark blue)."""
    width, left, right, top, row = 680, 48, 150, 28, 40
    height = top + row * max(len(bars), 1) + 10
    scale = (width - left - right) / _nice_max(
        max((max(b.stand_alone, b.share) for b in bars), default=0)
    )
    parts = _legend(left, 14, [(ALONE, "buying alone"), (JOINT, "joint share")])
    for index, bar in enumerate(bars):
        y = top + index * row
        saving = bar.stand_alone - bar.share
        pct = 100 * saving / bar.stand_alone if bar.stand_alone else 0.0
        parts.append(_text(left - 8, y + 20, bar.nation, "end"))
        parts.append(
            _rect(
                left,
                y + 2,
                bar.stand_alone * scale,
                14,
                ALONE,
                f"{bar.nation} alone: {bar.stand_alone:,.2f}",
            )
        )
        parts.append(
            _rect(
                left,
                y + 18,
                bar.share * scale,
                14,
                JOINT,
                f"{bar.nation} joint share: {bar.share:,.2f}",
            )
        )
        end = left + max(bar.stand_alone, bar.share) * scale + 6
        words = (
            f"saves {compact_money(saving)} ({pct:.1f}%)"
            if saving >= 0
            else f"pays {compact_money(-saving)} more"
        )
        parts.append(_text(end, y + 21, words, fill=INK if saving >= 0 else LATE))
    return _svg(width, height, title, parts)


def _month_ticks(first: int, last: int) -> range:
    span = last - first
    step = 3 if span <= 24 else 6 if span <= 60 else 12
    return range(first - first % step, last + 1, step)


def _span(
    x0: float,
    unit: float,
    y: float,
    span: tuple[int, int],
    colour: str,
    tip: str,
    need_by: int | None,
) -> str:
    first, last = span
    late = need_by is not None and last > need_by
    return _rect(
        x0 + first * unit,
        y,
        (last - first + 1) * unit,
        11,
        colour,
        tip + (" (after need-by)" if late else ""),
        late,
    )


def delivery_timeline(
    start: YearMonth, rows: Sequence[TimelineRow], title: str = "Deliveries: alone vs joint"
) -> str:
    """Per nation two bars (alone, joint) on a month axis; need-by as a dashed line."""
    width, left, right, top, row = 680, 48, 16, 44, 34
    height = top + row * max(len(rows), 1) + 10
    months = [m for r in rows for s in (r.individual, r.joint) if s for m in s]
    months += [r.need_by for r in rows if r.need_by is not None]
    last = max(months, default=12) + 2
    unit = (width - left - right) / last
    entries = [(ALONE, "buying alone"), (JOINT, "joint order")]
    parts = _legend(left, 14, entries)
    mark = _legend_end(left, entries) + 4
    parts.append(
        f'<line x1="{mark:.1f}" y1="5" x2="{mark:.1f}" y2="16" stroke="{LATE}" '
        f'stroke-width="2" stroke-dasharray="3 2"/>'
    )
    parts.append(_text(mark + 6, 14, "need-by (a late bar is outlined red)"))
    for month in _month_ticks(0, last):
        x = left + month * unit
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="{GRID}"/>'
        )
        parts.append(_text(x, top - 10, start.label(month), "middle"))
    for index, r in enumerate(rows):
        y = top + index * row
        parts.append(_text(left - 8, y + 18, r.nation, "end"))
        if r.individual:
            parts.append(
                _span(
                    left,
                    unit,
                    y + 2,
                    r.individual,
                    ALONE,
                    f"{r.nation} alone: {start.label(r.individual[0])} to "
                    f"{start.label(r.individual[1])}",
                    r.need_by,
                )
            )
        if r.joint:
            parts.append(
                _span(
                    left,
                    unit,
                    y + 15,
                    r.joint,
                    JOINT,
                    f"{r.nation} joint: {start.label(r.joint[0])} to {start.label(r.joint[1])}",
                    r.need_by,
                )
            )
        if r.need_by is not None:
            x = left + (r.need_by + 1) * unit
            parts.append(
                f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 28}" stroke="{LATE}" '
                f'stroke-width="2" stroke-dasharray="3 2"><title>{escape(r.nation)} need-by '
                f"{start.label(r.need_by)}</title></line>"
            )
    return _svg(width, height, title, parts)


def cash_chart(years: Sequence[CashYear], title: str = "Payments by fiscal year") -> str:
    """Grouped bars per year (alone, joint) against the budget line; breaches outlined red."""
    width, left, right, top, bottom = 680, 64, 16, 28, 28
    height = 260
    peak = max((max(y.individual, y.joint, y.budget or 0.0) for y in years), default=0.0)
    top_value = _nice_max(peak)
    plot_h = height - top - bottom
    group = (width - left - right) / max(len(years), 1)
    bar_w = min(group * 0.32, 48.0)
    parts = _legend(left, 14, [(ALONE, "buying alone"), (JOINT, "joint"), (BUDGET, "budget")])

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / top_value)

    for tick in range(5):
        value = top_value * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y_of(value):.1f}" x2="{width - right}" '
            f'y2="{y_of(value):.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y_of(value) + 4, compact_money(value), "end"))
    for index, year in enumerate(years):
        x = left + index * group + (group - 2 * bar_w - 4) / 2
        for offset, value, colour, label in (
            (0.0, year.individual, ALONE, "alone"),
            (bar_w + 4, year.joint, JOINT, "joint"),
        ):
            breach = year.budget is not None and value - year.budget > _BREACH_TOLERANCE
            tip = f"{year.year} {label}: {value:,.2f}" + (" exceeds the budget" if breach else "")
            parts.append(
                _rect(x + offset, y_of(value), bar_w, y_of(0) - y_of(value), colour, tip, breach)
            )
            if breach:
                parts.append(_text(x + offset + bar_w / 2, y_of(value) - 4, "!", "middle", LATE))
        if year.budget is not None:
            yb = y_of(year.budget)
            parts.append(
                f'<line x1="{x - 4:.1f}" y1="{yb:.1f}" x2="{x + 2 * bar_w + 8:.1f}" y2="{yb:.1f}" '
                f'stroke="{BUDGET}" stroke-width="3"><title>{year.year} budget: '
                f"{year.budget:,.2f}</title></line>"
            )
        parts.append(_text(x + bar_w + 2, height - 10, str(year.year), "middle"))
    return _svg(width, height, title, parts)
