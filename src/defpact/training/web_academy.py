"""Web pages of the seat exchange (course catalogue with the bids form, allocation result with
its fairness report, reciprocity ledger) and of recruitment (calendar with clash warnings and
the funnel per nation and channel)."""

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
from defpact.training.access import today
from defpact.training.recruitment import funnel
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


@router.get("/training/recruitment", response_class=HTMLResponse)
def recruitment_page(
    request: Request, session: WebUser, uow: UowDep, year: YearQ = None
) -> Response:
    shown = _year(year)
    events, clashes = recruitment.list_events(uow, shown)
    figures_year = shown - 1
    return page(
        request,
        "trn_recruitment.html",
        session,
        year=shown,
        events=events,
        clashes=clashes,
        clashing={i for c in clashes for i in (c.first, c.second)},
        figures_year=figures_year,
        figures=funnel(recruitment.list_metrics(uow, figures_year)),
    )
