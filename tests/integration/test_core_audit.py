"""The audit log: tree heads, proofs over the API, and `defpact audit verify` on tampering."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from defpact.cli import app
from defpact.core import audit_service, service
from defpact.core.audit import AuditEventRow, AuditHeadRow
from defpact.core.config import reset_settings_cache
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Role
from defpact.core.merkle import (
    TreeHead,
    public_key_from_pem,
    verify_consistency,
    verify_inclusion,
    verify_tree_head,
)
from defpact.core.runtime import Node
from support import ApiClient, basic

runner = CliRunner()


def _grow(node: Node, count: int, prefix: str = "hr.t") -> None:
    for i in range(count):
        service.create_token(node.uow(), Actor.console(), "hr.analyst", name=f"{prefix}{i}")


@pytest.fixture
def cli_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Node:
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node
    reset_settings_cache()


def _verify(node: Node) -> audit_service.VerifyReport:
    return audit_service.verify_log(node.uow(), node.signing_key().public_key())


def test_sth_and_proofs_verify_over_the_api(client: ApiClient, node: Node) -> None:
    auth = basic("al.analyst")
    first = client.get("/api/audit/sth", headers=auth).json()
    _grow(node, 5)
    second = client.get("/api/audit/sth", headers=auth).json()
    assert second["tree_size"] == first["tree_size"] + 5
    public = public_key_from_pem(client.get("/api/audit/key", headers=auth).text.encode())
    for sth in (first, second):
        head = TreeHead(sth["tree_size"], bytes.fromhex(sth["root_hash"]), sth["timestamp"])
        import base64

        assert verify_tree_head(head, base64.b64decode(sth["signature"]), public)
    size = second["tree_size"]
    proof = client.get(
        "/api/audit/proofs/inclusion", params={"index": 3, "tree_size": size}, headers=auth
    ).json()
    assert verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        3,
        size,
        [bytes.fromhex(p) for p in proof["audit_path"]],
        bytes.fromhex(second["root_hash"]),
    )
    cons = client.get(
        "/api/audit/proofs/consistency",
        params={"first": first["tree_size"], "second": size},
        headers=auth,
    ).json()
    assert verify_consistency(
        first["tree_size"],
        size,
        bytes.fromhex(first["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        [bytes.fromhex(p) for p in cons["proof"]],
    )


def test_proof_beyond_the_tree_is_422(client: ApiClient) -> None:
    response = client.get(
        "/api/audit/proofs/inclusion",
        params={"index": 0, "tree_size": 10**6},
        headers=basic("al.analyst"),
    )
    assert response.status_code == 422


def test_admin_sees_only_events_about_own_nation(client: ApiClient, node: Node) -> None:
    service.create_user(
        node.uow(),
        Actor.console(),
        service.NewUser("al.newbie", "AL", (Role.OBSERVER,), Clearance.UNCLASSIFIED),
    )
    events = client.get("/api/audit/events", params={"limit": 1000}, headers=basic("hr.admin"))
    assert events.status_code == 200
    docs = [e["event"] for e in events.json()]
    assert docs and all("HR" in (d["actor_nation"], d["object_nation"]) for d in docs)
    assert client.get("/api/audit/events", headers=basic("hr.analyst")).status_code == 403


def test_verify_passes_on_an_untouched_log(node: Node) -> None:
    _grow(node, 3)
    audit_service.signed_tree_head(node.uow(), node.signing_key())
    _grow(node, 2)
    report = _verify(node)
    assert report.ok and report.heads_checked == 1 and report.first_bad_index is None


def test_verify_names_an_edited_event(node: Node) -> None:
    _grow(node, 4)
    with node.uow() as uow:
        uow.session.execute(
            update(AuditEventRow).where(AuditEventRow.index == 7).values(actor_name="mallory")
        )
        uow.commit()
    report = _verify(node)
    assert not report.ok and report.first_bad_index == 7


def test_verify_names_a_deleted_event(node: Node) -> None:
    _grow(node, 4)
    with node.uow() as uow:
        uow.session.execute(delete(AuditEventRow).where(AuditEventRow.index == 5))
        uow.commit()
    report = _verify(node)
    assert not report.ok and report.first_bad_index == 5


def test_verify_catches_a_deleted_tail_against_the_signed_head(node: Node) -> None:
    _grow(node, 4)
    head = audit_service.signed_tree_head(node.uow(), node.signing_key())
    with node.uow() as uow:
        uow.session.execute(delete(AuditEventRow).where(AuditEventRow.index == head.tree_size - 1))
        uow.session.execute(update(AuditHeadRow).values(size=head.tree_size - 1))
        uow.commit()
    report = _verify(node)
    assert not report.ok and report.first_bad_index == head.tree_size - 1


def test_verify_catches_reordered_events(node: Node) -> None:
    _grow(node, 4)
    with node.uow() as uow:
        rows = {
            r.index: r
            for r in uow.session.scalars(
                select(AuditEventRow).where(AuditEventRow.index.in_([3, 4]))
            )
        }
        a, b = rows[3], rows[4]
        a.action, b.action = b.action, a.action
        a.object_id, b.object_id = b.object_id, a.object_id
        a.leaf_hash, b.leaf_hash = b.leaf_hash, a.leaf_hash
        uow.commit()
    report = _verify(node)
    assert not report.ok and report.first_bad_index == 3


def test_verify_catches_rewritten_hashes_against_a_signed_head(node: Node) -> None:
    from defpact.core.audit import event_document
    from defpact.core.merkle import canonical_json, leaf_hash

    _grow(node, 3)
    audit_service.signed_tree_head(node.uow(), node.signing_key())
    with node.uow() as uow:
        row = uow.session.scalars(select(AuditEventRow).where(AuditEventRow.index == 2)).one()
        row.actor_name = "mallory"
        row.leaf_hash = leaf_hash(canonical_json(event_document(row))).hex()
        uow.commit()
    report = _verify(node)
    assert not report.ok and report.first_bad_index == 0


def test_cli_verify_exit_codes(cli_env: Node) -> None:
    _grow(cli_env, 2)
    ok = runner.invoke(app, ["audit", "verify", "--format", "json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    with cli_env.uow() as uow:
        uow.session.execute(
            update(AuditEventRow).where(AuditEventRow.index == 1).values(object_id="x")
        )
        uow.commit()
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "index 1" in bad.stderr
