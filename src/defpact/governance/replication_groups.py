"""What federation needs from expert groups and meetings: journal hooks, exports, replicas.

Every write of a group, a meeting or an action item stamps it in the core change journal
(``core.changes``) in the same transaction. A group crosses as a
:class:`core.replication.RecordState` titled with its name; a meeting with its decisions (part
of its content: the meeting page shows them), its attendees and its group.

References across nodes. Ids differ between nodes, so a meeting names its group by
``{name, originator}`` (a name is unique on every node) and is exported only while the group's
marking releases it to the peer too (``parent``, as a lesson with its exercise); a meeting or
action item of a withdrawn group counts as withdrawn. On the receiving node a meeting whose group
is not held (or withdrawn) is refused, so a replica never dangles. A decision is named by its
``uid`` (action items cite it). People travel as ``{nation, name}``: the name the meeting and
group pages show, never a user id; a replica keeps them in ``attendee_names`` /
``member_names`` and has no local attendees or members.

Stamping a group re-stamps its meetings and action items after it, and stamping a meeting the
action items of its decisions, so a peer reading the journal from the start always gets a record
before those that name it (a withdrawn group after them: they go first).

A group whose name is held here by another group: if that group is of the same originator and
this node does not serve that nation (e.g. the demo seeded on both nodes), the replica takes it
over; otherwise the local group is left alone and the replica refused. A group or meeting
replica that must go while rows still point at it (meetings, action items, local members) is
withdrawn instead of deleted: hidden from every nation but its originator, taken up again if it
comes back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from defpact.core.changes import Change, record_changes
from defpact.core.db import utcnow
from defpact.core.origin import originated_here, served_nations
from defpact.core.replication import RecordState, ReplicaRefused, key_chunks
from defpact.core.store import UserRow
from defpact.governance import replica_fields as check
from defpact.governance.meetings import schedule_problem
from defpact.governance.provisions import Provision
from defpact.governance.store import (
    ActionRow,
    DecisionRow,
    GroupMemberRow,
    GroupRow,
    MeetingAttendeeRow,
    MeetingRow,
)

__all__ = [
    "ACTION",
    "GROUP",
    "MEETING",
    "drop_group_replica",
    "drop_meeting_replica",
    "group_ref",
    "group_states",
    "held_group",
    "journal_action",
    "journal_group",
    "journal_meeting",
    "meeting_states",
    "put_group_replica",
    "put_meeting_replica",
]

GROUP = "group"
MEETING = "meeting"
ACTION = "action"
_PROVISIONS = frozenset(p.value for p in Provision)


def _journal(session: Session, record_type: str, rows: Sequence[Any]) -> list[Change]:
    here = {o: originated_here(session, o) for o in {r.originator for r in rows}}
    return [
        Change(record_type, str(r.id), r.originator, r.marking) for r in rows if here[r.originator]
    ]


def _decision_actions(session: Session, meeting_ids: Collection[int]) -> Sequence[ActionRow]:
    decisions = select(DecisionRow.id).where(DecisionRow.meeting_id.in_(sorted(meeting_ids)))
    stmt = select(ActionRow).where(ActionRow.decision_id.in_(decisions)).order_by(ActionRow.id)
    return session.scalars(stmt).all()


def journal_group(session: Session, row: GroupRow) -> None:
    meetings = session.scalars(
        select(MeetingRow).where(MeetingRow.group_id == row.id).order_by(MeetingRow.id)
    ).all()
    stmt = select(ActionRow).where(ActionRow.group_id == row.id).order_by(ActionRow.id)
    actions = {a.id: a for a in session.scalars(stmt)}
    actions.update({a.id: a for a in _decision_actions(session, [m.id for m in meetings])})
    group = _journal(session, GROUP, [row])
    children = [*_journal(session, MEETING, meetings),
                *_journal(session, ACTION, [actions[i] for i in sorted(actions)])]  # fmt: skip
    # A withdrawn group goes after its children: a peer drops them before it (nothing left
    # pointing at the group), instead of keeping the group hidden for their sake.
    live = row.withdrawn_at is None
    record_changes(session, [*group, *children] if live else [*children, *group])


def journal_meeting(session: Session, row: MeetingRow) -> None:
    actions = _decision_actions(session, [row.id])
    record_changes(
        session, [*_journal(session, MEETING, [row]), *_journal(session, ACTION, actions)]
    )


def journal_action(session: Session, row: ActionRow) -> None:
    record_changes(session, _journal(session, ACTION, [row]))


def _people(
    session: Session, link: Any, owner: Any, ids: list[int]
) -> dict[int, list[dict[str, str]]]:
    """Local users linked to each owner id, as ``{nation, name}`` (the name the page shows)."""
    stmt = (
        select(owner, UserRow.nation_code, UserRow.display_name, UserRow.username)
        .join(UserRow, UserRow.id == link.user_id)
        .where(owner.in_(ids))
        .order_by(link.id)
    )
    found: dict[int, list[dict[str, str]]] = {}
    for key, code, display, username in session.execute(stmt):
        found.setdefault(key, []).append({"nation": code, "name": display or username})
    return found


def _named(names: list[list[str]]) -> list[dict[str, str]]:
    return [{"nation": code, "name": name} for code, name in names]


def group_ref(group: GroupRow) -> dict[str, str]:
    return {"name": group.name, "originator": group.originator}


def group_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = select(GroupRow).where(
            GroupRow.id.in_(chunk), GroupRow.originator.in_(sorted(originators))
        )
        rows = session.scalars(stmt).all()
        members = _people(session, GroupMemberRow, GroupMemberRow.group_id, [r.id for r in rows])
        for row in rows:
            fields = {"mandate": row.mandate, "chair_nation": row.chair_nation,
                      "provisions": list(row.provisions),
                      "members": members.get(row.id, []) + _named(row.member_names)}  # fmt: skip
            found[row.id] = RecordState(
                row.marking, row.withdrawn_at is not None, row.name, row.created_at,
                row.updated_at, fields,
            )  # fmt: skip
    return found


def meeting_states(
    session: Session, ids: Iterable[int], originators: Collection[str]
) -> dict[int, RecordState]:
    found: dict[int, RecordState] = {}
    for chunk in key_chunks(ids):
        stmt = (
            select(MeetingRow, GroupRow)
            .join(GroupRow, GroupRow.id == MeetingRow.group_id)
            .where(MeetingRow.id.in_(chunk), MeetingRow.originator.in_(sorted(originators)))
        )
        pairs = session.execute(stmt).all()
        held = [m.id for m, _g in pairs]
        people = _people(session, MeetingAttendeeRow, MeetingAttendeeRow.meeting_id, held)
        decisions: dict[int, list[dict[str, str]]] = {}
        stmt_d = select(DecisionRow).where(DecisionRow.meeting_id.in_(held))
        for d in session.scalars(stmt_d.order_by(DecisionRow.id)):
            decisions.setdefault(d.meeting_id, []).append(
                {"uid": d.uid, "text": d.text, "created": d.created_at.isoformat()}
            )
        for row, group in pairs:
            fields = {"group": group_ref(group), "place": row.place,
                      "starts": row.starts_at.isoformat(), "ends": row.ends_at.isoformat(),
                      "agenda": row.agenda, "minutes": row.minutes,
                      "attendees": people.get(row.id, []) + _named(row.attendee_names),
                      "decisions": decisions.get(row.id, [])}  # fmt: skip
            withdrawn = row.withdrawn_at is not None or group.withdrawn_at is not None
            found[row.id] = RecordState(
                row.marking, withdrawn, row.title, row.created_at, row.updated_at, fields,
                parent=group.marking,
            )  # fmt: skip
    return found


def _title(state: RecordState, where: str, limit: int) -> str:
    if not state.title.strip() or len(state.title) > limit:
        raise ReplicaRefused(f"{where}.name must have 1 to {limit} characters")
    return state.title


def _provisions(fields: dict[str, Any]) -> list[str]:
    value = fields.get("provisions")
    if not isinstance(value, list) or not value or not set(value) <= _PROVISIONS:
        raise ReplicaRefused(f"group.provisions must name provisions among {sorted(_PROVISIONS)}")
    return [p.value for p in Provision if p.value in value]


def put_group_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite a group replica; None when its name belongs to another group here."""
    fields = state.fields
    name = _title(state, "group", 120)
    values = {"mandate": check.text(fields, "group", "mandate", 100_000),
              "chair_nation": check.nation(fields, "group", "chair_nation"),
              "provisions": _provisions(fields),
              "member_names": check.people(fields, "group", "members")}  # fmt: skip
    origin = state.marking.originator
    row = session.get(GroupRow, local_id) if local_id is not None else None
    holder = session.scalars(select(GroupRow).where(GroupRow.name == name)).first()
    if holder is not None and holder is not row:
        if holder.originator != origin or origin in served_nations(session):
            return None
        if row is not None:
            drop_group_replica(session, row.id)
        row = holder
    if row is None:
        row = GroupRow()
        session.add(row)
    row.name = name
    for key, value in values.items():
        setattr(row, key, value)
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    return row.id


