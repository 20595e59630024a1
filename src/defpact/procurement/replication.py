"""What federation needs from procurement requirements: journal hook, exports, replica writes.

Every create, change and withdrawal of a requirement stamps it in the core change journal
(``core.changes``) in the same transaction. A requirement crosses as a
:class:`core.replication.RecordState` whose fields name its catalogue item by **key** (ids
differ between nodes). A replica is an ordinary ``procurement_requirements`` row with the
originator and marking it came with, pointing at the receiving node's catalogue item of that
key; a requirement whose item this node's catalogue does not have is not stored (refused), so a
replica never dangles. Replicas have no ``active_key`` (that key only enforces one active
requirement per item for the originating nation's own writes) and no local author.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.replication import RecordState, ReplicaRefused
from defpact.procurement.store import CatalogueItemRow, RequirementRow

__all__ = ["RECORD_TYPE", "drop_replica", "journal_requirement", "put_replica", "states_by_id"]

RECORD_TYPE = "requirement"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def journal_requirement(session: Session, row: RequirementRow) -> None:
    record_changes(session, [Change(RECORD_TYPE, str(row.id), row.originator, row.marking)])


def states_by_id(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    wanted = sorted(set(ids))
    found: dict[int, RecordState] = {}
    for start in range(0, len(wanted), 500):
        stmt = (
            select(RequirementRow, CatalogueItemRow.key, CatalogueItemRow.name)
            .join(CatalogueItemRow, CatalogueItemRow.id == RequirementRow.item_id)
            .where(
                RequirementRow.id.in_(wanted[start : start + 500]),
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


def _field(fields: dict[str, Any], name: str, kind: type, limit: int = 0) -> Any:
    value = fields.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ReplicaRefused(f"requirement.{name} must be a {kind.__name__}")
    if isinstance(value, str) and len(value) > limit:
        raise ReplicaRefused(f"requirement.{name} must have at most {limit} characters")
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
