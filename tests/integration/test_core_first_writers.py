"""The first writes on a fresh node race to create the singleton rows they lock (the change
journal's clock, the audit head): every concurrent first writer must succeed.

On PostgreSQL each thread's transaction sees no clock row and inserts one; the loser's insert
fails in its savepoint and it locks the winner's row. SQLite serialises writers, so this is a
plain sequence there, and must give the same result.
"""

from __future__ import annotations

import threading

from sqlalchemy import delete, func, select

from defpact.core.changes import ChangeClockRow, RecordChangeRow
from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.threats.intel import service
from defpact.threats.intel.model import ReportDraft

THREADS = 6


def test_concurrent_first_writers_all_succeed(node: Node) -> None:
    with node.uow() as uow:
        uow.session.execute(delete(RecordChangeRow))
        uow.session.execute(delete(ChangeClockRow))
        uow.commit()
        row = uow.session.scalars(select(UserRow).where(UserRow.username == "xk.analyst")).one()
        actor = Actor.of(principal_of(row))
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        draft = ReportDraft(
            f"Report {n}", "", "", "", (), "B", "2",
            Marking("XK", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN),
        )  # fmt: skip
        try:
            barrier.wait(timeout=10)
            service.create_report(node.uow(), actor, draft)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with node.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ChangeClockRow)) == 1
        assert uow.session.scalar(select(func.count()).select_from(RecordChangeRow)) >= THREADS
