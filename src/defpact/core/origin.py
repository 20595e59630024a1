"""Replicas are read-only: only the node serving a record's originating nation may change it.

A node serves one or more nations (``Settings.node_nations``); its peers serve others. A record
whose originating nation this node does **not** serve while a peer node **does** is a replica
here (it came from that peer, or was written here by a user of that nation, which would fork
it): every write of an existing marked record (update, withdraw, delete, new version) calls
:func:`ensure_originated_here` or :func:`originated_here` first and is refused. Records of a
nation no node of the federation serves (e.g. an acceding nation's users on the shared node)
are local and stay writable by their originator, as before federation.

The refusal is **403** where the context refuses other nations' writes with 403 (training,
governance, the STIX store): the caller may read the record, so 404 would be a lie. Contexts
whose rule is that a record the caller's nation did not originate "does not exist" for writing
(intelligence reports, procurement requirements) answer 404 through :func:`originated_here`.
Records the caller may not read are 404 earlier, in the context's visibility filter.

The served nations travel with every session of a node (``Session.info``, set by
``core.runtime.Node``); which nations peers serve is read through the reader federation
registers (:func:`register_peer_nations`); without either, everything is local.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from defpact.core.errors import PermissionDenied
from defpact.core.nations import NATIONS

__all__ = [
    "SERVED_NATIONS",
    "ensure_originated_here",
    "originated_here",
    "register_peer_nations",
    "served_nations",
]

SERVED_NATIONS = "defpact.served_nations"
_peer_nations: list[Callable[[Session], frozenset[str]]] = []


def register_peer_nations(reader: Callable[[Session], frozenset[str]]) -> None:
    """Federation tells core which nations peer nodes serve (read in the writer's session)."""
    _peer_nations[:] = [reader]


def served_nations(session: Session) -> frozenset[str]:
    served = session.info.get(SERVED_NATIONS)
    return frozenset(served) if served else frozenset(NATIONS)


def originated_here(session: Session, originator: str) -> bool:
    """False when ``originator`` is served by a peer node rather than by this one."""
    if originator in served_nations(session):
        return True
    return not any(originator in reader(session) for reader in _peer_nations)


def ensure_originated_here(session: Session, originator: str, what: str) -> None:
    """Refuse (403) a write of a replica: a record a peer's nation originated."""
    if not originated_here(session, originator):
        raise PermissionDenied(
            f"this {what} is a replica of a record {originator} originated; it is read-only "
            f"on this node, only {originator}'s node may change it"
        )
