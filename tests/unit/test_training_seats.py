"""Academy seat exchange: bid validation, Nash welfare, round-robin, envy and Pareto checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from defpact.training.generator import generate_seat_problem
from defpact.training.instance import seat_problem_from_dict
from defpact.training.model import InstanceError
from defpact.training.seats import (
    CourseIteration,
    SeatProblem,
    allocate_nash,
    allocate_round_robin,
    envy_report,
    is_pareto_optimal,
)

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "seat-bids.json"


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def _error(data: dict[str, Any]) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        seat_problem_from_dict(data)
    return info.value


def test_bids_not_summing_to_100_are_rejected_naming_the_nation() -> None:
    data = _example()
    data["bids"]["HR"]["AL-PSO-2026-1"] = 25
    err = _error(data)
    assert err.field == "bids.HR"
    assert "sum to 95" in err.message


@pytest.mark.parametrize(
    ("nation", "iteration", "points", "field", "text"),
    [
        ("HR", "HR-NCO-2026-1", 10, "bids.HR.HR-NCO-2026-1", "own courses"),
        ("AL", "NO-SUCH-COURSE", 0, "bids.AL.NO-SUCH-COURSE", "unknown course iteration"),
        ("XK", "AL-PSO-2026-1", "10", "bids.XK.AL-PSO-2026-1", "integer"),
    ],
)
def test_bad_bids_name_the_field(
    nation: str, iteration: str, points: object, field: str, text: str
) -> None:
    data = _example()
    data["bids"][nation][iteration] = points
    err = _error(data)
    assert (err.field, text in err.message) == (field, True)


def test_negative_seats_are_rejected() -> None:
    data = _example()
    data["iterations"][0]["seats"] = -1
    assert _error(data).field == "iterations[HR-STAFF-2026-1].seats"


def test_nash_allocation_of_the_example() -> None:
    problem = seat_problem_from_dict(_example())
    result = allocate_nash(problem)
    assert result.status == "OPTIMAL" and result.exact
    assert result.utilities == {"AL": 60, "HR": 100, "XK": 100}
    assert result.nash_product == 600_000 and result.positive == 3
    for nation, got in result.seats.items():
        assert all(k == 1 for k in got.values())  # at most one seat per iteration
        owners = {it.id: it.owner for it in problem.iterations}
        assert all(owners[i] != nation for i in got)  # never a seat in its own course
    assert is_pareto_optimal(problem, result.seats)


def test_nash_never_exceeds_offered_seats() -> None:
    problem = generate_seat_problem(4, 120, seed=5)
    result = allocate_nash(problem)
    for it in problem.iterations:
        taken = sum(s.get(it.id, 0) for s in result.seats.values())
        assert taken + result.unallocated.get(it.id, 0) == it.seats


def test_round_robin_follows_the_order_and_highest_bids() -> None:
    its = (CourseIteration("X", "X", "DE", 1), CourseIteration("Y", "Y", "DE", 1))
    problem = SeatProblem(its, {"AL": {"X": 60, "Y": 40}, "HR": {"X": 70, "Y": 30}})
    result = allocate_round_robin(problem, ["HR", "AL"])
    assert result.picks == (("HR", "X"), ("AL", "Y"))
    assert allocate_round_robin(problem).picks == (("AL", "X"), ("HR", "Y"))


def test_envy_report_marks_ef1_violations() -> None:
    its = tuple(CourseIteration(k, k, "DE", 1) for k in ("A", "B", "C"))
    problem = SeatProblem(its, {"AL": {"A": 34, "B": 33, "C": 33}, "HR": {"A": 100}})
    envy = envy_report(problem, {"AL": {}, "HR": {"A": 1, "B": 1, "C": 1}})
    assert [(e.nation, e.envied, e.own_value, e.other_value, e.ef1) for e in envy] == [
        ("AL", "HR", 0, 100, False)
    ]
    assert envy_report(problem, {"AL": {"B": 1}, "HR": {"A": 1, "C": 1}})[0].ef1


def test_wasteful_allocation_is_not_pareto_optimal() -> None:
    its = (CourseIteration("X", "X", "DE", 2),)
    problem = SeatProblem(its, {"AL": {"X": 100}, "HR": {"X": 100}})
    assert not is_pareto_optimal(problem, {"AL": {"X": 1}, "HR": {}})
    assert is_pareto_optimal(problem, {"AL": {"X": 1}, "HR": {"X": 1}})


def test_nation_that_cannot_get_anything_does_not_block_the_others() -> None:
    its = (CourseIteration("X", "X", "DE", 1), CourseIteration("Y", "Y", "DE", 1))
    problem = SeatProblem(its, {"AL": {"X": 100}, "HR": {"X": 100}, "XK": {"Y": 100}})
    result = allocate_nash(problem)
    assert result.positive == 2 and result.nash_product == 100 * 100


def test_several_seats_per_iteration_when_configured() -> None:
    its = (CourseIteration("X", "X", "DE", 3), CourseIteration("Y", "Y", "DE", 1))
    problem = SeatProblem(its, {"AL": {"X": 50, "Y": 50}, "HR": {"Y": 100}}, max_per_iteration=3)
    result = allocate_nash(problem)
    assert result.seats["AL"] == {"X": 3} and result.seats["HR"] == {"Y": 1}


def test_generated_4x300_problem_is_solved_exactly() -> None:
    problem = generate_seat_problem(4, 300, seed=1)
    assert sum(it.seats for it in problem.iterations) == 300
    result = allocate_nash(problem)
    assert result.exact and result.status == "OPTIMAL"
    assert result.nash_product >= allocate_round_robin(problem).nash_product
