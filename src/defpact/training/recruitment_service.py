"""Use cases of recruitment cooperation: the shared calendar (campaigns, intake windows, joint
career fairs) with clash warnings, and aggregated recruitment figures per nation and channel.

Every member reads both; a nation's training officers (or admins) write their own nation's
events and figures. Figures are counts only: no personal data is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.recruitment import EVENT_KINDS, CalendarEvent, Clash, Funnel, clashes
from defpact.training.store_academy import RecruitmentEventRow, RecruitmentMetricRow

__all__ = [
    "EventDraft",
    "MetricDraft",
    "create_event",
    "list_events",
    "list_metrics",
    "record_metrics",
]


@dataclass(frozen=True, slots=True)
class EventDraft:
    nation: str
    kind: str
    title: str
    starts: date
    ends: date
    place: str = ""
    partners: tuple[str, ...] = ()
    audience: str = ""


@dataclass(frozen=True, slots=True)
class MetricDraft:
    nation: str
    year: int
    channel: str
    applications: int
    enlistments: int
    retained_12m: int


def _event(row: RecruitmentEventRow) -> CalendarEvent:
    return CalendarEvent(
        row.id,
        row.nation,
        row.kind,
        row.title,
        row.starts,
        row.ends,
        row.place,
        tuple(row.partners),
    )


def create_event(
    uow: UnitOfWork, actor: Actor, draft: EventDraft
) -> tuple[CalendarEvent, list[Clash]]:
    """Add an event; the clashes it causes are returned as warnings (it is still stored)."""
    nation = require_nation(draft.nation)
    if draft.kind not in EVENT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(EVENT_KINDS)}", field="kind")
    if draft.ends < draft.starts:
        raise InvalidInput("the event ends before it starts", field="ends")
    title = access.checked_text(draft.title, "title", 200)
    place = access.checked_text(draft.place, "place", 200, required=False)
    audience = access.checked_text(draft.audience, "audience", 2000, required=False)
    with uow:
        session = uow.session
        access.require_writer(session, actor, nation, "recruitment calendar")
        members = member_codes_in(session)
        partners = tuple(dict.fromkeys(require_nation(p) for p in draft.partners if p != nation))
        for p in partners:
            if p not in members:
                raise InvalidInput(f"{p} is not a member of the pact", field="partners")
        row = RecruitmentEventRow(
            nation=nation,
            kind=draft.kind,
            title=title,
            starts=draft.starts,
            ends=draft.ends,
            place=place,
            partners=list(partners),
            audience=audience,
            created_by=actor.name,
        )
        session.add(row)
        session.flush()
        event = _event(row)
        others = [_event(r) for r in session.scalars(select(RecruitmentEventRow))]
        found = [c for c in clashes(others) if row.id in (c.first, c.second)]
        record_event(
            session,
            actor,
            "training.recruitment_event.create",
            "training_recruitment_event",
            row.id,
            object_nation=nation,
            after={
                "kind": draft.kind,
                "title": title,
                "starts": draft.starts,
                "ends": draft.ends,
                "partners": list(partners),
                "clashes": [c.message for c in found],
            },
        )
        uow.commit()
    return event, found


def list_events(
    uow: UnitOfWork, year: int | None = None
) -> tuple[list[CalendarEvent], list[Clash]]:
    with uow:
        stmt = select(RecruitmentEventRow).order_by(RecruitmentEventRow.starts)
        events = [_event(r) for r in uow.session.scalars(stmt)]
    if year is not None:
        events = [e for e in events if e.starts.year <= year <= e.ends.year]
    return events, clashes(events)


def record_metrics(uow: UnitOfWork, actor: Actor, draft: MetricDraft) -> Funnel:
    """Set (or replace) a nation's figures of one year and channel."""
    nation = require_nation(draft.nation)
    channel = access.checked_text(draft.channel, "channel", 60)
    counts = (draft.applications, draft.enlistments, draft.retained_12m)
    if any(c < 0 for c in counts):
        raise InvalidInput("counts must not be negative", field="applications")
    if draft.enlistments > draft.applications:
        raise InvalidInput("more enlistments than applications", field="enlistments")
    if draft.retained_12m > draft.enlistments:
        raise InvalidInput("more retained after 12 months than enlisted", field="retained_12m")
    if not 2000 <= draft.year <= 2100:
        raise InvalidInput("year must be 2000..2100", field="year")
    with uow:
        session = uow.session
        access.require_writer(session, actor, nation, "recruitment figures")
        row = session.scalars(
            select(RecruitmentMetricRow).where(
                RecruitmentMetricRow.nation == nation,
                RecruitmentMetricRow.year == draft.year,
                RecruitmentMetricRow.channel == channel,
            )
        ).first()
        before = None if row is None else [row.applications, row.enlistments, row.retained_12m]
        if row is None:
            row = RecruitmentMetricRow(
                nation=nation,
                year=draft.year,
                channel=channel,
                applications=0,
                enlistments=0,
                retained_12m=0,
                updated_by=actor.name,
            )
            session.add(row)
        row.applications, row.enlistments, row.retained_12m = counts
        row.updated_by, row.updated_at = actor.name, utcnow()
        session.flush()
        record_event(
            session,
            actor,
            "training.recruitment_metric.set",
            "training_recruitment_metric",
            row.id,
            object_nation=nation,
            before=None if before is None else {"counts": before},
            after={"year": draft.year, "channel": channel, "counts": list(counts)},
        )
        uow.commit()
    return Funnel(nation, channel, *counts)


def list_metrics(uow: UnitOfWork, year: int) -> Sequence[Funnel]:
    with uow:
        rows = uow.session.scalars(
            select(RecruitmentMetricRow).where(RecruitmentMetricRow.year == year)
        )
        return [
            Funnel(r.nation, r.channel, r.applications, r.enlistments, r.retained_12m) for r in rows
        ]
