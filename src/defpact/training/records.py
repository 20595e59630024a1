"""What the training services return: frozen records (never ORM rows).

Dates of availability (unit blackouts, area closures) are ``Period``s of calendar days; the
programme builder (``programme_input``) turns them into ISO weeks of a programme year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from defpact.core.marking import Marking
from defpact.training.model import Instance, Plan

__all__ = [
    "STAGES",
    "AreaInfo",
    "ExerciseDraft",
    "ExerciseInfo",
    "LessonInfo",
    "MilestoneInfo",
    "Period",
    "ProgrammeInfo",
    "Required",
    "StageInfo",
    "UnitInfo",
]

STAGES = ("initiation", "specification", "planning", "conduct", "analysis")


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    nation: str
    type: str
    home_base: str
    blackouts: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class AreaInfo:
    id: int
    code: str
    name: str
    host: str
    type: str
    capacity: int
    closures: tuple[Period, ...]


@dataclass(frozen=True, slots=True)
class Required:
    """Units a nation sends: named unit codes and/or a count per unit type to be sourced."""

    named: tuple[str, ...] = ()
    sourced: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExerciseDraft:
    code: str
    name: str
    type: str
    year: int
    nations: tuple[str, ...]
    duration_weeks: int
    earliest_week: int
    latest_week: int
    areas: tuple[str, ...]
    required_units: Mapping[str, Required] = field(default_factory=dict)
    preferred_start: int | None = None
    priority: int = 1
    mandatory: bool = False
    objectives: tuple[str, ...] = ()
    interoperability_goals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExerciseInfo:
    id: int
    code: str
    name: str
    type: str
    year: int
    host: str
    nations: tuple[str, ...]
    required_units: Mapping[str, Required]
    duration_weeks: int
    earliest_week: int
    latest_week: int
    preferred_start: int | None
    areas: tuple[str, ...]
    priority: int
    mandatory: bool
    objectives: tuple[str, ...]
    interoperability_goals: tuple[str, ...]
    marking: Marking
    version: int
    updated_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProgrammeInfo:
    """A programme version as the caller may see it.

    ``plan`` holds only the exercises the caller may read; when some are hidden ``complete`` is
    False and the programme-level figures (objective, bound, gap, terms) are withheld, since
    they are sums over every exercise.
    """

    id: int
    year: int
    number: int
    state: str
    solver_status: str
    plan: Plan
    instance: Instance
    complete: bool
    released: tuple[str, ...]
    note: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    version: int


@dataclass(frozen=True, slots=True)
class MilestoneInfo:
    id: int
    stage: str
    name: str
    on: date
    place: str
    done: bool
    documents: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StageInfo:
    stage: str
    status: str
    milestones: tuple[MilestoneInfo, ...]


@dataclass(frozen=True, slots=True)
class LessonInfo:
    id: int
    exercise_id: int
    exercise_code: str
    title: str
    observation: str
    status: str
    lesson: str
    action: str
    action_owner: str | None
    action_due: date | None
    validation: str
    author: str
    marking: Marking
    version: int
    updated_at: datetime
    withdrawn_at: datetime | None = None
