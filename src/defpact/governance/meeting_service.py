"""Use cases of meetings: schedule, minutes, decisions and the iCalendar exports.

A meeting belongs to an expert group and by default inherits the group's marking; attendees
must be users who may read it. The ``.ics`` export of a user holds the visible meetings the user
attends or whose group the user belongs to; that of a group, the group's visible meetings.

Minutes and decisions are a meeting's content: each change bumps ``updated_at`` and stamps the
federation journal (``replication_groups``) in the same transaction. A meeting replicated from
a peer node is read-only here (``core.origin``); its attendees are the names its node sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound
from defpact.core.identity import Clearance, Role
from defpact.core.marking import Marking, banner
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in
from defpact.core.store import UserRepository, UserRow
from defpact.core.uow import UnitOfWork
from defpact.governance import access
from defpact.governance.access import MarkingSpec
from defpact.governance.group_service import (
    UserRef,
    checked_text,
    load_group,
    named_refs,
    user_refs,
)
from defpact.governance.ical import CalendarEvent, meetings_calendar
from defpact.governance.meetings import schedule_problem
from defpact.governance.replication_groups import journal_meeting
from defpact.governance.store import (
    ActionRow,
    DecisionRow,
    GroupRepository,
    GroupRow,
    MeetingAttendeeRow,
    MeetingRepository,
    MeetingRow,
)

__all__ = [
    "DecisionInfo",
    "MeetingInfo",
    "NewMeeting",
    "add_decision",
    "create_meeting",
    "get_meeting",
    "group_calendar",
    "list_meetings",
    "load_meeting",
    "meeting_info",
    "record_minutes",
    "user_calendar",
]


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    id: int
    text: str
    created_at: datetime
    action_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MeetingInfo:
    id: int
    group_id: int
    group_name: str
    title: str
    place: str
    starts: datetime
    ends: datetime
    agenda: str
    minutes: str
    attendees: tuple[UserRef, ...]
    decisions: tuple[DecisionInfo, ...]
    marking: Marking
    version: int
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewMeeting:
    group_id: int
    title: str
    starts: datetime
    ends: datetime
    place: str = ""
    agenda: str = ""
    minutes: str = ""
    attendees: tuple[str, ...] = ()
    marking: MarkingSpec | None = None


def meeting_info(session: Session, row: MeetingRow, group: GroupRow | None) -> MeetingInfo:
    repo = MeetingRepository(session)
    decisions = tuple(
        DecisionInfo(d.id, d.text, d.created_at, _action_ids(session, d.id))
        for d in repo.decisions(row.id)
    )
    return MeetingInfo(
        id=row.id,
        group_id=row.group_id,
        group_name=group.name if group is not None else "",
        title=row.title,
        place=row.place,
        starts=row.starts_at,
        ends=row.ends_at,
        agenda=row.agenda,
        minutes=row.minutes,
        attendees=user_refs(session, repo.attendee_ids(row.id)) + named_refs(row.attendee_names),
        decisions=decisions,
        marking=row.marking,
        version=row.version,
        withdrawn_at=row.withdrawn_at,
    )


def _action_ids(session: Session, decision_id: int) -> tuple[int, ...]:
    stmt = select(ActionRow.id).where(ActionRow.decision_id == decision_id).order_by(ActionRow.id)
    return tuple(session.scalars(stmt))


def _group_of(session: Session, row: MeetingRow) -> GroupRow | None:
    return session.get(GroupRow, row.group_id)


def load_meeting(session: Session, actor: Actor, meeting_id: int) -> MeetingRow:
    visible = access.visibility(MeetingRow, actor, member_codes_in(session))
    row = MeetingRepository(session).get(meeting_id, visible)
    if row is None:
        raise access.not_found("meeting", meeting_id)
    return row


def _meeting_marking(session: Session, actor: Actor, new: NewMeeting, group: GroupRow) -> Marking:
    spec = new.marking
    if spec is None:
        inherited = group.marking
        spec = MarkingSpec(inherited.classification, inherited.releasable_to, inherited.tlp)
    if actor.is_console and spec.originator is None:
        spec = MarkingSpec(spec.classification, spec.releasable_to, spec.tlp, group.originator)
    return access.build_marking(session, actor, spec)


def create_meeting(uow: UnitOfWork, actor: Actor, new: NewMeeting) -> MeetingInfo:
    title = checked_text(new.title, "title", 200)
    if problem := schedule_problem(new.starts, new.ends):
        raise InvalidInput(problem.message, field=problem.field)
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        try:
            group = load_group(session, actor, new.group_id)
        except NotFound:
            raise InvalidInput(f"no expert group {new.group_id}", field="group_id") from None
        if group.withdrawn_at is not None:
            raise InvalidInput(f"expert group {group.id} was withdrawn", field="group_id")
        marking = _meeting_marking(session, actor, new, group)
        users = access.users_by_name(session, new.attendees, "attendees")
        access.check_readers(session, users, marking, "attendees")
        now = utcnow()
        row = MeetingRow(
            group_id=group.id,
            title=title,
            place=new.place.strip(),
            starts_at=new.starts,
            ends_at=new.ends,
            agenda=new.agenda,
            minutes=new.minutes,
            created_at=now,
            updated_at=now,
        )
        row.apply_marking(marking)
        session.add(row)
        session.flush()
        for user in users:
            session.add(MeetingAttendeeRow(meeting_id=row.id, user_id=user.id))
        session.flush()
        journal_meeting(session, row)
        record_event(
            session,
            actor,
            "gov.meeting.create",
            "gov_meeting",
            row.id,
            object_nation=row.originator,
            after={
                "group": group.id,
                "title": title,
                "place": row.place,
                "starts": new.starts,
                "ends": new.ends,
                "attendees": [u.username for u in users],
                "marking": banner(marking),
            },
        )
        info = meeting_info(session, row, group)
        uow.commit()
    return info


def list_meetings(uow: UnitOfWork, actor: Actor, group_id: int | None = None) -> list[MeetingInfo]:
    with uow:
        session = uow.session
        visible = access.visibility(MeetingRow, actor, member_codes_in(session))
        rows = MeetingRepository(session).find(visible, group_id)
        access.audit_reads(session, actor, "gov_meeting", rows)
        infos = [meeting_info(session, r, _group_of(session, r)) for r in rows]
        uow.commit()
    return infos


def get_meeting(uow: UnitOfWork, actor: Actor, meeting_id: int) -> MeetingInfo:
    with uow:
        session = uow.session
        row = load_meeting(session, actor, meeting_id)
        access.audit_reads(session, actor, "gov_meeting", [row])
        info = meeting_info(session, row, _group_of(session, row))
        uow.commit()
    return info


def record_minutes(
    uow: UnitOfWork, actor: Actor, meeting_id: int, minutes: str, *, version: int | None = None
) -> MeetingInfo:
    """Replace the minutes; ``version`` (as read) refuses to overwrite someone else's edit."""
    if len(minutes) > 100_000:
        raise InvalidInput("minutes must be at most 100000 characters", field="minutes")
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = load_meeting(session, actor, meeting_id)
        access.require_originator(actor, row, "meeting")
        ensure_originated_here(session, row.originator, "meeting")
        access.require_live(row, "meeting")
        if version is not None and version != row.version:
            raise Conflict("the meeting changed since you read it; reload it", field="version")
        before = {"minutes_chars": len(row.minutes), "version": row.version}
        row.minutes = minutes
        row.updated_at = utcnow()
        try:
            session.flush()
        except StaleDataError:
            raise Conflict("the meeting changed while you saved; reload it") from None
        journal_meeting(session, row)
        record_event(
            session,
            actor,
            "gov.meeting.minutes",
            "gov_meeting",
            row.id,
            object_nation=row.originator,
            before=before,
            after={"minutes_chars": len(minutes), "version": row.version},
        )
        info = meeting_info(session, row, _group_of(session, row))
        uow.commit()
    return info


