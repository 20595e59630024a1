"""Adding objects to a collection (TAXII "Add Objects") and reading the resulting status.

Objects are validated one by one *before* the write transaction (the CPU-heavy part, no lock
held); then, in one transaction that holds the store's clock lock, each valid object gets its
marking (:func:`marking.resolve_object_marking`, checked with ``core.marking.marking_problem``),
is checked against the versions already stored, and receives

    date_added_i = max(now, last_date_added + 1 µs) + i µs

so ``date_added`` is strictly increasing across concurrent writers and rows committed later always
sort later. All rows go in with one multi-row INSERT; the status resource and one audit event
commit with them. A partially valid envelope stores the valid objects and reports every failure
in the status resource.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import Marking, can_read, marking_problem
from defpact.core.origin import ensure_originated_here
from defpact.core.releasability import encode_release, marking_from
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.correlation.index import index_added
from defpact.threats.stix.collections import CollectionInfo, collection_for
from defpact.threats.stix.marking import (
    TLP_BY_MARKING_ID,
    DefpactMarking,
    MarkingError,
    resolve_object_marking,
)
from defpact.threats.stix.refs import index_refs
from defpact.threats.stix.replication import journal_added
from defpact.threats.stix.stamps import format_date_added, format_version, now_us
from defpact.threats.stix.store import (
    PARSED,
    PRIOR,
    StatusRow,
    StoredVersion,
    insert_objects,
    known_markings,
    lock_clock,
    mark_superseded,
    register_markings,
    stored_versions,
)
from defpact.threats.stix.validate import Rejected, ValidObject, validate_object

__all__ = ["WRITER_ROLES", "StatusDetail", "StatusInfo", "add_objects", "get_status", "writer"]

_DUPLICATE = "an object with this id and version is already in the collection"


@dataclass(frozen=True, slots=True)
class StatusDetail:
    stix_id: str
    version: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class StatusInfo:
    id: str
    status: str
    request_timestamp: int
    total_count: int
    success_count: int
    failure_count: int
    pending_count: int
    successes: tuple[StatusDetail, ...]
    failures: tuple[StatusDetail, ...]


@dataclass
class _Batch:
    """What one envelope turns into inside the write transaction."""

    rows: list[dict[str, Any]]
    successes: list[list[Any]]
    failures: list[StatusDetail]
    markings: list[dict[str, Any]]
    newest: list[tuple[str, int]]


WRITER_ROLES = (Role.ANALYST, Role.INTEL)


def writer(actor: Actor) -> Principal:
    """The principal of an actor who may add or delete objects (an analyst or intel officer)."""
    if actor.principal is None:
        raise PermissionDenied("adding TAXII objects needs a signed-in user")
    if not actor.principal.has_role(*WRITER_ROLES):
        raise PermissionDenied("adding or deleting threat objects needs the analyst or intel role")
    return actor.principal


def _writable(session: Session, principal: Principal, collection_id: str) -> CollectionInfo:
    info = collection_for(session, principal, member_codes_in(session), collection_id)
    if not info.can_write:
        raise PermissionDenied(f"you may not add objects to collection {collection_id!r}")
    return info


class _Markings:
    """Marking definitions known to the store plus those arriving in this envelope (all of
    them, wherever they are in the envelope; the first definition of an id wins)."""

    def __init__(self, session: Session, valid: Sequence[ValidObject]) -> None:
        refs = {r for v in valid for r in v.marking_refs if r not in TLP_BY_MARKING_ID}
        defined = [v for v in valid if v.defines_marking]
        defpact, other = known_markings(session, refs | {v.stix_id for v in defined})
        self.stored = set(defpact) | other
        self.first: dict[str, DefpactMarking | None] = {**dict.fromkeys(other), **defpact}
        for obj in defined:
            self.first.setdefault(obj.stix_id, obj.defpact_marking)
        self._defpact = {k: m for k, m in self.first.items() if m is not None}
        self._other = {k for k, m in self.first.items() if m is None}
        self._cache: dict[tuple[str, ...], Marking | str] = {}

    def conflicts(self, obj: ValidObject) -> bool:
        return self.first.get(obj.stix_id) != obj.defpact_marking

    def resolve(self, obj: ValidObject, default: Marking) -> Marking | str:
        """The object's marking, or why it has none (cached per list of references)."""
        cached = self._cache.get(obj.marking_refs)
        if cached is None:
            try:
                cached = resolve_object_marking(
                    obj.marking_refs, originator=default.originator, default=default,
                    defpact=self._defpact, known_other=self._other,
                )  # fmt: skip
            except MarkingError as exc:
                cached = str(exc)
            self._cache[obj.marking_refs] = cached
        return cached


