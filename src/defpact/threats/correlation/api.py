"""REST API of correlation under ``/api/threats``: lookup, correlations, alerts, warninglists
and sighting counts. Everything answers only what the caller may see (404 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.threats.correlation import service, sightings, warninglist_service
from defpact.threats.correlation.schemas import (
    AlertPagePublic,
    AlertPublic,
    CorrelationPublic,
    LookupPublic,
    SightingSummaryPublic,
    StixId,
    WarninglistImport,
    WarninglistPublic,
    WarninglistSwitch,
)
from defpact.threats.correlation.service import AlertState

__all__ = ["router"]

router = APIRouter(prefix="/api/threats", tags=["threats"])

StixIdPath = Annotated[StixId, Path(description="a STIX id, e.g. indicator--<uuid>")]


@router.get("/lookup", response_model=LookupPublic, responses=problem_responses(401, 422))
def lookup(
    actor: ActorDep,
    uow: UowDep,
    value: Annotated[str, Query(min_length=1, max_length=4096)],
    kind: Annotated[str | None, Query(max_length=16, description="force the kind")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LOOKUP)] = 100,
) -> LookupPublic:
    """Visible objects holding a value (IP/CIDR with containment, domain, URL, e-mail, hash)."""
    obs = service.parse_value(value, kind)
    return LookupPublic.of(service.lookup(uow, actor, obs, limit))


@router.get(
    "/objects/{stix_id}/correlations",
    response_model=list[CorrelationPublic],
    responses=problem_responses(401, 404, 422),
)
def correlations(stix_id: StixIdPath, actor: ActorDep, uow: UowDep) -> list[CorrelationPublic]:
    """Correlations of a visible object whose both sides the caller may see."""
    return [CorrelationPublic.of(v) for v in service.correlations_for(uow, actor, stix_id)]


@router.get(
    "/objects/{stix_id}/sightings",
    response_model=SightingSummaryPublic,
    responses=problem_responses(401, 404, 422),
)
def sighting_counts(stix_id: StixIdPath, actor: ActorDep, uow: UowDep) -> SightingSummaryPublic:
    """Counts of the visible sightings of a visible object, in total and per nation."""
    return SightingSummaryPublic.of(sightings.sighting_summary(uow, actor, stix_id))


@router.get("/alerts", response_model=AlertPagePublic, responses=problem_responses(401, 422))
def alerts(
    actor: ActorDep,
    uow: UowDep,
    state: AlertState = AlertState.OPEN,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AlertPagePublic:
    """Alerts of the caller's nation whose both objects the caller may see, newest first."""
    return AlertPagePublic.of(service.list_alerts(uow, actor, state, limit, offset))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertPublic,
    responses=problem_responses(401, 403, 404),
)
def acknowledge(alert_id: IdPath, actor: ActorDep, uow: UowDep) -> AlertPublic:
    """Acknowledge an alert for the caller's nation (analyst or intel role)."""
    return AlertPublic.of(service.acknowledge_alert(uow, actor, alert_id))


@router.get(
    "/warninglists", response_model=list[WarninglistPublic], responses=problem_responses(401)
)
def warninglists(actor: ActorDep, uow: UowDep) -> list[WarninglistPublic]:  # noqa: ARG001
    """Built-in and imported warninglists (values on an enabled list never correlate)."""
    return [WarninglistPublic.of(i) for i in warninglist_service.list_warninglists(uow)]


@router.post(
    "/warninglists",
    response_model=WarninglistPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def import_warninglist(body: WarninglistImport, actor: ActorDep, uow: UowDep) -> WarninglistPublic:
    """Import a MISP warninglist (admin); replaces an imported list of the same name."""
    info = warninglist_service.import_warninglist(uow, actor, body.model_dump(by_alias=True))
    return WarninglistPublic.of(info)


@router.patch(
    "/warninglists/{name}",
    response_model=WarninglistPublic,
    responses=problem_responses(401, 403, 404, 422),
)
def switch_warninglist(
    name: Annotated[str, Path(min_length=1, max_length=200)],
    body: WarninglistSwitch,
    actor: ActorDep,
    uow: UowDep,
) -> WarninglistPublic:
    """Enable or disable a warninglist by name (admin)."""
    info = warninglist_service.set_warninglist_enabled(uow, actor, name, body.enabled)
    return WarninglistPublic.of(info)
