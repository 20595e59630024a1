"""Use cases of the shared kernel: nations, membership, users and API tokens.

Each function runs in one unit of work, checks who may act, writes its audit event in the same
transaction and returns plain domain objects. A nation's admin manages only its own nation's
users; the node operator at the console (CLI) may manage every nation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from defpact.core import credentials
from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Role, password_problem, username_problem
from defpact.core.nations import NATIONS
from defpact.core.store import (
    MembershipRepository,
    MembershipRow,
    TokenRow,
    UserRepository,
    UserRow,
)
from defpact.core.uow import UnitOfWork

__all__ = [
    "IssuedToken",
    "admit_member",
    "member_codes_in",
    "withdraw_member",
    "Member",
    "NewUser",
    "TokenInfo",
    "UserInfo",
    "create_token",
    "create_user",
    "current_member_codes",
    "disable_user",
    "list_members",
    "list_tokens",
    "list_users",
    "own_user",
    "require_nation",
    "revoke_token",
]


@dataclass(frozen=True, slots=True)
class Member:
    code: str
    name: str
    joined: date
    left: date | None


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    nation: str
    display_name: str
    roles: tuple[Role, ...]
    clearance: Clearance
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    nation: str
    roles: tuple[Role, ...]
    clearance: Clearance
    display_name: str = ""
    password: str | None = None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created token: ``secret`` is shown once and never stored."""

    info: TokenInfo
    secret: str


def require_nation(code: str) -> str:
    code = code.strip().upper()
    if code not in NATIONS:
        raise InvalidInput(
            f"unknown nation code {code!r}; valid codes: {', '.join(sorted(NATIONS))}",
            field="nation",
        )
    return code


def list_members(uow: UnitOfWork, *, on: date | None = None, history: bool = False) -> list[Member]:
    with uow:
        repo = MembershipRepository(uow.session)
        rows = repo.all() if history else repo.current(on or utcnow().date())
        return [Member(r.nation_code, NATIONS[r.nation_code].name, r.joined, r.left) for r in rows]


def current_member_codes(uow: UnitOfWork, on: date | None = None) -> frozenset[str]:
    return frozenset(m.code for m in list_members(uow, on=on))


def admit_member(session: Session, actor: Actor, code: str, joined: date) -> Member:
    """Record ``code`` as a member from ``joined`` inside the caller's transaction.

    The caller (the accession workflow) has already checked eligibility and the votes.
    """
    code = require_nation(code)
    repo = MembershipRepository(session)
    if repo.open_for(code) is not None:
        raise Conflict(f"{NATIONS[code].name} ({code}) is already a member of the pact")
    repo.add(MembershipRow(nation_code=code, joined=joined))
    record_event(
        session,
        actor,
        "membership.admit",
        "membership",
        code,
        object_nation=code,
        after={"nation": code, "joined": joined},
    )
    return Member(code, NATIONS[code].name, joined, None)


def withdraw_member(session: Session, actor: Actor, code: str, left: date) -> Member:
    """End ``code``'s membership on ``left`` inside the caller's transaction."""
    code = require_nation(code)
    row = MembershipRepository(session).open_for(code)
    if row is None:
        raise NotFound(f"{NATIONS[code].name} ({code}) is not a member of the pact")
    if left < row.joined:
        raise InvalidInput("the leaving date is before the joining date", field="left")
    row.left = left
    record_event(
        session,
        actor,
        "membership.withdraw",
        "membership",
        code,
        object_nation=code,
        before={"nation": code, "joined": row.joined},
        after={"left": left},
    )
    return Member(code, NATIONS[code].name, row.joined, left)


def member_codes_in(session: Session, on: date | None = None) -> frozenset[str]:
    """Current members, read inside the caller's transaction."""
    return MembershipRepository(session).current_codes(on or utcnow().date())


def _user_info(row: UserRow) -> UserInfo:
    return UserInfo(
        id=row.id,
        username=row.username,
        nation=row.nation_code,
        display_name=row.display_name,
        roles=tuple(Role(r) for r in row.roles),
        clearance=Clearance(row.clearance),
        disabled=row.disabled,
        created_at=row.created_at,
    )


def _check_admin_of(actor: Actor, nation: str) -> None:
    if actor.is_console:
        return
    principal = actor.principal
    if principal is None or not principal.has_role(Role.ADMIN):
        raise PermissionDenied("only a nation admin may manage users")
    if principal.nation != nation:
        raise PermissionDenied("a nation admin manages only its own nation's users")


