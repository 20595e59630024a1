"""Who may do what in the training context, and the releasability filter every read applies.

Reads: any signed-in user of any role reads reference data, programmes, the course catalogue,
allocations, the ledger and recruitment figures; marked records (exercises, lessons) only when
``visible_to`` holds (the console operator sees everything). Writes: users of a current member
nation with the ``training`` role, for their own nation's records, or the nation's ``admin``.
Programme approval and seat allocation are pact-level decisions: the ``admin`` role.
What a caller may not read answers ``NotFound`` exactly like what does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Role
from defpact.core.marking import Marking, marking_problem
from defpact.core.releasability import visible_to
from defpact.core.service import member_codes_in

__all__ = [
    "WRITERS",
    "audit_reads",
    "check_marking",
    "checked_text",
    "not_found",
    "require_admin",
    "require_planner",
    "require_writer",
    "today",
    "visibility",
]

WRITERS = (Role.TRAINING, Role.ADMIN)


class _Marked(Protocol):
    id: Any
    originator: Any
    classification: Any


def today() -> date:
    return utcnow().date()


def visibility(model: Any, actor: Actor, members: frozenset[str]) -> ColumnElement[bool]:
    """The SQL condition of what ``actor`` may read of ``model`` (console: everything)."""
    if actor.principal is None:
        return true()
    return visible_to(model, actor.principal, members)


def _acting(session: Session, actor: Actor, roles: Sequence[Role]) -> str | None:
    if actor.is_console:
        return None
    principal = actor.principal
    if principal is None:
        raise PermissionDenied("sign in to act")
    if not principal.has_role(*roles):
        names = " or ".join(r.value for r in roles)
        raise PermissionDenied(f"this action needs the {names} role")
    if principal.nation not in member_codes_in(session):
        raise PermissionDenied(f"{principal.nation} is not a member of the pact")
    return principal.nation


def require_writer(session: Session, actor: Actor, nation: str, what: str) -> None:
    """A training officer or admin of ``nation`` (or the console) may change its ``what``."""
    own = _acting(session, actor, WRITERS)
    if own is not None and own != nation:
        raise PermissionDenied(f"only {nation} may change its {what}")


def require_planner(session: Session, actor: Actor) -> str | None:
    """Any member's training officer or admin (or the console); returns the nation."""
    return _acting(session, actor, WRITERS)


def require_admin(session: Session, actor: Actor) -> str | None:
    """A pact-level decision: an admin of a member nation, or the console. Returns the nation."""
    return _acting(session, actor, (Role.ADMIN,))


def check_marking(session: Session, actor: Actor, marking: Marking) -> None:
    """Refuse a marking that may not be stored (422 naming the field)."""
    clearance = actor.principal.clearance if actor.principal else Clearance.SECRET
    if problem := marking_problem(marking, member_codes_in(session), clearance):
        raise InvalidInput(problem[1], field=problem[0])


def checked_text(text: str, field_name: str, limit: int, *, required: bool = True) -> str:
    value = text.strip()
    if required and not value:
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if len(value) > limit:
        raise InvalidInput(f"{field_name} must be at most {limit} characters", field=field_name)
    return value


def audit_reads(session: Session, actor: Actor, kind: str, rows: Sequence[_Marked]) -> None:
    """One audit event per read that shows RESTRICTED-or-higher records."""
    restricted = [r for r in rows if r.classification >= Clearance.RESTRICTED]
    if not restricted:
        return
    ids = [int(r.id) for r in restricted]
    record_event(
        session,
        actor,
        f"training.{kind}.read",
        f"training_{kind}",
        ids[0] if len(ids) == 1 else "many",
        object_nation=restricted[0].originator if len(restricted) == 1 else None,
        after={"ids": ids},
    )


def not_found(what: str, ident: object) -> NotFound:
    """The same answer for missing and invisible records."""
    return NotFound(f"no {what} {ident}")
