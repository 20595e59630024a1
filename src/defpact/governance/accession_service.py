"""Use cases of accession and withdrawal: propose a state, vote, admit, withdraw.

A member's admin proposes an eligible state (``accession.proposal_problem``); every member at
the proposal takes part in a unanimity round. The deciding approval admits the state through
``core.service.admit_member`` in the same transaction as the vote; a rejection closes the
request with its reasons. A member's admin (or the console) withdraws the member through
``core.service.withdraw_member``; the nation is removed from every open round at once, which
may complete a round (and so admit a candidate) in that same transaction. Requests are visible
to users of the current members and of the candidate state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, PermissionDenied
from defpact.core.identity import Role
from defpact.core.nations import NATIONS
from defpact.core.service import (
    Member,
    admit_member,
    list_members,
    member_codes_in,
    require_nation,
    withdraw_member,
)
from defpact.core.uow import UnitOfWork
from defpact.governance import access, rounds
from defpact.governance.accession import (
    AccessionProblem,
    effective_join_date,
    proposal_problem,
    withdrawal_problem,
)
from defpact.governance.approval import Decision, RoundState, RoundStatus
from defpact.governance.approval_service import participants_on
from defpact.governance.rounds import RoundInfo
from defpact.governance.store import AccessionRepository, AccessionRow, RoundRow
from defpact.governance.timeline import MembershipPeriod

__all__ = [
    "AccessionInfo",
    "Withdrawal",
    "get_accession",
    "list_accessions",
    "membership_history",
    "propose_accession",
    "vote_on_accession",
    "withdraw_from_pact",
]

_STATUS = {
    RoundStatus.OPEN: "open",
    RoundStatus.ADOPTED: "admitted",
    RoundStatus.REJECTED: "rejected",
    RoundStatus.LAPSED: "lapsed",
    RoundStatus.SUPERSEDED: "superseded",
}


@dataclass(frozen=True, slots=True)
class AccessionInfo:
    id: int
    nation: str
    nation_name: str
    stated_joined: date
    statement: str
    proposer_nation: str | None
    proposer: str
    proposed_at: datetime
    status: str
    effective_joined: date | None
    round: RoundInfo


@dataclass(frozen=True, slots=True)
class Withdrawal:
    member: Member
    closed_rounds: tuple[tuple[int, str, RoundStatus], ...]


def _raise(problem: AccessionProblem) -> None:
    if problem.conflict:
        raise Conflict(problem.message, field=problem.field)
    raise InvalidInput(problem.message, field=problem.field)


def _info(session: Session, row: AccessionRow) -> AccessionInfo:
    round_row = session.get(RoundRow, row.round_id)
    if round_row is None:  # pragma: no cover - foreign key guarantees it
        raise access.not_found("approval round of accession request", row.id)
    round_info = rounds.round_info(session, round_row)
    return AccessionInfo(
        id=row.id,
        nation=row.nation_code,
        nation_name=NATIONS[row.nation_code].name,
        stated_joined=row.stated_joined,
        statement=row.statement,
        proposer_nation=row.proposer_nation,
        proposer=row.proposer_name,
        proposed_at=row.proposed_at,
        status=_STATUS[round_info.status],
        effective_joined=row.effective_joined,
        round=round_info,
    )


def _may_see(session: Session, actor: Actor, row: AccessionRow) -> bool:
    if actor.nation is None:
        return actor.is_console
    return actor.nation == row.nation_code or actor.nation in member_codes_in(session)


def _load(session: Session, actor: Actor, accession_id: int) -> AccessionRow:
    row = AccessionRepository(session).get(accession_id)
    if row is None or not _may_see(session, actor, row):
        raise access.not_found("accession request", accession_id)
    return row


def propose_accession(
    uow: UnitOfWork,
    actor: Actor,
    nation: str,
    joined: date | None = None,
    statement: str = "",
    *,
    at: datetime | None = None,
) -> AccessionInfo:
    """A member proposes ``nation`` to join from ``joined`` (default: the day of the proposal)."""
    code = nation.strip().upper()
    if len(statement) > 4000:
        raise InvalidInput("statement must be at most 4000 characters", field="statement")
    at = at or utcnow()
    stated = joined or at.date()
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        members = member_codes_in(session, at.date())
        pending = AccessionRepository(session).open_for(code) is not None
        if problem := proposal_problem(code, members, stated, at.date(), pending=pending):
            _raise(problem)
        participants = participants_on(session, at)
        round_row = rounds.open_round_row(session, "accession", participants, at)
        row = AccessionRow(
            nation_code=code,
            stated_joined=stated,
            statement=statement.strip(),
            proposer_nation=actor.nation,
            proposer_name=actor.name,
            proposed_at=at,
            round_id=round_row.id,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "gov.accession.propose",
            "gov_accession",
            row.id,
            object_nation=code,
            after={"nation": code, "joined": stated, "participants": participants},
        )
        info = _info(session, row)
        uow.commit()
    return info


def list_accessions(uow: UnitOfWork, actor: Actor) -> list[AccessionInfo]:
    with uow:
        session = uow.session
        rows = AccessionRepository(session).find()
        return [_info(session, r) for r in rows if _may_see(session, actor, r)]


def get_accession(uow: UnitOfWork, actor: Actor, accession_id: int) -> AccessionInfo:
    with uow:
        return _info(uow.session, _load(uow.session, actor, accession_id))


def _admit(session: Session, actor: Actor, row: AccessionRow) -> None:
    joined = effective_join_date(row.stated_joined, access.today())
    admit_member(session, actor, row.nation_code, joined)
    row.effective_joined = joined
    record_event(
        session,
        actor,
        "gov.accession.admit",
        "gov_accession",
        row.id,
        object_nation=row.nation_code,
        after={"nation": row.nation_code, "joined": joined, "stated": row.stated_joined},
    )


def _close(session: Session, actor: Actor, row: AccessionRow, state: RoundState) -> None:
    record_event(
        session,
        actor,
        "gov.round.close",
        "gov_round",
        row.round_id,
        object_nation=row.nation_code,
        after={"accession": row.id, "status": state.status.value},
    )
    if state.status is RoundStatus.ADOPTED:
        _admit(session, actor, row)


def vote_on_accession(
    uow: UnitOfWork,
    actor: Actor,
    accession_id: int,
    decision: Decision,
    comment: str = "",
    *,
    nation: str | None = None,
) -> AccessionInfo:
    """An approver's ballot; unanimity admits the state in this same transaction."""

    def attempt() -> AccessionInfo:
        with uow:
            session = uow.session
            row = _load(session, actor, accession_id)
            round_row = session.get(RoundRow, row.round_id)
            if round_row is None:  # pragma: no cover - foreign key guarantees it
                raise access.not_found("accession request", accession_id)
            _before, after = rounds.cast_ballot(
                session, actor, round_row, nation, decision, comment
            )
            record_event(
                session,
                actor,
                "gov.vote.cast",
                "gov_round",
                round_row.id,
                object_nation=actor.nation,
                after={"accession": row.id, "decision": decision.value, "comment": comment},
            )
            if after.status is not RoundStatus.OPEN:
                _close(session, actor, row, after)
            info = _info(session, row)
            uow.commit()
        return info

    return rounds.retrying(attempt)


