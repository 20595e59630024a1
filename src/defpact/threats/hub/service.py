"""Use cases of the hub: DISARM, reports, import and export, the board and object pages.

Every read goes through the STIX store's releasability filter
(:func:`defpact.core.releasability.visible_to` on ``threat_objects``), so an object the caller may
not see does not exist for these functions either: it is not listed, not counted, not drawn in a
graph and not exported. Reads that show RESTRICTED-or-higher objects write one audit event naming
them; every write goes through :func:`defpact.threats.stix.ingest.add_objects` (audited there) or
records its own event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import TLP, Marking, marking_problem
from defpact.core.nations import NATIONS
from defpact.core.releasability import encode_release, marking_from, visible_to
from defpact.core.service import member_codes_in
from defpact.core.uow import UnitOfWork
from defpact.threats.hub.disarm import DisarmFramework, parse_disarm
from defpact.threats.hub.reports import (
    CampaignReport,
    IncidentReport,
    ReportError,
    build_campaign,
    build_incident,
    check_campaign,
    check_incident,
)
from defpact.threats.stix.collections import (
    NODE_ORIGINATOR,
    PACT_COLLECTION_ID,
    nation_collection_id,
)
from defpact.threats.stix.ingest import StatusInfo, add_objects, writer
from defpact.threats.stix.marking import (
    TLP2_MARKING_IDS,
    defpact_marking_definition,
    read_defpact_extension,
    tlp2_marking_definition,
)
from defpact.threats.stix.refs import index_refs, refs_of
from defpact.threats.stix.stamps import format_date_added, now_us
from defpact.threats.stix.store import (
    StixObjectRow,
    insert_objects,
    known_markings,
    lock_clock,
    mark_superseded,
    register_markings,
)
from defpact.threats.stix.validate import ValidObject, validate_object

__all__ = [
    "Board",
    "BoardItem",
    "Edge",
    "ObjectView",
    "ReportResult",
    "board",
    "disarm_framework",
    "export_bundle",
    "import_disarm",
    "import_document",
    "object_view",
    "submit_campaign",
    "submit_incident",
]

_T = StixObjectRow
MAX_EXPORT = 50_000
MAX_IMPORT_OBJECTS = 20_000
_ALREADY = "already in the collection"


@dataclass(frozen=True, slots=True)
class ReportResult:
    stix_id: str  # the incident or campaign
    status: StatusInfo


@dataclass(frozen=True, slots=True)
class BoardItem:
    stix_id: str
    type: str
    name: str
    originator: str
    marking: Marking
    date_added: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class Board:
    newest: tuple[BoardItem, ...]
    summary: tuple[tuple[str, str, int], ...]  # (originator, type, distinct objects)


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str
    via: str


@dataclass(frozen=True, slots=True)
class ObjectView:
    item: BoardItem
    obj: dict[str, Any]
    edges: tuple[Edge, ...]
    neighbours: tuple[BoardItem, ...]


def _members(session: Session) -> frozenset[str]:
    return member_codes_in(session)


def _marking_of(row: Any) -> Marking:
    return marking_from(row.originator, row.classification, row.releasable_to, row.tlp)


def _name(obj: Mapping[str, Any]) -> str:
    for key in ("name", "value", "abstract", "account_login", "relationship_type", "pattern"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value[:200]
    hashes = obj.get("hashes")
    if isinstance(hashes, dict) and hashes:
        return str(next(iter(hashes.values())))[:200]
    return str(obj.get("id", ""))


def _item(row: Any, obj: Mapping[str, Any]) -> BoardItem:
    return BoardItem(
        row.stix_id, row.type, _name(obj), row.originator, _marking_of(row),
        format_date_added(row.date_added), bool(row.revoked),
    )  # fmt: skip


def _audit_reads(session: Session, actor: Actor, rows: Sequence[Any], action: str) -> None:
    classified = sorted({r.stix_id for r in rows if r.classification >= Clearance.RESTRICTED})
    if classified:
        record_event(
            session, actor, action, "threat_object", classified[0],
            object_nation=actor.nation, after={"objects": classified},
        )  # fmt: skip


_COLUMNS = (
    _T.stix_id, _T.type, _T.raw, _T.originator, _T.classification, _T.releasable_to, _T.tlp,
    _T.date_added, _T.revoked, _T.version,
)  # fmt: skip


def _latest_visible(
    session: Session, principal: Principal, members: frozenset[str], ids: Sequence[str]
) -> dict[str, Any]:
    """The newest visible version of each id (by version, then date_added)."""
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        stmt = select(*_COLUMNS).where(visible_to(_T, principal, members), _T.stix_id.in_(chunk))
        for row in session.execute(stmt).all():
            best = found.get(row.stix_id)
            if best is None or (row.version, row.date_added) > (best.version, best.date_added):
                found[row.stix_id] = row
    return found


# --- DISARM ------------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if actor.is_console:
        return
    if actor.principal is None or not actor.principal.has_role(Role.ADMIN):
        raise PermissionDenied("importing reference frameworks needs the admin role")


def import_disarm(uow: UnitOfWork, actor: Actor, framework: DisarmFramework) -> int:
    """Store the framework's objects as served, pact-wide reference data (TLP:CLEAR, released to
    every member); objects already stored in that version are skipped. Returns how many were
    added."""
    _require_admin(actor)
    checked: list[ValidObject] = []
    for raw_obj in framework.objects:
        result = validate_object(raw_obj)
        if not isinstance(result, ValidObject):
            raise InvalidInput(f"DISARM object {result.stix_id}: {result.message}")
        checked.append(result)
    with uow:
        session = uow.session
        present = {
            (r.stix_id, r.version)
            for r in session.execute(
                select(_T.stix_id, _T.version).where(
                    _T.collection_id == PACT_COLLECTION_ID, _T.originator == NODE_ORIGINATOR
                )
            )
        }
        clock = lock_clock(session)
        stamp = max(now_us(), clock.last_date_added + 1)
        rows: list[dict[str, Any]] = []
        for valid in checked:
            version = valid.version_us if valid.version_us is not None else stamp
            if (valid.stix_id, version) in present or (
                valid.version_us is None and any(p[0] == valid.stix_id for p in present)
            ):
                continue
            rows.append(
                {
                    "collection_id": PACT_COLLECTION_ID, "stix_id": valid.stix_id,
                    "type": valid.type, "spec_version": valid.spec_version, "version": version,
                    "versioned": valid.version_us is not None, "date_added": stamp,
                    "revoked": valid.revoked, "raw": valid.raw, "originator": NODE_ORIGINATOR,
                    "classification": int(Clearance.UNCLASSIFIED), "releasable_to": ",PACT,",
                    "tlp": TLP.CLEAR.value, "withdrawn_at": None,
                }
            )  # fmt: skip
            present.add((valid.stix_id, version))
            stamp += 1
        if rows:
            insert_objects(session, rows)
            index_refs(session, rows)
            mark_superseded(session, [(r["stix_id"], r["version"]) for r in rows])
            clock.last_date_added = rows[-1]["date_added"]
            definitions = [o.stix_id for o in checked if o.defines_marking]
            defpact, other = known_markings(session, definitions)
            register_markings(
                session,
                [{"id": d, "defpact": False, "classification": None, "releasable_to": None}
                 for d in definitions if d not in defpact and d not in other],
            )  # fmt: skip
            record_event(
                session, actor, "threats.disarm.import", "taxii_collection", PACT_COLLECTION_ID,
                after={"objects_added": len(rows), "techniques": len(framework.techniques),
                       "tactics": len(framework.tactics)},
            )  # fmt: skip
        uow.commit()
    return len(rows)


def disarm_framework(uow: UnitOfWork) -> DisarmFramework | None:
    """The imported framework (newest version of each object), or None before an import."""
    with uow:
        stmt = select(_T.stix_id, _T.version, _T.raw).where(
            _T.collection_id == PACT_COLLECTION_ID,
            _T.originator == NODE_ORIGINATOR,
            _T.type.in_(("attack-pattern", "x-mitre-tactic")),
        )
        newest: dict[str, tuple[int, str]] = {}
        for stix_id, version, raw in uow.session.execute(stmt).all():
            if stix_id not in newest or version > newest[stix_id][0]:
                newest[stix_id] = (version, raw)
    if not newest:
        return None
    objects = [json.loads(raw) for _, raw in newest.values()]
    return parse_disarm({"type": "bundle", "objects": objects})


def _technique_ids(uow: UnitOfWork) -> dict[str, str]:
    framework = disarm_framework(uow)
    return {t.external_id: t.stix_id for t in framework.techniques} if framework else {}


# --- reports -----------------------------------------------------------------------------------


def _report_writer(actor: Actor) -> Principal:
    principal = writer(actor)  # analyst or intel role
    return principal


def _submit(
    uow: UnitOfWork, actor: Actor, objects: list[dict[str, Any]], main_id: str
) -> ReportResult:
    problems = []
    for obj in objects:
        result = validate_object(obj)
        if not isinstance(result, ValidObject):
            problems.append(f"{result.stix_id}: {result.message}")
    if problems:  # pragma: no cover - the builders make valid STIX; kept as a guard
        raise InvalidInput("the report does not make valid STIX: " + "; ".join(problems[:3]))
    assert actor.nation is not None  # noqa: S101 - writers are users
    # The report's defpact marking definition is registered, not stored as an object of the
    # nation's collection: stored, it would carry the collection's default marking and tell
    # nations the report is not released to who shares with whom at which level. Exports add
    # the canonical definitions of the markings their objects reference.
    definitions = [o for o in objects if o["type"] == "marking-definition"]
    with uow:
        defpact, other = known_markings(uow.session, [d["id"] for d in definitions])
        fresh = [d for d in definitions if d["id"] not in defpact and d["id"] not in other]
        for definition in fresh:
            content = read_defpact_extension(definition)
            assert content is not None  # noqa: S101 - built by defpact_marking_definition
            register_markings(
                uow.session,
                [{"id": definition["id"], "defpact": True,
                  "classification": int(content.classification),
                  "releasable_to": encode_release(content.releasable_to)}],
            )  # fmt: skip
        uow.commit()
    objects = [o for o in objects if o["type"] != "marking-definition"]
    status = add_objects(uow, actor, nation_collection_id(actor.nation), objects)
    # Observables are deterministic per value and marking: one reported before is reused.
    failures = [f for f in status.failures if _ALREADY not in (f.message or "")]
    if failures:
        first = failures[0]
        raise InvalidInput(f"the report could not be stored: {first.stix_id}: {first.message}")
    return ReportResult(main_id, status)


def _check_marking(uow: UnitOfWork, marking: Marking, actor: Actor) -> None:
    """Refuse a marking that may not be stored before anything is (a marking definition
    included): released to a nation that is not a member now, or above the author's clearance."""
    principal = _report_writer(actor)
    if marking.originator != principal.nation:
        raise InvalidInput("the originator of a report is the reporter's nation", field="marking")
    with uow:
        members = _members(uow.session)
    if problem := marking_problem(marking, members, principal.clearance):
        raise InvalidInput(problem[1], field=problem[0])


