"""Core REST API: health, nations, members, the signed-in user, users and tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import text

from defpact import __version__
from defpact.core import service
from defpact.core.deps import ActorDep, CurrentUser, IdPath, NodeDep, UowDep
from defpact.core.identity import Clearance
from defpact.core.nations import NATIONS
from defpact.core.problems import problem_responses
from defpact.core.schema import DatabaseUnavailable
from defpact.core.schemas import (
    HealthPublic,
    MemberPublic,
    NationPublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserCreated,
    UserPublic,
)

__all__ = ["router"]

_AUTH = problem_responses(401)
_ADMIN = problem_responses(401, 403, 404, 422, 429)


router = APIRouter(prefix="/api", tags=["core"])


@router.get(
    "/health",
    response_model=HealthPublic,
    responses=problem_responses(503),
)
def health(node: NodeDep) -> HealthPublic:
    try:
        with node.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise DatabaseUnavailable("the database does not answer") from exc
    return HealthPublic(status="ok", database=node.engine.dialect.name, version=__version__)


@router.get("/nations", response_model=list[NationPublic], responses=_AUTH)
def nations(_user: CurrentUser, uow: UowDep) -> list[NationPublic]:
    members = service.current_member_codes(uow)
    return [
        NationPublic(
            code=n.code,
            name=n.name,
            nato_joined=n.nato_joined,
            eu_joined=n.eu_joined,
            member=n.code in members,
        )
        for n in sorted(NATIONS.values(), key=lambda n: n.name)
    ]


@router.get("/members", response_model=list[MemberPublic], responses=_AUTH)
def members(_user: CurrentUser, uow: UowDep, history: bool = False) -> list[MemberPublic]:
    return [
        MemberPublic(code=m.code, name=m.name, joined=m.joined, left=m.left)
        for m in service.list_members(uow, history=history)
    ]


def _public(info: service.UserInfo) -> UserPublic:
    return UserPublic(
        id=info.id,
        username=info.username,
        nation=info.nation,
        display_name=info.display_name,
        roles=list(info.roles),
        clearance=info.clearance.name,
        disabled=info.disabled,
        created_at=info.created_at,
    )


def _token_public(info: service.TokenInfo) -> TokenPublic:
    return TokenPublic.model_validate(info)


@router.get("/users/me", response_model=UserPublic, responses=_AUTH)
def me(user: CurrentUser, uow: UowDep) -> UserPublic:
    return _public(service.own_user(uow, user.user_id))


@router.get("/users", response_model=list[UserPublic], responses=_ADMIN)
def list_users(actor: ActorDep, uow: UowDep) -> list[UserPublic]:
    return [_public(u) for u in service.list_users(uow, actor)]


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
def create_user(body: UserCreate, actor: ActorDep, uow: UowDep) -> UserCreated:
    new = service.NewUser(
        username=body.username,
        nation=body.nation,
        roles=tuple(body.roles),
        clearance=Clearance[body.clearance],
        display_name=body.display_name,
        password=body.password,
    )
    info, generated = service.create_user(uow, actor, new)
    return UserCreated(user=_public(info), generated_password=generated)


@router.post("/users/{username}/disable", response_model=UserPublic, responses=_ADMIN)
def disable_user(username: str, actor: ActorDep, uow: UowDep) -> UserPublic:
    return _public(service.disable_user(uow, actor, username))


@router.get("/users/{username}/tokens", response_model=list[TokenPublic], responses=_ADMIN)
def list_tokens(username: str, actor: ActorDep, uow: UowDep) -> list[TokenPublic]:
    return [_token_public(t) for t in service.list_tokens(uow, actor, username)]


@router.post(
    "/users/{username}/tokens",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
def create_token(username: str, body: TokenCreate, actor: ActorDep, uow: UowDep) -> TokenCreated:
    issued = service.create_token(
        uow, actor, username, expires_days=body.expires_days, name=body.name
    )
    return TokenCreated(token=_token_public(issued.info), secret=issued.secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenPublic, responses=_ADMIN)
def revoke_token(token_id: IdPath, actor: ActorDep, uow: UowDep) -> TokenPublic:
    return _token_public(service.revoke_token(uow, actor, token_id))
