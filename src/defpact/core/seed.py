"""Reference data, the founding pact and the demo users.

``seed_reference`` is idempotent and runs at every ``init``: it keeps the nations table equal to
the reference list and records the founding memberships once. ``seed_demo`` adds, for each
founding nation, an admin, a procurement officer, a training planner, an analyst and an approver
(development only; their password is documented in the README).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from defpact.core import credentials
from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Role
from defpact.core.nations import FOUNDED, FOUNDING_MEMBERS, NATIONS
from defpact.core.store import MembershipRow, NationRow, UserRepository, UserRow
from defpact.core.uow import UnitOfWork

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoUser", "seed_demo", "seed_reference"]

DEMO_PASSWORD = "defpact-demo-2025"  # noqa: S105 - documented, development only


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    nation: str
    roles: tuple[Role, ...]
    clearance: Clearance
    display_name: str


_DEMO_ROLES: tuple[tuple[str, tuple[Role, ...], Clearance, str], ...] = (
    ("admin", (Role.ADMIN, Role.OBSERVER), Clearance.CONFIDENTIAL, "National administrator"),
    ("procurement", (Role.PROCUREMENT,), Clearance.RESTRICTED, "Procurement officer"),
    ("training", (Role.TRAINING,), Clearance.RESTRICTED, "Exercise planner"),
    ("analyst", (Role.ANALYST, Role.INTEL), Clearance.SECRET, "Intelligence analyst"),
    ("approver", (Role.APPROVER,), Clearance.CONFIDENTIAL, "Ministry approver"),
)

DEMO_USERS: tuple[DemoUser, ...] = tuple(
    DemoUser(f"{code.lower()}.{suffix}", code, roles, clearance, f"{title} ({code})")
    for code in FOUNDING_MEMBERS
    for suffix, roles, clearance, title in _DEMO_ROLES
)


def seed_reference(uow: UnitOfWork) -> bool:
    """Bring nations up to date and found the pact if nobody is a member yet.

    Returns True when the founding memberships were created by this call.
    """
    actor = Actor.console("init")
    with uow:
        existing = {row.code: row for row in uow.session.scalars(select(NationRow))}
        for nation in NATIONS.values():
            row = existing.get(nation.code) or NationRow(code=nation.code)
            row.name, row.nato_joined, row.eu_joined = (
                nation.name,
                nation.nato_joined,
                nation.eu_joined,
            )
            uow.session.add(row)
        uow.session.flush()
        founded = uow.session.scalars(select(MembershipRow).limit(1)).first() is None
        if founded:
            for code in FOUNDING_MEMBERS:
                uow.session.add(MembershipRow(nation_code=code, joined=FOUNDED))
                record_event(
                    uow.session,
                    actor,
                    "membership.found",
                    "membership",
                    code,
                    object_nation=code,
                    after={"nation": code, "joined": FOUNDED},
                )
        uow.commit()
    return founded


def seed_demo(uow: UnitOfWork) -> list[DemoUser]:
    """Create the demo users that do not exist yet; returns those created."""
    actor = Actor.console("demo")
    created: list[DemoUser] = []
    password_hash = credentials.hash_password(DEMO_PASSWORD)
    with uow:
        repo = UserRepository(uow.session)
        for demo in DEMO_USERS:
            if repo.by_username(demo.username) is not None:
                continue
            row = UserRow(
                username=demo.username,
                nation_code=demo.nation,
                display_name=demo.display_name,
                password_hash=password_hash,
                roles=sorted(r.value for r in demo.roles),
                clearance=int(demo.clearance),
                disabled=False,
            )
            repo.add(row)
            uow.session.flush()
            record_event(
                uow.session,
                actor,
                "user.create",
                "user",
                row.id,
                object_nation=demo.nation,
                after={"username": demo.username, "roles": list(row.roles), "demo": True},
            )
            created.append(demo)
        uow.commit()
    return created