def _known_nations() -> frozenset[str]:
    return frozenset(NATIONS)


def submit_incident(
    uow: UnitOfWork, actor: Actor, report: IncidentReport, marking: Marking
) -> ReportResult:
    _check_marking(uow, marking, actor)
    try:
        checked = check_incident(report, _known_nations())
    except ReportError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    objects = build_incident(checked, marking, datetime.now(UTC))
    return _submit(uow, actor, objects, objects[1]["id"])


def submit_campaign(
    uow: UnitOfWork, actor: Actor, report: CampaignReport, marking: Marking
) -> ReportResult:
    _check_marking(uow, marking, actor)
    techniques = _technique_ids(uow)
    try:
        checked = check_campaign(report, _known_nations(), techniques)
    except ReportError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    objects = build_campaign(checked, marking, datetime.now(UTC), techniques)
    return _submit(uow, actor, objects, objects[1]["id"])


# --- import and export -------------------------------------------------------------------------


def _misp_to_stix(event: dict[str, Any]) -> list[dict[str, Any]]:
    from misp_stix_converter import MISPtoSTIX21Parser  # type: ignore[import-untyped]

    parser = MISPtoSTIX21Parser()
    try:
        parser.parse_misp_event(event)
        bundle = json.loads(parser.bundle.serialize())
    except Exception as exc:  # noqa: BLE001 - the converter raises many kinds on bad events
        raise InvalidInput(f"the MISP event could not be converted: {exc}") from None
    objects = bundle.get("objects", [])
    return [o for o in objects if isinstance(o, dict)]


