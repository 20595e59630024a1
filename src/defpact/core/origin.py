"""Replicas are read-only: only the node serving a record's originating nation may change it.

A node serves one or more nations (``Settings.node_nations``). Records another nation originated
reach it as federation replicas (or, on a shared node, were written by that nation's users
there). Every write of an existing marked record (update, withdraw, delete, new version) calls
:func:`ensure_originated_here` first: when the originator is not served by this node the write
is refused with **403** (the caller may read the record, so hiding it with 404 would be a lie;
records the caller may not read are refused with 404 earlier, by the context's visibility
filter, before this check runs). Contexts whose rule is that a record the caller's nation did not
originate "does not exist" for writing (intelligence reports, procurement requirements) answer
404 instead, through :func:`originated_here`.

The served nations travel with every session of a node (``Session.info``, set by
``core.runtime.Node``); a session made without them (a bare engine in a script) serves all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from defpact.core.errors import PermissionDenied
from defpact.core.nations import NATIONS

__all__ = ["SERVED_NATIONS", "ensure_originated_here", "originated_here", "served_nations"]

SERVED_NATIONS = "defpact.served_nations"


def served_nations(session: Session) -> frozenset[str]:
    served = session.info.get(SERVED_NATIONS)
    return frozenset(served) if served else frozenset(NATIONS)


def originated_here(session: Session, originator: str) -> bool:
    return originator in served_nations(session)


def ensure_originated_here(session: Session, originator: str, what: str) -> None:
    """Refuse (403) a write of a record whose originating nation this node does not serve."""
    if originator not in served_nations(session):
        raise PermissionDenied(
            f"this {what} is a replica of a record {originator} originated; it is read-only "
            f"on this node, only {originator}'s node may change it"
        )
