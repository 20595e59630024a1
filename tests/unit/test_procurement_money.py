"""Rounding to cents: half up, and largest remainder so that parts sum to the total."""

from __future__ import annotations

from fractions import Fraction

from defpact.procurement.money import amount, exact_cents, largest_remainder, to_cents


def test_amounts_round_half_up_to_cents_despite_binary_noise() -> None:
    assert to_cents(0.125) == 13
    assert to_cents(1.005) == 101  # the float 1.005 is 1.00499999...; a user means 1.005
    assert to_cents(-0.004) == 0
    assert to_cents(Fraction(1, 3)) == 33
    assert amount(123456789) == 1234567.89


def test_largest_remainder_sums_exactly_and_breaks_ties_by_position() -> None:
    thirds = [Fraction(100, 3)] * 3  # 33.33.. cents each, 100 to share
    assert largest_remainder(thirds, 100) == [34, 33, 33]
    assert largest_remainder([Fraction(1, 2), Fraction(3, 2)], 2) == [1, 1]
    assert largest_remainder([Fraction(10.7), Fraction(5.2), Fraction(4.1)], 20) == [11, 5, 4]


def test_largest_remainder_absorbs_a_total_that_differs_from_the_sum() -> None:
    assert largest_remainder([Fraction(10), Fraction(10)], 19) == [10, 9]
    assert largest_remainder([Fraction(10), Fraction(10)], 22) == [11, 11]
    assert largest_remainder([], 0) == []


def test_exact_cents_keeps_fractions_exact() -> None:
    assert exact_cents(Fraction(1, 3)) == Fraction(100, 3)
    assert exact_cents(0.1) == Fraction(10)
