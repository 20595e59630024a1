"""20% at signature, 80% monthly from award to last delivery; fiscal years and breaches."""

from __future__ import annotations

from fractions import Fraction

from defpact.procurement.months import YearMonth
from defpact.procurement.payments import Order, budget_breaches, cash_by_year, payments

START = YearMonth(2026, 1)


def test_twenty_percent_at_signature_and_eighty_spread_evenly() -> None:
    plan = payments(Order(cost_cents=1000_00, signature=2, award=4, last_delivery=7))
    assert plan[2] == 200_00
    assert [plan[m] for m in range(4, 8)] == [200_00] * 4
    assert sum(plan.values()) == 1000_00


def test_signature_in_the_award_month_adds_up() -> None:
    plan = payments(Order(cost_cents=100, signature=3, award=3, last_delivery=3))
    assert plan == {3: 100}


def test_worked_example_individual_cash_by_fiscal_year() -> None:
    """HR: 9,546,000 signed 2026-05, awarded 2026-07, last delivery 2027-03."""
    hr = cash_by_year([Order(954_600_000, 4, 6, 14)], START)
    assert hr == {2026: 700_040_000, 2027: 254_560_000}
    # AL: 13,674,000 signed and awarded 2026-05, last delivery 2027-01: 9 monthly parts
    al = cash_by_year([Order(1_367_400_000, 4, 4, 12)], START)
    assert al == {2026: 1_245_853_333, 2027: 121_546_667}


def test_years_sum_exactly_to_the_costs_of_all_orders() -> None:
    orders = [Order(100_00, 0, 1, 13), Order(333_33, 11, 11, 25), Order(7, 30, 30, 30)]
    cash = cash_by_year(orders, YearMonth(2026, 11))
    assert sum(cash.values()) == 100_00 + 333_33 + 7
    assert sorted(cash) == [2026, 2027, 2028, 2029]


def test_budget_breach_only_beyond_fifty_cents() -> None:
    budget = {2026: Fraction(1000), 2027: Fraction("999.49")}
    cash = {2026: 1000_50, 2027: 1000_00, 2028: 51, 2029: 50}
    assert budget_breaches(cash, budget) == [2027, 2028]
    assert budget_breaches({2026: 1000_51}, budget) == [2026]
    assert budget_breaches({2030: 50}, {}) == []
