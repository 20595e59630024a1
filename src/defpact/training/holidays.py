"""National public holidays turned into ISO week numbers for the programme scheduler.

Holidays come from the maintained ``holidays`` package (python-holidays) for every nation it
covers. Kosovo (XK) is covered by recent releases; for older releases that lack it, Kosovo's
official holidays (Law No. 03/L-064 on Official Holidays, as amended) are entered here as data:
fixed dates, Catholic and Orthodox Easter (computed), Eid al-Fitr and Eid al-Adha (table of the
dates the Kosovo government announces, estimated ahead), and the rule that a holiday falling on
a Saturday or Sunday is observed on the next working day that is not itself a holiday.

Only holidays on working days (Monday to Friday) mark a week: a Sunday holiday does not take a
working day out of an exercise week. Weeks are ISO weeks 1..52 of ``year``; a day in ISO week
53 or in the neighbouring ISO year is outside the horizon and ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays as pyholidays

from defpact.training.model import WEEKS, HolidayPeriod

__all__ = [
    "KOSOVO_FIXED",
    "holiday_dates",
    "holiday_weeks",
    "kosovo_holidays",
    "national_holiday_periods",
]

KOSOVO_FIXED: tuple[tuple[int, int, str], ...] = (
    (1, 1, "New Year's Day"),
    (1, 2, "New Year's Day"),
    (1, 7, "Orthodox Christmas Day"),
    (2, 17, "Independence Day"),
    (4, 9, "Constitution Day"),
    (5, 1, "International Labour Day"),
    (5, 9, "Europe Day"),
    (12, 25, "Catholic Christmas Day"),
)

# Eid al-Fitr (Bajrami i Madh) and Eid al-Adha (Kurban Bajrami), by year.
_KOSOVO_EIDS: dict[int, tuple[str, str]] = {
    2024: ("2024-04-10", "2024-06-16"),
    2025: ("2025-03-30", "2025-06-06"),
    2026: ("2026-03-20", "2026-05-27"),
    2027: ("2027-03-09", "2027-05-16"),
    2028: ("2028-02-26", "2028-05-05"),
    2029: ("2029-02-14", "2029-04-24"),
    2030: ("2030-02-04", "2030-04-13"),
    2031: ("2031-01-24", "2031-04-02"),
}


def _western_easter(year: int) -> dt.date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _orthodox_easter(year: int) -> dt.date:
    """Meeus Julian algorithm, converted to the Gregorian calendar (valid 1900-2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return dt.date(year, month, day + 1) + dt.timedelta(days=13)


def kosovo_holidays(year: int) -> dict[dt.date, str]:
    """Kosovo's official holidays for ``year`` from the data above (weekend -> next working day)."""
    days: dict[dt.date, str] = {dt.date(year, m, d): name for m, d, name in KOSOVO_FIXED}
    days[_western_easter(year)] = "Catholic Easter"
    days[_orthodox_easter(year)] = "Orthodox Easter"
    fitr, adha = _KOSOVO_EIDS.get(year, ("", ""))
    for text, name in ((fitr, "Eid al-Fitr"), (adha, "Eid al-Adha")):
        if text:
            days[dt.date.fromisoformat(text)] = name
    for day, name in sorted(days.items()):
        if day.weekday() >= 5:
            free = day + dt.timedelta(days=1)
            while free.weekday() >= 5 or free in days:
                free += dt.timedelta(days=1)
            days[free] = f"{name} (observed)"
    return days


def holiday_dates(nation: str, year: int) -> dict[dt.date, str]:
    """Public holidays of ``nation`` in ``year`` (empty when no source covers the nation)."""
    if nation in pyholidays.list_supported_countries():
        found = pyholidays.country_holidays(nation, years=year)
        return {day: str(name) for day, name in found.items()}
    if nation == "XK":
        return kosovo_holidays(year)
    return {}


def holiday_weeks(nation: str, year: int) -> dict[int, list[str]]:
    """ISO week (1..52) -> names of the working-day holidays of ``nation`` in that week."""
    weeks: dict[int, list[str]] = {}
    for day, name in sorted(holiday_dates(nation, year).items()):
        iso_year, week, weekday = day.isocalendar()
        if iso_year == year and week <= WEEKS and weekday <= 5:
            weeks.setdefault(week, []).append(name)
    return weeks


def national_holiday_periods(
    nations: Iterable[str], year: int, *, hard: bool = False
) -> tuple[HolidayPeriod, ...]:
    """One single-week ``HolidayPeriod`` per holiday week of every nation."""
    periods = []
    for nation in nations:
        for week, names in sorted(holiday_weeks(nation, year).items()):
            label = "; ".join(dict.fromkeys(names))
            periods.append(HolidayPeriod(nation, week, week, hard=hard, name=label))
    return tuple(periods)
