"""Cost of an order: tiers, learning curve, surcharge, and parameter validation."""

from __future__ import annotations

import math

import pytest

from defpact.core.errors import InvalidInput
from defpact.procurement.cost import CostParams, coalition_cost, cost_table, tier_multiplier

TIERS = ((1, 1.0), (10, 0.9), (25, 0.8))


def _by_formula(p: CostParams, size: int, quantity: int) -> float:
    """c(S) written out term by term, as in the issue."""
    if size == 0:
        return 0.0
    units = sum(p.t1 * x ** math.log2(p.slope) for x in range(p.c0 + 1, p.c0 + quantity + 1))
    multiplier = max((t for t in p.tiers if t[0] <= quantity), default=(1, 1.0))[1]
    return (1 + p.surcharge) * (p.fixed_order + p.per_nation * size + multiplier * units)


def test_multiplier_is_that_of_the_highest_tier_reached() -> None:
    assert [tier_multiplier(TIERS, q) for q in (1, 9, 10, 24, 25, 1000)] == [
        1.0, 1.0, 0.9, 0.9, 0.8, 0.8,
    ]  # fmt: skip


def test_cost_table_matches_the_formula_with_learning_curve_and_tiers() -> None:
    p = CostParams(
        t1=1000.0, slope=0.85, c0=12, tiers=TIERS, fixed_order=5000, per_nation=300,
        surcharge=0.032,
    )  # fmt: skip
    table = cost_table(p, 4, 40)
    for size, quantity in [(1, 1), (1, 9), (2, 10), (3, 24), (4, 25), (4, 40)]:
        assert table[size, quantity] == pytest.approx(_by_formula(p, size, quantity), rel=1e-12)
        assert coalition_cost(p, size, quantity) == table[size, quantity]
    assert table[0, 0] == 0.0 and coalition_cost(p, 0, 0) == 0.0


def test_without_learning_curve_the_unit_price_is_constant() -> None:
    p = CostParams(t1=2_000_000.0, fixed_order=1_000_000, per_nation=250_000, surcharge=0.032)
    assert coalition_cost(p, 1, 4) == pytest.approx(9_546_000.0, abs=1e-6)
    assert coalition_cost(p, 2, 10) == pytest.approx(22_188_000.0, abs=1e-6)


def test_units_produced_before_the_order_make_it_cheaper_on_a_learning_curve() -> None:
    fresh = CostParams(t1=1000.0, slope=0.9)
    mature = CostParams(t1=1000.0, slope=0.9, c0=100)
    assert coalition_cost(mature, 1, 10) < coalition_cost(fresh, 1, 10)
    assert coalition_cost(fresh, 1, 1) == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tiers": ((2, 1.0),)}, "cost.tiers"),
        ({"tiers": ((1, 1.0), (5, 0.9), (5, 0.8))}, "cost.tiers"),
        ({"tiers": ((1, 1.0), (5, 0.9), (3, 0.8))}, "cost.tiers"),
        ({"tiers": ()}, "cost.tiers"),
        ({"tiers": ((1, 1.0), (5, 0.0))}, "cost.tiers[1]"),
        ({"t1": -1.0}, "cost.t1"),
        ({"fixed_order": -5.0}, "cost.fixed_order"),
        ({"surcharge": math.nan}, "cost.surcharge"),
        ({"slope": 0.0}, "cost.slope"),
        ({"c0": -1}, "cost.c0"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    params: dict[str, object] = {"t1": 100.0} | kwargs
    with pytest.raises(InvalidInput) as caught:
        CostParams(**params)  # type: ignore[arg-type]
    assert caught.value.field == field
