"""The federation feed over TAXII 2.1: API root ``/taxii2/federation/`` with one collection.

``GET /taxii2/federation/collections/{feed}/objects/?added_after=&limit=`` answers a TAXII
envelope ``{more, next, objects}`` built by :func:`feed.export_page` for the calling peer, with
``X-TAXII-Date-Added-First/Last`` = the stamps of the first and last journal rows examined, and
two more headers: ``X-Defpact-Node`` (this node's id) and ``X-Defpact-Signature``, the Ed25519
signature (base64) of ``node id \\n peer nation \\n added_after \\n X-TAXII-Date-Added-Last \\n
body`` with the node's federation key. Errors are TAXII error messages.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from defpact.core.deps import ActorDep, UowDep
from defpact.core.errors import NotFound
from defpact.federation.feed import FEED_COLLECTION_ID, export_page, inbound_peer
from defpact.federation.gcpause import collector_paused
from defpact.federation.identity import NodeIdentity, ensure_node_identity, page_message, sign_page
from defpact.threats.stix.stamps import format_date_added, parse_timestamp
from defpact.threats.taxii.api import TaxiiResponse, error_responses
from defpact.threats.taxii.errors import TAXII_MEDIA_TYPE, TaxiiError, TaxiiRoute
from defpact.threats.taxii.params import check_accept

__all__ = ["FEED_ROOT", "router"]

FEED_ROOT = "/taxii2/federation"
_MAX_LIMIT = 5000

router = APIRouter(
    prefix=FEED_ROOT, tags=["federation"], route_class=TaxiiRoute,
    dependencies=[Depends(check_accept)],
)  # fmt: skip


def node_identity(request: Request) -> NodeIdentity:
    """The node's federation identity, loaded once per application."""
    identity: NodeIdentity | None = getattr(request.app.state, "federation_identity", None)
    if identity is None:
        identity = ensure_node_identity(request.app.state.node.settings)
        request.app.state.federation_identity = identity
    return identity


def _taxii(content: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _collection() -> dict[str, Any]:
    return {
        "id": FEED_COLLECTION_ID, "title": "Federation feed",
        "description": "What this node's nations release to the calling peer node, with "
        "update versions and tombstones, in the order it changed.",
        "can_read": True, "can_write": False,
        "media_types": ["application/stix+json;version=2.1"],
    }  # fmt: skip


@router.get("/", include_in_schema=False)
@router.get(
    "", summary="Federation API root", responses=error_responses(403), response_class=TaxiiResponse
)
def api_root(actor: ActorDep, uow: UowDep) -> Response:
    _peer_only(actor, uow)
    return _taxii({
        "title": "defpact federation", "versions": [TAXII_MEDIA_TYPE],
        "description": "The export feed of this node for peer nodes.",
        "max_content_length": 0,
    })  # fmt: skip


def _peer_only(actor: Any, uow: Any) -> None:
    with uow:
        inbound_peer(uow.session, actor.principal)


@router.get(
    "/collections/",
    summary="Federation collections",
    responses=error_responses(403),
    response_class=TaxiiResponse,
)
def collections(actor: ActorDep, uow: UowDep) -> Response:
    _peer_only(actor, uow)
    return _taxii({"collections": [_collection()]})


def _params(request: Request) -> tuple[str, int, int]:
    query = request.query_params
    text = query.get("added_after", "")
    try:
        after = parse_timestamp(text) if text else 0
    except ValueError as exc:
        raise TaxiiError(400, f"added_after: {exc}", details={"parameter": "added_after"}) from None
    raw_limit = query.get("limit", "1000")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= _MAX_LIMIT:
        raise TaxiiError(400, f"limit: must be 1 to {_MAX_LIMIT}", details={"parameter": "limit"})
    return text, after, int(raw_limit)


@router.get(
    "/collections/{collection_id}/objects/",
    summary="Federation feed page",
    responses=error_responses(403, 404),
    response_class=TaxiiResponse,
)
def objects(collection_id: str, request: Request, actor: ActorDep, uow: UowDep) -> Response:
    if collection_id != FEED_COLLECTION_ID:
        raise NotFound(f"no collection {collection_id!r}")
    text, after, limit = _params(request)
    identity = node_identity(request)
    with collector_paused():
        page = export_page(uow, actor, identity.nations, identity.node_id, after, limit)
    headers = {"X-Defpact-Node": identity.node_id}
    last, following = "", ""
    if page.last_stamp is not None and page.first_stamp is not None:
        last = format_date_added(page.last_stamp)
        headers["X-TAXII-Date-Added-First"] = format_date_added(page.first_stamp)
        headers["X-TAXII-Date-Added-Last"] = last
        if page.more:
            following = f',"next":{json.dumps(last)}'
    # The objects arrive as JSON text (serialised once); the envelope is written around them.
    more = "true" if page.more else "false"
    envelope = f'{{"more":{more}{following},"objects":[{",".join(page.objects)}]}}'
    body = envelope.encode()
    nation = actor.principal.nation if actor.principal else ""
    message = page_message(identity.node_id, nation, text, last, body)
    headers["X-Defpact-Signature"] = sign_page(identity.key, message)
    return Response(body, media_type=TAXII_MEDIA_TYPE, headers=headers)
