"""Unanimity rounds in the database: open, load, vote and remove participants.

The rules are those of ``approval``; this module maps them to rows. A vote inserts one row per
nation (unique per round) and rewrites the round row, whose version column makes the UPDATE
conditional on the version that was read. When two approvers vote on the same round at once,
the later writer's UPDATE matches no row (``StaleDataError``) or its insert hits the unique
vote (``IntegrityError``); ``retrying`` then reruns the whole use case on fresh state, where the
pure rule answers correctly (counted, already voted, or round closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, PermissionDenied
from defpact.core.identity import Role
from defpact.governance import approval
from defpact.governance.approval import Ballot, Decision, RoundState, RoundStatus
from defpact.governance.store import ParticipantRow, RoundRepository, RoundRow, VoteRow

__all__ = [
    "BallotInfo",
    "RoundInfo",
    "cast_ballot",
    "open_round_row",
    "remove_from_open_rounds",
    "retrying",
    "round_info",
    "state_of",
    "store_state",
]

T = TypeVar("T")
_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class BallotInfo:
    nation: str
    decision: Decision
    comment: str
    voter: str
    cast_at: datetime


@dataclass(frozen=True, slots=True)
class RoundInfo:
    id: int
    kind: str
    status: RoundStatus
    opened_at: datetime
    closed_at: datetime | None
    positions: tuple[tuple[str, str], ...]
    ballots: tuple[BallotInfo, ...]
    pending: tuple[str, ...]


def open_round_row(
    session: Session, kind: str, participants: Iterable[str], at: datetime
) -> RoundRow:
    state = approval.open_round(participants)
    row = RoundRow(kind=kind, status=state.status.value, opened_at=at, updated_at=at)
    if state.status is not RoundStatus.OPEN:
        row.closed_at = at
    session.add(row)
    session.flush()
    for nation in sorted(state.participants):
        session.add(ParticipantRow(round_id=row.id, nation_code=nation))
    session.flush()
    return row


def state_of(session: Session, row: RoundRow) -> RoundState:
    repo = RoundRepository(session)
    participants = repo.participants(row.id)
    ballots = tuple(
        Ballot(v.nation_code, Decision(v.decision), v.comment) for v in repo.votes(row.id)
    )
    return RoundState(
        status=RoundStatus(row.status),
        participants=frozenset(p.nation_code for p in participants),
        removed=frozenset(p.nation_code for p in participants if p.removed_on is not None),
        ballots=ballots,
    )


def round_info(session: Session, row: RoundRow) -> RoundInfo:
    state = state_of(session, row)
    votes = RoundRepository(session).votes(row.id)
    ballots = tuple(
        BallotInfo(v.nation_code, Decision(v.decision), v.comment, v.voter_name, v.cast_at)
        for v in votes
    )
    return RoundInfo(
        id=row.id,
        kind=row.kind,
        status=state.status,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        positions=tuple(approval.nation_positions(state)),
        ballots=ballots,
        pending=tuple(sorted(state.pending)),
    )


def store_state(
    session: Session, row: RoundRow, state: RoundState, at: datetime, on: date | None = None
) -> None:
    """Write ``state`` to the round row (bumping its version) and its participants."""
    row.status = state.status.value
    row.updated_at = at
    if state.status is not RoundStatus.OPEN and row.closed_at is None:
        row.closed_at = at
    for participant in RoundRepository(session).participants(row.id):
        if participant.nation_code in state.removed and participant.removed_on is None:
            participant.removed_on = on or at.date()


def _refuse(problem: approval.VoteProblem) -> NoReturn:
    if problem.kind is approval.ProblemKind.CONFLICT:
        raise Conflict(problem.message, field=problem.field)
    if problem.kind is approval.ProblemKind.INVALID:
        raise InvalidInput(problem.message, field=problem.field)
    raise PermissionDenied(problem.message, field=problem.field)


def cast_ballot(
    session: Session,
    actor: Actor,
    row: RoundRow,
    for_nation: str | None,
    decision: Decision,
    comment: str,
) -> tuple[RoundState, RoundState]:
    """Check and record ``actor``'s ballot; returns the round before and after it."""
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("ballots are cast by a ministry approver, not at the console")
    state = state_of(session, row)
    nation = (for_nation or principal.nation).strip().upper()
    problem = approval.vote_problem(
        state,
        voter_nation=principal.nation,
        for_nation=nation,
        is_approver=principal.has_role(Role.APPROVER),
        decision=decision,
        comment=comment,
    )
    if problem is not None:
        _refuse(problem)
    after = approval.cast(state, Ballot(nation, decision, comment.strip()))
    now = utcnow()
    session.add(
        VoteRow(
            round_id=row.id,
            nation_code=nation,
            user_id=principal.user_id,
            voter_name=principal.username,
            decision=decision.value,
            comment=comment.strip(),
            cast_at=now,
        )
    )
    store_state(session, row, after, now)
    session.flush()
    return state, after


def remove_from_open_rounds(
    session: Session, nation: str, on: date
) -> list[tuple[RoundRow, RoundState]]:
    """Remove ``nation`` from every open round; returns the rounds it closed, with their state."""
    closed = []
    now = utcnow()
    for row in RoundRepository(session).open_rounds():
        before = state_of(session, row)
        after = approval.remove_participant(before, nation)
        if after == before:
            continue
        store_state(session, row, after, now, on)
        if after.status is not RoundStatus.OPEN:
            closed.append((row, after))
    session.flush()
    return closed


def retrying(attempt: Callable[[], T]) -> T:
    """Run a voting use case again on fresh state when a concurrent vote won the race."""
    for _ in range(_ATTEMPTS - 1):
        try:
            return attempt()
        except (StaleDataError, IntegrityError):
            continue
    try:
        return attempt()
    except (StaleDataError, IntegrityError):
        raise Conflict("the round changed while you voted; reload it and vote again") from None
