"""National holiday weeks: library coverage, Kosovo data, weekday rule."""

from __future__ import annotations

import datetime as dt

import holidays as pyholidays
import pytest

from defpact.training.holidays import (
    holiday_weeks,
    kosovo_holidays,
    national_holiday_periods,
)


def test_founding_nations_are_covered() -> None:
    for nation in ("XK", "AL", "HR"):
        assert holiday_weeks(nation, 2026), nation


def test_croatian_statehood_day_marks_its_week() -> None:
    weeks = holiday_weeks("HR", 2026)  # 30 May 2026 is a Saturday: no working day lost
    assert 22 not in weeks or all("Statehood" not in n for n in weeks[22])
    weeks_2025 = holiday_weeks("HR", 2025)  # 30 May 2025 is a Friday, ISO week 22
    assert any("Statehood" in n for n in weeks_2025[22])


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027, 2028])
def test_kosovo_data_matches_the_library_week_by_week(year: int) -> None:
    library = pyholidays.country_holidays("XK", years=year)
    ours = kosovo_holidays(year)

    def weeks(days: object) -> set[int]:
        return {d.isocalendar()[1] for d in days if d.weekday() < 5}  # type: ignore[attr-defined]

    assert weeks(ours) == weeks(library)


def test_kosovo_easters_are_computed() -> None:
    days = kosovo_holidays(2026)
    assert days[dt.date(2026, 4, 5)] == "Catholic Easter"
    assert days[dt.date(2026, 4, 12)] == "Orthodox Easter"
    assert days[dt.date(2026, 2, 17)] == "Independence Day"


def test_unknown_nation_has_no_holidays() -> None:
    assert holiday_weeks("ZZ", 2026) == {}


def test_periods_are_single_weeks_with_names_and_hardness() -> None:
    periods = national_holiday_periods(["XK"], 2026, hard=True)
    assert periods and all(p.start_week == p.end_week and p.hard for p in periods)
    assert any("Independence Day" in p.name for p in periods)
    assert all(1 <= p.start_week <= 52 for p in periods)
