"""REST API of training under ``/api/training``: units, areas, exercises and programme versions
(solve, approve, release, and the .ics/.csv/.svg outputs).

Planning and lessons (``api_planning``) and the seat exchange and recruitment
(``api_academy``) are mounted on the same router. Routes parse, call one service function and
render; errors are problem details naming the field (``core.problems``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.training import api_academy, api_planning, exercise_service, programme_service
from defpact.training import reference_service as reference
from defpact.training.gantt import gantt_svg, programme_csv, to_ics, unit_load_svg
from defpact.training.schemas import (
    AreaIn,
    AreaPublic,
    ExerciseIn,
    ExercisePublic,
    ExerciseUpdate,
    ProgrammeApprove,
    ProgrammePublic,
    ProgrammeRelease,
    ProgrammeSolve,
    UnitIn,
    UnitPublic,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/training", tags=["training"])
_LIST = problem_responses(401, 422)
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Nation = Annotated[str | None, Query(min_length=2, max_length=2)]


def _file(data: str | bytes, media: str, name: str) -> Response:
    return Response(
        data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'}
    )


def _unit_draft(body: UnitIn) -> reference.UnitDraft:
    return reference.UnitDraft(
        body.code,
        body.name,
        body.nation,
        body.type,
        body.home_base,
        tuple(p.period() for p in body.blackouts),
    )


def _area_draft(body: AreaIn) -> reference.AreaDraft:
    return reference.AreaDraft(
        body.code,
        body.name,
        body.host,
        body.type,
        body.capacity,
        tuple(p.period() for p in body.closures),
    )


@router.get("/units", response_model=list[UnitPublic], responses=_LIST)
def list_units(_actor: ActorDep, uow: UowDep, nation: Nation = None) -> list[UnitPublic]:
    return [UnitPublic.of(u) for u in reference.list_units(uow, nation)]


@router.post("/units", response_model=UnitPublic, status_code=201, responses=_WRITE)
def create_unit(body: UnitIn, actor: ActorDep, uow: UowDep) -> UnitPublic:
    return UnitPublic.of(reference.create_unit(uow, actor, _unit_draft(body)))


@router.get("/units/{unit_id}", response_model=UnitPublic, responses=_READ)
def get_unit(unit_id: IdPath, _actor: ActorDep, uow: UowDep) -> UnitPublic:
    return UnitPublic.of(reference.get_unit(uow, unit_id))


@router.put("/units/{unit_id}", response_model=UnitPublic, responses=_WRITE)
def update_unit(unit_id: IdPath, body: UnitIn, actor: ActorDep, uow: UowDep) -> UnitPublic:
    return UnitPublic.of(reference.update_unit(uow, actor, unit_id, _unit_draft(body)))


@router.get("/areas", response_model=list[AreaPublic], responses=_LIST)
def list_areas(_actor: ActorDep, uow: UowDep, host: Nation = None) -> list[AreaPublic]:
    return [AreaPublic.of(a) for a in reference.list_areas(uow, host)]


@router.post("/areas", response_model=AreaPublic, status_code=201, responses=_WRITE)
def create_area(body: AreaIn, actor: ActorDep, uow: UowDep) -> AreaPublic:
    return AreaPublic.of(reference.create_area(uow, actor, _area_draft(body)))


@router.get("/areas/{area_id}", response_model=AreaPublic, responses=_READ)
def get_area(area_id: IdPath, _actor: ActorDep, uow: UowDep) -> AreaPublic:
    return AreaPublic.of(reference.get_area(uow, area_id))


@router.put("/areas/{area_id}", response_model=AreaPublic, responses=_WRITE)
def update_area(area_id: IdPath, body: AreaIn, actor: ActorDep, uow: UowDep) -> AreaPublic:
    return AreaPublic.of(reference.update_area(uow, actor, area_id, _area_draft(body)))


@router.get("/exercises", response_model=list[ExercisePublic], responses=_LIST)
def list_exercises(actor: ActorDep, uow: UowDep, year: Year = None) -> list[ExercisePublic]:
    return [ExercisePublic.of(e) for e in exercise_service.list_exercises(uow, actor, year)]


@router.post("/exercises", response_model=ExercisePublic, status_code=201, responses=_WRITE)
def create_exercise(body: ExerciseIn, actor: ActorDep, uow: UowDep) -> ExercisePublic:
    """A new exercise hosted by the caller's nation (the originator of its marking)."""
    marking = body.marking.to_marking(actor.nation or "")
    return ExercisePublic.of(exercise_service.create_exercise(uow, actor, body.draft(), marking))


@router.get("/exercises/{exercise_id}", response_model=ExercisePublic, responses=_READ)
def get_exercise(exercise_id: IdPath, actor: ActorDep, uow: UowDep) -> ExercisePublic:
    return ExercisePublic.of(exercise_service.get_exercise(uow, actor, exercise_id))


