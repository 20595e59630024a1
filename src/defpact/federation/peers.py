"""Use cases of peering: register, list, suspend, resume and remove peer nodes.

Peering is mutual and each side gives the other a credential. ``add_peer`` on node A for the
node B of nation P: checks that P is a member and not served by A itself, that B answers as a
defpact node serving P (``/api/federation/node``) and, when B's token is given, that B speaks
TAXII 2.1 to it; pins B's public key (the one given with ``--key``, which must match, or the one B
presents); and creates on A the *federation service user* ``federation-p`` of nation P with the
clearance agreed for B and no writing role, plus an API token for it, shown once: B's admin
registers A with that token. The service user is B's principal on A, so A serves B exactly what
the security core's rule releases to nation P at that clearance. Every change is audited.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlparse

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from defpact.core import credentials
from defpact.core.audit import record_event
from defpact.core.context import Actor
from defpact.core.db import utcnow
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance, Role
from defpact.core.nations import NATIONS
from defpact.core.service import member_codes_in, require_nation
from defpact.core.store import TokenRow, UserRepository, UserRow
from defpact.core.uow import UnitOfWork
from defpact.federation.appliers import drop_all_replicas
from defpact.federation.identity import NodeIdentity, decode_public_key
from defpact.federation.store import CursorRow, PeerRow, ReplicaRow
from defpact.federation.transport import ClientFactory, PeerClient, RemoteNode, SyncFault

__all__ = [
    "NewPeer",
    "PeerInfo",
    "add_peer",
    "fingerprint",
    "get_peer",
    "list_peers",
    "open_token",
    "remove_peer",
    "require_operator",
    "seal_token",
    "set_peer_state",
    "set_peer_token",
]

TOKEN_DAYS = 366


@dataclass(frozen=True, slots=True)
class NewPeer:
    url: str
    nation: str
    token: str | None = None
    key: str | None = None
    clearance: Clearance = Clearance.SECRET
    interval_seconds: int = 300
    timeout_seconds: float = 10.0
    local_nation: str | None = None


@dataclass(frozen=True, slots=True)
class PeerInfo:
    nation: str
    nations: tuple[str, ...]
    url: str
    node_id: str
    fingerprint: str
    local_nation: str
    state: str
    clearance: Clearance
    interval_seconds: int
    timeout_seconds: float
    has_token: bool
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    failures: int
    next_attempt_at: datetime | None
    applied_total: int
    replicas: int
    cursor: int

    @property
    def lag_seconds(self) -> float | None:
        """Seconds since the last sync that reached the end of the peer's feed."""
        if self.last_success_at is None:
            return None
        return (utcnow() - self.last_success_at).total_seconds()


def fingerprint(public_key: str) -> str:
    return hashlib.sha256(public_key.encode()).hexdigest()[:16] if public_key else ""


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def seal_token(secret: str, token: str) -> str:
    return _fernet(secret).encrypt(token.encode()).decode()


