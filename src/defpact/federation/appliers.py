"""Applying a peer's feed page to this node's tables, inside the caller's one transaction.

Upserts are idempotent on (id, version): a replica already held at that version is left alone,
a different version replaces it (a replica holds one version: the peer's current one). A
tombstone deletes the replica. A record whose marking releases it to none of this node's nations
(members as this node knows them) is not stored, and a replica held for it is deleted. The
registry ``federation_replicas`` records every replica with the peer it came from, so a removed
peering or a changed membership can find and drop what it brought.

Context records go through :data:`RECORD_APPLIERS` (the context's ``replication`` module: put
and drop). A put that cannot place the replica without a dangling reference (a requirement whose
catalogue item this node lacks, a lesson whose exercise is not held here, an exercise whose code
belongs to another record here, a meeting or action item whose expert group is not held here, a
group whose name belongs to another group here) answers None: the record is counted as refused
and any replica held for it is dropped. Fields that are malformed (``ReplicaRefused``) fail the
whole page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from defpact.core.db import bulk_insert
from defpact.core.identity import Clearance
from defpact.core.marking import Marking, can_read
from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.federation.stixmap import Tombstone, Upsert
from defpact.federation.store import ReplicaRow
from defpact.federation.transport import SyncFault
from defpact.governance import replication as gov_replication
from defpact.governance import replication_actions as gov_actions
from defpact.governance import replication_groups as gov_groups
from defpact.procurement import case_replication
from defpact.procurement import replication as procurement_replication
from defpact.threats.intel import replication as intel_replication
from defpact.threats.stix import replication as stix_replication
from defpact.training import replication as training_replication

__all__ = [
    "RECORD_APPLIERS",
    "Applied",
    "RecordApplier",
    "apply_items",
    "drop_all_replicas",
    "purge_unreleased",
    "releases_to_us",
]


@dataclass(frozen=True, slots=True)
class RecordApplier:
    put: Callable[[Session, int | None, RecordState], int | None]
    drop: Callable[[Session, int], None]
    states: Callable[[Session, Collection[int], Collection[str]], Mapping[int, RecordState]]


RECORD_APPLIERS: dict[str, RecordApplier] = {
    procurement_replication.RECORD_TYPE: RecordApplier(
        procurement_replication.put_replica, procurement_replication.drop_replica,
        procurement_replication.states_by_id,
    ),
    training_replication.EXERCISE: RecordApplier(
        training_replication.put_exercise_replica, training_replication.drop_exercise_replica,
        training_replication.exercise_states,
    ),
    training_replication.LESSON: RecordApplier(
        training_replication.put_lesson_replica, training_replication.drop_lesson_replica,
        training_replication.lesson_states,
    ),
    gov_replication.RECORD_TYPE: RecordApplier(
        gov_replication.put_replica, gov_replication.drop_replica, gov_replication.states_by_id,
    ),
    procurement_replication.BUDGET_LINE: RecordApplier(
        procurement_replication.put_budget_line_replica,
        procurement_replication.drop_budget_line_replica,
        procurement_replication.budget_line_states,
    ),
    case_replication.RECORD_TYPE: RecordApplier(
        case_replication.put_replica, case_replication.drop_replica,
        case_replication.states_by_id,
    ),
    gov_groups.GROUP: RecordApplier(
        gov_groups.put_group_replica, gov_groups.drop_group_replica, gov_groups.group_states,
    ),
    gov_groups.MEETING: RecordApplier(
        gov_groups.put_meeting_replica, gov_groups.drop_meeting_replica, gov_groups.meeting_states,
    ),
    gov_groups.ACTION: RecordApplier(
        gov_actions.put_action_replica, gov_actions.drop_action_replica, gov_actions.action_states,
    ),
}  # fmt: skip


@dataclass
class Applied:
    stored: int = 0
    unchanged: int = 0
    removed: int = 0
    refused: int = 0


def releases_to_us(marking: Marking, nations: frozenset[str], members: frozenset[str]) -> bool:
    return any(can_read(n, Clearance.SECRET, marking, members) for n in nations)


@dataclass
class _Fresh:
    """A replica registered in this page, inserted with the others at the end of the page."""

    peer_id: int
    record_type: str
    remote_id: str
    originator: str
    local_key: str
    version: int


_REPLICAS = cast(Table, ReplicaRow.__table__)


def _values(fresh: _Fresh) -> dict[str, object]:
    return {"peer_id": fresh.peer_id, "record_type": fresh.record_type,
            "remote_id": fresh.remote_id, "originator": fresh.originator,
            "local_key": fresh.local_key, "version": fresh.version}  # fmt: skip


def _drop(session: Session, replica: ReplicaRow | _Fresh) -> None:
    if replica.record_type == stix_replication.RECORD_TYPE:
        stix_replication.drop_replica(session, replica.local_key, replica.originator)
    elif replica.record_type == intel_replication.RECORD_TYPE:
        intel_replication.drop_report_replica(session, int(replica.local_key))
    elif replica.record_type in RECORD_APPLIERS:
        RECORD_APPLIERS[replica.record_type].drop(session, int(replica.local_key))
    if isinstance(replica, ReplicaRow):
        session.delete(replica)


def _held(
    session: Session, peer_id: int, items: Sequence[Upsert | Tombstone]
) -> dict[tuple[str, str], ReplicaRow]:
    held: dict[tuple[str, str], ReplicaRow] = {}
    by_type: dict[str, set[str]] = {}
    for item in items:
        by_type.setdefault(item.record_type, set()).add(item.remote_id)
    for record_type, wanted in sorted(by_type.items()):
        for chunk in key_chunks(wanted):
            # The whole primary key (peer, type, id): an index lookup per id, whatever the
            # number of replicas held (peer alone would scan all of the peer's replicas).
            stmt = select(ReplicaRow).where(
                ReplicaRow.peer_id == peer_id, ReplicaRow.record_type == record_type,
                ReplicaRow.remote_id.in_(chunk),
            )  # fmt: skip
            for row in session.scalars(stmt):
                held[(row.record_type, row.remote_id)] = row
    return held


def apply_items(
    session: Session,
    peer_id: int,
    items: Sequence[Upsert | Tombstone],
    stix_ready: dict[str, stix_replication.Replica],
    nations: frozenset[str],
    members: frozenset[str],
) -> Applied:
    """Apply one page's items in order; ``stix_ready`` holds the validated STIX replicas."""
    result = Applied()
    held: dict[tuple[str, str], ReplicaRow | _Fresh] = dict(_held(session, peer_id, items))
    stix_batch: list[stix_replication.Replica] = []
    for item in items:
        replica = held.get((item.record_type, item.remote_id))
        if isinstance(item, Tombstone):
            if replica is not None:
                _drop(session, replica)
                held.pop((item.record_type, item.remote_id))
                result.removed += 1
            continue
        if not releases_to_us(item.marking, nations, members):
            result.refused += 1
            if replica is not None:
                _drop(session, replica)
                held.pop((item.record_type, item.remote_id))
            continue
        if replica is not None and replica.version == item.version:
            result.unchanged += 1
            continue
        local_key = _store(session, item, replica, stix_ready, stix_batch)
        if local_key is None:
            result.refused += 1
            if replica is not None:
                _drop(session, replica)
                held.pop((item.record_type, item.remote_id))
            continue
        if replica is None:
            replica = _Fresh(peer_id, item.record_type, item.remote_id, "", "", 0)
            held[(item.record_type, item.remote_id)] = replica
        replica.originator, replica.local_key = item.marking.originator, local_key
        replica.version = item.version
        result.stored += 1
    stix_replication.put_replicas(session, stix_batch)
    fresh = [_values(r) for r in held.values() if isinstance(r, _Fresh)]
    session.flush()
    if fresh:  # one executemany instead of an ORM object per replica
        bulk_insert(session, _REPLICAS, fresh)
    return result


