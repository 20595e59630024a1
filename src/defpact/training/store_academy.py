"""Tables of the academy seat exchange and of recruitment cooperation.

Academies and colleges offer courses; a course runs as iterations (dated, with the seats
offered to partners and a nomination deadline). Each nation files one bid per intake year
(100 points over that year's iterations). An allocation stores its method, the seats per
nation and iteration and its fairness report. Nominations and waiting-list entries name a
person by name, rank and nation only, with the clearance level the nominating nation attests.
Recruitment rows hold a shared calendar and aggregated
figures per nation, year and channel: no personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow

__all__ = [
    "AcademyRow",
    "AllocationRow",
    "BidRow",
    "CourseRow",
    "IterationRow",
    "NominationRow",
    "RecruitmentEventRow",
    "RecruitmentMetricRow",
]


class AcademyRow(Base):
    __tablename__ = "trn_academies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nation: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(120), default="")


class CourseRow(Base):
    __tablename__ = "trn_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("trn_academies.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(40))
    duration_weeks: Mapped[int] = mapped_column(Integer)
    clearance_required: Mapped[int] = mapped_column(Integer, default=0)
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")


class IterationRow(Base):
    __tablename__ = "trn_iterations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("trn_courses.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    seats: Mapped[int] = mapped_column(Integer)
    nomination_deadline: Mapped[date] = mapped_column(Date)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BidRow(Base):
    __tablename__ = "trn_bids"
    __table_args__ = (UniqueConstraint("nation", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column(Integer, index=True)
    points: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    submitted_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AllocationRow(Base):
    __tablename__ = "trn_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    exact: Mapped[bool] = mapped_column(Boolean, default=False)
    max_per_iteration: Mapped[int] = mapped_column(Integer, default=1)
    allow_own: Mapped[bool] = mapped_column(Boolean, default=False)
    seats: Mapped[dict[str, Any]] = mapped_column(JSON)
    utilities: Mapped[dict[str, int]] = mapped_column(JSON)
    fairness: Mapped[dict[str, Any]] = mapped_column(JSON)
    wall_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NominationRow(Base):
    """A person nominated to a seat, or waiting for one (``status`` ``waiting``)."""

    __tablename__ = "trn_nominations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iteration_id: Mapped[int] = mapped_column(ForeignKey("trn_iterations.id"), index=True)
    nation: Mapped[str] = mapped_column(String(2), index=True)
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[str] = mapped_column(String(60))
    # the security clearance the nominating nation attests the person holds (Clearance value)
    clearance_held: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecruitmentEventRow(Base):
    __tablename__ = "trn_recruitment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts: Mapped[date] = mapped_column(Date, index=True)
    ends: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))


class RecruitmentMetricRow(Base):
    __tablename__ = "trn_recruitment_metrics"
    __table_args__ = (UniqueConstraint("nation", "year", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation: Mapped[str] = mapped_column(String(2), index=True)
    year: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(60))
    applications: Mapped[int] = mapped_column(Integer)
    enlistments: Mapped[int] = mapped_column(Integer)
    retained_12m: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
