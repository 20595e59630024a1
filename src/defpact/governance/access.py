"""Who may do what in governance, and the releasability filter every read applies.

Reads: a signed-in user sees a marked record iff ``visible_to`` (core releasability) holds; the
console operator sees everything. Writes: users of a current member nation; creating groups,
meetings, documents, action items and accession proposals needs the ``admin`` role (the
national secretariat), votes the ``approver`` role, and only the originator nation changes a
record. Every read of a RESTRICTED-or-higher record is audited in the reading transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.marking import PACT, TLP, Marking, banner, can_read, marking_problem
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository, UserRow

__all__ = [
    "MarkingSpec",
    "audit_reads",
    "build_marking",
    "check_readers",
    "not_found",
    "require_live",
    "require_member",
    "require_originator",
    "today",
    "users_by_name",
    "visibility",
]


class _Marked(Protocol):
    id: Any
    originator: Any
    classification: Any
    withdrawn_at: Any

    @property
    def marking(self) -> Marking: ...


@dataclass(frozen=True, slots=True)
class MarkingSpec:
    """The marking a user asks for; the originator is the user's nation (console: given)."""

    classification: Clearance = Clearance.UNCLASSIFIED
    releasable_to: frozenset[str] = field(default_factory=lambda: frozenset({PACT}))
    tlp: TLP = TLP.GREEN
    originator: str | None = None


def today() -> date:
    return utcnow().date()


def visibility(model: Any, actor: Actor, members: frozenset[str]) -> ColumnElement[bool]:
    """The SQL condition of what ``actor`` may read of ``model`` (console: everything)."""
    if actor.principal is None:
        return true()
    return visible_to(model, actor.principal, members)


def require_member(session: Session, actor: Actor, *roles: Role) -> Principal | None:
    """The acting principal (None at the console) once it may act for a member nation."""
    if actor.is_console:
        return None
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("sign in to act")
    if principal.nation not in member_codes_in(session):
        raise PermissionDenied(f"{principal.nation} is not a member of the pact")
    if roles and not principal.has_role(*roles):
        names = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"this action needs one of the roles: {names}")
    return principal


def require_originator(actor: Actor, row: _Marked, what: str) -> None:
    if actor.is_console or actor.nation == row.originator:
        return
    raise PermissionDenied(f"only {row.originator}, which originated this {what}, may change it")


def require_live(row: _Marked, what: str) -> None:
    """Refuse (409) a change of a withdrawn record (only its originator still sees it)."""
    if row.withdrawn_at is not None:
        raise Conflict(f"this {what} was withdrawn; it can no longer change")


def build_marking(session: Session, actor: Actor, spec: MarkingSpec) -> Marking:
    """The marking of a new record, refused (422 naming the field) when it may not be stored."""
    originator = actor.nation or spec.originator
    if originator is None:
        raise InvalidInput("the console must name the originator nation", field="originator")
    marking = Marking(originator, spec.classification, spec.releasable_to, spec.tlp)
    clearance = actor.principal.clearance if actor.principal else Clearance.SECRET
    if problem := marking_problem(marking, member_codes_in(session), clearance):
        raise InvalidInput(problem[1], field=problem[0])
    return marking


def users_by_name(session: Session, usernames: Sequence[str], field_name: str) -> list[UserRow]:
    repo = UserRepository(session)
    rows: list[UserRow] = []
    for name in dict.fromkeys(u.strip().lower() for u in usernames if u.strip()):
        row = repo.by_username(name)
        if row is None or row.disabled:
            raise InvalidInput(f"no active user {name!r}", field=field_name)
        rows.append(row)
    return rows


def check_readers(
    session: Session, users: Sequence[UserRow], marking: Marking, field_name: str
) -> None:
    """Refuse to list a user on a record that user could not read."""
    members = member_codes_in(session)
    for row in users:
        who = principal_of(row)
        if not can_read(who.nation, who.clearance, marking, members):
            raise InvalidInput(
                f"{row.username} ({row.nation_code}) may not read a record marked "
                f"{banner(marking)}",
                field=field_name,
            )


def audit_reads(session: Session, actor: Actor, kind: str, rows: Sequence[_Marked]) -> None:
    """One audit event per read that shows RESTRICTED-or-higher records."""
    restricted = [r for r in rows if r.classification >= Clearance.RESTRICTED]
    if not restricted:
        return
    ids = [int(r.id) for r in restricted]
    record_event(
        session,
        actor,
        f"gov.{kind}.read",
        kind,
        ids[0] if len(ids) == 1 else "many",
        object_nation=restricted[0].originator if len(restricted) == 1 else None,
        after={"ids": ids},
    )


def not_found(what: str, ident: object) -> NotFound:
    """The same answer for missing and invisible records."""
    return NotFound(f"no {what} {ident}")
