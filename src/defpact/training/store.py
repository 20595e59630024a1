"""Tables of the training context's exercise programme (SQLAlchemy 2, ``select()`` style).

Reference data (units, training areas) is not marked: every member reads it, and only the
owning nation changes it. Exercises and lessons are marked records (``MarkedMixin``): every read
takes the ``visible_to`` condition. A programme version stores the solver instance it was built
from and the plan it returned (JSON), so exports and the independent checker reproduce it
exactly; versions and exercises carry a version column (optimistic concurrency).

Availability is stored as dates (``[{"start": "2026-07-06", "end": "2026-07-19"}]``); the
instance builder turns dates into ISO weeks of the programme year.
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
from defpact.core.releasability import MarkedMixin

__all__ = [
    "AreaRow",
    "ExerciseRow",
    "LessonRow",
    "MilestoneDocumentRow",
    "MilestoneRow",
    "ProgrammeRow",
    "StageRow",
    "UnitRow",
]


class UnitRow(Base):
    __tablename__ = "trn_units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nation: Mapped[str] = mapped_column(String(2), index=True)
    type: Mapped[str] = mapped_column(String(60))
    home_base: Mapped[str] = mapped_column(String(200), default="")
    blackouts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AreaRow(Base):
    __tablename__ = "trn_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(2), index=True)
    type: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    closures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExerciseRow(MarkedMixin, Base):
    """An exercise of a programme year; ``originator`` is the host nation."""

    __tablename__ = "trn_exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer, index=True)
    nations: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_weeks: Mapped[int] = mapped_column(Integer)
    earliest_week: Mapped[int] = mapped_column(Integer)
    latest_week: Mapped[int] = mapped_column(Integer)
    preferred_start: Mapped[int | None] = mapped_column(Integer)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    interoperability_goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProgrammeRow(Base):
    """One solved version of a year's programme: ``draft`` -> ``approved`` (-> ``superseded``)."""

    __tablename__ = "trn_programmes"
    __table_args__ = (UniqueConstraint("year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    solver_status: Mapped[str] = mapped_column(String(20))
    objective: Mapped[int | None] = mapped_column(Integer)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    wall_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    instance: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    released: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class StageRow(Base):
    """A planning stage of an exercise (initiation ... analysis) and its progress."""

    __tablename__ = "trn_stages"
    __table_args__ = (UniqueConstraint("exercise_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("trn_exercises.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MilestoneRow(Base):
    """A configurable milestone event of a stage, e.g. the main planning conference."""

    __tablename__ = "trn_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("trn_exercises.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MilestoneDocumentRow(Base):
    __tablename__ = "trn_milestone_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("trn_milestones.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(500), default="")
    added_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LessonRow(MarkedMixin, Base):
    """Observation -> lesson identified -> action -> lesson learned, of one exercise."""

    __tablename__ = "trn_lessons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("trn_exercises.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    observation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="observation")
    lesson: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    action_owner: Mapped[str | None] = mapped_column(String(2))
    action_due: Mapped[date | None] = mapped_column(Date)
    validation: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
