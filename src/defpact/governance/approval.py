"""Unanimity rounds: how a document version (or an accession) is approved by every ministry.

A round is opened with the members of the pact at that moment as its participants P. Each
participating nation casts at most one ballot through one of its approvers. With R the
participants removed because their nation left the pact during the round, the remaining
participants are P' = P \\ R and the outcome is

    rejected   as soon as any ballot rejects (its comment gives the reasons),
    adopted    when every nation in P' approved (and P' is not empty),
    lapsed     when P' becomes empty before anyone rejected,
    open       otherwise.

A nation that joins the pact during a round is not added to it; a new round (a new version, a
new request) takes the members of its own day. A round still open when a newer version is
submitted is closed as ``superseded``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "MAX_COMMENT",
    "Ballot",
    "Decision",
    "ProblemKind",
    "RoundState",
    "RoundStatus",
    "VoteProblem",
    "cast",
    "decide",
    "nation_positions",
    "open_round",
    "remove_participant",
    "supersede",
    "vote_problem",
]

MAX_COMMENT = 4000


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RoundStatus(StrEnum):
    OPEN = "open"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    LAPSED = "lapsed"


class ProblemKind(StrEnum):
    """How a refused vote is answered: 403, 409 or 422."""

    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Ballot:
    nation: str
    decision: Decision
    comment: str = ""


@dataclass(frozen=True, slots=True)
class VoteProblem:
    kind: ProblemKind
    message: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class RoundState:
    status: RoundStatus
    participants: frozenset[str]
    removed: frozenset[str] = frozenset()
    ballots: tuple[Ballot, ...] = ()

    @property
    def remaining(self) -> frozenset[str]:
        return self.participants - self.removed

    @property
    def pending(self) -> frozenset[str]:
        voted = {b.nation for b in self.ballots}
        return frozenset(n for n in self.remaining if n not in voted)

    def ballot_of(self, nation: str) -> Ballot | None:
        return next((b for b in self.ballots if b.nation == nation), None)


def open_round(members: Iterable[str]) -> RoundState:
    participants = frozenset(members)
    status = RoundStatus.OPEN if participants else RoundStatus.LAPSED
    return RoundState(status, participants)


def decide(remaining: frozenset[str], ballots: Iterable[Ballot]) -> RoundStatus:
    """The outcome of a round from its remaining participants and the ballots cast."""
    ballots = tuple(ballots)
    if any(b.decision is Decision.REJECT for b in ballots):
        return RoundStatus.REJECTED
    if not remaining:
        return RoundStatus.LAPSED
    approved = {b.nation for b in ballots if b.decision is Decision.APPROVE}
    return RoundStatus.ADOPTED if remaining <= approved else RoundStatus.OPEN


def vote_problem(
    state: RoundState,
    *,
    voter_nation: str,
    for_nation: str,
    is_approver: bool,
    decision: Decision,
    comment: str,
) -> VoteProblem | None:
    """Why this ballot may not be cast, or None: the checks run in the order users expect."""
    if not is_approver:
        return VoteProblem(ProblemKind.FORBIDDEN, "only a ministry approver may vote")
    if for_nation != voter_nation:
        return VoteProblem(
            ProblemKind.FORBIDDEN,
            f"you may vote only for your own nation ({voter_nation}), not for {for_nation}",
            "nation",
        )
    if state.status is not RoundStatus.OPEN:
        return VoteProblem(ProblemKind.CONFLICT, f"the round is closed ({state.status.value})")
    if for_nation in state.removed:
        return VoteProblem(
            ProblemKind.FORBIDDEN, f"{for_nation} left the pact and was removed from this round"
        )
    if for_nation not in state.participants:
        return VoteProblem(
            ProblemKind.FORBIDDEN,
            f"{for_nation} was not a member when this round opened and does not take part in it",
        )
    if (previous := state.ballot_of(for_nation)) is not None:
        return VoteProblem(
            ProblemKind.CONFLICT,
            f"{for_nation} has already voted ({previous.decision.value}) in this round",
        )
    return _comment_problem(decision, comment)


def _comment_problem(decision: Decision, comment: str) -> VoteProblem | None:
    if len(comment) > MAX_COMMENT:
        return VoteProblem(
            ProblemKind.INVALID, f"comment must be at most {MAX_COMMENT} characters", "comment"
        )
    if decision is Decision.REJECT and not comment.strip():
        return VoteProblem(
            ProblemKind.INVALID, "a rejection must give its reasons in the comment", "comment"
        )
    return None


def cast(state: RoundState, ballot: Ballot) -> RoundState:
    """The round after ``ballot`` (already checked with ``vote_problem``)."""
    ballots = (*state.ballots, ballot)
    return replace(state, ballots=ballots, status=decide(state.remaining, ballots))


def remove_participant(state: RoundState, nation: str) -> RoundState:
    """The round after ``nation`` left the pact: its vote is no longer required."""
    if state.status is not RoundStatus.OPEN or nation not in state.remaining:
        return state
    removed = state.removed | {nation}
    remaining = state.participants - removed
    kept = tuple(b for b in state.ballots if b.nation in remaining)
    return replace(state, removed=removed, status=decide(remaining, kept))


def supersede(state: RoundState) -> RoundState:
    if state.status is not RoundStatus.OPEN:
        return state
    return replace(state, status=RoundStatus.SUPERSEDED)


def nation_positions(state: RoundState) -> list[tuple[str, str]]:
    """(nation, position) for every participant: approved, rejected, pending or removed."""
    positions = []
    for nation in sorted(state.participants):
        ballot = state.ballot_of(nation)
        if nation in state.removed:
            position = "removed"
        elif ballot is not None:
            position = "approved" if ballot.decision is Decision.APPROVE else "rejected"
        else:
            position = "pending"
        positions.append((nation, position))
    return positions