def _duplicate(obj: ValidObject, seen: dict[str, list[tuple[int, bool]]]) -> bool:
    versions = seen.get(obj.stix_id, [])
    if obj.version_us is None:
        return bool(versions)
    return any(v == obj.version_us or not versioned for v, versioned in versions)


def _row(obj: ValidObject, collection_id: str, marking: Marking, date_added: int) -> dict[str, Any]:
    return {
        "collection_id": collection_id, "stix_id": obj.stix_id, "type": obj.type,
        "spec_version": obj.spec_version,
        "version": obj.version_us if obj.version_us is not None else date_added,
        "versioned": obj.version_us is not None, "date_added": date_added,
        "revoked": obj.revoked, "raw": obj.raw, "originator": marking.originator,
        "classification": int(marking.classification),
        "releasable_to": encode_release(marking.releasable_to), "tlp": marking.tlp.value,
        "withdrawn_at": None, PARSED: obj.parsed,
    }  # fmt: skip


def _version_label(obj: ValidObject, date_added: int) -> str:
    return (
        format_version(obj.version_us)
        if obj.version_us is not None
        else format_date_added(date_added)
    )


def _build(
    session: Session,
    principal: Principal,
    info: CollectionInfo,
    checked: Sequence[ValidObject | Rejected],
    start: int,
) -> _Batch:
    valid = [c for c in checked if isinstance(c, ValidObject)]
    markings = _Markings(session, valid)
    stored = stored_versions(session, (v.stix_id for v in valid))
    seen = {
        sid: [(v.version, v.versioned) for v in versions if v.collection_id == info.id]
        for sid, versions in stored.items()
    }
    members = member_codes_in(session)
    batch = _Batch([], [], [], [], [])
    for item in checked:
        if isinstance(item, Rejected):
            batch.failures.append(StatusDetail(item.stix_id, item.version, item.message))
            continue
        problem = _problem(item, markings, info, members, principal.clearance, seen)
        if isinstance(problem, str):
            label = format_version(item.version_us) if item.version_us is not None else ""
            batch.failures.append(StatusDetail(item.stix_id, label, problem))
            continue
        added = start + len(batch.rows)
        batch.rows.append(_row(item, info.id, problem, added))
        version = item.version_us if item.version_us is not None else added
        seen.setdefault(item.stix_id, []).append((version, item.version_us is not None))
        batch.successes.append(_success_entry(item, problem, added))
        if item.defines_marking and item.stix_id not in markings.stored:
            batch.markings.append(_marking_row(item))
            markings.stored.add(item.stix_id)
    _set_hints(batch, stored)
    return batch


def _set_hints(batch: _Batch, stored: dict[str, list[StoredVersion]]) -> None:
    """Flag new rows that have a newer version or an earlier copy somewhere, and list the ids
    whose stored versions a new row supersedes (see ``StixObjectRow.superseded``)."""
    newest = {sid: max(v.version for v in versions) for sid, versions in stored.items()}
    for row in batch.rows:
        newest[row["stix_id"]] = max(newest.get(row["stix_id"], row["version"]), row["version"])
    copies = {(sid, v.version) for sid, versions in stored.items() for v in versions}
    for row in batch.rows:
        row["superseded"] = row["version"] < newest[row["stix_id"]]
        row["copied"] = (row["stix_id"], row["version"]) in copies
        row[PRIOR] = row["stix_id"] in stored
    touched = {row["stix_id"] for row in batch.rows}
    batch.newest = [
        (sid, newest[sid])
        for sid in sorted(touched)
        if any(v.version < newest[sid] for v in stored.get(sid, []))
    ]


def _problem(
    item: ValidObject,
    markings: _Markings,
    info: CollectionInfo,
    members: frozenset[str],
    clearance: Clearance,
    seen: dict[str, list[tuple[int, bool]]],
) -> str | Marking:
    """The object's marking, or why it cannot be stored."""
    if item.defines_marking and markings.conflicts(item):
        return "a different marking definition with this id already exists"
    marking = markings.resolve(item, info.default_marking)
    if isinstance(marking, str):
        return marking
    if problem := _marking_problem(marking, members, clearance):
        return problem
    if _duplicate(item, seen):
        return _DUPLICATE
    return marking


@lru_cache(maxsize=1024)
def _marking_problem(marking: Marking, members: frozenset[str], clearance: Clearance) -> str | None:
    problem = marking_problem(marking, members, clearance)
    return f"{problem[0]}: {problem[1]}" if problem else None


