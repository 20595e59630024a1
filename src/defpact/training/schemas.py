"""Pydantic schemas of the training API: reference data, exercises, programmes, planning and
lessons (separate ``...In``/``...Public`` models; inputs forbid unknown fields and bound every
string). Schemas of the seat exchange and recruitment are in ``schemas_academy``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from defpact.core.schemas import MarkingIn, MarkingPublic
from defpact.training.lessons import LessonStep
from defpact.training.records import (
    AreaInfo,
    ExerciseDraft,
    ExerciseInfo,
    LessonInfo,
    MilestoneInfo,
    Period,
    ProgrammeInfo,
    Required,
    StageInfo,
    UnitInfo,
)

__all__ = [
    "AreaIn",
    "AreaPublic",
    "ExerciseIn",
    "ExercisePublic",
    "ExerciseUpdate",
    "LessonIn",
    "LessonPublic",
    "LessonStepIn",
    "MilestoneDocumentIn",
    "MilestoneIn",
    "MilestoneUpdate",
    "MilestonePublic",
    "PeriodIn",
    "ProgrammeApprove",
    "ProgrammePublic",
    "ProgrammeRelease",
    "ProgrammeSolve",
    "StagePublic",
    "StageUpdate",
    "UnitIn",
    "UnitPublic",
]

Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(max_length=200)]
NationCode = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Week = Annotated[int, Field(ge=-1000, le=1000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PeriodIn(_In):
    start: date
    end: date

    def period(self) -> Period:
        return Period(self.start, self.end)


class UnitIn(_In):
    code: Code
    name: Name
    nation: NationCode
    type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    home_base: Short = ""
    blackouts: list[PeriodIn] = Field(default_factory=list, max_length=100)


class UnitPublic(_Out):
    id: int
    code: str
    name: str
    nation: str
    type: str
    home_base: str
    blackouts: list[PeriodIn]

    @classmethod
    def of(cls, u: UnitInfo) -> UnitPublic:
        periods = [PeriodIn(start=p.start, end=p.end) for p in u.blackouts]
        return cls(
            id=u.id,
            code=u.code,
            name=u.name,
            nation=u.nation,
            type=u.type,
            home_base=u.home_base,
            blackouts=periods,
        )


class AreaIn(_In):
    code: Code
    name: Name
    host: NationCode
    type: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    capacity: int = Field(default=1, ge=-1000, le=1000)
    closures: list[PeriodIn] = Field(default_factory=list, max_length=100)


class AreaPublic(_Out):
    id: int
    code: str
    name: str
    host: str
    type: str
    capacity: int
    closures: list[PeriodIn]

    @classmethod
    def of(cls, a: AreaInfo) -> AreaPublic:
        periods = [PeriodIn(start=p.start, end=p.end) for p in a.closures]
        return cls(
            id=a.id,
            code=a.code,
            name=a.name,
            host=a.host,
            type=a.type,
            capacity=a.capacity,
            closures=periods,
        )


class RequiredIn(_In):
    named: list[Code] = Field(default_factory=list, max_length=50)
    sourced: dict[Annotated[str, StringConstraints(max_length=60)], int] = Field(
        default_factory=dict, max_length=20
    )


class _ExerciseFields(_In):
    code: Code
    name: Name
    type: Literal["live", "command-post", "computer-assisted"]
    year: int = Field(ge=2000, le=2100)
    nations: list[NationCode] = Field(max_length=40, description="participants besides the host")
    duration_weeks: Week
    earliest_week: Week
    latest_week: Week
    preferred_start: Week | None = None
    areas: list[Code] = Field(max_length=40)
    required_units: dict[NationCode, RequiredIn] = Field(default_factory=dict, max_length=40)
    priority: int = Field(default=1, ge=-1000, le=1000)
    mandatory: bool = False
    objectives: list[Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )
    interoperability_goals: list[Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )

    def draft(self) -> ExerciseDraft:
        return ExerciseDraft(
            code=self.code,
            name=self.name,
            type=self.type,
            year=self.year,
            nations=tuple(self.nations),
            duration_weeks=self.duration_weeks,
            earliest_week=self.earliest_week,
            latest_week=self.latest_week,
            areas=tuple(self.areas),
            required_units={
                n: Required(tuple(r.named), dict(r.sourced)) for n, r in self.required_units.items()
            },
            preferred_start=self.preferred_start,
            priority=self.priority,
            mandatory=self.mandatory,
            objectives=tuple(self.objectives),
            interoperability_goals=tuple(self.interoperability_goals),
        )


class ExerciseIn(_ExerciseFields):
    marking: MarkingIn = Field(default_factory=MarkingIn)


class ExerciseUpdate(_ExerciseFields):
    """The marking of an exercise does not change with an update."""

    version: int = Field(ge=1, le=2**31 - 1)


class ExercisePublic(_Out):
    id: int
    code: str
    name: str
    type: str
    year: int
    host: str
    nations: list[str]
    required_units: dict[str, dict[str, Any]]
    duration_weeks: int
    earliest_week: int
    latest_week: int
    preferred_start: int | None
    areas: list[str]
    priority: int
    mandatory: bool
    objectives: list[str]
    interoperability_goals: list[str]
    marking: MarkingPublic
    version: int
    updated_at: datetime
    withdrawn_at: datetime | None = Field(
        None, description="set when the originator withdrew it; others no longer see it"
    )

    @classmethod
    def of(cls, e: ExerciseInfo) -> ExercisePublic:
        required = {
            n: {"named": list(r.named), "sourced": dict(r.sourced)}
            for n, r in e.required_units.items()
        }
        return cls(
            id=e.id,
            code=e.code,
            name=e.name,
            type=e.type,
            year=e.year,
            host=e.host,
            nations=list(e.nations),
            required_units=required,
            duration_weeks=e.duration_weeks,
            earliest_week=e.earliest_week,
            latest_week=e.latest_week,
            preferred_start=e.preferred_start,
            areas=list(e.areas),
            priority=e.priority,
            mandatory=e.mandatory,
            objectives=list(e.objectives),
            interoperability_goals=list(e.interoperability_goals),
            marking=MarkingPublic.of(e.marking),
            version=e.version,
            updated_at=e.updated_at,
            withdrawn_at=e.withdrawn_at,
        )


class ProgrammeSolve(_In):
    year: int = Field(ge=2000, le=2100)
    time_limit_s: float = Field(default=20.0, gt=0, le=600)
    max_concurrent_per_host: int = Field(default=2, ge=1, le=50)
    min_rest_weeks: int = Field(default=1, ge=0, le=52)
    max_exercises_per_unit: int = Field(default=6, ge=1, le=52)
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


class ProgrammeApprove(_In):
    version: int = Field(ge=1, le=2**31 - 1)


class ProgrammeRelease(_In):
    exercise: Code


class AssignmentPublic(_Out):
    exercise_id: str
    name: str
    type: str
    host: str
    nations: list[str]
    area_id: str
    start_week: int
    end_week: int
    units: list[str]
    sourced_units: list[str]


class ConflictPublic(_Out):
    exercise_ids: list[str]
    minimal: bool
    reasons: list[str]


class ProgrammePublic(_Out):
    id: int
    year: int
    number: int
    state: str
    status: str
    complete: bool = Field(description="False when exercises the caller may not read are hidden")
    objective: int | None
    best_bound: float | None
    gap: float | None
    wall_time_s: float
    objective_terms: dict[str, int]
    assignments: list[AssignmentPublic]
    unscheduled: list[str]
    conflict: ConflictPublic | None
    pinned: list[str]
    released: list[str]
    note: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    version: int

    @classmethod
    def of(cls, p: ProgrammeInfo) -> ProgrammePublic:
        plan = p.plan
        conflict = plan.conflict
        return cls(
            id=p.id,
            year=p.year,
            number=p.number,
            state=p.state,
            status=p.solver_status,
            complete=p.complete,
            objective=plan.objective,
            best_bound=plan.best_bound,
            gap=plan.gap,
            wall_time_s=plan.wall_time_s,
            objective_terms=dict(plan.objective_terms),
            assignments=[AssignmentPublic.model_validate(a) for a in plan.assignments],
            unscheduled=list(plan.unscheduled),
            conflict=None if conflict is None else ConflictPublic.model_validate(conflict),
            pinned=[pin.exercise_id for pin in p.instance.pins],
            released=list(p.released),
            note=p.note,
            created_by=p.created_by,
            created_at=p.created_at,
            approved_by=p.approved_by,
            approved_at=p.approved_at,
            version=p.version,
        )


class StageUpdate(_In):
    status: Literal["pending", "active", "done"]


class MilestoneIn(_In):
    stage: Literal["initiation", "specification", "planning", "conduct", "analysis"]
    name: Name
    on: date
    place: Short = ""
    done: bool = False


class MilestoneUpdate(_In):
    name: Name
    on: date
    place: Short = ""
    done: bool = False


class MilestoneDocumentIn(_In):
    title: Name
    reference: Annotated[str, StringConstraints(max_length=500)] = ""


class DocumentPublic(_Out):
    title: str
    reference: str


class MilestonePublic(_Out):
    id: int
    stage: str
    name: str
    on: date
    place: str
    done: bool
    documents: list[DocumentPublic]

    @classmethod
    def of(cls, m: MilestoneInfo) -> MilestonePublic:
        return cls(
            id=m.id,
            stage=m.stage,
            name=m.name,
            on=m.on,
            place=m.place,
            done=m.done,
            documents=[DocumentPublic(title=t, reference=r) for t, r in m.documents],
        )


class StagePublic(_Out):
    stage: str
    status: str
    milestones: list[MilestonePublic]

    @classmethod
    def of(cls, s: StageInfo) -> StagePublic:
        return cls(
            stage=s.stage,
            status=s.status,
            milestones=[MilestonePublic.of(m) for m in s.milestones],
        )


class LessonIn(_In):
    exercise_id: int = Field(ge=1, le=2**31 - 1)
    title: Name
    observation: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    marking: MarkingIn = Field(default_factory=MarkingIn)


class LessonStepIn(_In):
    status: Literal["identified", "action", "learned"]
    version: int = Field(ge=1, le=2**31 - 1)
    lesson: Text = ""
    action: Text = ""
    action_owner: NationCode | None = None
    action_due: date | None = None
    validation: Text = ""

    def step(self) -> LessonStep:
        return LessonStep(
            self.status,
            self.lesson,
            self.action,
            self.action_owner,
            self.action_due,
            self.validation,
        )


class LessonPublic(_Out):
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
    marking: MarkingPublic
    version: int
    updated_at: datetime
    withdrawn_at: datetime | None = Field(
        None, description="set when the originator withdrew it; others no longer see it"
    )

    @classmethod
    def of(cls, x: LessonInfo) -> LessonPublic:
        return cls(
            id=x.id,
            exercise_id=x.exercise_id,
            exercise_code=x.exercise_code,
            title=x.title,
            observation=x.observation,
            status=x.status,
            lesson=x.lesson,
            action=x.action,
            action_owner=x.action_owner,
            action_due=x.action_due,
            validation=x.validation,
            author=x.author,
            marking=MarkingPublic.of(x.marking),
            version=x.version,
            updated_at=x.updated_at,
            withdrawn_at=x.withdrawn_at,
        )
