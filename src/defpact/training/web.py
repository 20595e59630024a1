"""Web pages of training: the programme (SVG Gantt and per-unit load, solve and approve forms),
exercises (list, create form) and lessons; the exercise page and its planning forms are in
``web_planning``.

The seat exchange and recruitment pages are in ``web_academy``. Pages call one service function
and render; SVGs come from ``gantt`` (which escapes every text); every form posts its CSRF token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from defpact.core.context import Actor
from defpact.core.deps import IdPath, UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.marking import TLP, Marking, parse_releasable_to
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import (
    NavEntry,
    WebUser,
    add_template_dir,
    check_csrf,
    error_message,
    register_nav,
)
from defpact.training import (
    exercise_service,
    planning_service,
    programme_service,
    web_academy,
    web_planning,
)
from defpact.training.access import today
from defpact.training.gantt import gantt_svg, unit_load_svg
from defpact.training.records import ExerciseDraft, Required
from defpact.training.web_planning import exercise_page
from defpact.training.web_render import error_page, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Training", "/training"))
add_template_dir(Path(__file__).parent / "templates")


def _programme_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    programme_id: int | None,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = Actor.of(session.principal)
    versions = programme_service.list_programmes(uow, actor)
    chosen = None
    if programme_id is not None:
        chosen = programme_service.get_programme(uow, actor, programme_id)
    elif versions:
        chosen = next((v for v in versions if v.state == "approved"), versions[0])
    charts = {}
    if chosen is not None and chosen.plan.assignments:
        charts = {
            "gantt": Markup(gantt_svg(chosen.plan, chosen.instance)),  # noqa: S704 - escaped SVG
            "load": Markup(unit_load_svg(chosen.plan, chosen.instance)),  # noqa: S704
        }
    year = chosen.year if chosen else today().year + 1
    return page(
        request,
        "trn_programme.html",
        session,
        status_code=status_code,
        versions=versions,
        programme=chosen,
        charts=charts,
        year=year,
        error=error,
        notice=notice,
    )


@router.get("/training", response_class=HTMLResponse)
def programme_home(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _programme_page(request, session, uow, None)


@router.get("/training/programmes/{programme_id}", response_class=HTMLResponse)
def programme(request: Request, programme_id: IdPath, session: WebUser, uow: UowDep) -> Response:
    try:
        return _programme_page(request, session, uow, programme_id)
    except DefpactError as exc:
        return error_page(request, session, exc)


@router.post("/training/programmes/solve")
def solve(
    request: Request,
    session: WebUser,
    uow: UowDep,
    year: Annotated[int, Form(ge=2000, le=2100)],
    time_limit_s: Annotated[float, Form(gt=0, le=120)] = 10.0,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        options = programme_service.SolveOptions(time_limit_s=time_limit_s)
        info = programme_service.solve_programme(uow, Actor.of(session.principal), year, options)
    except DefpactError as exc:
        return _programme_page(
            request, session, uow, None, error=error_message(exc), status_code=exc.status
        )
    return _programme_page(
        request,
        session,
        uow,
        info.id,
        notice=f"Version {info.number} of {year}: {info.solver_status}.",
    )


@router.post("/training/programmes/{programme_id}/approve")
def approve(
    request: Request,
    programme_id: IdPath,
    session: WebUser,
    uow: UowDep,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        programme_service.approve_programme(
            uow, Actor.of(session.principal), programme_id, version=version
        )
    except DefpactError as exc:
        return _programme_page(
            request, session, uow, programme_id, error=error_message(exc), status_code=exc.status
        )
    return _programme_page(request, session, uow, programme_id, notice="Programme approved.")


@router.get("/training/exercises", response_class=HTMLResponse)
def exercises(
    request: Request,
    session: WebUser,
    uow: UowDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    items = exercise_service.list_exercises(uow, Actor.of(session.principal), year)
    return page(request, "trn_exercises.html", session, exercises=items, year=year)


def _form_page(
    request: Request,
    session: WebSession,
    form: dict[str, str],
    error: str | None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "trn_exercise_form.html",
        session,
        form=form,
        error=error,
        status_code=status_code,
        clearances=[c.name for c in Clearance],
        tlps=[t.value for t in TLP],
    )


@router.get("/training/exercises/new", response_class=HTMLResponse)
def new_exercise(request: Request, session: WebUser) -> Response:
    return _form_page(request, session, {"year": str(today().year + 1)}, None)


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.replace(",", " ").split() if c)


def _int(form: dict[str, str], name: str, default: int | None = None) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", field=name) from None


def _required(text: str) -> dict[str, Required]:
    """``XK: XK-INF-1 XK-INF-2; HR: infantry=1`` -> named units and sourced counts."""
    out: dict[str, Required] = {}
    for part in (p for p in text.split(";") if p.strip()):
        nation, sep, rest = part.partition(":")
        if not sep:
            raise InvalidInput("write NATION: UNIT ...; NATION: type=count", field="required_units")
        named = tuple(c for c in _codes(rest) if "=" not in c)
        sourced = {}
        for c in _codes(rest):
            if "=" in c:
                kind, _, count = c.partition("=")
                sourced[kind] = _int({"required_units": count}, "required_units") or 0
        out[nation.strip().upper()] = Required(named, sourced)
    return out


def _draft(form: dict[str, str]) -> ExerciseDraft:
    def number(name: str, default: int | None = None) -> int:
        value = _int(form, name, default)
        if value is None:
            raise InvalidInput(f"{name} is required", field=name)
        return value

    draft = ExerciseDraft(
        code=form.get("code", ""),
        name=form.get("name", ""),
        type=form.get("type", ""),
        year=number("year"),
        nations=tuple(n.upper() for n in _codes(form.get("nations", ""))),
        duration_weeks=number("duration_weeks"),
        earliest_week=number("earliest_week"),
        latest_week=number("latest_week"),
        areas=_codes(form.get("areas", "")),
        required_units=_required(form.get("required_units", "")),
        preferred_start=_int(form, "preferred_start"),
        priority=number("priority", 1),
        mandatory=form.get("mandatory") == "yes",
        objectives=tuple(x.strip() for x in form.get("objectives", "").splitlines() if x.strip()),
    )
    return draft


def _marking(nation: str, form: dict[str, str]) -> Marking:
    try:
        return Marking(
            nation,
            Clearance.parse(form.get("classification", "UNCLASSIFIED")),
            parse_releasable_to([form.get("releasable_to", "PACT")]),
            TLP.parse(form.get("tlp", "GREEN")),
        )
    except ValueError as exc:
        raise InvalidInput(str(exc), field="marking") from None


@router.post("/training/exercises")
async def create_exercise(request: Request, session: WebUser, uow: UowDep) -> Response:
    form = {k: str(v)[:4000] for k, v in (await request.form()).items()}
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        draft = _draft(form)
        marking = _marking(session.principal.nation, form)
        info = exercise_service.create_exercise(uow, Actor.of(session.principal), draft, marking)
    except DefpactError as exc:
        return _form_page(request, session, form, error_message(exc), exc.status)
    return RedirectResponse(f"/training/exercises/{info.id}", status_code=303)


@router.get("/training/exercises/{exercise_id}", response_class=HTMLResponse)
def exercise(request: Request, exercise_id: IdPath, session: WebUser, uow: UowDep) -> Response:
    return exercise_page(request, session, uow, exercise_id)


@router.post("/training/exercises/{exercise_id}/lessons")
async def add_lesson(
    request: Request, exercise_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    form = {k: str(v)[:20_000] for k, v in (await request.form()).items()}
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        planning_service.create_lesson(
            uow,
            Actor.of(session.principal),
            exercise_id,
            form.get("title", ""),
            form.get("observation", ""),
            _marking(session.principal.nation, form),
        )
    except DefpactError as exc:
        return exercise_page(
            request,
            session,
            uow,
            exercise_id,
            error=error_message(exc),
            status_code=exc.status,
            form=form,
            form_id="lesson-new",
        )
    return RedirectResponse(f"/training/exercises/{exercise_id}#lessons", status_code=303)


@router.get("/training/lessons", response_class=HTMLResponse)
def lessons(request: Request, session: WebUser, uow: UowDep) -> Response:
    items = planning_service.list_lessons(uow, Actor.of(session.principal))
    return page(request, "trn_lessons.html", session, lessons=items)


router.include_router(web_planning.router)
router.include_router(web_academy.router)
