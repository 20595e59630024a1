"""Use cases of exercise planning (stages, milestone events, their documents) and lessons.

Stages and milestones belong to an exercise and are seen by whoever may read it; the training
officers of its participating nations plan it. Lessons are marked records of their own: the
author's nation originates them, only that nation advances them through the cycle
(``lessons.next_step``), and readers get them through ``visible_to``. An exercise or lesson the
caller may not read answers "no such ...".

A lesson's nation may withdraw it: it is kept for that nation and the audit trail and hidden
from every other nation (``visible_to``), exactly like a withdrawn intelligence report.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.marking import Marking, banner
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.exercise_service import load_exercise
from defpact.training.lessons import STAGE_STATUSES, LessonStep, next_step
from defpact.training.records import STAGES, LessonInfo, MilestoneInfo, StageInfo
from defpact.training.replication import journal_lesson
from defpact.training.store import (
    ExerciseRow,
    LessonRow,
    MilestoneDocumentRow,
    MilestoneRow,
    StageRow,
)

__all__ = [
    "add_milestone",
    "add_milestone_document",
    "advance_lesson",
    "create_lesson",
    "get_lesson",
    "list_lessons",
    "list_stages",
    "set_stage_status",
    "update_milestone",
    "withdraw_lesson",
]


def _planner(session: Session, actor: Actor, exercise: ExerciseRow) -> None:
    """A training officer or admin of a participating nation (or the console)."""
    nation = access.require_planner(session, actor)
    if nation is not None and nation not in exercise.nations:
        raise PermissionDenied(f"only the nations of {exercise.code} plan it")
    _not_withdrawn(exercise)


def _not_withdrawn(exercise: ExerciseRow) -> None:
    if exercise.withdrawn_at is not None:
        raise Conflict(f"{exercise.code} was withdrawn; it is no longer planned")


def _stages(session: Session, exercise_id: int) -> list[StageInfo]:
    docs: dict[int, list[tuple[str, str]]] = {}
    milestones = session.scalars(
        select(MilestoneRow)
        .where(MilestoneRow.exercise_id == exercise_id)
        .order_by(MilestoneRow.on, MilestoneRow.id)
    ).all()
    if milestones:
        for d in session.scalars(
            select(MilestoneDocumentRow)
            .where(MilestoneDocumentRow.milestone_id.in_([m.id for m in milestones]))
            .order_by(MilestoneDocumentRow.id)
        ):
            docs.setdefault(d.milestone_id, []).append((d.title, d.reference))
    rows = session.scalars(
        select(StageRow).where(StageRow.exercise_id == exercise_id).order_by(StageRow.position)
    )
    return [
        StageInfo(
            s.stage,
            s.status,
            tuple(
                MilestoneInfo(
                    m.id, m.stage, m.name, m.on, m.place, m.done, tuple(docs.get(m.id, ()))
                )
                for m in milestones
                if m.stage == s.stage
            ),
        )
        for s in rows
    ]


def list_stages(uow: UnitOfWork, actor: Actor, exercise_id: int) -> list[StageInfo]:
    with uow:
        load_exercise(uow.session, actor, exercise_id)
        return _stages(uow.session, exercise_id)


def set_stage_status(
    uow: UnitOfWork, actor: Actor, exercise_id: int, stage: str, status: str
) -> list[StageInfo]:
    if status not in STAGE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STAGE_STATUSES)}", field="status")
    with uow:
        session = uow.session
        exercise = load_exercise(session, actor, exercise_id)
        _planner(session, actor, exercise)
        row = session.scalars(
            select(StageRow).where(StageRow.exercise_id == exercise_id, StageRow.stage == stage)
        ).first()
        if row is None:
            raise InvalidInput(f"stage must be one of {', '.join(STAGES)}", field="stage")
        before = row.status
        row.status, row.updated_at = status, utcnow()
        session.flush()
        record_event(
            session,
            actor,
            "training.stage.update",
            "training_exercise",
            exercise_id,
            object_nation=exercise.originator,
            before={"stage": stage, "status": before},
            after={"stage": stage, "status": status},
        )
        stages = _stages(session, exercise_id)
        uow.commit()
    return stages


def add_milestone(
    uow: UnitOfWork,
    actor: Actor,
    exercise_id: int,
    *,
    stage: str,
    name: str,
    on: date,
    place: str = "",
    done: bool = False,
) -> MilestoneInfo:
    """A milestone event of a stage, e.g. the initial, main or final planning conference."""
    if stage not in STAGES:
        raise InvalidInput(f"stage must be one of {', '.join(STAGES)}", field="stage")
    title = access.checked_text(name, "name", 200)
    where = access.checked_text(place, "place", 200, required=False)
    with uow:
        session = uow.session
        exercise = load_exercise(session, actor, exercise_id)
        _planner(session, actor, exercise)
        row = MilestoneRow(
            exercise_id=exercise_id,
            stage=stage,
            name=title,
            on=on,
            place=where,
            done=done,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.milestone.create",
            "training_milestone",
            row.id,
            object_nation=exercise.originator,
            after={"exercise": exercise.code, "stage": stage, "name": title, "on": on},
        )
        info = MilestoneInfo(row.id, stage, title, on, where, done, ())
        uow.commit()
    return info


def update_milestone(
    uow: UnitOfWork,
    actor: Actor,
    milestone_id: int,
    *,
    name: str,
    on: date,
    place: str = "",
    done: bool = False,
) -> MilestoneInfo:
    """Edit a milestone event (name, date, place) or mark it done."""
    title = access.checked_text(name, "name", 200)
    where = access.checked_text(place, "place", 200, required=False)
    with uow:
        session = uow.session
        row, exercise = _milestone(session, actor, milestone_id)
        _planner(session, actor, exercise)
        before = {"name": row.name, "on": row.on, "place": row.place, "done": row.done}
        row.name, row.on, row.place, row.done = title, on, where, done
        session.flush()
        record_event(
            session,
            actor,
            "training.milestone.update",
            "training_milestone",
            row.id,
            object_nation=exercise.originator,
            before=before,
            after={"name": title, "on": on, "place": where, "done": done},
        )
        docs = session.scalars(
            select(MilestoneDocumentRow)
            .where(MilestoneDocumentRow.milestone_id == row.id)
            .order_by(MilestoneDocumentRow.id)
        )
        info = MilestoneInfo(
            row.id, row.stage, title, on, where, done, tuple((d.title, d.reference) for d in docs)
        )
        uow.commit()
    return info


def _milestone(
    session: Session, actor: Actor, milestone_id: int
) -> tuple[MilestoneRow, ExerciseRow]:
    """A milestone of an exercise the caller may read (else "no such milestone")."""
    milestone = session.get(MilestoneRow, milestone_id)
    if milestone is None:
        raise access.not_found("milestone", milestone_id)
    try:
        exercise = load_exercise(session, actor, milestone.exercise_id)
    except NotFound:
        raise access.not_found("milestone", milestone_id) from None
    return milestone, exercise


def add_milestone_document(
    uow: UnitOfWork, actor: Actor, milestone_id: int, title: str, reference: str = ""
) -> list[StageInfo]:
    name = access.checked_text(title, "title", 200)
    ref = access.checked_text(reference, "reference", 500, required=False)
    with uow:
        session = uow.session
        _, exercise = _milestone(session, actor, milestone_id)
        _planner(session, actor, exercise)
        row = MilestoneDocumentRow(
            milestone_id=milestone_id,
            title=name,
            reference=ref,
            added_by=actor.name,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.milestone.document",
            "training_milestone",
            milestone_id,
            object_nation=exercise.originator,
            after={"title": name, "reference": ref},
        )
        stages = _stages(session, exercise.id)
        uow.commit()
    return stages


def _lesson_info(row: LessonRow, code: str) -> LessonInfo:
    return LessonInfo(
        id=row.id,
        exercise_id=row.exercise_id,
        exercise_code=code,
        title=row.title,
        observation=row.observation,
        status=row.status,
        lesson=row.lesson,
        action=row.action,
        action_owner=row.action_owner,
        action_due=row.action_due,
        validation=row.validation,
        author=row.author,
        marking=row.marking,
        version=row.version,
        updated_at=row.updated_at,
        withdrawn_at=row.withdrawn_at,
    )


def create_lesson(
    uow: UnitOfWork, actor: Actor, exercise_id: int, title: str, observation: str, marking: Marking
) -> LessonInfo:
    """An observation of an exercise the author may read, marked by the author's nation."""
    name = access.checked_text(title, "title", 200)
    text = access.checked_text(observation, "observation", 20_000)
    with uow:
        session = uow.session
        exercise = load_exercise(session, actor, exercise_id)
        access.require_writer(session, actor, marking.originator, "lessons")
        _not_withdrawn(exercise)
        access.check_marking(session, actor, marking)
        now = utcnow()
        row = LessonRow(
            exercise_id=exercise_id,
            title=name,
            observation=text,
            status="observation",
            author=actor.name,
            created_at=now,
            updated_at=now,
        )
        row.apply_marking(marking)
        session.add(row)
        session.flush()
        journal_lesson(session, row)
        record_event(
            session,
            actor,
            "training.lesson.create",
            "training_lesson",
            row.id,
            object_nation=row.originator,
            after={"exercise": exercise.code, "title": name, "marking": banner(marking)},
        )
        info = _lesson_info(row, exercise.code)
        uow.commit()
    return info


