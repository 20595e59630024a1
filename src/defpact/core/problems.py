"""RFC 9457 problem details for every API error, with a stable ``type`` per kind of problem."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from defpact.core.context import current_request_id
from defpact.core.errors import DefpactError, TooManyAttempts

__all__ = [
    "PROBLEM_TYPE_BASE",
    "ProblemPublic",
    "ProblemResponse",
    "install_problem_handlers",
    "problem",
    "problem_responses",
]

PROBLEM_TYPE_BASE = "urn:defpact:problem:"
_MEDIA = "application/problem+json"

_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-attempts",
    500: "internal-error",
    503: "unavailable",
}


_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Missing or invalid credentials",
    403: "The caller's role does not allow this action",
    404: "No such record, or not visible to the caller (indistinguishable by design)",
    406: "Requested media type not available",
    409: "Conflicts with the current state (duplicate, stale version, closed round)",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input; `detail` names the field",
    429: "Too many attempts; see Retry-After",
    503: "Database unavailable",
}


class ProblemPublic(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the problem statuses a route can return."""
    return {
        code: {"model": ProblemPublic, "description": _DESCRIPTIONS.get(code, "Error")}
        for code in codes
    }


class ProblemResponse(JSONResponse):
    media_type = _MEDIA


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or _SLUGS.get(status, "error")),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if rid := current_request_id():
        body["request_id"] = rid
    if extra:
        body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


async def _on_defpact_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, DefpactError)  # noqa: S101
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer, Basic realm="defpact"'
    extra = {"field": exc.field} if exc.field else None
    return problem(
        exc.status, exc.detail, slug=exc.slug, title=exc.title, extra=extra, headers=headers
    )


async def _on_http_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = "No such resource."
    return problem(exc.status_code, detail, headers=dict(exc.headers or {}))


async def _on_validation_error(_request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return problem(422, detail, extra={"errors": errors})


async def _on_unexpected(_request: Request, _exc: Exception) -> ProblemResponse:
    return problem(500, "An unexpected error occurred; the request id identifies it in the log.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DefpactError, _on_defpact_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
