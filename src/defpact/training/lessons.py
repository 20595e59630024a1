"""The lessons-learned cycle (NATO Bi-SC 80-6 style): observation -> lesson identified ->
remedial action -> lesson learned, one step at a time, each step adding what it needs:

  identified  the lesson statement (what should be done differently);
  action      the remedial action, the nation that owns it and its due date;
  learned     the validation (evidence that the action changed practice).

``next_step`` returns the fields a transition sets or raises ``InvalidInput`` naming the
missing field; a step cannot be skipped or undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from defpact.core.errors import Conflict, InvalidInput

__all__ = ["LESSON_STATES", "LessonStep", "next_step"]

LESSON_STATES = ("observation", "identified", "action", "learned")
STAGE_STATUSES = ("pending", "active", "done")


@dataclass(frozen=True, slots=True)
class LessonStep:
    status: str
    lesson: str = ""
    action: str = ""
    action_owner: str | None = None
    action_due: date | None = None
    validation: str = ""


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} is required for this step", field=field)
    if len(text) > 20_000:
        raise InvalidInput(f"{field} must be at most 20000 characters", field=field)
    return text


def next_step(current: str, step: LessonStep) -> dict[str, object]:
    """The columns to set when moving from ``current`` to ``step.status``."""
    if step.status not in LESSON_STATES:
        raise InvalidInput(f"status must be one of {', '.join(LESSON_STATES)}", field="status")
    want = LESSON_STATES.index(current) + 1
    if want >= len(LESSON_STATES):
        raise Conflict("the lesson is already learned")
    if step.status != LESSON_STATES[want]:
        raise Conflict(f"a lesson at {current!r} moves to {LESSON_STATES[want]!r} next")
    if step.status == "identified":
        return {"status": step.status, "lesson": _text(step.lesson, "lesson")}
    if step.status == "action":
        if step.action_owner is None:
            raise InvalidInput("the nation owning the action is required", field="action_owner")
        if step.action_due is None:
            raise InvalidInput("the action needs a due date", field="action_due")
        return {
            "status": step.status,
            "action": _text(step.action, "action"),
            "action_owner": step.action_owner,
            "action_due": step.action_due,
        }
    return {"status": step.status, "validation": _text(step.validation, "validation")}
