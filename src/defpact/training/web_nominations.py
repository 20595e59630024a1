"""Web pages of nominations: a course iteration with its nominees and waiting list, the form a
nation nominates a person with (name, rank, attested clearance; on a seat or on the waiting
list) and the course owner's release of unused seats after the nomination deadline.

A nation sees its own nominees; the course owner sees every name (``list_nominations``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import IdPath, UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import WebUser, check_csrf, error_message
from defpact.training import academy_service as academy
from defpact.training import nomination_service as nominations
from defpact.training import seat_service as seats
from defpact.training.access import today
from defpact.training.web_planning import form_data
from defpact.training.web_render import error_page, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _iteration_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    iteration_id: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    actor = Actor.of(session.principal)
    try:
        info, required = academy.get_iteration(uow, iteration_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    people = nominations.list_nominations(uow, actor, iteration_id)
    allocation = seats.latest_allocation(uow, info.year)
    nation = session.principal.nation
    allocated = int(allocation.seats.get(nation, {}).get(info.code, 0)) if allocation else 0
    return page(
        request,
        "trn_iteration.html",
        session,
        status_code=status_code,
        iteration=info,
        required=required,
        nominated=[p for p in people if p.status != "waiting"],
        waiting=[p for p in people if p.status == "waiting"],
        allocated=allocated,
        deadline_passed=today() > info.nomination_deadline,
        clearances=[c.name for c in Clearance],
        form=form or {},
        error=error,
        notice=notice,
    )


@router.get("/training/iterations/{iteration_id}", response_class=HTMLResponse)
def iteration(request: Request, iteration_id: IdPath, session: WebUser, uow: UowDep) -> Response:
    return _iteration_page(request, session, uow, iteration_id)


def _clearance(form: dict[str, str]) -> Clearance:
    try:
        return Clearance.parse(form.get("clearance_held", ""))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="clearance_held") from None


@router.post("/training/iterations/{iteration_id}/nominations")
async def nominate(
    request: Request, iteration_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    """Nominate a person to one of the caller's nation's seats, or (waiting=yes) queue them."""
    form = await form_data(request, 200)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        info = nominations.nominate(
            uow,
            Actor.of(session.principal),
            iteration_id,
            nation=session.principal.nation,
            name=form.get("name", ""),
            rank=form.get("rank", ""),
            clearance_held=_clearance(form),
            waiting=form.get("waiting") == "yes",
        )
    except DefpactError as exc:
        return _iteration_page(
            request,
            session,
            uow,
            iteration_id,
            error=error_message(exc),
            status_code=exc.status,
            form=form,
        )
    anchor = "waiting" if info.status == "waiting" else "nominations"
    return RedirectResponse(f"/training/iterations/{iteration_id}#{anchor}", status_code=303)


@router.post("/training/iterations/{iteration_id}/release")
async def release(
    request: Request, iteration_id: IdPath, session: WebUser, uow: UowDep
) -> Response:
    """After the deadline, the course owner gives unfilled seats to the waiting list in order."""
    form = await form_data(request, 200)
    try:
        check_csrf(session, form.get("csrf_token", ""), request)
        done = nominations.release_unused_seats(uow, Actor.of(session.principal), iteration_id)
    except DefpactError as exc:
        return _iteration_page(
            request, session, uow, iteration_id, error=error_message(exc), status_code=exc.status
        )
    names = ", ".join(f"{p.name} ({p.nation})" for p in done.promoted) or "nobody"
    return _iteration_page(
        request,
        session,
        uow,
        iteration_id,
        notice=f"{done.freed} unused seat(s) released; promoted: {names}.",
    )