def _visible_lessons(session: Session, actor: Actor) -> Select[LessonRow, str]:
    """Lessons the caller may read, of exercises the caller may read too (``visible_to`` shows
    withdrawn ones to their own nation only). A nation keeps its own lessons of an exercise
    that was withdrawn or is no longer released to it."""
    members = member_codes_in(session)
    exercise_ok = access.visibility(ExerciseRow, actor, members)
    if actor.principal is not None:
        exercise_ok = or_(exercise_ok, LessonRow.originator == actor.principal.nation)
    return (
        select(LessonRow, ExerciseRow.code)
        .join(ExerciseRow, ExerciseRow.id == LessonRow.exercise_id)
        .where(access.visibility(LessonRow, actor, members), exercise_ok)
    )


def _load_lesson(session: Session, actor: Actor, lesson_id: int) -> tuple[LessonRow, str]:
    found = session.execute(_visible_lessons(session, actor).where(LessonRow.id == lesson_id))
    first = found.first()
    if first is None:
        raise access.not_found("lesson", lesson_id)
    return first[0], first[1]


def advance_lesson(
    uow: UnitOfWork, actor: Actor, lesson_id: int, step: LessonStep, *, version: int
) -> LessonInfo:
    with uow:
        session = uow.session
        row, code = _load_lesson(session, actor, lesson_id)
        access.require_writer(session, actor, row.originator, "lessons")
        ensure_originated_here(session, row.originator, "lesson")
        if row.withdrawn_at is not None:
            raise Conflict("the lesson was withdrawn; it can no longer advance")
        if row.version != version:
            raise Conflict("the lesson changed since you read it; reload", field="version")
        if step.action_owner is not None:
            step = LessonStep(
                step.status,
                step.lesson,
                step.action,
                require_nation(step.action_owner),
                step.action_due,
                step.validation,
            )
        changes = next_step(row.status, step)
        before = {"status": row.status}
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the lesson was changed concurrently; reload") from None
        journal_lesson(session, row)
        record_event(
            session,
            actor,
            "training.lesson.advance",
            "training_lesson",
            row.id,
            object_nation=row.originator,
            before=before,
            after=changes,
        )
        info = _lesson_info(row, code)
        uow.commit()
    return info


