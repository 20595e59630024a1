"""Use cases that withdraw an expert group, a meeting or an action item.

Only an admin of the originator nation withdraws (the console for any), and not on a node where
the record is a replica of a peer's (``core.origin``). Withdrawing works as for intelligence
reports and exercises: the record is kept, with ``withdrawn_at`` set, for its originator and the
audit trail, and every other nation stops seeing it (``visible_to`` hides withdrawn records from
non-originators); withdrawing twice changes nothing. The change, its audit event and its
federation journal stamp commit together, so peers receive a tombstone: for a group also for its
meetings and action items, which no peer can hold without it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict
from defpact.core.identity import Role
from defpact.core.origin import ensure_originated_here
from defpact.core.uow import UnitOfWork
from defpact.governance import access
from defpact.governance.action_service import ActionInfo, action_info, load_action
from defpact.governance.group_service import GroupInfo, group_info, load_group
from defpact.governance.meeting_service import MeetingInfo, load_meeting, meeting_info
from defpact.governance.replication_groups import journal_action, journal_group, journal_meeting
from defpact.governance.store import GroupRow

__all__ = ["withdraw_action", "withdraw_group", "withdraw_meeting"]


def _withdraw(session: Session, actor: Actor, row: Any, what: str, kind: str, label: str) -> bool:
    """Mark ``row`` withdrawn with its audit event; False when it already was."""
    access.require_originator(actor, row, what)
    ensure_originated_here(session, row.originator, what)
    if row.withdrawn_at is not None:
        return False
    row.withdrawn_at = row.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"the {what} changed while you withdrew it; reload it") from None
    record_event(
        session, actor, f"gov.{kind}.withdraw", f"gov_{kind}", row.id,
        object_nation=row.originator, before={"withdrawn_at": None},
        after={"title": label, "withdrawn_at": row.withdrawn_at},
    )  # fmt: skip
    return True


def withdraw_group(uow: UnitOfWork, actor: Actor, group_id: int) -> GroupInfo:
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = load_group(session, actor, group_id)
        if _withdraw(session, actor, row, "expert group", "group", row.name):
            journal_group(session, row)
        info = group_info(session, row)
        uow.commit()
    return info


def withdraw_meeting(uow: UnitOfWork, actor: Actor, meeting_id: int) -> MeetingInfo:
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = load_meeting(session, actor, meeting_id)
        if _withdraw(session, actor, row, "meeting", "meeting", row.title):
            journal_meeting(session, row)
        info = meeting_info(session, row, session.get(GroupRow, row.group_id))
        uow.commit()
    return info


def withdraw_action(uow: UnitOfWork, actor: Actor, action_id: int) -> ActionInfo:
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = load_action(session, actor, action_id)
        if _withdraw(session, actor, row, "action item", "action", row.title):
            journal_action(session, row)
        info = action_info(session, row, access.today())
        uow.commit()
    return info
