"""Use cases of the catalogue: the systems the pact may buy, their pricing and schedule.

The catalogue is pact-wide reference data: every signed-in user reads it; users with the
``procurement`` role (of any member nation) and the node operator at the console create and
change entries. Every change is audited with the parameters before and after; a change from a
stale version is a conflict (optimistic concurrency). An entry is never deleted: requirements
and cases refer to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, NotFound
from defpact.core.identity import Role
from defpact.core.uow import UnitOfWork
from defpact.procurement.catalogue import normalise_entry
from defpact.procurement.queries import catalogue_item_of, catalogue_rows, require_principal
from defpact.procurement.records import CatalogueItem
from defpact.procurement.store import CatalogueItemRow

__all__ = [
    "CatalogueDraft",
    "create_catalogue_item",
    "get_catalogue_item",
    "list_catalogue",
    "load_catalogue_row",
    "save_catalogue_entry",
    "update_catalogue_item",
]


@dataclass(frozen=True, slots=True)
class CatalogueDraft:
    key: str
    name: str
    channel: str
    cost: dict[str, Any]
    sched: dict[str, Any]


def _editor(actor: Actor) -> str:
    if not actor.is_console:
        require_principal(actor, Role.PROCUREMENT, what="changing the catalogue")
    return actor.name


def _audit_view(row: CatalogueItemRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "channel": row.channel,
        "cost": row.cost,
        "sched": row.sched,
    }


def list_catalogue(uow: UnitOfWork) -> list[CatalogueItem]:
    with uow:
        return [catalogue_item_of(row) for row in catalogue_rows(uow.session)]


def load_catalogue_row(session: Session, key: str, field: str | None = None) -> CatalogueItemRow:
    row = session.scalars(select(CatalogueItemRow).where(CatalogueItemRow.key == key)).first()
    if row is None:
        raise NotFound(f"no catalogue item {key!r}", field=field)
    return row


def get_catalogue_item(uow: UnitOfWork, key: str) -> CatalogueItem:
    with uow:
        return catalogue_item_of(load_catalogue_row(uow.session, key))


def save_catalogue_entry(
    session: Session, actor: Actor, draft: CatalogueDraft, row: CatalogueItemRow | None
) -> tuple[CatalogueItemRow, bool]:
    """Create (``row`` None) or change an entry inside the caller's transaction, audited.

    Returns the row and whether anything changed.
    """
    cost, sched = normalise_entry(draft.key, draft.name, draft.channel, draft.cost, draft.sched)
    name = draft.name.strip()
    if row is not None and (row.name, row.channel, row.cost, row.sched) == (
        name,
        draft.channel,
        cost,
        sched,
    ):
        return row, False
    before = None if row is None else _audit_view(row)
    if row is None:
        row = CatalogueItemRow(key=draft.key, created_at=utcnow())
        session.add(row)
    row.name, row.channel, row.cost, row.sched = name, draft.channel, cost, sched
    row.updated_by, row.updated_at = actor.name, utcnow()
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"catalogue item {draft.key!r} already exists", field="key") from None
    except StaleDataError:
        raise Conflict("the catalogue item was changed concurrently; reload and retry") from None
    action = "procurement_catalogue.create" if before is None else "procurement_catalogue.update"
    record_event(
        session,
        actor,
        action,
        "procurement_catalogue",
        row.key,
        before=before,
        after=_audit_view(row),
    )
    return row, True


def create_catalogue_item(uow: UnitOfWork, actor: Actor, draft: CatalogueDraft) -> CatalogueItem:
    _editor(actor)
    with uow:
        existing = uow.session.scalars(
            select(CatalogueItemRow).where(CatalogueItemRow.key == draft.key)
        ).first()
        if existing is not None:
            raise Conflict(f"catalogue item {draft.key!r} already exists", field="key")
        row, _ = save_catalogue_entry(uow.session, actor, draft, None)
        item = catalogue_item_of(row)
        uow.commit()
        return item


def update_catalogue_item(
    uow: UnitOfWork, actor: Actor, key: str, draft: CatalogueDraft, expected_version: int
) -> CatalogueItem:
    _editor(actor)
    with uow:
        row = load_catalogue_row(uow.session, key)
        if row.version != expected_version:
            raise Conflict(
                f"the catalogue item changed since you loaded it (version {row.version}, you "
                f"sent {expected_version}); reload and reapply your change",
                field="version",
            )
        row, _ = save_catalogue_entry(uow.session, actor, draft, row)
        item = catalogue_item_of(row)
        uow.commit()
        return item
