"""What federation needs from the STIX store: journal hooks, current versions, replica writes.

* :func:`journal_added` / :func:`journal_deleted` stamp changed objects in the core change
  journal (``core.changes``) inside the writer's transaction, so every added version, deletion
  and marking change reaches the federation feed in commit order.
* :func:`current_versions` gives the newest stored version of objects a nation originated: what
  a peer receives (an older version is never exported once a newer one exists).
* :func:`put_replicas` / :func:`drop_replica` keep a *replica*: an object received from a peer
  node, stored in its originator's nation collection with the originator and marking it came
  with, so every local read filters it with the same rule as local objects. A replica holds
  exactly one version, the one last received; it is never journalled (a node exports only what
  its own nations originated).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.marking import Marking
from defpact.core.releasability import encode_release, marking_from
from defpact.core.replication import key_chunks
from defpact.threats.correlation.index import forget_deleted, index_added
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.refs import index_refs
from defpact.threats.stix.stamps import now_us
from defpact.threats.stix.store import (
    OBJECTS_TABLE,
    PARSED,
    PRIOR,
    MarkingDefinitionRow,
    insert_objects,
    lock_clock,
    mark_superseded,
    register_markings,
    stored_versions,
)
from defpact.threats.stix.validate import ValidObject, validate_object

__all__ = [
    "RECORD_TYPE",
    "CurrentVersion",
    "Replica",
    "current_versions",
    "drop_replica",
    "journal_added",
    "journal_deleted",
    "put_replicas",
    "validate_replica",
]

RECORD_TYPE = "stix"
_O = OBJECTS_TABLE


def _marking(row: dict[str, Any]) -> Marking:
    return marking_from(row["originator"], row["classification"], row["releasable_to"], row["tlp"])


def journal_added(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Journal the object rows an add just inserted."""
    record_changes(
        session, [Change(RECORD_TYPE, r["stix_id"], r["originator"], _marking(r)) for r in rows]
    )


def journal_deleted(session: Session, stix_id: str, originator: str) -> None:
    record_changes(session, [Change(RECORD_TYPE, stix_id, originator, None)])


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    stix_id: str
    version: int
    raw: str
    marking: Marking


def current_versions(
    session: Session, stix_ids: Iterable[str], originators: Collection[str]
) -> dict[str, CurrentVersion]:
    """The newest stored version of each id among rows the given nations originated."""
    found: dict[str, CurrentVersion] = {}
    cols = (_O.c.stix_id, _O.c.version, _O.c.raw, _O.c.originator, _O.c.classification,
            _O.c.releasable_to, _O.c.tlp)  # fmt: skip
    for chunk in key_chunks(stix_ids):
        stmt = select(*cols).where(
            _O.c.stix_id.in_(chunk), _O.c.originator.in_(sorted(originators))
        )
        for row in session.connection().execute(stmt):
            held = found.get(row.stix_id)
            if held is None or row.version > held.version:
                marking = marking_from(row.originator, row.classification, row.releasable_to,
                                       row.tlp)  # fmt: skip
                found[row.stix_id] = CurrentVersion(row.stix_id, row.version, row.raw, marking)
    return found


@dataclass(frozen=True, slots=True)
class Replica:
    obj: ValidObject
    marking: Marking


def validate_replica(obj: dict[str, Any], marking: Marking) -> Replica | str:
    """A replica ready to store, or why the object is not a valid STIX 2.1 object.

    Replicas come in a page signed by the peer node that validated them in full on ingest:
    only the structural checks run here (ids, spec version, property names, timestamps)."""
    checked = validate_object(obj, trusted=True)
    if not isinstance(checked, ValidObject):
        return f"{checked.stix_id or 'object'}: {checked.message}"
    return Replica(checked, marking)


def _row(rep: Replica, date_added: int) -> dict[str, Any]:
    obj, marking = rep.obj, rep.marking
    version = obj.version_us if obj.version_us is not None else date_added
    return {
        "collection_id": nation_collection_id(marking.originator), "stix_id": obj.stix_id,
        "type": obj.type, "spec_version": obj.spec_version, "version": version,
        "versioned": obj.version_us is not None, "date_added": date_added,
        "revoked": obj.revoked, "raw": obj.raw, "originator": marking.originator,
        "classification": int(marking.classification),
        "releasable_to": encode_release(marking.releasable_to), "tlp": marking.tlp.value,
        "withdrawn_at": None, "superseded": False, "copied": False, PARSED: obj.parsed,
    }  # fmt: skip


def put_replicas(session: Session, replicas: Sequence[Replica]) -> int:
    """Store each replica as the only version of its id in its originator's collection.

    A replica whose id and version are already held is left as it is (idempotent); returns how
    many rows were written."""
    if not replicas:
        return 0
    last = {r.obj.stix_id: r for r in replicas}  # a later copy in the batch wins
    stored = stored_versions(session, last)
    clock = lock_clock(session)
    stamp = max(now_us(), clock.last_date_added + 1)
    rows: list[dict[str, Any]] = []
    older: list[tuple[str, int]] = []  # ids with versions elsewhere that this one may supersede
    for stix_id, rep in last.items():
        home = nation_collection_id(rep.marking.originator)
        mine = [v for v in stored.get(stix_id, []) if v.collection_id == home]
        if rep.obj.version_us is not None and [v.version for v in mine] == [rep.obj.version_us]:
            continue
        if mine:
            session.execute(delete(_O).where(_O.c.collection_id == home, _O.c.stix_id == stix_id))
        row = _row(rep, stamp)
        others = [v for v in stored.get(stix_id, []) if v.collection_id != home]
        row["superseded"] = any(v.version > row["version"] for v in others)
        row["copied"] = any(v.version == row["version"] for v in others)
        row[PRIOR] = bool(stored.get(stix_id))
        if any(v.version < row["version"] for v in others):
            older.append((stix_id, row["version"]))
        rows.append(row)
        stamp += 1
    insert_objects(session, rows)
    index_refs(session, rows)
    index_added(session, rows)  # replicas correlate with local objects like any other
    mark_superseded(session, older)
    if rows:
        clock.last_date_added = rows[-1]["date_added"]
    _register_definitions(session, [r for r in last.values() if r.obj.defines_marking])
    return len(rows)


def _register_definitions(session: Session, replicas: Sequence[Replica]) -> None:
    ids = [r.obj.stix_id for r in replicas]
    if not ids:
        return
    known = set(
        session.scalars(select(MarkingDefinitionRow.id).where(MarkingDefinitionRow.id.in_(ids)))
    )
    rows = []
    for rep in replicas:
        if rep.obj.stix_id in known:
            continue
        known.add(rep.obj.stix_id)
        defpact = rep.obj.defpact_marking
        rows.append({
            "id": rep.obj.stix_id, "defpact": defpact is not None,
            "classification": int(defpact.classification) if defpact else None,
            "releasable_to": encode_release(defpact.releasable_to) if defpact else None,
        })  # fmt: skip
    register_markings(session, rows)


def drop_replica(session: Session, stix_id: str, originator: str) -> int:
    """Delete every version of a replica; returns how many rows went."""
    home = nation_collection_id(originator)
    versions = session.scalars(
        select(_O.c.version).where(
            _O.c.collection_id == home, _O.c.stix_id == stix_id, _O.c.originator == originator
        )
    ).all()
    forget_deleted(session, home, stix_id, list(versions))
    stmt = delete(_O).where(
        _O.c.collection_id == nation_collection_id(originator),
        _O.c.stix_id == stix_id,
        _O.c.originator == originator,
    )
    result = session.connection().execute(stmt)
    return int(result.rowcount or 0)
