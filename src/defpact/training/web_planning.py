"""Web forms of exercise planning and lessons: the exercise page with its stage status,
milestone events (add, edit, mark done), their documents, the lesson steps (observation ->
lesson identified -> action -> lesson learned) and the withdrawal of an exercise or a lesson.

Every form posts its CSRF token. A refused form re-renders the exercise page with the error
naming the field and the failed form (``form_id``) keeps what was typed.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import IdPath, UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.marking import TLP
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import WebUser, check_csrf, error_message
from defpact.training import exercise_service, planning_service
from defpact.training.access import not_found
from defpact.training.lessons import LESSON_STATES, STAGE_STATUSES, LessonStep
from defpact.training.records import STAGES
from defpact.training.web_render import error_page, page

__all__ = ["exercise_page", "form_data", "form_date", "router"]

router = APIRouter(include_in_schema=False)
StageName = Annotated[str, Path(min_length=1, max_length=20)]


async def form_data(request: Request, limit: int = 20_000) -> dict[str, str]:
    """The posted form as text fields (each cut at ``limit`` characters)."""
    return {k: str(v)[:limit] for k, v in (await request.form()).items()}


def form_date(form: dict[str, str], name: str) -> date:
    text = form.get(name, "").strip()
    if not text:
        raise InvalidInput(f"{name} is required", field=name)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date (YYYY-MM-DD)", field=name) from None


def exercise_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    exercise_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    form_id: str = "",
) -> Response:
    """The exercise with its stages, milestones and lessons, and the forms its readers may use."""
    actor = Actor.of(session.principal)
    try:
        info = exercise_service.get_exercise(uow, actor, exercise_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    lessons = planning_service.list_lessons(uow, actor, exercise_id)
    return page(
        request,
        "trn_exercise.html",
        session,
        status_code=status_code,
        exercise=info,
        stages=planning_service.list_stages(uow, actor, exercise_id),
        lessons=lessons,
        next_state={
            x.id: LESSON_STATES[LESSON_STATES.index(x.status) + 1]
            for x in lessons
            if x.status != LESSON_STATES[-1]
        },
        stage_names=STAGES,
        stage_statuses=STAGE_STATUSES,
        error=error,
        form=form or {},
        form_id=form_id,
        clearances=[c.name for c in Clearance],
        tlps=[t.value for t in TLP],
    )


def _refused(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    exercise_id: int,
    exc: DefpactError,
    form: dict[str, str],
    form_id: str,
) -> Response:
    return exercise_page(
        request,
        session,
        uow,
        exercise_id,
        error=error_message(exc),
        status_code=exc.status,
        form=form,
        form_id=form_id,
    )


def _back(exercise_id: int, anchor: str) -> Response:
    return RedirectResponse(f"/training/exercises/{exercise_id}#{anchor}", status_code=303)


@router.post("/training/exercises/{exercise_id}/withdraw")
async def withdraw_exercise(
    request: Request, exercise_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    form = await form_data(request)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        exercise_service.withdraw_exercise(uow, Actor.of(session.principal), exercise_id)
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, "withdraw")
    return _back(exercise_id, "top")


@router.post("/training/exercises/{exercise_id}/stages/{stage}")
async def set_stage(
    request: Request, exercise_id: IdPath, stage: StageName, session: WebUser, uow: UowDep
) -> Response:
    form = await form_data(request)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        planning_service.set_stage_status(
            uow, Actor.of(session.principal), exercise_id, stage, form.get("status", "")
        )
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, f"stage-{stage}")
    return _back(exercise_id, "stages")


@router.post("/training/exercises/{exercise_id}/milestones")
async def add_milestone(
    request: Request, exercise_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    form = await form_data(request)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        planning_service.add_milestone(
            uow,
            Actor.of(session.principal),
            exercise_id,
            stage=form.get("stage", ""),
            name=form.get("name", ""),
            on=form_date(form, "on"),
            place=form.get("place", ""),
            done=form.get("done") == "yes",
        )
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, "milestone-new")
    return _back(exercise_id, "stages")


def _milestone_of(uow: UnitOfWork, actor: Actor, exercise_id: int, milestone_id: int) -> None:
    """The milestone must belong to the exercise in the address (else "no such milestone")."""
    stages = planning_service.list_stages(uow, actor, exercise_id)
    if milestone_id not in {m.id for s in stages for m in s.milestones}:
        raise not_found("milestone", milestone_id)


@router.post("/training/exercises/{exercise_id}/milestones/{milestone_id}")
async def update_milestone(
    request: Request, exercise_id: IdPath, milestone_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    """Edit a milestone event; the "mark done" button posts the same fields with done=yes."""
    form = await form_data(request)
    actor = Actor.of(session.principal)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        _milestone_of(uow, actor, exercise_id, milestone_id)
        planning_service.update_milestone(
            uow,
            actor,
            milestone_id,
            name=form.get("name", ""),
            on=form_date(form, "on"),
            place=form.get("place", ""),
            done=form.get("done") == "yes",
        )
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, f"milestone-{milestone_id}")
    return _back(exercise_id, "stages")


@router.post("/training/exercises/{exercise_id}/milestones/{milestone_id}/documents")
async def add_document(
    request: Request, exercise_id: IdPath, milestone_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    form = await form_data(request)
    actor = Actor.of(session.principal)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        _milestone_of(uow, actor, exercise_id, milestone_id)
        planning_service.add_milestone_document(
            uow, actor, milestone_id, form.get("title", ""), form.get("reference", "")
        )
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, f"document-{milestone_id}")
    return _back(exercise_id, "stages")


def _lesson_of(uow: UnitOfWork, actor: Actor, exercise_id: int, lesson_id: int) -> None:
    if lesson_id not in {x.id for x in planning_service.list_lessons(uow, actor, exercise_id)}:
        raise not_found("lesson", lesson_id)


def _step(form: dict[str, str]) -> LessonStep:
    owner = form.get("action_owner", "").strip()
    due = form_date(form, "action_due") if form.get("action_due", "").strip() else None
    return LessonStep(
        form.get("status", ""),
        lesson=form.get("lesson", ""),
        action=form.get("action", ""),
        action_owner=owner or None,
        action_due=due,
        validation=form.get("validation", ""),
    )


def _version(form: dict[str, str]) -> int:
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise InvalidInput("version must be a whole number", field="version") from None


@router.post("/training/exercises/{exercise_id}/lessons/{lesson_id}/advance")
async def advance_lesson(
    request: Request, exercise_id: IdPath, lesson_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    """One lesson step: identified (lesson), action (action, owner, due), learned (validation)."""
    form = await form_data(request)
    actor = Actor.of(session.principal)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        _lesson_of(uow, actor, exercise_id, lesson_id)
        planning_service.advance_lesson(uow, actor, lesson_id, _step(form), version=_version(form))
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, f"lesson-{lesson_id}")
    return _back(exercise_id, f"lesson-{lesson_id}")


@router.post("/training/exercises/{exercise_id}/lessons/{lesson_id}/withdraw")
async def withdraw_lesson(
    request: Request, exercise_id: IdPath, lesson_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    form = await form_data(request)
    actor = Actor.of(session.principal)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        _lesson_of(uow, actor, exercise_id, lesson_id)
        planning_service.withdraw_lesson(uow, actor, lesson_id)
    except DefpactError as exc:
        return _refused(request, session, uow, exercise_id, exc, form, f"lesson-{lesson_id}")
    return _back(exercise_id, "lessons")
