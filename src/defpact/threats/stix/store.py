"""Tables of the STIX store and the writes and lookups the services need.

* ``threat_objects``: one row per stored object *version* (id + ``modified``, else ``created``;
  objects with neither, such as SCOs, are unversioned and stored once). Each row keeps the raw
  JSON text exactly as served, the server-assigned ``date_added`` (microseconds since the epoch,
  strictly increasing across the whole store), ``revoked``, ``spec_version``, ``type``, the
  defpact marking columns (:class:`~defpact.core.releasability.MarkedMixin`) and two hints kept
  by the writers (``superseded``, ``copied``) that let reads skip the version probe for the
  rows that need none.
* ``threat_collections`` and ``threat_collection_rights``: TAXII collections and which nation
  (or ``*``, every current member) may read or write each.
* ``threat_marking_definitions``: every marking definition the store knows, with the defpact
  classification and release of those that carry the defpact extension.
* ``threat_status``: TAXII status resources of add requests.
* ``threat_clock``: the single row writers lock to take the next ``date_added``.

Object rows are written with one multi-row ``INSERT`` per envelope (no ORM unit-of-work per
object); reads use SQL expressions over the columns and never build ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, UTCDateTime, bulk_insert, lock_singleton, utcnow
from defpact.core.identity import Clearance
from defpact.core.releasability import MarkedMixin, decode_release
from defpact.core.replication import key_chunks
from defpact.threats.stix.marking import DefpactMarking

__all__ = [
    "EVERY_MEMBER",
    "OBJECTS_TABLE",
    "PARSED",
    "PRIOR",
    "ClockRow",
    "CollectionRightRow",
    "CollectionRow",
    "MarkingDefinitionRow",
    "StatusRow",
    "StixObjectRow",
    "StoredVersion",
    "insert_objects",
    "known_markings",
    "lock_clock",
    "mark_superseded",
    "register_markings",
    "stored_versions",
]

EVERY_MEMBER = "*"


# The key under which a new object row carries its parsed object (not a column: ``bulk_insert``
# leaves it out), so the reference and observable indexes need not parse ``raw`` again.
PARSED = "_parsed"
# ... and whether any version of its id was stored before it (absent: assume so): an id never
# stored before has nothing in the indexes to replace.
PRIOR = "_prior"


class CollectionRow(Base):
    __tablename__ = "threat_collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    alias: Mapped[str | None] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None] = mapped_column(String(2))
    default_classification: Mapped[int] = mapped_column(Integer, default=0)
    default_releasable_to: Mapped[str] = mapped_column(String(200), default=",PACT,")
    default_tlp: Mapped[str] = mapped_column(String(16), default="GREEN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionRightRow(Base):
    __tablename__ = "threat_collection_rights"

    collection_id: Mapped[str] = mapped_column(
        ForeignKey("threat_collections.id"), primary_key=True
    )
    nation: Mapped[str] = mapped_column(String(2), primary_key=True)
    can_read: Mapped[bool] = mapped_column(Boolean, default=False)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)


class StixObjectRow(MarkedMixin, Base):
    __tablename__ = "threat_objects"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("threat_collections.id"))
    stix_id: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(250))
    spec_version: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(BigInteger)
    versioned: Mapped[bool] = mapped_column(Boolean)
    date_added: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[str] = mapped_column(Text)
    # Hints that spare reads a probe per row. False is a promise: no newer version of this id
    # (``superseded``) / no earlier-added copy of this id and version (``copied``) exists in any
    # collection. True only means "look": it may stay true after the other row is deleted.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    copied: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("collection_id", "stix_id", "version", name="uq_threat_objects_version"),
        Index("ix_threat_objects_collection_added", "collection_id", "date_added", "stix_id"),
        Index("ix_threat_objects_added", "date_added", "stix_id"),
        Index("ix_threat_objects_stix_id", "stix_id", "version"),
    )


OBJECTS_TABLE = cast(Table, StixObjectRow.__table__)
_O = OBJECTS_TABLE


class MarkingDefinitionRow(Base):
    __tablename__ = "threat_marking_definitions"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    defpact: Mapped[bool] = mapped_column(Boolean, default=False)
    classification: Mapped[int | None] = mapped_column(Integer)
    releasable_to: Mapped[str | None] = mapped_column(String(200))


class StatusRow(Base):
    __tablename__ = "threat_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("threat_collections.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    request_timestamp: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[str] = mapped_column(Text)  # JSON list, see service._success_entry
    failures: Mapped[str] = mapped_column(Text)  # JSON list of TAXII status-details


class ClockRow(Base):
    __tablename__ = "threat_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_date_added: Mapped[int] = mapped_column(BigInteger, default=0)


def lock_clock(session: Session) -> ClockRow:
    """The clock row, locked until the transaction ends (FOR UPDATE; SQLite holds the lock)."""
    return lock_singleton(session, ClockRow, last_date_added=0)


@dataclass(frozen=True, slots=True)
class StoredVersion:
    collection_id: str
    version: int
    versioned: bool


def stored_versions(session: Session, stix_ids: Iterable[str]) -> dict[str, list[StoredVersion]]:
    """Every stored version of each id, in any collection."""
    found: dict[str, list[StoredVersion]] = {}
    columns = (_O.c.stix_id, _O.c.collection_id, _O.c.version, _O.c.versioned)
    for chunk in key_chunks(stix_ids):
        stmt = select(*columns).where(_O.c.stix_id.in_(chunk))
        for stix_id, collection_id, version, versioned in session.connection().execute(stmt):
            found.setdefault(stix_id, []).append(StoredVersion(collection_id, version, versioned))
    return found


def mark_superseded(session: Session, newest: Sequence[tuple[str, int]]) -> None:
    """Flag every stored version older than the given newest version of each id."""
    if newest:
        stmt = (
            update(_O)
            .where(_O.c.stix_id == bindparam("sid"), _O.c.version < bindparam("newest"))
            .where(_O.c.superseded.is_(False))
            .values(superseded=True)
        )
        session.connection().execute(stmt, [{"sid": i, "newest": v} for i, v in newest])


def known_markings(
    session: Session, ids: Iterable[str]
) -> tuple[dict[str, DefpactMarking], set[str]]:
    """Known marking definitions among ``ids``: defpact ones with content, and the others."""
    defpact: dict[str, DefpactMarking] = {}
    other: set[str] = set()
    for chunk in key_chunks(ids):
        stmt = select(MarkingDefinitionRow).where(MarkingDefinitionRow.id.in_(chunk))
        for row in session.scalars(stmt):
            if row.defpact and row.classification is not None and row.releasable_to is not None:
                release = decode_release(row.releasable_to)
                defpact[row.id] = DefpactMarking(Clearance(row.classification), release)
            else:
                other.add(row.id)
    return defpact, other


def register_markings(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(MarkingDefinitionRow), list(rows))


def insert_objects(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """All rows of an envelope in one bulk insert, on the Core table (no ORM state)."""
    if rows:
        bulk_insert(session, OBJECTS_TABLE, rows)
