"""REST API of the disinformation platform under ``/api/disinfo``.

Batches are uploaded as ``multipart/form-data`` (a CSV or JSON Lines ``file`` plus the marking
fields); runs are created synchronously (large pools: ``defpact disinfo run``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status

from defpact.core.deps import ActorDep, CurrentUser, IdPath, UowDep
from defpact.core.errors import InvalidInput
from defpact.core.identity import Clearance
from defpact.core.marking import TLP, Marking, parse_releasable_to
from defpact.core.problems import problem_responses
from defpact.core.schemas import ClearanceName, TLPName
from defpact.threats.disinfo import ingest_service, publish_service, read_service, run_service
from defpact.threats.disinfo.schemas import (
    BatchPagePublic,
    BatchPublic,
    CampaignCreate,
    GroupPublic,
    PublishedPublic,
    RunCreate,
    RunPagePublic,
    RunPublic,
)

__all__ = ["router", "upload_marking"]

router = APIRouter(prefix="/api/disinfo", tags=["disinfo"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def upload_marking(nation: str, classification: str, releasable_to: list[str], tlp: str) -> Marking:
    try:
        release = parse_releasable_to(releasable_to)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="releasable_to") from None
    try:
        return Marking(nation, Clearance.parse(classification), release, TLP.parse(tlp))
    except ValueError as exc:
        field = "tlp" if "TLP" in str(exc) else "classification"
        raise InvalidInput(str(exc), field=field) from None


@router.post(
    "/batches",
    response_model=BatchPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def upload_batch(
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[UploadFile, File(description="posts as .csv, .jsonl or .ndjson (.gz too)")],
    classification: Annotated[ClearanceName, Form()] = "UNCLASSIFIED",
    releasable_to: Annotated[list[str] | None, Form(max_length=40)] = None,
    tlp: Annotated[TLPName, Form()] = "GREEN",
) -> BatchPublic:
    """Ingest a batch of posts of the caller's nation; bad rows are skipped and reported."""
    assert actor.nation is not None  # noqa: S101 - API actors are users
    marking = upload_marking(actor.nation, classification, releasable_to or ["PACT"], tlp)
    upload = ingest_service.Upload(file.file, file.filename or "upload")
    return BatchPublic.of(ingest_service.ingest_batch(uow, actor, upload, marking))


@router.get("/batches", response_model=BatchPagePublic, responses=problem_responses(401, 422))
def list_batches(
    user: CurrentUser, uow: UowDep, limit: Limit = 50, offset: Offset = 0
) -> BatchPagePublic:
    """Batches visible to the caller, newest first; ``total`` counts only those."""
    items, total = ingest_service.list_batches(uow, user, limit, offset)
    return BatchPagePublic(
        items=[BatchPublic.of(b) for b in items], total=total, limit=limit, offset=offset
    )


@router.get(
    "/batches/{batch_id}", response_model=BatchPublic, responses=problem_responses(401, 404)
)
def get_batch(batch_id: IdPath, user: CurrentUser, uow: UowDep) -> BatchPublic:
    return BatchPublic.of(ingest_service.get_batch(uow, user, batch_id))


@router.post(
    "/runs",
    response_model=RunPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 409, 422),
)
def create_run(body: RunCreate, actor: ActorDep, uow: UowDep) -> RunPublic:
    """Detect coordinated groups in every batch the caller may read (analyst or intel)."""
    run_id = run_service.create_run(uow, actor, body.request())
    assert actor.principal is not None  # noqa: S101
    return RunPublic.of(read_service.get_run(uow, actor.principal, run_id))


@router.get("/runs", response_model=RunPagePublic, responses=problem_responses(401, 422))
def list_runs(
    user: CurrentUser, uow: UowDep, limit: Limit = 50, offset: Offset = 0
) -> RunPagePublic:
    """Runs visible to the caller (their nation's, up to their clearance), without groups."""
    items, total = run_service.list_runs(uow, user, limit, offset)
    return RunPagePublic(
        items=[RunPublic.of(r) for r in items], total=total, limit=limit, offset=offset
    )


@router.get("/runs/{run_id}", response_model=RunPublic, responses=problem_responses(401, 404))
def get_run(run_id: IdPath, user: CurrentUser, uow: UowDep) -> RunPublic:
    return RunPublic.of(read_service.get_run(uow, user, run_id))


@router.get("/groups/{group_id}", response_model=GroupPublic, responses=problem_responses(401, 404))
def get_group(group_id: IdPath, user: CurrentUser, uow: UowDep) -> GroupPublic:
    """A group with its shared objects and evidence posts (only what the caller may read)."""
    return GroupPublic.of(read_service.get_group(uow, user, group_id))


@router.post(
    "/groups/{group_id}/publish",
    response_model=PublishedPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def publish(
    group_id: IdPath, body: CampaignCreate, actor: ActorDep, uow: UowDep
) -> PublishedPublic:
    """Publish the group as a STIX campaign in the caller's national TAXII collection."""
    assert actor.nation is not None  # noqa: S101
    done = publish_service.publish_group(uow, actor, group_id, body.draft(actor.nation))
    return PublishedPublic(
        group_id=group_id, campaign_stix_id=done.stix_id, collection_id=done.collection_id,
        objects=done.objects,
    )  # fmt: skip
