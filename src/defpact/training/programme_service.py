"""Use cases of the yearly programme: solve a draft version from stored data, approve it,
release an approved exercise for re-planning, and read versions as the caller may see them.

A solve reads the year's exercises, units and areas in one transaction, runs the CP-SAT
scheduler outside any transaction, and stores the version (instance + plan) with its audit
event in a second one. A re-plan pins every exercise of the newest approved version at its
start week and area (and sourced units, while they are still valid) unless it was released.
An infeasible programme is a stored answer (status INFEASIBLE with the conflicting set), not an
error. The programme covers every exercise of the year; a caller sees only the exercises they
may read (``ProgrammeInfo.complete`` tells whether some were withheld).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.exercise_service import exercise_info, visible_exercise_rows
from defpact.training.instance import instance_from_dict, instance_to_dict
from defpact.training.model import Config, Instance, InstanceError, Pin, validate_instance
from defpact.training.programme_input import build_instance, plan_from_dict
from defpact.training.records import ProgrammeInfo
from defpact.training.reference_service import area_of, unit_of
from defpact.training.scheduler import schedule
from defpact.training.store import AreaRow, ExerciseRow, ProgrammeRow, UnitRow

__all__ = [
    "SolveOptions",
    "approve_programme",
    "build_year_instance",
    "get_programme",
    "list_programmes",
    "release_exercise",
    "solve_programme",
]


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit_s: float = 20.0
    max_concurrent_per_host: int = 2
    min_rest_weeks: int = 1
    max_exercises_per_unit: int = 6
    note: str = ""


def _config(options: SolveOptions) -> Config:
    if not 0 < options.time_limit_s <= 600:
        raise InvalidInput("time_limit_s must be in (0, 600]", field="time_limit_s")
    return Config(
        max_concurrent_per_host=options.max_concurrent_per_host,
        min_rest_weeks=options.min_rest_weeks,
        max_exercises_per_unit=options.max_exercises_per_unit,
        time_limit_s=options.time_limit_s,
    )


def _approved(session: Session, year: int) -> ProgrammeRow | None:
    stmt = select(ProgrammeRow).where(ProgrammeRow.year == year, ProgrammeRow.state == "approved")
    return session.scalars(stmt.order_by(ProgrammeRow.number.desc())).first()


def _pins(row: ProgrammeRow | None) -> list[Pin]:
    if row is None:
        return []
    plan = plan_from_dict(row.plan)
    return [
        Pin(a.exercise_id, a.start_week, a.area_id, a.sourced_units)
        for a in plan.assignments
        if a.exercise_id not in set(row.released)
    ]


def _valid_pins(instance: Instance) -> Instance:
    """Drop pins the stored data no longer allows (their units first, then the pin)."""
    for _ in range(2 * len(instance.pins) + 1):
        try:
            validate_instance(instance)
            return instance
        except InstanceError as exc:
            if not exc.field.startswith("pinned["):
                raise
            code = exc.field[len("pinned[") :].split("]", 1)[0]
            pins = []
            for pin in instance.pins:
                if pin.exercise_id != code:
                    pins.append(pin)
                elif exc.field.endswith(".units") and pin.units:
                    pins.append(dataclasses.replace(pin, units=()))
            instance = dataclasses.replace(instance, pins=tuple(pins))
    validate_instance(instance)
    return instance


def build_year_instance(session: Session, year: int, options: SolveOptions) -> Instance:
    """The scheduler instance of ``year`` from every stored exercise, unit and area."""
    exercises = [
        exercise_info(r)
        for r in session.scalars(
            select(ExerciseRow)
            .where(ExerciseRow.year == year, ExerciseRow.withdrawn_at.is_(None))
            .order_by(ExerciseRow.code)
        )
    ]
    if not exercises:
        raise InvalidInput(f"no exercises are planned for {year}", field="year")
    units = [unit_of(r) for r in session.scalars(select(UnitRow).order_by(UnitRow.code))]
    areas = [area_of(r) for r in session.scalars(select(AreaRow).order_by(AreaRow.code))]
    codes = {e.code for e in exercises}
    pins = [p for p in _pins(_approved(session, year)) if p.exercise_id in codes]
    nations = member_codes_in(session) | {u.nation for u in units} | {a.host for a in areas}
    nations |= {n for e in exercises for n in e.nations}
    instance = build_instance(
        year, sorted(nations), units, areas, exercises, pins=pins, config=_config(options)
    )
    try:
        return _valid_pins(instance)
    except InstanceError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None


def solve_programme(
    uow: UnitOfWork, actor: Actor, year: int, options: SolveOptions | None = None
) -> ProgrammeInfo:
    """Solve ``year`` and store the result as a new draft version."""
    options = options or SolveOptions()
    note = access.checked_text(options.note, "note", 2000, required=False)
    with uow:
        access.require_planner(uow.session, actor)
        instance = build_year_instance(uow.session, year, options)
    plan = schedule(instance)
    with uow:
        session = uow.session
        number = (
            session.scalar(select(func.max(ProgrammeRow.number)).where(ProgrammeRow.year == year))
            or 0
        )
        row = ProgrammeRow(
            year=year,
            number=number + 1,
            state="draft",
            solver_status=plan.status,
            objective=plan.objective,
            bound=plan.best_bound,
            gap=plan.gap,
            wall_time_s=plan.wall_time_s,
            instance=instance_to_dict(instance),
            plan=dataclasses.asdict(plan),
            released=[],
            note=note,
            created_by=actor.name,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.programme.solve",
            "training_programme",
            row.id,
            after={
                "year": year,
                "number": row.number,
                "status": plan.status,
                "objective": plan.objective,
                "gap": plan.gap,
                "pinned": [p.exercise_id for p in instance.pins],
            },
        )
        info = _view(session, actor, row)
        uow.commit()
    return info


def _view(session: Session, actor: Actor, row: ProgrammeRow) -> ProgrammeInfo:
    instance = instance_from_dict(row.instance)
    plan = plan_from_dict(row.plan)
    rows = visible_exercise_rows(session, actor, row.year)
    visible = {r.code for r in rows}
    every = {e.id for e in instance.exercises}
    shown = {a.exercise_id for a in plan.assignments} | set(plan.unscheduled)
    access.audit_reads(session, actor, "exercise", [r for r in rows if r.code in shown])
    complete = every <= visible
    if not complete:
        conflict = plan.conflict
        if conflict is not None:
            kept = tuple(i for i in conflict.exercise_ids if i in visible)
            conflict = dataclasses.replace(conflict, exercise_ids=kept, reasons=())
        plan = dataclasses.replace(
            plan,
            assignments=tuple(a for a in plan.assignments if a.exercise_id in visible),
            unscheduled=tuple(u for u in plan.unscheduled if u in visible),
            objective=None,
            best_bound=None,
            gap=None,
            objective_terms={},
            conflict=conflict,
        )
        instance = dataclasses.replace(
            instance,
            exercises=tuple(e for e in instance.exercises if e.id in visible),
            pins=tuple(p for p in instance.pins if p.exercise_id in visible),
        )
    return ProgrammeInfo(
        id=row.id,
        year=row.year,
        number=row.number,
        state=row.state,
        solver_status=row.solver_status,
        plan=plan,
        instance=instance,
        complete=complete,
        released=tuple(r for r in row.released if r in visible),
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        version=row.version,
    )


def _load(session: Session, programme_id: int) -> ProgrammeRow:
    row = session.get(ProgrammeRow, programme_id)
    if row is None:
        raise access.not_found("programme version", programme_id)
    return row


def get_programme(uow: UnitOfWork, actor: Actor, programme_id: int) -> ProgrammeInfo:
    """The version as ``actor`` may see it (showing RESTRICTED exercises is audited)."""
    with uow:
        info = _view(uow.session, actor, _load(uow.session, programme_id))
        uow.commit()
    return info


def list_programmes(uow: UnitOfWork, actor: Actor, year: int | None = None) -> list[ProgrammeInfo]:
    with uow:
        stmt = select(ProgrammeRow).order_by(ProgrammeRow.year.desc(), ProgrammeRow.number.desc())
        if year is not None:
            stmt = stmt.where(ProgrammeRow.year == year)
        rows: Sequence[ProgrammeRow] = uow.session.scalars(stmt).all()
        infos = [_view(uow.session, actor, r) for r in rows]
        uow.commit()
    return infos


def approve_programme(
    uow: UnitOfWork, actor: Actor, programme_id: int, *, version: int
) -> ProgrammeInfo:
    """Approve a draft (an admin's decision); the year's previous approved one is superseded."""
    with uow:
        session = uow.session
        access.require_admin(session, actor)
        row = _load(session, programme_id)
        if row.version != version:
            raise Conflict("the programme changed since you read it; reload", field="version")
        if row.state != "draft":
            raise Conflict(f"version {row.number} of {row.year} is {row.state}, not a draft")
        if row.solver_status not in ("OPTIMAL", "FEASIBLE"):
            raise Conflict(f"a {row.solver_status} programme has no plan to approve")
        previous = _approved(session, row.year)
        if previous is not None:
            previous.state = "superseded"
        row.state, row.approved_by, row.approved_at = "approved", actor.name, utcnow()
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the programme was changed concurrently; reload") from None
        record_event(
            session,
            actor,
            "training.programme.approve",
            "training_programme",
            row.id,
            before={"state": "draft"},
            after={
                "state": "approved",
                "year": row.year,
                "number": row.number,
                "superseded": previous.id if previous else None,
            },
        )
        info = _view(session, actor, row)
        uow.commit()
    return info


def release_exercise(
    uow: UnitOfWork, actor: Actor, programme_id: int, exercise_code: str
) -> ProgrammeInfo:
    """Let the next re-plan move ``exercise_code`` (its host nation's decision)."""
    with uow:
        session = uow.session
        row = _load(session, programme_id)
        visible = {r.code: r for r in visible_exercise_rows(session, actor, row.year)}
        exercise = visible.get(exercise_code)
        if exercise is None:
            raise access.not_found("exercise", exercise_code)
        access.require_writer(session, actor, exercise.originator, "exercises")
        if row.state != "approved":
            raise Conflict("only an approved programme pins exercises", field="programme")
        if exercise_code in row.released:
            raise Conflict(f"{exercise_code} is already released", field="exercise")
        if exercise_code not in {a["exercise_id"] for a in row.plan.get("assignments", [])}:
            raise InvalidInput(
                f"{exercise_code} is not scheduled in this version", field="exercise"
            )
        row.released = [*row.released, exercise_code]
        session.flush()
        record_event(
            session,
            actor,
            "training.programme.release",
            "training_programme",
            row.id,
            object_nation=exercise.originator,
            after={"exercise": exercise_code},
        )
        info = _view(session, actor, row)
        uow.commit()
    return info
