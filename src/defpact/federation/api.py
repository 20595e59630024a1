"""REST API of federation under ``/api/federation``: the node identity and the peers.

``GET /api/federation/node`` is public (peers pin the key it shows); the peer routes need the
console operator's power, i.e. an admin of a nation this node serves.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from defpact.core.deps import ActorDep, UowDep
from defpact.core.errors import InvalidInput
from defpact.core.identity import Clearance
from defpact.core.problems import problem_responses
from defpact.federation import peers
from defpact.federation.feed_api import FEED_ROOT, node_identity
from defpact.federation.schemas import (
    NodePublic,
    PeerCreate,
    PeerCreated,
    PeerPublic,
    PeerState,
    PeerToken,
)

__all__ = ["peer_public", "router"]

router = APIRouter(prefix="/api/federation", tags=["federation"])
_READ = problem_responses(401, 403, 404)
_WRITE = problem_responses(401, 403, 404, 409, 422)


def peer_public(info: peers.PeerInfo) -> PeerPublic:
    return PeerPublic(
        nation=info.nation, nations=list(info.nations), url=info.url, node_id=info.node_id,
        fingerprint=info.fingerprint, local_nation=info.local_nation, state=info.state,
        clearance=info.clearance.name, interval_seconds=info.interval_seconds,
        timeout_seconds=info.timeout_seconds, has_token=info.has_token,
        last_attempt_at=info.last_attempt_at, last_success_at=info.last_success_at,
        last_error=info.last_error, failures=info.failures, next_attempt_at=info.next_attempt_at,
        lag_seconds=info.lag_seconds, applied_total=info.applied_total, replicas=info.replicas,
    )  # fmt: skip


@router.get("/node", response_model=NodePublic)
def node(request: Request) -> NodePublic:
    identity = node_identity(request)
    return NodePublic(
        node_id=identity.node_id, nations=sorted(identity.nations),
        public_key=identity.public_key, feed=f"{FEED_ROOT}/",
    )  # fmt: skip


@router.get("/peers", response_model=list[PeerPublic], responses=_READ)
def list_peers(request: Request, actor: ActorDep, uow: UowDep) -> list[PeerPublic]:
    return [peer_public(p) for p in peers.list_peers(uow, actor, node_identity(request))]


def _clearance(text: str) -> Clearance:
    try:
        return Clearance.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="clearance") from None


@router.post("/peers", response_model=PeerCreated, status_code=status.HTTP_201_CREATED,
             responses=_WRITE)  # fmt: skip
def add_peer(body: PeerCreate, request: Request, actor: ActorDep, uow: UowDep) -> PeerCreated:
    new = peers.NewPeer(
        url=body.url, nation=body.nation, token=body.token, key=body.key,
        clearance=_clearance(body.clearance), interval_seconds=body.interval_seconds,
        timeout_seconds=body.timeout_seconds, local_nation=body.local_nation,
    )  # fmt: skip
    secret = request.app.state.node.settings.effective_secret_key()
    factory = getattr(request.app.state, "federation_client_factory", None)
    info, token = peers.add_peer(uow, actor, node_identity(request), secret, new, factory)
    return PeerCreated(peer=peer_public(info), token_for_peer=token)


@router.get("/peers/{nation}", response_model=PeerPublic, responses=_READ)
def get_peer(nation: str, request: Request, actor: ActorDep, uow: UowDep) -> PeerPublic:
    return peer_public(peers.get_peer(uow, actor, node_identity(request), nation))


@router.put("/peers/{nation}/token", response_model=PeerPublic, responses=_WRITE)
def set_token(
    nation: str, body: PeerToken, request: Request, actor: ActorDep, uow: UowDep
) -> PeerPublic:
    secret = request.app.state.node.settings.effective_secret_key()
    factory = getattr(request.app.state, "federation_client_factory", None)
    info = peers.set_peer_token(
        uow, actor, node_identity(request), secret, nation, body.token, factory
    )
    return peer_public(info)


@router.put("/peers/{nation}/state", response_model=PeerPublic, responses=_WRITE)
def set_state(
    nation: str, body: PeerState, request: Request, actor: ActorDep, uow: UowDep
) -> PeerPublic:
    return peer_public(peers.set_peer_state(uow, actor, node_identity(request), nation, body.state))


@router.delete("/peers/{nation}", status_code=status.HTTP_204_NO_CONTENT, responses=_WRITE)
def remove_peer(nation: str, request: Request, actor: ActorDep, uow: UowDep) -> Response:
    peers.remove_peer(uow, actor, node_identity(request), nation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
