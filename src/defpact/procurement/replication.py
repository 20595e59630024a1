"""What federation needs from procurement requirements and budget lines: journal hooks,
exports, replica writes.

Every create, change and withdrawal of a requirement or a budget line stamps it in the core
change journal (``core.changes``) in the same transaction. Both cross as
:class:`core.replication.RecordState`s. A requirement names its catalogue item by **key** (ids
differ between nodes). A replica is an ordinary ``procurement_requirements`` or
``procurement_budget_lines`` row with the originator and marking it came with, and no local
author; a requirement replica points at the receiving node's catalogue item of that key, and a
requirement whose item this node's catalogue does not have is not stored (refused), so a replica
never dangles.

Replicas have no ``active_key``: that key only enforces one active requirement per item and one
active budget line per fiscal year for the originating nation's own writes, and every lookup of
"the nation's active line" (create, import, seed) goes through it, so a replica is never taken
for a line of this node's own. The originating node holds at most one active line per year, so
a node holds at most one replica per (nation, year); a local active line of the same nation and
year that this node does not serve (e.g. demo data seeded on both nodes) is taken over by the
replica, so plans never see two budgets of one nation for one year.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.origin import served_nations
from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.procurement.catalogue import MAX_BUDGET
from defpact.procurement.store import BudgetLineRow, CatalogueItemRow, RequirementRow

__all__ = [
    "BUDGET_LINE",
    "RECORD_TYPE",
    "budget_line_states",
    "drop_budget_line_replica",
    "drop_replica",
    "journal_budget_line",
    "journal_requirement",
    "put_budget_line_replica",
    "put_replica",
    "states_by_id",
]

RECORD_TYPE = "requirement"
BUDGET_LINE = "budget_line"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_KINDS = {int: "an integer", str: "a string"}


def journal_requirement(session: Session, row: RequirementRow) -> None:
    record_changes(session, [Change(RECORD_TYPE, str(row.id), row.originator, row.marking)])


def states_by_id(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = (
            select(RequirementRow, CatalogueItemRow.key, CatalogueItemRow.name)
            .join(CatalogueItemRow, CatalogueItemRow.id == RequirementRow.item_id)
            .where(
                RequirementRow.id.in_(chunk),
                RequirementRow.originator.in_(sorted(originators)),
            )
        )
        for row, key, name in session.execute(stmt):
            fields = {"item": key, "quantity": row.quantity, "need_by": row.need_by,
                      "note": row.note, "author": row.author_name}  # fmt: skip
            found[row.id] = RecordState(
                row.marking, row.withdrawn_at is not None, f"{name} x {row.quantity}",
                row.created_at, row.updated_at, fields,
            )  # fmt: skip
    return found


def _field(
    fields: dict[str, Any], name: str, kind: type, limit: int = 0, of: str = RECORD_TYPE
) -> Any:
    value = fields.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ReplicaRefused(f"{of}.{name} must be {_KINDS.get(kind, kind.__name__)}")
    if isinstance(value, str) and len(value) > limit:
        raise ReplicaRefused(f"{of}.{name} must have at most {limit} characters")
    return value


def put_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite a replica; its local id, or None when the item is not known here."""
    fields = state.fields
    key = _field(fields, "item", str, 40)
    quantity = _field(fields, "quantity", int)
    need_by = _field(fields, "need_by", str, 7)
    if quantity < 1 or not _MONTH.match(need_by):
        raise ReplicaRefused("requirement.quantity must be >= 1 and need_by a YYYY-MM month")
    item = session.scalars(select(CatalogueItemRow).where(CatalogueItemRow.key == key)).first()
    if item is None:
        if local_id is not None:
            drop_replica(session, local_id)
        return None
    row = session.get(RequirementRow, local_id) if local_id is not None else None
    if row is None:
        row = RequirementRow(author_id=None, active_key=None)
        session.add(row)
    row.item_id, row.quantity, row.need_by = item.id, quantity, need_by
    row.note = _field(fields, "note", str, 500)
    row.author_name = _field(fields, "author", str, 64)
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_replica(session: Session, local_id: int) -> None:
    session.execute(delete(RequirementRow).where(RequirementRow.id == local_id))


def journal_budget_line(session: Session, row: BudgetLineRow) -> None:
    record_changes(session, [Change(BUDGET_LINE, str(row.id), row.originator, row.marking)])


def budget_line_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = select(BudgetLineRow).where(
            BudgetLineRow.id.in_(chunk),
            BudgetLineRow.originator.in_(sorted(originators)),
        )
        for row in session.scalars(stmt):
            fields = {"year": row.year, "amount_cents": row.amount_cents, "note": row.note,
                      "author": row.author_name}  # fmt: skip
            found[row.id] = RecordState(
                row.marking, row.withdrawn_at is not None,
                f"{row.originator} procurement budget {row.year}", row.created_at,
                row.updated_at, fields,
            )  # fmt: skip
    return found


def _budget_line_row(session: Session, local_id: int | None, origin: str, year: int
                     ) -> BudgetLineRow:  # fmt: skip
    """The row a budget-line replica goes into: the one held for it, else a local active line
    of that nation and year this node does not serve (taken over), else a new row."""
    row = session.get(BudgetLineRow, local_id) if local_id is not None else None
    if row is None and origin not in served_nations(session):
        stmt = select(BudgetLineRow).where(BudgetLineRow.active_key == f"{origin}:{year}")
        row = session.scalars(stmt).first()
    if row is None:
        row = BudgetLineRow()
        session.add(row)
    return row


def put_budget_line_replica(session: Session, local_id: int | None, state: RecordState) -> int:
    """Create or overwrite a budget-line replica; its local id."""
    fields = state.fields
    year = _field(fields, "year", int, of=BUDGET_LINE)
    cents = _field(fields, "amount_cents", int, of=BUDGET_LINE)
    if not 2000 <= year <= 2100:
        raise ReplicaRefused("budget_line.year must be a fiscal year between 2000 and 2100")
    if not 0 <= cents <= MAX_BUDGET * 100:
        raise ReplicaRefused(f"budget_line.amount_cents must be between 0 and {MAX_BUDGET}00")
    note = _field(fields, "note", str, 500, of=BUDGET_LINE)
    author = _field(fields, "author", str, 64, of=BUDGET_LINE)
    row = _budget_line_row(session, local_id, state.marking.originator, year)
    row.year, row.amount_cents, row.note = year, cents, note
    row.author_id, row.author_name, row.active_key = None, author, None
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_budget_line_replica(session: Session, local_id: int) -> None:
    session.execute(delete(BudgetLineRow).where(BudgetLineRow.id == local_id))
