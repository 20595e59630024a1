"""The membership history as a server-side SVG timeline (no script, CSP-safe).

One lane per nation and one bar per membership period [joined, left) (open periods run to the
end of the axis). The axis spans [start, end] with start = the first joining day and end = the
later of today and the last dated event plus a margin; a day d is drawn at

    x(d) = left_margin + (d - start) / (end - start) * plot_width.

Colours come from ``core.nations.nation_colour`` as SVG presentation attributes; every text is
XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from defpact.core.nations import nation_colour

__all__ = ["MembershipPeriod", "membership_timeline_svg"]

_WIDTH = 760
_LABEL = 150
_LANE = 30
_TOP = 34
_BAR = 16


@dataclass(frozen=True, slots=True)
class MembershipPeriod:
    code: str
    name: str
    joined: date
    left: date | None


def _span(periods: Sequence[MembershipPeriod], today: date) -> tuple[date, date]:
    start = min(p.joined for p in periods)
    dated = [today, *(p.joined for p in periods), *(p.left for p in periods if p.left)]
    end = max(dated)
    margin = max(timedelta(days=30), (end - start) / 20)
    return start - timedelta(days=15), end + margin


def _x(day: date, start: date, end: date) -> float:
    plot = _WIDTH - _LABEL - 20
    return round(_LABEL + (day - start).days / max((end - start).days, 1) * plot, 1)


def _ticks(start: date, end: date) -> list[date]:
    """First days of quarters (or of years for spans over six years) inside the axis."""
    step = 12 if (end - start).days > 6 * 365 else 3
    month = ((start.month - 1) // step + 1) * step
    year = start.year + month // 12
    current = date(year, month % 12 + 1, 1)
    ticks = []
    while current <= end:
        ticks.append(current)
        months = current.month - 1 + step
        current = date(current.year + months // 12, months % 12 + 1, 1)
    return ticks


def membership_timeline_svg(periods: Sequence[MembershipPeriod], today: date) -> str:
    """An accessible SVG drawing of every membership period; an empty history draws a note."""
    if not periods:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="300" height="30">'
            '<text x="0" y="20">No membership history.</text></svg>'
        )
    start, end = _span(periods, today)
    lanes = sorted({p.code: p for p in periods}.values(), key=lambda p: (p.joined, p.code))
    order = {p.code: i for i, p in enumerate(lanes)}
    height = _TOP + _LANE * len(lanes) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="gov-timeline" '
        f'viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
        'aria-labelledby="gov-timeline-title">',
        '<title id="gov-timeline-title">Membership history of the pact</title>',
    ]
    parts.extend(_axis(start, end, height))
    for lane in lanes:
        y = _TOP + order[lane.code] * _LANE
        parts.append(
            f'<text x="0" y="{y + _BAR - 3}" font-size="13" fill="#1c2430">'
            f"{escape(lane.name)} ({escape(lane.code)})</text>"
        )
    for period in periods:
        parts.append(_bar(period, order[period.code], start, end))
    today_x = _x(today, start, end)
    parts.append(
        f'<line x1="{today_x}" y1="{_TOP - 8}" x2="{today_x}" y2="{height - 6}" '
        'stroke="#a4161a" stroke-width="1.5" stroke-dasharray="4 3"/>'
        f'<text x="{today_x + 3}" y="{_TOP - 10}" font-size="11" fill="#a4161a">today</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _axis(start: date, end: date, height: int) -> list[str]:
    parts = []
    for tick in _ticks(start, end):
        x = _x(tick, start, end)
        label = str(tick.year) if tick.month == 1 else f"{tick:%b}"
        parts.append(
            f'<line x1="{x}" y1="18" x2="{x}" y2="{height - 6}" stroke="#d9dee6"/>'
            f'<text x="{x + 2}" y="14" font-size="11" fill="#5b6778">{label}</text>'
        )
    return parts


def _bar(period: MembershipPeriod, lane: int, start: date, end: date) -> str:
    y = _TOP + lane * _LANE
    x1 = _x(period.joined, start, end)
    x2 = _x(period.left, start, end) if period.left else _x(end, start, end)
    until = f"until {period.left.isoformat()}" if period.left else "to date"
    label = f"{period.name} ({period.code}): member from {period.joined.isoformat()} {until}"
    return (
        f'<rect x="{x1}" y="{y}" width="{max(x2 - x1, 2)}" height="{_BAR}" rx="3" '
        f'fill="{nation_colour(period.code)}" data-nation="{escape(period.code)}">'
        f"<title>{escape(label)}</title></rect>"
    )
