"""FastAPI dependencies as ``Annotated`` aliases, the only place requests meet the node."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.openapi.models import HTTPBase as HTTPBaseModel
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase

from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.errors import AuthenticationFailed, PermissionDenied
from defpact.core.identity import Principal, Role
from defpact.core.runtime import Node
from defpact.core.sessions import (
    WebSession,
    authenticate_password,
    authenticate_token,
    web_session,
)
from defpact.core.uow import UnitOfWork

__all__ = [
    "MAX_DB_INT",
    "SESSION_COOKIE",
    "ActorDep",
    "CurrentUser",
    "IdPath",
    "NodeDep",
    "OptionalWebSession",
    "SettingsDep",
    "UowDep",
    "client_address",
    "require_roles",
]

SESSION_COOKIE = "defpact_session"
# The largest integer both SQLite and PostgreSQL (bigint) accept as a parameter: a larger id in
# a path or query would fail inside the driver (a 500) instead of answering 422.
MAX_DB_INT = 2**31 - 1  # PostgreSQL INTEGER; larger ids cannot exist
IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT, description="a record id")]


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(_node)]


def _settings(node: NodeDep) -> Settings:
    return node.settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def _uow(node: NodeDep) -> UnitOfWork:
    return node.uow()


UowDep = Annotated[UnitOfWork, Depends(_uow)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class _DocumentedScheme(SecurityBase):
    """An accepted credential, shown in the OpenAPI; ``_current_user`` reads the header itself."""

    def __init__(self, model: HTTPBaseModel, name: str) -> None:
        self.model = model
        self.scheme_name = name

    async def __call__(self) -> None:
        return None


_BEARER = _DocumentedScheme(
    HTTPBearerModel(description="An API token (`defpact token create`)"), "bearerAuth"
)
_BASIC = _DocumentedScheme(HTTPBaseModel(scheme="basic"), "basicAuth")


def _current_user(
    request: Request,
    node: NodeDep,
    _bearer: Annotated[None, Depends(_BEARER)],
    _basic: Annotated[None, Depends(_BASIC)],
) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return authenticate_token(node.uow(), value)
    if scheme.lower() == "basic" and value:
        username, password = _decode_basic(value)
        return authenticate_password(
            node.uow(), node.settings, username, password, client_address(request)
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and request.method in ("GET", "HEAD"):
        session = web_session(node.uow(), cookie)
        if session is not None:
            return session.principal
    raise AuthenticationFailed("authentication required: send a Bearer token or HTTP Basic")


def _decode_basic(value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed("malformed HTTP Basic credentials") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise AuthenticationFailed("malformed HTTP Basic credentials")
    return username, password


CurrentUser = Annotated[Principal, Depends(_current_user)]


def _actor(user: CurrentUser) -> Actor:
    return Actor.of(user)


ActorDep = Annotated[Actor, Depends(_actor)]


def _optional_web_session(request: Request, node: NodeDep) -> WebSession | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    return web_session(node.uow(), cookie) if cookie else None


OptionalWebSession = Annotated[WebSession | None, Depends(_optional_web_session)]


def require_roles(user: Principal, *roles: Role) -> None:
    if not user.has_role(*roles):
        names = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"this action needs one of the roles: {names}")
