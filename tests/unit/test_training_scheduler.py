"""The programme scheduler on small hand-made instances, every plan verified by the checker."""

from __future__ import annotations

import dataclasses
from typing import Any

from defpact.training.checker import check_plan, score_plan
from defpact.training.generator import generate_instance
from defpact.training.model import (
    Area,
    Config,
    Exercise,
    HolidayPeriod,
    Instance,
    Plan,
    Unit,
    Weights,
)
from defpact.training.scheduler import explain_infeasibility, pins_from_plan, schedule

UNITS = (
    Unit("AL-1", "AL", "infantry"),
    Unit("AL-2", "AL", "infantry"),
    Unit("HR-1", "HR", "infantry"),
    Unit("HR-2", "HR", "infantry", blackouts=((10, 20),)),
    Unit("HR-3", "HR", "infantry"),
    Unit("XK-1", "XK", "infantry"),
)
AREAS = (Area("AL-R", "AL", "range", 1), Area("AL-S", "AL", "sim", 1), Area("HR-R", "HR", "range"))


def _ex(ex_id: str, **kw: Any) -> Exercise:
    base: dict[str, Any] = {
        "name": ex_id,
        "type": "live",
        "host": "AL",
        "nations": ("AL", "HR"),
        "duration_weeks": 1,
        "earliest_week": 1,
        "latest_week": 52,
        "areas": ("AL-R",),
        "named_units": {"AL": ("AL-1",)},
    }
    base.update(kw)
    return Exercise(id=ex_id, **base)


def _inst(*exercises: Exercise, holidays: tuple[HolidayPeriod, ...] = (), **cfg: Any) -> Instance:
    config = Config(time_limit_s=10, **cfg)
    return Instance(2026, ("AL", "HR", "XK"), UNITS, AREAS, exercises, holidays, config)


def _solve(inst: Instance) -> Plan:
    plan = schedule(inst)
    assert check_plan(inst, plan) == []
    return plan


def _starts(plan: Plan) -> dict[str, int]:
    return {a.exercise_id: a.start_week for a in plan.assignments}


def test_single_capacity_area_runs_exercises_one_after_another() -> None:
    exs = [_ex(f"E{k}", preferred_start=10, latest_week=13, named_units={}) for k in range(3)]
    plan = _solve(_inst(*exs))
    assert plan.status == "OPTIMAL" and not plan.unscheduled
    assert sorted(_starts(plan).values()) == [9, 10, 11]
    assert plan.objective_terms["deviation_weeks"] == 2


def test_unit_rest_gap_separates_its_exercises() -> None:
    a = _ex("A", preferred_start=6, areas=("AL-R",), duration_weeks=2, latest_week=13)
    b = _ex("B", preferred_start=6, areas=("AL-S",), duration_weeks=2, latest_week=13)
    plan = _solve(_inst(a, b, min_rest_weeks=3))
    s = _starts(plan)
    first, second = sorted([s["A"], s["B"]])
    assert second - (first + 1) - 1 >= 3


def test_blackouts_and_hard_holidays_are_excluded_from_starts() -> None:
    ex = _ex(
        "A",
        nations=("AL", "HR"),
        named_units={"HR": ("HR-2",)},
        earliest_week=8,
        latest_week=22,
        preferred_start=12,
    )
    hard = (HolidayPeriod("AL", 21, 21, hard=True, name="stand-down"),)
    plan = _solve(_inst(ex, holidays=hard))
    assert _starts(plan)["A"] == 9


def test_soft_holiday_moves_an_exercise_when_cheaper_than_the_deviation() -> None:
    ex = _ex("A", preferred_start=30, latest_week=40)
    soft = (HolidayPeriod("AL", 30, 30), HolidayPeriod("HR", 30, 30))
    plan = _solve(_inst(ex, holidays=soft))
    assert _starts(plan)["A"] in (29, 31)
    costly = dataclasses.replace(Weights(), deviation=100)
    plan = _solve(_inst(ex, holidays=soft, weights=costly))
    assert _starts(plan)["A"] == 30 and plan.objective_terms["holiday_weeks"] == 2


