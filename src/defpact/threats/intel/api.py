"""REST API of intelligence reports under ``/api/intel/reports``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from defpact.core.deps import ActorDep, CurrentUser, IdPath, UowDep
from defpact.core.identity import Clearance
from defpact.core.marking import TLP
from defpact.core.problems import problem_responses
from defpact.core.schemas import ClearanceName, TLPName
from defpact.threats.intel import service
from defpact.threats.intel.schemas import (
    ReportCreate,
    ReportPagePublic,
    ReportPublic,
    ReportUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/intel/reports", tags=["intel"])


@router.post(
    "",
    response_model=ReportPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def create(body: ReportCreate, actor: ActorDep, uow: UowDep) -> ReportPublic:
    """Create a report (roles intel or analyst); the originator is the caller's nation."""
    assert actor.nation is not None  # noqa: S101 - API actors are users
    return ReportPublic.of(service.create_report(uow, actor, body.draft(actor.nation)))


@router.get("", response_model=ReportPagePublic, responses=problem_responses(401, 422))
def list_(
    user: CurrentUser,
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    region: Annotated[str | None, Query(max_length=80)] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    originator: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    classification: ClearanceName | None = None,
    tlp: TLPName | None = None,
    include_withdrawn: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ReportPagePublic:
    """Reports visible to the caller, newest change first; ``total`` counts only those."""
    page = service.list_reports(
        uow,
        user,
        service.ReportFilter(
            q=q,
            region=region,
            tag=tag,
            originator=originator,
            classification=Clearance[classification] if classification else None,
            tlp=TLP(tlp) if tlp else None,
            include_withdrawn=include_withdrawn,
            limit=limit,
            offset=offset,
        ),
    )
    return ReportPagePublic(
        items=[ReportPublic.of(r) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{report_id}", response_model=ReportPublic, responses=problem_responses(401, 404))
def get(report_id: IdPath, user: CurrentUser, uow: UowDep) -> ReportPublic:
    return ReportPublic.of(service.get_report(uow, user, report_id))


@router.put(
    "/{report_id}",
    response_model=ReportPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update(report_id: IdPath, body: ReportUpdate, actor: ActorDep, uow: UowDep) -> ReportPublic:
    """Replace a report's content and marking (originating nation only; 409 if stale)."""
    assert actor.nation is not None  # noqa: S101
    report = service.update_report(uow, actor, report_id, body.draft(actor.nation), body.version)
    return ReportPublic.of(report)


@router.post(
    "/{report_id}/withdraw",
    response_model=ReportPublic,
    responses=problem_responses(401, 403, 404),
)
def withdraw(report_id: IdPath, actor: ActorDep, uow: UowDep) -> ReportPublic:
    """Hide the report from every other nation; the originator and the audit keep it."""
    return ReportPublic.of(service.withdraw_report(uow, actor, report_id))
