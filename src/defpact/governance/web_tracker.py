"""Web pages of the action tracker (overdue items highlighted, summaries per provision and
nation, progress reports) and of accession (requests, votes, the membership timeline)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput
from defpact.core.identity import Role
from defpact.core.nations import NATIONS
from defpact.core.service import current_member_codes
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import WebUser, check_csrf, error_message
from defpact.governance import service
from defpact.governance.access import today
from defpact.governance.approval import Decision
from defpact.governance.provisions import Provision, parse_provision
from defpact.governance.timeline import membership_timeline_svg
from defpact.governance.tracker import ActionStatus
from defpact.governance.web_render import error_page, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _filter(provision: str, nation: str, status: str, overdue: str) -> service.ActionFilter:
    try:
        return service.ActionFilter(
            provision=parse_provision(provision) if provision else None,
            nation=nation.strip().upper() or None,
            status=ActionStatus.parse(status) if status else None,
            overdue=True if overdue == "yes" else None,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


@router.get("/governance/actions", response_class=HTMLResponse)
def actions(
    request: Request,
    session: WebUser,
    uow: UowDep,
    provision: Annotated[str, Query(max_length=40)] = "",
    nation: Annotated[str, Query(max_length=2)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    actor = Actor.of(session.principal)
    try:
        where = _filter(provision, nation, status, overdue)
    except DefpactError as exc:
        return error_page(request, session, exc)
    return page(
        request,
        "gov_actions.html",
        session,
        items=service.list_actions(uow, actor, where),
        summary=service.action_summary(uow, actor),
        provisions=list(Provision),
        statuses=list(ActionStatus),
        filters={"provision": provision, "nation": nation, "status": status, "overdue": overdue},
    )


def _action_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    action_id: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = Actor.of(session.principal)
    try:
        item = service.get_action(uow, actor, action_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    nation = session.principal.nation
    return page(
        request,
        "gov_action.html",
        session,
        status_code=status_code,
        item=item,
        statuses=list(ActionStatus),
        can_report=nation in (item.owner_nation, item.marking.originator),
        error=error,
        notice=notice,
    )


@router.get("/governance/actions/{action_id}", response_class=HTMLResponse)
def action(request: Request, action_id: int, session: WebUser, uow: UowDep) -> Response:
    return _action_page(request, session, uow, action_id)


@router.post("/governance/actions/{action_id}/progress")
def progress(
    request: Request,
    action_id: int,
    session: WebUser,
    uow: UowDep,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    version: Annotated[int | None, Form()] = None,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        new_status = _status(status)
        service.report_progress(
            uow,
            Actor.of(session.principal),
            action_id,
            status=new_status,
            note=note,
            version=version,
        )
    except DefpactError as exc:
        return _action_page(
            request, session, uow, action_id, error=error_message(exc), status_code=exc.status
        )
    return _action_page(request, session, uow, action_id, notice="Progress recorded.")


def _status(text: str) -> ActionStatus | None:
    try:
        return ActionStatus.parse(text) if text else None
    except ValueError as exc:
        raise InvalidInput(str(exc), field="status") from None


def _accession_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = Actor.of(session.principal)
    history = service.membership_history(uow)
    members = current_member_codes(uow)
    candidates = sorted(
        (n for n in NATIONS.values() if n.code not in members and (n.in_nato or n.in_eu)),
        key=lambda n: n.name,
    )
    return page(
        request,
        "gov_accession.html",
        session,
        status_code=status_code,
        requests=service.list_accessions(uow, actor),
        history=history,
        timeline=Markup(membership_timeline_svg(history, today())),  # noqa: S704 - escaped SVG
        candidates=candidates,
        can_propose=session.principal.has_role(Role.ADMIN) and session.principal.nation in members,
        error=error,
        notice=notice,
    )


@router.get("/governance/accession", response_class=HTMLResponse)
def accession(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _accession_page(request, session, uow)


@router.post("/governance/accession")
def propose(
    request: Request,
    session: WebUser,
    uow: UowDep,
    nation: Annotated[str, Form(max_length=2)] = "",
    joined: Annotated[str, Form(max_length=10)] = "",
    statement: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        stated = _date(joined)
        info = service.propose_accession(
            uow, Actor.of(session.principal), nation, stated, statement
        )
    except DefpactError as exc:
        return _accession_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    notice = f"Accession of {info.nation_name} proposed; every member's approver now votes."
    return _accession_page(request, session, uow, notice=notice, status_code=201)


def _date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("joined must be a date like 2026-01-01", field="joined") from None


@router.post("/governance/accession/{accession_id}/vote")
def accession_vote(
    request: Request,
    accession_id: int,
    session: WebUser,
    uow: UowDep,
    decision: Annotated[str, Form(max_length=16)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        try:
            choice = Decision(decision)
        except ValueError:
            raise InvalidInput("choose approve or reject", field="decision") from None
        info = service.vote_on_accession(
            uow, Actor.of(session.principal), accession_id, choice, comment
        )
    except DefpactError as exc:
        return _accession_page(
            request, session, uow, error=error_message(exc), status_code=exc.status
        )
    notice = f"{session.principal.nation} voted {choice.value}; the request is {info.status}."
    return _accession_page(request, session, uow, notice=notice)
