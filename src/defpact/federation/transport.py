"""Talking to a peer node over HTTP: its node identity, a TAXII check and signed feed pages.

Every failure becomes a :class:`SyncFault` with a kind a status page can show (``unreachable``,
``timeout``, ``http``, ``garbage``, ``signature``, ``rejected``, ``config``) and a message that
says what happened. The HTTP client comes from a factory so tests can route requests to
in-process nodes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from defpact.federation.feed import FEED_COLLECTION_ID
from defpact.federation.identity import decode_public_key, page_message, verify_page

__all__ = [
    "ClientFactory",
    "FeedPageRaw",
    "PeerClient",
    "RemoteNode",
    "SyncFault",
    "default_client_factory",
]

ClientFactory = Callable[[str, float], httpx.Client]
_TAXII = "application/taxii+json;version=2.1"


class SyncFault(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True, slots=True)
class RemoteNode:
    node_id: str
    nations: frozenset[str]
    public_key: str


@dataclass(frozen=True, slots=True)
class FeedPageRaw:
    envelope: dict[str, Any]
    last_added: str


def default_client_factory(base_url: str, timeout: float) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=timeout, follow_redirects=False)


class PeerClient:
    def __init__(self, url: str, timeout: float, factory: ClientFactory | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = (factory or default_client_factory)(self.url, timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PeerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _get(self, path: str, headers: dict[str, str], params: dict[str, Any]) -> httpx.Response:
        try:
            return self._client.get(path, headers=headers, params=params)
        except httpx.TimeoutException:
            raise SyncFault("timeout", f"{self.url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise SyncFault("unreachable", f"cannot reach {self.url}: {exc}") from None

    def node_info(self) -> RemoteNode:
        response = self._get("/api/federation/node", {"Accept": "application/json"}, {})
        if response.status_code != 200:
            raise SyncFault("http", f"{self.url}/api/federation/node answered "
                            f"{response.status_code}; is it a defpact node?")  # fmt: skip
        try:
            data = response.json()
            nations = frozenset(str(c) for c in data["nations"])
            key = str(data["public_key"])
            decode_public_key(key)
            return RemoteNode(str(data["node_id"]), nations, key)
        except (ValueError, KeyError, TypeError) as exc:
            raise SyncFault("garbage", f"{self.url} sent no valid node identity: {exc}") from None

    def check_taxii(self, token: str) -> None:
        """The peer answers TAXII 2.1 at /taxii2/federation/ to this token."""
        headers = {"Accept": _TAXII, "Authorization": f"Bearer {token}"}
        response = self._get("/taxii2/federation/", headers, {})
        media = response.headers.get("content-type", "").replace(" ", "")
        if not media.startswith("application/taxii+json") or "version=2.1" not in media:
            raise SyncFault("garbage", f"{self.url} does not speak TAXII 2.1 at /taxii2/")
        if response.status_code in (401, 403):
            raise SyncFault("http", f"{self.url} refused the token ({response.status_code})")
        if response.status_code != 200:
            raise SyncFault("http", f"{self.url}/taxii2/federation/ answered "
                            f"{response.status_code}")  # fmt: skip

    def feed_page(
        self, token: str, added_after: str, limit: int, node_id: str, our_nation: str, key: str
    ) -> FeedPageRaw:
        """One page of the peer's feed, its signature checked against the pinned ``key``."""
        headers = {"Accept": _TAXII, "Authorization": f"Bearer {token}"}
        params: dict[str, Any] = {"limit": limit}
        if added_after:
            params["added_after"] = added_after
        path = f"/taxii2/federation/collections/{FEED_COLLECTION_ID}/objects/"
        response = self._get(path, headers, params)
        if response.status_code != 200:
            raise SyncFault("http", f"the feed answered {response.status_code}: "
                            f"{response.text[:200]}")  # fmt: skip
        body = response.content
        last = response.headers.get("x-taxii-date-added-last", "")
        signature = response.headers.get("x-defpact-signature", "")
        served_by = response.headers.get("x-defpact-node", "")
        if served_by != node_id:
            raise SyncFault("signature", f"the page was served by node {served_by!r}, "
                            f"not by the pinned node {node_id!r}")  # fmt: skip
        message = page_message(node_id, our_nation, added_after, last, body)
        if not signature or not verify_page(decode_public_key(key), message, signature):
            raise SyncFault("signature", "the page is not signed with the peer's pinned key "
                            "(wrong key, or altered in transit)")  # fmt: skip
        try:
            envelope = json.loads(body)
        except ValueError:
            raise SyncFault("garbage", "the feed page is not JSON") from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
            raise SyncFault("garbage", "the feed page is not a TAXII envelope")
        return FeedPageRaw(envelope, last)
