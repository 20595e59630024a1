"""Bulk writes and statistics upkeep (``core.db``) on both backends.

``bulk_insert`` takes COPY on PostgreSQL above a few dozen rows and executemany otherwise; both
paths must store exactly the rows given, through each column type's bind processing, in the
caller's transaction (a rollback leaves nothing). ``refresh_statistics`` analyses a table once it
has grown past its statistics, and only then.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from defpact.core.changes import RecordChangeRow
from defpact.core.db import bulk_insert, refresh_statistics
from defpact.core.runtime import Node
from defpact.core.store import UserRow
from defpact.federation.store import CursorRow, PeerRow, ReplicaRow
from defpact.threats.stix.store import OBJECTS_TABLE


def _journal_rows(count: int, prefix: str) -> list[dict[str, object]]:
    return [
        {"record_type": "bulk", "record_key": f"{prefix}-{i}", "originator": "XK",
         "stamp": 10**15 + i, "ever_named": ",AL,HR," if i % 2 else ",", "ever_pact": i % 3 == 0,
         "min_classification": i % 4}
        for i in range(count)
    ]  # fmt: skip


@pytest.mark.parametrize("count", [3, 49, 50, 1200])
def test_bulk_insert_stores_exactly_the_rows(node: Node, count: int) -> None:
    rows = _journal_rows(count, f"n{count}")
    rows[0]["record_key"] = "quote ' back\\slash\ttab, comma"  # COPY's special characters
    with node.uow() as uow:
        bulk_insert(uow.session, RecordChangeRow.__table__, rows)  # type: ignore[arg-type]
        uow.commit()
    with node.uow() as uow:
        stored = uow.session.scalars(
            select(RecordChangeRow).where(RecordChangeRow.record_type == "bulk")
        ).all()
        got = {
            r.record_key: (r.originator, r.stamp, r.ever_named, r.ever_pact, r.min_classification)
            for r in stored
        }
    want = {
        str(r["record_key"]): (r["originator"], r["stamp"], r["ever_named"], r["ever_pact"],
                               r["min_classification"])
        for r in rows
    }  # fmt: skip
    assert got == want


def _peer(node: Node) -> int:
    with node.uow() as uow:
        user = uow.session.scalars(select(UserRow).where(UserRow.username == "al.analyst")).one()
        peer = PeerRow(nation="AL", nations="AL", url="http://127.0.0.1:9/", local_nation="XK",
                       service_user_id=user.id)  # fmt: skip
        uow.session.add(peer)
        uow.commit()
        return peer.id


def test_bulk_insert_applies_bind_processing(node: Node) -> None:
    """UTC datetimes go through the column type (``UTCDateTime``) on the COPY path too."""
    peer_id = _peer(node)
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {"peer_id": peer_id, "collection": f"c{i}", "added_after": i, "updated_at": at}
        for i in range(80)
    ]
    with node.uow() as uow:
        bulk_insert(uow.session, CursorRow.__table__, rows)  # type: ignore[arg-type]
        uow.commit()
    with node.uow() as uow:
        stored = uow.session.scalars(select(CursorRow).where(CursorRow.peer_id == peer_id)).all()
        assert sorted((r.collection, r.added_after, r.updated_at) for r in stored) == sorted(
            (str(r["collection"]), r["added_after"], at) for r in rows
        )


def test_bulk_insert_is_in_the_callers_transaction(node: Node) -> None:
    with node.uow() as uow:
        bulk_insert(uow.session, RecordChangeRow.__table__, _journal_rows(300, "rb"))  # type: ignore[arg-type]
        count = select(func.count()).select_from(RecordChangeRow)
        assert uow.session.scalar(count.where(RecordChangeRow.record_type == "bulk")) == 300
        uow.rollback()
    with node.uow() as uow:
        assert uow.session.scalar(count.where(RecordChangeRow.record_type == "bulk")) == 0


def test_bulk_insert_of_nothing_is_a_no_op(node: Node) -> None:
    with node.uow() as uow:
        bulk_insert(uow.session, OBJECTS_TABLE, [])
        uow.commit()


def test_refresh_statistics_analyses_only_grown_tables(node: Node, backend: str) -> None:
    table = ReplicaRow.__tablename__
    if backend != "postgresql":
        with node.uow() as uow:
            assert refresh_statistics(uow.session, [table]) == []
        return
    peer_id = _peer(node)
    rows = [
        {"peer_id": peer_id, "record_type": "stix", "remote_id": f"indicator--{i}",
         "originator": "AL", "local_key": f"indicator--{i}", "version": 1}
        for i in range(3000)
    ]  # fmt: skip
    with node.uow() as uow:
        bulk_insert(uow.session, ReplicaRow.__table__, rows)  # type: ignore[arg-type]
        uow.commit()
    # The writer's backend reports its inserts to the statistics system within about a second.
    analysed: list[str] = []
    deadline = time.monotonic() + 15
    while table not in analysed and time.monotonic() < deadline:
        time.sleep(0.3)
        with node.uow() as uow:
            analysed = refresh_statistics(uow.session, [table, "record_changes"])
            uow.commit()
    assert analysed == [table]  # record_changes did not grow
    with node.uow() as uow:
        assert refresh_statistics(uow.session, [table]) == []  # nothing changed since
        size = uow.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}
        )
        assert size is not None and size >= 2000
