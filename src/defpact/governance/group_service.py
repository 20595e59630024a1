"""Use cases of expert groups: create, list, read and add members.

Each runs in one unit of work: checks who may act (``access``), writes the change, its audit
event and its federation journal stamp (``replication_groups``) in the same transaction and
returns frozen dataclasses. Reads filter with the releasability rule; a group or meeting the
caller may not read answers "no such ...". A group replicated from a peer node is read-only
here (``core.origin``); its members are the names its node sent, without usernames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.identity import Role
from defpact.core.marking import Marking, banner
from defpact.core.origin import ensure_originated_here
from defpact.core.service import member_codes_in, require_nation
from defpact.core.store import UserRepository
from defpact.core.uow import UnitOfWork
from defpact.governance import access
from defpact.governance.access import MarkingSpec
from defpact.governance.provisions import Provision
from defpact.governance.replication_groups import journal_group
from defpact.governance.store import GroupMemberRow, GroupRepository, GroupRow

__all__ = [
    "GroupInfo",
    "NewGroup",
    "UserRef",
    "add_group_member",
    "checked_text",
    "create_group",
    "get_group",
    "group_info",
    "list_groups",
    "load_group",
    "named_refs",
    "user_refs",
]


@dataclass(frozen=True, slots=True)
class UserRef:
    username: str
    nation: str
    display_name: str


@dataclass(frozen=True, slots=True)
class GroupInfo:
    id: int
    name: str
    mandate: str
    chair_nation: str
    provisions: tuple[Provision, ...]
    members: tuple[UserRef, ...]
    marking: Marking
    created_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewGroup:
    name: str
    chair_nation: str
    mandate: str = ""
    provisions: tuple[Provision, ...] = ()
    members: tuple[str, ...] = ()
    marking: MarkingSpec = field(default_factory=MarkingSpec)
    created_at: datetime | None = None


def user_refs(session: Session, user_ids: Sequence[int]) -> tuple[UserRef, ...]:
    repo = UserRepository(session)
    rows = [r for r in (repo.get(i) for i in user_ids) if r is not None]
    return tuple(UserRef(r.username, r.nation_code, r.display_name) for r in rows)


def named_refs(names: Sequence[Sequence[str]]) -> tuple[UserRef, ...]:
    """People of a replica as its originating node named them (no username here)."""
    return tuple(UserRef("", nation, name) for nation, name in names)


def group_info(session: Session, row: GroupRow) -> GroupInfo:
    members = user_refs(session, GroupRepository(session).member_ids(row.id))
    members += named_refs(row.member_names)
    return GroupInfo(
        id=row.id,
        name=row.name,
        mandate=row.mandate,
        chair_nation=row.chair_nation,
        provisions=tuple(Provision(p) for p in row.provisions),
        members=members,
        marking=row.marking,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
    )


def load_group(session: Session, actor: Actor, group_id: int) -> GroupRow:
    visible = access.visibility(GroupRow, actor, member_codes_in(session))
    row = GroupRepository(session).get(group_id, visible)
    if row is None:
        raise access.not_found("expert group", group_id)
    return row


def checked_text(text: str, field_name: str, limit: int) -> str:
    value = text.strip()
    if not value:
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if len(value) > limit:
        raise InvalidInput(f"{field_name} must be at most {limit} characters", field=field_name)
    return value


def create_group(uow: UnitOfWork, actor: Actor, new: NewGroup) -> GroupInfo:
    name = checked_text(new.name, "name", 120)
    chair = require_nation(new.chair_nation)
    if not new.provisions:
        raise InvalidInput("link the group to at least one provision", field="provisions")
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        if chair not in member_codes_in(session):
            raise InvalidInput(f"{chair} is not a member of the pact", field="chair_nation")
        if GroupRepository(session).by_name(name) is not None:
            raise Conflict(f"an expert group named {name!r} already exists", field="name")
        marking = access.build_marking(session, actor, new.marking)
        users = access.users_by_name(session, new.members, "members")
        access.check_readers(session, users, marking, "members")
        row = GroupRow(
            name=name,
            mandate=new.mandate.strip(),
            chair_nation=chair,
            provisions=[p.value for p in Provision if p in set(new.provisions)],
            created_at=new.created_at or utcnow(),
        )
        row.updated_at = row.created_at
        row.apply_marking(marking)
        session.add(row)
        session.flush()
        for user in users:
            session.add(GroupMemberRow(group_id=row.id, user_id=user.id))
        session.flush()
        journal_group(session, row)
        info = group_info(session, row)
        record_event(
            session,
            actor,
            "gov.group.create",
            "gov_group",
            row.id,
            object_nation=row.originator,
            after={
                "name": name,
                "chair": chair,
                "provisions": list(row.provisions),
                "members": [u.username for u in users],
                "marking": banner(marking),
            },
        )
        uow.commit()
    return info


def list_groups(uow: UnitOfWork, actor: Actor) -> list[GroupInfo]:
    with uow:
        session = uow.session
        visible = access.visibility(GroupRow, actor, member_codes_in(session))
        rows = GroupRepository(session).find(visible)
        access.audit_reads(session, actor, "gov_group", rows)
        infos = [group_info(session, r) for r in rows]
        uow.commit()
    return infos


def get_group(uow: UnitOfWork, actor: Actor, group_id: int) -> GroupInfo:
    with uow:
        row = load_group(uow.session, actor, group_id)
        access.audit_reads(uow.session, actor, "gov_group", [row])
        info = group_info(uow.session, row)
        uow.commit()
    return info


def add_group_member(uow: UnitOfWork, actor: Actor, group_id: int, username: str) -> GroupInfo:
    """The group's originator adds anyone who may read the group; other admins their own users."""
    with uow:
        session = uow.session
        access.require_member(session, actor, Role.ADMIN)
        row = load_group(session, actor, group_id)
        (user,) = access.users_by_name(session, [username], "username")
        if not (actor.is_console or actor.nation in (row.originator, user.nation_code)):
            access.require_originator(actor, row, "expert group")
        ensure_originated_here(session, row.originator, "expert group")
        access.require_live(row, "expert group")
        access.check_readers(session, [user], row.marking, "username")
        if user.id in GroupRepository(session).member_ids(row.id):
            raise Conflict(f"{user.username} is already a member of {row.name}", field="username")
        session.add(GroupMemberRow(group_id=row.id, user_id=user.id))
        row.updated_at = utcnow()
        session.flush()
        journal_group(session, row)
        record_event(
            session,
            actor,
            "gov.group.add_member",
            "gov_group",
            row.id,
            object_nation=row.originator,
            after={"username": user.username, "nation": user.nation_code},
        )
        info = group_info(session, row)
        uow.commit()
    return info
