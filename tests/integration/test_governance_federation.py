"""Expert groups, meetings and action items as federation sees them (SQLite and PostgreSQL):
every write stamps the change journal in its own transaction, withdrawals (originator's admins
only, idempotent, refusing later changes), and replica writes that refuse malformed fields
naming them, refuse records whose group is not held here, and never leave a dangling row."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from defpact.core.audit import AuditEventRow
from defpact.core.changes import changes_after, latest_stamp
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking
from defpact.core.nations import FOUNDING_MEMBERS
from defpact.core.replication import RecordState, ReplicaRefused
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.governance import service
from defpact.governance.provisions import Provision
from defpact.governance.replication_actions import put_action_replica
from defpact.governance.replication_groups import (
    drop_group_replica,
    put_group_replica,
    put_meeting_replica,
)
from defpact.governance.store import ActionRow, DecisionRow, GroupRow, MeetingRow

START = datetime(2027, 3, 1, 9, tzinfo=UTC)
PACT_GREEN = Marking("XK", Clearance.UNCLASSIFIED, frozenset({PACT}), TLP.GREEN)
UID = "0b8a6c1e-7f0e-4d53-9a43-1f2e3d4c5b6a"


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).one()
        return Actor.of(principal_of(row))


def _group(node: Node, name: str = "Cyber group") -> service.GroupInfo:
    new = service.NewGroup(name, "XK", "mandate", (Provision.HYBRID_THREATS,), ("xk.admin",))
    return service.create_group(node.uow(), _actor(node, "xk.admin"), new)


def _meeting(node: Node, group_id: int, who: str = "xk.admin") -> service.MeetingInfo:
    new = service.NewMeeting(group_id, "Kick-off", START, START + timedelta(hours=3))
    return service.create_meeting(node.uow(), _actor(node, who), new)


def _stamped(node: Node, after: int) -> list[tuple[str, str]]:
    with node.uow() as uow:
        entries = changes_after(uow.session, after, FOUNDING_MEMBERS, 100)
        return [(e.record_type, e.record_key) for e in entries]


def _clock(node: Node) -> int:
    with node.uow() as uow:
        return latest_stamp(uow.session)


def test_every_write_stamps_the_journal_with_what_depends_on_it(node: Node) -> None:
    xk = _actor(node, "xk.admin")
    start = _clock(node)
    group = _group(node)
    meeting = _meeting(node, group.id)
    item = service.NewAction(Provision.HYBRID_THREATS, "Draft the plan", "AL", date(2027, 6, 1))
    _decision, (action,) = service.record_decision(node.uow(), xk, meeting.id, "Go", [item])
    g, m, a = ("group", str(group.id)), ("meeting", str(meeting.id)), ("action", str(action.id))
    assert _stamped(node, start) == [g, m, a]
    steps: list[tuple[Callable[[], object], list[tuple[str, str]]]] = [
        (lambda: service.record_minutes(node.uow(), xk, meeting.id, "minutes"), [m, a]),
        (lambda: service.report_progress(node.uow(), xk, action.id, note="begun"), [a]),
        # a group's meetings and items follow it: a peer reading from the start gets it first
        (lambda: service.add_group_member(node.uow(), xk, group.id, "xk.analyst"), [g, m, a]),
        (lambda: service.withdraw_action(node.uow(), xk, action.id), [a]),
        (lambda: service.withdraw_meeting(node.uow(), xk, meeting.id), [m, a]),
        # ... except a withdrawn group: they go first, so a peer drops them before it
        (lambda: service.withdraw_group(node.uow(), xk, group.id), [m, a, g]),
    ]
    for write, stamped in steps:
        before = _clock(node)
        write()
        assert _stamped(node, before) == stamped


def _withdrawals(node: Node) -> int:
    with node.uow() as uow:
        stmt = select(func.count()).where(AuditEventRow.action.like("gov.%.withdraw"))
        return int(uow.session.scalar(stmt) or 0)


def test_withdrawals_hide_the_record_from_others_and_stop_its_changes(node: Node) -> None:
    xk, al = _actor(node, "xk.admin"), _actor(node, "al.admin")
    group = _group(node)
    meeting = _meeting(node, group.id)
    new = service.NewAction(
        Provision.HYBRID_THREATS, "Plan", "XK", date(2027, 6, 1), group_id=group.id
    )
    action = service.create_action(node.uow(), xk, new)
    withdrawals: list[tuple[Callable[..., Any], int, Callable[..., Any]]] = [
        (service.withdraw_action, action.id, service.get_action),
        (service.withdraw_meeting, meeting.id, service.get_meeting),
        (service.withdraw_group, group.id, service.get_group),
    ]
    for withdraw, ident, read in withdrawals:
        with pytest.raises(PermissionDenied, match="only XK"):
            withdraw(node.uow(), al, ident)
        with pytest.raises(PermissionDenied, match="roles"):
            withdraw(node.uow(), _actor(node, "xk.analyst"), ident)
        first = withdraw(node.uow(), xk, ident).withdrawn_at
        assert first is not None
        assert withdraw(node.uow(), xk, ident).withdrawn_at == first  # twice changes nothing
        with pytest.raises(NotFound):
            read(node.uow(), al, ident)
        assert read(node.uow(), xk, ident).withdrawn_at == first  # the originator still sees it
    assert _withdrawals(node) == 3
    with pytest.raises(Conflict, match="withdrawn"):
        service.record_minutes(node.uow(), xk, meeting.id, "late minutes")
    with pytest.raises(Conflict, match="withdrawn"):
        service.report_progress(node.uow(), xk, action.id, note="late")
    with pytest.raises(Conflict, match="withdrawn"):
        service.add_group_member(node.uow(), xk, group.id, "xk.analyst")
    with pytest.raises(InvalidInput, match="withdrawn"):
        _meeting(node, group.id)


# --- Replica writes (what a peer's page asks for) ---------------------------------------------

GROUP_FIELDS: dict[str, Any] = {
    "mandate": "coordinate", "chair_nation": "XK", "provisions": ["hybrid-threats"],
    "members": [{"nation": "XK", "name": "Arta Krasniqi"}],
}  # fmt: skip
MEETING_FIELDS: dict[str, Any] = {
    "group": {"name": "Remote group", "originator": "XK"}, "place": "Pristina",
    "starts": START.isoformat(), "ends": (START + timedelta(hours=2)).isoformat(),
    "agenda": "1. Plan", "minutes": "", "attendees": [{"nation": "XK", "name": "Arta Krasniqi"}],
    "decisions": [{"uid": UID, "text": "Adopt the plan", "created": START.isoformat()}],
}  # fmt: skip
ACTION_FIELDS: dict[str, Any] = {
    "provision": "hybrid-threats", "description": "", "owner_nation": "AL", "due": "2027-06-01",
    "status": "open", "group": {"name": "Remote group", "originator": "XK"}, "decision": UID,
    "notes": [{"author": "Arta Krasniqi", "nation": "XK", "status": "open", "note": "started",
               "at": START.isoformat()}],
}  # fmt: skip


def _state(title: str, fields: dict[str, Any]) -> RecordState:
    return RecordState(PACT_GREEN, False, title, START, START, copy.deepcopy(fields))


def _put(node: Node, put: Callable[..., int | None], state: RecordState) -> int | None:
    with node.uow() as uow:
        stored = put(uow.session, None, state)
        uow.commit()
    return stored


def _counts(node: Node) -> tuple[int, ...]:
    with node.uow() as uow:
        s = uow.session
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (GroupRow, MeetingRow, DecisionRow, ActionRow)
        )


def _replicas(node: Node) -> tuple[int, int, int]:
    group = _put(node, put_group_replica, _state("Remote group", GROUP_FIELDS))
    meeting = _put(node, put_meeting_replica, _state("Remote meeting", MEETING_FIELDS))
    action = _put(node, put_action_replica, _state("Remote item", ACTION_FIELDS))
    assert group is not None and meeting is not None and action is not None
    return group, meeting, action


def test_replicas_keep_their_people_decisions_and_links(node: Node) -> None:
    group_id, meeting_id, action_id = _replicas(node)
    al = _actor(node, "al.admin")
    group = service.get_group(node.uow(), al, group_id)
    assert [(m.nation, m.display_name, m.username) for m in group.members] == [
        ("XK", "Arta Krasniqi", "")
    ]
    meeting = service.get_meeting(node.uow(), al, meeting_id)
    assert meeting.group_id == group_id and meeting.place == "Pristina"
    assert [(a.nation, a.display_name) for a in meeting.attendees] == [("XK", "Arta Krasniqi")]
    assert [(d.text, d.action_ids) for d in meeting.decisions] == [("Adopt the plan", (action_id,))]
    action = service.get_action(node.uow(), al, action_id)
    assert action.group_id == group_id and action.decision_id == meeting.decisions[0].id
    assert [(n.author, n.note) for n in action.notes] == [("Arta Krasniqi", "started")]
    # The peer's next version drops the decision: the item is unlinked, nothing dangles.
    changed = _state("Remote meeting", {**MEETING_FIELDS, "decisions": []})
    with node.uow() as uow:
        assert put_meeting_replica(uow.session, meeting_id, changed) == meeting_id
        uow.commit()
    assert service.get_action(node.uow(), al, action_id).decision_id is None
    assert service.get_meeting(node.uow(), al, meeting_id).decisions == ()


BAD_FIELDS = [
    ("group", "chair_nation", "ZZ", "group.chair_nation must be a known nation code"),
    ("group", "provisions", [], "group.provisions"),
    ("group", "members", [{"nation": "XK"}], r"group.members\[\].name"),
    ("meeting", "starts", "2027-03-01T09:00", "meeting.starts must be an ISO timestamp with"),
    ("meeting", "ends", START.isoformat(), "meeting.ends: ends"),
    ("meeting", "minutes", 7, "meeting.minutes must be a string"),
    ("meeting", "group", "Remote group", "meeting.group must be an object"),
    ("meeting", "decisions", [{"uid": UID, "text": ""}], r"meeting.decisions\[\].text"),
    ("meeting", "attendees", [{"nation": "XK", "name": "x" * 121}], "attendees"),
    ("action", "status", "finished", "action.status must be one of"),
    ("action", "due", "June", "action.due must be an ISO date"),
    ("action", "owner_nation", None, "action.owner_nation"),
    ("action", "decision", 5, "action.decision must be a decision uid or null"),
    ("action", "notes", [{"author": "a", "status": "open", "note": "", "at": "x"}], "notes"),
]


@pytest.mark.parametrize(("kind", "name", "value", "message"), BAD_FIELDS)
def test_malformed_replica_fields_are_refused_naming_the_field(
    node: Node, kind: str, name: str, value: object, message: str
) -> None:
    if kind != "group":
        _put(node, put_group_replica, _state("Remote group", GROUP_FIELDS))
    fields, put = {
        "group": (GROUP_FIELDS, put_group_replica),
        "meeting": (MEETING_FIELDS, put_meeting_replica),
        "action": (ACTION_FIELDS, put_action_replica),
    }[kind]
    before = _counts(node)
    with pytest.raises(ReplicaRefused, match=message):
        _put(node, put, _state(f"Remote {kind}", {**fields, name: value}))
    assert _counts(node) == before


def test_replicas_whose_group_is_not_held_here_are_refused(node: Node) -> None:
    elsewhere = {"name": "Remote group", "originator": "AL"}  # the name is XK's group here
    _put(node, put_group_replica, _state("Remote group", GROUP_FIELDS))
    before = _counts(node)
    assert (
        _put(node, put_meeting_replica, _state("m", {**MEETING_FIELDS, "group": elsewhere})) is None
    )
    assert (
        _put(node, put_action_replica, _state("a", {**ACTION_FIELDS, "group": elsewhere})) is None
    )
    assert _counts(node) == before
    # A decision uid this node already holds for another meeting is refused too.
    _put(node, put_meeting_replica, _state("Remote meeting", MEETING_FIELDS))
    before = _counts(node)
    assert _put(node, put_meeting_replica, _state("Other meeting", MEETING_FIELDS)) is None
    assert _counts(node) == before
    # An item without a decision held here is kept without the link.
    loose = _state("Loose item", {**ACTION_FIELDS, "decision": "not-held-here"})
    action = _put(node, put_action_replica, loose)
    assert action is not None
    assert service.get_action(node.uow(), _actor(node, "al.admin"), action).decision_id is None


def test_a_group_replica_still_named_here_is_withdrawn_not_deleted(node: Node) -> None:
    group_id, _meeting_id, _action_id = _replicas(node)
    local = _meeting(node, group_id, who="al.admin")  # AL's own meeting in XK's group
    with node.uow() as uow:
        drop_group_replica(uow.session, group_id)
        uow.commit()
    with pytest.raises(NotFound):
        service.get_group(node.uow(), _actor(node, "al.admin"), group_id)
    assert service.get_meeting(node.uow(), _actor(node, "al.admin"), local.id).group_id == group_id
    with node.uow() as uow:  # the group comes back: taken up again
        assert put_group_replica(uow.session, group_id, _state("Remote group", GROUP_FIELDS)) == (
            group_id
        )
        uow.commit()
    assert service.get_group(node.uow(), _actor(node, "al.admin"), group_id).withdrawn_at is None
    unused = _put(node, put_group_replica, _state("Unused group", GROUP_FIELDS))
    assert unused is not None
    with node.uow() as uow:
        drop_group_replica(uow.session, unused)
        uow.commit()
        assert uow.session.get(GroupRow, unused) is None
