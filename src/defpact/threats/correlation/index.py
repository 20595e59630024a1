"""Keeping the observable index, correlations, alerts and sightings in step with the store.

:func:`index_added` runs inside the TAXII add transaction (one call from ``ingest.add_objects``)
and :func:`forget_deleted` inside the delete transaction, so the index never disagrees with the
objects. Only the newest version of each object is indexed, and not at all once revoked: a newer
version replaces the index rows (and the correlations and alerts) of the older ones.

A new, unsuppressed value is looked up (its key, the ranges containing it and, for a range, the
addresses inside it, see :mod:`keys`); every match of an object of *another* originator becomes a
correlation, unless the value matches more than ``correlation_cap`` objects: then it is recorded
in ``threat_hot_values`` and produces no correlation (values already hot are not looked up
again). For each correlation, an alert row goes to every current member nation that may read
both objects at the highest clearance (``can_read(nation, SECRET, ...)``): alert rows are per
nation; reads filter them again per user, with the user's own clearance and the membership of
the moment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from defpact.core.config import get_settings
from defpact.core.db import bulk_insert, utcnow
from defpact.core.identity import Clearance
from defpact.core.marking import Marking, can_read
from defpact.core.releasability import marking_from
from defpact.core.service import member_codes_in
from defpact.threats.correlation.extract import SCO_TYPES, object_values
from defpact.threats.correlation.keys import (
    address_range,
    containing_networks,
    ip_key,
    prefix_of,
    value_key,
)
from defpact.threats.correlation.lists import active_matcher
from defpact.threats.correlation.normalise import IP_KINDS, Kind, Observable
from defpact.threats.correlation.store import (
    ALERTS,
    CORRELATIONS,
    OBSERVABLES,
    SIGHTINGS,
    HotValueRow,
)
from defpact.threats.stix.store import OBJECTS_TABLE, PARSED, PRIOR, lock_clock

__all__ = ["INDEXED_TYPES", "correlation_cap", "forget_deleted", "index_added"]

INDEXED_TYPES = frozenset({*SCO_TYPES, "indicator", "sighting"})
_CHUNK = 900
_O = OBSERVABLES
_MARK = ("originator", "classification", "releasable_to", "tlp", "withdrawn_at")


def correlation_cap() -> int:
    """Objects a value may match before it stops correlating (``DEFPACT_CORRELATION_CAP``)."""
    return get_settings().correlation_cap


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class _New:
    id: int
    obs: Observable
    key: str
    stix_id: str
    marking: Marking


def _marking(row: Any) -> Marking:
    return marking_from(row["originator"], row["classification"], row["releasable_to"], row["tlp"])


def index_added(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Index the object rows an add request just inserted (called in its transaction)."""
    newest = [r for r in rows if not r["superseded"] and r["type"] in INDEXED_TYPES]
    if not newest:
        return
    acks = _drop_older(session, [r for r in newest if r.get(PRIOR, True)])
    live = [r for r in newest if not r["revoked"]]
    _index_rows(session, live, acks)


# {(object id, value key) of each side} -> nation -> (acknowledged_at, acknowledged_by): what
# each nation acknowledged about a correlation, kept when either object is re-indexed.
_Ends = frozenset[tuple[str, str]]
_Acks = dict[_Ends, dict[str, tuple[Any, Any]]]


def _drop_older(session: Session, newest: Sequence[dict[str, Any]]) -> _Acks:
    """Remove index rows of versions older than the newest one just stored."""
    version = {r["stix_id"]: r["version"] for r in newest}
    ids = sorted(version)
    stale: list[int] = []
    stale_sightings: list[int] = []
    for chunk in _chunks(ids):
        found = session.execute(select(_O.c.id, _O.c.stix_id, _O.c.version).where(
            _O.c.stix_id.in_(chunk)))  # fmt: skip
        stale += [i for i, sid, v in found if v < version[sid]]
        found = session.execute(
            select(SIGHTINGS.c.id, SIGHTINGS.c.stix_id, SIGHTINGS.c.version).where(
                SIGHTINGS.c.stix_id.in_(chunk)
            )
        )
        stale_sightings += [i for i, sid, v in found if v < version[sid]]
    acks = _drop_observables(session, stale)
    for chunk in _chunks(stale_sightings):
        session.execute(delete(SIGHTINGS).where(SIGHTINGS.c.id.in_(chunk)))
    return acks