def add_decision(session: Session, actor: Actor, meeting: MeetingRow, text: str) -> DecisionRow:
    """A decision of ``meeting`` inside the caller's transaction (with its audit event); the
    caller checked that the meeting is its nation's and not a replica."""
    text = checked_text(text, "text", 4000)
    row = DecisionRow(meeting_id=meeting.id, text=text, created_at=utcnow())
    session.add(row)
    meeting.updated_at = row.created_at
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("the meeting changed while you saved; reload it") from None
    journal_meeting(session, meeting)
    record_event(
        session,
        actor,
        "gov.decision.create",
        "gov_decision",
        row.id,
        object_nation=meeting.originator,
        after={"meeting": meeting.id, "text": text},
    )
    return row


def _event(session: Session, row: MeetingRow) -> CalendarEvent:
    group = _group_of(session, row)
    marking = row.marking
    return CalendarEvent(
        meeting_id=row.id,
        title=row.title,
        group=group.name if group else "",
        place=row.place,
        starts=row.starts_at,
        ends=row.ends_at,
        agenda=row.agenda,
        banner=banner(marking),
        classified=marking.classification > Clearance.UNCLASSIFIED,
        updated=row.updated_at,
    )


def user_calendar(uow: UnitOfWork, actor: Actor, username: str | None = None) -> bytes:
    """The ``.ics`` of meetings the user attends or whose group the user belongs to."""
    with uow:
        session = uow.session
        user = _calendar_owner(session, actor, username)
        groups = set(GroupRepository(session).groups_of_user(user.id))
        attended = set(MeetingRepository(session).meetings_attended(user.id))
        visible = access.visibility(MeetingRow, actor, member_codes_in(session))
        rows = [
            r
            for r in MeetingRepository(session).find(visible)
            if r.id in attended or r.group_id in groups
        ]
        access.audit_reads(session, actor, "gov_meeting", rows)
        data = meetings_calendar(
            f"defpact meetings of {user.username}", [_event(session, r) for r in rows], utcnow()
        )
        uow.commit()
    return data


def _calendar_owner(session: Session, actor: Actor, username: str | None) -> UserRow:
    repo = UserRepository(session)
    if actor.principal is not None:
        if username not in (None, actor.principal.username):
            raise access.not_found("calendar of", username)
        row = repo.get(actor.principal.user_id)
    else:
        row = repo.by_username(username or "")
    if row is None:
        raise access.not_found("user", username)
    return row


def group_calendar(uow: UnitOfWork, actor: Actor, group_id: int) -> bytes:
    with uow:
        session = uow.session
        group = load_group(session, actor, group_id)
        visible = access.visibility(MeetingRow, actor, member_codes_in(session))
        rows = MeetingRepository(session).find(visible, group.id)
        access.audit_reads(session, actor, "gov_meeting", rows)
        data = meetings_calendar(
            f"defpact: {group.name}", [_event(session, r) for r in rows], utcnow()
        )
        uow.commit()
    return data
