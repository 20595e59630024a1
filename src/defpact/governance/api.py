"""REST API of governance under ``/api/governance``: groups, meetings and their calendars.

Documents (``api_documents``), the action tracker and accession (``api_tracker``) are mounted
on the same router. Routes parse, call one service function and map the result; errors are
problem details (``core.problems``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.governance import api_documents, api_tracker, service
from defpact.governance.presenters import (
    action_public,
    decision_public,
    group_public,
    meeting_public,
)
from defpact.governance.schemas import (
    DecisionCreate,
    DecisionCreated,
    GroupCreate,
    GroupMemberAdd,
    GroupPublic,
    MeetingCreate,
    MeetingPublic,
    MinutesUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/governance", tags=["governance"])
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)
_ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar document"}
}


def _ics(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}.ics"'},
    )


@router.get("/groups", response_model=list[GroupPublic], responses=problem_responses(401))
def list_groups(actor: ActorDep, uow: UowDep) -> list[GroupPublic]:
    return [group_public(g) for g in service.list_groups(uow, actor)]


@router.post(
    "/groups", response_model=GroupPublic, status_code=status.HTTP_201_CREATED, responses=_WRITE
)
def create_group(body: GroupCreate, actor: ActorDep, uow: UowDep) -> GroupPublic:
    new = service.NewGroup(
        name=body.name,
        chair_nation=body.chair_nation,
        mandate=body.mandate,
        provisions=tuple(body.provisions),
        members=tuple(body.members),
        marking=body.marking.spec(),
    )
    return group_public(service.create_group(uow, actor, new))


@router.get("/groups/{group_id}", response_model=GroupPublic, responses=_READ)
def get_group(group_id: IdPath, actor: ActorDep, uow: UowDep) -> GroupPublic:
    return group_public(service.get_group(uow, actor, group_id))


@router.post("/groups/{group_id}/members", response_model=GroupPublic, responses=_WRITE)
def add_group_member(
    group_id: IdPath, body: GroupMemberAdd, actor: ActorDep, uow: UowDep
) -> GroupPublic:
    return group_public(service.add_group_member(uow, actor, group_id, body.username))


@router.post("/groups/{group_id}/withdraw", response_model=GroupPublic, responses=_WRITE)
def withdraw_group(group_id: IdPath, actor: ActorDep, uow: UowDep) -> GroupPublic:
    """The originator's admins withdraw the group: other nations no longer see it."""
    return group_public(service.withdraw_group(uow, actor, group_id))


@router.get(
    "/groups/{group_id}/calendar.ics",
    response_class=Response,
    responses={**_ICS, **_READ},
)
def group_calendar(group_id: IdPath, actor: ActorDep, uow: UowDep) -> Response:
    """The group's meetings as iCalendar (RFC 5545)."""
    return _ics(service.group_calendar(uow, actor, group_id), f"group-{group_id}")


@router.get("/calendar.ics", response_class=Response, responses={**_ICS, **_READ})
def my_calendar(actor: ActorDep, uow: UowDep) -> Response:
    """The caller's meetings (attended, or of the caller's groups) as iCalendar."""
    return _ics(service.user_calendar(uow, actor), f"meetings-{actor.name}")


@router.get("/meetings", response_model=list[MeetingPublic], responses=problem_responses(401))
def list_meetings(actor: ActorDep, uow: UowDep, group_id: int | None = None) -> list[MeetingPublic]:
    return [meeting_public(m) for m in service.list_meetings(uow, actor, group_id)]


@router.post(
    "/meetings", response_model=MeetingPublic, status_code=status.HTTP_201_CREATED, responses=_WRITE
)
def create_meeting(body: MeetingCreate, actor: ActorDep, uow: UowDep) -> MeetingPublic:
    new = service.NewMeeting(
        group_id=body.group_id,
        title=body.title,
        starts=body.starts,
        ends=body.ends,
        place=body.place,
        agenda=body.agenda,
        minutes=body.minutes,
        attendees=tuple(body.attendees),
        marking=body.marking.spec() if body.marking else None,
    )
    return meeting_public(service.create_meeting(uow, actor, new))


@router.get("/meetings/{meeting_id}", response_model=MeetingPublic, responses=_READ)
def get_meeting(meeting_id: IdPath, actor: ActorDep, uow: UowDep) -> MeetingPublic:
    return meeting_public(service.get_meeting(uow, actor, meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response_model=MeetingPublic, responses=_WRITE)
def record_minutes(
    meeting_id: IdPath, body: MinutesUpdate, actor: ActorDep, uow: UowDep
) -> MeetingPublic:
    info = service.record_minutes(uow, actor, meeting_id, body.minutes, version=body.version)
    return meeting_public(info)


@router.post("/meetings/{meeting_id}/withdraw", response_model=MeetingPublic, responses=_WRITE)
def withdraw_meeting(meeting_id: IdPath, actor: ActorDep, uow: UowDep) -> MeetingPublic:
    """The originator's admins withdraw the meeting: other nations no longer see it."""
    return meeting_public(service.withdraw_meeting(uow, actor, meeting_id))


@router.post(
    "/meetings/{meeting_id}/decisions",
    response_model=DecisionCreated,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def record_decision(
    meeting_id: IdPath, body: DecisionCreate, actor: ActorDep, uow: UowDep
) -> DecisionCreated:
    """A decision of the meeting and the action items it creates (one transaction)."""
    decision, actions = service.record_decision(
        uow, actor, meeting_id, body.text, [a.new() for a in body.actions]
    )
    return DecisionCreated(
        decision=decision_public(decision), actions=[action_public(a) for a in actions]
    )


router.include_router(api_documents.router)
router.include_router(api_tracker.router)