def withdraw_from_pact(
    uow: UnitOfWork, actor: Actor, nation: str, left: date | None = None
) -> Withdrawal:
    """End ``nation``'s membership (its own admin, or the console) and leave every open round."""
    code = require_nation(nation)
    principal = actor.principal
    if not actor.is_console and (
        principal is None or principal.nation != code or not principal.has_role(Role.ADMIN)
    ):
        raise PermissionDenied(f"only an admin of {code} may withdraw {code} from the pact")

    def attempt() -> Withdrawal:
        with uow:
            session = uow.session
            today = access.today()
            when = left or today
            if problem := withdrawal_problem(code, member_codes_in(session), when, today):
                _raise(problem)
            member = withdraw_member(session, actor, code, when)
            closed = rounds.remove_from_open_rounds(session, code, today)
            for round_row, state in closed:
                _after_removal(session, actor, round_row, state)
            record_event(
                session,
                actor,
                "gov.withdraw",
                "membership",
                code,
                object_nation=code,
                after={"left": when, "closed_rounds": [r.id for r, _ in closed]},
            )
            uow.commit()
        return Withdrawal(member, tuple((r.id, r.kind, s.status) for r, s in closed))

    return rounds.retrying(attempt)


def _after_removal(session: Session, actor: Actor, round_row: RoundRow, state: RoundState) -> None:
    accession = AccessionRepository(session).by_round(round_row.id)
    if accession is not None:
        _close(session, actor, accession, state)
        return
    record_event(
        session,
        actor,
        "gov.round.close",
        "gov_round",
        round_row.id,
        after={"status": state.status.value, "reason": "a participant left the pact"},
    )


def membership_history(uow: UnitOfWork) -> list[MembershipPeriod]:
    return [
        MembershipPeriod(m.code, m.name, m.joined, m.left) for m in list_members(uow, history=True)
    ]
