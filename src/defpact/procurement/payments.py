"""Cash a nation pays for its orders, by fiscal year, and the years it breaks its budget.

For one order of cost C (in cents) signed in month s, awarded in month a and last delivered in
month l: 20% of C is paid in month s and the other 80% in equal monthly amounts over the
months a..l inclusive (80% of C / (l - a + 1) each). Amounts are kept exact until the end;
a nation's yearly totals are then rounded to cents by largest remainder, so that they sum
exactly to the sum of its order costs (earlier year first on ties). The fiscal year is the
calendar year. A year is a budget breach when the nation's payments exceed its budget for
that year by more than 0.50; a year with payments and no budget line has budget 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from defpact.procurement.money import largest_remainder
from defpact.procurement.months import YearMonth

__all__ = ["BREACH_TOLERANCE_CENTS", "Order", "budget_breaches", "cash_by_year", "payments"]

BREACH_TOLERANCE_CENTS = 50
_DOWN = Fraction(1, 5)


@dataclass(frozen=True, slots=True)
class Order:
    """What one nation pays for one item: its cost in cents and the months that drive payment."""

    cost_cents: int
    signature: int
    award: int
    last_delivery: int


def payments(order: Order) -> dict[int, Fraction]:
    """Exact payments in cents by month index."""
    result: dict[int, Fraction] = {order.signature: order.cost_cents * _DOWN}
    months = order.last_delivery - order.award + 1
    if months < 1:
        raise ValueError("last delivery precedes the award")
    monthly = order.cost_cents * (1 - _DOWN) / months
    for month in range(order.award, order.last_delivery + 1):
        result[month] = result.get(month, Fraction(0)) + monthly
    return result


def cash_by_year(orders: Iterable[Order], start: YearMonth) -> dict[int, int]:
    """Cents paid in each calendar year for all ``orders``; sums exactly to their costs."""
    exact: dict[int, Fraction] = {}
    total = 0
    for order in orders:
        total += order.cost_cents
        for month, value in payments(order).items():
            year = start.year_of(month)
            exact[year] = exact.get(year, Fraction(0)) + value
    years = sorted(exact)
    return dict(zip(years, largest_remainder([exact[y] for y in years], total), strict=True))


def budget_breaches(cash: Mapping[int, int], budget: Mapping[int, Fraction]) -> list[int]:
    """Years whose payments exceed the budget (0 if absent) by more than 0.50."""
    return [
        year
        for year in sorted(cash)
        if cash[year] - budget.get(year, Fraction(0)) * 100 > BREACH_TOLERANCE_CENTS
    ]
