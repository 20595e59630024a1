"""Audit log API: the signing key, signed tree heads, proofs and a nation admin's events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from defpact.core import audit_service
from defpact.core.deps import MAX_DB_INT, CurrentUser, NodeDep, UowDep
from defpact.core.merkle import public_key_to_pem
from defpact.core.problems import problem_responses

__all__ = ["router"]

router = APIRouter(prefix="/api/audit", tags=["audit"])


class TreeHeadPublic(BaseModel):
    tree_size: int
    root_hash: str
    timestamp: int
    signature: str
    key_id: str


class InclusionPublic(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class ConsistencyPublic(BaseModel):
    first: int
    second: int
    proof: list[str]


class EventPublic(BaseModel):
    index: int
    leaf_hash: str
    event: dict[str, Any]


@router.get("/key", response_class=PlainTextResponse, responses=problem_responses(401))
def public_key(_user: CurrentUser, node: NodeDep) -> str:
    """The Ed25519 public key (PEM) that verifies this node's signed tree heads."""
    return public_key_to_pem(node.signing_key().public_key()).decode()


@router.get("/sth", response_model=TreeHeadPublic, responses=problem_responses(401))
def sth(_user: CurrentUser, node: NodeDep, uow: UowDep) -> TreeHeadPublic:
    """The newest signed tree head (RFC 6962 layout; signature base64, hashes hex)."""
    head = audit_service.signed_tree_head(uow, node.signing_key())
    return TreeHeadPublic.model_validate(head, from_attributes=True)


@router.get(
    "/proofs/inclusion", response_model=InclusionPublic, responses=problem_responses(401, 422)
)
def inclusion_proof(
    _user: CurrentUser,
    uow: UowDep,
    index: int = Query(ge=0),
    tree_size: int = Query(ge=1),
) -> InclusionPublic:
    leaf, path = audit_service.inclusion(uow, index, tree_size)
    return InclusionPublic(index=index, tree_size=tree_size, leaf_hash=leaf, audit_path=path)


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyPublic,
    responses=problem_responses(401, 422),
)
def consistency_proof(
    _user: CurrentUser,
    uow: UowDep,
    first: int = Query(ge=0),
    second: int = Query(ge=0),
) -> ConsistencyPublic:
    proof = audit_service.consistency(uow, first, second)
    return ConsistencyPublic(first=first, second=second, proof=proof)


@router.get("/events", response_model=list[EventPublic], responses=problem_responses(401, 403, 422))
def events(
    user: CurrentUser,
    uow: UowDep,
    after: int = Query(default=-1, ge=-1, le=MAX_DB_INT),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[EventPublic]:
    """Events by the admin's nation's users or about its records, oldest first."""
    return [
        EventPublic(index=e.index, leaf_hash=e.leaf_hash, event=e.document)
        for e in audit_service.list_events(uow, user, after=after, limit=limit)
    ]
