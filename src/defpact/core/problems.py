"""RFC 9457 problem details for every API error, with a stable ``type`` per kind of problem."""

from __future__ import annotations

import json
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
_DEFAULT_422_REF = "#/components/schemas/HTTPValidationError"
_BODY_NOT_PARSED = "There was an error parsing the body"  # FastAPI's text for an unreadable body

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
    """OpenAPI ``responses`` documenting the problem statuses a route can return.

    Documented as ``application/problem+json``, the media type actually sent (a ``model``
    entry would make FastAPI document ``application/json`` instead). A route that
    authenticates (401) can also answer 429: HTTP Basic logins are throttled on every route.
    """
    if 401 in codes and 429 not in codes:
        codes = (*codes, 429)
    schema = ProblemPublic.model_json_schema(mode="serialization")
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "Error"),
            "content": {_MEDIA: {"schema": schema}},
        }
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
    if exc.status_code == 400 and detail == _BODY_NOT_PARSED:
        # FastAPI answers 422 for malformed JSON but 400 for a body that is not UTF-8; both are
        # the same mistake, and 422 is the status every route with a body documents.
        message = "the request body is not valid UTF-8 JSON"
        return problem(
            422, f"body: {message}", extra={"errors": [{"field": "body", "message": message}]}
        )
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


def _document_validation_problems(app: FastAPI) -> None:
    """Make the OpenAPI describe the 422 that ``_on_validation_error`` sends.

    FastAPI documents its own ``HTTPValidationError`` body (``application/json``) on every route
    with parameters that does not list 422 itself; this app never sends that body.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _replace_default_422(generate())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _replace_default_422(schema: dict[str, Any]) -> None:
    problem_422 = problem_responses(422)[422]
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            content = responses.get("422", {}).get("content", {})
            if content.get("application/json", {}).get("schema") == {"$ref": _DEFAULT_422_REF}:
                responses["422"] = problem_422
    components = schema.get("components", {}).get("schemas", {})
    if _DEFAULT_422_REF not in json.dumps(schema):
        components.pop("HTTPValidationError", None)
        if "#/components/schemas/ValidationError" not in json.dumps(schema):
            components.pop("ValidationError", None)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error with a problem, and document those answers in the OpenAPI."""
    _document_validation_problems(app)
    app.add_exception_handler(DefpactError, _on_defpact_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
