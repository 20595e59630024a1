"""Training API: the academy seat exchange (catalogue, bids, allocation, nominations, waiting
list, release of unused seats, reciprocity ledger) and recruitment cooperation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.identity import Clearance
from defpact.core.problems import problem_responses
from defpact.training import academy_service as academy
from defpact.training import nomination_service as nominations
from defpact.training import recruitment_service as recruitment
from defpact.training import seat_service as seats
from defpact.training.recruitment import funnel
from defpact.training.schemas_academy import (
    AcademyIn,
    AcademyPublic,
    AllocationIn,
    AllocationPublic,
    BidIn,
    BidPublic,
    CalendarPublic,
    ClashPublic,
    CourseIn,
    CoursePublic,
    EventCreated,
    EventIn,
    EventPublic,
    FunnelPublic,
    IterationIn,
    IterationPublic,
    LedgerPublic,
    MetricIn,
    NominationIn,
    NominationPublic,
    ReleasePublic,
)

__all__ = ["router"]

router = APIRouter()
_LIST = problem_responses(401, 422)
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)
YearQ = Annotated[int, Query(ge=2000, le=2100)]
OptYear = Annotated[int | None, Query(ge=2000, le=2100)]


@router.get("/academies", response_model=list[AcademyPublic], responses=_LIST)
def list_academies(_actor: ActorDep, uow: UowDep) -> list[AcademyPublic]:
    return [AcademyPublic.model_validate(a) for a in academy.list_academies(uow)]


@router.post("/academies", response_model=AcademyPublic, status_code=201, responses=_WRITE)
def create_academy(body: AcademyIn, actor: ActorDep, uow: UowDep) -> AcademyPublic:
    info = academy.create_academy(
        uow,
        actor,
        code=body.code,
        name=body.name,
        nation=body.nation,
        kind=body.kind,
        city=body.city,
    )
    return AcademyPublic.model_validate(info)


def _course(c: academy.CourseInfo) -> CoursePublic:
    return CoursePublic(
        id=c.id,
        code=c.code,
        academy=AcademyPublic.model_validate(c.academy),
        title=c.title,
        discipline=c.discipline,
        level=c.level,
        language=c.language,
        duration_weeks=c.duration_weeks,
        clearance_required=c.clearance_required.name,
        fee=c.fee,
        currency=c.currency,
        iterations=[IterationPublic.model_validate(i) for i in c.iterations],
    )


@router.get("/courses", response_model=list[CoursePublic], responses=_LIST)
def catalogue(_actor: ActorDep, uow: UowDep, year: OptYear = None) -> list[CoursePublic]:
    """The course catalogue with the iterations (of ``year`` when given)."""
    return [_course(c) for c in academy.catalogue(uow, year)]


@router.post("/courses", response_model=CoursePublic, status_code=201, responses=_WRITE)
def create_course(body: CourseIn, actor: ActorDep, uow: UowDep) -> CoursePublic:
    draft = academy.CourseDraft(
        body.academy_id,
        body.code,
        body.title,
        body.discipline,
        body.level,
        body.language,
        body.duration_weeks,
        Clearance[body.clearance_required],
        body.fee,
        body.currency,
    )
    return _course(academy.create_course(uow, actor, draft))


@router.post("/iterations", response_model=IterationPublic, status_code=201, responses=_WRITE)
def create_iteration(body: IterationIn, actor: ActorDep, uow: UowDep) -> IterationPublic:
    draft = academy.IterationDraft(
        body.course_id, body.code, body.starts, body.ends, body.seats, body.nomination_deadline
    )
    return IterationPublic.model_validate(academy.create_iteration(uow, actor, draft))


@router.get("/bids", response_model=list[BidPublic], responses=_LIST)
def list_bids(_actor: ActorDep, uow: UowDep, year: YearQ) -> list[BidPublic]:
    return [BidPublic.model_validate(b) for b in seats.list_bids(uow, year)]


@router.put("/bids", response_model=BidPublic, responses=_WRITE)
def submit_bid(body: BidIn, actor: ActorDep, uow: UowDep) -> BidPublic:
    """File or replace a nation's bid: exactly 100 points over the year's iterations."""
    return BidPublic.model_validate(
        seats.submit_bid(uow, actor, body.nation, body.year, body.points)
    )


@router.post("/allocations", response_model=AllocationPublic, status_code=201, responses=_WRITE)
def allocate(body: AllocationIn, actor: ActorDep, uow: UowDep) -> AllocationPublic:
    """Allocate the year's seats (admins): exact maximum Nash welfare, or a round-robin draft."""
    info = seats.allocate_seats(
        uow,
        actor,
        body.year,
        method=body.method,
        max_per_iteration=body.max_per_iteration,
        allow_own=body.allow_own,
        order=body.order,
    )
    return AllocationPublic.model_validate(info)


@router.get("/allocations/{allocation_id}", response_model=AllocationPublic, responses=_READ)
def get_allocation(allocation_id: IdPath, _actor: ActorDep, uow: UowDep) -> AllocationPublic:
    return AllocationPublic.model_validate(seats.get_allocation(uow, allocation_id))


