"""Independent checker of a programme plan: every hard constraint, recomputed week by week.

It shares only the data classes with the scheduler (no CP-SAT, no start domains, no model):
a plan is taken as a list of (exercise, area, start week, units) and every rule of the model is
re-derived from the instance. ``score_plan`` recomputes the objective the same way, so a
reported objective can be compared with the plan's real value and with the solver's bound.

Rules checked (``Violation.rule``):
  plan            each exercise at most once, known ids, scheduled + unscheduled = all
  window          earliest_week <= start and start + duration - 1 <= latest_week, end consistent
  area            the area is eligible, open in every week, and within capacity every week
  host            at most ``max_concurrent_per_host`` exercises per host nation every week
  holiday         no week of the exercise is a hard holiday of a participant (host included)
  units           named units present; sourced counts met by units of the right nation and
                  type (with force sourcing); no unit in a blackout week; no unknown unit
  rest            two exercises of a unit are at least ``min_rest_weeks`` free weeks apart
  load            a unit takes part in at most ``max_exercises_per_unit`` exercises
  mandatory       every mandatory exercise is scheduled
  pin             a pinned exercise is scheduled at its start week, area and units
  objective       the reported objective equals the recomputed score
  bound           the reported objective does not exceed the reported best bound
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from defpact.training.model import (
    Assignment,
    Exercise,
    Instance,
    Plan,
    participants,
    quarter_of,
)

__all__ = ["Violation", "check_plan", "score_plan"]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    exercise_id: str
    message: str


def check_plan(instance: Instance, plan: Plan) -> list[Violation]:
    """Every broken hard constraint of ``plan`` (an empty list means the plan is valid)."""
    exercises = {e.id: e for e in instance.exercises}
    out = _check_ids(plan, exercises)
    valid = [a for a in plan.assignments if a.exercise_id in exercises]
    for a in valid:
        ex = exercises[a.exercise_id]
        out += _check_window(ex, a) + _check_area(instance, ex, a) + _check_holidays(instance, a)
        out += _check_units(instance, ex, a)
    out += _check_capacity(instance, valid) + _check_unit_rest(instance, valid)
    out += _check_pins_and_mandatory(instance, valid)
    out += _check_objective(instance, plan)
    return out


def _v(rule: str, ex_id: str, message: str) -> list[Violation]:
    return [Violation(rule, ex_id, message)]


def _check_ids(plan: Plan, exercises: dict[str, Exercise]) -> list[Violation]:
    out: list[Violation] = []
    counts = Counter(a.exercise_id for a in plan.assignments)
    for ex_id, n in counts.items():
        if ex_id not in exercises:
            out += _v("plan", ex_id, "unknown exercise")
        elif n > 1:
            out += _v("plan", ex_id, f"scheduled {n} times")
    missing = set(exercises) - set(counts) - set(plan.unscheduled)
    for ex_id in sorted(missing):
        out += _v("plan", ex_id, "neither scheduled nor listed as unscheduled")
    for ex_id in sorted(set(counts) & set(plan.unscheduled)):
        out += _v("plan", ex_id, "both scheduled and unscheduled")
    return out


def _check_window(ex: Exercise, a: Assignment) -> list[Violation]:
    end = a.start_week + ex.duration_weeks - 1
    if a.end_week != end:
        return _v("window", ex.id, f"end week {a.end_week} != start + duration - 1 = {end}")
    if a.start_week < ex.earliest_week or end > ex.latest_week:
        return _v(
            "window",
            ex.id,
            f"weeks {a.start_week}..{end} leave the window {ex.earliest_week}..{ex.latest_week}",
        )
    return []


def _check_area(instance: Instance, ex: Exercise, a: Assignment) -> list[Violation]:
    if a.area_id not in ex.areas:
        return _v("area", ex.id, f"area {a.area_id} is not eligible")
    area = next(x for x in instance.areas if x.id == a.area_id)
    closed = [
        w for w in range(a.start_week, a.end_week + 1) for lo, hi in area.closures if lo <= w <= hi
    ]
    if closed:
        return _v("area", ex.id, f"area {a.area_id} is closed in week(s) {sorted(set(closed))}")
    return []


def _check_holidays(instance: Instance, a: Assignment) -> list[Violation]:
    out: list[Violation] = []
    for hol in instance.holidays:
        if hol.hard and hol.nation in a.nations:
            if hol.start_week <= a.end_week and a.start_week <= hol.end_week:
                out += _v(
                    "holiday",
                    a.exercise_id,
                    f"overlaps hard holiday {hol.name!r} of "
                    f"{hol.nation} (weeks {hol.start_week}..{hol.end_week})",
                )
    return out


def _check_units(instance: Instance, ex: Exercise, a: Assignment) -> list[Violation]:
    units = {u.id: u for u in instance.units}
    out: list[Violation] = []
    for unit_id in (u for ids in ex.named_units.values() for u in ids):
        if unit_id not in a.units:
            out += _v("units", ex.id, f"named unit {unit_id} is missing")
    for unit_id in a.units:
        unit = units.get(unit_id)
        if unit is None:
            out += _v("units", ex.id, f"unknown unit {unit_id}")
            continue
        if unit.nation not in participants(ex):
            out += _v("units", ex.id, f"unit {unit_id} is from non-participant {unit.nation}")
        for lo, hi in unit.blackouts:
            if lo <= a.end_week and a.start_week <= hi:
                out += _v("units", ex.id, f"unit {unit_id} is in blackout weeks {lo}..{hi}")
    if instance.config.force_sourcing:
        got = Counter((units[u].nation, units[u].type) for u in a.sourced_units if u in units)
        want = Counter({(n, t): c for n, by in ex.sourced_units.items() for t, c in by.items()})
        if got != want:
            out += _v("units", ex.id, f"sourced units {dict(got)} != required {dict(want)}")
    return out


def _check_capacity(instance: Instance, plan: list[Assignment]) -> list[Violation]:
    out: list[Violation] = []
    area_use: Counter[tuple[str, int]] = Counter()
    host_use: Counter[tuple[str, int]] = Counter()
    for a in plan:
        for w in range(a.start_week, a.end_week + 1):
            area_use[a.area_id, w] += 1
            host_use[a.host, w] += 1
    caps = {x.id: x.capacity for x in instance.areas}
    for (area, w), n in sorted(area_use.items()):
        if n > caps.get(area, 0):
            out += _v(
                "area",
                "",
                f"area {area} holds {n} exercises in week {w} (capacity {caps.get(area, 0)})",
            )
    limit = instance.config.max_concurrent_per_host
    for (host, w), n in sorted(host_use.items()):
        if n > limit:
            out += _v("host", "", f"{host} hosts {n} exercises in week {w} (max {limit})")
    return out


def _check_unit_rest(instance: Instance, plan: list[Assignment]) -> list[Violation]:
    cfg = instance.config
    by_unit: dict[str, list[Assignment]] = {}
    for a in plan:
        for unit_id in a.units:
            by_unit.setdefault(unit_id, []).append(a)
    out: list[Violation] = []
    for unit_id, items in sorted(by_unit.items()):
        if len(items) > cfg.max_exercises_per_unit:
            out += _v(
                "load",
                "",
                f"unit {unit_id} is in {len(items)} exercises (max {cfg.max_exercises_per_unit})",
            )
        items.sort(key=lambda a: a.start_week)
        for first, second in itertools.pairwise(items):
            free = second.start_week - first.end_week - 1
            if free < cfg.min_rest_weeks:
                out += _v(
                    "rest",
                    second.exercise_id,
                    f"unit {unit_id}: only {free} free "
                    f"week(s) after {first.exercise_id} (min {cfg.min_rest_weeks})",
                )
    return out


def _check_pins_and_mandatory(instance: Instance, plan: list[Assignment]) -> list[Violation]:
    placed = {a.exercise_id: a for a in plan}
    out: list[Violation] = []
    for ex in instance.exercises:
        if ex.mandatory and ex.id not in placed:
            out += _v("mandatory", ex.id, "mandatory exercise is not scheduled")
    for pin in instance.pins:
        a = placed.get(pin.exercise_id)
        if a is None or (a.start_week, a.area_id) != (pin.start_week, pin.area_id):
            out += _v(
                "pin",
                pin.exercise_id,
                f"pinned to week {pin.start_week} in {pin.area_id}, not kept",
            )
        elif not set(pin.units) <= set(a.units):
            out += _v("pin", pin.exercise_id, "pinned units not kept")
    return out


def _check_objective(instance: Instance, plan: Plan) -> list[Violation]:
    if plan.objective is None:
        return []
    out: list[Violation] = []
    score = score_plan(instance, plan)["objective"]
    if score != plan.objective:
        out += _v("objective", "", f"reported objective {plan.objective} != recomputed {score}")
    if plan.best_bound is not None and plan.objective > plan.best_bound + 1e-6:
        out += _v("bound", "", f"objective {plan.objective} exceeds bound {plan.best_bound}")
    return out


def score_plan(instance: Instance, plan: Plan) -> dict[str, int]:
    """The objective terms of a plan, recomputed from the instance, and their weighted sum."""
    exercises = {e.id: e for e in instance.exercises}
    placed = [a for a in plan.assignments if a.exercise_id in exercises]
    soft = {
        (h.nation, w)
        for h in instance.holidays
        if not h.hard
        for w in range(h.start_week, h.end_week + 1)
    }
    pairs = set()
    priority = deviation = holiday = 0
    for a in placed:
        ex = exercises[a.exercise_id]
        priority += 0 if ex.mandatory else ex.priority
        if ex.preferred_start is not None:
            deviation += abs(a.start_week - ex.preferred_start)
        holiday += sum(
            (n, w) in soft for n in participants(ex) for w in range(a.start_week, a.end_week + 1)
        )
        for n1, n2 in itertools.combinations(instance.nations, 2):
            if n1 in participants(ex) and n2 in participants(ex):
                pairs.add((n1, n2, quarter_of(a.start_week)))
    w = instance.config.weights
    objective = (
        w.priority * priority
        + w.pair_quarter * len(pairs)
        - w.deviation * deviation
        - w.holiday * holiday
    )
    return {
        "priority": priority,
        "pair_quarters": len(pairs),
        "deviation_weeks": deviation,
        "holiday_weeks": holiday,
        "objective": objective,
    }