def parse_document(data: bytes) -> tuple[str, list[dict[str, Any]]]:
    """('stix'|'misp', objects) of a STIX bundle, a TAXII envelope or a MISP event JSON."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field="file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the file is not JSON: {exc}", field="file") from None
    if isinstance(doc, dict) and isinstance(doc.get("Event"), dict):
        return "misp", _misp_to_stix(doc)
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects", [])
    elif isinstance(doc, dict) and "objects" in doc and "type" not in doc:
        objects = doc["objects"]  # a TAXII envelope
    elif isinstance(doc, dict) and isinstance(doc.get("Attribute"), list) and "info" in doc:
        return "misp", _misp_to_stix({"Event": doc})
    else:
        raise InvalidInput(
            "not a STIX 2.1 bundle, a TAXII envelope or a MISP event "
            "(expected type 'bundle', an 'objects' list or an 'Event' object)",
            field="file",
        )
    if not isinstance(objects, list):
        raise InvalidInput("'objects' must be a list", field="file")
    return "stix", objects


def import_document(uow: UnitOfWork, actor: Actor, data: bytes) -> tuple[str, StatusInfo]:
    """Add a file's objects to the caller's nation collection; the status lists every failure
    (valid objects are stored, invalid ones reported, as for a TAXII envelope)."""
    principal = writer(actor)
    kind, objects = parse_document(data)
    if not objects:
        raise InvalidInput("the file holds no objects", field="file")
    if len(objects) > MAX_IMPORT_OBJECTS:
        raise InvalidInput(
            f"at most {MAX_IMPORT_OBJECTS} objects per import; split the file", field="file"
        )
    return kind, add_objects(uow, actor, nation_collection_id(principal.nation), objects)


def export_bundle(
    uow: UnitOfWork,
    actor: Actor,
    *,
    types: Sequence[str] = (),
    ids: Sequence[str] = (),
    originator: str | None = None,
    added_after: int | None = None,
    limit: int = MAX_EXPORT,
) -> dict[str, Any]:
    """A STIX 2.1 bundle of the newest visible version of every selected object."""
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("exports are made for a user")
    with uow:
        session = uow.session
        members = _members(session)
        conds = [visible_to(_T, principal, members)]
        if types:
            conds.append(_T.type.in_(list(types)))
        if ids:
            conds.append(_T.stix_id.in_(list(ids)))
        if originator:
            conds.append(_T.originator == originator.upper())
        if added_after is not None:
            conds.append(_T.date_added > added_after)
        stmt = select(*_COLUMNS).where(and_(*conds)).order_by(_T.date_added, _T.stix_id)
        newest: dict[str, Any] = {}
        for row in session.execute(stmt.limit(limit * 4)).all():
            best = newest.get(row.stix_id)
            if best is None or row.version > best.version:
                newest[row.stix_id] = row
        rows = sorted(newest.values(), key=lambda r: (r.date_added, r.stix_id))[:limit]
        _audit_reads(session, actor, rows, "threats.export")
        record_event(
            session, actor, "threats.export", "threat_export", principal.nation,
            object_nation=principal.nation,
            after={"objects": len(rows), "types": sorted(types), "originator": originator},
        )  # fmt: skip
        uow.commit()
        objects = [json.loads(r.raw) for r in rows]
        objects = _with_definitions(session, objects)
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}


def _with_definitions(session: Session, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects plus the marking definitions they reference that are not among them: the
    canonical defpact definitions and the TLP 2.0 ones, so that the bundle imports anywhere."""
    present = {o.get("id") for o in objects}
    wanted = {
        ref for o in objects for ref in o.get("object_marking_refs", ()) if ref not in present
    }
    if not wanted:
        return objects
    defpact, _ = known_markings(session, wanted)
    extra = [{**defpact_marking_definition(m), "id": ref} for ref, m in defpact.items()]
    extra += [
        tlp2_marking_definition(tlp) for tlp, ref in TLP2_MARKING_IDS.items() if ref in wanted
    ]
    return extra + objects


