"""What federation needs from action items: exports and replica writes (journal hook:
``replication_groups.journal_action``).

An item crosses as a :class:`core.replication.RecordState` with its progress notes (author name
and nation as copied when reported). It names its expert group by ``{name, originator}`` and the
meeting decision that created it by the decision's ``uid``. An item of a group is exported only
while the group's marking releases it to the peer too (``parent``: its fields name the group),
and on the receiving node an item whose group is not held is refused, so a replica never
dangles. The decision is a link, not a container: when this node does not hold it (the meeting
was not released here) the replica is stored without it. A replica's notes are replaced as a
whole at each update.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.governance import replica_fields as check
from defpact.governance.provisions import Provision
from defpact.governance.replication_groups import group_ref, held_group
from defpact.governance.store import ActionNoteRow, ActionRow, DecisionRow, GroupRow
from defpact.governance.tracker import ActionStatus

__all__ = ["action_states", "drop_action_replica", "put_action_replica"]

_PROVISIONS = frozenset(p.value for p in Provision)
_STATUSES = frozenset(s.value for s in ActionStatus)


def _notes(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    stmt = select(ActionNoteRow).where(ActionNoteRow.action_id.in_(ids))
    for n in session.scalars(stmt.order_by(ActionNoteRow.at, ActionNoteRow.id)):
        found.setdefault(n.action_id, []).append({
            "author": n.author_name, "nation": n.author_nation, "status": n.status,
            "note": n.note, "at": n.at.isoformat(),
        })  # fmt: skip
    return found


def action_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = (
            select(ActionRow, GroupRow, DecisionRow.uid)
            .outerjoin(GroupRow, GroupRow.id == ActionRow.group_id)
            .outerjoin(DecisionRow, DecisionRow.id == ActionRow.decision_id)
            .where(
                ActionRow.id.in_(chunk),
                ActionRow.originator.in_(sorted(originators)),
            )
        )
        rows = session.execute(stmt).all()
        notes = _notes(session, [r.id for r, _g, _u in rows])
        for row, group, uid in rows:
            fields = {"provision": row.provision, "description": row.description,
                      "owner_nation": row.owner_nation, "due": row.due.isoformat(),
                      "status": row.status, "group": group_ref(group) if group else None,
                      "decision": uid, "notes": notes.get(row.id, [])}  # fmt: skip
            withdrawn = row.withdrawn_at is not None or (
                group is not None and group.withdrawn_at is not None
            )
            found[row.id] = RecordState(
                row.marking, withdrawn, row.title, row.created_at, row.updated_at, fields,
                parent=group.marking if group is not None else None,
            )  # fmt: skip
    return found


def _choice(fields: dict[str, Any], where: str, name: str, allowed: frozenset[str]) -> str:
    value = fields.get(name)
    if value not in allowed:
        raise ReplicaRefused(f"{where}.{name} must be one of {', '.join(sorted(allowed))}")
    return str(value)


def _note_rows(fields: dict[str, Any]) -> list[ActionNoteRow]:
    rows = []
    for entry in check.entries(fields, "action", "notes", 10_000):
        nation = None
        if entry.get("nation") is not None:
            nation = check.nation(entry, "action.notes[]", "nation")
        rows.append(ActionNoteRow(
            author_name=check.text(entry, "action.notes[]", "author", 120), author_nation=nation,
            status=_choice(entry, "action.notes[]", "status", _STATUSES),
            note=check.text(entry, "action.notes[]", "note", 4000),
            at=check.moment(entry.get("at"), "action.notes[].at"),
        ))  # fmt: skip
    return rows


def _values(state: RecordState) -> dict[str, Any]:
    fields = state.fields
    if not state.title.strip() or len(state.title) > 200:
        raise ReplicaRefused("action.name must have 1 to 200 characters")
    return {
        "title": state.title,
        "provision": _choice(fields, "action", "provision", _PROVISIONS),
        "description": check.text(fields, "action", "description", 100_000),
        "owner_nation": check.nation(fields, "action", "owner_nation"),
        "due": check.day(fields, "action", "due"),
        "status": _choice(fields, "action", "status", _STATUSES),
    }


def _decision_id(session: Session, fields: dict[str, Any]) -> int | None:
    uid = fields.get("decision")
    if uid is None:
        return None
    if not isinstance(uid, str) or not 1 <= len(uid) <= 36:
        raise ReplicaRefused("action.decision must be a decision uid or null")
    return session.scalar(select(DecisionRow.id).where(DecisionRow.uid == uid))


def put_action_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite an action item replica; None when its group is not held here."""
    values = _values(state)
    notes = _note_rows(state.fields)
    group_id = None
    if state.fields.get("group") is not None:
        group_id = held_group(session, state.fields["group"], "action")
        if group_id is None:
            if local_id is not None:
                drop_action_replica(session, local_id)
            return None
    decision_id = _decision_id(session, state.fields)
    row = session.get(ActionRow, local_id) if local_id is not None else None
    if row is None:
        row = ActionRow()
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.group_id, row.decision_id = group_id, decision_id
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    session.execute(delete(ActionNoteRow).where(ActionNoteRow.action_id == row.id))
    for note in notes:
        note.action_id = row.id
        session.add(note)
    session.flush()
    return row.id


def drop_action_replica(session: Session, local_id: int) -> None:
    session.execute(delete(ActionNoteRow).where(ActionNoteRow.action_id == local_id))
    session.execute(delete(ActionRow).where(ActionRow.id == local_id))
