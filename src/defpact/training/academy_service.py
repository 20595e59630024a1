"""Use cases of the course catalogue: academies and colleges, courses and their iterations.

The catalogue is read by every member; a nation's training officers (or admins) maintain their
own academies' entries. Each use case runs in one unit of work with its audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.store_academy import AcademyRow, CourseRow, IterationRow

__all__ = [
    "ACADEMY_KINDS",
    "AcademyInfo",
    "CourseDraft",
    "CourseInfo",
    "IterationDraft",
    "IterationInfo",
    "catalogue",
    "create_academy",
    "create_course",
    "create_iteration",
    "get_iteration",
    "iteration_info",
    "list_academies",
]

ACADEMY_KINDS = ("academy", "college", "school", "centre")


@dataclass(frozen=True, slots=True)
class AcademyInfo:
    id: int
    code: str
    name: str
    nation: str
    kind: str
    city: str


@dataclass(frozen=True, slots=True)
class CourseDraft:
    academy_id: int
    code: str
    title: str
    discipline: str
    level: str
    language: str
    duration_weeks: int
    clearance_required: Clearance = Clearance.UNCLASSIFIED
    fee: float = 0.0
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class IterationInfo:
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


@dataclass(frozen=True, slots=True)
class CourseInfo:
    id: int
    code: str
    academy: AcademyInfo
    title: str
    discipline: str
    level: str
    language: str
    duration_weeks: int
    clearance_required: Clearance
    fee: float
    currency: str
    iterations: tuple[IterationInfo, ...]


@dataclass(frozen=True, slots=True)
class IterationDraft:
    course_id: int
    code: str
    starts: date
    ends: date
    seats: int
    nomination_deadline: date


def _academy(row: AcademyRow) -> AcademyInfo:
    return AcademyInfo(row.id, row.code, row.name, row.nation, row.kind, row.city)


def iteration_info(row: IterationRow, course: CourseRow, academy: AcademyRow) -> IterationInfo:
    return IterationInfo(
        row.id,
        row.code,
        course.code,
        course.title,
        academy.nation,
        row.year,
        row.starts,
        row.ends,
        row.seats,
        row.nomination_deadline,
        row.released_at is not None,
    )


def create_academy(
    uow: UnitOfWork, actor: Actor, *, code: str, name: str, nation: str, kind: str, city: str = ""
) -> AcademyInfo:
    nation = require_nation(nation)
    if kind not in ACADEMY_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(ACADEMY_KINDS)}", field="kind")
    fields = {
        "code": access.checked_text(code, "code", 40),
        "name": access.checked_text(name, "name", 200),
        "city": access.checked_text(city, "city", 120, required=False),
    }
    with uow:
        session = uow.session
        if nation not in member_codes_in(session):
            raise InvalidInput(f"{nation} is not a member of the pact", field="nation")
        access.require_writer(session, actor, nation, "academies")
        if session.scalars(select(AcademyRow).where(AcademyRow.code == fields["code"])).first():
            raise Conflict(f"an academy with code {fields['code']!r} exists", field="code")
        row = AcademyRow(nation=nation, kind=kind, **fields)
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.academy.create",
            "training_academy",
            row.id,
            object_nation=nation,
            after={**fields, "nation": nation, "kind": kind},
        )
        info = _academy(row)
        uow.commit()
    return info


def list_academies(uow: UnitOfWork) -> list[AcademyInfo]:
    with uow:
        rows = uow.session.scalars(select(AcademyRow).order_by(AcademyRow.nation, AcademyRow.name))
        return [_academy(r) for r in rows]


def _owned_academy(session: Session, actor: Actor, academy_id: int) -> AcademyRow:
    academy = session.get(AcademyRow, academy_id)
    if academy is None:
        raise InvalidInput(f"no academy {academy_id}", field="academy_id")
    access.require_writer(session, actor, academy.nation, "courses")
    return academy


def create_course(uow: UnitOfWork, actor: Actor, draft: CourseDraft) -> CourseInfo:
    if not 1 <= draft.duration_weeks <= 156:
        raise InvalidInput("duration_weeks must be 1..156", field="duration_weeks")
    if draft.fee < 0:
        raise InvalidInput("fee must not be negative", field="fee")
    fields = {
        "code": access.checked_text(draft.code, "code", 40),
        "title": access.checked_text(draft.title, "title", 200),
        "discipline": access.checked_text(draft.discipline, "discipline", 120),
        "level": access.checked_text(draft.level, "level", 60),
        "language": access.checked_text(draft.language, "language", 40),
        "duration_weeks": draft.duration_weeks,
        "clearance_required": int(draft.clearance_required),
        "fee_cents": round(draft.fee * 100),
        "currency": access.checked_text(draft.currency, "currency", 3).upper(),
    }
    with uow:
        session = uow.session
        academy = _owned_academy(session, actor, draft.academy_id)
        if session.scalars(select(CourseRow).where(CourseRow.code == fields["code"])).first():
            raise Conflict(f"a course with code {fields['code']!r} exists", field="code")
        row = CourseRow(academy_id=academy.id, **fields)
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.course.create",
            "training_course",
            row.id,
            object_nation=academy.nation,
            after={**fields, "academy": academy.code},
        )
        info = _course(row, academy, [])
        uow.commit()
    return info


def _course(row: CourseRow, academy: AcademyRow, its: list[IterationRow]) -> CourseInfo:
    return CourseInfo(
        row.id,
        row.code,
        _academy(academy),
        row.title,
        row.discipline,
        row.level,
        row.language,
        row.duration_weeks,
        Clearance(row.clearance_required),
        row.fee_cents / 100,
        row.currency,
        tuple(iteration_info(i, row, academy) for i in its),
    )


def create_iteration(uow: UnitOfWork, actor: Actor, draft: IterationDraft) -> IterationInfo:
    code = access.checked_text(draft.code, "code", 40)
    if draft.ends < draft.starts:
        raise InvalidInput("the iteration ends before it starts", field="ends")
    if draft.nomination_deadline > draft.starts:
        raise InvalidInput(
            "nominations close before the course starts", field="nomination_deadline"
        )
    if not 0 <= draft.seats <= 500:
        raise InvalidInput("seats offered to partners must be 0..500", field="seats")
    with uow:
        session = uow.session
        course = session.get(CourseRow, draft.course_id)
        if course is None:
            raise InvalidInput(f"no course {draft.course_id}", field="course_id")
        academy = _owned_academy(session, actor, course.academy_id)
        if session.scalars(select(IterationRow).where(IterationRow.code == code)).first():
            raise Conflict(f"an iteration with code {code!r} exists", field="code")
        row = IterationRow(
            course_id=course.id,
            code=code,
            year=draft.starts.year,
            starts=draft.starts,
            ends=draft.ends,
            seats=draft.seats,
            nomination_deadline=draft.nomination_deadline,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.iteration.create",
            "training_iteration",
            row.id,
            object_nation=academy.nation,
            after={
                "course": course.code,
                "code": code,
                "starts": draft.starts,
                "ends": draft.ends,
                "seats": draft.seats,
                "deadline": draft.nomination_deadline,
            },
        )
        info = iteration_info(row, course, academy)
        uow.commit()
    return info


def catalogue(uow: UnitOfWork, year: int | None = None) -> list[CourseInfo]:
    """Every course with its iterations (of ``year`` when given), by academy nation and code."""
    with uow:
        session = uow.session
        stmt = select(IterationRow).order_by(IterationRow.starts, IterationRow.code)
        if year is not None:
            stmt = stmt.where(IterationRow.year == year)
        its: dict[int, list[IterationRow]] = {}
        for it in session.scalars(stmt):
            its.setdefault(it.course_id, []).append(it)
        rows = session.execute(
            select(CourseRow, AcademyRow)
            .join(AcademyRow, AcademyRow.id == CourseRow.academy_id)
            .order_by(AcademyRow.nation, CourseRow.code)
        ).all()
        return [_course(c, a, its.get(c.id, [])) for c, a in rows]


def get_iteration(uow: UnitOfWork, iteration_id: int) -> tuple[IterationInfo, Clearance]:
    """One course iteration and the clearance its course requires."""
    with uow:
        found = uow.session.execute(
            select(IterationRow, CourseRow, AcademyRow)
            .join(CourseRow, CourseRow.id == IterationRow.course_id)
            .join(AcademyRow, AcademyRow.id == CourseRow.academy_id)
            .where(IterationRow.id == iteration_id)
        ).first()
        if found is None:
            raise access.not_found("course iteration", iteration_id)
        it, course, academy = found
        return iteration_info(it, course, academy), Clearance(course.clearance_required)
