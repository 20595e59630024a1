"""Web page of federation (admins of this node's nations): node identity, peers and their sync
status (last success, lag, failures, last error, backoff), and the forms to add, suspend,
resume and remove peers. Every form is CSRF-checked and calls one service function."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from defpact.core.context import Actor
from defpact.core.deps import UowDep
from defpact.core.errors import DefpactError
from defpact.core.identity import Clearance, Role
from defpact.core.webkit import (
    NavEntry,
    WebUser,
    add_template_dir,
    check_csrf,
    error_message,
    register_nav,
    render,
)
from defpact.federation import peers
from defpact.federation.feed_api import node_identity

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Federation", "/federation", (Role.ADMIN,)))
add_template_dir(Path(__file__).parent / "templates")


def _page(
    request: Request,
    session: WebUser,
    uow: UowDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    identity = node_identity(request)
    try:
        items = peers.list_peers(uow, Actor.of(session.principal), identity)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    scheduler = getattr(request.app.state, "federation_scheduler", None)
    return render(
        request, "federation.html", session, identity=identity, peers=items,
        clearances=[c.name for c in Clearance], error=error, notice=notice,
        schedule=scheduler.status() if scheduler is not None else None,
        status_code=status_code,
    )  # fmt: skip


@router.get("/federation", response_class=HTMLResponse)
def federation_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _page(request, session, uow)


@router.post("/federation/peers")
def add_peer(
    request: Request,
    session: WebUser,
    uow: UowDep,
    url: Annotated[str, Form(max_length=500)] = "",
    nation: Annotated[str, Form(max_length=2)] = "",
    token: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
    clearance: Annotated[str, Form(max_length=16)] = "SECRET",
    interval_seconds: Annotated[int, Form(ge=10, le=86_400)] = 300,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        new = peers.NewPeer(
            url=url, nation=nation, token=token.strip() or None, key=key.strip() or None,
            clearance=Clearance.parse(clearance), interval_seconds=interval_seconds,
        )  # fmt: skip
        secret = request.app.state.node.settings.effective_secret_key()
        factory = getattr(request.app.state, "federation_client_factory", None)
        info, inbound = peers.add_peer(
            uow, Actor.of(session.principal), node_identity(request), secret, new, factory
        )
    except ValueError as exc:
        return _page(request, session, uow, error=str(exc), status_code=422)
    except DefpactError as exc:
        return _page(request, session, uow, error=error_message(exc), status_code=exc.status)
    notice = f"Peer {info.nation} added. Token for its admin (shown once): {inbound}"
    return _page(request, session, uow, notice=notice, status_code=201)


@router.post("/federation/peers/{nation}/{verb}")
def change_peer(
    request: Request,
    nation: str,
    verb: str,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    actor, identity = Actor.of(session.principal), node_identity(request)
    try:
        check_csrf(session, csrf_token, request)
        if verb == "remove":
            removed = peers.remove_peer(uow, actor, identity, nation)
            notice = f"Peer {nation.upper()} removed with {removed} replicas."
        elif verb in ("suspend", "resume"):
            state = "suspended" if verb == "suspend" else "active"
            info = peers.set_peer_state(uow, actor, identity, nation, state)
            notice = f"Peer {info.nation} is {info.state}."
        else:
            return _page(request, session, uow, error=f"unknown action {verb!r}", status_code=404)
    except DefpactError as exc:
        return _page(request, session, uow, error=error_message(exc), status_code=exc.status)
    return _page(request, session, uow, notice=notice)
