"""Core use cases on SQLite and PostgreSQL: users, tokens, login throttling, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from defpact.core import service
from defpact.core.audit import AuditEventRow
from defpact.core.context import Actor
from defpact.core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from defpact.core.identity import Clearance, Role
from defpact.core.runtime import Node
from defpact.core.sessions import authenticate_password, authenticate_token, login, web_session
from defpact.core.store import UserRow


def _actor(node: Node, username: str) -> Actor:
    from defpact.core.sessions import principal_of

    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).one()
        return Actor.of(principal_of(row))


def _count(node: Node, model: type) -> int:
    with node.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _new(username: str = "hr.new", nation: str = "HR", **kw: object) -> service.NewUser:
    base: dict[str, object] = {
        "username": username,
        "nation": nation,
        "roles": (Role.ANALYST,),
        "clearance": Clearance.RESTRICTED,
        "password": "a-long-enough-password",
    }
    base.update(kw)
    return service.NewUser(**base)  # type: ignore[arg-type]


def test_founding_members_are_exactly_xk_al_hr(node: Node) -> None:
    assert [m.code for m in service.list_members(node.uow())] == ["XK", "AL", "HR"]


def test_admin_creates_user_of_own_nation_with_audit(node: Node) -> None:
    events_before = _count(node, AuditEventRow)
    info, generated = service.create_user(node.uow(), _actor(node, "hr.admin"), _new())
    assert info.nation == "HR" and generated is None
    assert _count(node, AuditEventRow) == events_before + 1
    with node.uow() as uow:
        event = uow.session.scalars(
            select(AuditEventRow).order_by(AuditEventRow.index.desc())
        ).first()
        assert event is not None and event.action == "user.create"
        assert event.actor_name == "hr.admin" and event.actor_nation == "HR"
        assert "password" not in (event.after or {})


def test_admin_cannot_create_user_of_another_nation(node: Node) -> None:
    users_before = _count(node, UserRow)
    with pytest.raises(PermissionDenied, match="own nation"):
        service.create_user(node.uow(), _actor(node, "al.admin"), _new())
    assert _count(node, UserRow) == users_before


def test_non_admin_cannot_create_users(node: Node) -> None:
    with pytest.raises(PermissionDenied):
        service.create_user(node.uow(), _actor(node, "hr.analyst"), _new())


def test_duplicate_username_is_conflict_and_changes_nothing(node: Node) -> None:
    events = _count(node, AuditEventRow)
    with pytest.raises(Conflict, match="already taken"):
        service.create_user(node.uow(), Actor.console(), _new(username="hr.admin"))
    assert _count(node, AuditEventRow) == events


def test_short_password_is_rejected_with_the_rule(node: Node) -> None:
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        service.create_user(node.uow(), Actor.console(), _new(password="short"))


def test_unknown_nation_lists_valid_codes(node: Node) -> None:
    with pytest.raises(InvalidInput, match="valid codes: .*XK"):
        service.create_user(node.uow(), Actor.console(), _new(nation="QQ"))


def test_generated_password_is_returned_once_and_works(node: Node) -> None:
    _, generated = service.create_user(node.uow(), Actor.console(), _new(password=None))
    assert generated is not None and len(generated) >= 12
    principal = authenticate_password(node.uow(), node.settings, "hr.new", generated, "1.2.3.4")
    assert principal.nation == "HR" and principal.clearance is Clearance.RESTRICTED


def test_token_authenticates_until_revoked(node: Node) -> None:
    issued = service.create_token(node.uow(), Actor.console(), "al.analyst", expires_days=5)
    principal = authenticate_token(node.uow(), issued.secret)
    assert principal.username == "al.analyst"
    with node.uow() as uow:
        from defpact.core.store import TokenRow

        stored = uow.session.get(TokenRow, issued.info.id)
        assert stored is not None and issued.secret not in stored.token_hash
    service.revoke_token(node.uow(), Actor.console(), issued.info.id)
    with pytest.raises(AuthenticationFailed):
        authenticate_token(node.uow(), issued.secret)


def test_admin_of_other_nation_cannot_see_or_revoke_token(node: Node) -> None:
    issued = service.create_token(node.uow(), Actor.console(), "al.analyst")
    with pytest.raises(NotFound):
        service.revoke_token(node.uow(), _actor(node, "hr.admin"), issued.info.id)
    with pytest.raises(NotFound):
        service.create_token(node.uow(), _actor(node, "hr.admin"), "al.analyst")


def test_disabled_user_loses_tokens_and_login(node: Node) -> None:
    issued = service.create_token(node.uow(), Actor.console(), "xk.training")
    service.disable_user(node.uow(), _actor(node, "xk.admin"), "xk.training")
    with pytest.raises(AuthenticationFailed):
        authenticate_token(node.uow(), issued.secret)
    with pytest.raises(AuthenticationFailed):
        authenticate_password(
            node.uow(), node.settings, "xk.training", "defpact-demo-2025", "1.1.1.1"
        )


def test_failed_logins_are_throttled_per_account(node: Node) -> None:
    limit = node.settings.login_max_failures_account
    for i in range(limit):
        with pytest.raises(AuthenticationFailed):
            authenticate_password(node.uow(), node.settings, "al.admin", "wrong", f"10.0.0.{i}")
    with pytest.raises(TooManyAttempts) as caught:
        authenticate_password(node.uow(), node.settings, "al.admin", "defpact-demo-2025", "9.9.9.9")
    assert caught.value.retry_after > 0
    # another account from another address is unaffected
    authenticate_password(node.uow(), node.settings, "hr.admin", "defpact-demo-2025", "9.9.9.9")


def test_failed_logins_are_throttled_per_address(node: Node) -> None:
    limit = node.settings.login_max_failures_address
    for i in range(limit):
        with pytest.raises(AuthenticationFailed):
            authenticate_password(node.uow(), node.settings, f"nobody{i}", "wrong", "6.6.6.6")
    with pytest.raises(TooManyAttempts):
        authenticate_password(node.uow(), node.settings, "xk.admin", "defpact-demo-2025", "6.6.6.6")


def test_web_session_round_trip(node: Node) -> None:
    session = login(node.uow(), node.settings, "hr.approver", "defpact-demo-2025", "127.0.0.1")
    again = web_session(node.uow(), session.cookie_value)
    assert again is not None and again.principal.username == "hr.approver"
    assert again.csrf_token == session.csrf_token
    assert web_session(node.uow(), "forged-cookie") is None


def test_audit_indices_are_dense(node: Node) -> None:
    for i in range(3):
        service.create_user(node.uow(), Actor.console(), _new(username=f"hr.u{i}"))
    with node.uow() as uow:
        indices = list(uow.session.scalars(select(AuditEventRow.index).order_by("index")))
    assert indices == list(range(len(indices)))
