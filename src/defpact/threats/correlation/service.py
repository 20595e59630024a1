"""Reading correlations: value lookup, an object's correlations, alerts and sighting counts.

Every read applies ``visible_to`` to *each* side it returns, with the caller's nation, clearance
and the membership of the moment (the rule of the pact-wide collection), so nothing about an
object the caller may not see is returned or counted. Alert rows are per nation (written at
ingest for the nations that could see both sides at the highest clearance); a user sees an alert
of their nation only while both of its objects are visible to *them*; counts and totals are
computed after that filter. Results are frozen dataclasses (for the API, the CLI and the web
board). Reads that return RESTRICTED-or-higher objects write one audit event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal
from defpact.core.marking import Marking
from defpact.core.releasability import marking_from, visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.correlation.keys import address_range, containing_networks, value_key
from defpact.threats.correlation.lists import active_matcher
from defpact.threats.correlation.normalise import Kind, Observable, classify, normalise
from defpact.threats.correlation.store import (
    AlertRow,
    CorrelationRow,
    HotValueRow,
    ObservableRow,
)
from defpact.threats.stix import reads
from defpact.threats.stix.ingest import writer

__all__ = [
    "AlertPage",
    "AlertState",
    "AlertView",
    "CorrelationView",
    "HotValue",
    "LookupHit",
    "LookupResult",
    "ObjectSide",
    "acknowledge_alert",
    "correlations_for",
    "hot_values",
    "list_alerts",
    "lookup",
    "parse_value",
]

MAX_LOOKUP = 1000


@dataclass(frozen=True, slots=True)
class LookupHit:
    stix_id: str
    object_type: str
    collection_id: str
    marking: Marking
    kind: Kind
    value: str
    relation: str  # "equal", "within" (the value lies in this range), "contains" (in the range)
    suppressed: bool
    date_added: int


@dataclass(frozen=True, slots=True)
class LookupResult:
    query: Observable
    warninglists: tuple[str, ...]
    total: int
    hits: tuple[LookupHit, ...]


@dataclass(frozen=True, slots=True)
class ObjectSide:
    stix_id: str
    object_type: str
    collection_id: str
    marking: Marking
    kind: Kind
    value: str


@dataclass(frozen=True, slots=True)
class CorrelationView:
    id: int
    created_at: datetime
    new: ObjectSide  # the object whose arrival created the correlation
    old: ObjectSide  # the object of another nation it matched


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    nation: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    correlation: CorrelationView


@dataclass(frozen=True, slots=True)
class AlertPage:
    items: tuple[AlertView, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class HotValue:
    kind: str
    value: str
    objects: int
    flagged_at: datetime


def _principal(actor: Actor) -> Principal:
    if actor.principal is None:
        raise PermissionDenied("correlation reads need a signed-in user")
    return actor.principal


def parse_value(text: str, kind: str | None = None) -> Observable:
    """The normalised query value; InvalidInput naming ``value`` (or ``kind``) when it is not."""
    if len(text) > 4096:
        raise InvalidInput("value: at most 4096 characters", field="value")
    try:
        if kind is None:
            return classify(text)
        try:
            wanted = Kind(kind)
        except ValueError:
            kinds = ", ".join(k.value for k in Kind)
            raise InvalidInput(f"kind: one of {kinds}", field="kind") from None
        return normalise(wanted, text)
    except ValueError as exc:
        raise InvalidInput(f"value: {exc}", field="value") from None


def _marking(row: Any, prefix: str = "") -> Marking:
    return marking_from(
        row[f"{prefix}originator"], row[f"{prefix}classification"],
        row[f"{prefix}releasable_to"], row[f"{prefix}tlp"],
    )  # fmt: skip


def _audit_classified(
    session: Session,
    actor: Actor,
    action: str,
    subject: str,
    markings: Sequence[tuple[str, Marking]],
) -> bool:
    """One event naming the RESTRICTED-or-higher objects a read returned. The subject (a value
    up to 4096 characters, a STIX id up to 300) is in ``after``; the event's object id is its
    SHA-256 prefix, which fits the audit column."""
    classified = sorted({sid for sid, m in markings if m.classification >= Clearance.RESTRICTED})
    if not classified:
        return False
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    record_event(session, actor, action, "threat_read", digest,
                 after={"subject": subject, "objects": classified})  # fmt: skip
    return True


_LOOKUP_COLUMNS: tuple[Any, ...] = (
    ObservableRow.stix_id, ObservableRow.object_type, ObservableRow.collection_id,
    ObservableRow.kind, ObservableRow.value, ObservableRow.key, ObservableRow.suppressed,
    ObservableRow.date_added, ObservableRow.originator, ObservableRow.classification,
    ObservableRow.releasable_to, ObservableRow.tlp,
)  # fmt: skip


@lru_cache(maxsize=512)
def _lookup_statement(
    nation: str, clearance: Clearance, members: frozenset[str], ranged: bool
) -> Select[Any]:
    """The lookup query for one kind of caller, built once: keys (and, for a range, the
    ``ip_key`` span) are bound at execution."""
    principal = Principal(0, "", nation, clearance=clearance)
    condition: ColumnElement[bool] = ObservableRow.key.in_(bindparam("keys", expanding=True))
    if ranged:
        inside = and_(
            ObservableRow.kind.in_(bindparam("kinds", expanding=True)),
            ObservableRow.ip_key >= bindparam("low", type_=String),
            ObservableRow.ip_key <= bindparam("high", type_=String),
        )
        condition = or_(condition, inside)
    stmt: Select[Any] = (
        select(*_LOOKUP_COLUMNS)
        .where(condition, visible_to(ObservableRow, principal, members))
        .order_by(ObservableRow.date_added.desc(), ObservableRow.stix_id)
    )
    return stmt


def _lookup_rows(session: Session, principal: Principal, obs: Observable) -> Sequence[Any]:
    members = member_codes_in(session)
    span = address_range(obs)
    stmt = _lookup_statement(principal.nation, principal.clearance, members, span is not None)
    params: dict[str, Any] = {
        "keys": [value_key(obs)] + [value_key(n) for n in containing_networks(obs)]
    }
    if span is not None:
        params.update(kinds=[k.value for k in span.kinds], low=span.low, high=span.high)
    return session.connection().execute(stmt, params).mappings().all()


def lookup(uow: UnitOfWork, actor: Actor, obs: Observable, limit: int = 100) -> LookupResult:
    """The visible objects holding a value: equal, or related by CIDR containment (keys.py).

    One hit per object (the newest copy); ``total`` counts visible objects only."""
    principal = _principal(actor)
    exact = value_key(obs)
    around = frozenset(value_key(n) for n in containing_networks(obs))
    with uow:
        session = uow.session
        hits: dict[str, LookupHit] = {}
        for row in _lookup_rows(session, principal, obs):
            relation = _relation(row, exact, around, obs)
            if row["stix_id"] in hits or relation is None:
                continue
            hits[row["stix_id"]] = LookupHit(
                row["stix_id"], row["object_type"], row["collection_id"], _marking(row),
                Kind(row["kind"]), row["value"], relation, row["suppressed"], row["date_added"],
            )  # fmt: skip
        shown = tuple(list(hits.values())[: min(limit, MAX_LOOKUP)])
        lists = tuple(active_matcher(session).lists_matching(obs))
        if _audit_classified(session, actor, "threats.lookup", obs.value,
                             [(h.stix_id, h.marking) for h in shown]):  # fmt: skip
            uow.commit()
        return LookupResult(obs, lists, len(hits), shown)


def _relation(row: Any, exact: str, around: frozenset[str], obs: Observable) -> str | None:
    """How an indexed row relates to the query; None for a range scan row that is not inside
    (a wider range sharing the network address)."""
    if row["key"] == exact:
        return "equal"
    if row["key"] in around:
        return "within"
    span = address_range(obs)
    return "contains" if span is not None and span.holds(row["value"]) else None


_NEW = aliased(ObservableRow, name="new_side")
_OLD = aliased(ObservableRow, name="old_side")


def _side_columns(alias: Any, prefix: str) -> list[Any]:
    names = ("stix_id", "object_type", "collection_id", "kind", "value", "originator",
             "classification", "releasable_to", "tlp")  # fmt: skip
    return [getattr(alias, n).label(f"{prefix}{n}") for n in names]


def _side(row: Any, prefix: str) -> ObjectSide:
    return ObjectSide(
        row[f"{prefix}stix_id"], row[f"{prefix}object_type"], row[f"{prefix}collection_id"],
        _marking(row, prefix), Kind(row[f"{prefix}kind"]), row[f"{prefix}value"],
    )  # fmt: skip


def _correlation_statement(principal: Principal, members: frozenset[str]) -> Select[Any]:
    return (
        select(
            CorrelationRow.id,
            CorrelationRow.created_at,
            *_side_columns(_NEW, "n_"),
            *_side_columns(_OLD, "o_"),
        )  # fmt: skip
        .join(_NEW, _NEW.id == CorrelationRow.new_id)
        .join(_OLD, _OLD.id == CorrelationRow.old_id)
        .where(visible_to(_NEW, principal, members), visible_to(_OLD, principal, members))
    )


def _view(row: Any) -> CorrelationView:
    return CorrelationView(row["id"], row["created_at"], _side(row, "n_"), _side(row, "o_"))


def correlations_for(uow: UnitOfWork, actor: Actor, stix_id: str) -> list[CorrelationView]:
    """Correlations of one object whose both sides the caller may see; NotFound when the
    object itself is not visible."""
    principal = _principal(actor)
    with uow:
        session = uow.session
        members = member_codes_in(session)
        if not reads.any_visible(session, None, principal, members, stix_id):
            raise NotFound(f"no object {stix_id!r}")
        stmt = (
            _correlation_statement(principal, members)
            .where(or_(_NEW.stix_id == stix_id, _OLD.stix_id == stix_id))
            .order_by(CorrelationRow.id.desc())
        )
        views = [_view(r) for r in session.execute(stmt).mappings()]
        sides = [(v.new.stix_id, v.new.marking) for v in views] + [
            (v.old.stix_id, v.old.marking) for v in views
        ]
        if _audit_classified(session, actor, "threats.correlations", stix_id, sides):
            uow.commit()
        return views


def _alert_statement(
    principal: Principal, members: frozenset[str], state: AlertState
) -> Select[Any]:
    stmt = (
        _correlation_statement(principal, members)
        .add_columns(AlertRow.id.label("alert_id"), AlertRow.nation, AlertRow.created_at.label(
            "alert_created_at"), AlertRow.acknowledged_at, AlertRow.acknowledged_by)
        .join(AlertRow, AlertRow.correlation_id == CorrelationRow.id)
        .where(AlertRow.nation == principal.nation)
    )  # fmt: skip
    if state is AlertState.OPEN:
        stmt = stmt.where(AlertRow.acknowledged_at.is_(None))
    elif state is AlertState.ACKNOWLEDGED:
        stmt = stmt.where(AlertRow.acknowledged_at.is_not(None))
    return stmt


def _alert_view(row: Any) -> AlertView:
    return AlertView(
        row["alert_id"], row["nation"], row["alert_created_at"], row["acknowledged_at"],
        row["acknowledged_by"], _view(row),
    )  # fmt: skip


def list_alerts(
    uow: UnitOfWork, actor: Actor, state: AlertState = AlertState.OPEN,
    limit: int = 50, offset: int = 0,
) -> AlertPage:  # fmt: skip
    """Alerts of the caller's nation that the caller may see, newest first."""
    principal = _principal(actor)
    with uow:
        session = uow.session
        members = member_codes_in(session)
        base = _alert_statement(principal, members, state)
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        stmt = base.order_by(AlertRow.id.desc()).limit(limit).offset(offset)
        items = tuple(_alert_view(r) for r in session.execute(stmt).mappings())
        sides = [(a.correlation.new.stix_id, a.correlation.new.marking) for a in items] + [
            (a.correlation.old.stix_id, a.correlation.old.marking) for a in items
        ]
        if _audit_classified(session, actor, "threats.alerts", principal.nation, sides):
            uow.commit()
        return AlertPage(items, total, limit, offset)


