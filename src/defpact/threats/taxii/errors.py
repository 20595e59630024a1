"""TAXII 2.1 error messages (OASIS TAXII 2.1, section 3.6.1) instead of RFC 9457 problems.

Under ``/taxii2/`` every error is an ``application/taxii+json;version=2.1`` body::

    {"title": "...", "description": "...", "http_status": "404", "details": {...}}

Errors raised while a TAXII route runs (authentication, domain errors, bad parameters) are
turned into such bodies by :class:`TaxiiRoute`; :func:`install_taxii_handlers` does the same for
what the application raises before any route runs (unknown path, wrong method) and for
unexpected errors, and leaves every other path to the handlers already installed.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from defpact.core.errors import DefpactError, TooManyAttempts
from defpact.threats.stix.query import QueryError

__all__ = [
    "TAXII_MEDIA_TYPE",
    "TAXII_PREFIX",
    "TaxiiError",
    "TaxiiRoute",
    "install_taxii_handlers",
    "taxii_error",
]

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
TAXII_PREFIX = "/taxii2"
_WWW_AUTHENTICATE = 'Basic realm="defpact TAXII", Bearer'

Handler = Callable[[Request, Exception], Awaitable[Response]]
AnyHandler = Callable[[Request, Any], Any]


class TaxiiError(Exception):
    """An error the TAXII router answers with a TAXII error message."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        title: str | None = None,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.title = title or HTTPStatus(status).phrase
        self.details = dict(details or {})
        self.headers = dict(headers or {})


def taxii_error(exc: TaxiiError) -> Response:
    body: dict[str, Any] = {
        "title": exc.title,
        "description": exc.description,
        "http_status": str(exc.status),
    }
    if exc.details:
        body["details"] = exc.details
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", _WWW_AUTHENTICATE)
    return Response(
        json.dumps(body), status_code=exc.status, media_type=TAXII_MEDIA_TYPE, headers=headers
    )


def _from_exception(exc: Exception) -> TaxiiError:
    if isinstance(exc, TaxiiError):
        return exc
    if isinstance(exc, QueryError):
        return TaxiiError(400, str(exc), details={"parameter": exc.parameter})
    if isinstance(exc, DefpactError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        details = {"field": exc.field} if exc.field else {}
        return TaxiiError(exc.status, exc.detail, title=exc.title, details=details, headers=headers)
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return TaxiiError(400, problems or "malformed request")
    if isinstance(exc, StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return TaxiiError(exc.status_code, detail, headers=exc.headers)
    return TaxiiError(500, "An unexpected error occurred; the request id identifies it in the log.")


class TaxiiRoute(APIRoute):
    """A route whose errors, including those of its dependencies, are TAXII error messages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (
                TaxiiError,
                QueryError,
                DefpactError,
                RequestValidationError,
                StarletteHTTPException,
            ) as exc:
                return taxii_error(_from_exception(exc))

        return taxii_handler


def _is_taxii(request: Request) -> bool:
    path = request.url.path
    return path == TAXII_PREFIX or path.startswith(TAXII_PREFIX + "/")


def _wrap(previous: AnyHandler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if _is_taxii(request) or previous is None:
            return taxii_error(_from_exception(exc))
        answer = previous(request, exc)
        result: Response = await answer if inspect.isawaitable(answer) else answer
        return result

    return handle


def install_taxii_handlers(app: FastAPI) -> None:
    """Answer errors under ``/taxii2/`` that no TAXII route caught (unknown path, wrong method,
    unexpected failure) with TAXII error messages; other paths keep their handlers.

    Call after the core problem handlers are installed.
    """
    for kind in (StarletteHTTPException, Exception):
        app.add_exception_handler(kind, _wrap(app.exception_handlers.get(kind)))
