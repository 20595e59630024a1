"""Core web pages: sign-in and sign-out, the dashboard and the nation admin's users page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from defpact.core import service
from defpact.core.context import Actor
from defpact.core.deps import (
    SESSION_COOKIE,
    OptionalWebSession,
    SettingsDep,
    UowDep,
    client_address,
)
from defpact.core.errors import DefpactError, TooManyAttempts
from defpact.core.identity import Clearance, Role
from defpact.core.sessions import end_web_session, login
from defpact.core.webkit import (
    LOGIN_CSRF_COOKIE,
    NavEntry,
    WebUser,
    check_csrf,
    error_message,
    new_login_csrf,
    register_nav,
    render,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
register_nav(NavEntry("Users", "/users", (Role.ADMIN,)))


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    token = new_login_csrf()
    response = render(
        request, "login.html", None, login_csrf=token, error=error, status_code=status_code
    )
    secure = not request.app.state.node.settings.is_development
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=3600
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: OptionalWebSession) -> Response:
    if session is not None:
        return RedirectResponse("/", status_code=303)
    return _login_page(request)


@router.post("/login")
def login_submit(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(None, csrf_token, request)
        session = login(uow, settings, username, password, client_address(request))
    except TooManyAttempts as exc:
        response = _login_page(request, exc.detail, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except DefpactError as exc:
        return _login_page(request, exc.detail, status_code=exc.status)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.cookie_value,
        httponly=True,
        samesite="lax",
        secure=not settings.is_development,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check_csrf(session, csrf_token, request)
    end_web_session(uow, session.cookie_value)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: WebUser, uow: UowDep) -> Response:
    members = service.list_members(uow)
    me = service.own_user(uow, session.principal.user_id)
    return render(request, "dashboard.html", session, members=members, me=me)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: WebUser, uow: UowDep) -> Response:
    return _users(request, session, uow)


def _users(
    request: Request,
    session: WebUser,
    uow: UowDep,
    *,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    actor = Actor.of(session.principal)
    try:
        users = service.list_users(uow, actor)
    except DefpactError as exc:
        return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
    return render(
        request,
        "users.html",
        session,
        users=users,
        roles=list(Role),
        clearances=[c.name for c in Clearance],
        error=error,
        notice=notice,
        status_code=status_code,
    )


@router.post("/users")
def users_create(
    request: Request,
    session: WebUser,
    uow: UowDep,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=120)] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    clearance: Annotated[str, Form(max_length=20)] = "UNCLASSIFIED",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        new = service.NewUser(
            username=username.strip().lower(),
            nation=session.principal.nation,
            roles=tuple(Role(r) for r in roles or ()),
            clearance=Clearance.parse(clearance),
            display_name=display_name.strip(),
        )
        info, generated = service.create_user(uow, Actor.of(session.principal), new)
    except ValueError as exc:
        return _users(request, session, uow, error=str(exc), status_code=422)
    except DefpactError as exc:
        return _users(request, session, uow, error=error_message(exc), status_code=exc.status)
    notice = f"User {info.username} created. Initial password (shown once): {generated}"
    return _users(request, session, uow, notice=notice, status_code=201)


@router.post("/users/{username}/disable")
def users_disable(
    request: Request,
    username: str,
    session: WebUser,
    uow: UowDep,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        check_csrf(session, csrf_token, request)
        service.disable_user(uow, Actor.of(session.principal), username)
    except DefpactError as exc:
        return _users(request, session, uow, error=error_message(exc), status_code=exc.status)
    return _users(request, session, uow, notice=f"User {username} disabled.")