def create_user(uow: UnitOfWork, actor: Actor, new: NewUser) -> tuple[UserInfo, str | None]:
    """Create a user; returns the generated password when none was given (shown once)."""
    nation = require_nation(new.nation)
    if problem := username_problem(new.username):
        raise InvalidInput(problem, field="username")
    if not new.roles:
        raise InvalidInput("a user needs at least one role", field="roles")
    generated = None if new.password is not None else credentials.generate_password()
    password = new.password if new.password is not None else generated
    assert password is not None  # noqa: S101 - narrowed for the type checker
    if problem := password_problem(password):
        raise InvalidInput(problem, field="password")
    _check_admin_of(actor, nation)
    with uow:
        repo = UserRepository(uow.session)
        if repo.by_username(new.username) is not None:
            raise Conflict(f"username {new.username!r} is already taken", field="username")
        row = UserRow(
            username=new.username,
            nation_code=nation,
            display_name=new.display_name,
            password_hash=credentials.hash_password(password),
            roles=sorted({r.value for r in new.roles}),
            clearance=int(new.clearance),
            disabled=False,
        )
        repo.add(row)
        uow.session.flush()
        info = _user_info(row)
        record_event(
            uow.session,
            actor,
            "user.create",
            "user",
            row.id,
            object_nation=nation,
            after=_audit_view(info),
        )
        uow.commit()
    return info, generated


def _audit_view(info: UserInfo) -> dict[str, object]:
    return {
        "username": info.username,
        "nation": info.nation,
        "roles": [r.value for r in info.roles],
        "clearance": info.clearance.name,
        "disabled": info.disabled,
    }


def own_user(uow: UnitOfWork, user_id: int) -> UserInfo:
    with uow:
        row = UserRepository(uow.session).get(user_id)
        if row is None:
            raise NotFound("no such user")
        return _user_info(row)


def list_users(uow: UnitOfWork, actor: Actor, nation: str | None = None) -> list[UserInfo]:
    if not actor.is_console:
        principal = actor.principal
        if principal is None or not principal.has_role(Role.ADMIN):
            raise PermissionDenied("only a nation admin may list users")
        nation = principal.nation
    with uow:
        return [_user_info(r) for r in UserRepository(uow.session).list(nation)]


def _visible_user(repo: UserRepository, actor: Actor, username: str) -> UserRow:
    row = repo.by_username(username)
    if row is None:
        raise NotFound(f"no user {username!r}")
    if not actor.is_console and (actor.principal is None or actor.nation != row.nation_code):
        raise NotFound(f"no user {username!r}")
    _check_admin_of(actor, row.nation_code)
    return row


def disable_user(uow: UnitOfWork, actor: Actor, username: str) -> UserInfo:
    with uow:
        repo = UserRepository(uow.session)
        row = _visible_user(repo, actor, username)
        before = _audit_view(_user_info(row))
        row.disabled = True
        for token in repo.tokens_of(row.id):
            if token.revoked_at is None:
                token.revoked_at = utcnow()
        uow.session.flush()
        info = _user_info(row)
        record_event(
            uow.session,
            actor,
            "user.disable",
            "user",
            row.id,
            object_nation=row.nation_code,
            before=before,
            after=_audit_view(info),
        )
        uow.commit()
    return info


def _token_info(row: TokenRow, username: str) -> TokenInfo:
    return TokenInfo(
        row.id, username, row.name, row.prefix, row.created_at, row.expires_at, row.revoked_at
    )


def create_token(
    uow: UnitOfWork, actor: Actor, username: str, *, expires_days: int = 90, name: str = ""
) -> IssuedToken:
    if not 1 <= expires_days <= 366:
        raise InvalidInput("expires_days must be between 1 and 366", field="expires_days")
    with uow:
        repo = UserRepository(uow.session)
        row = _token_owner(repo, actor, username)
        secret = credentials.generate_token()
        token = TokenRow(
            user_id=row.id,
            token_hash=credentials.hash_secret(secret),
            prefix=secret[:10],
            name=name,
            expires_at=utcnow() + timedelta(days=expires_days),
        )
        uow.session.add(token)
        uow.session.flush()
        record_event(
            uow.session,
            actor,
            "token.create",
            "api_token",
            token.id,
            object_nation=row.nation_code,
            after={"username": row.username, "prefix": token.prefix, "expires": token.expires_at},
        )
        uow.commit()
        return IssuedToken(_token_info(token, row.username), secret)


def _token_owner(repo: UserRepository, actor: Actor, username: str) -> UserRow:
    """Users manage their own tokens; admins those of their nation's users."""
    if actor.principal is not None and actor.principal.username == username:
        row = repo.by_username(username)
        if row is None or row.disabled:
            raise NotFound(f"no user {username!r}")
        return row
    row = _visible_user(repo, actor, username)
    if row.disabled:
        raise Conflict(f"user {username!r} is disabled")
    return row


def list_tokens(uow: UnitOfWork, actor: Actor, username: str) -> list[TokenInfo]:
    with uow:
        repo = UserRepository(uow.session)
        row = _token_owner(repo, actor, username)
        return [_token_info(t, row.username) for t in repo.tokens_of(row.id)]


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> TokenInfo:
    with uow:
        repo = UserRepository(uow.session)
        token = repo.token(token_id)
        owner = repo.get(token.user_id) if token is not None else None
        if token is None or owner is None:
            raise NotFound(f"no token {token_id}")
        try:
            _token_owner(repo, actor, owner.username)
        except (PermissionDenied, Conflict):
            raise NotFound(f"no token {token_id}") from None
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record_event(
                uow.session,
                actor,
                "token.revoke",
                "api_token",
                token.id,
                object_nation=owner.nation_code,
                after={"prefix": token.prefix},
            )
        uow.commit()
        return _token_info(token, owner.username)