def _success_entry(obj: ValidObject, marking: Marking, date_added: int) -> list[Any]:
    """Stored per success: enough to re-check visibility when the status is read."""
    return [
        obj.stix_id, _version_label(obj, date_added), marking.originator,
        int(marking.classification), encode_release(marking.releasable_to), marking.tlp.value,
    ]  # fmt: skip


def _marking_row(obj: ValidObject) -> dict[str, Any]:
    defpact = obj.defpact_marking
    return {
        "id": obj.stix_id,
        "defpact": defpact is not None,
        "classification": int(defpact.classification) if defpact else None,
        "releasable_to": encode_release(defpact.releasable_to) if defpact else None,
    }


def add_objects(
    uow: UnitOfWork, actor: Actor, collection_id: str, objects: Sequence[object]
) -> StatusInfo:
    """Validate and store an envelope's objects; returns the (complete) status resource."""
    principal = writer(actor)
    requested = now_us()
    with uow:
        _writable(uow.session, principal, collection_id)
        ensure_originated_here(uow.session, principal.nation, "threat object")
    checked = [validate_object(obj) for obj in objects]
    with uow:
        session = uow.session
        clock = lock_clock(session)
        info = _writable(session, principal, collection_id)
        start = max(now_us(), clock.last_date_added + 1)
        batch = _build(session, principal, info, checked, start)
        insert_objects(session, batch.rows)
        index_refs(session, batch.rows)
        journal_added(session, batch.rows)
        mark_superseded(session, batch.newest)
        register_markings(session, batch.markings)
        index_added(session, batch.rows)
        if batch.rows:
            clock.last_date_added = batch.rows[-1]["date_added"]
        status = _save_status(session, principal, info, requested, batch)
        _audit_add(session, actor, info, status, batch)
        uow.commit()
    return status


def _save_status(
    session: Session, principal: Principal, info: CollectionInfo, requested: int, batch: _Batch
) -> StatusInfo:
    failures = [
        {"id": f.stix_id, "version": f.version, "message": f.message} for f in batch.failures
    ]
    row = StatusRow(
        id=str(uuid.uuid4()), collection_id=info.id, user_id=principal.user_id,
        request_timestamp=requested, status="complete",
        total_count=len(batch.successes) + len(batch.failures),
        success_count=len(batch.successes), failure_count=len(batch.failures), pending_count=0,
        successes=json.dumps(batch.successes, separators=(",", ":")),
        failures=json.dumps(failures, separators=(",", ":")),
    )  # fmt: skip
    session.add(row)
    return _status_info(row, [StatusDetail(s[0], s[1]) for s in batch.successes])


def _audit_add(
    session: Session, actor: Actor, info: CollectionInfo, status: StatusInfo, batch: _Batch
) -> None:
    """One event per envelope. The date_added range identifies the rows added (date_added is
    unique), and the digest of their ids makes the event commit to exactly those objects."""
    ids = "\n".join(r["stix_id"] for r in batch.rows).encode()
    record_event(
        session,
        actor,
        "taxii.objects.add",
        "taxii_collection",
        info.id,
        object_nation=actor.nation,
        after={
            "status": status.id,
            "added": len(batch.rows),
            "failures": status.failure_count,
            "date_added": [batch.rows[0]["date_added"], batch.rows[-1]["date_added"]]
            if batch.rows
            else [],
            "ids_sha256": hashlib.sha256(ids).hexdigest(),
        },
    )


def _status_info(row: StatusRow, successes: list[StatusDetail]) -> StatusInfo:
    failures = [StatusDetail(f["id"], f["version"], f["message"]) for f in json.loads(row.failures)]
    return StatusInfo(
        id=row.id, status=row.status, request_timestamp=row.request_timestamp,
        total_count=len(successes) + row.failure_count + row.pending_count,
        success_count=len(successes), failure_count=row.failure_count,
        pending_count=row.pending_count, successes=tuple(successes), failures=tuple(failures),
    )  # fmt: skip


def get_status(uow: UnitOfWork, actor: Actor, status_id: str) -> StatusInfo:
    """A status resource, to the user who made the request only; successes are limited to the
    objects that user may read now."""
    if actor.principal is None:
        raise PermissionDenied("TAXII needs a signed-in user")
    principal = actor.principal
    with uow:
        row = uow.session.get(StatusRow, status_id)
        if row is None or row.user_id != principal.user_id:
            raise NotFound(f"no status {status_id!r}")
        members = member_codes_in(uow.session)
        visible = []
        for entry in json.loads(row.successes):
            stix_id, version, originator, level, release, tlp = entry
            marking = marking_from(originator, level, release, tlp)
            if can_read(principal.nation, principal.clearance, marking, members):
                visible.append(StatusDetail(stix_id, version))
        return _status_info(row, visible)
