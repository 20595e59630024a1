"""Use cases of the action tracker: create items (alone or from a meeting decision), report
progress, list with filters and summarise per provision and per owner nation.

An item is owned by a member nation, which must be able to read it. Its status and progress
notes are reported by users of the owner nation or of the originator nation (observers only
read); a report names the version it was based on, so two concurrent edits cannot silently
overwrite each other. Summaries count only the items the caller may read. Every change stamps
the federation journal (``replication_groups``); an item replicated from a peer node is
read-only here, also for its owner nation (progress is reported on the originating node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Role
from defpact.core.marking import Marking, banner, can_read
from defpact.core.nations import NATIONS
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.governance import access
from defpact.governance.access import MarkingSpec
from defpact.governance.group_service import checked_text, load_group
from defpact.governance.meeting_service import (
    DecisionInfo,
    add_decision,
    load_meeting,
)
from defpact.governance.provisions import Provision
from defpact.governance.replication_groups import journal_action
from defpact.governance.store import ActionNoteRow, ActionRepository, ActionRow, GroupRow
from defpact.governance.tracker import (
    ActionStatus,
    StatusSummary,
    TrackedItem,
    is_overdue,
    summary_by_nation,
    summary_by_provision,
)

__all__ = [
    "ActionFilter",
    "ActionInfo",
    "NewAction",
    "NoteInfo",
    "TrackerSummary",
    "action_info",
    "action_summary",
    "create_action",
    "get_action",
    "list_actions",
    "load_action",
    "record_decision",
    "report_progress",
]

_WRITER_ROLES = tuple(r for r in Role if r is not Role.OBSERVER)


@dataclass(frozen=True, slots=True)
class NoteInfo:
    author: str
    nation: str | None
    status: ActionStatus
    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ActionInfo:
    id: int
    provision: Provision
    title: str
    description: str
    owner_nation: str
    group_id: int | None
    decision_id: int | None
    due: date
    status: ActionStatus
    overdue: bool
    notes: tuple[NoteInfo, ...]
    marking: Marking
    created_at: datetime
    updated_at: datetime
    version: int
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewAction:
    provision: Provision
    title: str
    owner_nation: str
    due: date
    description: str = ""
    group_id: int | None = None
    status: ActionStatus = ActionStatus.OPEN
    marking: MarkingSpec | None = None


@dataclass(frozen=True, slots=True)
class ActionFilter:
    provision: Provision | None = None
    nation: str | None = None
    status: ActionStatus | None = None
    overdue: bool | None = None
    group_id: int | None = None


@dataclass(frozen=True, slots=True)
class TrackerSummary:
    today: date
    by_provision: tuple[StatusSummary, ...]
    by_nation: tuple[StatusSummary, ...]


def action_info(session: Session, row: ActionRow, today: date) -> ActionInfo:
    status = ActionStatus(row.status)
    notes = tuple(
        NoteInfo(n.author_name, n.author_nation, ActionStatus(n.status), n.note, n.at)
        for n in ActionRepository(session).notes(row.id)
    )
    return ActionInfo(
        id=row.id,
        provision=Provision(row.provision),
        title=row.title,
        description=row.description,
        owner_nation=row.owner_nation,
        group_id=row.group_id,
        decision_id=row.decision_id,
        due=row.due,
        status=status,
        overdue=is_overdue(row.due, status, today),
        notes=notes,
        marking=row.marking,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        withdrawn_at=row.withdrawn_at,
    )


def _marking(
    session: Session, actor: Actor, new: NewAction, group: GroupRow | None, fallback: Marking | None
) -> Marking:
    spec = new.marking
    source = fallback or (group.marking if group is not None else None)
    if spec is None and source is not None:
        spec = MarkingSpec(source.classification, source.releasable_to, source.tlp)
    spec = spec or MarkingSpec()
    if actor.is_console and spec.originator is None:
        spec = MarkingSpec(spec.classification, spec.releasable_to, spec.tlp, new.owner_nation)
    return access.build_marking(session, actor, spec)


def _insert_action(
    session: Session,
    actor: Actor,
    new: NewAction,
    *,
    decision_id: int | None = None,
    fallback: Marking | None = None,
) -> ActionRow:
    """Validate and insert one item with its audit event, in the caller's transaction."""
    title = checked_text(new.title, "title", 200)
    owner = require_nation(new.owner_nation)
    members = member_codes_in(session)
    if owner not in members:
        raise InvalidInput(f"{owner} is not a member of the pact", field="owner_nation")
    group = None
    if new.group_id is not None:
        try:
            group = load_group(session, actor, new.group_id)
        except NotFound:
            raise InvalidInput(f"no expert group {new.group_id}", field="group_id") from None
        if group.withdrawn_at is not None:
            raise InvalidInput(f"expert group {group.id} was withdrawn", field="group_id")
    marking = _marking(session, actor, new, group, fallback)
    if not can_read(owner, Clearance.SECRET, marking, members):
        raise InvalidInput(
            f"the owner nation {owner} must be able to read the item; release it to {owner}",
            field="releasable_to",
        )
    now = utcnow()
    row = ActionRow(
        provision=new.provision.value,
        title=title,
        description=new.description.strip(),
        owner_nation=owner,
        group_id=group.id if group is not None else None,
        decision_id=decision_id,
        due=new.due,
        status=new.status.value,
        created_at=now,
        updated_at=now,
    )
    row.apply_marking(marking)
    session.add(row)
    session.flush()
    journal_action(session, row)
    record_event(
        session,
        actor,
        "gov.action.create",
        "gov_action",
        row.id,
        object_nation=row.originator,
        after={
            "provision": row.provision,
            "title": title,
            "owner": owner,
            "due": new.due,
            "status": row.status,
            "decision": decision_id,
            "marking": banner(marking),
        },
    )
    return row


