"""Training API: planning stages and milestone events of an exercise, and lessons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.training import planning_service as planning
from defpact.training.schemas import (
    LessonIn,
    LessonPublic,
    LessonStepIn,
    MilestoneDocumentIn,
    MilestoneIn,
    MilestonePublic,
    MilestoneUpdate,
    StagePublic,
    StageUpdate,
)

__all__ = ["router"]

router = APIRouter()
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)
StageName = Annotated[str, Path(min_length=1, max_length=20)]


@router.get("/exercises/{exercise_id}/stages", response_model=list[StagePublic], responses=_READ)
def list_stages(exercise_id: IdPath, actor: ActorDep, uow: UowDep) -> list[StagePublic]:
    return [StagePublic.of(s) for s in planning.list_stages(uow, actor, exercise_id)]


@router.put(
    "/exercises/{exercise_id}/stages/{stage}", response_model=list[StagePublic], responses=_WRITE
)
def set_stage_status(
    exercise_id: IdPath, stage: StageName, body: StageUpdate, actor: ActorDep, uow: UowDep
) -> list[StagePublic]:
    stages = planning.set_stage_status(uow, actor, exercise_id, stage, body.status)
    return [StagePublic.of(s) for s in stages]


@router.post(
    "/exercises/{exercise_id}/milestones",
    response_model=MilestonePublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def add_milestone(
    exercise_id: IdPath, body: MilestoneIn, actor: ActorDep, uow: UowDep
) -> MilestonePublic:
    """A milestone event of a stage (e.g. the main planning conference)."""
    m = planning.add_milestone(
        uow,
        actor,
        exercise_id,
        stage=body.stage,
        name=body.name,
        on=body.on,
        place=body.place,
        done=body.done,
    )
    return MilestonePublic(
        id=m.id, stage=m.stage, name=m.name, on=m.on, place=m.place, done=m.done, documents=[]
    )


@router.put("/milestones/{milestone_id}", response_model=MilestonePublic, responses=_WRITE)
def update_milestone(
    milestone_id: IdPath, body: MilestoneUpdate, actor: ActorDep, uow: UowDep
) -> MilestonePublic:
    """Edit a milestone event or mark it done (``done: true``)."""
    m = planning.update_milestone(
        uow, actor, milestone_id, name=body.name, on=body.on, place=body.place, done=body.done
    )
    return MilestonePublic.of(m)


@router.post(
    "/milestones/{milestone_id}/documents",
    response_model=list[StagePublic],
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def add_milestone_document(
    milestone_id: IdPath, body: MilestoneDocumentIn, actor: ActorDep, uow: UowDep
) -> list[StagePublic]:
    stages = planning.add_milestone_document(uow, actor, milestone_id, body.title, body.reference)
    return [StagePublic.of(s) for s in stages]


@router.get("/lessons", response_model=list[LessonPublic], responses=_READ)
def list_lessons(
    actor: ActorDep,
    uow: UowDep,
    exercise_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[LessonPublic]:
    return [LessonPublic.of(x) for x in planning.list_lessons(uow, actor, exercise_id)]


@router.post("/lessons", response_model=LessonPublic, status_code=201, responses=_WRITE)
def create_lesson(body: LessonIn, actor: ActorDep, uow: UowDep) -> LessonPublic:
    """An observation of an exercise, marked by the author's nation."""
    marking = body.marking.to_marking(actor.nation or "")
    info = planning.create_lesson(
        uow, actor, body.exercise_id, body.title, body.observation, marking
    )
    return LessonPublic.of(info)


@router.get("/lessons/{lesson_id}", response_model=LessonPublic, responses=_READ)
def get_lesson(lesson_id: IdPath, actor: ActorDep, uow: UowDep) -> LessonPublic:
    return LessonPublic.of(planning.get_lesson(uow, actor, lesson_id))


@router.post("/lessons/{lesson_id}/advance", response_model=LessonPublic, responses=_WRITE)
def advance_lesson(
    lesson_id: IdPath, body: LessonStepIn, actor: ActorDep, uow: UowDep
) -> LessonPublic:
    """Move the lesson one step: identified (lesson), action (action, owner, due), learned."""
    info = planning.advance_lesson(uow, actor, lesson_id, body.step(), version=body.version)
    return LessonPublic.of(info)


@router.post("/lessons/{lesson_id}/withdraw", response_model=LessonPublic, responses=_WRITE)
def withdraw_lesson(lesson_id: IdPath, actor: ActorDep, uow: UowDep) -> LessonPublic:
    """Withdraw a lesson (its nation): kept for that nation and the audit, hidden from others."""
    return LessonPublic.of(planning.withdraw_lesson(uow, actor, lesson_id))
