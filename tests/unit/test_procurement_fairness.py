"""Core check by separation DP and the nearest-core allocation by LP."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from defpact.procurement.cost import CostParams, cost_table
from defpact.procurement.fairness import core_check, core_check_bruteforce, nearest_core
from defpact.procurement.sharing import shapley

WORKED = CostParams(t1=2_000_000.0, fixed_order=1_000_000.0, per_nation=250_000.0, surcharge=0.032)
# Diseconomies beyond a tier: three nations of 10; pairs reach the tier, the whole group pays
# the rising unit cost, so x(pair) <= c(pair) for all pairs cannot hold: the core is empty.
EMPTY_CORE = CostParams(t1=1000.0, slope=1.5, tiers=((1, 1.0), (20, 0.5)))
STEEP_TIER = CostParams(t1=1000.0, tiers=((1, 1.0), (20, 0.5)))


def _excess(
    shares: np.ndarray, members: tuple[int, ...], qs: list[int], table: np.ndarray
) -> float:
    return float(sum(shares[i] for i in members) - table[len(members), sum(qs[i] for i in members)])


def _full_lp_distance(target: np.ndarray, qs: list[int], table: np.ndarray, eps: float) -> float:
    """min sum |x - target| over all 2^n - 2 core constraints (relaxed by eps)."""
    n = len(qs)
    rows, bounds = [], []
    for mask in range(1, (1 << n) - 1):
        members = [i for i in range(n) if mask >> i & 1]
        rows.append([1.0 if i in members else 0.0 for i in range(n)] + [0.0] * n)
        bounds.append(table[len(members), sum(qs[i] for i in members)] + eps)
    eye = np.eye(n)
    a_ub = np.vstack([rows, np.hstack([eye, -eye]), np.hstack([-eye, -eye])])
    b_ub = np.concatenate([bounds, target, -target])
    result = linprog(
        np.r_[np.zeros(n), np.ones(n)], A_ub=a_ub, b_ub=b_ub, A_eq=[[1.0] * n + [0.0] * n],
        b_eq=[table[n, sum(qs)]], bounds=[(None, None)] * n + [(0, None)] * n, method="highs",
    )  # fmt: skip
    assert result.status == 0
    return float(result.fun)


def test_worked_example_is_in_the_core_with_excess_minus_516000() -> None:
    table = cost_table(WORKED, 2, 10)
    check = core_check(shapley([4, 6], table), [4, 6], table)
    assert check.max_excess == pytest.approx(-516_000.0, abs=1e-6)
    assert check.blocking == (0,)  # tie between the two singletons: the earlier nation


def test_a_tier_can_put_shapley_outside_the_core_and_the_blocking_coalition_is_named() -> None:
    qs = [9, 1, 2, 3, 2, 9, 10]
    table = cost_table(STEEP_TIER, len(qs), sum(qs))
    phi = shapley(qs, table)
    check, brute = core_check(phi, qs, table), core_check_bruteforce(phi, qs, table)
    assert check.max_excess == pytest.approx(brute.max_excess, rel=1e-12)
    assert check.max_excess > 0
    assert _excess(phi, check.blocking, qs, table) == pytest.approx(check.max_excess, rel=1e-12)


def test_one_participant_has_no_proper_sub_coalition() -> None:
    table = cost_table(WORKED, 1, 4)
    assert core_check([float(table[1, 4])], [4], table).max_excess is None


@pytest.mark.parametrize("seed", range(6))
def test_nearest_core_is_in_the_core_and_as_close_as_the_full_lp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    qs = [int(q) for q in rng.integers(1, 12, 7)]
    table = cost_table(STEEP_TIER, len(qs), sum(qs))
    phi = shapley(qs, table)
    result = nearest_core(phi, qs, table)
    assert result.epsilon == 0.0
    assert result.shares.sum() == pytest.approx(table[len(qs), sum(qs)], rel=1e-12)
    assert core_check(result.shares, qs, table).max_excess <= 1e-6
    distance = float(np.abs(result.shares - phi).sum())
    assert distance == pytest.approx(_full_lp_distance(phi, qs, table, 0.0), rel=1e-7, abs=1e-6)


def test_nearest_core_keeps_shapley_when_it_is_already_in_the_core() -> None:
    table = cost_table(WORKED, 2, 10)
    phi = shapley([4, 6], table)
    assert np.array_equal(nearest_core(phi, [4, 6], table).shares, phi)


def test_empty_core_falls_back_to_the_least_core() -> None:
    qs = [10, 10, 10]
    table = cost_table(EMPTY_CORE, 3, 30)
    result = nearest_core(shapley(qs, table), qs, table)
    # least core: x(pair) <= c(2, 20) + eps for all pairs, x(N) = c(3, 30)
    expected = (2 * float(table[3, 30]) - 3 * float(table[2, 20])) / 3
    assert result.epsilon == pytest.approx(expected, rel=1e-9)
    assert core_check(result.shares, qs, table).max_excess == pytest.approx(expected, rel=1e-6)
    assert result.shares == pytest.approx([float(table[3, 30]) / 3] * 3)


def test_nations_with_equal_quantity_get_equal_nearest_core_shares() -> None:
    qs = [5, 5, 5, 2, 9, 9]
    table = cost_table(STEEP_TIER, len(qs), sum(qs))
    shares = nearest_core(shapley(qs, table), qs, table).shares
    assert shares[0] == shares[1] == shares[2] and shares[4] == shares[5]


def test_constraint_generation_adds_coalitions_until_the_full_lp_optimum() -> None:
    params = CostParams(t1=1000.0, slope=0.97, tiers=((1, 1.0), (13, 0.7), (25, 0.5)))
    qs = [9, 9, 10, 2, 1, 10, 1, 6]
    table = cost_table(params, len(qs), sum(qs))
    phi = shapley(qs, table)
    result = nearest_core(phi, qs, table)
    assert result.iterations > 1 and result.epsilon == 0.0
    assert core_check_bruteforce(result.shares, qs, table).max_excess <= 1e-6
    distance = float(np.abs(result.shares - phi).sum())
    assert distance == pytest.approx(_full_lp_distance(phi, qs, table, 0.0), rel=1e-7, abs=1e-6)