def _store(
    session: Session,
    item: Upsert,
    replica: ReplicaRow | _Fresh | None,
    stix_ready: dict[str, stix_replication.Replica],
    stix_batch: list[stix_replication.Replica],
) -> str | None:
    if item.record_type == stix_replication.RECORD_TYPE:
        stix_batch.append(stix_ready[item.remote_id])
        return item.remote_id
    local = int(replica.local_key) if replica is not None else None
    if item.record is not None and item.record_type in RECORD_APPLIERS:
        try:
            stored = RECORD_APPLIERS[item.record_type].put(session, local, item.record)
        except ReplicaRefused as exc:
            raise SyncFault("garbage", f"refused the page: {item.remote_id}: {exc}") from None
        return None if stored is None else str(stored)
    if item.record_type == intel_replication.RECORD_TYPE and item.report is not None:
        return str(intel_replication.put_report_replica(session, local, item.report))
    raise SyncFault("garbage", f"refused the page: {item.remote_id}: no {item.record_type} data")


def drop_all_replicas(session: Session, peer_id: int) -> int:
    rows = session.scalars(select(ReplicaRow).where(ReplicaRow.peer_id == peer_id)).all()
    for row in rows:
        _drop(session, row)
    session.flush()
    return len(rows)


def purge_unreleased(
    session: Session, peer_id: int, nations: frozenset[str], members: frozenset[str]
) -> int:
    """Drop this peer's replicas that no longer release to any of our nations (a membership
    changed since they arrived); returns how many went."""
    rows = session.scalars(select(ReplicaRow).where(ReplicaRow.peer_id == peer_id)).all()
    by_type: dict[str, list[ReplicaRow]] = {}
    for row in rows:
        by_type.setdefault(row.record_type, []).append(row)
    gone = 0
    stix_rows = by_type.get(stix_replication.RECORD_TYPE, [])
    originators = {r.originator for r in rows}
    current = stix_replication.current_versions(
        session, [r.local_key for r in stix_rows], originators
    )
    for row in stix_rows:
        held = current.get(row.local_key)
        if held is None or not releases_to_us(held.marking, nations, members):
            _drop(session, row)
            gone += 1
    intel_rows = by_type.get(intel_replication.RECORD_TYPE, [])
    reports = intel_replication.reports_by_id(
        session, [int(r.local_key) for r in intel_rows], originators
    )
    for row in intel_rows:
        report = reports.get(int(row.local_key))
        if report is None or not releases_to_us(report.marking, nations, members):
            _drop(session, row)
            gone += 1
    for record_type, applier in RECORD_APPLIERS.items():
        record_rows = by_type.get(record_type, [])
        states = applier.states(session, [int(r.local_key) for r in record_rows], originators)
        for row in record_rows:
            state = states.get(int(row.local_key))
            if state is None or not releases_to_us(state.marking, nations, members):
                _drop(session, row)
                gone += 1
    session.flush()
    return gone
