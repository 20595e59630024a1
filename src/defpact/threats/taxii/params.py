"""Content negotiation, request bodies and URL parameters of the TAXII 2.1 endpoints.

* ``Accept`` must allow ``application/taxii+json;version=2.1`` (``application/taxii+json``
  without a version, ``application/*`` and ``*/*`` do; an absent header means anything), else 406.
* ``Content-Type`` of a POST must be ``application/taxii+json`` with no version or 2.1, else 415.
* A body longer than the API root's advertised ``max_content_length`` is refused with 413,
  before it is read when ``Content-Length`` says so, and while reading otherwise.
* URL parameters (section 3.4): ``limit`` (1 or more; capped at the server's page size),
  ``next``, ``added_after``, ``match[id|type|version|spec_version]`` (comma-separated values
  OR-ed, the parameter repeated also OR-s).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request

from defpact.threats.stix.query import (
    DEFAULT_PAGE,
    MAX_PAGE,
    ObjectFilter,
    QueryError,
    decode_cursor,
    parse_spec_versions,
    parse_version_selector,
)
from defpact.threats.stix.stamps import parse_timestamp
from defpact.threats.taxii.errors import TaxiiError

__all__ = [
    "DEFAULT_MAX_CONTENT_LENGTH",
    "check_accept",
    "check_content_type",
    "object_filter",
    "read_envelope",
]

DEFAULT_MAX_CONTENT_LENGTH = 20 * 1024 * 1024


def _media(item: str) -> tuple[str, dict[str, str]]:
    media, *parts = (p.strip() for p in item.split(";"))
    params = {}
    for part in parts:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return media.lower(), params


def _acceptable(item: str) -> bool:
    media, params = _media(item)
    if params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
        return False
    if media in ("*/*", "application/*"):
        return True
    return media == "application/taxii+json" and params.get("version", "2.1") == "2.1"


def check_accept(request: Request) -> None:
    header = request.headers.get("accept")
    if header is None or not header.strip():
        return
    if not any(_acceptable(item) for item in header.split(",") if item.strip()):
        raise TaxiiError(
            406,
            f"cannot answer with any of {header!r}; this server speaks "
            "application/taxii+json;version=2.1",
        )


def check_content_type(request: Request) -> None:
    header = request.headers.get("content-type", "")
    media, params = _media(header)
    if media != "application/taxii+json" or params.get("version", "2.1") != "2.1":
        raise TaxiiError(
            415,
            f"Content-Type {header!r} is not supported; send application/taxii+json;version=2.1",
        )


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise TaxiiError(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> TaxiiError:
    return TaxiiError(
        413,
        f"the request body exceeds max_content_length ({limit} bytes); "
        "send the objects in several envelopes",
    )


async def read_envelope(request: Request, limit: int) -> list[Any]:
    """The ``objects`` of a TAXII envelope posted in the request."""
    raw = await _body(request, limit)
    try:
        envelope = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaxiiError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(envelope, dict):
        raise TaxiiError(400, "the body must be a TAXII envelope (a JSON object)")
    objects = envelope.get("objects", [])
    if not isinstance(objects, list):
        raise TaxiiError(
            400, "the envelope's 'objects' must be a list", details={"field": "objects"}
        )
    return objects


def _values(params: QueryParams, name: str) -> list[str] | None:
    values = params.getlist(name)
    return values or None


def _set(params: QueryParams, name: str) -> frozenset[str]:
    return frozenset(v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip())


def _limit(params: QueryParams) -> int:
    text = params.get("limit")
    if text is None:
        return DEFAULT_PAGE
    try:
        limit = int(text)
    except ValueError:
        raise QueryError("limit", f"{text!r} is not a whole number") from None
    if limit < 1:
        raise QueryError("limit", "must be 1 or more")
    return min(limit, MAX_PAGE)


def _added_after(params: QueryParams) -> int | None:
    text = params.get("added_after")
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise QueryError("added_after", str(exc)) from None


def object_filter(
    params: QueryParams, *, by_id_and_type: bool = True, default_version: str = "last"
) -> ObjectFilter:
    """An :class:`ObjectFilter` from the URL parameters; QueryError names a bad one."""
    token = params.get("next")
    return ObjectFilter(
        ids=_set(params, "match[id]") if by_id_and_type else frozenset(),
        types=_set(params, "match[type]") if by_id_and_type else frozenset(),
        versions=parse_version_selector(_values(params, "match[version]"), default=default_version),
        spec_versions=parse_spec_versions(_values(params, "match[spec_version]")),
        added_after=_added_after(params),
        after=decode_cursor(token) if token else None,
        limit=_limit(params),
    )
