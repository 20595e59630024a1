"""Shapley by dynamic programming and the proportional rule, against hand and brute force."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from defpact.procurement import sharing
from defpact.procurement.cost import CostParams, cost_parts, cost_table
from defpact.procurement.sharing import (
    proportional,
    shapley,
    shapley_bruteforce,
    shapley_bruteforce_table,
    shapley_exact,
    shapley_separable,
)

WORKED = CostParams(t1=2_000_000.0, fixed_order=1_000_000.0, per_nation=250_000.0, surcharge=0.032)
TIERED = CostParams(
    t1=1000.0, slope=0.9, c0=3, tiers=((1, 1.0), (10, 0.9), (25, 0.7)), fixed_order=5000,
    per_nation=300, surcharge=0.032,
)  # fmt: skip


def _exact(table: np.ndarray) -> sharing.ExactCost:
    return lambda k, q: Fraction(float(table[k, q]))


def test_worked_example_two_nations_one_tier_no_learning() -> None:
    """c(HR) = 9,546,000, c(AL) = 13,674,000, c(HR, AL) = 22,188,000 (docs/procurement.md)."""
    table = cost_table(WORKED, 2, 10)
    hr, al = shapley([4, 6], table)
    assert hr == pytest.approx(9_030_000.0, abs=1e-6)
    assert al == pytest.approx(13_158_000.0, abs=1e-6)
    assert proportional([4, 6], Fraction(22_188_000)) == [8_875_200, 13_312_800]


def test_dp_equals_exact_dp_and_brute_force_on_a_tiered_learning_curve() -> None:
    quantities = [3, 7, 7, 12, 1, 5, 7]
    table = cost_table(TIERED, len(quantities), sum(quantities))
    exact = shapley_exact(quantities, _exact(table))
    assert exact == shapley_bruteforce(quantities, _exact(table))
    assert shapley(quantities, table) == pytest.approx([float(x) for x in exact], rel=1e-12)
    assert shapley_bruteforce_table(quantities, table) == pytest.approx(
        [float(x) for x in exact], rel=1e-12
    )


def test_nations_with_equal_quantity_get_identical_shares() -> None:
    quantities = [7, 3, 7, 7]
    values = shapley(quantities, cost_table(TIERED, 4, 24))
    assert values[0] == values[2] == values[3]


def test_direct_recursion_beyond_float_exact_counts_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    quantities = [4, 1, 9, 4, 2, 6, 3, 8]
    table = cost_table(TIERED, len(quantities), sum(quantities))
    parts = cost_parts(TIERED, len(quantities), sum(quantities))
    fast, separable = shapley(quantities, table), shapley_separable(quantities, *parts)
    monkeypatch.setattr(sharing, "_EXACT_FLOAT_N", 0)
    assert shapley(quantities, table) == pytest.approx(fast, rel=1e-12)
    assert shapley_separable(quantities, *parts) == pytest.approx(separable, rel=1e-12)


def test_shares_sum_to_the_joint_cost_with_36_nations() -> None:
    rng = np.random.default_rng(7)
    quantities = [int(q) for q in rng.integers(1, 501, 36)]
    table = cost_table(TIERED, 36, sum(quantities))
    assert shapley(quantities, table).sum() == pytest.approx(table[36, sum(quantities)], rel=1e-12)


def test_a_single_participant_pays_its_stand_alone_cost_and_none_pay_nothing() -> None:
    table = cost_table(TIERED, 1, 9)
    assert shapley([9], table) == pytest.approx([table[1, 9]])
    assert shapley([], cost_table(TIERED, 0, 0)).size == 0
    assert proportional([], 0.0) == []


def test_a_table_too_small_for_the_quantities_is_refused() -> None:
    with pytest.raises(ValueError, match="cover"):
        shapley([5, 5], cost_table(TIERED, 2, 9))


def test_separable_path_equals_the_table_dp() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 36):
        quantities = [int(q) for q in rng.integers(1, 60, n)]
        total = sum(quantities)
        general = shapley(quantities, cost_table(TIERED, n, total))
        fast = shapley_separable(quantities, *cost_parts(TIERED, n, total))
        assert fast == pytest.approx(general, rel=1e-11)
