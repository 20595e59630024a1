"""Concurrent votes on one approval round, with two threads and two database sessions.

A barrier inside the vote (after each thread has read the round, before either writes) makes
the race real: on PostgreSQL both transactions read the same round version, so the later
writer's conditional UPDATE (or its duplicate vote row) fails and the use case reruns on fresh
state. SQLite serialises writers (``BEGIN IMMEDIATE``), so the second thread only reads after
the first committed; the barrier then times out and the outcome must be the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from defpact.core.context import Actor
from defpact.core.errors import Conflict
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.governance import approval, service
from defpact.governance.approval import Ballot, Decision, RoundState, RoundStatus
from defpact.governance.store import VoteRow


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).one()
        return Actor.of(principal_of(row))


def _submitted(node: Node) -> int:
    xk = _actor(node, "xk.admin")
    doc = service.create_document(
        node.uow(), xk, service.NewDocument("Implementation guide", "# Guide\n", "draft")
    )
    service.submit_version(node.uow(), xk, doc.id, 1)
    return doc.id


def _racing_cast(monkeypatch: pytest.MonkeyPatch, backend: str) -> list[int]:
    """Make both voters meet after reading the round; returns a call counter."""
    barrier = threading.Barrier(2, timeout=10 if backend == "postgres" else 0.5)
    calls = [0]
    real: Callable[[RoundState, Ballot], RoundState] = approval.cast

    def cast(state: RoundState, ballot: Ballot) -> RoundState:
        calls[0] += 1
        if calls[0] <= 2:  # a rerun after a lost race has nobody to meet
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # SQLite: the other writer is waiting for our commit
        return real(state, ballot)

    monkeypatch.setattr(approval, "cast", cast)
    return calls


def _in_threads(*votes: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(votes)

    def run(index: int) -> None:
        try:
            results[index] = votes[index]()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(votes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _votes(node: Node) -> list[tuple[str, str]]:
    with node.uow() as uow:
        rows = uow.session.execute(select(VoteRow.nation_code, VoteRow.decision)).all()
        return sorted((n, d) for n, d in rows)


def test_a_concurrent_double_vote_counts_once_and_the_other_gets_409(
    node: Node, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = _submitted(node)
    approver = _actor(node, "xk.approver")
    _racing_cast(monkeypatch, backend)

    def approve() -> object:
        return service.vote_on_version(node.uow(), approver, doc_id, 1, Decision.APPROVE)

    results = _in_threads(approve, approve)
    conflicts = [r for r in results if isinstance(r, Conflict)]
    done = [r for r in results if isinstance(r, service.VersionInfo)]
    assert len(done) == 1 and len(conflicts) == 1, results
    assert "already voted" in conflicts[0].detail
    assert len(_votes(node)) == 1 and _votes(node)[0][0] == "XK"


def test_concurrent_votes_of_two_nations_are_both_counted(
    node: Node, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc_id = _submitted(node)
    xk, al = _actor(node, "xk.approver"), _actor(node, "al.approver")
    calls = _racing_cast(monkeypatch, backend)
    results = _in_threads(
        lambda: service.vote_on_version(node.uow(), xk, doc_id, 1, Decision.APPROVE),
        lambda: service.vote_on_version(node.uow(), al, doc_id, 1, Decision.APPROVE),
    )
    assert all(isinstance(r, service.VersionInfo) for r in results), results
    assert _votes(node) == [("AL", "approve"), ("XK", "approve")]
    if backend == "postgres":
        assert calls[0] == 3  # the loser of the race reran on fresh state
    final = service.get_version(node.uow(), Actor.console(), doc_id, 1)
    assert final.round is not None and final.round.status is RoundStatus.OPEN
    assert final.round.pending == ("HR",)
    with node.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(VoteRow)) == 2