def create_action(uow: UnitOfWork, actor: Actor, new: NewAction) -> ActionInfo:
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = _insert_action(session, actor, new)
        info = action_info(session, row, access.today())
        uow.commit()
    return info


def record_decision(
    uow: UnitOfWork, actor: Actor, meeting_id: int, text: str, actions: Sequence[NewAction] = ()
) -> tuple[DecisionInfo, list[ActionInfo]]:
    """A meeting's decision and the action items it creates, all in one transaction."""
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        meeting = load_meeting(session, actor, meeting_id)
        access.require_originator(actor, meeting, "meeting")
        ensure_originated_here(session, meeting.originator, "meeting")
        access.require_live(meeting, "meeting")
        decision = add_decision(session, actor, meeting, text)
        rows = []
        for new in actions:
            if new.group_id is None:
                new = replace(new, group_id=meeting.group_id)
            rows.append(
                _insert_action(
                    session, actor, new, decision_id=decision.id, fallback=meeting.marking
                )
            )
        today = access.today()
        infos = [action_info(session, r, today) for r in rows]
        result = DecisionInfo(
            decision.id, decision.text, decision.created_at, tuple(r.id for r in rows)
        )
        uow.commit()
    return result, infos


def _matches(info: ActionInfo, where: ActionFilter) -> bool:
    return (
        (where.provision is None or info.provision is where.provision)
        and (where.nation is None or info.owner_nation == where.nation.upper())
        and (where.status is None or info.status is where.status)
        and (where.overdue is None or info.overdue is where.overdue)
        and (where.group_id is None or info.group_id == where.group_id)
    )


def list_actions(
    uow: UnitOfWork, actor: Actor, where: ActionFilter | None = None
) -> list[ActionInfo]:
    where = where or ActionFilter()
    with uow:
        session = uow.session
        visible = access.visibility(ActionRow, actor, member_codes_in(session))
        today = access.today()
        rows = ActionRepository(session).find(visible)
        infos = [action_info(session, r, today) for r in rows]
        chosen = [i for i in infos if _matches(i, where)]
        shown = {i.id for i in chosen}
        access.audit_reads(session, actor, "gov_action", [r for r in rows if r.id in shown])
        uow.commit()
    return chosen


def get_action(uow: UnitOfWork, actor: Actor, action_id: int) -> ActionInfo:
    with uow:
        session = uow.session
        row = load_action(session, actor, action_id)
        access.audit_reads(session, actor, "gov_action", [row])
        info = action_info(session, row, access.today())
        uow.commit()
    return info


def load_action(session: Session, actor: Actor, action_id: int) -> ActionRow:
    visible = access.visibility(ActionRow, actor, member_codes_in(session))
    row = ActionRepository(session).get(action_id, visible)
    if row is None:
        raise access.not_found("action item", action_id)
    return row


def report_progress(
    uow: UnitOfWork,
    actor: Actor,
    action_id: int,
    *,
    status: ActionStatus | None = None,
    note: str = "",
    version: int | None = None,
) -> ActionInfo:
    """Change the status and/or add a progress note (owner or originator nation)."""
    note = note.strip()
    if status is None and not note:
        raise InvalidInput("give a new status or a progress note", field="note")
    if len(note) > 4000:
        raise InvalidInput("note must be at most 4000 characters", field="note")
    with uow:
        session = uow.session
        access.require_member(session, actor, *_WRITER_ROLES)
        row = load_action(session, actor, action_id)
        if not (actor.is_console or actor.nation in (row.owner_nation, row.originator)):
            raise PermissionDenied(
                f"only {row.owner_nation} (owner) or {row.originator} (originator) report progress"
            )
        ensure_originated_here(session, row.originator, "action item")
        access.require_live(row, "action item")
        if version is not None and version != row.version:
            raise Conflict("the item changed since you read it; reload it", field="version")
        before = {"status": row.status, "version": row.version}
        new_status = status or ActionStatus(row.status)
        row.status = new_status.value
        row.updated_at = utcnow()
        session.add(
            ActionNoteRow(
                action_id=row.id,
                author_name=actor.name,
                author_nation=actor.nation,
                status=new_status.value,
                note=note,
                at=row.updated_at,
            )
        )
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the item changed while you saved; reload it") from None
        journal_action(session, row)
        record_event(
            session,
            actor,
            "gov.action.progress",
            "gov_action",
            row.id,
            object_nation=row.originator,
            before=before,
            after={"status": row.status, "note": note, "version": row.version},
        )
        info = action_info(session, row, access.today())
        uow.commit()
    return info


def action_summary(uow: UnitOfWork, actor: Actor) -> TrackerSummary:
    items = list_actions(uow, actor)
    tracked = [TrackedItem(i.provision, i.owner_nation, i.status, i.due) for i in items]
    today = access.today()
    names = {code: nation.name for code, nation in NATIONS.items()}
    return TrackerSummary(
        today,
        tuple(summary_by_provision(tracked, today)),
        tuple(summary_by_nation(tracked, today, names)),
    )