def list_lessons(uow: UnitOfWork, actor: Actor, exercise_id: int | None = None) -> list[LessonInfo]:
    with uow:
        session = uow.session
        stmt = _visible_lessons(session, actor)
        if exercise_id is not None:
            load_exercise(session, actor, exercise_id)
            stmt = stmt.where(LessonRow.exercise_id == exercise_id)
        found = session.execute(stmt.order_by(LessonRow.id)).all()
        access.audit_reads(session, actor, "lesson", [r for r, _ in found])
        infos = [_lesson_info(r, c) for r, c in found]
        uow.commit()
    return infos


def get_lesson(uow: UnitOfWork, actor: Actor, lesson_id: int) -> LessonInfo:
    with uow:
        row, code = _load_lesson(uow.session, actor, lesson_id)
        access.audit_reads(uow.session, actor, "lesson", [row])
        info = _lesson_info(row, code)
        uow.commit()
    return info


def withdraw_lesson(uow: UnitOfWork, actor: Actor, lesson_id: int) -> LessonInfo:
    """Withdraw a lesson (its nation); withdrawing twice changes nothing."""
    with uow:
        session = uow.session
        row, code = _load_lesson(session, actor, lesson_id)
        access.require_writer(session, actor, row.originator, "lessons")
        ensure_originated_here(session, row.originator, "lesson")
        if row.withdrawn_at is None:
            row.withdrawn_at = row.updated_at = utcnow()
            try:
                session.flush()
            except StaleDataError:
                raise Conflict("the lesson was changed concurrently; reload") from None
            journal_lesson(session, row)  # peers holding it withdraw it too
            record_event(
                session,
                actor,
                "training.lesson.withdraw",
                "training_lesson",
                row.id,
                object_nation=row.originator,
                before={"withdrawn_at": None},
                after={"exercise": code, "withdrawn_at": row.withdrawn_at},
            )
        info = _lesson_info(row, code)
        uow.commit()
    return info
