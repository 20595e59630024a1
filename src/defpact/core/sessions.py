"""Authentication: bearer tokens, passwords (HTTP Basic and the login form) and web sessions.

Failed logins are throttled per account and per client address over a sliding window; a locked
attempt is answered with the seconds to wait. Web sessions are server-side rows keyed by the
SHA-256 of a random cookie value, each with its own CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from defpact.core import credentials
from defpact.core.audit import record_event
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import AuthenticationFailed, TooManyAttempts
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.store import LoginFailureRow, UserRepository, UserRow, WebSessionRow
from defpact.core.uow import UnitOfWork

__all__ = [
    "WebSession",
    "authenticate_password",
    "authenticate_token",
    "end_web_session",
    "login",
    "principal_of",
    "web_session",
]

_BAD_CREDENTIALS = "invalid username or password"


@dataclass(frozen=True, slots=True)
class WebSession:
    principal: Principal
    csrf_token: str
    cookie_value: str


def principal_of(row: UserRow) -> Principal:
    return Principal(
        user_id=row.id,
        username=row.username,
        nation=row.nation_code,
        roles=frozenset(Role(r) for r in row.roles),
        clearance=Clearance(row.clearance),
    )


def authenticate_token(uow: UnitOfWork, secret: str) -> Principal:
    with uow:
        repo = UserRepository(uow.session)
        token = repo.token_by_hash(credentials.hash_secret(secret))
        if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
            raise AuthenticationFailed("invalid, expired or revoked token")
        user = repo.get(token.user_id)
        if user is None or user.disabled:
            raise AuthenticationFailed("invalid, expired or revoked token")
        return principal_of(user)


def _check_throttle(repo: UserRepository, settings: Settings, username: str, address: str) -> None:
    window = settings.login_window_seconds
    since = utcnow() - timedelta(seconds=window)
    by_account = repo.count_failures(username=username, address=None, since=since)
    by_address = repo.count_failures(username=None, address=address, since=since)
    if (
        by_account >= settings.login_max_failures_account
        or by_address >= settings.login_max_failures_address
    ):
        raise TooManyAttempts("too many failed logins; try again later", retry_after=window)


def authenticate_password(
    uow: UnitOfWork, settings: Settings, username: str, password: str, address: str
) -> Principal:
    """Check a password, recording a failure (committed even though the login fails)."""
    username = username.strip().lower()[:64]
    with uow:
        repo = UserRepository(uow.session)
        _check_throttle(repo, settings, username, address)
        user = repo.by_username(username)
        ok = credentials.verify_password(user.password_hash if user else None, password)
        if user is None or not ok or user.disabled:
            uow.session.add(LoginFailureRow(username=username, address=address[:64]))
            uow.commit()
            raise AuthenticationFailed(_BAD_CREDENTIALS)
        if credentials.needs_rehash(user.password_hash):
            user.password_hash = credentials.hash_password(password)
            uow.commit()
        return principal_of(user)


def login(
    uow: UnitOfWork, settings: Settings, username: str, password: str, address: str
) -> WebSession:
    principal = authenticate_password(uow, settings, username, password, address)
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with uow:
        uow.session.add(
            WebSessionRow(
                id_hash=credentials.hash_secret(cookie),
                user_id=principal.user_id,
                csrf_token=csrf,
                expires_at=utcnow() + timedelta(hours=settings.session_hours),
            )
        )
        record_event(
            uow.session,
            Actor.of(principal),
            "session.login",
            "user",
            principal.user_id,
            object_nation=principal.nation,
            after={"address": address},
        )
        uow.commit()
    return WebSession(principal, csrf, cookie)


def web_session(uow: UnitOfWork, cookie_value: str) -> WebSession | None:
    with uow:
        row = uow.session.get(WebSessionRow, credentials.hash_secret(cookie_value))
        if row is None or row.expires_at <= utcnow():
            return None
        user = UserRepository(uow.session).get(row.user_id)
        if user is None or user.disabled:
            return None
        return WebSession(principal_of(user), row.csrf_token, cookie_value)


def end_web_session(uow: UnitOfWork, cookie_value: str) -> None:
    with uow:
        row = uow.session.get(WebSessionRow, credentials.hash_secret(cookie_value))
        if row is not None:
            user = UserRepository(uow.session).get(row.user_id)
            uow.session.delete(row)
            if user is not None:
                record_event(
                    uow.session,
                    Actor.of(principal_of(user)),
                    "session.logout",
                    "user",
                    user.id,
                    object_nation=user.nation_code,
                )
            uow.commit()
