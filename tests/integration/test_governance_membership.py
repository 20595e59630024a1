"""Accession and withdrawal on SQLite and PostgreSQL (a fresh node each): unanimity admits in
the deciding vote's transaction, rejections close requests, leaving removes a nation from
open rounds, and joining or leaving changes what PACT-released records a nation reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from defpact.core import service as core
from defpact.core.audit import AuditEventRow
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Role
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.governance import service
from defpact.governance.approval import Decision, RoundStatus

FOUNDERS = ("xk.approver", "al.approver", "hr.approver")


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).one()
        return Actor.of(principal_of(row))


def _actions(node: Node) -> list[str]:
    with node.uow() as uow:
        stmt = select(AuditEventRow.action).order_by(AuditEventRow.index)
        return list(uow.session.scalars(stmt))


def _add_user(node: Node, username: str, nation: str, *roles: Role) -> Actor:
    new = core.NewUser(
        username=username,
        nation=nation,
        roles=roles,
        clearance=Clearance.CONFIDENTIAL,
        password="a-long-enough-password",
    )
    core.create_user(node.uow(), Actor.console(), new)
    return _actor(node, username)


def _submitted_guide(node: Node) -> service.DocumentInfo:
    xk = _actor(node, "xk.admin")
    doc = service.create_document(
        node.uow(), xk, service.NewDocument("Implementation guide", "# Guide\n", "draft")
    )
    service.submit_version(node.uow(), xk, doc.id, 1)
    return doc


def test_accession_by_unanimity_and_pact_visibility_follows_membership(node: Node) -> None:
    doc = _submitted_guide(node)
    mk = _add_user(node, "mk.admin", "MK", Role.ADMIN, Role.APPROVER)
    with pytest.raises(NotFound):
        service.get_document(node.uow(), mk, doc.id)
    assert service.list_documents(node.uow(), mk) == []

    request = service.propose_accession(
        node.uow(), _actor(node, "al.admin"), "MK", statement="Invited at the A5 meeting"
    )
    assert request.status == "open" and request.round.pending == ("AL", "HR", "XK")
    assert [a.id for a in service.list_accessions(node.uow(), mk)] == [request.id]
    for who in FOUNDERS[:2]:
        service.vote_on_accession(node.uow(), _actor(node, who), request.id, Decision.APPROVE)
    assert "MK" not in core.current_member_codes(node.uow())
    done = service.vote_on_accession(
        node.uow(), _actor(node, "hr.approver"), request.id, Decision.APPROVE
    )
    assert done.status == "admitted" and done.effective_joined == datetime.now(UTC).date()
    assert "MK" in core.current_member_codes(node.uow())
    assert _actions(node)[-4:] == [
        "gov.vote.cast",
        "gov.round.close",
        "membership.admit",
        "gov.accession.admit",
    ]

    assert service.get_document(node.uow(), mk, doc.id).title == "Implementation guide"
    assert [d.id for d in service.list_documents(node.uow(), mk)] == [doc.id]
    with pytest.raises(PermissionDenied, match="not a member when this round opened"):
        service.vote_on_version(node.uow(), mk, doc.id, 1, Decision.APPROVE)
    for who in FOUNDERS:
        version = service.vote_on_version(
            node.uow(), _actor(node, who), doc.id, 1, Decision.APPROVE
        )
    assert version.round is not None and version.round.status is RoundStatus.ADOPTED
    assert "MK" not in dict(version.round.positions)

    left = service.withdraw_from_pact(node.uow(), mk, "MK")
    assert left.member.left == datetime.now(UTC).date()
    with pytest.raises(NotFound):
        service.get_document(node.uow(), mk, doc.id)
    assert service.list_documents(node.uow(), mk) == []
    history = {(p.code, p.left is not None) for p in service.membership_history(node.uow())}
    assert ("MK", True) in history


def test_admission_is_atomic_with_the_deciding_vote_and_rejection_closes_the_request(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = service.propose_accession(node.uow(), _actor(node, "al.admin"), "MK")
    for who in FOUNDERS[:2]:
        service.vote_on_accession(node.uow(), _actor(node, who), request.id, Decision.APPROVE)

    def refuse(*_args: object) -> None:
        raise Conflict("the membership register is locked")

    with monkeypatch.context() as patch:
        patch.setattr("defpact.governance.accession_service.admit_member", refuse)
        with pytest.raises(Conflict, match="locked"):
            service.vote_on_accession(
                node.uow(), _actor(node, "hr.approver"), request.id, Decision.APPROVE
            )
    unchanged = service.get_accession(node.uow(), Actor.console(), request.id)
    assert unchanged.status == "open" and unchanged.round.pending == ("HR",)

    closed = service.vote_on_accession(
        node.uow(), _actor(node, "hr.approver"), request.id, Decision.REJECT, "Not this year"
    )
    assert closed.status == "rejected" and "MK" not in core.current_member_codes(node.uow())
    seen_by_al = service.get_accession(node.uow(), _actor(node, "al.training"), request.id)
    assert [(b.nation, b.comment) for b in seen_by_al.round.ballots][-1] == ("HR", "Not this year")
    assert service.propose_accession(node.uow(), _actor(node, "xk.admin"), "MK").status == "open"


def test_leaving_mid_round_removes_the_nation_and_may_complete_the_round(node: Node) -> None:
    doc = _submitted_guide(node)
    for who in FOUNDERS[:2]:
        service.vote_on_version(node.uow(), _actor(node, who), doc.id, 1, Decision.APPROVE)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with pytest.raises(PermissionDenied):
        service.withdraw_from_pact(node.uow(), _actor(node, "xk.admin"), "HR")
    with pytest.raises(PermissionDenied):
        service.withdraw_from_pact(node.uow(), _actor(node, "hr.approver"), "HR")
    with pytest.raises(InvalidInput) as caught:
        service.withdraw_from_pact(node.uow(), _actor(node, "hr.admin"), "HR", yesterday)
    assert caught.value.field == "left" and "HR" in core.current_member_codes(node.uow())

    result = service.withdraw_from_pact(node.uow(), _actor(node, "hr.admin"), "HR")
    assert [status for _, _, status in result.closed_rounds] == [RoundStatus.ADOPTED]
    version = service.get_version(node.uow(), _actor(node, "xk.admin"), doc.id, 1)
    assert version.round is not None and version.round.status is RoundStatus.ADOPTED
    assert dict(version.round.positions)["HR"] == "removed"
    assert [m.code for m in core.list_members(node.uow())] == ["XK", "AL"]
    with pytest.raises(Conflict, match="not a member"):
        service.withdraw_from_pact(node.uow(), Actor.console(), "HR")

    service.withdraw_from_pact(node.uow(), Actor.console(), "XK")
    with pytest.raises(InvalidInput, match="neither a NATO member nor an EU member state"):
        service.propose_accession(node.uow(), _actor(node, "al.admin"), "XK")
