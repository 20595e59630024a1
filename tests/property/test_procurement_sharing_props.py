"""Property tests of cost sharing: the DP Shapley value equals brute-force enumeration in
exact rationals, is efficient (to the cent after rounding), symmetric and individually
rational when average cost does not increase; the separation DP finds the true core excess."""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from defpact.procurement.allocation import allocate
from defpact.procurement.cost import CostParams, cost_parts, cost_table
from defpact.procurement.fairness import core_check, core_check_bruteforce
from defpact.procurement.sharing import (
    shapley,
    shapley_bruteforce,
    shapley_exact,
    shapley_separable,
)

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def cost_params(draw: st.DrawFn, non_increasing_average: bool = False) -> CostParams:
    """Random pricing; optionally with non-increasing average cost (slope <= 1, tiers down)."""
    slope = draw(st.floats(0.6, 1.0 if non_increasing_average else 1.3))
    thresholds = sorted(draw(st.sets(st.integers(2, 40), max_size=3)))
    multipliers = draw(
        st.lists(st.floats(0.3, 1.5), min_size=len(thresholds), max_size=len(thresholds))
    )
    if non_increasing_average:
        multipliers = sorted((min(m, 1.0) for m in multipliers), reverse=True)
    return CostParams(
        t1=draw(st.floats(1.0, 1e6)),
        slope=slope,
        c0=draw(st.integers(0, 50)),
        tiers=((1, 1.0), *zip(thresholds, multipliers, strict=True)),
        fixed_order=draw(st.floats(0.0, 1e6)),
        per_nation=draw(st.floats(0.0, 1e5)),
        surcharge=draw(st.floats(0.0, 0.05)),
    )


def _exact(table: np.ndarray) -> Callable[[int, int], Fraction]:
    return lambda k, q: Fraction(float(table[k, q]))


@SETTINGS
@given(cost_params(), st.lists(st.integers(1, 6), min_size=1, max_size=10))
def test_dp_shapley_equals_brute_force_in_exact_rationals(
    params: CostParams, qs: list[int]
) -> None:
    table = cost_table(params, len(qs), sum(qs))
    exact = shapley_exact(qs, _exact(table))
    assert exact == shapley_bruteforce(qs, _exact(table))
    scale = float(table[len(qs), sum(qs)])
    expected = [float(x) for x in exact]
    assert np.allclose(shapley(qs, table), expected, rtol=1e-11, atol=1e-11 * scale)
    separable = shapley_separable(qs, *cost_parts(params, len(qs), sum(qs)))
    assert np.allclose(separable, expected, rtol=1e-11, atol=1e-11 * scale)


@SETTINGS
@given(cost_params(), st.lists(st.integers(1, 30), min_size=1, max_size=16))
def test_shares_are_efficient_to_the_cent_and_symmetric(params: CostParams, qs: list[int]) -> None:
    nations = {f"N{i}": q for i, q in enumerate(qs)}
    alloc = allocate(params, nations)
    assert sum(alloc.shapley) == alloc.joint_cost == sum(alloc.proportional)
    table = cost_table(params, len(qs), sum(qs))
    assert abs(sum(alloc.exact_shapley) - table[len(qs), sum(qs)]) <= 1e-9 * table[len(qs), sum(qs)]
    for j, i in combinations(range(len(qs)), 2):
        if qs[i] != qs[j]:
            continue
        assert alloc.exact_shapley[i] == alloc.exact_shapley[j]
        assert abs(alloc.shapley[i] - alloc.shapley[j]) <= 1
        assert alloc.shapley[j] >= alloc.shapley[i]  # cent ties go to the earlier nation


@SETTINGS
@given(
    cost_params(non_increasing_average=True), st.lists(st.integers(1, 30), min_size=1, max_size=16)
)
def test_individually_rational_when_average_cost_does_not_increase(
    params: CostParams, qs: list[int]
) -> None:
    alloc = allocate(params, {f"N{i}": q for i, q in enumerate(qs)})
    assert alloc.individually_rational
    assert all(s <= a + 1 for s, a in zip(alloc.shapley, alloc.stand_alone, strict=True))


@SETTINGS
@given(
    cost_params(),
    st.lists(st.integers(1, 8), min_size=2, max_size=12),
    st.randoms(use_true_random=False),
)
def test_core_check_equals_brute_force(
    params: CostParams, qs: list[int], rnd: random.Random
) -> None:
    table = cost_table(params, len(qs), sum(qs))
    phi = shapley(qs, table)
    shares = phi * np.array([rnd.uniform(0.8, 1.2) for _ in qs])
    for allocation in (phi, shares):
        fast, brute = (
            core_check(allocation, qs, table),
            core_check_bruteforce(allocation, qs, table),
        )
        assert fast.max_excess is not None and brute.max_excess is not None
        scale = float(table[len(qs), sum(qs)])
        assert abs(fast.max_excess - brute.max_excess) <= 1e-9 * scale
        members = fast.blocking
        value = (
            sum(allocation[i] for i in members) - table[len(members), sum(qs[i] for i in members)]
        )
        assert 0 < len(members) < len(qs)
        assert abs(value - fast.max_excess) <= 1e-9 * scale