def drop_group_replica(session: Session, local_id: int) -> None:
    used = (
        exists().where(MeetingRow.group_id == local_id)
        | exists().where(ActionRow.group_id == local_id)
        | exists().where(GroupMemberRow.group_id == local_id)
    )
    if session.scalar(select(used)):
        row = session.get(GroupRow, local_id)
        if row is not None and row.withdrawn_at is None:
            row.withdrawn_at = utcnow()
        return
    session.execute(delete(GroupRow).where(GroupRow.id == local_id))


def held_group(session: Session, ref: object, where: str) -> int | None:
    """The id of the group ``ref`` (``{name, originator}``) names, if held here and live."""
    if not isinstance(ref, dict):
        raise ReplicaRefused(f"{where}.group must be an object with name and originator")
    name = check.text(ref, f"{where}.group", "name", 120, blank=False)
    origin = check.nation(ref, f"{where}.group", "originator")
    stmt = select(GroupRow.id).where(
        GroupRow.name == name, GroupRow.originator == origin, GroupRow.withdrawn_at.is_(None)
    )
    return session.scalar(stmt)


_Decision = tuple[str, str, datetime]  # uid, text, created


def _decisions(fields: dict[str, Any]) -> list[_Decision]:
    found = []
    for entry in check.entries(fields, "meeting", "decisions", 10_000):
        uid = check.text(entry, "meeting.decisions[]", "uid", 36, blank=False)
        text = check.text(entry, "meeting.decisions[]", "text", 4000, blank=False)
        found.append((uid, text, check.moment(entry.get("created"), "meeting.decisions[].created")))
    if len({uid for uid, _t, _c in found}) != len(found):
        raise ReplicaRefused("meeting.decisions: a uid appears twice")
    return found


