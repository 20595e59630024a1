"""Rules of a meeting's schedule and text fields.

A meeting runs over the half-open UTC interval [starts, ends): it must end after it starts
and last at most ``MAX_DAYS`` days (expert-group sessions, not standing conferences).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["MAX_DAYS", "ScheduleProblem", "schedule_problem"]

MAX_DAYS = 14


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    field: str
    message: str


def schedule_problem(starts: datetime, ends: datetime) -> ScheduleProblem | None:
    """Why [starts, ends) is not a valid meeting time, or None."""
    if starts.tzinfo is None:
        return ScheduleProblem("starts", "starts must carry a time zone (e.g. 2025-07-15T09:00Z)")
    if ends.tzinfo is None:
        return ScheduleProblem("ends", "ends must carry a time zone (e.g. 2025-07-15T17:00Z)")
    if ends <= starts:
        return ScheduleProblem(
            "ends",
            f"ends ({ends.isoformat()}) must be after starts ({starts.isoformat()})",
        )
    if ends - starts > timedelta(days=MAX_DAYS):
        return ScheduleProblem("ends", f"a meeting may last at most {MAX_DAYS} days")
    return None
