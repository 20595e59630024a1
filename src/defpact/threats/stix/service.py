"""Use cases of the STIX store, as the TAXII 2.1 server (and later the web UI and CLI) call them.

Reads return frozen page objects carrying the raw JSON text of each object, never ORM rows, and
the ``date_added`` of the first and last row (the ``X-TAXII-Date-Added-First/Last`` headers).
Rights on a collection decide who may ask; the marking of each object decides what it sees
(:mod:`reads`). Reading a page that contains RESTRICTED-or-higher objects writes one audit event
naming them; deleting writes one. Only the originating nation may delete an object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.correlation.index import forget_deleted
from defpact.threats.stix import reads
from defpact.threats.stix.collections import (
    CollectionInfo,
    collection_for,
    collection_infos,
    seed_threats,
)
from defpact.threats.stix.ingest import (
    StatusDetail,
    StatusInfo,
    add_objects,
    get_status,
    writer,
)
from defpact.threats.stix.query import Cursor, ObjectFilter, VersionSelector, encode_cursor
from defpact.threats.stix.replication import journal_deleted
from defpact.threats.stix.stamps import format_date_added, format_version
from defpact.threats.stix.store import StixObjectRow

__all__ = [
    "CollectionInfo",
    "ManifestPage",
    "ManifestRecord",
    "ObjectPage",
    "StatusDetail",
    "StatusInfo",
    "VersionsPage",
    "add_objects",
    "delete_object",
    "get_collection",
    "get_status",
    "list_collections",
    "read_manifest",
    "read_object",
    "read_objects",
    "read_versions",
    "seed_threats",
]

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


@dataclass(frozen=True, slots=True)
class _Paging:
    more: bool
    next: str | None
    first_added: int | None
    last_added: int | None


@dataclass(frozen=True, slots=True)
class ObjectPage:
    raws: tuple[str, ...]
    paging: _Paging


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    stix_id: str
    date_added: str
    version: str
    media_type: str


@dataclass(frozen=True, slots=True)
class ManifestPage:
    records: tuple[ManifestRecord, ...]
    paging: _Paging


@dataclass(frozen=True, slots=True)
class VersionsPage:
    versions: tuple[str, ...]
    paging: _Paging


def _principal(actor: Actor) -> Principal:
    if actor.principal is None:
        raise PermissionDenied("TAXII needs a signed-in user")
    return actor.principal


def list_collections(uow: UnitOfWork, actor: Actor) -> list[CollectionInfo]:
    principal = _principal(actor)
    with uow:
        return collection_infos(uow.session, principal, member_codes_in(uow.session))


def get_collection(uow: UnitOfWork, actor: Actor, collection_id: str) -> CollectionInfo:
    principal = _principal(actor)
    with uow:
        return collection_for(uow.session, principal, member_codes_in(uow.session), collection_id)


def _readable(
    session: Session, principal: Principal, collection_id: str
) -> tuple[CollectionInfo, frozenset[str]]:
    members = member_codes_in(session)
    info = collection_for(session, principal, members, collection_id)
    if not info.can_read:
        raise PermissionDenied(f"you may not read collection {collection_id!r}")
    return info, members


def _paging(rows: Sequence[Any], limit: int) -> tuple[Sequence[Any], _Paging]:
    more = len(rows) > limit
    shown = rows[:limit]
    last = shown[-1] if shown else None
    token = encode_cursor(Cursor(last.date_added, last.stix_id)) if more and last else None
    first_added = shown[0].date_added if shown else None
    return shown, _Paging(more, token, first_added, last.date_added if last else None)


def _audit_classified(
    session: Session, actor: Actor, info: CollectionInfo, rows: Sequence[Any], action: str
) -> bool:
    """Record one event naming the RESTRICTED-or-higher objects a read returned."""
    classified = sorted({r[1] for r in rows if r[-1] >= Clearance.RESTRICTED})
    if not classified:
        return False
    record_event(
        session, actor, action, "taxii_collection", info.id,
        object_nation=info.owner, after={"objects": classified},
    )  # fmt: skip
    return True


def _read(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    flt: ObjectFilter,
    *,
    manifest: bool,
    action: str,
    stix_id: str | None = None,
) -> tuple[Sequence[Any], _Paging]:
    principal = _principal(actor)
    with uow:
        session = uow.session
        info, members = _readable(session, principal, collection_id)
        rows = reads.page(session, info.scope, principal, members, flt, manifest=manifest)
        if stix_id is not None and not rows:
            if not reads.any_visible(session, info.scope, principal, members, stix_id):
                raise NotFound(f"no object {stix_id!r} in collection {collection_id!r}")
        shown, paging = _paging(rows, flt.limit)
        if _audit_classified(session, actor, info, shown, action):
            uow.commit()
        return shown, paging


def read_objects(
    uow: UnitOfWork, actor: Actor, collection_id: str, flt: ObjectFilter
) -> ObjectPage:
    rows, paging = _read(uow, actor, collection_id, flt, manifest=False, action="taxii.read")
    return ObjectPage(tuple(r[2] for r in rows), paging)


def read_object(
    uow: UnitOfWork, actor: Actor, collection_id: str, stix_id: str, flt: ObjectFilter
) -> ObjectPage:
    """Versions of one object (TAXII "Get An Object"); NotFound when none is visible."""
    flt = _only(flt, stix_id)
    rows, paging = _read(
        uow, actor, collection_id, flt, manifest=False, action="taxii.read", stix_id=stix_id
    )
    return ObjectPage(tuple(r[2] for r in rows), paging)


def _only(flt: ObjectFilter, stix_id: str) -> ObjectFilter:
    return ObjectFilter(
        ids=frozenset({stix_id}), versions=flt.versions, spec_versions=flt.spec_versions,
        added_after=flt.added_after, after=flt.after, limit=flt.limit,
    )  # fmt: skip


def _record(row: Row[Any]) -> ManifestRecord:
    version = format_version(row.version) if row.versioned else format_date_added(row.version)
    return ManifestRecord(
        row.stix_id, format_date_added(row.date_added), version,
        f"application/stix+json;version={row.spec_version}",
    )  # fmt: skip


def read_manifest(
    uow: UnitOfWork, actor: Actor, collection_id: str, flt: ObjectFilter
) -> ManifestPage:
    rows, paging = _read(uow, actor, collection_id, flt, manifest=True, action="taxii.manifest")
    return ManifestPage(tuple(_record(r) for r in rows), paging)


def read_versions(
    uow: UnitOfWork, actor: Actor, collection_id: str, stix_id: str, flt: ObjectFilter
) -> VersionsPage:
    """Every visible version of one object, in date_added order; NotFound when none."""
    flt = _only(flt, stix_id)
    flt = ObjectFilter(
        ids=flt.ids, versions=VersionSelector(last=False, every=True),
        spec_versions=flt.spec_versions, added_after=flt.added_after, after=flt.after,
        limit=flt.limit,
    )  # fmt: skip
    rows, paging = _read(
        uow, actor, collection_id, flt, manifest=True, action="taxii.versions", stix_id=stix_id
    )
    return VersionsPage(tuple(_record(r).version for r in rows), paging)


def delete_object(
    uow: UnitOfWork,
    actor: Actor,
    collection_id: str,
    stix_id: str,
    versions: VersionSelector,
    spec_versions: frozenset[str],
) -> int:
    """Delete the matching visible versions of an object (all by default); returns how many.

    The caller needs the analyst or intel role, read and write rights on the collection, and
    must be of the nation that added every version it deletes.
    """
    principal = writer(actor)
    with uow:
        session = uow.session
        info, members = _readable(session, principal, collection_id)
        if not info.can_write:
            raise PermissionDenied(f"deleting needs write rights on collection {collection_id!r}")
        rows = reads.select_for_delete(
            session, info.id, principal, members, stix_id, versions, spec_versions
        )
        if not rows:
            raise NotFound(f"no object {stix_id!r} in collection {collection_id!r}")
        if any(r.originator != principal.nation for r in rows):
            raise PermissionDenied("only the nation that added an object may delete it")
        ensure_originated_here(session, principal.nation, "threat object")
        session.execute(delete(StixObjectRow).where(StixObjectRow.pk.in_([r.pk for r in rows])))
        journal_deleted(session, stix_id, principal.nation)
        forget_deleted(session, info.id, stix_id, [r.version for r in rows])
        record_event(
            session, actor, "taxii.objects.delete", "taxii_collection", info.id,
            object_nation=principal.nation,
            before={"object": stix_id, "versions": [format_version(r.version) for r in rows]},
        )  # fmt: skip
        uow.commit()
        return len(rows)
