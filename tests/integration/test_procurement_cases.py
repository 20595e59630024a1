"""Joint-order cases on SQLite and PostgreSQL: the lifecycle, its audit trail, who may act,
the proposal's leak rule, and two approvers committing at the same moment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from defpact.core.audit import AuditEventRow
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import PACT, Marking
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.procurement import case_service
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.lifecycle import CaseState
from defpact.procurement.records import Case
from defpact.procurement.requirement_service import RequirementChange, store_requirement

COST = {
    "t1": 500_000,
    "tiers": [[1, 1.0], [10, 0.95]],
    "fixed_order": 100_000,
    "per_nation": 25_000,
    "surcharge": 0.032,
}
SCHED = {"T_loa": 2, "joint_extra": 1, "T_accept": 1, "lead": 3, "cap": 4, "moq": 6}
# nation -> (quantity, need-by, released to, classification)
NEEDS: dict[str, tuple[int, str, set[str], Clearance]] = {
    "XK": (4, "2027-01", {PACT}, Clearance.UNCLASSIFIED),
    "AL": (5, "2027-03", {PACT}, Clearance.RESTRICTED),
    "HR": (3, "2026-12", {"AL"}, Clearance.UNCLASSIFIED),
}


def _who(node: Node, username: str) -> Principal:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return principal_of(row)


def _as(node: Node, username: str) -> Actor:
    return Actor.of(_who(node, username))


@pytest.fixture
def mortar(node: Node) -> Node:
    """Catalogue item 'mortar'; XK and AL want it (PACT), HR too but released to AL only."""
    with node.uow() as uow:
        draft = CatalogueDraft("mortar", "120 mm mortar", "EDA", COST, SCHED)
        item, _ = save_catalogue_entry(uow.session, Actor.console(), draft, None)
        for nation, (quantity, need_by, release, level) in NEEDS.items():
            marking = Marking(nation, level, frozenset(release))
            change = RequirementChange(quantity, need_by, "", marking)
            actor = Actor(None, f"{nation.lower()}.procurement", nation)
            store_requirement(uow.session, actor, item, nation, change, None)
        uow.commit()
    return node


def _events(node: Node, case_id: int) -> list[tuple[str, Any]]:
    with node.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.object_type == "procurement_case")
            .where(AuditEventRow.object_id == str(case_id))
            .order_by(AuditEventRow.index)
        ).all()
        return [(r.action, (r.after or {}).get("state")) for r in rows]


def test_proposal_refuses_to_show_a_requirement_to_a_nation_it_is_not_released_to(
    mortar: Node,
) -> None:
    al = _as(mortar, "al.procurement")
    with pytest.raises(InvalidInput) as refused:
        case_service.propose_case(mortar.uow(), al, "mortar")  # XK would see HR's requirement
    assert refused.value.field == "nations" and "HR" in refused.value.detail
    case = case_service.propose_case(mortar.uow(), al, "mortar", "proportional", ["AL", "HR"])
    assert case.participants == ("AL", "HR") and case.lead == "AL"
    assert case.marking.classification is Clearance.RESTRICTED  # the highest of its requirements
    assert case.marking.releasable_to == {"HR"}
    assert sum(case.shares.values()) == pytest.approx(case.joint_cost, abs=0.001)
    with pytest.raises(NotFound):
        case_service.get_case(mortar.uow(), _who(mortar, "xk.approver"), case.id)
    assert case_service.list_cases(mortar.uow(), _who(mortar, "xk.procurement")) == []
    with pytest.raises(NotFound):  # no other nation sees it, whatever its clearance
        case_service.get_case(mortar.uow(), _who(mortar, "xk.analyst"), case.id)
    assert case_service.get_case(mortar.uow(), _who(mortar, "hr.training"), case.id).id == case.id
    with pytest.raises(InvalidInput):  # XK's own requirement is not enough: HR is not visible
        case_service.propose_case(
            mortar.uow(), _as(mortar, "xk.procurement"), "mortar", nations=["XK", "HR"]
        )


def _commit_all(node: Node, case: Case) -> Case:
    for nation in case.participants:
        case = case_service.commit_share(
            node.uow(), _as(node, f"{nation.lower()}.approver"), case.id, case.version
        )
    return case


def test_full_lifecycle_is_validated_and_audited(mortar: Node) -> None:
    xk_buyer = _as(mortar, "xk.procurement")
    case = case_service.propose_case(mortar.uow(), xk_buyer, "mortar", nations=["XK", "AL"])
    assert case.state is CaseState.PROPOSED and case.version == 1
    with pytest.raises(Conflict) as early:
        case_service.advance_case(mortar.uow(), xk_buyer, case.id, "send_lor")
    assert "proposed" in early.value.detail and "commit" in early.value.detail
    with pytest.raises(PermissionDenied):  # a buyer cannot commit the nation's money
        case_service.commit_share(mortar.uow(), xk_buyer, case.id, case.version)
    with pytest.raises(NotFound):  # HR is not a participant
        case_service.commit_share(mortar.uow(), _as(mortar, "hr.approver"), case.id, 1)
    case = _commit_all(mortar, case)
    assert case.state is CaseState.COMMITTED and case.committed_nations == {"XK", "AL"}
    with pytest.raises(Conflict, match="already committed|committed"):
        case_service.commit_share(mortar.uow(), _as(mortar, "al.approver"), case.id, case.version)
    with pytest.raises(PermissionDenied):  # milestones are the lead nation's
        case_service.advance_case(mortar.uow(), _as(mortar, "al.procurement"), case.id, "send_lor")
    for action in ("send_lor", "offer_loa", "sign_loa"):
        case = case_service.advance_case(mortar.uow(), xk_buyer, case.id, action, case.version)
    with pytest.raises(Conflict) as late:
        case_service.advance_case(mortar.uow(), _as(mortar, "al.approver"), case.id, "withdraw")
    assert "loa_signed" in late.value.detail
    for action in ("award", "start_delivery", "close"):
        case = case_service.advance_case(mortar.uow(), xk_buyer, case.id, action)
    assert case.state is CaseState.CLOSED
    with pytest.raises(Conflict, match="is closed"):
        case_service.advance_case(mortar.uow(), xk_buyer, case.id, "close")
    assert [s.to_state for s in case.steps] == [
        "proposed",
        "proposed",
        "committed",
        "lor_sent",
        "loa_offered",
        "loa_signed",
        "awarded",
        "delivering",
        "closed",
    ]
    assert _events(mortar, case.id) == [
        ("procurement_case.propose", "proposed"),
        ("procurement_case.commit", "proposed"),
        ("procurement_case.commit", "committed"),
        ("procurement_case.send_lor", "lor_sent"),
        ("procurement_case.offer_loa", "loa_offered"),
        ("procurement_case.sign_loa", "loa_signed"),
        ("procurement_case.award", "awarded"),
        ("procurement_case.start_delivery", "delivering"),
        ("procurement_case.close", "closed"),
    ]


def test_any_participant_may_withdraw_before_signature(mortar: Node) -> None:
    case = case_service.propose_case(
        mortar.uow(), _as(mortar, "xk.procurement"), "mortar", nations=["XK", "AL"]
    )
    withdrawn = case_service.advance_case(
        mortar.uow(), _as(mortar, "al.approver"), case.id, "withdraw", case.version
    )
    assert withdrawn.state is CaseState.WITHDRAWN
    with pytest.raises(Conflict, match="withdrawn"):
        case_service.commit_share(mortar.uow(), _as(mortar, "xk.approver"), case.id, 2)
    with pytest.raises(Conflict, match="version 2, you sent 1"):
        case_service.advance_case(
            mortar.uow(), _as(mortar, "xk.procurement"), case.id, "withdraw", 1
        )


def _race(node: Node, case: Case, usernames: list[str]) -> dict[str, BaseException | Case]:
    """Every user commits at once from the same version ``case.version``."""
    start = threading.Barrier(len(usernames))
    results: dict[str, BaseException | Case] = {}
    actors = {u: _as(node, u) for u in usernames}

    def commit(username: str) -> None:
        start.wait()
        try:
            results[username] = case_service.commit_share(
                node.uow(), actors[username], case.id, case.version
            )
        except Conflict as exc:
            results[username] = exc

    threads = [threading.Thread(target=commit, args=(u,)) for u in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_commitments_one_wins_none_is_lost(mortar: Node) -> None:
    """Two approvers commit from the same version at the same moment: exactly one succeeds,
    the other gets a 409 and, after reloading, commits; the last commitment moves the case."""
    case = case_service.propose_case(
        mortar.uow(), _as(mortar, "xk.procurement"), "mortar", nations=["XK", "AL"]
    )
    results = _race(mortar, case, ["xk.approver", "al.approver"])
    winners = [u for u, r in results.items() if isinstance(r, Case)]
    losers = [u for u, r in results.items() if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    principal = _who(mortar, losers[0])
    current = case_service.get_case(mortar.uow(), principal, case.id)
    assert current.version == 2 and current.state is CaseState.PROPOSED
    assert len(current.commitments) == 1
    final = case_service.commit_share(mortar.uow(), Actor.of(principal), case.id, current.version)
    assert final.state is CaseState.COMMITTED and final.version == 3
    assert {c.nation for c in final.commitments} == {"XK", "AL"}
    assert [a for a, _ in _events(mortar, case.id)].count("procurement_case.commit") == 2
