"""Seat allocation properties on tiny random problems, checked against brute force."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.training.model import InstanceError
from defpact.training.seats import (
    CourseIteration,
    SeatProblem,
    allocate_nash,
    allocate_round_robin,
    envy_report,
    is_pareto_optimal,
    validate_seat_problem,
)

NATIONS = ("AL", "HR", "XK")


@st.composite
def problems(draw: st.DrawFn, additive: bool | None = None) -> SeatProblem:
    nations = NATIONS[: draw(st.integers(2, 3))]
    n_its = draw(st.integers(1, 4))
    its = tuple(
        CourseIteration(
            f"I{k}", f"C{k}", draw(st.sampled_from((*nations, "DE"))), draw(st.integers(0, 2))
        )
        for k in range(n_its)
    )
    bids = {}
    for nation in nations:
        allowed = [it.id for it in its if it.owner != nation] or ["X"]
        chosen = draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=3, unique=True))
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(1, 99),
                    min_size=len(chosen) - 1,
                    max_size=len(chosen) - 1,
                    unique=True,
                )
            )
        )
        bids[nation] = dict(
            zip(chosen, [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)], strict=True)
        )
    if any("X" in b for b in bids.values()):
        its += (CourseIteration("X", "CX", "DE", draw(st.integers(0, 2))),)
    cap = 3 if (additive if additive is not None else draw(st.booleans())) else 1
    return SeatProblem(its, bids, max_per_iteration=cap)


def _allocations(p: SeatProblem) -> list[dict[str, dict[str, int]]]:
    nations = sorted(p.bids)
    per_iteration = []
    for it in p.iterations:
        caps = [min(p.max_per_iteration, it.seats) if p.bids[n].get(it.id) else 0 for n in nations]
        per_iteration.append(
            [c for c in itertools.product(*(range(k + 1) for k in caps)) if sum(c) <= it.seats]
        )
    out = []
    for choice in itertools.product(*per_iteration):
        out.append(
            {
                n: {it.id: choice[j][k] for j, it in enumerate(p.iterations) if choice[j][k]}
                for k, n in enumerate(nations)
            }
        )
    return out


def _utilities(p: SeatProblem, seats: dict[str, dict[str, int]]) -> list[int]:
    return [sum(p.bids[n].get(i, 0) * k for i, k in seats[n].items()) for n in sorted(p.bids)]


def _nash_key(utils: list[int]) -> tuple[int, int]:
    positive = [u for u in utils if u > 0]
    return len(positive), math.prod(positive) if positive else 0


@settings(max_examples=40, deadline=None)
@given(problems())
def test_nash_welfare_equals_brute_force_and_is_pareto_optimal(p: SeatProblem) -> None:
    result = allocate_nash(p)
    best = max(_nash_key(_utilities(p, a)) for a in _allocations(p))
    assert result.exact and result.status == "OPTIMAL"
    assert (result.positive, result.nash_product) == best
    assert is_pareto_optimal(p, dict(result.seats))  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(problems(additive=True))
def test_ef1_holds_for_additive_valuations(p: SeatProblem) -> None:
    assert allocate_nash(p).ef1
    assert allocate_round_robin(p).ef1


@settings(max_examples=30, deadline=None)
@given(problems(additive=False))
def test_envy_report_matches_a_direct_recount(p: SeatProblem) -> None:
    seats = allocate_nash(p).seats
    envious = set()
    for n, m in itertools.permutations(sorted(p.bids), 2):
        own = sum(p.bids[n].get(i, 0) * k for i, k in seats[n].items())
        other = sum(p.bids[n].get(i, 0) * k for i, k in seats[m].items())
        if other > own:
            envious.add((n, m))
    assert {(e.nation, e.envied) for e in envy_report(p, seats)} == envious


@settings(max_examples=60, deadline=None)
@given(problems(), st.data())
def test_pareto_check_agrees_with_brute_force(p: SeatProblem, data: st.DataObject) -> None:
    allocations = _allocations(p)
    seats = data.draw(st.sampled_from(allocations))
    mine = _utilities(p, seats)
    dominated = any(
        all(a >= b for a, b in zip(u, mine, strict=True)) and u != mine
        for u in (_utilities(p, other) for other in allocations)
    )
    assert is_pareto_optimal(p, seats) == (not dominated)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(-30, 30).filter(lambda d: d != 0))
def test_bids_not_summing_to_100_are_rejected(p: SeatProblem, delta: int) -> None:
    nation = sorted(p.bids)[0]
    bids = {n: dict(b) for n, b in p.bids.items()}
    first = next(iter(bids[nation]))
    bids[nation][first] = max(0, bids[nation][first] + delta)
    if sum(bids[nation].values()) == 100:
        return
    with pytest.raises(InstanceError) as info:
        validate_seat_problem(SeatProblem(p.iterations, bids, p.max_per_iteration))
    assert info.value.field == f"bids.{nation}"
