"""Reads shared by the procurement services, and rows turned into records.

Every read of a marked record goes through ``visible_to`` here (DESIGN.md "Releasability"), so
lists, plans, exports and cases all see exactly the requirements and budget lines the caller
may read. ``nation_order`` fixes the order used for every tie in a plan: the current members
in the order they joined, then any other nation alphabetically; it depends on membership only,
never on what a caller can or cannot see.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import PermissionDenied
from defpact.core.identity import Principal, Role
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.store import MembershipRepository
from defpact.procurement.lifecycle import CaseState
from defpact.procurement.money import amount
from defpact.procurement.records import (
    BudgetLine,
    Case,
    CaseStep,
    CatalogueItem,
    Commitment,
    Requirement,
)
from defpact.procurement.store import (
    BudgetLineRow,
    CaseRow,
    CaseStepRow,
    CatalogueItemRow,
    CommitmentRow,
    RequirementRow,
)

__all__ = [
    "budget_line_of",
    "case_of",
    "catalogue_item_of",
    "catalogue_rows",
    "nation_order",
    "require_principal",
    "requirement_of",
    "visible_budget_lines",
    "visible_requirements",
]


def require_principal(actor: Actor, *roles: Role, what: str) -> Principal:
    """The acting user if they hold one of ``roles``; PermissionDenied otherwise."""
    principal = actor.principal
    if principal is None or not principal.has_role(*roles):
        names = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"{what} needs the {names} role")
    return principal


def catalogue_rows(session: Session) -> Sequence[CatalogueItemRow]:
    stmt = select(CatalogueItemRow).order_by(CatalogueItemRow.name, CatalogueItemRow.key)
    return session.scalars(stmt).all()


def visible_requirements(
    session: Session, principal: Principal, *, include_withdrawn: bool = False
) -> Select[RequirementRow, CatalogueItemRow]:
    """Requirements the principal may read, joined with their catalogue entry."""
    members = member_codes_in(session)
    stmt = (
        select(RequirementRow, CatalogueItemRow)
        .join(CatalogueItemRow, RequirementRow.item_id == CatalogueItemRow.id)
        .where(visible_to(RequirementRow, principal, members))
    )
    if not include_withdrawn:
        stmt = stmt.where(RequirementRow.withdrawn_at.is_(None))
    return stmt


def visible_budget_lines(
    session: Session, principal: Principal, *, include_withdrawn: bool = False
) -> Select[BudgetLineRow]:
    members = member_codes_in(session)
    stmt = select(BudgetLineRow).where(visible_to(BudgetLineRow, principal, members))
    if not include_withdrawn:
        stmt = stmt.where(BudgetLineRow.withdrawn_at.is_(None))
    return stmt


def nation_order(session: Session, nations: set[str], on: date | None = None) -> list[str]:
    """``nations`` ordered: current members by joining order, then the others alphabetically."""
    members = [r.nation_code for r in MembershipRepository(session).current(on or utcnow().date())]
    ordered = [code for code in members if code in nations]
    return ordered + sorted(nations - set(ordered))


def catalogue_item_of(row: CatalogueItemRow) -> CatalogueItem:
    return CatalogueItem(
        id=row.id,
        key=row.key,
        name=row.name,
        channel=row.channel,
        cost=dict(row.cost),
        sched=dict(row.sched),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        version=row.version,
    )


def requirement_of(row: RequirementRow, item: CatalogueItemRow) -> Requirement:
    return Requirement(
        id=row.id,
        item=item.key,
        item_name=item.name,
        quantity=row.quantity,
        need_by=row.need_by,
        note=row.note,
        marking=row.marking,
        author=row.author_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        withdrawn=row.withdrawn_at is not None,
    )


def budget_line_of(row: BudgetLineRow) -> BudgetLine:
    return BudgetLine(
        id=row.id,
        year=row.year,
        amount=amount(row.amount_cents),
        note=row.note,
        marking=row.marking,
        author=row.author_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        withdrawn=row.withdrawn_at is not None,
    )


def _money(cents: dict[str, int]) -> dict[str, float]:
    return {nation: amount(value) for nation, value in cents.items()}


def case_of(session: Session, row: CaseRow) -> Case:
    commitments = session.scalars(
        select(CommitmentRow).where(CommitmentRow.case_id == row.id).order_by(CommitmentRow.id)
    ).all()
    steps = session.scalars(
        select(CaseStepRow).where(CaseStepRow.case_id == row.id).order_by(CaseStepRow.id)
    ).all()
    return Case(
        id=row.id,
        item=row.item_key,
        item_name=row.item_name,
        rule=row.rule,
        state=CaseState(row.state),
        lead=row.originator,
        participants=tuple(row.participants),
        quantities=dict(row.quantities),
        need_by=dict(row.need_by),
        shares=_money(row.shares_cents),
        stand_alone=_money(row.stand_alone_cents),
        joint_cost=amount(row.joint_cost_cents),
        plan=dict(row.plan),
        marking=row.marking,
        commitments=tuple(
            Commitment(c.nation, amount(c.share_cents), c.username, c.committed_at)
            for c in commitments
        ),
        steps=tuple(
            CaseStep(s.action, s.from_state, s.to_state, s.nation, s.username, s.at) for s in steps
        ),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
