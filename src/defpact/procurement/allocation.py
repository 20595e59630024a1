"""Who pays what for one item: stand-alone costs, joint cost, shares and their fairness.

Given an item's pricing and each nation's quantity, ``allocate`` computes for the
participants (quantity > 0, in nation order): the stand-alone cost c({i}), the joint cost
c(N), the Shapley and proportional shares, and the shares of the selected rule
(``shapley``, ``proportional`` or ``nearest-core``). Every money figure is in integer
cents; the shares of each rule are rounded by largest remainder so they sum exactly to the
rounded joint cost.

Fairness is judged on the unrounded shares x of the selected rule: individually rational
when x_i - c({i}) rounds to at most 0.00 for every i; in the core when the maximum excess
max_T x(T) - c(T) rounds to at most 0.00 (a half-cent tolerance for binary noise). The
blocking coalition is the one with the largest excess and is reported only when not in the
core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from defpact.core.errors import InvalidInput
from defpact.procurement.cost import MAX_TOTAL_QUANTITY, CostParams, cost_parts, cost_table
from defpact.procurement.fairness import core_check, nearest_core
from defpact.procurement.money import exact_cents, largest_remainder, to_cents
from defpact.procurement.sharing import proportional, shapley_separable

__all__ = ["RULES", "Allocation", "Rule", "allocate"]

Rule = Literal["shapley", "proportional", "nearest-core"]
RULES: tuple[str, ...] = get_args(Rule)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Shares of one item; tuples follow ``nations`` (the participants, in nation order)."""

    nations: tuple[str, ...]
    quantities: tuple[int, ...]
    rule: Rule
    stand_alone: tuple[int, ...]  # cents
    joint_cost: int  # cents
    shapley: tuple[int, ...]  # cents
    proportional: tuple[int, ...]  # cents
    shares: tuple[int, ...]  # cents, of the selected rule
    exact_shapley: tuple[float, ...]  # unrounded, currency units
    exact_shares: tuple[float, ...]  # unrounded, of the selected rule
    individually_rational: bool
    core_max_excess: float | None  # unrounded; None when n <= 1 (no proper sub-coalition)
    in_core: bool
    blocking: tuple[str, ...]  # empty when in the core

    @property
    def total_quantity(self) -> int:
        return sum(self.quantities)


def _rounded(values: FloatArray | list[float], total: int) -> tuple[int, ...]:
    return tuple(largest_remainder([exact_cents(float(v)) for v in values], total))


def _selected(
    rule: Rule, phi: FloatArray, prop: list[Fraction], qs: list[int], table: FloatArray, joint: int
) -> tuple[FloatArray, tuple[int, ...]]:
    """Unrounded and rounded shares of the selected rule."""
    if rule == "shapley":
        return phi, _rounded(phi, joint)
    if rule == "proportional":
        return np.array([float(p) for p in prop]), _round_exact(prop, joint)
    chosen = nearest_core(phi, qs, table).shares
    return chosen, _rounded(chosen, joint)


def _round_exact(values: list[Fraction], total: int) -> tuple[int, ...]:
    return tuple(largest_remainder([exact_cents(v) for v in values], total))


def allocate(cost: CostParams, quantities: Mapping[str, int], rule: Rule = "shapley") -> Allocation:
    """Shares of the nations with quantity > 0 under the Shapley, proportional and ``rule``."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    nations = tuple(nation for nation, q in quantities.items() if q > 0)
    qs = [quantities[nation] for nation in nations]
    n, total = len(qs), sum(qs)
    if total > MAX_TOTAL_QUANTITY:
        raise InvalidInput(f"{total} units exceed {MAX_TOTAL_QUANTITY} per item", field="qty")
    table = cost_table(cost, n, total)
    joint = to_cents(float(table[n, total]))
    phi = shapley_separable(qs, *cost_parts(cost, n, total))
    prop = proportional(qs, float(table[n, total]))
    chosen, shares = _selected(rule, phi, prop, qs, table, joint)
    alone = [float(table[1, q]) for q in qs]
    check = core_check(chosen, qs, table)
    in_core = check.max_excess is None or to_cents(check.max_excess) <= 0
    return Allocation(
        nations=nations,
        quantities=tuple(qs),
        rule=rule,
        stand_alone=tuple(to_cents(a) for a in alone),
        joint_cost=joint,
        shapley=_rounded(phi, joint),
        proportional=_round_exact(prop, joint),
        shares=shares,
        exact_shapley=tuple(float(x) for x in phi),
        exact_shares=tuple(float(x) for x in chosen),
        individually_rational=all(to_cents(x - a) <= 0 for x, a in zip(chosen, alone, strict=True)),
        core_max_excess=check.max_excess,
        in_core=in_core,
        blocking=() if in_core else tuple(nations[i] for i in check.blocking),
    )
