"""Web pages of the seat exchange (course catalogue with the bids form, allocation result with
its fairness report, reciprocity ledger) and of recruitment (calendar with clash warnings and
the funnel per nation and channel, with the event and figures forms). Nomination pages are in
``web_nominations``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import WebUser, check_csrf, error_message
from defpact.training import academy_service as academy
from defpact.training import nomination_service as nominations
from defpact.training import recruitment_service as recruitment
from defpact.training import seat_service as seats
from defpact.training import web_nominations
from defpact.training.access import today
from defpact.training.recruitment import EVENT_KINDS, funnel
from defpact.training.web_planning import form_data, form_date
from defpact.training.web_render import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
YearQ = Annotated[int | None, Query(ge=2000, le=2100)]


def _year(year: int | None) -> int:
    return year if year is not None else today().year + 1


def _courses_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    year: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    nation = session.principal.nation
    bids = {b.nation: b for b in seats.list_bids(uow, year)}
    return page(
        request,
        "trn_courses.html",
        session,
        status_code=status_code,
        year=year,
        courses=academy.catalogue(uow, year),
        bids=bids,
        own_bid=bids.get(nation),
        error=error,
        notice=notice,
    )


@router.get("/training/courses", response_class=HTMLResponse)
def courses(request: Request, session: WebUser, uow: UowDep, year: YearQ = None) -> Response:
    return _courses_page(request, session, uow, _year(year))


@router.post("/training/bids")
async def bid(request: Request, session: WebUser, uow: UowDep) -> Response:
    form = await request.form()
    year = _year(None)
    try:
        check_csrf(session, str(form.get("csrf_token", "")), request)
        year = int(str(form.get("year", "")))
        points = {}
        for key, value in form.items():
            if key.startswith("points.") and str(value).strip():
                try:
                    points[key.removeprefix("points.")[:40]] = int(str(value))
                except ValueError:
                    raise InvalidInput("points must be whole numbers", field=key) from None
        nation = session.principal.nation
        seats.submit_bid(uow, Actor.of(session.principal), nation, year, points)
    except ValueError:
        return _courses_page(
            request, session, uow, year, error="year: must be a year", status_code=422
        )
    except DefpactError as exc:
        return _courses_page(
            request, session, uow, year, error=error_message(exc), status_code=exc.status
        )
    return _courses_page(request, session, uow, year, notice="Bid saved.")


def _seats_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    year: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    allocation = seats.latest_allocation(uow, year)
    titles = {
        i.code: f"{c.title} ({i.code})" for c in academy.catalogue(uow, year) for i in c.iterations
    }
    return page(
        request,
        "trn_seats.html",
        session,
        status_code=status_code,
        year=year,
        allocation=allocation,
        titles=titles,
        ledger=nominations.ledger(uow, year),
        error=error,
        notice=notice,
    )


@router.get("/training/seats", response_class=HTMLResponse)
def seat_allocation(
    request: Request, session: WebUser, uow: UowDep, year: YearQ = None
) -> Response:
    return _seats_page(request, session, uow, _year(year))


@router.post("/training/allocations")
def allocate(
    request: Request,
    session: WebUser,
    uow: UowDep,
    year: Annotated[int, Form(ge=2000, le=2100)],
    method: Annotated[str, Form(max_length=20)] = "nash",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        info = seats.allocate_seats(uow, Actor.of(session.principal), year, method=method)
    except DefpactError as exc:
        return _seats_page(
            request, session, uow, year, error=error_message(exc), status_code=exc.status
        )
    return _seats_page(
        request, session, uow, year, notice=f"Seats allocated ({info.method}, {info.status})."
    )


def _recruitment_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    year: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    form_id: str = "",
) -> Response:
    events, clashes = recruitment.list_events(uow, year)
    figures_year = year - 1
    return page(
        request,
        "trn_recruitment.html",
        session,
        status_code=status_code,
        year=year,
        events=events,
        clashes=clashes,
        clashing={i for c in clashes for i in (c.first, c.second)},
        figures_year=figures_year,
        figures=funnel(recruitment.list_metrics(uow, figures_year)),
        kinds=EVENT_KINDS,
        error=error,
        notice=notice,
        form=form or {},
        form_id=form_id,
    )


@router.get("/training/recruitment", response_class=HTMLResponse)
def recruitment_page(
    request: Request, session: WebUser, uow: UowDep, year: YearQ = None
) -> Response:
    return _recruitment_page(request, session, uow, _year(year))


def _form_year(form: dict[str, str]) -> int:
    try:
        year = int(form.get("year", ""))
    except ValueError:
        raise InvalidInput("year must be a year", field="year") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("year must be 2000..2100", field="year")
    return year


def _count(form: dict[str, str], name: str) -> int:
    try:
        return int(form.get(name, "").strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number", field=name) from None


@router.post("/training/recruitment/events")
async def add_event(request: Request, session: WebUser, uow: UowDep) -> Response:
    """A campaign, intake window or joint career fair of the caller's nation; clashes warn."""
    form = await form_data(request, 2000)
    year = _year(None)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        year = _form_year(form)
        draft = recruitment.EventDraft(
            nation=session.principal.nation,
            kind=form.get("kind", ""),
            title=form.get("title", ""),
            starts=form_date(form, "starts"),
            ends=form_date(form, "ends"),
            place=form.get("place", ""),
            partners=tuple(p for p in form.get("partners", "").replace(",", " ").split() if p),
            audience=form.get("audience", ""),
        )
        event, found = recruitment.create_event(uow, Actor.of(session.principal), draft)
    except DefpactError as exc:
        return _recruitment_page(
            request,
            session,
            uow,
            year,
            error=error_message(exc),
            status_code=exc.status,
            form=form,
            form_id="event",
        )
    notice = f"{event.title} added."
    if found:
        notice += " Clash warning: " + "; ".join(c.message for c in found)
    return _recruitment_page(request, session, uow, year, notice=notice)


@router.post("/training/recruitment/metrics")
async def set_metrics(request: Request, session: WebUser, uow: UowDep) -> Response:
    """Set the caller's nation's figures of one year and channel (counts only)."""
    form = await form_data(request, 200)
    shown = _year(None)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        figures_year = _form_year(form)
        shown = figures_year + 1
        draft = recruitment.MetricDraft(
            nation=session.principal.nation,
            year=figures_year,
            channel=form.get("channel", ""),
            applications=_count(form, "applications"),
            enlistments=_count(form, "enlistments"),
            retained_12m=_count(form, "retained_12m"),
        )
        recruitment.record_metrics(uow, Actor.of(session.principal), draft)
    except DefpactError as exc:
        return _recruitment_page(
            request,
            session,
            uow,
            shown,
            error=error_message(exc),
            status_code=exc.status,
            form=form,
            form_id="metrics",
        )
    return _recruitment_page(
        request, session, uow, shown, notice=f"{figures_year} figures saved ({draft.channel})."
    )


router.include_router(web_nominations.router)