@router.put("/exercises/{exercise_id}", response_model=ExercisePublic, responses=_WRITE)
def update_exercise(
    exercise_id: IdPath, body: ExerciseUpdate, actor: ActorDep, uow: UowDep
) -> ExercisePublic:
    info = exercise_service.update_exercise(
        uow, actor, exercise_id, body.draft(), version=body.version
    )
    return ExercisePublic.of(info)


@router.post("/exercises/{exercise_id}/withdraw", response_model=ExercisePublic, responses=_WRITE)
def withdraw_exercise(exercise_id: IdPath, actor: ActorDep, uow: UowDep) -> ExercisePublic:
    """Withdraw an exercise (its host): kept for the host and the audit, hidden from the other
    nations, left out of the next solve of its year."""
    return ExercisePublic.of(exercise_service.withdraw_exercise(uow, actor, exercise_id))


@router.get("/programmes", response_model=list[ProgrammePublic], responses=_LIST)
def list_programmes(actor: ActorDep, uow: UowDep, year: Year = None) -> list[ProgrammePublic]:
    return [ProgrammePublic.of(p) for p in programme_service.list_programmes(uow, actor, year)]


@router.post(
    "/programmes/solve",
    response_model=ProgrammePublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def solve_programme(body: ProgrammeSolve, actor: ActorDep, uow: UowDep) -> ProgrammePublic:
    """Solve the year from stored data and store a draft version. An infeasible programme is
    stored too: ``status`` INFEASIBLE with the minimal conflicting set in ``conflict``."""
    options = programme_service.SolveOptions(
        time_limit_s=body.time_limit_s,
        max_concurrent_per_host=body.max_concurrent_per_host,
        min_rest_weeks=body.min_rest_weeks,
        max_exercises_per_unit=body.max_exercises_per_unit,
        note=body.note,
    )
    return ProgrammePublic.of(programme_service.solve_programme(uow, actor, body.year, options))


@router.get("/programmes/{programme_id:int}", response_model=ProgrammePublic, responses=_READ)
def get_programme(programme_id: IdPath, actor: ActorDep, uow: UowDep) -> ProgrammePublic:
    return ProgrammePublic.of(programme_service.get_programme(uow, actor, programme_id))


@router.post("/programmes/{programme_id}/approve", response_model=ProgrammePublic, responses=_WRITE)
def approve_programme(
    programme_id: IdPath, body: ProgrammeApprove, actor: ActorDep, uow: UowDep
) -> ProgrammePublic:
    info = programme_service.approve_programme(uow, actor, programme_id, version=body.version)
    return ProgrammePublic.of(info)


@router.post("/programmes/{programme_id}/release", response_model=ProgrammePublic, responses=_WRITE)
def release_exercise(
    programme_id: IdPath, body: ProgrammeRelease, actor: ActorDep, uow: UowDep
) -> ProgrammePublic:
    """Release an approved exercise: the next re-plan may move it."""
    info = programme_service.release_exercise(uow, actor, programme_id, body.exercise)
    return ProgrammePublic.of(info)


def _media(media: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {}}, "description": description}, **_READ}


@router.get(
    "/programmes/{programme_id}/programme.ics",
    response_class=Response,
    responses=_media("text/calendar", "The programme as iCalendar"),
)
def programme_ics(programme_id: IdPath, actor: ActorDep, uow: UowDep) -> Response:
    p = programme_service.get_programme(uow, actor, programme_id)
    return _file(to_ics(p.plan, p.year), "text/calendar; charset=utf-8", f"programme-{p.year}.ics")


@router.get(
    "/programmes/{programme_id}/programme.csv",
    response_class=Response,
    responses=_media("text/csv", "The programme as CSV"),
)
def programme_csv_file(programme_id: IdPath, actor: ActorDep, uow: UowDep) -> Response:
    p = programme_service.get_programme(uow, actor, programme_id)
    return _file(programme_csv(p.plan), "text/csv; charset=utf-8", f"programme-{p.year}.csv")


@router.get(
    "/programmes/{programme_id}/gantt.svg",
    response_class=Response,
    responses=_media("image/svg+xml", "Gantt chart by week and area"),
)
def programme_gantt(programme_id: IdPath, actor: ActorDep, uow: UowDep) -> Response:
    p = programme_service.get_programme(uow, actor, programme_id)
    return Response(gantt_svg(p.plan, p.instance), media_type="image/svg+xml")


@router.get(
    "/programmes/{programme_id}/load.svg",
    response_class=Response,
    responses=_media("image/svg+xml", "Per-unit load by week"),
)
def programme_load(programme_id: IdPath, actor: ActorDep, uow: UowDep) -> Response:
    p = programme_service.get_programme(uow, actor, programme_id)
    return Response(unit_load_svg(p.plan, p.instance), media_type="image/svg+xml")


router.include_router(api_planning.router)
router.include_router(api_academy.router)
