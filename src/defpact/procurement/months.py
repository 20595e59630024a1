"""Months as integers counted from the scenario start, and their ``YYYY-MM`` labels.

Month 0 is the start month (default 2026-01); the fiscal year of month m is its calendar year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["YearMonth", "parse_month"]

_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    year: int
    month: int  # 1..12

    def plus(self, months: int) -> YearMonth:
        """The calendar month ``months`` after this one."""
        year, index = divmod(self.year * 12 + self.month - 1 + months, 12)
        return YearMonth(year, index + 1)

    def offset(self, other: YearMonth) -> int:
        """How many months ``other`` comes after this one (negative if before)."""
        return (other.year - self.year) * 12 + other.month - self.month

    def label(self, months: int = 0) -> str:
        """``YYYY-MM`` of the month ``months`` after this one."""
        moved = self.plus(months)
        return f"{moved.year:04d}-{moved.month:02d}"

    def year_of(self, months: int) -> int:
        """Calendar (fiscal) year of the month ``months`` after this one."""
        return self.plus(months).year


def parse_month(text: str) -> YearMonth:
    """``YYYY-MM`` to a YearMonth; ValueError if malformed."""
    match = _PATTERN.fullmatch(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"must be a month YYYY-MM, got {text!r}")
    return YearMonth(int(match.group(1)), int(match.group(2)))
