"""What federation needs from training: journal hooks, exports, replicas of exercises, lessons.

Every create and change of an exercise or a lesson stamps it in the core change journal
(``core.changes``) in the same transaction. Both cross as :class:`core.replication.RecordState`.

Foreign keys across nodes: ids differ between nodes, so an exercise is known everywhere by its
**code** (unique on every node) and a lesson names its exercise by that code. A lesson is
exported only together with its exercise (``parent``: sent to a peer only when the exercise's
marking releases it to that peer too, as local reads show a lesson only with its exercise). On
the receiving node a lesson whose exercise is not held is not stored (refused), so a replica
never dangles. An exercise replica that must go while rows still point at it (lessons, stages,
milestones) is withdrawn instead of deleted: hidden from every nation but its originator, and
taken up again if the exercise comes back. An exercise of the same code already held here for
the same originator (e.g. seeded on both nodes) is taken over by the replica; one held for
another nation, or for a nation this node serves, is left alone and the replica refused.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.db import utcnow
from defpact.core.origin import served_nations
from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.training.store import ExerciseRow, LessonRow, MilestoneRow, StageRow

__all__ = [
    "EXERCISE",
    "LESSON",
    "drop_exercise_replica",
    "drop_lesson_replica",
    "exercise_states",
    "journal_exercise",
    "journal_lesson",
    "lesson_states",
    "put_exercise_replica",
    "put_lesson_replica",
]

EXERCISE = "exercise"
LESSON = "lesson"

_EXERCISE_FIELDS: dict[str, tuple[type | tuple[type, ...], int]] = {
    "code": (str, 40), "name": (str, 200), "type": (str, 30), "year": (int, 0),
    "nations": (list, 0), "required_units": (dict, 0), "duration_weeks": (int, 0),
    "earliest_week": (int, 0), "latest_week": (int, 0), "preferred_start": ((int, type(None)), 0),
    "areas": (list, 0), "priority": (int, 0), "mandatory": (bool, 0), "objectives": (list, 0),
    "interoperability_goals": (list, 0),
}  # fmt: skip
_LESSON_TEXT = {"title": 200, "observation": 20_000, "status": 16, "lesson": 20_000,
                "action": 20_000, "validation": 20_000, "author": 120}  # fmt: skip


def journal_exercise(session: Session, row: ExerciseRow) -> None:
    record_changes(session, [Change(EXERCISE, str(row.id), row.originator, row.marking)])


def journal_lesson(session: Session, row: LessonRow) -> None:
    record_changes(session, [Change(LESSON, str(row.id), row.originator, row.marking)])


def exercise_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = select(ExerciseRow).where(
            ExerciseRow.id.in_(chunk), ExerciseRow.originator.in_(sorted(originators))
        )
        for row in session.scalars(stmt):
            fields = {name: getattr(row, name) for name in _EXERCISE_FIELDS}
            found[row.id] = RecordState(
                row.marking, row.withdrawn_at is not None, row.name, row.created_at,
                row.updated_at, fields,
            )  # fmt: skip
    return found


def lesson_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = (
            select(LessonRow, ExerciseRow)
            .join(ExerciseRow, ExerciseRow.id == LessonRow.exercise_id)
            .where(LessonRow.id.in_(chunk), LessonRow.originator.in_(sorted(originators)))
        )
        for row, exercise in session.execute(stmt):
            fields: dict[str, Any] = {name: getattr(row, name) for name in _LESSON_TEXT}
            fields["exercise"] = exercise.code
            fields["action_owner"] = row.action_owner
            fields["action_due"] = row.action_due.isoformat() if row.action_due else None
            withdrawn = row.withdrawn_at is not None or exercise.withdrawn_at is not None
            found[row.id] = RecordState(
                row.marking, withdrawn, row.title, row.created_at, row.updated_at, fields,
                parent=exercise.marking,
            )  # fmt: skip
    return found


def _checked(fields: dict[str, Any], name: str, kind: type | tuple[type, ...], limit: int) -> Any:
    value = fields.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReplicaRefused(f"exercise.{name} has the wrong type")
    if isinstance(value, str) and (not value if name == "code" else False):
        raise ReplicaRefused(f"exercise.{name} must not be empty")
    if isinstance(value, str) and limit and len(value) > limit:
        raise ReplicaRefused(f"exercise.{name} must have at most {limit} characters")
    return value


def put_exercise_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite an exercise replica; None when its code belongs to another record."""
    values = {n: _checked(state.fields, n, k, lim) for n, (k, lim) in _EXERCISE_FIELDS.items()}
    origin = state.marking.originator
    row = session.get(ExerciseRow, local_id) if local_id is not None else None
    if row is None or row.code != values["code"]:
        stmt = select(ExerciseRow).where(ExerciseRow.code == values["code"])
        row = session.scalars(stmt).first()
        if row is not None and (row.originator != origin or origin in served_nations(session)):
            return None
    if row is None:
        row = ExerciseRow()
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_exercise_replica(session: Session, local_id: int) -> None:
    used = (
        exists().where(LessonRow.exercise_id == local_id)
        | exists().where(StageRow.exercise_id == local_id)
        | exists().where(MilestoneRow.exercise_id == local_id)
    )
    if session.scalar(select(used)):
        row = session.get(ExerciseRow, local_id)
        if row is not None and row.withdrawn_at is None:
            row.withdrawn_at = utcnow()
        return
    session.execute(delete(ExerciseRow).where(ExerciseRow.id == local_id))


def put_lesson_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite a lesson replica; None when its exercise is not held here."""
    fields = state.fields
    for name, limit in _LESSON_TEXT.items():
        value = fields.get(name)
        if not isinstance(value, str) or len(value) > limit:
            raise ReplicaRefused(f"lesson.{name} must be a string of at most {limit} characters")
    owner, due = fields.get("action_owner"), fields.get("action_due")
    if owner is not None and not (isinstance(owner, str) and len(owner) == 2):
        raise ReplicaRefused("lesson.action_owner must be a nation code or null")
    try:
        due_date = date.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        raise ReplicaRefused("lesson.action_due must be an ISO date or null") from None
    code = fields.get("exercise")
    stmt = select(ExerciseRow.id).where(
        ExerciseRow.code == code, ExerciseRow.withdrawn_at.is_(None)
    )
    exercise_id = session.scalar(stmt) if isinstance(code, str) else None
    if exercise_id is None:
        if local_id is not None:
            drop_lesson_replica(session, local_id)
        return None
    row = session.get(LessonRow, local_id) if local_id is not None else None
    if row is None:
        row = LessonRow()
        session.add(row)
    row.exercise_id = exercise_id
    for name in _LESSON_TEXT:
        setattr(row, name, fields[name])
    row.action_owner, row.action_due = owner, due_date
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_lesson_replica(session: Session, local_id: int) -> None:
    session.execute(delete(LessonRow).where(LessonRow.id == local_id))
