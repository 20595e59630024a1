"""Use cases of national requirements: what a nation wants to buy, how many and by when.

A requirement is a marked record (releasable to ``PACT`` by default). Reads go through
``visible_to``: what a caller may not see answers ``NotFound`` exactly like what does not exist
and never appears in lists. Reading a RESTRICTED-or-higher requirement is audited. Only users
with the ``procurement`` role of the originating nation create, change or withdraw one; anyone
else is told it does not exist. A nation has at most one active requirement per item (409).
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
from defpact.core.marking import Marking, marking_problem
from defpact.core.origin import originated_here
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.procurement.catalogue import check_need_by, check_quantity
from defpact.procurement.catalogue_service import load_catalogue_row
from defpact.procurement.queries import require_principal, requirement_of, visible_requirements
from defpact.procurement.records import PLANNING_START, Requirement
from defpact.procurement.replication import journal_requirement
from defpact.procurement.scenario import parse_scenario
from defpact.procurement.schedule import schedule_item
from defpact.procurement.store import CatalogueItemRow, RequirementRow

__all__ = [
    "RequirementChange",
    "check_marking",
    "create_requirement",
    "get_requirement",
    "list_requirements",
    "store_requirement",
    "update_requirement",
    "withdraw_requirement",
]


@dataclass(frozen=True, slots=True)
class RequirementChange:
    quantity: int
    need_by: str
    note: str
    marking: Marking


def _writer(actor: Actor) -> Principal:
    return require_principal(actor, Role.PROCUREMENT, what="changing requirements")


def check_marking(session: Session, marking: Marking, nation: str, clearance: Clearance) -> None:
    if marking.originator != nation:
        raise InvalidInput("the originator is always the author's nation", field="originator")
    if problem := marking_problem(marking, member_codes_in(session), clearance):
        raise InvalidInput(problem[1], field=problem[0])


def _check_change(item: CatalogueItemRow, change: RequirementChange, nation: str) -> None:
    check_quantity(change.quantity)
    check_need_by(change.need_by, PLANNING_START)
    if len(change.note) > 500:
        raise InvalidInput("must be at most 500 characters", field="note")
    doc = {"nations": [nation], "items": {item.key: {"cost": item.cost, "sched": item.sched}}}
    sched = parse_scenario(doc).items[item.key].sched
    try:
        schedule_item(sched, {nation: change.quantity}, {})
    except InvalidInput as exc:
        raise InvalidInput(
            f"cannot be produced on this line: {exc.detail}", field="quantity"
        ) from None


def _audit_view(row: RequirementRow, item: CatalogueItemRow) -> dict[str, object]:
    m = row.marking
    return {
        "item": item.key,
        "quantity": row.quantity,
        "need_by": row.need_by,
        "classification": m.classification.name,
        "releasable_to": sorted(m.releasable_to),
        "tlp": m.tlp.value,
        "withdrawn": row.withdrawn_at is not None,
    }


def store_requirement(
    session: Session,
    actor: Actor,
    item: CatalogueItemRow,
    nation: str,
    change: RequirementChange,
    row: RequirementRow | None,
) -> RequirementRow:
    """Create (``row`` None) or change a requirement inside the caller's transaction."""
    _check_change(item, change, nation)
    before = None if row is None else _audit_view(row, item)
    now = utcnow()
    if row is None:
        row = RequirementRow(item_id=item.id, created_at=now, active_key=f"{nation}:{item.id}")
        row.author_id, row.author_name = actor.user_id, actor.name
        session.add(row)
    row.quantity, row.need_by, row.note = change.quantity, change.need_by, change.note
    row.apply_marking(change.marking)
    row.updated_at = now
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"{nation} already has an active requirement for {item.key!r}; change that one",
            field="item",
        ) from None
    except StaleDataError:
        raise Conflict("the requirement was changed concurrently; reload and retry") from None
    journal_requirement(session, row)
    action = "procurement_requirement." + ("create" if before is None else "update")
    record_event(
        session,
        actor,
        action,
        "procurement_requirement",
        row.id,
        object_nation=nation,
        before=before,
        after=_audit_view(row, item),
    )
    return row


