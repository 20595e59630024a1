"""SVG charts, iCalendar and CSV exports of a programme and of seat allocations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

from icalendar import Calendar

from defpact.training.gantt import (
    gantt_svg,
    programme_csv,
    seats_csv,
    to_ics,
    unit_load_svg,
    week_start,
)
from defpact.training.model import Area, Assignment, Config, Instance, Plan, Unit
from defpact.training.seats import CourseIteration, SeatProblem, allocate_round_robin

SVG = "{http://www.w3.org/2000/svg}"
PLAN = Plan(
    2026,
    "OPTIMAL",
    (
        Assignment(
            "EX-1",
            'Shield <&> "Storm"',
            "live",
            "HR",
            ("HR", "AL"),
            "HR-R",
            10,
            11,
            ("HR-1", "AL-1"),
        ),
        Assignment(
            "EX-2", '=HYPERLINK("x")', "command-post", "AL", ("AL", "XK"), "HR-R", 11, 11, ("XK-1",)
        ),
    ),
)
INSTANCE = Instance(
    2026,
    ("AL", "HR", "XK"),
    (
        Unit("AL-1", "AL", "inf", blackouts=((20, 22),)),
        Unit("HR-1", "HR", "inf"),
        Unit("XK-1", "XK", "inf"),
    ),
    (Area("HR-R", "HR", "range", 2, closures=((30, 31),)), Area("AL-R", "AL", "range")),
    (),
    (),
    Config(min_rest_weeks=2),
)


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    return [t.text or "" for t in root.iter(f"{SVG}text")] + [
        t.text or "" for t in root.iter(f"{SVG}title")
    ]


def test_gantt_is_well_formed_svg_with_escaped_text() -> None:
    svg = gantt_svg(PLAN, INSTANCE)
    assert "<&>" not in svg
    texts = _texts(svg)
    assert any('Shield <&> "Storm"' in t for t in texts)
    assert any(t.startswith("HR-R (HR)") for t in texts) and any("AL-R" in t for t in texts)
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("rx") == "3"]
    assert len(bars) == 2
    assert {b.get("y") for b in bars} != {bars[0].get("y")}  # overlapping bars get two lanes


def test_gantt_without_instance_still_lists_used_areas() -> None:
    assert any("HR-R" in t for t in _texts(gantt_svg(PLAN)))


def test_unit_load_chart_has_a_row_per_unit_with_counts() -> None:
    texts = _texts(unit_load_svg(PLAN, INSTANCE))
    assert {"AL-1 (1)", "HR-1 (1)", "XK-1 (1)"} <= set(texts)
    assert "rest" in texts and "blackout" in texts


def test_ics_events_start_on_the_monday_of_the_iso_week() -> None:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cal = Calendar.from_ical(to_ics(PLAN, 2026, stamp=stamp))
    events = sorted(cal.walk("VEVENT"), key=lambda e: str(e["uid"]))
    assert [str(e["uid"]) for e in events] == ["EX-1.2026@defpact", "EX-2.2026@defpact"]
    assert events[0].decoded("dtstart") == dt.date(2026, 3, 2)  # ISO week 10 of 2026
    assert events[0].decoded("dtend") == dt.date(2026, 3, 16)  # after week 11
    assert week_start(2026, 1) == dt.date(2025, 12, 29)


def test_programme_csv_rows_and_formula_guard() -> None:
    rows = list(csv.DictReader(io.StringIO(programme_csv(PLAN))))
    assert [r["exercise"] for r in rows] == ["EX-1", "EX-2"]
    assert rows[0]["start_date"] == "2026-03-02" and rows[0]["end_date"] == "2026-03-15"
    assert rows[1]["name"].startswith("'=")


def test_seats_csv_lists_every_allocated_seat() -> None:
    its = (CourseIteration("X", "CX", "DE", 1), CourseIteration("Y", "CY", "DE", 1))
    problem = SeatProblem(its, {"AL": {"X": 60, "Y": 40}, "HR": {"X": 70, "Y": 30}})
    rows = list(csv.DictReader(io.StringIO(seats_csv(problem, allocate_round_robin(problem)))))
    assert [(r["iteration"], r["nation"], r["points"]) for r in rows] == [
        ("X", "AL", "60"),
        ("Y", "HR", "30"),
    ]
