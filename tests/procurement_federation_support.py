"""Procurement records in federation tests: budget lines and joint-order cases, and what a node
holds of them (by label: a budget line by its note, a case by lead, item and participants)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.marking import Marking
from defpact.core.runtime import Node
from defpact.procurement.records import Case
from federation_support import FedNode, principal

__all__ = [
    "ProcurementHoldings",
    "add_budget_line",
    "case_label",
    "procurement_holdings",
    "propose",
]


def add_budget_line(
    node: Node, username: str, year: int, note: str, mark: Marking, amount: float = 1000.0
) -> int:
    from defpact.procurement.budget_service import BudgetChange, create_budget_line

    actor = Actor.of(principal(node, username))
    return create_budget_line(node.uow(), actor, year, BudgetChange(amount, note, mark)).id


def propose(fed: FedNode, item: str, nations: Sequence[str]) -> Case:
    from defpact.procurement.case_service import propose_case

    return propose_case(fed.node.uow(), fed.actor("procurement"), item, nations=nations)


def case_label(lead: str, item: str, participants: Sequence[str]) -> str:
    return f"{lead}:{item}:{'+'.join(participants)}"


@dataclass
class ProcurementHoldings:
    budget_lines: dict[str, int] = field(default_factory=dict)  # note -> amount in cents
    cases: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # -> state, committed


def procurement_holdings(fed: FedNode, originators: set[str]) -> ProcurementHoldings:
    """Active budget lines and cases of those originators that ``fed`` holds."""
    from defpact.procurement.store import BudgetLineRow, CaseRow, CommitmentRow

    held = ProcurementHoldings()
    with fed.node.uow() as uow:
        s = uow.session
        for line in s.scalars(select(BudgetLineRow).where(
            BudgetLineRow.originator.in_(originators), BudgetLineRow.withdrawn_at.is_(None)
        )):  # fmt: skip
            assert line.note not in held.budget_lines, f"duplicate budget line {line.note}"
            assert line.active_key is None, "a replica never takes the active key"
            held.budget_lines[line.note] = line.amount_cents
        for case in s.scalars(select(CaseRow).where(CaseRow.originator.in_(originators))):
            label = case_label(case.originator, case.item_key, case.participants)
            assert label not in held.cases, f"duplicate case {label}"
            stmt = select(CommitmentRow.nation).where(CommitmentRow.case_id == case.id)
            held.cases[label] = (case.state, sorted(s.scalars(stmt)))
    return held
