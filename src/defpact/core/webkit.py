"""Shared pieces of the server-rendered web UI: templates, navigation, sign-in and CSRF checks.

Every context's ``web.py`` renders through ``render`` so pages share one layout; a page that
needs a signed-in user takes ``WebUser``; every form posts its ``csrf_token``, checked by
``check_csrf`` against the session (or, before sign-in, a double-submit cookie).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from defpact.core.config import Settings
from defpact.core.credentials import secrets_equal
from defpact.core.deps import OptionalWebSession
from defpact.core.errors import DefpactError, PermissionDenied
from defpact.core.identity import Role
from defpact.core.nations import NATIONS, nation_colour, nation_flag
from defpact.core.sessions import WebSession

__all__ = [
    "LOGIN_CSRF_COOKIE",
    "NavEntry",
    "NeedsLogin",
    "WebUser",
    "add_template_dir",
    "check_csrf",
    "error_message",
    "new_login_csrf",
    "register_nav",
    "render",
    "templates",
]

LOGIN_CSRF_COOKIE = "defpact_login_csrf"


@dataclass(frozen=True, slots=True)
class NavEntry:
    label: str
    href: str
    roles: tuple[Role, ...] = ()


_NAV: list[NavEntry] = [NavEntry("Dashboard", "/")]
_loaders: list[FileSystemLoader] = [FileSystemLoader(str(Path(__file__).parent / "templates"))]
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.loader = ChoiceLoader(_loaders)
templates.env.globals.update(
    nation_colour=nation_colour, nation_flag=nation_flag, nation_name=lambda c: _name(c)
)


def _name(code: str) -> str:
    nation = NATIONS.get(code)
    return nation.name if nation else code


def add_template_dir(path: Path) -> None:
    """A context adds its own ``templates/`` folder (its templates extend ``base.html``)."""
    loader = FileSystemLoader(str(path))
    if all(loader.searchpath != existing.searchpath for existing in _loaders):
        _loaders.append(loader)
        templates.env.loader = ChoiceLoader(_loaders)


def register_nav(entry: NavEntry) -> None:
    if entry not in _NAV:
        _NAV.append(entry)


class NeedsLogin(Exception):  # noqa: N818 - control flow, answered by a redirect
    """Raised by ``WebUser`` when no valid session cookie came with a page request."""


def _web_user(session: OptionalWebSession) -> WebSession:
    if session is None:
        raise NeedsLogin
    return session


WebUser = Annotated[WebSession, Depends(_web_user)]


def check_csrf(session: WebSession | None, submitted: str, request: Request) -> None:
    expected = session.csrf_token if session else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not submitted or not secrets_equal(expected, submitted):
        raise PermissionDenied("the form expired or was not sent by this site; reload and retry")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def render(
    request: Request,
    template: str,
    session: WebSession | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    principal = session.principal if session else None
    nav = [
        e for e in _NAV if principal is not None and (not e.roles or principal.has_role(*e.roles))
    ]
    settings: Settings = request.app.state.node.settings
    base = {
        "request": request,
        "user": principal,
        "csrf_token": session.csrf_token if session else context.pop("login_csrf", ""),
        "nav": nav,
        "path": request.url.path,
        "development": settings.is_development,
    }
    return templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def error_message(exc: DefpactError) -> str:
    return f"{exc.field}: {exc.detail}" if exc.field and exc.field not in exc.detail else exc.detail
