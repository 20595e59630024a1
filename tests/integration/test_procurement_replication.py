"""Replicas of budget lines and joint-order cases on SQLite and PostgreSQL: a replica written
from an exported state reads back as the original, and a malformed field is refused with a
message naming it, storing nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from defpact.core.context import Actor
from defpact.core.marking import PACT, Marking
from defpact.core.replication import RecordState, ReplicaRefused
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.procurement import budget_service, case_replication, case_service, replication
from defpact.procurement.catalogue_service import CatalogueDraft, save_catalogue_entry
from defpact.procurement.records import Case
from defpact.procurement.requirement_service import RequirementChange, store_requirement
from defpact.procurement.store import BudgetLineRow, CaseRow

COST = {"t1": 500_000, "tiers": [[1, 1.0]], "fixed_order": 100_000, "per_nation": 25_000}
SCHED = {"T_loa": 2, "joint_extra": 1, "T_accept": 1, "lead": 3, "cap": 4, "moq": 2}


def _as(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return Actor.of(principal_of(row))


@pytest.fixture
def committed(node: Node) -> Case:
    """A joint order of XK and AL for a mortar, XK committed to its share."""
    with node.uow() as uow:
        draft = CatalogueDraft("mortar", "120 mm mortar", "EDA", COST, SCHED)
        item, _ = save_catalogue_entry(uow.session, Actor.console(), draft, None)
        for nation, quantity in (("XK", 4), ("AL", 6)):
            change = RequirementChange(
                quantity, "2027-06", "", Marking(nation, releasable_to={PACT})
            )
            actor = Actor(None, f"{nation.lower()}.procurement", nation)
            store_requirement(uow.session, actor, item, nation, change, None)
        uow.commit()
    case = case_service.propose_case(node.uow(), _as(node, "xk.procurement"), "mortar")
    return case_service.commit_share(node.uow(), _as(node, "xk.approver"), case.id, case.version)


def _case_state(node: Node, case_id: int) -> RecordState:
    with node.uow() as uow:
        return case_replication.states_by_id(uow.session, [case_id], {"XK"})[case_id]


def _put_case(node: Node, state: RecordState, local_id: int | None = None) -> int | None:
    with node.uow() as uow:
        stored = case_replication.put_replica(uow.session, local_id, state)
        uow.commit()
        return stored


def _count(node: Node, model: Any) -> int:
    with node.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_case_replica_reads_back_as_the_original(node: Node, committed: Case) -> None:
    local = _put_case(node, _case_state(node, committed.id))
    assert local is not None and local != committed.id
    reader = _as(node, "al.approver").principal
    assert reader is not None
    copy = case_service.get_case(node.uow(), reader, local)
    same = ("item", "item_name", "rule", "state", "lead", "participants", "quantities",
            "need_by", "shares", "stand_alone", "joint_cost", "plan", "marking", "created_by",
            "created_at", "updated_at", "commitments", "steps")  # fmt: skip
    assert {f: getattr(copy, f) for f in same} == {f: getattr(committed, f) for f in same}
    # An update replaces the children as a whole; dropping takes them along.
    withdrawn = case_service.advance_case(
        node.uow(), _as(node, "al.approver"), committed.id, "withdraw", committed.version
    )
    assert _put_case(node, _case_state(node, committed.id), local) == local
    copy = case_service.get_case(node.uow(), reader, local)
    assert copy.state == withdrawn.state and copy.steps == withdrawn.steps
    with node.uow() as uow:
        case_replication.drop_replica(uow.session, local)
        uow.commit()
    assert _count(node, CaseRow) == 1


def _fields(change: Callable[[dict[str, Any]], None]) -> Callable[[RecordState], RecordState]:
    def mutate(state: RecordState) -> RecordState:
        fields = {k: (dict(v) if isinstance(v, dict) else v) for k, v in state.fields.items()}
        change(fields)
        return replace(state, fields=fields)

    return mutate


def _set(name: str, value: object) -> Callable[[RecordState], RecordState]:
    return _fields(lambda f: f.__setitem__(name, value))


def _commitment(**values: object) -> Callable[[RecordState], RecordState]:
    return _fields(lambda f: f.__setitem__("commitments", [{**f["commitments"][0], **values}]))


MALFORMED_CASES: list[tuple[Callable[[RecordState], RecordState], str]] = [
    (_set("participants", ["AL", "HR"]), "case.participants must be"),
    (_set("participants", ["XK", "XK"]), "case.participants must be"),
    (_set("rule", "fairest"), "case.rule must be one of"),
    (_set("state", "lost"), "case.state must be one of"),
    (_set("item_name", ""), "case.item_name must be"),
    (_set("quantities", {"XK": 4}), "case.quantities must have"),
    (_fields(lambda f: f["quantities"].update(AL=0)), "case.quantities.AL must be 1"),
    (_fields(lambda f: f["need_by"].update(AL="2027-13")), "case.need_by.AL must be"),
    (_fields(lambda f: f["shares_cents"].update(XK=-1)), "case.shares_cents.XK must be"),
    (_set("joint_cost_cents", 1.5), "case.joint_cost_cents must be"),
    (_fields(lambda f: f["plan"].pop("delivery_joint")), "case.plan is not a plan entry"),
    (_fields(lambda f: f["plan"].update(participants=["XK"])), "case.plan.participants"),
    (_fields(lambda f: f["plan"].update(delivery_joint={})), "case.plan.participants and"),
    (_commitment(nation="HR"), "case.commitments[].nation"),
    (_commitment(at="2026-05-01T10:00:00"), "case.commitments[].at must be"),
    (_set("steps", [{"action": "x", "to_state": "nowhere", "user": "u", "at": "x"}]),
     "case.steps[].from_state and to_state"),
]  # fmt: skip


def test_a_malformed_case_is_refused_naming_the_field(node: Node, committed: Case) -> None:
    state = _case_state(node, committed.id)
    for mutate, message in MALFORMED_CASES:
        with pytest.raises(ReplicaRefused, match=re.escape(message)):
            _put_case(node, mutate(state))
    assert _count(node, CaseRow) == 1
    assert _put_case(node, _set("item", "no-such-item")(state)) is None  # would dangle
    assert _count(node, CaseRow) == 1


def _line_state(node: Node) -> RecordState:
    change = budget_service.BudgetChange(1234.56, "plan", Marking("XK", releasable_to={"AL"}))
    line = budget_service.create_budget_line(node.uow(), _as(node, "xk.procurement"), 2030, change)
    with node.uow() as uow:
        return replication.budget_line_states(uow.session, [line.id], {"XK"})[line.id]


def _put_line(node: Node, state: RecordState) -> int:
    with node.uow() as uow:
        stored = replication.put_budget_line_replica(uow.session, None, state)
        uow.commit()
        return stored


def test_a_budget_line_replica_reads_back_and_a_malformed_one_is_refused(node: Node) -> None:
    state = _line_state(node)
    assert state.fields == {"year": 2030, "amount_cents": 123456, "note": "plan",
                            "author": "xk.procurement"}  # fmt: skip
    local = _put_line(node, _set("year", 2031)(state))
    with node.uow() as uow:
        row = uow.session.get(BudgetLineRow, local)
        assert row is not None and row.active_key is None and row.author_id is None
        assert (row.year, row.amount_cents, row.marking) == (2031, 123456, state.marking)
    reader = _as(node, "al.procurement").principal
    assert reader is not None
    assert budget_service.get_budget_line(node.uow(), reader, local).amount == 1234.56
    for mutate, message in [
        (_set("year", "2030"), "budget_line.year must be an integer"),
        (_set("year", 1999), "budget_line.year must be a fiscal year"),
        (_set("amount_cents", -1), "budget_line.amount_cents must be between"),
        (_set("amount_cents", 12.5), "budget_line.amount_cents must be an integer"),
        (_set("note", "n" * 501), "budget_line.note must have at most 500"),
        (_fields(lambda f: f.pop("author")), "budget_line.author must be a string"),
    ]:
        with pytest.raises(ReplicaRefused, match=re.escape(message)):
            _put_line(node, mutate(state))
    assert _count(node, BudgetLineRow) == 2
