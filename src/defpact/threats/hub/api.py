"""REST API of the hub under ``/api/threats``: reports, import/export, board, objects, DISARM."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse, Response

from defpact.core.deps import ActorDep, UowDep
from defpact.core.errors import InvalidInput, NotFound
from defpact.core.problems import problem_responses
from defpact.threats.hub import service
from defpact.threats.hub.disarm import ATTRIBUTION
from defpact.threats.hub.graph import relationship_svg
from defpact.threats.hub.schemas import (
    BoardPublic,
    CampaignIn,
    DisarmPublic,
    ImportResult,
    IncidentIn,
    ItemPublic,
    ObjectViewPublic,
    ReportCreated,
    SummaryRow,
    TacticPublic,
    TechniquePublic,
)
from defpact.threats.stix.stamps import parse_timestamp

__all__ = ["router"]

router = APIRouter(prefix="/api/threats", tags=["threats"])
StixId = Annotated[str, Query(min_length=3, max_length=300, pattern=r"^[a-z0-9-]+--[0-9a-f-]{36}$")]
MAX_UPLOAD = 20 * 1024 * 1024


@router.post(
    "/reports/incidents",
    response_model=ReportCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def report_incident(body: IncidentIn, actor: ActorDep, uow: UowDep) -> ReportCreated:
    """A cyber incident report: stored as STIX (incident, observables, indicators,
    relationships) in the caller's nation collection under the given marking."""
    assert actor.nation is not None  # noqa: S101 - API actors are users
    marking = body.marking.to_marking(actor.nation)
    return ReportCreated.of(service.submit_incident(uow, actor, body.report(), marking))


@router.post(
    "/reports/campaigns",
    response_model=ReportCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def report_campaign(body: CampaignIn, actor: ActorDep, uow: UowDep) -> ReportCreated:
    """A disinformation campaign report: a STIX campaign with DISARM techniques (``uses``
    attack-patterns), accounts and example posts (notes)."""
    assert actor.nation is not None  # noqa: S101 - API actors are users
    marking = body.marking.to_marking(actor.nation)
    return ReportCreated.of(service.submit_campaign(uow, actor, body.report(), marking))


@router.post(
    "/import",
    response_model=ImportResult,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "a STIX 2.1 bundle, a TAXII envelope or a MISP event (JSON)",
        }
    },
)
async def import_(request: Request, actor: ActorDep, uow: UowDep) -> ImportResult:
    """Add a STIX bundle's or a converted MISP event's objects to the caller's nation
    collection; invalid objects are reported, valid ones stored."""
    data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD} bytes", field="file")
    kind, info = service.import_document(uow, actor, data)
    return ImportResult(
        format="misp" if kind == "misp" else "stix", status_id=info.id,
        total=info.total_count, stored=info.success_count, failed=info.failure_count,
        failures=[{"id": f.stix_id, "version": f.version, "message": f.message or ""}
                  for f in info.failures],
    )  # fmt: skip


@router.get(
    "/export",
    responses={
        **problem_responses(401, 422),
        200: {"content": {"application/stix+json;version=2.1": {}}, "description": "bundle"},
    },
    response_class=Response,
)
def export(
    actor: ActorDep,
    uow: UowDep,
    type: Annotated[list[str] | None, Query(max_length=50)] = None,  # noqa: A002
    id: Annotated[list[str] | None, Query(max_length=1000)] = None,  # noqa: A002
    originator: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    added_after: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_EXPORT)] = service.MAX_EXPORT,
) -> Response:
    """A STIX 2.1 bundle of the newest visible version of the selected objects."""
    after = None
    if added_after:
        try:
            after = parse_timestamp(added_after)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="added_after") from None
    bundle = service.export_bundle(
        uow, actor, types=type or (), ids=id or (), originator=originator,
        added_after=after, limit=limit,
    )  # fmt: skip
    return JSONResponse(bundle, media_type="application/stix+json;version=2.1")


@router.get("/board", response_model=BoardPublic, responses=problem_responses(401))
def board(actor: ActorDep, uow: UowDep) -> BoardPublic:
    """Newest objects visible to the caller and visible object counts per nation and type."""
    result = service.board(uow, actor)
    return BoardPublic(
        newest=[ItemPublic.of(i) for i in result.newest],
        summary=[SummaryRow(originator=o, type=t, count=n) for o, t, n in result.summary],
    )


@router.get("/objects", response_model=ObjectViewPublic, responses=problem_responses(401, 404))
def object_(id: StixId, actor: ActorDep, uow: UowDep) -> ObjectViewPublic:  # noqa: A002
    """One visible object with the relationships around it that the caller may see."""
    return ObjectViewPublic.of(service.object_view(uow, actor, id))


@router.get(
    "/objects/graph.svg",
    responses={**problem_responses(401, 404), 200: {"content": {"image/svg+xml": {}}}},
    response_class=Response,
)
def object_graph(id: StixId, actor: ActorDep, uow: UowDep) -> Response:  # noqa: A002
    view = service.object_view(uow, actor, id)
    svg = relationship_svg(
        (view.item.stix_id, view.item.type, view.item.name),
        [(n.stix_id, n.type, n.name) for n in view.neighbours],
        [(e.source, e.target, e.label) for e in view.edges],
    )
    return Response(svg, media_type="image/svg+xml")


@router.get("/disarm", response_model=DisarmPublic, responses=problem_responses(401, 404))
def disarm(_actor: ActorDep, uow: UowDep) -> DisarmPublic:
    """The imported DISARM Red framework (tactics and techniques), with its attribution."""
    framework = service.disarm_framework(uow)
    if framework is None:
        raise NotFound("the DISARM framework has not been imported (defpact threats disarm import)")
    return DisarmPublic(
        attribution=ATTRIBUTION,
        tactics=[TacticPublic(id=t.external_id, name=t.name) for t in framework.tactics],
        techniques=[
            TechniquePublic(id=t.external_id, name=t.name, tactic=t.tactic, stix_id=t.stix_id,
                            url=t.url, parent=t.parent)
            for t in framework.techniques
        ],
    )  # fmt: skip
