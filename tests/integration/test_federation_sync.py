"""Federation between in-process nodes (XK, AL, HR; one database each, SQLite and PostgreSQL):
peering, export filter, sync with updates, revocations, deletions, marking downgrades,
withdrawals, a nation leaving; idempotence; faults (down, slow, garbage, wrong key, a peer
speaking for another nation) that apply nothing and set a clear status with backoff."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from defpact.app import create_app
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, can_read
from defpact.core.runtime import Node
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.service import withdraw_member
from defpact.federation import peers
from defpact.federation.sync import sync_peer
from defpact.threats.intel import service as intel
from defpact.threats.stix.service import seed_threats
from federation_support import (
    AsgiTransport,
    FedNode,
    Router,
    create_databases,
    drop_databases,
    empty_postgres,
    indicator,
    marking,
    peer_up,
)

NATIONS = ("XK", "AL", "HR")


@pytest.fixture(scope="module")
def pg_urls() -> Iterator[list[str]]:
    base = os.environ.get("DEFPACT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL tests skipped: set DEFPACT_TEST_POSTGRES_URL")
    names = [f"defpact_fed_{os.getpid()}_{n.lower()}" for n in NATIONS]
    yield create_databases(base, names)
    drop_databases(base, names)


@pytest.fixture
def trio(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[dict[str, FedNode]]:
    router = Router()
    nodes: dict[str, FedNode] = {}
    for i, nation in enumerate(NATIONS):
        if backend == "postgres":
            url = request.getfixturevalue("pg_urls")[i]
            empty_postgres(url)
        else:
            template: Path = request.getfixturevalue("sqlite_template")
            target = tmp_path / f"{nation}.db"
            shutil.copyfile(template, target)
            url = f"sqlite:///{target}"
        settings = Settings(data_dir=tmp_path / nation, database_url=url, node_nations=nation,
                            node_id=f"node-{nation.lower()}")  # fmt: skip
        node = Node.from_settings(settings)
        seed_reference(node.uow())
        seed_demo(node.uow())
        seed_threats(node.uow())
        fed = FedNode(nation, node, f"http://{nation.lower()}.test")
        fed.app = create_app(node=node)
        router.apps[fed.url] = fed.app
        nodes[nation] = fed
    nodes_router = router
    for a, b in (("XK", "AL"), ("XK", "HR"), ("AL", "HR")):
        peer_up(nodes[a], nodes[b], nodes_router)
    request.node.router = router  # type: ignore[attr-defined]
    yield nodes
    router.close()
    for fed in nodes.values():
        fed.node.dispose()


def _router(request: pytest.FixtureRequest) -> Router:
    return request.node.router  # type: ignore[attr-defined,no-any-return]


def _sync_all(trio: dict[str, FedNode], router: Router) -> None:
    for fed in trio.values():
        for other in trio:
            if other != fed.nation:
                result = sync_peer(fed.node, fed.identity, other, factory=router, limit=3)
                assert result.error is None, result.error


MARKINGS = [
    ("pact-green", (Clearance.UNCLASSIFIED, (PACT,), TLP.GREEN)),
    ("pact-red", (Clearance.UNCLASSIFIED, (PACT,), TLP.RED)),
    ("al-red", (Clearance.RESTRICTED, ("AL",), TLP.RED)),
    ("hr-secret", (Clearance.SECRET, ("HR",), TLP.AMBER)),
    ("al-hr", (Clearance.CONFIDENTIAL, ("AL", "HR"), TLP.AMBER_STRICT)),
]


def _expected(records: dict[str, tuple[str, object]], reader: str, members: frozenset[str],
              caps: dict[str, Clearance] | None = None) -> set[str]:  # fmt: skip
    out = set()
    for name, (origin, mark) in records.items():
        cap = (caps or {}).get(origin, Clearance.SECRET)
        if origin != reader and can_read(reader, cap, mark, members):  # type: ignore[arg-type]
            out.add(name)
    return out


def test_three_nodes_converge_to_the_releasable_sets(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    router = _router(request)
    records: dict[str, tuple[str, object]] = {}
    ids: dict[str, str] = {}
    for fed in trio.values():
        for label, (level, release, tlp) in MARKINGS:
            mark = marking(
                fed.nation, level, tuple(c for c in release if c != fed.nation) or (PACT,), tlp
            )
            name = f"{fed.nation}-{label}"
            objs = indicator(name, mark)
            fed.add_stix(objs)
            ids[name] = objs[1]["id"]
            fed.add_report(name, mark)
            records[name] = (fed.nation, mark)
    _sync_all(trio, router)
    members = frozenset(NATIONS)
    for fed in trio.values():
        others = set(NATIONS) - {fed.nation}
        held = fed.holdings(others)
        want = _expected(records, fed.nation, members)
        assert set(held.reports) == want
        assert {k for k, v in ids.items() if v in held.stix} == want

    # Re-sync changes nothing (idempotent), also from the start.
    before = trio["AL"].holdings({"XK", "HR"})
    result = sync_peer(trio["AL"].node, trio["AL"].identity, "XK", factory=router, full=True)
    assert result.error is None and result.totals.stored == 0
    assert trio["AL"].holdings({"XK", "HR"}) == before

    # Update, revoke, delete, downgrade, withdraw on XK; converge again.
    xk = trio["XK"]
    green = marking("XK")
    xk.add_stix(indicator("XK-pact-green", green, modified="2025-06-01T10:00:00.000Z"))
    xk.add_stix(indicator("XK-al-hr", records["XK-al-hr"][1], modified="2025-06-01T10:00:00.000Z",  # type: ignore[arg-type]
                          revoked=True))  # fmt: skip
    xk.delete_stix(ids["XK-hr-secret"])
    only_hr = marking("XK", Clearance.UNCLASSIFIED, ("HR",), TLP.AMBER)
    xk.add_stix(indicator("XK-pact-red", only_hr, modified="2025-06-01T10:00:00.000Z"))
    records["XK-pact-red"] = ("XK", only_hr)
    del records["XK-hr-secret"]
    report = next(r for r in intel.list_reports(xk.node.uow(), xk.actor().principal,  # type: ignore[arg-type]
                  intel.ReportFilter(q="XK-pact-green")).items)  # fmt: skip
    intel.withdraw_report(xk.node.uow(), xk.actor(), report.id)
    _sync_all(trio, router)
    al, hr = trio["AL"].holdings({"XK"}), trio["HR"].holdings({"XK"})
    assert al.stix[ids["XK-pact-green"]] > before.stix[ids["XK-pact-green"]]  # newer version
    assert ids["XK-hr-secret"] not in hr.stix  # deletion propagated
    assert ids["XK-pact-red"] not in al.stix and ids["XK-pact-red"] in hr.stix  # downgrade
    assert "XK-pact-green" not in al.reports and "XK-pact-green" not in hr.reports  # withdrawn
    assert ids["XK-al-hr"] in al.stix  # the revoked version replaced the old one
    with trio["AL"].node.uow() as uow:
        from defpact.threats.stix.store import StixObjectRow

        row = uow.session.query(StixObjectRow).filter_by(stix_id=ids["XK-al-hr"]).one()
        assert json.loads(row.raw).get("revoked") is True and row.revoked


def test_a_nation_leaving_loses_the_replicas_it_no_longer_may_read(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    router = _router(request)
    xk, al = trio["XK"], trio["AL"]
    xk.add_report("named-al", marking("XK", release=("AL",)))
    xk.add_report("pact", marking("XK"))
    al.add_report("al-pact", marking("AL"))
    _sync_all(trio, router)
    assert set(al.holdings({"XK"}).reports) == {"named-al", "pact"}
    for fed in trio.values():
        with fed.node.uow() as uow:
            withdraw_member(uow.session, Actor.console(), "AL", date.today())
            uow.commit()
    _sync_all(trio, router)
    assert al.holdings({"XK", "HR"}).reports == {}
    # Members keep what AL released to them while it was a member (DESIGN.md).
    assert "al-pact" in xk.holdings({"AL"}).reports


def test_bad_peers_are_refused(trio: dict[str, FedNode], request: pytest.FixtureRequest) -> None:
    router = _router(request)
    xk = trio["XK"]
    console = Actor.console()
    secret = xk.node.settings.effective_secret_key()
    with pytest.raises(Conflict):
        peers.add_peer(xk.node.uow(), console, xk.identity, secret,
                       peers.NewPeer("http://al.test", "AL"), router)  # fmt: skip
    with pytest.raises(InvalidInput) as exc:
        peers.add_peer(xk.node.uow(), console, xk.identity, secret,
                       peers.NewPeer("http://de.test", "DE"), router)  # fmt: skip
    assert exc.value.field == "nation" and "not a member" in exc.value.detail
    with pytest.raises(InvalidInput) as exc:
        peers.add_peer(xk.node.uow(), console, xk.identity, secret,
                       peers.NewPeer("http://xk.test", "XK"), router)  # fmt: skip
    assert exc.value.field == "nation"
    peers.remove_peer(xk.node.uow(), console, xk.identity, "HR")
    router.faults["http://html.test"] = httpx.MockTransport(
        lambda _r: httpx.Response(200, text="<html>hello</html>")
    )
    with pytest.raises(InvalidInput) as exc:
        peers.add_peer(xk.node.uow(), console, xk.identity, secret,
                       peers.NewPeer("http://html.test", "HR"), router)  # fmt: skip
    assert exc.value.field == "url"
    with pytest.raises(InvalidInput) as exc:
        peers.add_peer(xk.node.uow(), console, xk.identity, secret,
                       peers.NewPeer("http://hr.test", "HR", key=xk.identity.public_key),
                       router)  # fmt: skip
    assert exc.value.field == "key" and "wrong key" in exc.value.detail


def _fault_case(trio: dict[str, FedNode], router: Router, transport: httpx.BaseTransport) -> str:
    al = trio["AL"]
    before = al.holdings({"XK"})
    router.faults["http://xk.test"] = transport
    result = sync_peer(al.node, al.identity, "XK", factory=router)
    del router.faults["http://xk.test"]
    assert result.error is not None and result.totals.stored == 0
    assert al.holdings({"XK"}) == before  # nothing partial applied
    info = peers.get_peer(al.node.uow(), Actor.console(), al.identity, "XK")
    assert info.failures >= 1 and info.last_error == result.error and info.next_attempt_at
    return result.error


def _relay(router: Router, app: object, change: object) -> httpx.MockTransport:
    """Forwards to the real node, then lets ``change`` alter the response."""
    inner = AsgiTransport(app)
    router.transports[f"relay-{id(inner)}"] = inner  # closed with the router

    def handle(request: httpx.Request) -> httpx.Response:
        return change(inner.handle_request(request))  # type: ignore[operator,no-any-return]

    return httpx.MockTransport(handle)


def test_faults_stop_the_peer_with_a_clear_status(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    router = _router(request)
    xk = trio["XK"]
    for i in range(4):
        xk.add_report(f"r{i}", marking("XK"))

    def down(_r: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    def slow(_r: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    assert _fault_case(trio, router, httpx.MockTransport(down)).startswith("unreachable")
    assert _fault_case(trio, router, httpx.MockTransport(slow)).startswith("timeout")

    def tamper(real: httpx.Response) -> httpx.Response:
        body = real.content.replace(b'"r1"', b'"r9"')
        return httpx.Response(200, content=body, headers=real.headers)

    assert _fault_case(trio, router, _relay(router, xk.app, tamper)).startswith("signature")

    def garbage(real: httpx.Response) -> httpx.Response:
        return httpx.Response(200, content=b"not json", headers=real.headers)

    assert _fault_case(trio, router, _relay(router, xk.app, garbage)).startswith("signature")
    # Backoff doubles with each failure; a good sync clears the status.
    info = peers.get_peer(trio["AL"].node.uow(), Actor.console(), trio["AL"].identity, "XK")
    assert info.failures == 4
    result = sync_peer(trio["AL"].node, trio["AL"].identity, "XK", factory=router)
    assert result.error is None and result.totals.stored == 4
    info = peers.get_peer(trio["AL"].node.uow(), Actor.console(), trio["AL"].identity, "XK")
    assert info.failures == 0 and info.last_error is None and info.last_success_at
