"""Pull synchronisation: fetch a peer's feed page by page and apply each page atomically.

For one peer: read its cursor, fetch the next page over TAXII 2.1 (``added_after`` = cursor),
verify the page's signature against the pinned key, check every object (well-formed, a valid
STIX 2.1 object, originated by a nation the peer serves: a node may not speak for another
nation), then apply the whole page **and** advance the cursor in one transaction. Any failure
before the commit leaves nothing applied and the cursor where it was; a process killed at any
point resumes from the last committed page, and re-applying a page changes nothing (upserts are
idempotent on id and version). The first failure stops the sync of that peer, records a clear
status (kind and message) and schedules the next attempt with exponential backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, NotFound
from defpact.core.releasability import encode_release
from defpact.core.runtime import Node
from defpact.core.service import member_codes_in
from defpact.federation.appliers import Applied, apply_items, purge_unreleased
from defpact.federation.feed import FEED_COLLECTION_ID
from defpact.federation.gcpause import collector_paused, keyed_lookups
from defpact.federation.identity import NodeIdentity
from defpact.federation.peers import open_token
from defpact.federation.rules import backoff_seconds
from defpact.federation.stixmap import FeedError, Tombstone, Upsert, read_feed_object
from defpact.federation.store import CursorRow, PeerRow
from defpact.federation.transport import ClientFactory, FeedPageRaw, PeerClient, SyncFault
from defpact.threats.stix.replication import Replica, validate_replica
from defpact.threats.stix.stamps import format_date_added, parse_timestamp

__all__ = ["ParsedPage", "SyncResult", "due_peers", "parse_page", "run_forever", "sync_peer"]

Progress = Callable[[int, int], None]  # (objects applied so far, pages so far)
_ACTOR = Actor.console("federation-sync")


@dataclass(frozen=True, slots=True)
class ParsedPage:
    items: list[Upsert | Tombstone]
    stix_ready: dict[str, Replica]
    more: bool
    last: int | None


@dataclass
class SyncResult:
    nation: str
    pages: int = 0
    totals: Applied = field(default_factory=Applied)
    error: str | None = None
    caught_up: bool = False


@dataclass(frozen=True, slots=True)
class _Config:
    peer_id: int
    nation: str
    nations: frozenset[str]
    url: str
    node_id: str
    public_key: str
    local_nation: str
    token: str | None
    timeout: float
    cursor: int


def _origin_of(item: Upsert | Tombstone) -> str:
    return item.originator if isinstance(item, Tombstone) else item.marking.originator


def parse_page(raw: FeedPageRaw, peer_nations: frozenset[str]) -> ParsedPage:
    """Check every object of a page before anything is applied; SyncFault on the first bad one."""
    items: list[Upsert | Tombstone] = []
    ready: dict[str, Replica] = {}
    for obj in raw.envelope.get("objects", []):
        try:
            item = read_feed_object(obj)
        except FeedError as exc:
            raise SyncFault("garbage", f"refused the page: {exc}") from None
        origin = _origin_of(item)
        if origin not in peer_nations:
            raise SyncFault("rejected", f"refused the page: {item.remote_id} claims originator "
                            f"{origin}, but the peer serves {', '.join(sorted(peer_nations))}; "
                            "a node may not speak for another nation")  # fmt: skip
        if isinstance(item, Upsert) and item.stix is not None:
            checked = validate_replica(item.stix, item.marking)
            if isinstance(checked, str):
                raise SyncFault("garbage", f"refused the page: {checked}")
            ready[item.remote_id] = checked
        items.append(item)
    more = raw.envelope.get("more") is True
    try:
        last = parse_timestamp(raw.last_added) if raw.last_added else None
    except ValueError:
        raise SyncFault("garbage", "X-TAXII-Date-Added-Last is not a timestamp") from None
    if (more or items) and last is None:
        raise SyncFault("garbage", "the page has objects but no X-TAXII-Date-Added-Last")
    return ParsedPage(items, ready, more, last)


def _config(node: Node, nation: str, full: bool) -> _Config:
    with node.uow() as uow:
        row = uow.session.scalars(select(PeerRow).where(PeerRow.nation == nation.upper())).first()
        if row is None:
            raise NotFound(f"no peer for nation {nation!r}")
        cursor = uow.session.get(CursorRow, (row.id, FEED_COLLECTION_ID))
        token = open_token(node.settings.effective_secret_key(), row.token_sealed)
        return _Config(
            row.id, row.nation, frozenset(row.nations.split(",")), row.url, row.node_id,
            row.public_key, row.local_nation, token, row.timeout_seconds,
            0 if full or cursor is None else cursor.added_after,
        )  # fmt: skip


def _apply_page(
    node: Node, cfg: _Config, expected: int, page: ParsedPage, identity: NodeIdentity
) -> Applied:
    with node.uow() as uow:
        session = uow.session
        members = member_codes_in(session)
        keyed_lookups(session)  # after the small-table reads: they need no index
        cursor = session.scalars(
            select(CursorRow)
            .where(CursorRow.peer_id == cfg.peer_id, CursorRow.collection == FEED_COLLECTION_ID)
            .with_for_update()
        ).first()
        peer = session.get(PeerRow, cfg.peer_id)
        if peer is None or peer.state != "active":
            raise SyncFault("config", "the peering was suspended or removed during the sync")
        if cursor is None:
            cursor = CursorRow(peer_id=cfg.peer_id, collection=FEED_COLLECTION_ID, added_after=0)
            session.add(cursor)
        elif cursor.added_after != expected and expected != 0:
            raise Conflict("another sync of this peer advanced the cursor; retry")
        if not peer.members_seen:  # what a later membership change is compared with
            peer.members_seen = encode_release(members)
        applied = apply_items(session, cfg.peer_id, page.items, page.stix_ready,
                              identity.nations, members)  # fmt: skip
        new_cursor = page.last if page.last is not None else cursor.added_after
        cursor.added_after, cursor.updated_at = new_cursor, utcnow()
        peer.applied_total += applied.stored + applied.removed
        record_event(
            session, _ACTOR, "federation.sync.page", "federation_peer", cfg.nation,
            object_nation=cfg.nation,
            after={"from": expected, "to": new_cursor, "stored": applied.stored,
                   "unchanged": applied.unchanged, "removed": applied.removed,
                   "refused": applied.refused},
        )  # fmt: skip
        uow.commit()
        return applied


def _record_failure(node: Node, cfg: _Config, fault: SyncFault) -> None:
    with node.uow() as uow:
        peer = uow.session.get(PeerRow, cfg.peer_id)
        if peer is None:
            return
        now = utcnow()
        peer.failures += 1
        peer.last_attempt_at, peer.last_error = now, str(fault)
        peer.next_attempt_at = now + timedelta(seconds=backoff_seconds(peer.failures))
        record_event(uow.session, _ACTOR, "federation.sync.fail", "federation_peer", cfg.nation,
                     object_nation=cfg.nation,
                     after={"kind": fault.kind, "message": fault.message,
                            "failures": peer.failures})  # fmt: skip
        uow.commit()


def _record_success(node: Node, cfg: _Config, identity: NodeIdentity) -> int:
    """Mark the peer caught up; drop replicas a membership change no longer releases to us."""
    with node.uow() as uow:
        session = uow.session
        peer = session.get(PeerRow, cfg.peer_id)
        if peer is None:
            return 0
        now = utcnow()
        peer.failures, peer.last_error = 0, None
        peer.last_attempt_at = peer.last_success_at = now
        peer.next_attempt_at = now + timedelta(seconds=peer.interval_seconds)
        members = member_codes_in(session)
        seen = encode_release(members)
        purged = 0
        if peer.members_seen != seen:
            purged = purge_unreleased(session, peer.id, identity.nations, members)
            peer.members_seen = seen
            if purged:
                record_event(session, _ACTOR, "federation.replicas.purge", "federation_peer",
                             cfg.nation, object_nation=cfg.nation,
                             after={"removed": purged, "members": sorted(members)})  # fmt: skip
        uow.commit()
        return purged


def sync_peer(
    node: Node,
    identity: NodeIdentity,
    nation: str,
    *,
    factory: ClientFactory | None = None,
    progress: Progress | None = None,
    limit: int = 1000,
    full: bool = False,
) -> SyncResult:
    """Pull everything new from one peer; never raises for peer faults (see ``error``)."""
    cfg = _config(node, nation, full)
    result = SyncResult(cfg.nation)
    with node.uow() as uow:
        peer = uow.session.get(PeerRow, cfg.peer_id)
        if peer is None or peer.state != "active":
            result.error = "suspended: this peering is suspended"
            return result
    if cfg.token is None:
        fault = SyncFault("config", "no token from the peer yet (federation peer set-token)")
        _record_failure(node, cfg, fault)
        result.error = str(fault)
        return result
    cursor = cfg.cursor
    expected = -1 if full else cursor  # a full resync rewinds the cursor on its first page
    token = cfg.token
    try:
        with PeerClient(cfg.url, cfg.timeout, factory) as client, _Prefetcher() as ahead:

            def fetch(after: int) -> FeedPageRaw:
                since = format_date_added(after) if after else ""
                return client.feed_page(token, since, limit, cfg.node_id, cfg.local_nation,
                                        cfg.public_key)  # fmt: skip

            pending = ahead.submit(fetch, cursor)
            while True:
                raw = pending.result()
                with collector_paused():
                    page = parse_page(raw, cfg.nations)
                if page.more:  # the peer prepares the next page while this one is applied
                    pending = ahead.submit(fetch, page.last or cursor)
                with collector_paused():
                    applied = _apply_page(node, cfg, 0 if expected == -1 else expected, page,
                                          identity)  # fmt: skip
                result.pages += 1
                _add(result.totals, applied)
                cursor = page.last if page.last is not None else cursor
                expected = cursor
                if progress is not None:
                    progress(result.totals.stored + result.totals.removed, result.pages)
                if not page.more:
                    break
    except SyncFault as fault:
        _record_failure(node, cfg, fault)
        result.error = str(fault)
        return result
    except Conflict as exc:
        result.error = f"conflict: {exc.detail}"
        return result
    _record_success(node, cfg, identity)
    result.caught_up = True
    return result


class _Prefetcher:
    """One worker thread fetching the next page while the current one is applied.

    Only fetching runs ahead: pages are still parsed and applied one at a time, in order, each
    in its own transaction with its cursor. A fetched page whose predecessor then fails to apply
    is discarded with the worker (the next sync asks for it again from the committed cursor)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="federation-fetch")

    def __enter__(self) -> ThreadPoolExecutor:
        return self._pool

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _add(total: Applied, page: Applied) -> None:
    total.stored += page.stored
    total.unchanged += page.unchanged
    total.removed += page.removed
    total.refused += page.refused


def due_peers(node: Node, now: datetime | None = None) -> list[str]:
    """Active peers with a token whose next attempt (interval or backoff) has come."""
    moment = now or utcnow()
    with node.uow() as uow:
        rows = uow.session.scalars(select(PeerRow).where(PeerRow.state == "active")).all()
        return [
            r.nation for r in rows
            if r.token_sealed and (r.next_attempt_at is None or r.next_attempt_at <= moment)
        ]  # fmt: skip


def run_forever(
    node: Node,
    identity: NodeIdentity,
    *,
    factory: ClientFactory | None = None,
    report: Callable[[SyncResult], None] | None = None,
    tick: float = 1.0,
    rounds: int | None = None,
) -> None:
    """Scheduled sync: every ``tick`` seconds, sync each peer that is due (``rounds``: stop
    after that many ticks, for tests)."""
    done = 0
    while rounds is None or done < rounds:
        for nation in due_peers(node):
            result = sync_peer(node, identity, nation, factory=factory)
            if report is not None:
                report(result)
        done += 1
        if rounds is None or done < rounds:
            time.sleep(tick)