# --- board and object pages --------------------------------------------------------------------


def board(uow: UnitOfWork, actor: Actor, *, limit: int = 30) -> Board:
    """The newest visible objects and a count of visible objects per originator and type."""
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("the board is shown to a user")
    with uow:
        session = uow.session
        members = _members(session)
        seen = visible_to(_T, principal, members)
        stmt = (
            select(*_COLUMNS)
            .where(seen, _T.originator != NODE_ORIGINATOR)
            .order_by(_T.date_added.desc(), _T.stix_id.desc())
            .limit(limit * 3)
        )
        items: dict[str, BoardItem] = {}
        shown: list[Any] = []
        for row in session.execute(stmt).all():
            if row.stix_id in items or len(items) >= limit:
                continue
            items[row.stix_id] = _item(row, json.loads(row.raw))
            shown.append(row)
        counts = session.execute(
            select(_T.originator, _T.type, func.count(func.distinct(_T.stix_id)))
            .where(seen, _T.originator != NODE_ORIGINATOR)
            .group_by(_T.originator, _T.type)
            .order_by(_T.originator, _T.type)
        ).all()
        _audit_reads(session, actor, shown, "threats.board.read")
        uow.commit()
    return Board(tuple(items.values()), tuple((o, t, int(n)) for o, t, n in counts))


