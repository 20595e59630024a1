"""The cost of one joint order, as a function of who joins and how much they buy.

For a set S of nations with total quantity Q = sum of their quantities:

    c(S) = (1 + s) * (F + g*|S| + m(Q) * sum_{x=c0+1}^{c0+Q} t1 * x^log2(slope))

s is the administrative surcharge (FMS: 0.032), F the fixed cost per order, g the cost per
participating nation, t1 the first-unit price, slope the learning-curve slope (1.0 = none), c0
the units produced before this order and m(Q) the multiplier of the highest all-units price
tier whose ``min_qty <= Q``. c(empty set) = 0.

The cost depends on S only through (|S|, Q), and even splits into a(|S|) + b(Q) for S
non-empty; that is what makes exact Shapley values and the core check tractable (see
``sharing`` and ``fairness``). The learning-curve sum is a prefix sum
of unit costs, computed once per item for every Q up to the total quantity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from defpact.core.errors import InvalidInput

__all__ = [
    "MAX_TOTAL_QUANTITY",
    "CostParams",
    "coalition_cost",
    "cost_parts",
    "cost_table",
    "tier_multiplier",
    "variable_costs",
]

FloatArray = npt.NDArray[np.float64]
MAX_TOTAL_QUANTITY = 100_000
"""Units per item over all nations: the exact algorithms use memory and time ~ n^2 * Q."""


@dataclass(frozen=True, slots=True)
class CostParams:
    """Pricing of one item; every error names its field relative to the item (``cost.x``)."""

    t1: float
    slope: float = 1.0
    c0: int = 0
    tiers: tuple[tuple[int, float], ...] = ((1, 1.0),)
    fixed_order: float = 0.0
    per_nation: float = 0.0
    surcharge: float = 0.0

    def __post_init__(self) -> None:
        for name in ("t1", "fixed_order", "per_nation", "surcharge"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise InvalidInput("must be a finite number >= 0", field=f"cost.{name}")
        if not math.isfinite(self.slope) or self.slope <= 0:
            raise InvalidInput(
                "must be a finite number > 0 (1.0 = no learning)", field="cost.slope"
            )
        if self.c0 < 0:
            raise InvalidInput("must be an integer >= 0", field="cost.c0")
        _check_tiers(self.tiers)

    @property
    def exponent(self) -> float:
        """The learning-curve exponent b = log2(slope): unit x costs t1 * x^b."""
        return math.log2(self.slope)


def _check_tiers(tiers: tuple[tuple[int, float], ...]) -> None:
    quantities = [q for q, _ in tiers]
    if not tiers or quantities[0] != 1 or any(a >= b for a, b in pairwise(quantities)):
        raise InvalidInput("must start at min_qty 1 and increase", field="cost.tiers")
    for index, (_, multiplier) in enumerate(tiers):
        if not math.isfinite(multiplier) or multiplier <= 0:
            raise InvalidInput(
                "multiplier must be a finite number > 0", field=f"cost.tiers[{index}]"
            )


def tier_multiplier(tiers: tuple[tuple[int, float], ...], quantity: int) -> float:
    """m(Q): the multiplier of the highest tier with ``min_qty <= Q`` (1.0 below the first)."""
    multiplier = 1.0
    for min_qty, tier_mult in tiers:
        if min_qty > quantity:
            break
        multiplier = tier_mult
    return multiplier


def variable_costs(params: CostParams, q_max: int) -> FloatArray:
    """V[Q] = m(Q) * sum_{x=c0+1}^{c0+Q} t1 * x^b for Q = 0..q_max (V[0] = 0), pre-surcharge."""
    units = np.arange(params.c0 + 1, params.c0 + q_max + 1, dtype=np.float64)
    prefix = np.zeros(q_max + 1, dtype=np.float64)
    np.cumsum(units**params.exponent, out=prefix[1:])
    multipliers = np.ones(q_max + 1, dtype=np.float64)
    for min_qty, tier_mult in params.tiers:
        multipliers[min(min_qty, q_max + 1) :] = tier_mult
    result: FloatArray = multipliers * (params.t1 * prefix)
    return result


def cost_table(params: CostParams, n: int, q_max: int) -> FloatArray:
    """c(k, Q) for k = 0..n nations and Q = 0..q_max units; row k = 0 is the empty order (0)."""
    sizes = np.arange(n + 1, dtype=np.float64)[:, None]
    variable = variable_costs(params, q_max)[None, :]
    table: FloatArray = (1.0 + params.surcharge) * (
        params.fixed_order + params.per_nation * sizes + variable
    )
    table[0, :] = 0.0
    return table


def cost_parts(params: CostParams, n: int, q_max: int) -> tuple[FloatArray, FloatArray]:
    """c(k, Q) = a(k) + b(Q) for k >= 1: a(k) = (1+s)(F + g*k), b(Q) = (1+s) V[Q]; a(0) = 0."""
    per_size = (1.0 + params.surcharge) * (
        params.fixed_order + params.per_nation * np.arange(n + 1, dtype=np.float64)
    )
    per_size[0] = 0.0
    per_quantity: FloatArray = (1.0 + params.surcharge) * variable_costs(params, q_max)
    return per_size, per_quantity


def coalition_cost(params: CostParams, size: int, quantity: int) -> float:
    """c(S) for one coalition of ``size`` nations buying ``quantity`` units in total."""
    if size == 0:
        return 0.0
    variable = float(variable_costs(params, quantity)[quantity])
    return (1.0 + params.surcharge) * (params.fixed_order + params.per_nation * size + variable)