@router.get(
    "/allocations/{allocation_id}/seats.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "Seats as CSV"}, **_READ},
)
def allocation_csv(allocation_id: IdPath, _actor: ActorDep, uow: UowDep) -> Response:
    year, text = seats.allocation_csv(uow, allocation_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="seats-{year}.csv"'},
    )


@router.get(
    "/iterations/{iteration_id}/nominations", response_model=list[NominationPublic], responses=_READ
)
def list_nominations(iteration_id: IdPath, actor: ActorDep, uow: UowDep) -> list[NominationPublic]:
    """The course owner sees every name; a nation sees its own people only."""
    rows = nominations.list_nominations(uow, actor, iteration_id)
    return [NominationPublic.model_validate(n) for n in rows]


@router.post(
    "/iterations/{iteration_id}/nominations",
    response_model=NominationPublic,
    status_code=201,
    responses=_WRITE,
)
def nominate(
    iteration_id: IdPath, body: NominationIn, actor: ActorDep, uow: UowDep
) -> NominationPublic:
    """Nominate a person (name, rank, nation) to one of the nation's allocated seats."""
    info = nominations.nominate(
        uow,
        actor,
        iteration_id,
        nation=body.nation,
        name=body.name,
        rank=body.rank,
        clearance_held=Clearance[body.clearance_held],
    )
    return NominationPublic.model_validate(info)


@router.post(
    "/iterations/{iteration_id}/waiting-list",
    response_model=NominationPublic,
    status_code=201,
    responses=_WRITE,
)
def join_waiting_list(
    iteration_id: IdPath, body: NominationIn, actor: ActorDep, uow: UowDep
) -> NominationPublic:
    info = nominations.nominate(
        uow,
        actor,
        iteration_id,
        nation=body.nation,
        name=body.name,
        rank=body.rank,
        clearance_held=Clearance[body.clearance_held],
        waiting=True,
    )
    return NominationPublic.model_validate(info)


@router.post("/iterations/{iteration_id}/release", response_model=ReleasePublic, responses=_WRITE)
def release_unused(iteration_id: IdPath, actor: ActorDep, uow: UowDep) -> ReleasePublic:
    """After the nomination deadline: unfilled seats go to the waiting list in order."""
    r = nominations.release_unused_seats(uow, actor, iteration_id)
    return ReleasePublic(
        iteration=r.iteration,
        freed=r.freed,
        promoted=[NominationPublic.model_validate(p) for p in r.promoted],
    )


@router.get("/ledger", response_model=list[LedgerPublic], responses=_LIST)
def ledger(_actor: ActorDep, uow: UowDep, year: YearQ) -> list[LedgerPublic]:
    """Seats offered, given to partners and received, per nation."""
    return [
        LedgerPublic(
            nation=x.nation,
            offered=x.offered,
            given=x.given,
            received=x.received,
            balance=x.balance,
        )
        for x in nominations.ledger(uow, year)
    ]


@router.get("/recruitment/events", response_model=CalendarPublic, responses=_LIST)
def recruitment_calendar(_actor: ActorDep, uow: UowDep, year: OptYear = None) -> CalendarPublic:
    events, clashes = recruitment.list_events(uow, year)
    return CalendarPublic(
        events=[EventPublic.model_validate(e) for e in events],
        clashes=[ClashPublic.model_validate(c) for c in clashes],
    )


@router.post("/recruitment/events", response_model=EventCreated, status_code=201, responses=_WRITE)
def create_recruitment_event(body: EventIn, actor: ActorDep, uow: UowDep) -> EventCreated:
    """Add a campaign, intake window or career fair; clashes come back as warnings."""
    draft = recruitment.EventDraft(
        body.nation,
        body.kind,
        body.title,
        body.starts,
        body.ends,
        body.place,
        tuple(body.partners),
        body.audience,
    )
    event, clashes = recruitment.create_event(uow, actor, draft)
    return EventCreated(
        event=EventPublic.model_validate(event),
        clashes=[ClashPublic.model_validate(c) for c in clashes],
    )


def _funnel(f: object) -> FunnelPublic:
    return FunnelPublic.model_validate(f)


@router.get("/recruitment/metrics", response_model=list[FunnelPublic], responses=_LIST)
def recruitment_metrics(_actor: ActorDep, uow: UowDep, year: YearQ) -> list[FunnelPublic]:
    """Applications -> enlistments -> 12-month retention per nation and channel (and ``all``)."""
    return [_funnel(f) for f in funnel(recruitment.list_metrics(uow, year))]


@router.put("/recruitment/metrics", response_model=FunnelPublic, responses=_WRITE)
def record_recruitment_metrics(body: MetricIn, actor: ActorDep, uow: UowDep) -> FunnelPublic:
    draft = recruitment.MetricDraft(
        body.nation, body.year, body.channel, body.applications, body.enlistments, body.retained_12m
    )
    return _funnel(recruitment.record_metrics(uow, actor, draft))
