"""The independent plan checker catches every kind of broken hard constraint."""

from __future__ import annotations

import dataclasses

import pytest

from defpact.training.checker import check_plan, score_plan
from defpact.training.model import (
    Area,
    Assignment,
    Config,
    Exercise,
    HolidayPeriod,
    Instance,
    Pin,
    Plan,
    Unit,
)

UNITS = (
    Unit("AL-1", "AL", "infantry", blackouts=((30, 31),)),
    Unit("HR-1", "HR", "infantry"),
    Unit("HR-2", "HR", "infantry"),
    Unit("XK-1", "XK", "infantry"),
)
AREAS = (Area("AL-R", "AL", "range", 1, closures=((40, 41),)), Area("HR-R", "HR", "range", 1))
EXERCISES = (
    Exercise(
        "A",
        "A",
        "live",
        "AL",
        ("AL", "HR"),
        2,
        1,
        52,
        ("AL-R", "HR-R"),
        preferred_start=10,
        priority=3,
        named_units={"AL": ("AL-1",)},
        sourced_units={"HR": {"infantry": 1}},
    ),
    Exercise(
        "B",
        "B",
        "live",
        "HR",
        ("HR", "AL"),
        1,
        1,
        52,
        ("AL-R", "HR-R"),
        preferred_start=20,
        priority=2,
        mandatory=True,
        named_units={"AL": ("AL-1",)},
    ),
    Exercise(
        "C",
        "C",
        "live",
        "AL",
        ("AL", "XK"),
        1,
        5,
        20,
        ("AL-R",),
        priority=4,
        named_units={"XK": ("XK-1",)},
    ),
)
INSTANCE = Instance(
    2026,
    ("AL", "HR", "XK"),
    UNITS,
    AREAS,
    EXERCISES,
    (HolidayPeriod("XK", 8, 8, hard=True, name="stand-down"), HolidayPeriod("HR", 20, 20)),
    Config(force_sourcing=True, max_concurrent_per_host=1, max_exercises_per_unit=2),
)


def _a(
    ex_id: str,
    start: int,
    area: str,
    units: tuple[str, ...],
    end: int | None = None,
    sourced: tuple[str, ...] = (),
) -> Assignment:
    ex = next(e for e in EXERCISES if e.id == ex_id)
    return Assignment(
        ex_id,
        ex.name,
        ex.type,
        ex.host,
        (ex.host, *ex.nations[1:]),
        area,
        start,
        end if end is not None else start + ex.duration_weeks - 1,
        units,
        sourced,
    )


GOOD = (
    _a("A", 10, "AL-R", ("AL-1", "HR-1"), sourced=("HR-1",)),
    _a("B", 20, "HR-R", ("AL-1",)),
    _a("C", 12, "AL-R", ("XK-1",)),
)


def _plan(*assignments: Assignment, unscheduled: tuple[str, ...] = ()) -> Plan:
    return Plan(2026, "FEASIBLE", assignments, unscheduled)


def _rules(plan: Plan, instance: Instance = INSTANCE) -> set[str]:
    return {v.rule for v in check_plan(instance, plan)}


def test_valid_plan_passes_and_is_scored() -> None:
    plan = _plan(*GOOD)
    assert _rules(plan) == set()
    score = score_plan(INSTANCE, plan)
    # optional A (3) + C (4); B is mandatory; AL-HR is covered in Q1 (A) and Q2 (B), AL-XK in Q1
    assert score["priority"] == 7 and score["pair_quarters"] == 3
    assert score["deviation_weeks"] == 0 and score["holiday_weeks"] == 1  # B in HR's week 20
    assert score["objective"] == 100 * 7 + 300 * 3 - 25


@pytest.mark.parametrize(
    ("assignments", "rule"),
    [
        (
            (_a("A", 10, "AL-R", ("AL-1", "HR-1"), end=12, sourced=("HR-1",)), GOOD[1], GOOD[2]),
            "window",
        ),
        ((GOOD[0], GOOD[1], _a("C", 19, "HR-R", ("XK-1",), end=20)), "window"),
        ((GOOD[0], GOOD[1], _a("C", 10, "AL-R", ("XK-1",))), "area"),  # AL-R is full in week 10
        ((_a("A", 40, "AL-R", ("AL-1", "HR-1"), sourced=("HR-1",)), GOOD[1], GOOD[2]), "area"),
        (
            (
                _a("A", 10, "HR-R", ("AL-1", "HR-1"), sourced=("HR-1",)),
                GOOD[1],
                _a("C", 10, "AL-R", ("XK-1",)),
            ),
            "host",
        ),  # two AL-hosted exercises in week 10
        ((GOOD[0], GOOD[1], _a("C", 8, "AL-R", ("XK-1",))), "holiday"),
        ((_a("A", 30, "HR-R", ("AL-1", "HR-1"), sourced=("HR-1",)), GOOD[1], GOOD[2]), "units"),
        ((_a("A", 10, "AL-R", ("HR-1",), sourced=("HR-1",)), GOOD[1], GOOD[2]), "units"),
        ((_a("A", 10, "AL-R", ("AL-1",)), GOOD[1], GOOD[2]), "units"),
        ((_a("A", 10, "AL-R", ("AL-1", "XK-1"), sourced=("XK-1",)), GOOD[1], GOOD[2]), "units"),
        (
            (
                _a("A", 10, "AL-R", ("AL-1", "HR-1"), sourced=("HR-1",)),
                _a("B", 12, "HR-R", ("AL-1",)),
                GOOD[2],
            ),
            "rest",
        ),
        ((GOOD[0], GOOD[2]), "mandatory"),
        ((*GOOD, GOOD[2]), "plan"),
    ],
)
def test_each_broken_rule_is_reported(assignments: tuple[Assignment, ...], rule: str) -> None:
    scheduled = {a.exercise_id for a in assignments}
    plan = _plan(*assignments, unscheduled=tuple(e.id for e in EXERCISES if e.id not in scheduled))
    assert rule in _rules(plan)


def test_unit_yearly_load_is_checked() -> None:
    tight = dataclasses.replace(
        INSTANCE, config=dataclasses.replace(INSTANCE.config, max_exercises_per_unit=1)
    )
    assert "load" in _rules(_plan(*GOOD), tight)


def test_pins_are_checked() -> None:
    pinned = dataclasses.replace(INSTANCE, pins=(Pin("C", 13, "AL-R"),))
    assert "pin" in _rules(_plan(*GOOD), pinned)


def test_unaccounted_exercise_is_reported() -> None:
    assert "plan" in _rules(_plan(GOOD[0], GOOD[1]))


def test_objective_and_bound_claims_are_checked() -> None:
    real = score_plan(INSTANCE, _plan(*GOOD))["objective"]
    wrong = dataclasses.replace(_plan(*GOOD), objective=real + 1, best_bound=real + 1.0)
    assert _rules(wrong) == {"objective"}
    overclaim = dataclasses.replace(_plan(*GOOD), objective=real, best_bound=real - 1.0)
    assert _rules(overclaim) == {"bound"}
