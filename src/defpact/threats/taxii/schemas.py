"""TAXII 2.1 resources as Pydantic models (OASIS TAXII 2.1, sections 3.6-5.8).

They document the API (OpenAPI) and serialise the small resources. Envelopes of objects are
written directly from the stored JSON text and are documented by :class:`EnvelopeOut`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApiRootOut",
    "CollectionOut",
    "CollectionsOut",
    "DiscoveryOut",
    "EnvelopeOut",
    "ErrorOut",
    "ManifestOut",
    "ManifestRecordOut",
    "StatusDetailOut",
    "StatusOut",
    "VersionsOut",
]


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DiscoveryOut(_Resource):
    title: str
    description: str | None = None
    contact: str | None = None
    default: str | None = None
    api_roots: list[str] = Field(default_factory=list)


class ApiRootOut(_Resource):
    title: str
    description: str | None = None
    versions: list[str]
    max_content_length: int


class CollectionOut(_Resource):
    id: str
    title: str
    description: str | None = None
    alias: str | None = None
    can_read: bool
    can_write: bool
    media_types: list[str]


class CollectionsOut(_Resource):
    collections: list[CollectionOut] = Field(default_factory=list)


class StatusDetailOut(_Resource):
    id: str
    version: str
    message: str | None = None


class StatusOut(_Resource):
    id: str
    status: str
    request_timestamp: str | None = None
    total_count: int
    success_count: int
    successes: list[StatusDetailOut] | None = None
    failure_count: int
    failures: list[StatusDetailOut] | None = None
    pending_count: int
    pendings: list[StatusDetailOut] | None = None


class ManifestRecordOut(_Resource):
    id: str
    date_added: str
    version: str
    media_type: str | None = None


class ManifestOut(_Resource):
    more: bool = False
    next: str | None = None
    objects: list[ManifestRecordOut] | None = None


class VersionsOut(_Resource):
    more: bool = False
    next: str | None = None
    versions: list[str] | None = None


class EnvelopeOut(_Resource):
    more: bool = False
    next: str | None = None
    objects: list[dict[str, Any]] | None = None


class ErrorOut(_Resource):
    title: str
    description: str | None = None
    error_id: str | None = None
    error_code: str | None = None
    http_status: str | None = None
    external_details: str | None = None
    details: dict[str, Any] | None = None
