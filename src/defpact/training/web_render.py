"""How training pages render: the shared template context and the error page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from defpact.core.errors import DefpactError
from defpact.core.identity import Role
from defpact.core.marking import banner
from defpact.core.sessions import WebSession
from defpact.core.webkit import render

__all__ = ["error_page", "page"]


def page(
    request: Request, template: str, session: WebSession, status_code: int = 200, **context: Any
) -> Response:
    """Render a training page; ``can_plan`` and ``is_admin`` decide which forms show."""
    user = session.principal
    return render(
        request,
        template,
        session,
        status_code=status_code,
        banner=banner,
        can_plan=user.has_role(Role.TRAINING, Role.ADMIN),
        is_admin=user.has_role(Role.ADMIN),
        **context,
    )


def error_page(request: Request, session: WebSession, exc: DefpactError) -> Response:
    return render(request, "error.html", session, message=exc.detail, status_code=exc.status)
