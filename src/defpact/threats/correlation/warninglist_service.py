"""Use cases of warninglists: list, import (MISP JSON), enable and disable.

Warninglists are node configuration: anyone signed in may list them; importing and switching
needs the admin role (or the node's console). Each change is audited. Suppression is decided when
a value is indexed: a change applies to values stored from then on, while a lookup reports the
lists that match the queried value now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Role
from defpact.core.uow import UnitOfWork
from defpact.threats.correlation.lists import builtin_lists, list_digest, stored_list
from defpact.threats.correlation.store import WarninglistRow
from defpact.threats.correlation.warninglist import Warninglist, parse_warninglist

__all__ = ["WarninglistInfo", "import_warninglist", "list_warninglists", "set_warninglist_enabled"]


@dataclass(frozen=True, slots=True)
class WarninglistInfo:
    name: str
    builtin: bool
    enabled: bool
    version: int
    type: str
    description: str
    matching_attributes: tuple[str, ...]
    entries: int


def _info(wl: Warninglist, builtin: bool, enabled: bool) -> WarninglistInfo:
    return WarninglistInfo(
        wl.name, builtin, enabled, wl.version, wl.type.value, wl.description,
        wl.matching_attributes, len(wl.entries),
    )  # fmt: skip


def _rows(session: Session) -> dict[str, WarninglistRow]:
    return {row.name: row for row in session.scalars(select(WarninglistRow))}


def _infos(session: Session) -> list[WarninglistInfo]:
    rows = _rows(session)
    infos = [
        _info(wl, True, rows[wl.name].enabled if wl.name in rows else True)
        for wl in builtin_lists()
    ]
    infos += sorted(
        (_info(stored_list(r), False, r.enabled) for r in rows.values() if not r.builtin),
        key=lambda i: i.name,
    )
    return infos


def list_warninglists(uow: UnitOfWork) -> list[WarninglistInfo]:
    """Built-in lists first, then imported ones by name."""
    with uow:
        return _infos(uow.session)


def _admin(actor: Actor) -> None:
    if actor.is_console:
        return
    if actor.principal is None or not actor.principal.has_role(Role.ADMIN):
        raise PermissionDenied("changing warninglists needs the admin role")


def import_warninglist(uow: UnitOfWork, actor: Actor, data: object) -> WarninglistInfo:
    """Add a MISP warninglist, or replace the imported list of the same name."""
    _admin(actor)
    try:
        wl = parse_warninglist(data)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=str(exc).split(":", 1)[0]) from None
    if any(b.name == wl.name for b in builtin_lists()):
        raise InvalidInput(f"name: {wl.name!r} is a built-in list; import under another name",
                           field="name")  # fmt: skip
    with uow:
        session = uow.session
        row = session.scalars(select(WarninglistRow).where(WarninglistRow.name == wl.name)).first()
        before = {"version": row.version, "entries": len(json.loads(row.entries))} if row else None
        if row is None:
            row = WarninglistRow(name=wl.name, builtin=False, enabled=True)
            session.add(row)
        row.version, row.description, row.type = wl.version, wl.description, wl.type.value
        row.category = wl.category[:64]
        row.matching_attributes = json.dumps(list(wl.matching_attributes))
        row.entries = json.dumps(list(wl.entries), ensure_ascii=False)
        row.digest, row.updated_at = list_digest(wl), utcnow()
        session.flush()
        record_event(
            session, actor, "threats.warninglist.import", "threat_warninglist", row.id,
            before=before, after={"name": wl.name, "version": wl.version, "type": wl.type.value,
                                  "entries": len(wl.entries), "digest": row.digest},
        )  # fmt: skip
        info = _info(wl, False, row.enabled)
        uow.commit()
        return info


def set_warninglist_enabled(
    uow: UnitOfWork, actor: Actor, name: str, enabled: bool
) -> WarninglistInfo:
    """Switch a list on or off by name (built-in or imported)."""
    _admin(actor)
    builtin = next((b for b in builtin_lists() if b.name == name), None)
    with uow:
        session = uow.session
        row = session.scalars(select(WarninglistRow).where(WarninglistRow.name == name)).first()
        if row is None and builtin is None:
            raise NotFound(f"no warninglist {name!r}")
        if row is None:
            assert builtin is not None  # noqa: S101 - checked above
            row = WarninglistRow(name=name, builtin=True, enabled=True, type=builtin.type.value,
                                 version=builtin.version, digest=list_digest(builtin))  # fmt: skip
            session.add(row)
        was = row.enabled
        row.enabled, row.updated_at = enabled, utcnow()
        session.flush()
        if was != enabled:
            record_event(
                session, actor, "threats.warninglist.enable" if enabled else
                "threats.warninglist.disable", "threat_warninglist", row.id,
                before={"name": name, "enabled": was}, after={"name": name, "enabled": enabled},
            )  # fmt: skip
        info = next(i for i in _infos(session) if i.name == name)
        uow.commit()
        return info
