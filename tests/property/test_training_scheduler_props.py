"""Scheduler properties on random small instances, verified by the independent checker.

Mandatory flags are drawn at random (not planted), so some instances are infeasible: then the
reported conflicting set must be infeasible on its own and feasible without any one member.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from defpact.training.checker import check_plan, score_plan
from defpact.training.generator import generate_instance
from defpact.training.model import Instance, Pin
from defpact.training.scheduler import pins_from_plan, schedule

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n = draw(st.integers(3, 12))
    inst = generate_instance(
        n,
        n_nations=draw(st.integers(2, 4)),
        n_units=draw(st.integers(4, 10)),
        n_areas=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 10**6)),
        sourced=draw(st.booleans()),
    )
    mask = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    exercises = tuple(
        dataclasses.replace(e, mandatory=m) for e, m in zip(inst.exercises, mask, strict=True)
    )
    config = dataclasses.replace(
        inst.config,
        time_limit_s=3.0,
        min_rest_weeks=draw(st.integers(0, 2)),
        max_exercises_per_unit=draw(st.integers(1, 4)),
        max_concurrent_per_host=draw(st.integers(1, 2)),
    )
    return dataclasses.replace(inst, exercises=exercises, config=config)


def _with_mandatory(inst: Instance, ids: set[str]) -> Instance:
    return dataclasses.replace(
        inst, exercises=tuple(dataclasses.replace(e, mandatory=e.id in ids) for e in inst.exercises)
    )


@SETTINGS
@given(instances())
def test_every_plan_meets_every_hard_constraint(inst: Instance) -> None:
    plan = schedule(inst)
    if plan.status in ("OPTIMAL", "FEASIBLE"):
        assert check_plan(inst, plan) == []
        assert plan.objective == score_plan(inst, plan)["objective"]
        assert plan.best_bound is not None and plan.objective <= plan.best_bound + 1e-6
    else:
        assert plan.status == "INFEASIBLE" and plan.conflict is not None


@SETTINGS
@given(instances())
def test_conflicting_set_is_truly_conflicting_and_minimal(inst: Instance) -> None:
    plan = schedule(inst)
    event(f"status {plan.status}")
    if plan.conflict is None:
        return
    members = set(plan.conflict.exercise_ids)
    assert members and members <= {e.id for e in inst.exercises if e.mandatory}
    assert schedule(_with_mandatory(inst, members)).status == "INFEASIBLE"
    if plan.conflict.minimal:
        for ex_id in members:
            assert schedule(_with_mandatory(inst, members - {ex_id})).status in (
                "OPTIMAL",
                "FEASIBLE",
            )


@SETTINGS
@given(instances(), st.data())
def test_replan_keeps_pins_and_stays_valid(inst: Instance, data: st.DataObject) -> None:
    inst = _with_mandatory(inst, set())
    first = schedule(inst)
    if not first.assignments:
        return
    keep = data.draw(st.sets(st.sampled_from([a.exercise_id for a in first.assignments])))
    pins: tuple[Pin, ...] = pins_from_plan(first, keep)
    plan = schedule(dataclasses.replace(inst, pins=pins))
    assert check_plan(dataclasses.replace(inst, pins=pins), plan) == []
    placed = {a.exercise_id: (a.start_week, a.area_id) for a in plan.assignments}
    assert all(placed[p.exercise_id] == (p.start_week, p.area_id) for p in pins)
