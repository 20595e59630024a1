"""Money in integer cents: rounding amounts and splitting a total so the parts add up exactly.

Amounts are computed in floats (or exact fractions) and rounded once, at the edge, to integer
cents. A float is first snapped to 1e-4 cent so that binary noise far below a cent cannot
decide a tie; a single amount is then rounded half up. A set of shares that must add up to a
given total in cents is rounded by the largest-remainder method: every share gets its floor
in cents, and the cents still missing go one each to the largest remainders, ties going to
the earlier position (the scenario's nation order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

__all__ = ["amount", "exact_cents", "largest_remainder", "to_cents"]

_SNAP = 10_000  # resolution of the snap: 1e-4 cent


def exact_cents(value: float | Fraction) -> Fraction:
    """``value`` (in currency units) as an exact number of cents; floats are snapped first."""
    if isinstance(value, Fraction):
        return value * 100
    return Fraction(round(value * 100 * _SNAP), _SNAP)


def to_cents(value: float | Fraction) -> int:
    """``value`` rounded half up to integer cents."""
    cents = exact_cents(value)
    return math.floor(cents + Fraction(1, 2))


def amount(cents: int) -> float:
    """Integer cents as a currency amount (the float nearest to the exact decimal)."""
    return round(cents / 100, 2)


def largest_remainder(values: Sequence[Fraction], total: int) -> list[int]:
    """Round exact amounts (e.g. cents) to integers that sum to ``total`` (largest remainder).

    The amounts normally sum to ``total`` already, up to rounding of their inputs; any
    difference is absorbed one unit at a time by the largest (or, when units must be taken
    back, the smallest) remainders, ties by position.
    """
    if not values:
        return []
    floors = [math.floor(value) for value in values]
    missing = total - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: (-(values[i] - floors[i]), i))
    rounds, extra = divmod(missing, len(values))
    result = [floor + rounds for floor in floors]
    for index in by_remainder[:extra]:
        result[index] += 1
    return result