def test_host_nation_concurrency_limit() -> None:
    exs = [
        _ex(f"E{k}", preferred_start=5, latest_week=13, areas=(area,), named_units={})
        for k, area in enumerate(("AL-R", "AL-S", "HR-R"))
    ]
    plan = _solve(_inst(*exs, max_concurrent_per_host=1))
    assert len(set(_starts(plan).values())) == 3


def test_unit_yearly_limit_drops_the_lowest_priority_optional_exercise() -> None:
    exs = [_ex(f"E{k}", priority=p, areas=("HR-R",), host="HR") for k, p in enumerate((5, 1, 9))]
    plan = _solve(_inst(*exs, max_exercises_per_unit=2))
    assert plan.unscheduled == ("E1",)


def test_force_sourcing_sends_available_units_of_the_required_type() -> None:
    ex = _ex(
        "A",
        named_units={},
        sourced_units={"HR": {"infantry": 2}},
        earliest_week=12,
        latest_week=14,
        host="HR",
        areas=("HR-R",),
    )
    plan = _solve(_inst(ex, force_sourcing=True))
    assert sorted(plan.assignments[0].sourced_units) == ["HR-1", "HR-3"]  # HR-2 blacked out
    plan = _solve(_inst(ex))
    assert plan.assignments[0].sourced_units == ()  # without force sourcing, left to nations


def test_replan_keeps_pinned_exercises_at_their_week_and_area() -> None:
    exs = [_ex(f"E{k}", preferred_start=10 + 3 * k, named_units={}) for k in range(3)]
    first = _solve(_inst(*exs))
    pins = tuple(
        dataclasses.replace(p, start_week=p.start_week + 1) for p in pins_from_plan(first, ["E1"])
    )
    plan = _solve(dataclasses.replace(_inst(*exs), pins=pins))
    assert _starts(plan)["E1"] == _starts(first)["E1"] + 1


def test_infeasible_mandatory_exercises_are_explained_by_a_minimal_set() -> None:
    a = _ex("A", mandatory=True, earliest_week=5, latest_week=5, areas=("AL-R",))
    b = _ex("B", mandatory=True, earliest_week=5, latest_week=5, areas=("AL-S",))
    c = _ex("C", mandatory=True, named_units={"XK": ("XK-1",)}, nations=("AL", "XK"))
    plan = schedule(_inst(a, b, c))
    assert plan.status == "INFEASIBLE" and plan.conflict is not None
    assert plan.conflict.exercise_ids == ("A", "B") and plan.conflict.minimal
    assert any("unit AL-1" in r for r in plan.conflict.reasons)


def test_mandatory_exercise_without_any_start_is_named_alone() -> None:
    a = _ex(
        "A",
        mandatory=True,
        nations=("AL", "HR"),
        named_units={"HR": ("HR-2",)},
        earliest_week=12,
        latest_week=15,
    )
    conflict = explain_infeasibility(_inst(a, _ex("B", mandatory=True)))
    assert conflict is not None and conflict.exercise_ids == ("A",)
    assert "no start week" in conflict.reasons[0]


def test_feasible_instance_has_no_conflict() -> None:
    assert explain_infeasibility(_inst(_ex("A", mandatory=True))) is None


def test_pair_coverage_spreads_a_pair_over_quarters() -> None:
    exs = [
        _ex(f"E{k}", preferred_start=12, latest_week=20, named_units={}, areas=(a,))
        for k, a in enumerate(("AL-R", "AL-S"))
    ]
    plan = _solve(_inst(*exs, weights=Weights(pair_quarter=500)))
    assert plan.objective_terms["pair_quarters"] == 2
    assert sorted(_starts(plan).values()) == [12, 14]


def test_objective_equals_the_independent_score_and_respects_the_bound() -> None:
    inst = generate_instance(30, n_units=12, seed=11, sourced=True)
    inst = dataclasses.replace(inst, config=dataclasses.replace(inst.config, time_limit_s=5))
    plan = _solve(inst)
    assert plan.objective == score_plan(inst, plan)["objective"]
    assert plan.best_bound is not None and plan.objective is not None
    assert plan.objective <= plan.best_bound + 1e-6
    assert plan.first_feasible_s is not None and plan.first_feasible_s <= plan.wall_time_s
