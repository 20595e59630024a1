"""Visibility-filtered reads of the STIX store: one SQL statement per TAXII page.

Every statement starts from ``visible_to(StixObjectRow, principal, members)`` (the one rule of
DESIGN.md "Releasability"), so rows the caller may not read do not exist for it: they are not
returned, not counted, and do not take part in version selection (``last`` is the newest version
*the caller can see*).

A *scope* is one collection, or ``None`` for the pact-wide view (every collection, where the same
object version stored in two collections is returned once: the copy added first).

Version selection is a correlated ``NOT EXISTS`` probe on the (collection, id, version) or
(id, version) index, made only for rows whose ``superseded`` / ``copied`` hint says another
version or copy may exist (the writers keep the hints; for every other row the answer is known
without a probe). Paging is ``(date_added, id) > cursor`` on the (collection, date_added, id) or
(date_added, id) index, ``LIMIT n + 1`` to know whether there is more. A page therefore costs
one index seek and a contiguous read wherever it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from defpact.core.identity import Clearance, Principal
from defpact.core.releasability import visible_to
from defpact.threats.stix.query import ObjectFilter, VersionSelector
from defpact.threats.stix.store import StixObjectRow

__all__ = ["any_visible", "page", "select_for_delete"]

_T = StixObjectRow
_OBJECT_COLUMNS = (_T.date_added, _T.stix_id, _T.raw, _T.classification)
_MANIFEST_COLUMNS = (
    _T.date_added, _T.stix_id, _T.version, _T.versioned, _T.spec_version, _T.classification,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Shape:
    """What decides the form of a page statement; values travel as bound parameters, so one
    statement per shape is built and its compiled form reused."""

    scoped: bool
    nation: str
    clearance: int
    member: bool
    ids: bool
    types: bool
    specs: bool
    added_after: bool
    after: bool
    first: bool
    last: bool
    every: bool
    stamps: bool


def _shape(
    scope: str | None, principal: Principal, members: frozenset[str], flt: ObjectFilter
) -> _Shape:
    sel = flt.versions
    return _Shape(
        scope is not None, principal.nation, int(principal.clearance),
        principal.nation in members, bool(flt.ids), bool(flt.types), bool(flt.spec_versions),
        flt.added_after is not None, flt.after is not None, sel.first, sel.last, sel.every,
        bool(sel.stamps),
    )  # fmt: skip


def _params(scope: str | None, flt: ObjectFilter) -> dict[str, Any]:
    params: dict[str, Any] = {"scope": scope, "lim": flt.limit + 1}
    params |= {"ids": sorted(flt.ids), "types": sorted(flt.types)}
    params |= {"specs": sorted(flt.spec_versions), "stamps": sorted(flt.versions.stamps)}
    params["added_after"] = flt.added_after
    if flt.after is not None:
        params |= {"after_date": flt.after.date_added, "after_id": flt.after.stix_id}
    return params


def _viewer(shape: _Shape) -> tuple[Principal, frozenset[str]]:
    """A principal and member set for which ``visible_to`` builds the shape's condition."""
    principal = Principal(0, "", shape.nation, clearance=Clearance(shape.clearance))
    return principal, frozenset({shape.nation}) if shape.member else frozenset()


def _others(shape: _Shape) -> tuple[Any, list[Any]]:
    """An alias for 'another row of the same object the caller can see', with its conditions."""
    other = aliased(StixObjectRow)
    same = [other.stix_id == _T.stix_id, visible_to(other, *_viewer(shape))]
    if shape.scoped:
        same.append(other.collection_id == bindparam("scope", type_=String))
    return other, same


def _version_condition(shape: _Shape) -> ColumnElement[bool] | None:
    parts: list[ColumnElement[bool]] = []
    if not shape.every:
        if shape.last:
            other, same = _others(shape)
            newer = exists().where(*same, other.version > _T.version)
            parts.append(or_(_T.superseded.is_(False), ~newer))
        if shape.first:
            other, same = _others(shape)
            parts.append(~exists().where(*same, other.version < _T.version))
        if shape.stamps:
            parts.append(_T.version.in_(bindparam("stamps", expanding=True, type_=BigInteger)))
    chosen = or_(*parts) if parts else None
    if shape.scoped:
        return chosen
    other, same = _others(shape)
    earlier = exists().where(*same, other.version == _T.version, other.date_added < _T.date_added)
    first_copy = or_(_T.copied.is_(False), ~earlier)
    return first_copy if chosen is None else and_(chosen, first_copy)


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [visible_to(_T, *_viewer(shape))]
    if shape.scoped:
        conds.append(_T.collection_id == bindparam("scope", type_=String))
    if shape.ids:
        conds.append(_T.stix_id.in_(bindparam("ids", expanding=True, type_=String)))
    if shape.types:
        conds.append(_T.type.in_(bindparam("types", expanding=True, type_=String)))
    if shape.specs:
        conds.append(_T.spec_version.in_(bindparam("specs", expanding=True, type_=String)))
    if shape.added_after:
        conds.append(_T.date_added > bindparam("added_after", type_=BigInteger))
    if shape.after:
        cursor = tuple_(
            bindparam("after_date", type_=BigInteger), bindparam("after_id", type_=String)
        )
        conds.append(tuple_(_T.date_added, _T.stix_id) > cursor)
    chosen = _version_condition(shape)
    if chosen is not None:
        conds.append(chosen)
    return conds


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape, manifest: bool) -> Select[Any]:
    columns = _MANIFEST_COLUMNS if manifest else _OBJECT_COLUMNS
    return (
        select(*columns)
        .where(*_conditions(shape))
        .order_by(_T.date_added, _T.stix_id)
        .limit(bindparam("lim", type_=Integer))
    )


def page(
    session: Session,
    scope: str | None,
    principal: Principal,
    members: frozenset[str],
    flt: ObjectFilter,
    *,
    manifest: bool = False,
) -> Sequence[Any]:
    """Up to ``flt.limit + 1`` matching rows in (date_added, id) order: (date_added, stix_id,
    raw, classification), or for a manifest (date_added, stix_id, version, versioned,
    spec_version, classification)."""
    stmt = _page_statement(_shape(scope, principal, members, flt), manifest)
    return session.connection().execute(stmt, _params(scope, flt)).all()


def any_visible(
    session: Session,
    scope: str | None,
    principal: Principal,
    members: frozenset[str],
    stix_id: str,
) -> bool:
    """Whether the caller can see any version of ``stix_id`` in the scope."""
    conds = [visible_to(_T, principal, members), _T.stix_id == stix_id]
    if scope is not None:
        conds.append(_T.collection_id == scope)
    stmt = select(_T.pk).where(*conds).limit(1)
    return session.execute(stmt).first() is not None


def select_for_delete(
    session: Session,
    collection_id: str,
    principal: Principal,
    members: frozenset[str],
    stix_id: str,
    versions: VersionSelector,
    spec_versions: frozenset[str],
) -> Sequence[Any]:
    """(pk, originator, version) of the visible versions of ``stix_id`` a delete would remove."""
    flt = ObjectFilter(ids=frozenset({stix_id}), versions=versions, spec_versions=spec_versions)
    shape = _shape(collection_id, principal, members, flt)
    stmt = select(_T.pk, _T.originator, _T.version).where(*_conditions(shape))
    return session.connection().execute(stmt, _params(collection_id, flt)).all()
