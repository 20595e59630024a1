"""Use cases of the audit log: signed tree heads, inclusion and consistency proofs, the event
listing a nation admin may see, and the full verification behind ``defpact audit verify``.

Verification recomputes every event's leaf hash from its stored fields (RFC 6962 leaf
``H(0x00 || canonical_json(event))``), checks that indices are dense, replays the tree and checks
every stored signed tree head (root and Ed25519 signature). It names the first bad index.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from defpact.core.audit import AuditEventRow, AuditHeadRow, TreeHeadRow, event_document
from defpact.core.errors import InvalidInput, PermissionDenied
from defpact.core.identity import Principal, Role
from defpact.core.merkle import (
    MerkleAccumulator,
    TreeHead,
    canonical_json,
    consistency_proof,
    inclusion_proof,
    key_id,
    leaf_hash,
    sign_tree_head,
    verify_tree_head,
)
from defpact.core.uow import UnitOfWork

__all__ = [
    "AuditEvent",
    "SignedTreeHead",
    "VerifyReport",
    "consistency",
    "inclusion",
    "list_events",
    "signed_tree_head",
    "verify_log",
]


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    tree_size: int
    root_hash: str
    timestamp: int
    signature: str
    key_id: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    index: int
    document: dict[str, Any]
    leaf_hash: str


@dataclass
class VerifyReport:
    size: int = 0
    heads_checked: int = 0
    first_bad_index: int | None = None
    verified_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sth(row: TreeHeadRow, public: Ed25519PublicKey) -> SignedTreeHead:
    return SignedTreeHead(
        row.tree_size, row.root_hash, row.timestamp_ms, row.signature, key_id(public).hex()
    )


def signed_tree_head(uow: UnitOfWork, key: Ed25519PrivateKey) -> SignedTreeHead:
    """The newest signed tree head, issuing (and storing) a new one if the log has grown."""
    with uow:
        head = uow.session.scalars(select(AuditHeadRow).where(AuditHeadRow.id == 1)).first()
        size = head.size if head else 0
        latest = uow.session.scalars(
            select(TreeHeadRow).order_by(TreeHeadRow.id.desc()).limit(1)
        ).first()
        if latest is not None and latest.tree_size == size:
            return _sth(latest, key.public_key())
        root = head.accumulator().root() if head else MerkleAccumulator().root()
        tree_head = TreeHead(size, root, int(time.time() * 1000))
        row = TreeHeadRow(
            tree_size=size,
            root_hash=root.hex(),
            timestamp_ms=tree_head.timestamp,
            signature=base64.b64encode(sign_tree_head(tree_head, key)).decode(),
        )
        uow.session.add(row)
        uow.commit()
        return _sth(row, key.public_key())


def _leaf_hashes(session: Session, size: int) -> list[bytes]:
    stmt = (
        select(AuditEventRow.leaf_hash)
        .where(AuditEventRow.index < size)
        .order_by(AuditEventRow.index)
    )
    return [bytes.fromhex(h) for h in session.scalars(stmt)]


def _current_size(session: Session) -> int:
    head = session.scalars(select(AuditHeadRow).where(AuditHeadRow.id == 1)).first()
    return head.size if head else 0


def inclusion(uow: UnitOfWork, index: int, tree_size: int) -> tuple[str, list[str]]:
    """(leaf hash, audit path) proving event ``index`` is in the tree of ``tree_size``."""
    with uow:
        size = _current_size(uow.session)
        if not 0 <= index < tree_size <= size:
            raise InvalidInput(
                f"need 0 <= index < tree_size <= {size} (the current tree size)", field="index"
            )
        leaves = _leaf_hashes(uow.session, tree_size)
        return leaves[index].hex(), [p.hex() for p in inclusion_proof(leaves, index, tree_size)]


def consistency(uow: UnitOfWork, first: int, second: int) -> list[str]:
    with uow:
        size = _current_size(uow.session)
        if not 0 <= first <= second <= size:
            raise InvalidInput(
                f"need 0 <= first <= second <= {size} (the current tree size)", field="first"
            )
        leaves = _leaf_hashes(uow.session, second)
        return [p.hex() for p in consistency_proof(leaves, first, second)]


def list_events(
    uow: UnitOfWork, principal: Principal, *, after: int = -1, limit: int = 100
) -> list[AuditEvent]:
    """Events about the admin's nation: its users' actions and its records."""
    if not principal.has_role(Role.ADMIN):
        raise PermissionDenied("only a nation admin may read the audit log")
    with uow:
        stmt = (
            select(AuditEventRow)
            .where(AuditEventRow.index > after)
            .where(
                or_(
                    AuditEventRow.actor_nation == principal.nation,
                    AuditEventRow.object_nation == principal.nation,
                )
            )
            .order_by(AuditEventRow.index)
            .limit(limit)
        )
        return [
            AuditEvent(r.index, event_document(r), r.leaf_hash) for r in uow.session.scalars(stmt)
        ]


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEventRow]:
    last = -1
    while True:
        stmt = (
            select(AuditEventRow)
            .where(AuditEventRow.index > last)
            .order_by(AuditEventRow.index)
            .limit(batch)
        )
        rows = list(session.scalars(stmt))
        if not rows:
            return
        yield from rows
        last = rows[-1].index
        session.expunge_all()


def verify_log(uow: UnitOfWork, public: Ed25519PublicKey) -> VerifyReport:
    report = VerifyReport()
    with uow:
        heads = list(uow.session.scalars(select(TreeHeadRow).order_by(TreeHeadRow.tree_size)))
        head_size = _current_size(uow.session)
        accumulator = MerkleAccumulator()
        _check_head(report, accumulator, heads, public)
        for row in _events(uow.session):
            expected = accumulator.size
            if row.index != expected:
                report.problems.append(
                    f"event {expected} is missing (found index {row.index} next)"
                )
                report.first_bad_index = expected
                return report
            recomputed = leaf_hash(canonical_json(event_document(row)))
            if recomputed.hex() != row.leaf_hash:
                report.problems.append(f"event {row.index} was altered (leaf hash mismatch)")
                report.first_bad_index = row.index
                return report
            accumulator.append(recomputed)
            if not _check_head(report, accumulator, heads, public):
                return report
        report.size = accumulator.size
        if accumulator.size != head_size:
            report.problems.append(
                f"the log holds {accumulator.size} events but its head records {head_size}"
            )
            report.first_bad_index = min(accumulator.size, head_size)
        elif heads and heads[-1].tree_size > accumulator.size:
            report.problems.append(
                f"a signed tree head covers {heads[-1].tree_size} events; only "
                f"{accumulator.size} remain"
            )
            report.first_bad_index = accumulator.size
    return report


def _check_head(
    report: VerifyReport,
    accumulator: MerkleAccumulator,
    heads: list[TreeHeadRow],
    public: Ed25519PublicKey,
) -> bool:
    for head in heads:
        if head.tree_size != accumulator.size:
            continue
        report.heads_checked += 1
        tree_head = TreeHead(head.tree_size, bytes.fromhex(head.root_hash), head.timestamp_ms)
        signature = base64.b64decode(head.signature)
        if not verify_tree_head(tree_head, signature, public):
            report.problems.append(f"the signed tree head of size {head.tree_size} is forged")
            report.first_bad_index = max(head.tree_size - 1, 0)
            return False
        if accumulator.root().hex() != head.root_hash:
            start = report.verified_size
            report.problems.append(
                f"events {start}..{head.tree_size - 1} were rewritten together with their "
                f"stored hashes: they do not match the signed tree head of size {head.tree_size}"
            )
            report.first_bad_index = start
            return False
        report.verified_size = head.tree_size
    return True
