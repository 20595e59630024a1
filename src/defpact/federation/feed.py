"""The export feed a node serves to each peer: journal order, the export rule, tombstones.

A page is the next ``limit`` journal rows (``core.changes``) of the node's own nations after the
peer's cursor, each turned by :func:`rules.feed_action` into the record's current STIX object,
a tombstone, or nothing. Because every change re-stamps its record, a peer that pulls with
``added_after`` = the last stamp it applied sees every update, revocation, deletion and marking
change once, in commit order. The page's last stamp is the last journal row *examined* (skipped
rows included), so a peer never re-reads rows that carry nothing for it.

Only a federation principal (the service user of an active peer) may read the feed; it sees what
the export rule releases to its nation at its clearance. A page carrying RESTRICTED-or-higher
records is audited with their ids.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.changes import JournalEntry, changes_after
from defpact.core.context import Actor
from defpact.core.errors import PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.federation.exporters import EXPORTERS, Exported
from defpact.federation.gcpause import keyed_lookups
from defpact.federation.rules import FeedAction, PeerView, feed_action
from defpact.federation.stixmap import tombstone_object
from defpact.federation.store import PeerRow

__all__ = ["FEED_COLLECTION_ID", "FeedPage", "export_page", "inbound_peer"]

FEED_COLLECTION_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "defpact:federation:feed"))


@dataclass(frozen=True, slots=True)
class FeedPage:
    objects: list[str]  # each object as compact JSON text
    more: bool
    first_stamp: int | None
    last_stamp: int | None


def inbound_peer(session: Session, principal: Principal) -> PeerRow:
    """The active peer whose service user is calling; PermissionDenied for anyone else."""
    stmt = select(PeerRow).where(PeerRow.service_user_id == principal.user_id)
    peer = session.scalars(stmt).first()
    if peer is None:
        raise PermissionDenied("the federation feed is served to peer nodes only")
    if peer.state != "active":
        raise PermissionDenied(f"peering with {peer.nation} is suspended on this node")
    return peer


def _loaded(
    session: Session, entries: list[JournalEntry], own: frozenset[str], node_id: str
) -> dict[tuple[str, str], Exported]:
    keys: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        keys[entry.record_type].append(entry.record_key)
    found: dict[tuple[str, str], Exported] = {}
    for record_type, wanted in keys.items():
        exporter = EXPORTERS.get(record_type)
        if exporter is None:
            continue
        for key, exported in exporter.load(session, wanted, own, node_id).items():
            found[(record_type, key)] = exported
    return found


def _item(
    entry: JournalEntry, exported: Exported | None, view: PeerView, node_id: str
) -> str | None:
    exporter = EXPORTERS.get(entry.record_type)
    if exporter is None:
        return None
    current = (exported.marking, exported.withdrawn) if exported is not None else None
    parent = exported.parent if exported is not None else None
    action = feed_action(current, entry.ever, view, parent)
    if action is FeedAction.SEND and exported is not None:
        return exported.json_text(view)
    if action is FeedAction.TOMBSTONE:
        reason = "deleted" if exported is None else "withdrawn"
        ref = exporter.peer_ref(entry.record_key, entry.originator, node_id)
        stone = tombstone_object(entry.record_type, ref, entry.originator, reason, entry.stamp)
        return json.dumps(stone, separators=(",", ":"))
    return None


def export_page(
    uow: UnitOfWork,
    actor: Actor,
    own: frozenset[str],
    node_id: str,
    added_after: int,
    limit: int,
) -> FeedPage:
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("the federation feed needs a signed-in peer")
    with uow:
        session = uow.session
        inbound_peer(session, principal)
        view = PeerView(principal.nation, principal.clearance, own, member_codes_in(session))
        keyed_lookups(session)  # after the small-table reads: they need no index
        entries = changes_after(session, added_after, own, limit + 1)
        more = len(entries) > limit
        entries = entries[:limit]
        loaded = _loaded(session, entries, own, node_id)
        objects, classified = [], []
        for entry in entries:
            exported = loaded.get((entry.record_type, entry.record_key))
            item = _item(entry, exported, view, node_id)
            if item is None:
                continue
            objects.append(item)
            if exported is not None and exported.marking.classification >= Clearance.RESTRICTED:
                exporter = EXPORTERS[entry.record_type]
                classified.append(exporter.peer_ref(entry.record_key, entry.originator, node_id))
        if classified:
            record_event(
                session, actor, "federation.export", "federation_peer", principal.nation,
                object_nation=principal.nation, after={"objects": classified},
            )  # fmt: skip
            uow.commit()
        first = entries[0].stamp if entries else None
        last = entries[-1].stamp if entries else None
        return FeedPage(objects, more, first, last)