def _drop_observables(session: Session, ids: Sequence[int]) -> _Acks:
    """Delete observables with their correlations and those correlations' alerts; returns the
    acknowledgements those alerts carried (a new version of an object re-creates its
    correlations, and an alert a nation acknowledged stays acknowledged)."""
    acks: _Acks = {}
    for chunk in _chunks(ids, 400):
        linked = select(CORRELATIONS.c.id).where(
            or_(CORRELATIONS.c.new_id.in_(chunk), CORRELATIONS.c.old_id.in_(chunk))
        )
        correlation_ids = list(session.scalars(linked))
        for ends, by_nation in _acknowledged(session, correlation_ids).items():
            acks.setdefault(ends, {}).update(by_nation)
        for part in _chunks(correlation_ids):
            session.execute(delete(ALERTS).where(ALERTS.c.correlation_id.in_(part)))
            session.execute(delete(CORRELATIONS).where(CORRELATIONS.c.id.in_(part)))
        session.execute(delete(_O).where(_O.c.id.in_(chunk)))
    return acks


def _acknowledged(session: Session, correlation_ids: Sequence[int]) -> _Acks:
    new, old = _O.alias("new_side"), _O.alias("old_side")
    found: _Acks = {}
    for part in _chunks(correlation_ids):
        stmt = (
            select(ALERTS.c.nation, ALERTS.c.acknowledged_at, ALERTS.c.acknowledged_by,
                   new.c.stix_id, new.c.key, old.c.stix_id, old.c.key)
            .join(CORRELATIONS, CORRELATIONS.c.id == ALERTS.c.correlation_id)
            .join(new, new.c.id == CORRELATIONS.c.new_id)
            .join(old, old.c.id == CORRELATIONS.c.old_id)
            .where(ALERTS.c.correlation_id.in_(part), ALERTS.c.acknowledged_at.is_not(None))
        )  # fmt: skip
        for nation, at, by, a, a_key, b, b_key in session.execute(stmt):
            found.setdefault(frozenset({(a, a_key), (b, b_key)}), {})[nation] = (at, by)
    return found


def _index_rows(session: Session, rows: Sequence[dict[str, Any]], acks: _Acks) -> None:
    observables: list[dict[str, Any]] = []
    sightings: list[dict[str, Any]] = []
    matcher = None
    for row in rows:
        obj = row.get(PARSED) or json.loads(row["raw"])
        if row["type"] == "sighting":
            sightings.append(_sighting_row(row, obj))
            continue
        values = object_values(obj)
        if values and matcher is None:
            matcher = active_matcher(session)
        for obs in values:
            assert matcher is not None  # noqa: S101 - set just above
            observables.append(_observable_row(row, obs, matcher.suppresses(obs)))
    if sightings:
        bulk_insert(session, SIGHTINGS, sightings)
    if not observables:
        return
    # Ids are assigned here, in one multi-row INSERT: every writer of the index holds the STIX
    # store's clock lock (add, delete, replicas), so max(id) cannot move under us; INSERT ...
    # RETURNING in parameter order would run one statement per row on SQLite.
    start = (session.scalar(select(func.max(_O.c.id))) or 0) + 1
    for offset, row_values in enumerate(observables):
        row_values["id"] = start + offset
    bulk_insert(session, _O, observables)
    new_ids = [int(o["id"]) for o in observables]
    fresh = [
        _New(i, Observable(Kind(o["kind"]), o["value"]), o["key"], o["stix_id"], _marking(o))
        for i, o in zip(new_ids, observables, strict=True)
        if not o["suppressed"]
    ]
    _correlate(session, fresh, frozenset(new_ids), acks)


def _observable_row(row: dict[str, Any], obs: Observable, suppressed: bool) -> dict[str, Any]:
    return {
        "key": value_key(obs), "kind": obs.kind.value, "value": obs.value, "ip_key": ip_key(obs),
        "prefix": prefix_of(obs),
        "collection_id": row["collection_id"], "stix_id": row["stix_id"],
        "object_type": row["type"], "version": row["version"], "date_added": row["date_added"],
        "suppressed": suppressed, **{k: row[k] for k in _MARK},
    }  # fmt: skip


