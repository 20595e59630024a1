"""Append-only audit log whose events are the leaves of an RFC 6962 Merkle tree.

Every event is written in the same transaction as the change it records. Its leaf hash is
``SHA-256(0x00 || canonical_json(event))``; the event index is taken from a single head row that
each writer locks, so indices are dense and ordered on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.context import Actor, current_request_id
from defpact.core.db import Base, UTCDateTime, lock_singleton, utcnow
from defpact.core.merkle import MerkleAccumulator, canonical_json, leaf_hash

__all__ = [
    "AuditEventRow",
    "AuditHeadRow",
    "TreeHeadRow",
    "event_document",
    "mask_secrets",
    "record_event",
]

_SECRET_KEYS = ("password", "token", "secret", "csrf", "hash", "key")


class AuditHeadRow(Base):
    """The single row writers lock to take the next index (the tree size)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    # The compact range of perfect subtrees, [[height, hex hash], ...]: root in O(log n).
    frontier: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)

    def accumulator(self) -> MerkleAccumulator:
        return MerkleAccumulator.from_frontier((h, bytes.fromhex(x)) for h, x in self.frontier)


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_nation: Mapped[str | None] = mapped_column(String(2), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(128))
    object_nation: Mapped[str | None] = mapped_column(String(2), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class TreeHeadRow(Base):
    """A signed tree head (RFC 6962 STH) as it was issued."""

    __tablename__ = "audit_tree_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(200))


def mask_secrets(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A copy with every value whose key names a secret replaced by ``***``."""
    if data is None:
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if any(word in key.lower() for word in _SECRET_KEYS):
            out[key] = "***"
        elif isinstance(value, Mapping):
            out[key] = mask_secrets(value)
        else:
            out[key] = value
    return out


def event_document(row: AuditEventRow) -> dict[str, Any]:
    """The canonical form of an event: exactly what its leaf hash commits to."""
    return {
        "index": row.index,
        "at": row.at.isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "actor_nation": row.actor_nation,
        "request_id": row.request_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_nation": row.object_nation,
        "before": row.before,
        "after": row.after,
    }


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    *,
    object_nation: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEventRow:
    """Append one event in the caller's transaction and return it."""
    head = _lock_head(session)
    row = AuditEventRow(
        index=head.size,
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.name,
        actor_nation=actor.nation,
        request_id=current_request_id(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_nation=object_nation,
        before=_jsonable(mask_secrets(before)),
        after=_jsonable(mask_secrets(after)),
        leaf_hash="",
    )
    digest = leaf_hash(canonical_json(event_document(row)))
    row.leaf_hash = digest.hex()
    accumulator = head.accumulator()
    accumulator.append(digest)
    head.frontier = [[h, x.hex()] for h, x in accumulator.frontier()]
    head.size = accumulator.size
    session.add(row)
    session.flush()
    return row


def _lock_head(session: Session) -> AuditHeadRow:
    return lock_singleton(session, AuditHeadRow, size=0, frontier=[])


def _jsonable(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Round-trip through canonical JSON so what is stored equals what was hashed."""
    if data is None:
        return None
    result: dict[str, Any] = json.loads(canonical_json(_plain(data)))
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