def acknowledge_alert(uow: UnitOfWork, actor: Actor, alert_id: int) -> AlertView:
    """Acknowledge an alert for the caller's nation (analyst or intel role); idempotent."""
    principal = writer(actor)
    with uow:
        session = uow.session
        members = member_codes_in(session)
        stmt = _alert_statement(principal, members, AlertState.ALL).where(AlertRow.id == alert_id)
        row = session.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        if row["acknowledged_at"] is not None:
            return _alert_view(row)
        alert = session.get_one(AlertRow, alert_id)
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by = principal.username
        record_event(
            session, actor, "threats.alert.acknowledge", "threat_alert", alert_id,
            object_nation=principal.nation, before={"acknowledged": False},
            after={"acknowledged": True, "correlation": row["id"]},
        )  # fmt: skip
        session.flush()
        view = _alert_view(
            {**row, "acknowledged_at": alert.acknowledged_at, "acknowledged_by": principal.username}
        )
        uow.commit()
        return view


def hot_values(uow: UnitOfWork, limit: int = 100) -> list[HotValue]:
    """Values flagged by the correlation cap (operator information: it counts objects that
    users may not see, so it is served to the node's console only, never over the API)."""
    with uow:
        stmt = select(HotValueRow).order_by(HotValueRow.flagged_at.desc()).limit(limit)
        return [
            HotValue(r.kind, r.value, r.objects, r.flagged_at) for r in uow.session.scalars(stmt)
        ]
