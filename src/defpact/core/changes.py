"""The change journal of marked records: what federation exports, in the order it happened.

Every write of a marked record that other nodes may replicate (a STIX object version added or
deleted, an intelligence report created, changed or withdrawn) calls :func:`record_changes` in
its own transaction. The journal keeps **one row per record**, re-stamped on every change with

    stamp = max(now_us, last_stamp + 1)      (microseconds; the next change takes stamp + 1 ...)

taken under a lock on a single clock row held until commit, so a change committed later always
has a larger stamp. A reader holding a cursor ``c`` therefore finds every record changed after
``c`` with ``stamp > c``, once, at its newest state: nothing is missed (updates, deletions and
marking changes all re-stamp the row) and no history has to be kept.

Each row also keeps the union of every marking the record ever had (``ever_named``,
``ever_pact``, ``min_classification``): a nation that could have received the record at some
point is told when it disappears or stops being released to it, and no other nation learns
that it existed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, bulk_insert, lock_singleton
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.releasability import decode_release, encode_release
from defpact.core.replication import key_chunks

__all__ = [
    "Change",
    "ChangeClockRow",
    "EverReleased",
    "JournalEntry",
    "RecordChangeRow",
    "changes_after",
    "latest_stamp",
    "record_changes",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RecordChangeRow(Base):
    __tablename__ = "record_changes"

    record_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    originator: Mapped[str] = mapped_column(String(2))
    stamp: Mapped[int] = mapped_column(BigInteger)
    ever_named: Mapped[str] = mapped_column(String(400), default=",")
    ever_pact: Mapped[bool] = mapped_column(Boolean, default=False)
    min_classification: Mapped[int] = mapped_column(Integer, default=3)

    __table_args__ = (
        Index("ix_record_changes_stamp", "stamp", unique=True),
        Index("ix_record_changes_originator_stamp", "originator", "stamp"),
    )


class ChangeClockRow(Base):
    """The single row writers lock to take the next stamp."""

    __tablename__ = "record_change_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_stamp: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True, slots=True)
class Change:
    """A record changed; ``marking`` is its marking after the change (None: it was deleted)."""

    record_type: str
    record_key: str
    originator: str
    marking: Marking | None


@dataclass(frozen=True, slots=True)
class EverReleased:
    """The union of every marking a record has had."""

    named: frozenset[str]
    pact: bool
    min_classification: Clearance

    def could_have_reached(self, nation: str, clearance: Clearance) -> bool:
        """Whether ``nation`` (at ``clearance``) may ever have been allowed to read it."""
        return clearance >= self.min_classification and (nation in self.named or self.pact)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    record_type: str
    record_key: str
    originator: str
    stamp: int
    ever: EverReleased


def _now_us() -> int:
    delta = datetime.now(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _lock_clock(session: Session) -> ChangeClockRow:
    return lock_singleton(session, ChangeClockRow, last_stamp=0)


@dataclass
class _Pending:
    """A journal row being written: its release union so far, and whether it is new."""

    originator: str
    named: frozenset[str]
    pact: bool
    min_classification: int
    new: bool

    def merge(self, marking: Marking | None) -> None:
        if marking is None:
            return
        named, pact, lowest = _release_of(marking)
        self.named = self.named | named
        self.pact = self.pact or pact
        self.min_classification = min(self.min_classification, lowest)


@lru_cache(maxsize=1024)
def _release_of(marking: Marking) -> tuple[frozenset[str], bool, int]:
    """What one marking adds to the union: named nations, pact-wide, classification."""
    pact = PACT in marking.releasable_to and marking.tlp is not TLP.RED
    return marking.releasable_to - {PACT}, pact, int(marking.classification)


_TABLE = cast(Table, RecordChangeRow.__table__)


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], _Pending]:
    found: dict[tuple[str, str], _Pending] = {}
    for rtype in sorted({k[0] for k in keys}):
        for chunk in key_chunks(k[1] for k in keys if k[0] == rtype):
            stmt = select(
                _TABLE.c.record_key, _TABLE.c.originator, _TABLE.c.ever_named,
                _TABLE.c.ever_pact, _TABLE.c.min_classification,
            ).where(_TABLE.c.record_type == rtype,
                    _TABLE.c.record_key.in_(chunk))  # fmt: skip
            for key, originator, named, pact, lowest in session.connection().execute(stmt):
                found[(rtype, key)] = _Pending(
                    originator, decode_release(named), pact, lowest, new=False
                )
    return found


def record_changes(session: Session, changes: Sequence[Change]) -> None:
    """Stamp each changed record (in the caller's transaction; the clock stays locked)."""
    if not changes:
        return
    clock = _lock_clock(session)
    stamp = max(_now_us(), clock.last_stamp + 1)
    known = _existing(session, sorted({(c.record_type, c.record_key) for c in changes}))
    merged: dict[tuple[str, str], _Pending] = {}
    for change in changes:
        key = (change.record_type, change.record_key)
        pending = merged.pop(key, None) or known.get(key)
        if pending is None:
            pending = _Pending(change.originator, frozenset(), False, 3, new=True)
        pending.originator = change.originator
        pending.merge(change.marking)
        merged[key] = pending  # re-inserted: dict order = order of the last change
    inserts: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    for (rtype, rkey), p in merged.items():
        values: dict[str, object] = {
            "originator": p.originator, "stamp": stamp, "ever_named": encode_release(p.named),
            "ever_pact": p.pact, "min_classification": p.min_classification,
        }  # fmt: skip
        if p.new:
            inserts.append({"record_type": rtype, "record_key": rkey, **values})
        else:
            updates.append({"b_type": rtype, "b_key": rkey, **values})
        stamp += 1
    if updates:  # new stamps exceed every stored one: the unique index never sees a clash
        stmt = (
            update(_TABLE)
            .where(_TABLE.c.record_type == bindparam("b_type"))
            .where(_TABLE.c.record_key == bindparam("b_key"))
            .values(
                originator=bindparam("originator"), stamp=bindparam("stamp"),
                ever_named=bindparam("ever_named"), ever_pact=bindparam("ever_pact"),
                min_classification=bindparam("min_classification"),
            )
        )  # fmt: skip
        session.connection().execute(stmt, updates)
    if inserts:
        bulk_insert(session, _TABLE, inserts)
    clock.last_stamp = stamp - 1


def _entry(row: RecordChangeRow) -> JournalEntry:
    ever = EverReleased(
        decode_release(row.ever_named), row.ever_pact, Clearance(row.min_classification)
    )
    return JournalEntry(row.record_type, row.record_key, row.originator, row.stamp, ever)


def changes_after(
    session: Session, stamp: int, originators: Collection[str], limit: int
) -> list[JournalEntry]:
    """Up to ``limit`` records of the given originators changed after ``stamp``, oldest first."""
    stmt = (
        select(RecordChangeRow)
        .where(RecordChangeRow.stamp > stamp, RecordChangeRow.originator.in_(sorted(originators)))
        .order_by(RecordChangeRow.stamp)
        .limit(limit)
    )
    return [_entry(r) for r in session.scalars(stmt)]


def latest_stamp(session: Session) -> int:
    clock = session.get(ChangeClockRow, 1)
    return clock.last_stamp if clock is not None else 0
