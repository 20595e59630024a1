"""How records cross between nodes as STIX 2.1 objects in the federation feed.

* Every exported object carries the **defpact federation property extension**
  (:data:`FEDERATION_EXTENSION_ID`) with the record type and the marking it is held under::

      "extensions": {"extension-definition--f3d0a5e2-...": {
          "extension_type": "property-extension", "record_type": "stix" | "intel",
          "originator": "XK", "classification": "SECRET", "releasable_to": ["AL", "PACT"],
          "tlp": "AMBER"}}

  A STIX threat object is sent as it was stored plus this extension (the receiver removes it
  again). An intelligence report becomes a STIX ``report`` SDO whose id is derived from the
  originating node and report id, with the fields STIX has no place for (body, region, tags,
  admiralty code, author) in the extension's ``intel`` property.
* Context records (procurement requirements, training exercises and lessons, governance
  documents, expert groups, meetings and action items) become the STIX object of
  :data:`RECORD_STIX_TYPES` (a ``note`` for a lesson, a ``report`` with report type
  ``defpact-governance-document`` for a document, an ``identity`` of class ``group`` for an
  expert group, a custom ``x-defpact-requirement`` / ``x-defpact-exercise`` /
  ``x-defpact-meeting`` / ``x-defpact-action`` object where no SDO fits) whose id is
  derived from the originating node and local id, with the record's fields in the extension's
  ``record`` property (a document's versions, each with its marking, in ``record.versions``).
* A record that disappears for the peer is a ``x-defpact-tombstone`` custom object naming it
  (``record_type``, ``record_ref`` = the STIX id the peer holds, ``originator``, ``reason``:
  ``deleted`` or ``withdrawn``).

:func:`read_feed_object` turns what a peer sent back into an :class:`Upsert` or
:class:`Tombstone`, refusing anything malformed with a :class:`FeedError` that says why.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from defpact.core.identity import Clearance
from defpact.core.marking import TLP, Marking, parse_releasable_to
from defpact.core.nations import NATIONS
from defpact.core.replication import RecordPart, RecordState
from defpact.federation.rules import PeerView, released_parts
from defpact.threats.intel.model import CREDIBILITY, RELIABILITY
from defpact.threats.intel.replication import ReportContent
from defpact.threats.stix.stamps import format_version, parse_timestamp, to_us

__all__ = [
    "FEDERATION_EXTENSION_ID",
    "RECORD_STIX_TYPES",
    "FeedError",
    "Tombstone",
    "Upsert",
    "federation_extension_definition",
    "read_feed_object",
    "record_id",
    "record_object",
    "report_id",
    "report_object",
    "stix_object",
    "stix_text",
    "tombstone_object",
]

FEDERATION_EXTENSION_ID = "extension-definition--f3d0a5e2-8c1b-4b6e-9a7d-2e5c4f1b0d93"
TOMBSTONE_TYPE = "x-defpact-tombstone"
_NS = uuid.UUID("0b6f7c52-61f4-4f0e-b0a4-5cf0b6d1e2a7")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FOUNDED = "2025-03-18T00:00:00.000Z"


class FeedError(ValueError):
    """A feed object that cannot be applied; the message names the object and the reason."""


def federation_extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition", "spec_version": "2.1", "id": FEDERATION_EXTENSION_ID,
        "created_by_ref": "identity--9a9814a1-56ac-4f14-8482-37485a2df5ae",
        "created": _FOUNDED, "modified": _FOUNDED,
        "name": "defpact federation record",
        "description": "The record type and defpact marking (originator, classification, "
        "releasable_to, TLP) under which a node exports an object to a peer node.",
        "schema": "See docs/federation.md of defpact.",
        "version": "1.0.0", "extension_types": ["property-extension"],
    }  # fmt: skip


def _marking_body(record_type: str, marking: Marking) -> dict[str, Any]:
    return {
        "extension_type": "property-extension", "record_type": record_type,
        "originator": marking.originator, "classification": marking.classification.name,
        "releasable_to": sorted(marking.releasable_to), "tlp": marking.tlp.value,
    }  # fmt: skip


def stix_object(obj: dict[str, Any], marking: Marking) -> dict[str, Any]:
    """A stored STIX object with the federation extension added (``obj`` is not changed)."""
    out = dict(obj)
    extensions = dict(out.get("extensions") or {})
    extensions[FEDERATION_EXTENSION_ID] = _marking_body("stix", marking)
    out["extensions"] = extensions
    return out


@lru_cache(maxsize=4096)
def _extension_text(marking: Marking) -> str:
    body = {FEDERATION_EXTENSION_ID: _marking_body("stix", marking)}
    return json.dumps(body, separators=(",", ":"))


def stix_text(raw: str, marking: Marking) -> str:
    """:func:`stix_object` as JSON text, spliced into the stored text without parsing it when
    the object has no ``extensions`` of its own (the stored text is one compact JSON object)."""
    if '"extensions"' in raw or not raw.endswith("}"):
        return json.dumps(stix_object(json.loads(raw), marking), separators=(",", ":"),
                          ensure_ascii=False)  # fmt: skip
    return f'{raw[:-1]},"extensions":{_extension_text(marking)}}}'


def _stamp(moment: datetime) -> str:
    return format_version(to_us(moment))


def _moment(text: object, name: str, ref: str) -> datetime:
    try:
        us = parse_timestamp(text)  # type: ignore[arg-type]
    except ValueError as exc:
        raise FeedError(f"{ref}: {name}: {exc}") from None
    return _EPOCH + timedelta(microseconds=us)


def report_id(node_id: str, originator: str, local_id: int) -> str:
    return f"report--{uuid.uuid5(_NS, f'{originator}|{node_id}|intel|{local_id}')}"


def _nation_identity(code: str) -> str:
    return f"identity--{uuid.uuid5(_NS, f'nation|{code}')}"


def report_object(node_id: str, local_id: int, report: ReportContent) -> dict[str, Any]:
    """An intelligence report as a STIX 2.1 ``report`` SDO with the federation extension."""
    body = _marking_body("intel", report.marking)
    body["intel"] = {
        "body": report.body, "region": report.region, "tags": list(report.tags),
        "reliability": report.reliability, "credibility": report.credibility,
        "author": report.author,
    }  # fmt: skip
    created = _stamp(report.created_at)
    return {
        "type": "report", "spec_version": "2.1",
        "id": report_id(node_id, report.marking.originator, local_id),
        "created": created, "modified": _stamp(report.updated_at),
        "name": report.title, "description": report.summary, "published": created,
        "report_types": ["threat-report"],
        "object_refs": [_nation_identity(report.marking.originator)],
        "extensions": {FEDERATION_EXTENSION_ID: body},
    }  # fmt: skip


RECORD_STIX_TYPES = {
    "requirement": "x-defpact-requirement", "exercise": "x-defpact-exercise",
    "lesson": "note", "document": "report",
    "budget_line": "x-defpact-budget-line", "case": "x-defpact-joint-order",
    "group": "identity", "meeting": "x-defpact-meeting", "action": "x-defpact-action",
}  # fmt: skip
TOMBSTONE_RECORD_TYPES = frozenset({"stix", "intel", *RECORD_STIX_TYPES})


def record_id(record_type: str, node_id: str, originator: str, local_id: int) -> str:
    kind = RECORD_STIX_TYPES[record_type]
    return f"{kind}--{uuid.uuid5(_NS, f'{originator}|{node_id}|{record_type}|{local_id}')}"


def _released_parts(parts: tuple[RecordPart, ...], view: PeerView) -> list[dict[str, Any]]:
    out = []
    for i in released_parts([p.marking for p in parts], view):
        marking = _marking_body("part", parts[i].marking)
        del marking["extension_type"], marking["record_type"], marking["originator"]
        out.append({**parts[i].fields, "marking": marking})
    return out


def record_object(
    record_type: str, node_id: str, local_id: int, state: RecordState, view: PeerView
) -> dict[str, Any]:
    """A context record as its STIX object; ``view`` (the peer) picks the parts it may get."""
    body = _marking_body(record_type, state.marking)
    body["record"] = dict(state.fields)
    if state.parts:
        body["record"]["versions"] = _released_parts(state.parts, view)
    created = _stamp(state.created_at)
    obj: dict[str, Any] = {
        "type": RECORD_STIX_TYPES[record_type], "spec_version": "2.1",
        "id": record_id(record_type, node_id, state.marking.originator, local_id),
        "created": created, "modified": _stamp(state.updated_at), "name": state.title,
    }  # fmt: skip
    origin = [_nation_identity(state.marking.originator)]
    if record_type == "lesson":
        obj.update(abstract=state.title, content=str(state.fields.get("observation", "")),
                   object_refs=origin)  # fmt: skip
    elif record_type == "document":
        obj.update(published=created, report_types=["defpact-governance-document"],
                   object_refs=origin)  # fmt: skip
    elif record_type == "group":
        obj["identity_class"] = "group"
    obj["extensions"] = {FEDERATION_EXTENSION_ID: body}
    return obj


def _parts(record: dict[str, Any], originator: str, ref: str) -> tuple[RecordPart, ...]:
    versions = record.pop("versions", [])
    if not isinstance(versions, list) or len(versions) > 10_000:
        raise FeedError(f"{ref}: record.versions must be a list")
    parts = []
    for version in versions:
        if not isinstance(version, dict) or not isinstance(version.get("marking"), dict):
            raise FeedError(f"{ref}: each of record.versions needs its marking")
        fields = dict(version)
        marking = _read_marking({**fields.pop("marking"), "originator": originator}, ref)
        parts.append(RecordPart(marking, fields))
    return tuple(parts)


def _record(obj: dict[str, Any], body: dict[str, Any], marking: Marking, ref: str) -> RecordState:
    record_type = body["record_type"]
    if obj.get("type") != RECORD_STIX_TYPES[record_type]:
        raise FeedError(f"{ref}: a {record_type} record must be a STIX "
                        f"{RECORD_STIX_TYPES[record_type]}")  # fmt: skip
    record = body.get("record")
    if not isinstance(record, dict):
        raise FeedError(f"{ref}: a {record_type} record needs the extension's 'record' object")
    record = dict(record)
    parts = _parts(record, marking.originator, ref) if record_type == "document" else ()
    return RecordState(
        marking, False, _text(obj, "name", ref, 200),
        _moment(obj.get("created"), "created", ref), _moment(obj.get("modified"), "modified", ref),
        record, parts=parts,
    )  # fmt: skip


def tombstone_object(
    record_type: str, ref: str, originator: str, reason: str, stamp_us: int
) -> dict[str, Any]:
    when = format_version(stamp_us)
    return {
        "type": TOMBSTONE_TYPE, "spec_version": "2.1",
        "id": f"{TOMBSTONE_TYPE}--{uuid.uuid5(_NS, f'{record_type}|{ref}')}",
        "created": when, "modified": when, "record_type": record_type, "record_ref": ref,
        "originator": originator, "reason": reason,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Upsert:
    record_type: str
    remote_id: str
    version: int
    marking: Marking
    stix: dict[str, Any] | None  # the object to store (record_type "stix")
    report: ReportContent | None  # the report (record_type "intel")
    record: RecordState | None = None  # a context record (the other record types)


@dataclass(frozen=True, slots=True)
class Tombstone:
    record_type: str
    remote_id: str
    originator: str


def _text(obj: dict[str, Any], name: str, ref: str, limit: int) -> str:
    value = obj.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise FeedError(f"{ref}: {name} must be a string of at most {limit} characters")
    return value


def _read_marking(body: dict[str, Any], ref: str) -> Marking:
    try:
        originator = body["originator"]
        if not isinstance(originator, str) or originator not in NATIONS:
            raise ValueError(f"originator {originator!r} is not a known nation code")
        release = body["releasable_to"]
        if not isinstance(release, list) or not release:
            raise ValueError("releasable_to must be a non-empty list")
        codes = parse_releasable_to([str(c) for c in release])
        return Marking(originator, Clearance.parse(str(body["classification"])), codes,
                       TLP.parse(str(body["tlp"])))  # fmt: skip
    except KeyError as exc:
        raise FeedError(f"{ref}: the federation extension lacks {exc.args[0]!r}") from None
    except ValueError as exc:
        raise FeedError(f"{ref}: {exc}") from None


def _version(obj: dict[str, Any], ref: str) -> int:
    text = obj.get("modified", obj.get("created"))
    if text is None:
        return 0
    return to_us(_moment(text, "modified", ref))


def _report(obj: dict[str, Any], body: dict[str, Any], marking: Marking, ref: str) -> ReportContent:
    intel = body.get("intel")
    if not isinstance(intel, dict):
        raise FeedError(f"{ref}: an intel record needs the extension's 'intel' object")
    tags = intel.get("tags", [])
    if (
        not isinstance(tags, list)
        or len(tags) > 20
        or not all(isinstance(t, str) and 1 <= len(t) <= 40 for t in tags)
    ):
        raise FeedError(f"{ref}: intel.tags must be at most 20 strings of 1 to 40 characters")
    reliability = _text(intel, "reliability", ref, 1)
    credibility = _text(intel, "credibility", ref, 1)
    if reliability not in RELIABILITY or credibility not in CREDIBILITY:
        raise FeedError(f"{ref}: intel.reliability must be A-F and intel.credibility 1-6")
    title = _text(obj, "name", ref, 200)
    if not title.strip():
        raise FeedError(f"{ref}: name (the report title) must not be empty")
    return ReportContent(
        title=title, summary=_text(obj, "description", ref, 4000),
        body=_text(intel, "body", ref, 200_000), region=_text(intel, "region", ref, 80),
        tags=tuple(tags), reliability=reliability, credibility=credibility,
        author=_text(intel, "author", ref, 64),
        created_at=_moment(obj.get("created"), "created", ref),
        updated_at=_moment(obj.get("modified"), "modified", ref),
        marking=marking, withdrawn=False,
    )  # fmt: skip


def _tombstone(obj: dict[str, Any], ref: str) -> Tombstone:
    record_type, target = obj.get("record_type"), obj.get("record_ref")
    originator = obj.get("originator")
    if (
        record_type not in TOMBSTONE_RECORD_TYPES
        or not isinstance(target, str)
        or "--" not in target
    ):
        raise FeedError(f"{ref}: a tombstone needs a known record_type and record_ref")
    if not isinstance(originator, str):
        raise FeedError(f"{ref}: a tombstone needs its originator")
    return Tombstone(record_type, target, originator)


def read_feed_object(obj: object) -> Upsert | Tombstone:
    """What one object of a peer's feed asks for. Raises FeedError when it is malformed."""
    if not isinstance(obj, dict):
        raise FeedError("each item of 'objects' must be a JSON object")
    ref = obj.get("id")
    if not isinstance(ref, str) or "--" not in ref:
        raise FeedError("an object without a valid 'id'")
    if obj.get("type") == TOMBSTONE_TYPE:
        return _tombstone(obj, ref)
    extensions = obj.get("extensions")
    body = extensions.get(FEDERATION_EXTENSION_ID) if isinstance(extensions, dict) else None
    if not isinstance(body, dict):
        raise FeedError(f"{ref}: the federation extension is missing")
    marking = _read_marking(body, ref)
    record_type = body.get("record_type")
    if record_type == "intel":
        if obj.get("type") != "report":
            raise FeedError(f"{ref}: an intel record must be a STIX report")
        report = _report(obj, body, marking, ref)
        return Upsert("intel", ref, to_us(report.updated_at), marking, None, report)
    if record_type in RECORD_STIX_TYPES:
        state = _record(obj, body, marking, ref)
        return Upsert(record_type, ref, to_us(state.updated_at), marking, None, None, state)
    if record_type != "stix":
        raise FeedError(f"{ref}: unknown record_type {record_type!r}")
    plain = copy.copy(obj)
    rest = {k: v for k, v in extensions.items() if k != FEDERATION_EXTENSION_ID}  # type: ignore[union-attr]
    if rest:
        plain["extensions"] = rest
    else:
        plain.pop("extensions")
    return Upsert("stix", ref, _version(obj, ref), marking, plain, None)
