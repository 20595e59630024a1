"""Use cases of exercises: marked records of a programme year, hosted by the author's nation.

An exercise is validated by the scheduler's own rules (``model.validate_instance``) against the
stored units and areas before it is stored, so the API refuses exactly what the scheduler would:
a window shorter than the duration (``latest_week``), a unit of a non-participating nation
(``required_units.<nation>``), an area in no host nation (``areas``), each a 422 naming the
field. Creating an exercise opens its five planning stages. Reads take ``visible_to``; an
exercise the caller may not read answers "no such exercise".

Withdrawing (the host nation) works like withdrawing an intelligence report: the exercise is
kept, with ``withdrawn_at`` set, for the host and the audit trail, and every other nation stops
seeing it (``visible_to`` hides withdrawn records from non-originators). The next solve of the
year leaves it out, so an approved version no longer pins it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.marking import Marking, banner
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.model import InstanceError, validate_instance
from defpact.training.programme_input import (
    build_instance,
    required_from_json,
    required_to_json,
)
from defpact.training.records import STAGES, ExerciseDraft, ExerciseInfo
from defpact.training.reference_service import area_of, unit_of
from defpact.training.replication import journal_exercise
from defpact.training.store import AreaRow, ExerciseRow, StageRow, UnitRow

__all__ = [
    "create_exercise",
    "exercise_id_by_code",
    "exercise_info",
    "get_exercise",
    "list_exercises",
    "load_exercise",
    "update_exercise",
    "visible_exercise_rows",
    "withdraw_exercise",
]


def exercise_info(row: ExerciseRow) -> ExerciseInfo:
    return ExerciseInfo(
        id=row.id,
        code=row.code,
        name=row.name,
        type=row.type,
        year=row.year,
        host=row.originator,
        nations=tuple(row.nations),
        required_units=required_from_json(row.required_units),
        duration_weeks=row.duration_weeks,
        earliest_week=row.earliest_week,
        latest_week=row.latest_week,
        preferred_start=row.preferred_start,
        areas=tuple(row.areas),
        priority=row.priority,
        mandatory=row.mandatory,
        objectives=tuple(row.objectives),
        interoperability_goals=tuple(row.interoperability_goals),
        marking=row.marking,
        version=row.version,
        updated_at=row.updated_at,
        withdrawn_at=row.withdrawn_at,
    )


def _check(session: Session, host: str, draft: ExerciseDraft) -> dict[str, Any]:
    """The stored fields of a draft, validated by the scheduler's rules against stored data."""
    code = access.checked_text(draft.code, "code", 40)
    if not 2000 <= draft.year <= 2100:
        raise InvalidInput("year must be 2000..2100", field="year")
    nations = tuple(dict.fromkeys((host, *draft.nations)))
    fields: dict[str, Any] = {
        "code": code,
        "name": access.checked_text(draft.name, "name", 200),
        "type": draft.type,
        "year": draft.year,
        "nations": list(nations),
        "required_units": required_to_json(draft.required_units),
        "duration_weeks": draft.duration_weeks,
        "earliest_week": draft.earliest_week,
        "latest_week": draft.latest_week,
        "preferred_start": draft.preferred_start,
        "areas": list(draft.areas),
        "priority": draft.priority,
        "mandatory": draft.mandatory,
        "objectives": [access.checked_text(t, "objectives", 500) for t in draft.objectives],
        "interoperability_goals": [
            access.checked_text(t, "interoperability_goals", 500)
            for t in draft.interoperability_goals
        ],
    }
    units = [unit_of(r) for r in session.scalars(select(UnitRow))]
    areas = [area_of(r) for r in session.scalars(select(AreaRow))]
    probe = _probe(host, fields)
    owners = {u.nation for u in units} | {a.host for a in areas}
    members = sorted(member_codes_in(session) | set(nations) | owners)
    instance = build_instance(draft.year, members, units, areas, [probe], holidays=False)
    try:
        validate_instance(instance)
    except InstanceError as exc:
        raise InvalidInput(exc.message, field=_field(exc.field, code)) from None
    for nation in nations:
        if nation not in member_codes_in(session):
            raise InvalidInput(f"{nation} is not a member of the pact", field="nations")
    return fields


def _probe(host: str, fields: dict[str, Any]) -> ExerciseInfo:
    return ExerciseInfo(
        id=0,
        code=fields["code"],
        name=fields["name"],
        type=fields["type"],
        year=fields["year"],
        host=host,
        nations=tuple(fields["nations"]),
        required_units=required_from_json(fields["required_units"]),
        duration_weeks=fields["duration_weeks"],
        earliest_week=fields["earliest_week"],
        latest_week=fields["latest_week"],
        preferred_start=fields["preferred_start"],
        areas=tuple(fields["areas"]),
        priority=fields["priority"],
        mandatory=fields["mandatory"],
        objectives=(),
        interoperability_goals=(),
        marking=Marking(host),
        version=0,
        updated_at=utcnow(),
    )


def _field(path: str, code: str) -> str:
    """``exercises[EX-1].latest_week`` -> ``latest_week``."""
    prefix = f"exercises[{code}]."
    return path.removeprefix(prefix) if path.startswith(prefix) else path


