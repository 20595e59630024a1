"""The governance part of the demo story (idempotent; needs the core demo users).

July 2025: the implementation expert group (chaired by Albania) meets in Tirana and decides to
operationalise every provision of the declaration, one action item per provision. September
2025: the finalised draft of the implementation guide goes to every ministry for approval (the
round stays open so approvers can vote in the demo). October 2025: after the US-Adriatic
Charter meeting, Kosovo proposes North Macedonia, a NATO member, for accession.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from defpact.core.context import Actor
from defpact.core.errors import NotFound
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.core.uow import UnitOfWork
from defpact.governance import service
from defpact.governance.provisions import Provision
from defpact.governance.store import AccessionRow, ActionRow, DocumentRow, GroupRow, MeetingRow
from defpact.governance.tracker import ActionStatus

__all__ = ["GUIDE_TITLE", "IMPLEMENTATION_GROUP", "seed_governance_demo"]

IMPLEMENTATION_GROUP = "Declaration implementation expert group"
HYBRID_GROUP = "Hybrid-threat and intelligence expert group"
GUIDE_TITLE = "Implementation guide of the trilateral defence declaration"
TIRANA = "Expert-group meeting on implementing the declaration"

_MANDATE = """Turn the trilateral defence declaration of 18 March 2025 into action:
propose, for each provision, who does what by when, and draft the **implementation guide**
that every defence ministry approves."""

_AGENDA = """1. Opening by the Albanian chair
2. Stock-taking per provision of the declaration
3. Structure of the implementation guide
4. Lead nations and deadlines
5. Next steps towards ministerial approval in September"""

_MINUTES = """The expert groups of Kosovo, Albania and Croatia met in Tirana on 15-16 July 2025.
They agreed to move *from declaration to action*: one lead nation and one deadline for every
provision, and a finalised implementation guide for each ministry's approval in September."""

_GUIDE_V1 = """# Implementation guide

## 1. Joint procurement
Members pool requirements for ammunition and air defence.

## 2. Joint exercises
A yearly joint exercise calendar.

## 3. Academies and training
Reciprocal seats in national academies.
"""

_GUIDE_V2 = (
    _GUIDE_V1
    + """
## 4. Recruitment
Exchange of good practice in recruitment and retention.

## 5. Hybrid threats
A joint situational-awareness cell against hybrid threats and disinformation.

## 6. Intelligence sharing
An arrangement for exchanging classified information between the members.

## 7. Open door
The initiative is open to other NATO members and EU member states.
"""
)

_ACTIONS: tuple[tuple[Provision, str, str, date, ActionStatus, str], ...] = (
    (
        Provision.JOINT_PROCUREMENT,
        "Map requirements for a joint ammunition and air-defence order",
        "AL",
        date(2025, 10, 31),
        ActionStatus.IN_PROGRESS,
        IMPLEMENTATION_GROUP,
    ),
    (
        Provision.JOINT_EXERCISES,
        "Agree the 2026 joint exercise calendar",
        "HR",
        date(2025, 12, 15),
        ActionStatus.DONE,
        IMPLEMENTATION_GROUP,
    ),
    (
        Provision.ACADEMY_TRAINING,
        "Open reciprocal seats in the national defence academies",
        "XK",
        date(2026, 3, 31),
        ActionStatus.IN_PROGRESS,
        IMPLEMENTATION_GROUP,
    ),
    (
        Provision.RECRUITMENT,
        "Exchange good practice on recruitment and retention campaigns",
        "AL",
        date(2027, 3, 31),
        ActionStatus.OPEN,
        IMPLEMENTATION_GROUP,
    ),
    (
        Provision.HYBRID_THREATS,
        "Set up a joint hybrid-threat situational-awareness cell",
        "HR",
        date(2027, 6, 30),
        ActionStatus.IN_PROGRESS,
        HYBRID_GROUP,
    ),
    (
        Provision.INTELLIGENCE_SHARING,
        "Agree an arrangement for exchanging classified information",
        "XK",
        date(2026, 6, 30),
        ActionStatus.BLOCKED,
        HYBRID_GROUP,
    ),
)


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _actor(uow: UnitOfWork, username: str) -> Actor:
    with uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            raise NotFound(f"demo user {username} is missing; seed the core demo users first")
        return Actor.of(principal_of(row))


def _id_of(uow: UnitOfWork, model: Any, column: str, value: str) -> int | None:
    with uow:
        stmt = select(model.id).where(getattr(model, column) == value)
        found = uow.session.scalars(stmt).first()
        return int(found) if found is not None else None