def open_token(secret: str, sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def require_operator(actor: Actor, identity: NodeIdentity) -> None:
    """The console operator, or an admin of a nation this node serves."""
    if actor.is_console:
        return
    principal = actor.principal
    if principal is None or not principal.has_role(Role.ADMIN):
        raise PermissionDenied("only an admin of this node's nations manages peering")
    if principal.nation not in identity.nations:
        raise PermissionDenied("only an admin of this node's nations manages peering")


def _info(session: Session, row: PeerRow) -> PeerInfo:
    user = session.get(UserRow, row.service_user_id)
    replicas = session.scalar(
        select(func.count()).select_from(ReplicaRow).where(ReplicaRow.peer_id == row.id)
    )
    cursor = session.scalar(
        select(func.max(CursorRow.added_after)).where(CursorRow.peer_id == row.id)
    )
    return PeerInfo(
        row.nation, tuple(sorted(row.nations.split(","))), row.url, row.node_id,
        fingerprint(row.public_key), row.local_nation, row.state,
        Clearance(user.clearance if user else 0), row.interval_seconds, row.timeout_seconds,
        row.token_sealed is not None, row.last_attempt_at, row.last_success_at, row.last_error,
        row.failures, row.next_attempt_at, row.applied_total, int(replicas or 0), int(cursor or 0),
    )  # fmt: skip


def _check_url(url: str) -> str:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput(f"{url!r} is not an http(s) URL of a node", field="url")
    return url.strip().rstrip("/")


def _probe(new: NewPeer, url: str, factory: ClientFactory | None) -> RemoteNode:
    try:
        with PeerClient(url, new.timeout_seconds, factory) as client:
            remote = client.node_info()
            if new.token:
                client.check_taxii(new.token)
    except SyncFault as fault:
        raise InvalidInput(
            f"{url} is not a usable defpact TAXII 2.1 node: {fault}", field="url"
        ) from None
    return remote


def _local_nation(new: NewPeer, identity: NodeIdentity) -> str:
    if new.local_nation:
        code = require_nation(new.local_nation)
        if code not in identity.nations:
            raise InvalidInput(f"this node does not serve {code}", field="local_nation")
        return code
    if len(identity.nations) != 1:
        raise InvalidInput("this node serves several nations: say which one the peer knows "
                           "(local_nation)", field="local_nation")  # fmt: skip
    return next(iter(identity.nations))


def _service_user(session: Session, nation: str, clearance: Clearance) -> UserRow:
    repo = UserRepository(session)
    username = f"federation-{nation.lower()}"
    row = repo.by_username(username)
    if row is not None and row.nation_code != nation:
        raise Conflict(f"username {username!r} is taken by another nation's user", field="nation")
    if row is None:
        row = UserRow(
            username=username, nation_code=nation, display_name=f"Peer node of {nation}",
            password_hash=credentials.hash_password(credentials.generate_password()),
            roles=[Role.OBSERVER.value], clearance=int(clearance), disabled=False,
        )  # fmt: skip
        repo.add(row)
    row.roles, row.clearance, row.disabled = [Role.OBSERVER.value], int(clearance), False
    session.flush()
    return row


def _issue_token(session: Session, user: UserRow) -> str:
    secret = credentials.generate_token()
    session.add(TokenRow(
        user_id=user.id, token_hash=credentials.hash_secret(secret), prefix=secret[:10],
        name="federation", expires_at=utcnow() + timedelta(days=TOKEN_DAYS),
    ))  # fmt: skip
    return secret


def _validate(new: NewPeer, identity: NodeIdentity, members: frozenset[str]) -> str:
    nation = require_nation(new.nation)
    if nation in identity.nations:
        raise InvalidInput(f"this node serves {nation} itself; a peer is another nation's node",
                           field="nation")  # fmt: skip
    if nation not in members:
        raise InvalidInput(f"{NATIONS[nation].name} ({nation}) is not a member of the pact; "
                           "only members' nodes can be peers", field="nation")  # fmt: skip
    if not 10 <= new.interval_seconds <= 86_400:
        raise InvalidInput("interval_seconds must be 10 to 86400", field="interval_seconds")
    if not 0.5 <= new.timeout_seconds <= 300:
        raise InvalidInput("timeout_seconds must be 0.5 to 300", field="timeout_seconds")
    if new.key is not None:
        try:
            decode_public_key(new.key)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="key") from None
    return nation


def add_peer(
    uow: UnitOfWork,
    actor: Actor,
    identity: NodeIdentity,
    secret: str,
    new: NewPeer,
    factory: ClientFactory | None = None,
) -> tuple[PeerInfo, str]:
    """Register a peer; returns it and the token to give the peer's admin (shown once)."""
    require_operator(actor, identity)
    url = _check_url(new.url)
    with uow:
        nation = _validate(new, identity, member_codes_in(uow.session))
        local = _local_nation(new, identity)
        if uow.session.scalars(select(PeerRow).where(PeerRow.nation == nation)).first():
            raise Conflict(f"{nation} is already a peer of this node", field="nation")
    remote = _probe(new, url, factory)
    if nation not in remote.nations:
        raise InvalidInput(f"the node at {url} serves {', '.join(sorted(remote.nations))}, "
                           f"not {nation}", field="nation")  # fmt: skip
    if new.key is not None and new.key.strip() != remote.public_key:
        raise InvalidInput(f"the node at {url} presents a different key than the one given "
                           "(wrong key)", field="key")  # fmt: skip
    with uow:
        session = uow.session
        if session.scalars(select(PeerRow).where(PeerRow.nation == nation)).first():
            raise Conflict(f"{nation} is already a peer of this node", field="nation")
        user = _service_user(session, nation, new.clearance)
        inbound = _issue_token(session, user)
        row = PeerRow(
            nation=nation, nations=",".join(sorted(remote.nations)), url=url,
            local_nation=local, node_id=remote.node_id, public_key=remote.public_key,
            token_sealed=seal_token(secret, new.token) if new.token else None,
            service_user_id=user.id, state="active", interval_seconds=new.interval_seconds,
            timeout_seconds=new.timeout_seconds, failures=0, applied_total=0, members_seen="",
        )  # fmt: skip
        session.add(row)
        session.flush()
        record_event(
            session, actor, "federation.peer.add", "federation_peer", nation,
            object_nation=nation,
            after={"url": url, "node_id": remote.node_id,
                   "fingerprint": fingerprint(row.public_key),
                   "clearance": new.clearance.name, "service_user": user.username,
                   "interval_seconds": new.interval_seconds, "token": bool(new.token)},
        )  # fmt: skip
        info = _info(session, row)
        uow.commit()
    return info, inbound


