"""Web pages of governance: the overview with the membership timeline, groups and meetings.

Documents (``web_documents``) and the action tracker and accession (``web_tracker``) are
mounted on this router. Pages call one service function and render; Markdown and the SVG
timeline are produced server-side by pure modules that escape their input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import NavEntry, WebUser, add_template_dir, check_csrf, register_nav
from defpact.governance import service, web_documents, web_tracker
from defpact.governance.access import today
from defpact.governance.timeline import membership_timeline_svg
from defpact.governance.web_render import error_page, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Governance", "/governance"))
add_template_dir(Path(__file__).parent / "templates")


@router.get("/governance", response_class=HTMLResponse)
def overview(request: Request, session: WebUser, uow: UowDep) -> Response:
    actor = Actor.of(session.principal)
    documents = service.list_documents(uow, actor)
    accessions = service.list_accessions(uow, actor)
    overdue = service.list_actions(uow, actor, service.ActionFilter(overdue=True))
    meetings = [m for m in service.list_meetings(uow, actor) if m.ends.date() >= today()]
    history = service.membership_history(uow)
    svg = Markup(membership_timeline_svg(history, today()))  # noqa: S704 - escaped SVG
    return page(
        request,
        "gov_overview.html",
        session,
        in_approval=[d for d in documents if d.in_approval is not None],
        open_accessions=[a for a in accessions if a.status == "open"],
        overdue=overdue,
        upcoming=meetings[:5],
        history=history,
        timeline=svg,
    )


@router.get("/governance/groups", response_class=HTMLResponse)
def groups(request: Request, session: WebUser, uow: UowDep) -> Response:
    actor = Actor.of(session.principal)
    return page(request, "gov_groups.html", session, groups=service.list_groups(uow, actor))


@router.get("/governance/groups/{group_id}", response_class=HTMLResponse)
def group(request: Request, group_id: int, session: WebUser, uow: UowDep) -> Response:
    actor = Actor.of(session.principal)
    try:
        info = service.get_group(uow, actor, group_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    meetings = service.list_meetings(uow, actor, group_id)
    actions = service.list_actions(uow, actor, service.ActionFilter(group_id=group_id))
    return page(request, "gov_group.html", session, group=info, meetings=meetings, actions=actions)


@router.get("/governance/meetings", response_class=HTMLResponse)
def meetings(request: Request, session: WebUser, uow: UowDep) -> Response:
    actor = Actor.of(session.principal)
    items = service.list_meetings(uow, actor)
    return page(request, "gov_meetings.html", session, meetings=items, today=today())


@router.get("/governance/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting(request: Request, meeting_id: int, session: WebUser, uow: UowDep) -> Response:
    actor = Actor.of(session.principal)
    try:
        info = service.get_meeting(uow, actor, meeting_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    actions = {
        a.id: a
        for a in service.list_actions(uow, actor, service.ActionFilter(group_id=info.group_id))
    }
    return page(request, "gov_meeting.html", session, meeting=info, actions=actions)


Csrf = Annotated[str, Form(max_length=128)]


def _withdraw(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    csrf_token: str,
    withdraw: Callable[[UnitOfWork, Actor, int], object],
    record_id: int,
    back: str,
) -> Response:
    """Withdraw a record (an admin of its nation, on its own node) and show its page again."""
    try:
        check_csrf(session, csrf_token, request)
        withdraw(uow, Actor.of(session.principal), record_id)
    except DefpactError as exc:
        return error_page(request, session, exc)
    return RedirectResponse(back, status_code=303)


@router.post("/governance/groups/{group_id}/withdraw")
def withdraw_group(
    request: Request, group_id: int, session: WebUser, uow: UowDep, csrf_token: Csrf = ""
) -> Response:
    return _withdraw(request, session, uow, csrf_token, service.withdraw_group, group_id,
                     f"/governance/groups/{group_id}")  # fmt: skip


@router.post("/governance/meetings/{meeting_id}/withdraw")
def withdraw_meeting(
    request: Request, meeting_id: int, session: WebUser, uow: UowDep, csrf_token: Csrf = ""
) -> Response:
    return _withdraw(request, session, uow, csrf_token, service.withdraw_meeting, meeting_id,
                     f"/governance/meetings/{meeting_id}")  # fmt: skip


@router.post("/governance/actions/{action_id}/withdraw")
def withdraw_action(
    request: Request, action_id: int, session: WebUser, uow: UowDep, csrf_token: Csrf = ""
) -> Response:
    return _withdraw(request, session, uow, csrf_token, service.withdraw_action, action_id,
                     f"/governance/actions/{action_id}")  # fmt: skip


router.include_router(web_documents.router)
router.include_router(web_tracker.router)
