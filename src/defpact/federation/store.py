"""Tables of federation: peers (with their sync status), pull cursors and the replica registry.

* ``federation_peers``: one row per peer nation: its URL, node id, pinned public key, the
  credential it gave us (encrypted with the node's secret), the local service user that is its
  principal here (its clearance is the clearance agreed with that peer), state, sync interval
  and timeout, and the status of the last sync (success, error, backoff).
* ``federation_cursors``: the ``added_after`` cursor per peer and collection, advanced in the
  same transaction as the page it ends.
* ``federation_replicas``: every record held here because a peer sent it: (record type, the
  STIX id the peer uses) -> the local key, the version held and the peer it came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, UTCDateTime, utcnow
from defpact.core.origin import register_peer_nations

__all__ = ["CursorRow", "PeerRow", "ReplicaRow", "peer_nations"]


class PeerRow(Base):
    __tablename__ = "federation_peers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation: Mapped[str] = mapped_column(String(2), unique=True)
    nations: Mapped[str] = mapped_column(String(200))  # every nation the peer node serves
    url: Mapped[str] = mapped_column(String(500))
    local_nation: Mapped[str] = mapped_column(String(2))  # the nation we are to that peer
    node_id: Mapped[str] = mapped_column(String(64), default="")
    public_key: Mapped[str] = mapped_column(String(64), default="")
    token_sealed: Mapped[str | None] = mapped_column(Text)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="active")
    interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # The member set the replicas of this peer were last checked against (",AL,HR,XK,").
    members_seen: Mapped[str] = mapped_column(String(400), default="")


class CursorRow(Base):
    __tablename__ = "federation_cursors"

    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(64), primary_key=True)
    added_after: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReplicaRow(Base):
    __tablename__ = "federation_replicas"

    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peers.id"), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    originator: Mapped[str] = mapped_column(String(2))
    local_key: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_federation_replicas_remote_id", "remote_id"),)


def peer_nations(session: Session) -> frozenset[str]:
    """Every nation a peer node serves (suspended peers included: their replicas stay)."""
    return frozenset(
        code
        for text in session.scalars(select(PeerRow.nations))
        for code in text.split(",")
        if code
    )


register_peer_nations(peer_nations)  # replicas of these nations are read-only (core.origin)
