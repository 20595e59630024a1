"""Pydantic schemas of the seat exchange (academies, courses, iterations, bids, allocations,
nominations, ledger) and of recruitment cooperation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from defpact.core.identity import Clearance
from defpact.core.schemas import ClearanceName

__all__ = [
    "AcademyIn",
    "AcademyPublic",
    "AllocationIn",
    "AllocationPublic",
    "BidIn",
    "BidPublic",
    "CalendarPublic",
    "ClashPublic",
    "CourseIn",
    "CoursePublic",
    "EventCreated",
    "EventIn",
    "EventPublic",
    "FunnelPublic",
    "IterationIn",
    "IterationPublic",
    "LedgerPublic",
    "MetricIn",
    "NominationIn",
    "NominationPublic",
    "ReleasePublic",
]

Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
NationCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AcademyIn(_In):
    code: Code
    name: Name
    nation: NationCode
    kind: Literal["academy", "college", "school", "centre"]
    city: Annotated[str, StringConstraints(max_length=120)] = ""


class AcademyPublic(_Out):
    id: int
    code: str
    name: str
    nation: str
    kind: str
    city: str


class CourseIn(_In):
    academy_id: int = Field(ge=1, le=2**31 - 1)
    code: Code
    title: Name
    discipline: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    level: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    language: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    duration_weeks: Count
    clearance_required: ClearanceName = "UNCLASSIFIED"
    fee: float = Field(default=0.0, ge=-1e9, le=1e9)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] = "EUR"


class IterationIn(_In):
    course_id: int = Field(ge=1, le=2**31 - 1)
    code: Code
    starts: date
    ends: date
    seats: Count = Field(description="seats offered to partner nations")
    nomination_deadline: date


class IterationPublic(_Out):
    id: int
    code: str
    course_code: str
    title: str
    owner: str
    year: int
    starts: date
    ends: date
    seats: int
    nomination_deadline: date
    released: bool


class CoursePublic(_Out):
    id: int
    code: str
    academy: AcademyPublic
    title: str
    discipline: str
    level: str
    language: str
    duration_weeks: int
    clearance_required: str
    fee: float
    currency: str
    iterations: list[IterationPublic]


class BidIn(_In):
    nation: NationCode
    year: int = Field(ge=2000, le=2100)
    points: dict[Code, Count] = Field(max_length=500, description="must sum to 100")


class BidPublic(_Out):
    nation: str
    year: int
    points: dict[str, int]
    submitted_by: str
    updated_at: datetime


class AllocationIn(_In):
    year: int = Field(ge=2000, le=2100)
    method: Literal["nash", "round-robin"] = "nash"
    max_per_iteration: int = Field(default=1, ge=1, le=50)
    allow_own: bool = False
    order: list[NationCode] | None = Field(default=None, max_length=40)


class AllocationPublic(_Out):
    id: int
    year: int
    method: str
    status: str
    exact: bool
    max_per_iteration: int
    allow_own: bool
    seats: dict[str, dict[str, int]]
    utilities: dict[str, int]
    fairness: dict[str, Any]
    wall_time_s: float
    created_by: str
    created_at: datetime


class NominationIn(_In):
    nation: NationCode
    name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    rank: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    clearance_held: ClearanceName = Field(
        "UNCLASSIFIED", description="clearance level the nominating nation attests"
    )


class NominationPublic(_Out):
    id: int
    iteration: str
    nation: str
    name: str
    rank: str
    clearance_held: str
    status: str
    position: int

    @field_validator("clearance_held", mode="before")
    @classmethod
    def _level_name(cls, value: object) -> object:
        return value.name if isinstance(value, Clearance) else value


class ReleasePublic(_Out):
    iteration: str
    freed: int
    promoted: list[NominationPublic]


class LedgerPublic(_Out):
    nation: str
    offered: int
    given: int
    received: int
    balance: int


class EventIn(_In):
    nation: NationCode
    kind: Literal["campaign", "intake", "career-fair"]
    title: Name
    starts: date
    ends: date
    place: Annotated[str, StringConstraints(max_length=200)] = ""
    partners: list[NationCode] = Field(default_factory=list, max_length=40)
    audience: Annotated[str, StringConstraints(max_length=2000)] = ""


class EventPublic(_Out):
    id: int
    nation: str
    kind: str
    title: str
    starts: date
    ends: date
    place: str
    partners: list[str]


class ClashPublic(_Out):
    first: int
    second: int
    nations: list[str]
    message: str


class EventCreated(_Out):
    event: EventPublic
    clashes: list[ClashPublic]


class CalendarPublic(_Out):
    events: list[EventPublic]
    clashes: list[ClashPublic]


class MetricIn(_In):
    nation: NationCode
    year: int = Field(ge=2000, le=2100)
    channel: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    applications: Count
    enlistments: Count
    retained_12m: Count


class FunnelPublic(_Out):
    nation: str
    channel: str
    applications: int
    enlistments: int
    retained_12m: int
    conversion: float | None
    retention: float | None
