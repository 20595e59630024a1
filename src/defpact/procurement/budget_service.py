"""Use cases of budget lines: what a nation can spend on procurement in each fiscal year.

Budget lines are marked records like requirements (same rules: ``visible_to`` on every read,
read of RESTRICTED-or-higher audited, only the originating nation's ``procurement`` users
write, at most one active line per nation and fiscal year). Amounts are stored in integer
cents; the fiscal year is the calendar year.

Every create, change and withdrawal is journalled for federation (``replication``) in the same
transaction. A line received from the node that serves its nation is a read-only replica here:
changing or withdrawing it answers 404 like any line the caller's nation does not own, and a
new line of that nation for a year whose replica is held is a conflict (its node states it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import Marking
from defpact.core.origin import originated_here
from defpact.core.service import require_nation
from defpact.core.uow import UnitOfWork
from defpact.procurement.catalogue import check_amount, check_year
from defpact.procurement.money import amount
from defpact.procurement.queries import budget_line_of, require_principal, visible_budget_lines
from defpact.procurement.records import BudgetLine
from defpact.procurement.replication import journal_budget_line
from defpact.procurement.requirement_service import check_marking
from defpact.procurement.store import BudgetLineRow

__all__ = [
    "BudgetChange",
    "create_budget_line",
    "get_budget_line",
    "list_budget_lines",
    "store_budget_line",
    "update_budget_line",
    "withdraw_budget_line",
]


@dataclass(frozen=True, slots=True)
class BudgetChange:
    amount: float
    note: str
    marking: Marking


def _writer(actor: Actor) -> Principal:
    return require_principal(actor, Role.PROCUREMENT, what="changing budget lines")


def _audit_view(row: BudgetLineRow) -> dict[str, object]:
    m = row.marking
    return {
        "year": row.year,
        "amount": amount(row.amount_cents),
        "classification": m.classification.name,
        "releasable_to": sorted(m.releasable_to),
        "tlp": m.tlp.value,
        "withdrawn": row.withdrawn_at is not None,
    }


def _refuse_replicated_year(session: Session, nation: str, year: int) -> None:
    """Replicas hold no ``active_key``: an active line without one is a replica."""
    held = session.scalars(
        select(BudgetLineRow.id).where(
            BudgetLineRow.originator == nation,
            BudgetLineRow.year == year,
            BudgetLineRow.withdrawn_at.is_(None),
            BudgetLineRow.active_key.is_(None),
        )
    ).first()
    if held is not None:
        raise Conflict(
            f"{nation}'s budget line for {year} is held here as a replica of {nation}'s node "
            f"(line {held}); {nation}'s node states it",
            field="year",
        )


def store_budget_line(
    session: Session,
    actor: Actor,
    nation: str,
    year: int,
    change: BudgetChange,
    row: BudgetLineRow | None,
) -> BudgetLineRow:
    """Create (``row`` None) or change a budget line inside the caller's transaction."""
    cents = check_amount(change.amount)
    if len(change.note) > 500:
        raise InvalidInput("must be at most 500 characters", field="note")
    before = None if row is None else _audit_view(row)
    now = utcnow()
    if row is None:
        _refuse_replicated_year(session, nation, year)
        row = BudgetLineRow(year=check_year(year), created_at=now, active_key=f"{nation}:{year}")
        row.author_id, row.author_name = actor.user_id, actor.name
        session.add(row)
    row.amount_cents, row.note, row.updated_at = cents, change.note, now
    row.apply_marking(change.marking)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"{nation} already has an active budget line for {year}; change that one",
            field="year",
        ) from None
    except StaleDataError:
        raise Conflict("the budget line was changed concurrently; reload and retry") from None
    journal_budget_line(session, row)
    action = "procurement_budget.create" if before is None else "procurement_budget.update"
    record_event(
        session,
        actor,
        action,
        "procurement_budget_line",
        row.id,
        object_nation=nation,
        before=before,
        after=_audit_view(row),
    )
    return row


