"""Web pages of joint-order cases: the list, a case with its lifecycle, commitments, history,
and the buttons each user may press (commit, milestones, withdraw)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError
from defpact.core.identity import Principal, Role
from defpact.core.marking import banner
from defpact.core.sessions import WebSession
from defpact.core.webkit import WebUser, check_csrf, error_message, render
from defpact.procurement import case_service
from defpact.procurement.lifecycle import (
    ACTION_LABELS,
    STATE_LABELS,
    CaseAction,
    CaseState,
    allowed_actions,
)
from defpact.procurement.records import Case
from defpact.procurement.schemas import RecordId

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PATH = [
    CaseState.PROPOSED,
    CaseState.COMMITTED,
    CaseState.LOR_SENT,
    CaseState.LOA_OFFERED,
    CaseState.LOA_SIGNED,
    CaseState.AWARDED,
    CaseState.DELIVERING,
    CaseState.CLOSED,
]


def _buttons(case: Case, principal: Principal) -> list[tuple[str, str, bool]]:
    """(action, label, danger) of the lifecycle buttons this user may press now."""
    buttons = []
    for action in allowed_actions(case.state):
        if action is CaseAction.COMMIT:
            continue
        if action is CaseAction.WITHDRAW:
            if principal.has_role(Role.PROCUREMENT, Role.APPROVER):
                buttons.append((action.value, ACTION_LABELS[action], True))
        elif principal.has_role(Role.PROCUREMENT) and principal.nation == case.lead:
            buttons.append((action.value, ACTION_LABELS[action], False))
    return buttons


def _case_page(request: Request, session: WebSession, case: Case, **extra: Any) -> Response:
    principal = session.principal
    reached = _PATH.index(case.state) if case.state in _PATH else -1
    can_commit = (
        case.state is CaseState.PROPOSED
        and principal.has_role(Role.APPROVER)
        and principal.nation in case.participants
        and principal.nation not in case.committed_nations
    )
    return render(
        request,
        "proc_case.html",
        session,
        case=case,
        banner=banner(case.marking),
        lifecycle=[(s.value, STATE_LABELS[s], i <= reached) for i, s in enumerate(_PATH)],
        state_label=STATE_LABELS[case.state],
        can_commit=can_commit,
        buttons=_buttons(case, principal),
        **extra,
    )


@router.get("/procurement/cases", response_class=HTMLResponse)
def cases_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    cases = case_service.list_cases(uow, session.principal)
    return render(request, "proc_cases.html", session, cases=cases, labels=STATE_LABELS)


@router.post("/procurement/cases")
def case_propose(
    request: Request,
    session: WebUser,
    uow: UowDep,
    item: Annotated[str, Form(max_length=40)] = "",
    rule: Annotated[str, Form(max_length=20)] = "shapley",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        case = case_service.propose_case(uow, Actor.of(session.principal), item, rule)
    except DefpactError as exc:
        return render(
            request,
            "error.html",
            session,
            message=error_message(exc),
            title="The joint order was not proposed",
            status_code=exc.status,
        )
    return RedirectResponse(f"/procurement/cases/{case.id}", status_code=303)


@router.get("/procurement/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: RecordId, session: WebUser, uow: UowDep) -> Response:
    try:
        case = case_service.get_case(uow, session.principal, case_id)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return _case_page(request, session, case)


def _after(
    request: Request, session: WebSession, uow: UowDep, case_id: int, exc: DefpactError
) -> Response:
    try:
        case = case_service.get_case(uow, session.principal, case_id)
    except DefpactError as missing:
        return render(
            request, "error.html", session, message=missing.detail, status_code=missing.status
        )
    return _case_page(request, session, case, error=error_message(exc), status_code=exc.status)


@router.post("/procurement/cases/{case_id}/commit")
def case_commit(
    request: Request,
    case_id: RecordId,
    session: WebUser,
    uow: UowDep,
    version: Annotated[int, Form(ge=1)] = 1,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        case_service.commit_share(uow, Actor.of(session.principal), case_id, version)
    except DefpactError as exc:
        return _after(request, session, uow, case_id, exc)
    return RedirectResponse(f"/procurement/cases/{case_id}", status_code=303)


@router.post("/procurement/cases/{case_id}/transition")
def case_transition(
    request: Request,
    case_id: RecordId,
    session: WebUser,
    uow: UowDep,
    action: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[int, Form(ge=1)] = 1,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        case_service.advance_case(uow, Actor.of(session.principal), case_id, action, version)
    except DefpactError as exc:
        return _after(request, session, uow, case_id, exc)
    return RedirectResponse(f"/procurement/cases/{case_id}", status_code=303)