def object_view(uow: UnitOfWork, actor: Actor, stix_id: str) -> ObjectView:
    """One object (newest visible version) with the relationships and references around it
    whose holder and both ends the caller may see. NotFound when it is not visible."""
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("object pages are shown to a user")
    with uow:
        session = uow.session
        members = _members(session)
        found = _latest_visible(session, principal, members, [stix_id])
        if stix_id not in found:
            raise NotFound(f"no object {stix_id!r}")
        row = found[stix_id]
        obj = json.loads(row.raw)
        candidates = refs_of(session, stix_id)
        wanted = sorted({x for c in candidates for x in (c[0], c[1], c[3])} - {stix_id})
        visible = _latest_visible(session, principal, members, wanted)
        visible[stix_id] = row
        edges = tuple(
            sorted(
                {Edge(a, b, label, via) for a, b, label, via in candidates
                 if a in visible and b in visible and via in visible},
                key=lambda e: (e.label, e.source, e.target),
            )
        )  # fmt: skip
        ends = {e.source for e in edges} | {e.target for e in edges}
        neighbours = tuple(
            _item(visible[i], json.loads(visible[i].raw)) for i in sorted(ends - {stix_id})
        )
        _audit_reads(session, actor, [row, *(visible[i] for i in ends)], "threats.object.read")
        uow.commit()
    return ObjectView(_item(row, obj), obj, edges, neighbours)