def create_budget_line(
    uow: UnitOfWork, actor: Actor, year: int, change: BudgetChange
) -> BudgetLine:
    principal = _writer(actor)
    check_year(year)
    with uow:
        check_marking(uow.session, change.marking, principal.nation, principal.clearance)
        key = f"{principal.nation}:{year}"
        active = uow.session.scalars(
            select(BudgetLineRow).where(BudgetLineRow.active_key == key)
        ).first()
        if active is not None:
            raise Conflict(
                f"{principal.nation} already has budget line {active.id} for {year}; "
                "change that one",
                field="year",
            )
        row = store_budget_line(uow.session, actor, principal.nation, year, change, None)
        result = budget_line_of(row)
        uow.commit()
        return result


def list_budget_lines(
    uow: UnitOfWork,
    principal: Principal,
    *,
    nation: str | None = None,
    include_withdrawn: bool = False,
) -> list[BudgetLine]:
    code = require_nation(nation) if nation else None
    with uow:
        stmt = visible_budget_lines(uow.session, principal, include_withdrawn=include_withdrawn)
        if code:
            stmt = stmt.where(BudgetLineRow.originator == code)
        stmt = stmt.order_by(BudgetLineRow.originator, BudgetLineRow.year, BudgetLineRow.id)
        return [budget_line_of(r) for r in uow.session.scalars(stmt)]


def _load_visible(session: Session, principal: Principal, line_id: int) -> BudgetLineRow:
    stmt = visible_budget_lines(session, principal, include_withdrawn=True)
    row = session.scalars(stmt.where(BudgetLineRow.id == line_id)).first()
    if row is None:
        raise NotFound(f"no budget line {line_id}")
    return row


def get_budget_line(uow: UnitOfWork, principal: Principal, line_id: int) -> BudgetLine:
    with uow:
        row = _load_visible(uow.session, principal, line_id)
        if row.classification >= int(Clearance.RESTRICTED):
            record_event(
                uow.session,
                Actor.of(principal),
                "procurement_budget.read",
                "procurement_budget_line",
                row.id,
                object_nation=row.originator,
            )
            uow.commit()
        return budget_line_of(row)


def _load_own(session: Session, principal: Principal, line_id: int) -> BudgetLineRow:
    row = _load_visible(session, principal, line_id)
    if row.originator != principal.nation or not originated_here(session, row.originator):
        raise NotFound(f"no budget line {line_id}")
    return row


def update_budget_line(
    uow: UnitOfWork, actor: Actor, line_id: int, change: BudgetChange, expected_version: int
) -> BudgetLine:
    principal = _writer(actor)
    with uow:
        row = _load_own(uow.session, principal, line_id)
        if row.withdrawn_at is not None:
            raise Conflict("a withdrawn budget line cannot be changed; create a new one")
        if row.version != expected_version:
            raise Conflict(
                f"the budget line changed since you loaded it (version {row.version}, you sent "
                f"{expected_version}); reload and reapply your change",
                field="version",
            )
        check_marking(uow.session, change.marking, principal.nation, principal.clearance)
        store_budget_line(uow.session, actor, principal.nation, row.year, change, row)
        result = budget_line_of(row)
        uow.commit()
        return result


def withdraw_budget_line(uow: UnitOfWork, actor: Actor, line_id: int) -> BudgetLine:
    principal = _writer(actor)
    with uow:
        row = _load_own(uow.session, principal, line_id)
        if row.withdrawn_at is None:
            before = _audit_view(row)
            row.withdrawn_at, row.active_key, row.updated_at = utcnow(), None, utcnow()
            uow.session.flush()
            journal_budget_line(uow.session, row)
            record_event(
                uow.session,
                actor,
                "procurement_budget.withdraw",
                "procurement_budget_line",
                row.id,
                object_nation=row.originator,
                before=before,
                after=_audit_view(row),
            )
        result = budget_line_of(row)
        uow.commit()
        return result