def _load(session: Session, nation: str) -> PeerRow:
    code = nation.strip().upper()
    row = session.scalars(select(PeerRow).where(PeerRow.nation == code)).first()
    if row is None:
        raise NotFound(f"no peer for nation {code!r}")
    return row


def list_peers(uow: UnitOfWork, actor: Actor, identity: NodeIdentity) -> list[PeerInfo]:
    require_operator(actor, identity)
    with uow:
        rows = uow.session.scalars(select(PeerRow).order_by(PeerRow.nation)).all()
        return [_info(uow.session, r) for r in rows]


def get_peer(uow: UnitOfWork, actor: Actor, identity: NodeIdentity, nation: str) -> PeerInfo:
    require_operator(actor, identity)
    with uow:
        return _info(uow.session, _load(uow.session, nation))


def set_peer_token(
    uow: UnitOfWork,
    actor: Actor,
    identity: NodeIdentity,
    secret: str,
    nation: str,
    token: str,
    factory: ClientFactory | None = None,
) -> PeerInfo:
    """Store the credential the peer gave us, after checking the peer accepts it."""
    require_operator(actor, identity)
    if not token.strip():
        raise InvalidInput("the token must not be empty", field="token")
    with uow:
        row = _load(uow.session, nation)
        url, timeout = row.url, row.timeout_seconds
    try:
        with PeerClient(url, timeout, factory) as client:
            client.check_taxii(token.strip())
    except SyncFault as fault:
        raise InvalidInput(
            f"the peer at {url} refuses this token: {fault}", field="token"
        ) from None
    with uow:
        row = _load(uow.session, nation)
        row.token_sealed = seal_token(secret, token.strip())
        row.failures, row.next_attempt_at, row.last_error = 0, None, None
        record_event(uow.session, actor, "federation.peer.token", "federation_peer", row.nation,
                     object_nation=row.nation, after={"token": "set"})  # fmt: skip
        info = _info(uow.session, row)
        uow.commit()
    return info


def set_peer_state(
    uow: UnitOfWork, actor: Actor, identity: NodeIdentity, nation: str, state: str
) -> PeerInfo:
    """Suspend (no sync either way) or resume a peering."""
    require_operator(actor, identity)
    if state not in ("active", "suspended"):
        raise InvalidInput("state must be active or suspended", field="state")
    with uow:
        row = _load(uow.session, nation)
        before = row.state
        if before != state:
            row.state = state
            row.failures, row.next_attempt_at = 0, None
            action = "federation.peer.resume" if state == "active" else "federation.peer.suspend"
            record_event(uow.session, actor, action, "federation_peer", row.nation,
                         object_nation=row.nation, before={"state": before},
                         after={"state": state})  # fmt: skip
        info = _info(uow.session, row)
        uow.commit()
    return info


def remove_peer(uow: UnitOfWork, actor: Actor, identity: NodeIdentity, nation: str) -> int:
    """End a peering: its replicas are deleted (nothing would update or withdraw them any
    more), its cursors forgotten, its service user disabled. Returns the replicas removed."""
    require_operator(actor, identity)
    with uow:
        session = uow.session
        row = _load(session, nation)
        removed = drop_all_replicas(session, row.id)
        session.execute(delete(CursorRow).where(CursorRow.peer_id == row.id))
        user = session.get(UserRow, row.service_user_id)
        if user is not None:
            user.disabled = True
            for token in UserRepository(session).tokens_of(user.id):
                token.revoked_at = token.revoked_at or utcnow()
        record_event(session, actor, "federation.peer.remove", "federation_peer", row.nation,
                     object_nation=row.nation,
                     before={"url": row.url, "node_id": row.node_id, "state": row.state},
                     after={"replicas_removed": removed})  # fmt: skip
        session.delete(row)
        uow.commit()
    return removed
