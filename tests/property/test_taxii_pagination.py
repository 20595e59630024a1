"""Keyset pagination under concurrent inserts: no duplicate, no gap, stable order.

A writer thread keeps adding objects while a reader pages through the collection with a small
``limit``. Whatever the interleaving, the reader sees rows in strictly increasing
(date_added, id) order, never twice, sees everything committed before it started, and what it
saw is exactly a prefix of the final content (nothing committed behind its cursor is skipped).
"""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.threats.stix import service
from defpact.threats.stix.collections import PACT_COLLECTION_ID, nation_collection_id
from defpact.threats.stix.query import Cursor, ObjectFilter, VersionSelector
from defpact.threats.stix.stamps import parse_timestamp

XK = nation_collection_id("XK")


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return Actor.of(principal_of(row))


def _objects(kind: str, count: int) -> list[dict[str, Any]]:
    stamp = "2024-01-01T00:00:00.000Z"
    return [
        {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uuid.uuid4()}",
         "created": stamp, "modified": stamp}
        for _ in range(count)
    ]  # fmt: skip


def _read_all(node: Node, actor: Actor, kind: str, limit: int) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    after: Cursor | None = None
    while True:
        flt = ObjectFilter(
            types=frozenset({kind}), versions=VersionSelector(every=True), after=after, limit=limit
        )
        page = service.read_manifest(node.uow(), actor, XK, flt)
        seen += [(parse_timestamp(r.date_added), r.stix_id) for r in page.records]
        if not page.paging.more:
            return seen
        assert page.paging.next is not None
        after = Cursor(*seen[-1])


def test_pages_have_no_duplicates_or_gaps_under_concurrent_inserts(node: Node) -> None:
    service.seed_threats(node.uow())
    actor = _actor(node, "xk.analyst")

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        before=st.integers(0, 8),
        batches=st.lists(st.integers(1, 5), min_size=1, max_size=5),
        limit=st.integers(1, 6),
    )
    def run(before: int, batches: list[int], limit: int) -> None:
        kind = f"x-run-{uuid.uuid4().hex[:12]}"
        service.add_objects(node.uow(), actor, XK, _objects(kind, before))
        committed_before = {s for _, s in _read_all(node, actor, kind, 1000)}

        def write() -> None:
            for size in batches:
                service.add_objects(node.uow(), actor, XK, _objects(kind, size))

        writer = threading.Thread(target=write)
        writer.start()
        seen = _read_all(node, actor, kind, limit)
        writer.join()
        final = _read_all(node, actor, kind, 1000)
        assert seen == sorted(seen) and len(set(seen)) == len(seen)
        assert committed_before <= {s for _, s in seen}
        assert seen == final[: len(seen)]
        assert len(final) == before + sum(batches)
        stamps = [d for d, _ in final]
        assert len(set(stamps)) == len(stamps)

    run()


def test_date_added_strictly_increases_across_concurrent_writers(node: Node) -> None:
    """A write that finished before another started has all its date_added values before it."""
    service.seed_threats(node.uow())
    writers = [
        (_actor(node, f"{c.lower()}.analyst"), nation_collection_id(c)) for c in ("XK", "AL")
    ]
    kind = f"x-race-{uuid.uuid4().hex[:12]}"
    ticks = itertools.count()
    calls: list[tuple[int, int, set[str]]] = []
    guard = threading.Lock()

    def write(actor: Actor, collection: str) -> None:
        for _ in range(6):
            objects = _objects(kind, 7)
            with guard:
                began = next(ticks)
            service.add_objects(node.uow(), actor, collection, objects)
            with guard:
                calls.append((began, next(ticks), {o["id"] for o in objects}))

    threads = [threading.Thread(target=write, args=w) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    flt = ObjectFilter(types=frozenset({kind}), versions=VersionSelector(every=True), limit=1000)
    records = service.read_manifest(node.uow(), writers[0][0], PACT_COLLECTION_ID, flt).records
    added = {r.stix_id: parse_timestamp(r.date_added) for r in records}
    assert len(added) == len(set(added.values())) == 2 * 6 * 7
    for _, ended_a, ids_a in calls:
        for began_b, _, ids_b in calls:
            if ended_a < began_b:
                assert max(added[i] for i in ids_a) < min(added[i] for i in ids_b)
