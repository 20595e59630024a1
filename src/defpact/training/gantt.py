"""Outputs people look at: SVG Gantt chart and per-unit load chart, iCalendar and CSV exports.

The SVGs are built as strings on the server (no JavaScript); every text taken from the data is
XML-escaped. The Gantt chart has one band per training area (stacked lanes where exercises
overlap), bars coloured by host nation and labelled with the participating nations, closures
hatched, a week axis 1..52 with quarter lines. The load chart has one row per unit and one cell
per week: exercise weeks coloured by host, rest weeks light, blackout weeks hatched.

Week w of the programme year is ISO week w: it starts on ``date.fromisocalendar(year, w, 1)``.
iCalendar events are all-day events from that Monday to the Monday after the last week.
CSV cells starting with = + - @ (spreadsheet formulas) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from html import escape

from icalendar import Calendar, Event

from defpact.training.model import WEEKS, Assignment, Instance, Plan
from defpact.training.seats import SeatAllocation, SeatProblem

__all__ = [
    "gantt_svg",
    "programme_csv",
    "seats_csv",
    "to_ics",
    "unit_load_svg",
    "week_start",
]

_PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
_LEFT, _TOP, _CELL, _ROW = 150, 56, 20, 20
_HATCH = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>'
)


def week_start(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def _colours(nations: Iterable[str]) -> dict[str, str]:
    return {n: _PALETTE[k % len(_PALETTE)] for k, n in enumerate(sorted(set(nations)))}


def _x(week: int) -> int:
    return _LEFT + (week - 1) * _CELL


def _axis(height: int, title: str) -> list[str]:
    width = _x(WEEKS + 1) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10" role="img">',
        f"<title>{escape(title)}</title>",
        _HATCH,
        f'<text x="4" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for week in range(1, WEEKS + 1, 4):
        out.append(f'<text x="{_x(week) + 2}" y="{_TOP - 6}">{week}</text>')
    for q in range(4):
        x = _x(13 * q + 1)
        out.append(f'<line x1="{x}" y1="{_TOP - 20}" x2="{x}" y2="{height - 24}" stroke="#bbb"/>')
        out.append(f'<text x="{x + 2}" y="{_TOP - 24}" fill="#666">Q{q + 1}</text>')
    return out


def _legend(colours: dict[str, str], y: int) -> list[str]:
    out = []
    for k, (nation, colour) in enumerate(colours.items()):
        x = _LEFT + 70 * k
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{y + 10}">host {escape(nation)}</text>')
    return out


def _lanes(items: Sequence[Assignment]) -> list[list[Assignment]]:
    lanes: list[list[Assignment]] = []
    for a in sorted(items, key=lambda a: (a.start_week, a.exercise_id)):
        lane = next((ln for ln in lanes if ln[-1].end_week < a.start_week), None)
        if lane is None:
            lanes.append(lane := [])
        lane.append(a)
    return lanes or [[]]


def _bar(a: Assignment, y: int, colour: str) -> str:
    x, width = _x(a.start_week), (a.end_week - a.start_week + 1) * _CELL
    fits = (width - 4) // 6
    label = next(
        (t for t in (f"{a.exercise_id} {'·'.join(a.nations)}", a.exercise_id) if len(t) <= fits), ""
    )
    tip = (
        f"{a.name} ({a.type}), host {a.host}, nations {', '.join(a.nations)}, area "
        f"{a.area_id}, weeks {a.start_week}-{a.end_week}, units {', '.join(a.units) or '-'}"
    )
    return (
        f'<g><title>{escape(tip)}</title><rect x="{x}" y="{y + 2}" width="{width - 1}" '
        f'height="{_ROW - 4}" rx="3" fill="{colour}"/><text x="{x + 3}" y="{y + _ROW - 6}" '
        f'fill="#fff">{escape(label)}</text></g>'
    )


def gantt_svg(plan: Plan, instance: Instance | None = None) -> str:
    """The programme by week: one band per area, bars coloured by host nation."""
    area_ids = [a.id for a in instance.areas] if instance else []
    area_ids += sorted({a.area_id for a in plan.assignments} - set(area_ids))
    areas = {a.id: a for a in instance.areas} if instance else {}
    colours = _colours([a.host for a in plan.assignments])
    bands = [(aid, _lanes([a for a in plan.assignments if a.area_id == aid])) for aid in area_ids]
    height = _TOP + _ROW * sum(len(lanes) for _, lanes in bands) + 40
    out = _axis(height, f"Exercise programme {plan.year} ({plan.status})")
    y = _TOP
    for aid, lanes in bands:
        band = _ROW * len(lanes)
        host = f" ({areas[aid].host})" if aid in areas else ""
        out.append(
            f'<rect x="0" y="{y}" width="{_x(WEEKS + 1)}" height="{band}" fill="none" '
            'stroke="#ddd"/>'
        )
        out.append(f'<text x="4" y="{y + 14}">{escape(aid + host)}</text>')
        for lo, hi in areas[aid].closures if aid in areas else ():
            out.append(
                f'<rect x="{_x(lo)}" y="{y}" width="{(hi - lo + 1) * _CELL}" '
                f'height="{band}" fill="url(#hatch)"><title>closed</title></rect>'
            )
        for k, lane in enumerate(lanes):
            out += [_bar(a, y + k * _ROW, colours[a.host]) for a in lane]
        y += band
    out += _legend(colours, height - 20)
    out.append("</svg>")
    return "\n".join(out)


def unit_load_svg(plan: Plan, instance: Instance | None = None) -> str:
    """Weeks each unit is busy (by host colour), resting (light) or blacked out (hatched)."""
    units = [u.id for u in instance.units] if instance else []
    units += sorted({u for a in plan.assignments for u in a.units} - set(units))
    blackouts = {u.id: u.blackouts for u in instance.units} if instance else {}
    gap = instance.config.min_rest_weeks if instance else 0
    colours = _colours([a.host for a in plan.assignments])
    height = _TOP + _ROW * len(units) + 40
    out = _axis(height, f"Unit load {plan.year}")
    for k, unit in enumerate(units):
        y = _TOP + k * _ROW
        mine = [a for a in plan.assignments if unit in a.units]
        out.append(f'<text x="4" y="{y + 14}">{escape(unit)} ({len(mine)})</text>')
        for lo, hi in blackouts.get(unit, ()):
            out.append(
                f'<rect x="{_x(lo)}" y="{y + 2}" width="{(hi - lo + 1) * _CELL}" '
                f'height="{_ROW - 4}" fill="url(#hatch)"><title>blackout</title></rect>'
            )
        for a in mine:
            rest = min(gap, WEEKS - a.end_week)
            if rest:
                out.append(
                    f'<rect x="{_x(a.end_week + 1)}" y="{y + 2}" width="{rest * _CELL}" '
                    f'height="{_ROW - 4}" fill="#ddd"><title>rest</title></rect>'
                )
            out.append(_bar(a, y, colours[a.host]))
    out += _legend(colours, height - 20)
    out.append("</svg>")
    return "\n".join(out)


def to_ics(plan: Plan, year: int, *, stamp: dt.datetime | None = None) -> bytes:
    """The scheduled exercises as all-day iCalendar events (RFC 5545)."""
    cal = Calendar()
    cal.add("prodid", "-//defpact//training programme//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Exercise programme {year}")
    now = stamp or dt.datetime.now(dt.UTC)
    for a in plan.assignments:
        event = Event()
        event.add("uid", f"{a.exercise_id}.{year}@defpact")
        event.add("dtstamp", now)
        event.add("summary", a.name)
        event.add("dtstart", week_start(year, a.start_week))
        event.add("dtend", week_start(year, a.end_week) + dt.timedelta(days=7))
        event.add("location", a.area_id)
        event.add("categories", [a.type])
        event.add(
            "description",
            f"{a.type} exercise hosted by {a.host}; nations "
            f"{', '.join(a.nations)}; units {', '.join(a.units) or 'to be sourced'}",
        )
        cal.add_component(event)
    return bytes(cal.to_ical())


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue()


def programme_csv(plan: Plan) -> str:
    """One row per scheduled exercise with ISO dates of its first and last day."""
    rows = [
        (
            a.exercise_id,
            a.name,
            a.type,
            a.host,
            " ".join(a.nations),
            a.area_id,
            a.start_week,
            a.end_week,
            week_start(plan.year, a.start_week).isoformat(),
            (week_start(plan.year, a.end_week) + dt.timedelta(days=6)).isoformat(),
            " ".join(a.units),
        )
        for a in sorted(plan.assignments, key=lambda a: (a.start_week, a.exercise_id))
    ]
    header = (
        "exercise",
        "name",
        "type",
        "host",
        "nations",
        "area",
        "start_week",
        "end_week",
        "start_date",
        "end_date",
        "units",
    )
    return _csv(header, rows)


def seats_csv(problem: SeatProblem, allocation: SeatAllocation) -> str:
    """One row per (iteration, nation) with seats, the nation's points and the course owner."""
    rows = [
        (
            it.id,
            it.course,
            it.owner,
            nation,
            allocation.seats[nation][it.id],
            problem.bids[nation].get(it.id, 0),
        )
        for it in problem.iterations
        for nation in sorted(allocation.seats)
        if allocation.seats[nation].get(it.id)
    ]
    return _csv(("iteration", "course", "owner", "nation", "seats", "points"), rows)