def create_exercise(
    uow: UnitOfWork, actor: Actor, draft: ExerciseDraft, marking: Marking
) -> ExerciseInfo:
    """A new exercise hosted by the author's nation (``marking.originator``)."""
    with uow:
        session = uow.session
        access.require_writer(session, actor, marking.originator, "exercises")
        access.check_marking(session, actor, marking)
        fields = _check(session, marking.originator, draft)
        if session.scalars(select(ExerciseRow).where(ExerciseRow.code == fields["code"])).first():
            raise Conflict(f"an exercise with code {fields['code']!r} exists", field="code")
        row = ExerciseRow(**fields, created_at=utcnow(), updated_at=utcnow())
        row.apply_marking(marking)
        session.add(row)
        session.flush()
        for position, stage in enumerate(STAGES):
            session.add(StageRow(exercise_id=row.id, stage=stage, position=position))
        journal_exercise(session, row)
        record_event(
            session,
            actor,
            "training.exercise.create",
            "training_exercise",
            row.id,
            object_nation=row.originator,
            after={**fields, "marking": banner(marking)},
        )
        info = exercise_info(row)
        uow.commit()
    return info


def update_exercise(
    uow: UnitOfWork, actor: Actor, exercise_id: int, draft: ExerciseDraft, *, version: int
) -> ExerciseInfo:
    """Change an exercise (its host nation only); ``version`` must be the one read."""
    with uow:
        session = uow.session
        row = load_exercise(session, actor, exercise_id)
        access.require_writer(session, actor, row.originator, "exercises")
        ensure_originated_here(session, row.originator, "exercise")
        if row.withdrawn_at is not None:
            raise Conflict(f"{row.code} was withdrawn; it can no longer change")
        if version != row.version:
            raise Conflict("the exercise was changed since you read it; reload", field="version")
        fields = _check(session, row.originator, draft)
        if fields["code"] != row.code:
            raise InvalidInput("the code of an exercise cannot change", field="code")
        before = {k: getattr(row, k) for k in fields}
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the exercise was changed concurrently; reload") from None
        journal_exercise(session, row)
        record_event(
            session,
            actor,
            "training.exercise.update",
            "training_exercise",
            row.id,
            object_nation=row.originator,
            before=before,
            after=fields,
        )
        info = exercise_info(row)
        uow.commit()
    return info


def visible_exercise_rows(
    session: Session, actor: Actor, year: int | None = None
) -> Sequence[ExerciseRow]:
    """Exercises ``actor`` may read: withdrawn ones only for their host (and the console)."""
    visible = access.visibility(ExerciseRow, actor, member_codes_in(session))
    stmt = select(ExerciseRow).where(visible)
    if year is not None:
        stmt = stmt.where(ExerciseRow.year == year)
    return session.scalars(stmt.order_by(ExerciseRow.year, ExerciseRow.code)).all()


def load_exercise(session: Session, actor: Actor, exercise_id: int) -> ExerciseRow:
    visible = access.visibility(ExerciseRow, actor, member_codes_in(session))
    row = session.scalars(select(ExerciseRow).where(ExerciseRow.id == exercise_id, visible)).first()
    if row is None:
        raise access.not_found("exercise", exercise_id)
    return row


def list_exercises(uow: UnitOfWork, actor: Actor, year: int | None = None) -> list[ExerciseInfo]:
    with uow:
        rows = visible_exercise_rows(uow.session, actor, year)
        access.audit_reads(uow.session, actor, "exercise", rows)
        infos = [exercise_info(r) for r in rows]
        uow.commit()
    return infos


def get_exercise(uow: UnitOfWork, actor: Actor, exercise_id: int) -> ExerciseInfo:
    with uow:
        row = load_exercise(uow.session, actor, exercise_id)
        access.audit_reads(uow.session, actor, "exercise", [row])
        info = exercise_info(row)
        uow.commit()
    return info


def withdraw_exercise(uow: UnitOfWork, actor: Actor, exercise_id: int) -> ExerciseInfo:
    """Withdraw an exercise (its host nation); withdrawing twice changes nothing."""
    with uow:
        session = uow.session
        row = load_exercise(session, actor, exercise_id)
        access.require_writer(session, actor, row.originator, "exercises")
        ensure_originated_here(session, row.originator, "exercise")
        if row.withdrawn_at is None:
            row.withdrawn_at = row.updated_at = utcnow()
            try:
                session.flush()
            except StaleDataError:
                raise Conflict("the exercise was changed concurrently; reload") from None
            journal_exercise(session, row)  # peers holding it withdraw it too
            record_event(
                session,
                actor,
                "training.exercise.withdraw",
                "training_exercise",
                row.id,
                object_nation=row.originator,
                before={"code": row.code, "withdrawn_at": None},
                after={"code": row.code, "withdrawn_at": row.withdrawn_at},
            )
        info = exercise_info(row)
        uow.commit()
    return info


def exercise_id_by_code(uow: UnitOfWork, actor: Actor, code: str) -> int:
    """The id of the exercise ``code`` the caller may read (else "no such exercise")."""
    with uow:
        visible = access.visibility(ExerciseRow, actor, member_codes_in(uow.session))
        found = uow.session.scalar(select(ExerciseRow.id).where(ExerciseRow.code == code, visible))
    if found is None:
        raise access.not_found("exercise", code)
    return int(found)
