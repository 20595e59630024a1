"""The TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5) under ``/taxii2/``.

One API root, ``/taxii2/pact/``. Every endpoint needs an authenticated user (HTTP Basic or a
Bearer token), answers ``application/taxii+json;version=2.1`` and reports errors as TAXII error
messages. Paths work with and without the trailing slash. Rights on a collection decide who may
ask; each object's marking decides what is returned (see :mod:`defpact.threats.stix.reads`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from defpact.core.deps import ActorDep, UowDep
from defpact.threats.stix import service
from defpact.threats.stix.stamps import format_date_added
from defpact.threats.taxii.errors import TAXII_MEDIA_TYPE, TaxiiError, TaxiiRoute
from defpact.threats.taxii.params import (
    DEFAULT_MAX_CONTENT_LENGTH,
    check_accept,
    check_content_type,
    object_filter,
    read_envelope,
)
from defpact.threats.taxii.schemas import (
    ApiRootOut,
    CollectionOut,
    CollectionsOut,
    DiscoveryOut,
    EnvelopeOut,
    ErrorOut,
    ManifestOut,
    ManifestRecordOut,
    StatusDetailOut,
    StatusOut,
    VersionsOut,
)

__all__ = ["API_ROOT", "error_responses", "router"]

API_ROOT = "pact"
_STIX_MEDIA = "application/stix+json;version=2.1"

router = APIRouter(
    prefix="/taxii2", tags=["taxii"], route_class=TaxiiRoute, dependencies=[Depends(check_accept)]
)


class _ApiRootConvertor(Convertor[str]):
    """An API root name: one path segment, never ``federation`` (the federation feed's own
    routes live under ``/taxii2/federation``, and a 405's ``Allow`` must not mix the two)."""

    regex = r"(?!federation(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("taxiiroot", _ApiRootConvertor())
_OBJECTS = "/{api_root:taxiiroot}/collections/{collection_id}/objects/"
_OBJECT = _OBJECTS + "{object_id}/"


class TaxiiResponse(JSONResponse):
    """JSON in the TAXII media type; text given as a string is sent as it is (already JSON)."""

    media_type = TAXII_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        if isinstance(content, str):
            return content.encode("utf-8")
        return super().render(content)


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for TAXII error messages with the given status codes (and the
    400, 401 and 406 every TAXII route can answer)."""
    return _errors(*codes)


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorOut, "description": "TAXII error message"}
        for code in (400, 401, 406, *codes)
    }


def _ok(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "TAXII resource"}}


def _route(
    path: str,
    method: str,
    model: type[Any] | None,
    *codes: int,
    status: int = 200,
    body: dict[str, Any] | None = None,
) -> Callable[..., Any]:
    """Register ``path`` with and without its trailing slash (the latter hidden from OpenAPI).

    ``model`` None documents a success without a body."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        done: dict[int | str, dict[str, Any]] = {200: {"description": "Done; no body"}}
        responses = {**(_ok(model) if model else done), **_errors(*codes)}
        if status != 200:
            responses[status] = responses.pop(200)
        kind = TaxiiResponse
        router.add_api_route(
            path, endpoint, methods=[method], response_model=None, responses=responses,
            status_code=status, response_class=kind,
            openapi_extra={"requestBody": body} if body else None,
        )  # fmt: skip
        router.add_api_route(
            path.rstrip("/"), endpoint, methods=[method], response_model=None,
            status_code=status, include_in_schema=False, response_class=kind,
        )  # fmt: skip
        return endpoint

    return register


def _taxii(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return TaxiiResponse(body, status_code=status, headers=headers)


def _resource(model: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return _taxii(model.model_dump_json(exclude_none=True), status, headers)


def _check_root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise TaxiiError(404, f"no API root {api_root!r}; this server has /taxii2/{API_ROOT}/")


def _max_length(request: Request) -> int:
    return int(getattr(request.app.state, "taxii_max_content_length", DEFAULT_MAX_CONTENT_LENGTH))


def _added_headers(paging: Any) -> dict[str, str]:
    if paging.first_added is None:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_date_added(paging.first_added),
        "X-TAXII-Date-Added-Last": format_date_added(paging.last_added),
    }


def _envelope(page: service.ObjectPage) -> Response:
    paging = page.paging
    parts = ['{"more":', "true" if paging.more else "false"]
    if paging.next:
        parts += [',"next":', json.dumps(paging.next)]
    if page.raws:
        parts += [',"objects":[', ",".join(page.raws), "]"]
    parts.append("}")
    return _taxii("".join(parts), headers=_added_headers(paging))


def _collection(info: service.CollectionInfo) -> CollectionOut:
    return CollectionOut(
        id=info.id, title=info.title, description=info.description or None, alias=info.alias,
        can_read=info.can_read, can_write=info.can_write, media_types=[_STIX_MEDIA],
    )  # fmt: skip


def _status(info: service.StatusInfo) -> StatusOut:
    def details(items: tuple[service.StatusDetail, ...]) -> list[StatusDetailOut] | None:
        out = [StatusDetailOut(id=d.stix_id, version=d.version, message=d.message) for d in items]
        return out or None

    return StatusOut(
        id=info.id, status=info.status,
        request_timestamp=format_date_added(info.request_timestamp),
        total_count=info.total_count, success_count=info.success_count,
        successes=details(info.successes), failure_count=info.failure_count,
        failures=details(info.failures), pending_count=info.pending_count,
    )  # fmt: skip


@_route("/", "GET", DiscoveryOut)
def discovery(request: Request, _actor: ActorDep) -> Response:
    root = f"{str(request.base_url).rstrip('/')}/taxii2/{API_ROOT}/"
    return _resource(
        DiscoveryOut(
            title="defpact TAXII 2.1 server",
            description="Hybrid-threat intelligence shared among the pact's nations. Every "
            "object is returned only to the nations its marking releases it to.",
            default=root,
            api_roots=[root],
        )
    )


@_route("/{api_root:taxiiroot}/", "GET", ApiRootOut, 404)
def api_root(api_root: str, request: Request, _actor: ActorDep) -> Response:
    _check_root(api_root)
    return _resource(
        ApiRootOut(
            title="Pact",
            description="The pact's collections: one per member nation and the pact-wide view.",
            versions=[TAXII_MEDIA_TYPE],
            max_content_length=_max_length(request),
        )
    )


@_route("/{api_root:taxiiroot}/status/{status_id}/", "GET", StatusOut, 404)
def status(api_root: str, status_id: str, actor: ActorDep, uow: UowDep) -> Response:
    _check_root(api_root)
    return _resource(_status(service.get_status(uow, actor, status_id)))


@_route("/{api_root:taxiiroot}/collections/", "GET", CollectionsOut, 404)
def collections(api_root: str, actor: ActorDep, uow: UowDep) -> Response:
    _check_root(api_root)
    infos = service.list_collections(uow, actor)
    return _resource(CollectionsOut(collections=[_collection(i) for i in infos]))


@_route("/{api_root:taxiiroot}/collections/{collection_id}/", "GET", CollectionOut, 404)
def collection(api_root: str, collection_id: str, actor: ActorDep, uow: UowDep) -> Response:
    _check_root(api_root)
    return _resource(_collection(service.get_collection(uow, actor, collection_id)))


@_route("/{api_root:taxiiroot}/collections/{collection_id}/manifest/", "GET", ManifestOut, 403, 404)
def manifest(
    api_root: str, collection_id: str, request: Request, actor: ActorDep, uow: UowDep
) -> Response:
    _check_root(api_root)
    page = service.read_manifest(uow, actor, collection_id, object_filter(request.query_params))
    records = [
        ManifestRecordOut(id=r.stix_id, date_added=r.date_added, version=r.version,
                          media_type=r.media_type)
        for r in page.records
    ]  # fmt: skip
    out = ManifestOut(more=page.paging.more, next=page.paging.next, objects=records or None)
    return _resource(out, headers=_added_headers(page.paging))


@_route("/{api_root:taxiiroot}/collections/{collection_id}/objects/", "GET", EnvelopeOut, 403, 404)
def get_objects(
    api_root: str, collection_id: str, request: Request, actor: ActorDep, uow: UowDep
) -> Response:
    _check_root(api_root)
    flt = object_filter(request.query_params)
    return _envelope(service.read_objects(uow, actor, collection_id, flt))


_ENVELOPE_BODY = {
    "required": True,
    "description": "A TAXII envelope of STIX 2.1 objects",
    "content": {
        TAXII_MEDIA_TYPE: {
            "schema": {
                "type": "object",
                "properties": {"objects": {"type": "array", "items": {"type": "object"}}},
                "required": ["objects"],
            }
        }
    },
}


@_route(_OBJECTS, "POST", StatusOut, 403, 404, 413,
        415, 422, status=202, body=_ENVELOPE_BODY)  # fmt: skip
async def add_objects(
    api_root: str, collection_id: str, request: Request, actor: ActorDep, uow: UowDep
) -> Response:
    _check_root(api_root)
    check_content_type(request)
    objects = await read_envelope(request, _max_length(request))
    info = await run_in_threadpool(service.add_objects, uow, actor, collection_id, objects)
    return _taxii(_status_json(info), 202)


def _status_json(info: service.StatusInfo) -> str:
    """The status resource as :func:`_status` serialises it, built without a model per entry
    (an envelope of thousands of objects answers with thousands of successes)."""

    def details(items: tuple[service.StatusDetail, ...]) -> list[dict[str, str]] | None:
        out = [
            {"id": d.stix_id, "version": d.version, "message": d.message}
            if d.message is not None
            else {"id": d.stix_id, "version": d.version}
            for d in items
        ]
        return out or None

    body: dict[str, Any] = {
        "id": info.id, "status": info.status,
        "request_timestamp": format_date_added(info.request_timestamp),
        "total_count": info.total_count, "success_count": info.success_count,
        "successes": details(info.successes), "failure_count": info.failure_count,
        "failures": details(info.failures), "pending_count": info.pending_count,
    }  # fmt: skip
    return json.dumps({k: v for k, v in body.items() if v is not None}, separators=(",", ":"))


@_route(_OBJECT, "GET", EnvelopeOut,
        403, 404)  # fmt: skip
def get_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    actor: ActorDep,
    uow: UowDep,
) -> Response:
    _check_root(api_root)
    flt = object_filter(request.query_params, by_id_and_type=False)
    return _envelope(service.read_object(uow, actor, collection_id, object_id, flt))


@_route(
    "/{api_root:taxiiroot}/collections/{collection_id}/objects/{object_id}/",
    "DELETE",
    None,
    403,
    404,
)
def delete_object(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    actor: ActorDep,
    uow: UowDep,
) -> Response:
    _check_root(api_root)
    flt = object_filter(request.query_params, by_id_and_type=False, default_version="all")
    service.delete_object(uow, actor, collection_id, object_id, flt.versions, flt.spec_versions)
    return TaxiiResponse("", status_code=200)


@_route("/{api_root:taxiiroot}/collections/{collection_id}/objects/{object_id}/versions/", "GET",
        VersionsOut, 403, 404)  # fmt: skip
def versions(
    api_root: str,
    collection_id: str,
    object_id: str,
    request: Request,
    actor: ActorDep,
    uow: UowDep,
) -> Response:
    _check_root(api_root)
    flt = object_filter(request.query_params, by_id_and_type=False, default_version="all")
    page = service.read_versions(uow, actor, collection_id, object_id, flt)
    out = VersionsOut(
        more=page.paging.more, next=page.paging.next, versions=list(page.versions) or None
    )
    return _resource(out, headers=_added_headers(page.paging))
