"""The reference index of the STIX store: which stored object points at which, and through what.

One row per reference found in a stored object version: a relationship's ``source_ref`` ->
``target_ref`` (labelled with its ``relationship_type``), a sighting's ``sighting_of_ref`` and
``observed_data_refs``, and every embedded ``*_ref`` / ``*_refs`` property of any object except
``created_by_ref`` and marking references (labelled with the property name). ``via`` is the id of
the object that holds the reference (the relationship itself, or the embedding object).

The index only proposes candidates: every read checks the ``via`` object and both ends against
the store with the caller's releasability filter, so a stale or invisible row shows nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Index, Integer, String, Table, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from defpact.core.db import Base, bulk_insert
from defpact.threats.stix.store import PARSED

__all__ = ["ObjectRefRow", "extract_refs", "index_refs", "refs_of"]

_SKIP = {"created_by_ref", "object_marking_refs"}
_MAX_REFS = 2000  # per object version; a grouping of a million ids indexes its first 2000


class ObjectRefRow(Base):
    __tablename__ = "threat_object_refs"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref_from: Mapped[str] = mapped_column(String(300))
    ref_to: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(250))
    via: Mapped[str] = mapped_column(String(300))

    __table_args__ = (
        Index("ix_threat_object_refs_from", "ref_from"),
        Index("ix_threat_object_refs_to", "ref_to"),
        Index("ix_threat_object_refs_via", "via"),
    )


_REFS = cast(Table, ObjectRefRow.__table__)


def _is_id(value: object) -> bool:
    return isinstance(value, str) and "--" in value and len(value) <= 300


def extract_refs(obj: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(from, to, label) of every reference held by one STIX object."""
    own = obj.get("id")
    if not _is_id(own):
        return []
    assert isinstance(own, str)  # noqa: S101 - narrowed by _is_id
    refs: list[tuple[str, str, str]] = []
    if obj.get("type") == "relationship":
        source, target = obj.get("source_ref"), obj.get("target_ref")
        if _is_id(source) and _is_id(target):
            kind = str(obj.get("relationship_type", "related-to"))[:250]
            refs.append((str(source), str(target), kind))
        return refs
    for key, value in obj.items():
        if key in _SKIP or not isinstance(key, str):
            continue
        label = key.removesuffix("_refs").removesuffix("_ref")
        if key.endswith("_ref") and _is_id(value):
            refs.append((own, str(value), label))
        elif key.endswith("_refs") and isinstance(value, list):
            refs.extend((own, str(v), label) for v in value[:_MAX_REFS] if _is_id(v))
    return refs[:_MAX_REFS]


def index_refs(session: Session, stored: Iterable[Mapping[str, Any]]) -> int:
    """Index the references of stored object rows (with ``stix_id`` and ``raw``); returns rows."""
    rows: list[dict[str, str]] = []
    for row in stored:
        raw = row["raw"]
        if "_ref" not in raw:
            continue
        stix_id, obj = row["stix_id"], row.get(PARSED) or json.loads(raw)
        rows.extend(
            {"ref_from": a, "ref_to": b, "label": label, "via": stix_id}
            for a, b, label in extract_refs(obj)
        )
    if rows:
        bulk_insert(session, _REFS, rows)
    return len(rows)


def refs_of(session: Session, stix_id: str) -> Sequence[tuple[str, str, str, str]]:
    """Candidate (from, to, label, via) rows touching ``stix_id`` (unchecked)."""
    stmt = (
        select(ObjectRefRow.ref_from, ObjectRefRow.ref_to, ObjectRefRow.label, ObjectRefRow.via)
        .where(
            or_(
                ObjectRefRow.ref_from == stix_id,
                ObjectRefRow.ref_to == stix_id,
                ObjectRefRow.via == stix_id,
            )
        )
        .distinct()
        .limit(5000)
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(stmt).all()]
