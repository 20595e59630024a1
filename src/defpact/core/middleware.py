"""ASGI middleware: a request id on every request and response, and the security headers.

A 405 answer lists in ``Allow`` every method the path supports (RFC 9110, section 15.5.6);
Starlette lists only those of the first route that matched the path.

Headers follow OWASP's secure-headers guidance: a Content-Security-Policy without inline script,
``frame-ancestors 'none'``, ``nosniff``, a strict referrer policy and ``no-store`` on everything
that may carry data (every API answer and every page but static assets).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from defpact.core.context import request_id_var

__all__ = ["SecurityHeadersMiddleware"]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                names = {h[0].lower() for h in headers}
                for name, value in _headers_for(path, request_id):
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))
                if message["status"] == 405 and (allow := _allowed_methods(scope)):
                    headers = [h for h in headers if h[0].lower() != b"allow"]
                    headers.append((b"allow", allow.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)


def _allowed_methods(scope: Scope) -> str | None:
    """The methods some route fully matches on the request's path, e.g. ``GET, POST``."""
    routes = getattr(scope.get("app"), "routes", ())
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    return ", ".join(allowed) or None


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


def _headers_for(path: str, request_id: str) -> list[tuple[str, str]]:
    docs = path.startswith(("/api/docs", "/api/redoc"))
    headers = [
        ("x-request-id", request_id),
        ("content-security-policy", _DOCS_CSP if docs else _CSP),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "geolocation=(), camera=(), microphone=()"),
    ]
    if path.startswith("/static/"):
        headers.append(("cache-control", "public, max-age=3600"))
    else:
        headers.append(("cache-control", "no-store"))
    return headers
