"""Use cases of the reference data: units (with blackout periods) and training areas (with
closures). Every member reads them; the owning nation's training officers (or admins) write them.

Each use case runs in one unit of work and writes its audit event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.service import member_codes_in, require_nation
from defpact.core.uow import UnitOfWork
from defpact.training import access
from defpact.training.records import AreaInfo, Period, UnitInfo
from defpact.training.store import AreaRow, UnitRow

__all__ = [
    "AreaDraft",
    "UnitDraft",
    "area_of",
    "create_area",
    "create_unit",
    "get_area",
    "get_unit",
    "list_areas",
    "list_units",
    "periods_from_json",
    "unit_of",
    "update_area",
    "update_unit",
]


@dataclass(frozen=True, slots=True)
class UnitDraft:
    code: str
    name: str
    nation: str
    type: str
    home_base: str = ""
    blackouts: tuple[Period, ...] = ()


@dataclass(frozen=True, slots=True)
class AreaDraft:
    code: str
    name: str
    host: str
    type: str
    capacity: int = 1
    closures: tuple[Period, ...] = ()


def periods_from_json(data: Sequence[dict[str, Any]]) -> tuple[Period, ...]:
    from datetime import date

    return tuple(Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"])) for p in data)


def _periods_json(periods: Sequence[Period], field_name: str) -> list[dict[str, str]]:
    for i, p in enumerate(periods):
        if p.end < p.start:
            raise InvalidInput(
                f"period {p.start}..{p.end} ends before it starts", field=f"{field_name}[{i}]"
            )
    return [{"start": p.start.isoformat(), "end": p.end.isoformat()} for p in periods]


def unit_of(row: UnitRow) -> UnitInfo:
    return UnitInfo(
        row.id,
        row.code,
        row.name,
        row.nation,
        row.type,
        row.home_base,
        periods_from_json(row.blackouts),
    )


def area_of(row: AreaRow) -> AreaInfo:
    return AreaInfo(
        row.id,
        row.code,
        row.name,
        row.host,
        row.type,
        row.capacity,
        periods_from_json(row.closures),
    )


def _member(session: Session, code: str, field_name: str) -> str:
    nation = require_nation(code)
    if nation not in member_codes_in(session):
        raise InvalidInput(f"{nation} is not a member of the pact", field=field_name)
    return nation


def _unit_fields(draft: UnitDraft) -> dict[str, Any]:
    return {
        "name": access.checked_text(draft.name, "name", 200),
        "type": access.checked_text(draft.type, "type", 60),
        "home_base": access.checked_text(draft.home_base, "home_base", 200, required=False),
        "blackouts": _periods_json(draft.blackouts, "blackouts"),
    }


def _code(text: str) -> str:
    code = access.checked_text(text, "code", 40)
    if not all(c.isalnum() or c in "-_." for c in code):
        raise InvalidInput("code may contain letters, digits, '-', '_' and '.'", field="code")
    return code


def create_unit(uow: UnitOfWork, actor: Actor, draft: UnitDraft) -> UnitInfo:
    code = _code(draft.code)
    fields = _unit_fields(draft)
    with uow:
        session = uow.session
        nation = _member(session, draft.nation, "nation")
        access.require_writer(session, actor, nation, "units")
        if session.scalars(select(UnitRow).where(UnitRow.code == code)).first():
            raise Conflict(f"a unit with code {code!r} already exists", field="code")
        row = UnitRow(code=code, nation=nation, **fields)
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.unit.create",
            "training_unit",
            row.id,
            object_nation=nation,
            after={"code": code, "nation": nation, **fields},
        )
        info = unit_of(row)
        uow.commit()
    return info


def update_unit(uow: UnitOfWork, actor: Actor, unit_id: int, draft: UnitDraft) -> UnitInfo:
    fields = _unit_fields(draft)
    with uow:
        session = uow.session
        row = session.get(UnitRow, unit_id)
        if row is None:
            raise access.not_found("unit", unit_id)
        access.require_writer(session, actor, row.nation, "units")
        before = _unit_fields(
            UnitDraft(
                row.code,
                row.name,
                row.nation,
                row.type,
                row.home_base,
                periods_from_json(row.blackouts),
            )
        )
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
        record_event(
            session,
            actor,
            "training.unit.update",
            "training_unit",
            row.id,
            object_nation=row.nation,
            before=before,
            after=fields,
        )
        info = unit_of(row)
        uow.commit()
    return info


def list_units(uow: UnitOfWork, nation: str | None = None) -> list[UnitInfo]:
    with uow:
        stmt = select(UnitRow).order_by(UnitRow.nation, UnitRow.code)
        if nation:
            stmt = stmt.where(UnitRow.nation == require_nation(nation))
        return [unit_of(r) for r in uow.session.scalars(stmt)]


def get_unit(uow: UnitOfWork, unit_id: int) -> UnitInfo:
    with uow:
        row = uow.session.get(UnitRow, unit_id)
        if row is None:
            raise access.not_found("unit", unit_id)
        return unit_of(row)


def _area_fields(draft: AreaDraft) -> dict[str, Any]:
    if not 1 <= draft.capacity <= 50:
        raise InvalidInput("capacity must be 1..50 concurrent exercises", field="capacity")
    return {
        "name": access.checked_text(draft.name, "name", 200),
        "type": access.checked_text(draft.type, "type", 60),
        "capacity": draft.capacity,
        "closures": _periods_json(draft.closures, "closures"),
    }


def create_area(uow: UnitOfWork, actor: Actor, draft: AreaDraft) -> AreaInfo:
    code = _code(draft.code)
    fields = _area_fields(draft)
    with uow:
        session = uow.session
        host = _member(session, draft.host, "host")
        access.require_writer(session, actor, host, "training areas")
        if session.scalars(select(AreaRow).where(AreaRow.code == code)).first():
            raise Conflict(f"a training area with code {code!r} already exists", field="code")
        row = AreaRow(code=code, host=host, **fields)
        session.add(row)
        session.flush()
        record_event(
            session,
            actor,
            "training.area.create",
            "training_area",
            row.id,
            object_nation=host,
            after={"code": code, "host": host, **fields},
        )
        info = area_of(row)
        uow.commit()
    return info


def update_area(uow: UnitOfWork, actor: Actor, area_id: int, draft: AreaDraft) -> AreaInfo:
    fields = _area_fields(draft)
    with uow:
        session = uow.session
        row = session.get(AreaRow, area_id)
        if row is None:
            raise access.not_found("training area", area_id)
        access.require_writer(session, actor, row.host, "training areas")
        before = {
            "name": row.name,
            "type": row.type,
            "capacity": row.capacity,
            "closures": row.closures,
        }
        for key, value in fields.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
        record_event(
            session,
            actor,
            "training.area.update",
            "training_area",
            row.id,
            object_nation=row.host,
            before=before,
            after=fields,
        )
        info = area_of(row)
        uow.commit()
    return info


def list_areas(uow: UnitOfWork, host: str | None = None) -> list[AreaInfo]:
    with uow:
        stmt = select(AreaRow).order_by(AreaRow.host, AreaRow.code)
        if host:
            stmt = stmt.where(AreaRow.host == require_nation(host))
        return [area_of(r) for r in uow.session.scalars(stmt)]


def get_area(uow: UnitOfWork, area_id: int) -> AreaInfo:
    with uow:
        row = uow.session.get(AreaRow, area_id)
        if row is None:
            raise access.not_found("training area", area_id)
        return area_of(row)