def _meeting_values(state: RecordState) -> dict[str, Any]:
    fields = state.fields
    starts = check.moment(fields.get("starts"), "meeting.starts")
    ends = check.moment(fields.get("ends"), "meeting.ends")
    if problem := schedule_problem(starts, ends):
        raise ReplicaRefused(f"meeting.{problem.field}: {problem.message}")
    return {
        "title": _title(state, "meeting", 200),
        "place": check.text(fields, "meeting", "place", 200),
        "starts_at": starts,
        "ends_at": ends,
        "agenda": check.text(fields, "meeting", "agenda", 100_000),
        "minutes": check.text(fields, "meeting", "minutes", 100_000),
        "attendee_names": check.people(fields, "meeting", "attendees"),
    }


def put_meeting_replica(session: Session, local_id: int | None, state: RecordState) -> int | None:
    """Create or overwrite a meeting replica with its decisions; None when its group is not
    held here (or a decision uid belongs to another meeting here)."""
    values = _meeting_values(state)
    decisions = _decisions(state.fields)
    group_id = held_group(session, state.fields.get("group"), "meeting")
    row = session.get(MeetingRow, local_id) if local_id is not None else None
    uids = [uid for uid, _t, _c in decisions]
    clash = select(DecisionRow.id).where(DecisionRow.uid.in_(uids))
    if row is not None:
        clash = clash.where(DecisionRow.meeting_id != row.id)
    if group_id is None or session.scalars(clash).first() is not None:
        if local_id is not None:
            drop_meeting_replica(session, local_id)
        return None
    if row is None:
        row = MeetingRow()
        session.add(row)
    row.group_id = group_id
    for key, value in values.items():
        setattr(row, key, value)
    row.created_at, row.updated_at = state.created_at, state.updated_at
    row.apply_marking(state.marking)
    row.withdrawn_at = None
    session.flush()
    _put_decisions(session, row.id, decisions)
    return row.id


def _put_decisions(session: Session, meeting_id: int, decisions: list[_Decision]) -> None:
    stmt = select(DecisionRow).where(DecisionRow.meeting_id == meeting_id)
    held = {d.uid: d for d in session.scalars(stmt)}
    for uid, text, created in decisions:
        row = held.pop(uid, None)
        if row is None:
            session.add(DecisionRow(meeting_id=meeting_id, uid=uid, text=text, created_at=created))
        else:
            row.text, row.created_at = text, created
    gone = [d.id for d in held.values()]
    if gone:  # decisions never change at the source; a peer that dropped one unlinks its items
        session.execute(
            update(ActionRow).where(ActionRow.decision_id.in_(gone)).values(decision_id=None)
        )
        session.execute(delete(DecisionRow).where(DecisionRow.id.in_(gone)))
    session.flush()


def drop_meeting_replica(session: Session, local_id: int) -> None:
    decisions = select(DecisionRow.id).where(DecisionRow.meeting_id == local_id)
    used = exists().where(ActionRow.decision_id.in_(decisions)) | exists().where(
        MeetingAttendeeRow.meeting_id == local_id
    )
    if session.scalar(select(used)):
        row = session.get(MeetingRow, local_id)
        if row is not None and row.withdrawn_at is None:
            row.withdrawn_at = utcnow()
        return
    session.execute(delete(DecisionRow).where(DecisionRow.meeting_id == local_id))
    session.execute(delete(MeetingRow).where(MeetingRow.id == local_id))
