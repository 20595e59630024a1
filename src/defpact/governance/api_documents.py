"""REST API of documents: versions, the diff, submission for approval and ministry votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from defpact.core.deps import ActorDep, IdPath, UowDep
from defpact.core.problems import problem_responses
from defpact.governance import service
from defpact.governance.presenters import (
    diff_public,
    document_public,
    version_public,
)
from defpact.governance.schemas import (
    DiffPublic,
    DocumentCreate,
    DocumentPublic,
    VersionCreate,
    VersionPublic,
    VoteCreate,
)

__all__ = ["router"]

router = APIRouter()
_READ = problem_responses(401, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)


@router.get("/documents", response_model=list[DocumentPublic], responses=problem_responses(401))
def list_documents(actor: ActorDep, uow: UowDep) -> list[DocumentPublic]:
    return [document_public(d) for d in service.list_documents(uow, actor)]


@router.post(
    "/documents",
    response_model=DocumentPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def create_document(body: DocumentCreate, actor: ActorDep, uow: UowDep) -> DocumentPublic:
    new = service.NewDocument(
        title=body.title, content=body.content, summary=body.summary, marking=body.marking.spec()
    )
    return document_public(service.create_document(uow, actor, new))


@router.get("/documents/{document_id}", response_model=DocumentPublic, responses=_READ)
def get_document(document_id: IdPath, actor: ActorDep, uow: UowDep) -> DocumentPublic:
    return document_public(service.get_document(uow, actor, document_id))


@router.post(
    "/documents/{document_id}/versions",
    response_model=VersionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_WRITE,
)
def add_version(
    document_id: IdPath, body: VersionCreate, actor: ActorDep, uow: UowDep
) -> VersionPublic:
    marking = body.marking.spec() if body.marking else None
    info = service.add_version(uow, actor, document_id, body.content, body.summary, marking=marking)
    return version_public(info)


@router.get(
    "/documents/{document_id}/versions/{number}", response_model=VersionPublic, responses=_READ
)
def get_version(document_id: IdPath, number: IdPath, actor: ActorDep, uow: UowDep) -> VersionPublic:
    return version_public(service.get_version(uow, actor, document_id, number))


@router.get(
    "/documents/{document_id}/diff",
    response_model=DiffPublic,
    responses=problem_responses(401, 404, 422),
)
def diff_versions(
    document_id: IdPath,
    actor: ActorDep,
    uow: UowDep,
    from_: Annotated[int, Query(alias="from", ge=1)],
    to: Annotated[int, Query(ge=1)],
) -> DiffPublic:
    """What changed from version ``from`` to version ``to``."""
    return diff_public(service.diff_versions(uow, actor, document_id, from_, to))


@router.post(
    "/documents/{document_id}/versions/{number}/submit",
    response_model=VersionPublic,
    responses=_WRITE,
)
def submit_version(
    document_id: IdPath, number: IdPath, actor: ActorDep, uow: UowDep
) -> VersionPublic:
    """Open the approval round of this version among every current member."""
    return version_public(service.submit_version(uow, actor, document_id, number))


@router.post(
    "/documents/{document_id}/versions/{number}/votes",
    response_model=VersionPublic,
    responses=_WRITE,
)
def vote_on_version(
    document_id: IdPath, number: IdPath, body: VoteCreate, actor: ActorDep, uow: UowDep
) -> VersionPublic:
    """Your nation's approval or rejection (with reasons): 409 when voted twice or closed."""
    info = service.vote_on_version(
        uow, actor, document_id, number, body.decision, body.comment, nation=body.nation
    )
    return version_public(info)