def _groups(uow: UnitOfWork, created: list[str]) -> dict[str, int]:
    al, hr = _actor(uow, "al.admin"), _actor(uow, "hr.admin")
    specs = (
        (
            al,
            IMPLEMENTATION_GROUP,
            "AL",
            tuple(Provision),
            ("xk.admin", "al.admin", "hr.admin", "xk.training", "al.procurement", "hr.training"),
        ),
        (
            hr,
            HYBRID_GROUP,
            "HR",
            (Provision.HYBRID_THREATS, Provision.INTELLIGENCE_SHARING),
            ("xk.analyst", "al.analyst", "hr.analyst", "hr.admin"),
        ),
    )
    ids: dict[str, int] = {}
    for actor, name, chair, provisions, members in specs:
        existing = _id_of(uow, GroupRow, "name", name)
        if existing is None:
            new = service.NewGroup(
                name, chair, _MANDATE, provisions, members, service.MarkingSpec()
            )
            existing = service.create_group(uow, actor, new).id
            created.append(f"expert group {name!r}")
        ids[name] = existing
    return ids


def _tirana(uow: UnitOfWork, group_id: int, created: list[str]) -> int:
    existing = _id_of(uow, MeetingRow, "title", TIRANA)
    if existing is not None:
        return existing
    al = _actor(uow, "al.admin")
    meeting = service.create_meeting(
        uow,
        al,
        service.NewMeeting(
            group_id=group_id,
            title=TIRANA,
            starts=_at(2025, 7, 15, 7),
            ends=_at(2025, 7, 16, 14),
            place="Tirana, Albania (Ministry of Defence)",
            agenda=_AGENDA,
            minutes=_MINUTES,
            attendees=("al.admin", "xk.admin", "hr.admin", "xk.training", "al.procurement"),
        ),
    )
    service.record_decision(
        uow,
        al,
        meeting.id,
        "Finalise the implementation guide for ministerial approval in September 2025.",
    )
    created.append("the Tirana expert-group meeting of July 2025")
    return meeting.id


def _zagreb(uow: UnitOfWork, group_id: int, created: list[str]) -> None:
    title = "Hybrid-threat expert group: situational-awareness cell"
    if _id_of(uow, MeetingRow, "title", title) is not None:
        return
    new = service.NewMeeting(
        group_id=group_id,
        title=title,
        starts=_at(2027, 2, 10, 8),
        ends=_at(2027, 2, 11, 15),
        place="Zagreb, Croatia",
        agenda="1. Design of the joint cell\n2. Sharing arrangement for classified information",
        attendees=("xk.analyst", "al.analyst", "hr.analyst", "hr.admin"),
    )
    service.create_meeting(uow, _actor(uow, "hr.admin"), new)
    created.append("the Zagreb hybrid-threat expert-group meeting of February 2027")


def _actions(uow: UnitOfWork, groups: dict[str, int], meeting_id: int, created: list[str]) -> None:
    missing = [a for a in _ACTIONS if _id_of(uow, ActionRow, "title", a[1]) is None]
    if not missing:
        return
    al = _actor(uow, "al.admin")
    news = [
        service.NewAction(provision, title, owner, due, group_id=groups[group])
        for provision, title, owner, due, _status, group in missing
    ]
    _decision, infos = service.record_decision(
        uow,
        al,
        meeting_id,
        "Operationalise every provision with a lead nation and a deadline.",
        news,
    )
    for info, spec in zip(infos, missing, strict=True):
        if spec[4] is not ActionStatus.OPEN:
            owner = _actor(uow, f"{spec[2].lower()}.admin")
            note = f"Reported by the {spec[2]} lead at the follow-up."
            service.report_progress(uow, owner, info.id, status=spec[4], note=note)
    created.append(f"{len(infos)} action items, one per provision")


def _guide(uow: UnitOfWork, created: list[str]) -> None:
    if _id_of(uow, DocumentRow, "title", GUIDE_TITLE) is not None:
        return
    al = _actor(uow, "al.admin")
    draft = service.NewDocument(
        GUIDE_TITLE, _GUIDE_V1, "First draft after the Tirana meeting", created_at=_at(2025, 7, 30)
    )
    doc = service.create_document(uow, al, draft)
    summary = "Finalised draft for approval by every ministry"
    service.add_version(uow, al, doc.id, _GUIDE_V2, summary, at=_at(2025, 9, 5))
    service.submit_version(uow, al, doc.id, 2, at=_at(2025, 9, 10))
    created.append("the implementation guide (v2 submitted for approval in September 2025)")


def _accession(uow: UnitOfWork, created: list[str]) -> None:
    if _id_of(uow, AccessionRow, "nation_code", "MK") is not None:
        return
    statement = (
        "Invited at the US-Adriatic Charter meeting. North Macedonia has been a NATO member "
        "since 2020 and shares the pact's goals."
    )
    service.propose_accession(
        uow, _actor(uow, "xk.admin"), "MK", date(2026, 1, 1), statement, at=_at(2025, 10, 21)
    )
    created.append("the accession request of North Macedonia (MK)")


def seed_governance_demo(uow: UnitOfWork) -> list[str]:
    """Create what is missing of the story; returns what was created (empty the second time)."""
    created: list[str] = []
    groups = _groups(uow, created)
    meeting_id = _tirana(uow, groups[IMPLEMENTATION_GROUP], created)
    _zagreb(uow, groups[HYBRID_GROUP], created)
    _actions(uow, groups, meeting_id, created)
    _guide(uow, created)
    _accession(uow, created)
    return created
