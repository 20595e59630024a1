"""Use cases of a document's approval: submission to every ministry and the approvers' votes.

The originator submits the latest version; the members of that day who have not announced
their withdrawal become the round's participants (``approval``). A newer submission
supersedes a round still open on an older version. Votes run under optimistic concurrency:
``rounds.retrying`` reruns a vote that lost a race on fresh state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.identity import Role
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.store import MembershipRepository
from defpact.core.uow import UnitOfWork
from defpact.governance import access, approval, rounds
from defpact.governance.approval import Decision, RoundStatus
from defpact.governance.document_service import (
    VersionInfo,
    load_document,
    load_version,
    round_status,
    version_info,
)
from defpact.governance.store import DocumentRepository, DocumentRow, RoundRow

__all__ = ["participants_on", "submit_version", "vote_on_version"]


def participants_on(session: Session, at: datetime) -> list[str]:
    """Members on ``at``'s day that have not announced their withdrawal."""
    rows = MembershipRepository(session).current(at.date())
    return [r.nation_code for r in rows if r.left is None]


def _released_to_every_member(marking: Marking) -> bool:
    return PACT in marking.releasable_to and marking.tlp is not TLP.RED


def submit_version(
    uow: UnitOfWork, actor: Actor, document_id: int, number: int, *, at: datetime | None = None
) -> VersionInfo:
    """Open the approval round of the latest version among every current member."""
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        doc = load_document(session, actor, document_id)
        access.require_originator(actor, doc, "document")
        row = load_version(session, actor, doc, number)
        latest = DocumentRepository(session).latest_number(doc.id)
        if row.number != latest:
            raise Conflict(f"only the latest version (v{latest}) may be submitted", field="number")
        if row.round_id is not None:
            status = round_status(session, row)
            raise Conflict(f"version {number} was already submitted (round {status})")
        if not (_released_to_every_member(row.marking) and _released_to_every_member(doc.marking)):
            raise InvalidInput(
                "a version submitted to every ministry must be released to PACT and not TLP:RED",
                field="releasable_to",
            )
        at = at or utcnow()
        _supersede_older(session, actor, doc)
        participants = participants_on(session, at)
        round_row = rounds.open_round_row(session, "document", participants, at)
        row.round_id = round_row.id
        session.flush()
        info = version_info(session, doc, row)
        record_event(
            session,
            actor,
            "gov.version.submit",
            "gov_document",
            doc.id,
            object_nation=doc.originator,
            after={"number": number, "round": round_row.id, "participants": participants},
        )
        uow.commit()
    return info


def _supersede_older(session: Session, actor: Actor, doc: DocumentRow) -> None:
    for version in DocumentRepository(session).versions(doc.id):
        round_row = session.get(RoundRow, version.round_id) if version.round_id else None
        if round_row is None or round_row.status != RoundStatus.OPEN.value:
            continue
        state = approval.supersede(rounds.state_of(session, round_row))
        rounds.store_state(session, round_row, state, utcnow())
        record_event(
            session,
            actor,
            "gov.round.supersede",
            "gov_round",
            round_row.id,
            object_nation=doc.originator,
            after={"document": doc.id, "number": version.number},
        )


def vote_on_version(
    uow: UnitOfWork,
    actor: Actor,
    document_id: int,
    number: int,
    decision: Decision,
    comment: str = "",
    *,
    nation: str | None = None,
) -> VersionInfo:
    """An approver's ballot for their nation; 409 when voted twice or the round is closed."""

    def attempt() -> VersionInfo:
        with uow:
            session = uow.session
            doc = load_document(session, actor, document_id)
            row = load_version(session, actor, doc, number)
            round_row = session.get(RoundRow, row.round_id) if row.round_id else None
            if round_row is None:
                raise Conflict(f"version {number} has not been submitted for approval")
            _before, after = rounds.cast_ballot(
                session, actor, round_row, nation, decision, comment
            )
            _audit_vote(session, actor, doc, round_row, number, decision, comment, after.status)
            info = version_info(session, doc, row)
            uow.commit()
        return info

    return rounds.retrying(attempt)


def _audit_vote(
    session: Session,
    actor: Actor,
    doc: DocumentRow,
    round_row: RoundRow,
    number: int,
    decision: Decision,
    comment: str,
    status: RoundStatus,
) -> None:
    record_event(
        session,
        actor,
        "gov.vote.cast",
        "gov_round",
        round_row.id,
        object_nation=actor.nation,
        after={
            "document": doc.id,
            "number": number,
            "decision": decision.value,
            "comment": comment,
        },
    )
    if status is not RoundStatus.OPEN:
        record_event(
            session,
            actor,
            "gov.round.close",
            "gov_round",
            round_row.id,
            object_nation=doc.originator,
            after={"document": doc.id, "number": number, "status": status.value},
        )
