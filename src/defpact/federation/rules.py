"""The export rule: which records a node sends to a peer, and when it sends a tombstone.

A node exports to a peer of nation P, at the clearance agreed for that peer, a record R iff

    R.originator is one of the node's own nations  and  P is not one of them
    and R is not withdrawn  and  can_read(P, agreed clearance, R.marking, members now)

(``core.marking.can_read``: the security core's rule with the peer nation as principal; TLP:RED
only to nations named explicitly; a nation that is not a member receives nothing). Replicas
(records other nations originated) are never exported.

When R changes so that it is no longer exported (deleted, withdrawn, or a marking that no longer
releases it to P), the peer receives a *tombstone* if P could ever have received R (the union of
R's markings named P or PACT without RED, at a classification within the agreed clearance);
otherwise nothing: a nation never learns of a record it could never read.

A record that lives inside another (a lesson in its exercise) is exported only while the
*parent's* marking releases it to P as well (``can_read`` without the originator condition: a
lesson of XK may belong to an exercise AL hosts); otherwise it is handled as withdrawn for P.
A record whose parts are marked separately (a governance document's versions) carries exactly
the parts whose marking releases them to P (:func:`released_parts`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from defpact.core.changes import EverReleased
from defpact.core.identity import Clearance
from defpact.core.marking import Marking, can_read

__all__ = [
    "FeedAction",
    "PeerView",
    "backoff_seconds",
    "exported_to",
    "feed_action",
    "originators_allowed",
    "parent_releases",
    "released_parts",
]


@dataclass(frozen=True, slots=True)
class PeerView:
    """Who a record is exported to: the peer's nation, its agreed clearance, members now."""

    nation: str
    clearance: Clearance
    own_nations: frozenset[str]
    members: frozenset[str]


class FeedAction(StrEnum):
    SEND = "send"
    TOMBSTONE = "tombstone"
    SKIP = "skip"


def exported_to(marking: Marking, withdrawn: bool, peer: PeerView) -> bool:
    if marking.originator not in peer.own_nations or peer.nation in peer.own_nations:
        return False
    if withdrawn:
        return False
    return can_read(peer.nation, peer.clearance, marking, peer.members)


def parent_releases(parent: Marking | None, peer: PeerView) -> bool:
    return parent is None or can_read(peer.nation, peer.clearance, parent, peer.members)


def released_parts(markings: Sequence[Marking], peer: PeerView) -> list[int]:
    """Indexes of the parts (each with its own marking) the peer may receive."""
    return [
        i for i, m in enumerate(markings) if can_read(peer.nation, peer.clearance, m, peer.members)
    ]


def feed_action(
    current: tuple[Marking, bool] | None,
    ever: EverReleased,
    peer: PeerView,
    parent: Marking | None = None,
) -> FeedAction:
    """What the feed carries for a changed record (``current``: marking and withdrawn, or None
    when the record no longer exists; ``parent``: the marking of the record it lives in)."""
    if current is not None and not parent_releases(parent, peer):
        current = (current[0], True)
    if current is not None and exported_to(current[0], current[1], peer):
        return FeedAction.SEND
    if peer.nation in peer.own_nations:
        return FeedAction.SKIP
    if ever.could_have_reached(peer.nation, peer.clearance):
        return FeedAction.TOMBSTONE
    return FeedAction.SKIP


def originators_allowed(claimed: str, peer_nations: Collection[str]) -> bool:
    """A peer node speaks only for the nations it serves."""
    return claimed in peer_nations


def backoff_seconds(failures: int, ceiling: float = 3600.0) -> float:
    """Wait after ``failures`` consecutive failed syncs: 5 s, 10 s, 20 s ... up to an hour."""
    if failures <= 0:
        return 0.0
    return float(min(ceiling, 5.0 * 2.0 ** min(failures - 1, 20)))
