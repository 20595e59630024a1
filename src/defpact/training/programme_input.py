"""From stored records to a scheduler ``Instance``, and a stored plan back to a ``Plan``.

Calendar days become ISO weeks of the programme year: a blackout or closure blocks every week
1..52 of the year that contains one of its days. Exercise ids in the instance are exercise
codes and unit/area ids are their codes, so plans read the same as the records. Every
member's public holidays are soft holiday periods (the objective avoids them); pins keep the
approved exercises of the previous approved version in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from defpact.training.holidays import national_holiday_periods
from defpact.training.model import (
    WEEKS,
    Area,
    Assignment,
    Config,
    Conflict,
    Exercise,
    Instance,
    Pin,
    Plan,
    Unit,
)
from defpact.training.records import AreaInfo, ExerciseInfo, Period, Required, UnitInfo

__all__ = [
    "build_instance",
    "exercise_of",
    "plan_from_dict",
    "required_to_json",
    "required_from_json",
    "weeks_of_periods",
]


def weeks_of_periods(year: int, periods: Iterable[Period]) -> tuple[tuple[int, int], ...]:
    """Week ranges of ``year`` (within 1..52) touched by the periods, merged and sorted."""
    weeks: set[int] = set()
    for p in periods:
        day = max(p.start, dt.date.fromisocalendar(year, 1, 1))
        last = min(p.end, dt.date.fromisocalendar(year, WEEKS, 7))
        while day <= last:
            weeks.add(day.isocalendar()[1])
            day += dt.timedelta(days=7 - day.weekday())
    out: list[tuple[int, int]] = []
    for w in sorted(weeks):
        if out and out[-1][1] == w - 1:
            out[-1] = (out[-1][0], w)
        else:
            out.append((w, w))
    return tuple(out)


def required_to_json(required: Mapping[str, Required]) -> dict[str, Any]:
    return {n: {"named": list(r.named), "sourced": dict(r.sourced)} for n, r in required.items()}


def required_from_json(data: Mapping[str, Any]) -> dict[str, Required]:
    return {
        n: Required(tuple(r.get("named", [])), dict(r.get("sourced", {}))) for n, r in data.items()
    }


def exercise_of(info: ExerciseInfo) -> Exercise:
    named = {n: r.named for n, r in info.required_units.items() if r.named}
    sourced = {n: dict(r.sourced) for n, r in info.required_units.items() if r.sourced}
    return Exercise(
        id=info.code,
        name=info.name,
        type=info.type,
        host=info.host,
        nations=tuple(n for n in info.nations if n != info.host),
        duration_weeks=info.duration_weeks,
        earliest_week=info.earliest_week,
        latest_week=info.latest_week,
        areas=info.areas,
        preferred_start=info.preferred_start,
        priority=info.priority,
        mandatory=info.mandatory,
        named_units=named,
        sourced_units=sourced,
        objectives=info.objectives,
    )


def build_instance(
    year: int,
    nations: Sequence[str],
    units: Sequence[UnitInfo],
    areas: Sequence[AreaInfo],
    exercises: Sequence[ExerciseInfo],
    *,
    pins: Sequence[Pin] = (),
    config: Config | None = None,
    holidays: bool = True,
) -> Instance:
    """The scheduler instance of a year (not validated: ``validate_instance`` names bad fields)."""
    cfg = config or Config()
    if any(r.sourced for e in exercises for r in e.required_units.values()):
        cfg = dataclasses.replace(cfg, force_sourcing=True)
    return Instance(
        year=year,
        nations=tuple(nations),
        units=tuple(
            Unit(u.code, u.nation, u.type, u.home_base, weeks_of_periods(year, u.blackouts))
            for u in units
        ),
        areas=tuple(
            Area(a.code, a.host, a.type, a.capacity, weeks_of_periods(year, a.closures))
            for a in areas
        ),
        exercises=tuple(exercise_of(e) for e in exercises),
        holidays=national_holiday_periods(nations, year) if holidays else (),
        config=cfg,
        pins=tuple(pins),
    )


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """The inverse of ``dataclasses.asdict(plan)`` (as stored in JSON)."""
    conflict = data.get("conflict")
    return Plan(
        year=data["year"],
        status=data["status"],
        assignments=tuple(
            Assignment(
                **{
                    **a,
                    "nations": tuple(a["nations"]),
                    "units": tuple(a["units"]),
                    "sourced_units": tuple(a.get("sourced_units", ())),
                }
            )
            for a in data.get("assignments", ())
        ),
        unscheduled=tuple(data.get("unscheduled", ())),
        objective=data.get("objective"),
        best_bound=data.get("best_bound"),
        gap=data.get("gap"),
        wall_time_s=data.get("wall_time_s", 0.0),
        first_feasible_s=data.get("first_feasible_s"),
        objective_terms=dict(data.get("objective_terms", {})),
        conflict=None
        if conflict is None
        else Conflict(
            tuple(conflict["exercise_ids"]), conflict["minimal"], tuple(conflict["reasons"])
        ),
    )