def create_requirement(
    uow: UnitOfWork, actor: Actor, item_key: str, draft: RequirementChange
) -> Requirement:
    """A new requirement of the caller's nation for catalogue item ``item_key``."""
    principal = _writer(actor)
    with uow:
        session = uow.session
        try:
            item = load_catalogue_row(session, item_key)
        except NotFound:
            raise InvalidInput(f"unknown catalogue item {item_key!r}", field="item") from None
        check_marking(session, draft.marking, principal.nation, principal.clearance)
        _check_change(item, draft, principal.nation)
        active = session.scalars(
            select(RequirementRow).where(
                RequirementRow.active_key == f"{principal.nation}:{item.id}"
            )
        ).first()
        if active is not None:
            raise Conflict(
                f"{principal.nation} already has requirement {active.id} for {item.key!r}; "
                "change that one",
                field="item",
            )
        row = store_requirement(session, actor, item, principal.nation, draft, None)
        result = requirement_of(row, item)
        uow.commit()
        return result


def list_requirements(
    uow: UnitOfWork,
    principal: Principal,
    *,
    item: str | None = None,
    nation: str | None = None,
    include_withdrawn: bool = False,
) -> list[Requirement]:
    """Requirements visible to the principal, by item then nation."""
    code = require_nation(nation) if nation else None
    with uow:
        stmt = visible_requirements(uow.session, principal, include_withdrawn=include_withdrawn)
        if item:
            stmt = stmt.where(CatalogueItemRow.key == item)
        if code:
            stmt = stmt.where(RequirementRow.originator == code)
        stmt = stmt.order_by(CatalogueItemRow.name, RequirementRow.originator, RequirementRow.id)
        return [requirement_of(r, i) for r, i in uow.session.execute(stmt)]


def _load_visible(
    session: Session, principal: Principal, requirement_id: int
) -> tuple[RequirementRow, CatalogueItemRow]:
    stmt = visible_requirements(session, principal, include_withdrawn=True).where(
        RequirementRow.id == requirement_id
    )
    found = session.execute(stmt).first()
    if found is None:
        raise NotFound(f"no requirement {requirement_id}")
    return found


def get_requirement(uow: UnitOfWork, principal: Principal, requirement_id: int) -> Requirement:
    with uow:
        row, item = _load_visible(uow.session, principal, requirement_id)
        if row.classification >= int(Clearance.RESTRICTED):
            record_event(
                uow.session,
                Actor.of(principal),
                "procurement_requirement.read",
                "procurement_requirement",
                row.id,
                object_nation=row.originator,
            )
            uow.commit()
        return requirement_of(row, item)


def _load_own(
    session: Session, principal: Principal, requirement_id: int
) -> tuple[RequirementRow, CatalogueItemRow]:
    row, item = _load_visible(session, principal, requirement_id)
    if row.originator != principal.nation or not originated_here(session, row.originator):
        raise NotFound(f"no requirement {requirement_id}")
    return row, item


def update_requirement(
    uow: UnitOfWork,
    actor: Actor,
    requirement_id: int,
    change: RequirementChange,
    expected_version: int,
) -> Requirement:
    principal = _writer(actor)
    with uow:
        row, item = _load_own(uow.session, principal, requirement_id)
        if row.withdrawn_at is not None:
            raise Conflict("a withdrawn requirement cannot be changed; create a new one")
        if row.version != expected_version:
            raise Conflict(
                f"the requirement changed since you loaded it (version {row.version}, you sent "
                f"{expected_version}); reload and reapply your change",
                field="version",
            )
        check_marking(uow.session, change.marking, principal.nation, principal.clearance)
        store_requirement(uow.session, actor, item, principal.nation, change, row)
        result = requirement_of(row, item)
        uow.commit()
        return result


def withdraw_requirement(uow: UnitOfWork, actor: Actor, requirement_id: int) -> Requirement:
    """Withdraw: other nations no longer see it and it leaves every plan; kept for the audit."""
    principal = _writer(actor)
    with uow:
        row, item = _load_own(uow.session, principal, requirement_id)
        if row.withdrawn_at is None:
            before = _audit_view(row, item)
            row.withdrawn_at, row.active_key, row.updated_at = utcnow(), None, utcnow()
            uow.session.flush()
            journal_requirement(uow.session, row)
            record_event(
                uow.session,
                actor,
                "procurement_requirement.withdraw",
                "procurement_requirement",
                row.id,
                object_nation=row.originator,
                before=before,
                after=_audit_view(row, item),
            )
        result = requirement_of(row, item)
        uow.commit()
        return result