def _sighting_row(row: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
    count = obj.get("count", 1)
    last_seen = obj.get("last_seen")
    return {
        "collection_id": row["collection_id"], "stix_id": row["stix_id"],
        "version": row["version"], "sighting_of_ref": str(obj.get("sighting_of_ref", ""))[:300],
        "count": count if isinstance(count, int) and not isinstance(count, bool) else 1,
        "false_positive": obj.get("x_defpact_false_positive") is True,
        "last_seen": last_seen[:40] if isinstance(last_seen, str) else None,
        **{k: row[k] for k in _MARK},
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Match:
    id: int
    key: str
    kind: str
    ip_key: str | None
    stix_id: str
    marking: Marking


def _search_keys(obs: Observable, prefixes: dict[str, frozenset[int]]) -> list[str]:
    """The value's key and those of the indexed ranges that could contain it."""
    family = "ipv4-net" if obs.kind in (Kind.IPV4, Kind.IPV4_NET) else "ipv6-net"
    around = containing_networks(obs, prefixes.get(family, frozenset()))
    return [value_key(obs)] + [value_key(net) for net in around]


def _indexed_prefixes(session: Session) -> dict[str, frozenset[int]]:
    """Prefix lengths of the indexed ranges, per family: an address is looked up only under
    the ranges that exist (one small index scan per envelope instead of 16 or 96 keys each)."""
    stmt = (
        select(_O.c.kind, _O.c.prefix)
        .where(
            _O.c.kind.in_([Kind.IPV4_NET.value, Kind.IPV6_NET.value]), _O.c.suppressed.is_(False)
        )
        .distinct()
    )
    found: dict[str, set[int]] = {}
    for kind, prefix in session.execute(stmt):
        found.setdefault(kind, set()).add(prefix)
    return {kind: frozenset(p) for kind, p in found.items()}


def _matches(
    session: Session, fresh: Sequence[_New], new_ids: frozenset[int]
) -> dict[int, list[_Match]]:
    """Indexed, unsuppressed values matching each new one (older rows only)."""
    wanted: dict[str, list[_New]] = {}
    prefixes = _indexed_prefixes(session) if any(i.obs.kind in IP_KINDS for i in fresh) else {}
    for item in fresh:
        for key in _search_keys(item.obs, prefixes):
            wanted.setdefault(key, []).append(item)
    columns = (_O.c.id, _O.c.key, _O.c.kind, _O.c.ip_key, _O.c.stix_id, _O.c.value,
               *(_O.c[k] for k in _MARK))  # fmt: skip
    found: dict[int, list[_Match]] = {item.id: [] for item in fresh}
    keys = sorted(wanted)
    for chunk in _chunks(keys):
        stmt = select(*columns).where(_O.c.key.in_(chunk), _O.c.suppressed.is_(False))
        for row in session.execute(stmt).mappings():
            if row["id"] in new_ids:
                continue
            match = _Match(row["id"], row["key"], row["kind"], row["ip_key"], row["stix_id"],
                           _marking(row))  # fmt: skip
            for item in wanted[row["key"]]:
                found[item.id].append(match)
    for item in fresh:
        span = address_range(item.obs)
        if span is None:
            continue
        stmt = select(*columns).where(
            _O.c.kind.in_([k.value for k in span.kinds]), _O.c.ip_key >= span.low,
            _O.c.ip_key <= span.high, _O.c.suppressed.is_(False), _O.c.key != item.key,
        )  # fmt: skip
        for row in session.execute(stmt).mappings():
            if row["id"] not in new_ids and span.holds(row["value"]):
                found[item.id].append(_Match(row["id"], row["key"], row["kind"], row["ip_key"],
                                             row["stix_id"], _marking(row)))  # fmt: skip
    return found


def _correlate(
    session: Session, fresh: Sequence[_New], new_ids: frozenset[int], acks: _Acks
) -> None:
    if not fresh:
        return
    hot = _hot_keys(session, [item.key for item in fresh])
    candidates = [item for item in fresh if item.key not in hot]
    found = _matches(session, candidates, new_ids)
    cap = correlation_cap()
    pairs: list[dict[str, int]] = []
    sides: list[tuple[Marking, Marking]] = []
    ends: list[_Ends] = []
    for item in candidates:
        matches = found[item.id]
        if len({m.stix_id for m in matches} | {item.stix_id}) - 1 > cap:
            if item.key not in hot:
                _flag_hot(session, item, len({m.stix_id for m in matches}))
                hot.add(item.key)
            continue
        for match in matches:
            if (
                match.marking.originator != item.marking.originator
                and match.stix_id != item.stix_id
            ):
                pairs.append({"new_id": item.id, "old_id": match.id})
                sides.append((item.marking, match.marking))
                ends.append(frozenset({(item.stix_id, item.key), (match.stix_id, match.key)}))
    if not pairs:
        return
    stmt = insert(CORRELATIONS).returning(CORRELATIONS.c.id, sort_by_parameter_order=True)
    correlation_ids = list(session.scalars(stmt, pairs))
    _alert(session, correlation_ids, sides, [acks.get(end, {}) for end in ends])


def _hot_keys(session: Session, keys: Sequence[str]) -> set[str]:
    hot: set[str] = set()
    for chunk in _chunks(sorted(set(keys))):
        hot |= set(session.scalars(select(HotValueRow.key).where(HotValueRow.key.in_(chunk))))
    return hot


def _flag_hot(session: Session, item: _New, objects: int) -> None:
    session.add(HotValueRow(key=item.key, kind=item.obs.kind.value, value=item.obs.value,
                            objects=objects))  # fmt: skip
    session.flush()


def _alert(
    session: Session,
    correlation_ids: Sequence[int],
    sides: Sequence[tuple[Marking, Marking]],
    acked: Sequence[dict[str, tuple[Any, Any]]],
) -> None:
    """An alert per nation that may read both sides; acknowledged already when that nation
    acknowledged the same correlation before one of its objects got a new version."""
    members = member_codes_in(session)
    rows = []
    for correlation_id, (new, old), before in zip(correlation_ids, sides, acked, strict=True):
        for nation in sorted(members):
            if can_read(nation, Clearance.SECRET, new, members) and can_read(
                nation, Clearance.SECRET, old, members
            ):
                at, by = before.get(nation, (None, None))
                rows.append({"correlation_id": correlation_id, "nation": nation,
                             "created_at": utcnow(), "acknowledged_at": at,
                             "acknowledged_by": by})  # fmt: skip
    if rows:
        bulk_insert(session, ALERTS, rows)


def forget_deleted(
    session: Session, collection_id: str, stix_id: str, versions: Sequence[int]
) -> None:
    """After versions of an object were deleted from a collection: drop their index rows and,
    when the newest version went, index the newest one left (called in the delete transaction)."""
    if not versions:
        return
    lock_clock(session)  # serialise with add requests, which correlate under the same lock
    gone = and_(_O.c.collection_id == collection_id, _O.c.stix_id == stix_id,
                _O.c.version.in_(list(versions)))  # fmt: skip
    acks = _drop_observables(session, list(session.scalars(select(_O.c.id).where(gone))))
    session.execute(delete(SIGHTINGS).where(
        SIGHTINGS.c.collection_id == collection_id, SIGHTINGS.c.stix_id == stix_id,
        SIGHTINGS.c.version.in_(list(versions)),
    ))  # fmt: skip
    left = session.scalar(
        select(func.max(OBJECTS_TABLE.c.version)).where(OBJECTS_TABLE.c.stix_id == stix_id)
    )
    if left is None or left >= max(versions):
        return
    stmt = select(OBJECTS_TABLE).where(
        OBJECTS_TABLE.c.stix_id == stix_id, OBJECTS_TABLE.c.version == left
    )
    rows = [dict(r) for r in session.execute(stmt).mappings()]
    already = session.scalar(select(func.count()).select_from(_O).where(
        _O.c.stix_id == stix_id, _O.c.version == left))  # fmt: skip
    live = [r for r in rows if not r["revoked"] and r["type"] in INDEXED_TYPES]
    if not already:
        _index_rows(session, live, acks)
