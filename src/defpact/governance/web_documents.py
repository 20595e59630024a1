"""Web pages of documents: the list, a version with its approval status per nation and the
approver's vote form, and the diff between two versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError, InvalidInput, NotFound
from defpact.core.identity import Role
from defpact.core.sessions import WebSession
from defpact.core.uow import UnitOfWork
from defpact.core.webkit import WebUser, check_csrf, error_message
from defpact.governance import service
from defpact.governance.approval import Decision
from defpact.governance.web_render import error_page, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/governance/documents", response_class=HTMLResponse)
def documents(request: Request, session: WebUser, uow: UowDep) -> Response:
    items = service.list_documents(uow, Actor.of(session.principal))
    return page(request, "gov_documents.html", session, documents=items)


def _document_page(
    request: Request,
    session: WebSession,
    uow: UnitOfWork,
    document_id: int,
    number: int | None,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = Actor.of(session.principal)
    try:
        doc = service.get_document(uow, actor, document_id)
        if not doc.versions:
            raise NotFound(f"no document {document_id}")
        chosen = number or doc.versions[-1].number
        version = service.get_version(uow, actor, document_id, chosen)
    except DefpactError as exc:
        return error_page(request, session, exc)
    principal = session.principal
    can_vote = (
        version.round is not None
        and principal.has_role(Role.APPROVER)
        and principal.nation in version.round.pending
    )
    return page(
        request,
        "gov_document.html",
        session,
        status_code=status_code,
        document=doc,
        version=version,
        can_vote=can_vote,
        error=error,
        notice=notice,
    )


@router.get("/governance/documents/{document_id}", response_class=HTMLResponse)
def document(
    request: Request,
    document_id: int,
    session: WebUser,
    uow: UowDep,
    v: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _document_page(request, session, uow, document_id, v)


@router.post("/governance/documents/{document_id}/versions/{number}/vote")
def vote(
    request: Request,
    document_id: int,
    number: int,
    session: WebUser,
    uow: UowDep,
    decision: Annotated[str, Form(max_length=16)] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        choice = _decision(decision)
        service.vote_on_version(
            uow, Actor.of(session.principal), document_id, number, choice, comment
        )
    except DefpactError as exc:
        return _document_page(
            request,
            session,
            uow,
            document_id,
            number,
            error=error_message(exc),
            status_code=exc.status,
        )
    notice = f"{session.principal.nation} voted: {choice.value}."
    return _document_page(request, session, uow, document_id, number, notice=notice)


def _decision(text: str) -> Decision:
    try:
        return Decision(text)
    except ValueError:
        raise InvalidInput("choose approve or reject", field="decision") from None


@router.get("/governance/documents/{document_id}/diff", response_class=HTMLResponse)
def diff(
    request: Request,
    document_id: int,
    session: WebUser,
    uow: UowDep,
    from_: Annotated[int, Query(alias="from", ge=1)] = 1,
    to: Annotated[int, Query(ge=1)] = 2,
) -> Response:
    actor = Actor.of(session.principal)
    try:
        doc = service.get_document(uow, actor, document_id)
        info = service.diff_versions(uow, actor, document_id, from_, to)
    except DefpactError as exc:
        return error_page(request, session, exc)
    return page(request, "gov_diff.html", session, document=doc, diff=info)
