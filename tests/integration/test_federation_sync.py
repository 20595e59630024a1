"""Federation between in-process nodes (XK, AL, HR; one database each, SQLite and PostgreSQL):
peering, export filter, sync with updates, revocations, deletions, marking downgrades,
withdrawals, a nation leaving; idempotence; faults (down, slow, garbage, wrong key, a peer
speaking for another nation) that apply nothing and set a clear status with backoff."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from defpact.app import create_app
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, can_read
from defpact.core.runtime import Node
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.service import withdraw_member
from defpact.federation import peers
from defpact.federation.sync import sync_peer
from defpact.governance.provisions import Provision
from defpact.procurement.planning_service import export_scenario
from defpact.procurement.records import Case
from defpact.threats.intel import service as intel
from defpact.threats.intel.store import IntelReportRow
from defpact.threats.stix import service as stix
from defpact.threats.stix.collections import nation_collection_id
from defpact.threats.stix.query import VersionSelector
from defpact.threats.stix.service import seed_threats
from federation_support import (
    AsgiTransport,
    FedNode,
    Router,
    add_action,
    add_catalogue_item,
    add_document,
    add_exercise,
    add_group,
    add_lesson,
    add_meeting,
    add_requirement,
    add_training_areas,
    create_databases,
    drop_databases,
    empty_postgres,
    indicator,
    marking,
    peer_up,
    principal,
    record_holdings,
)
from procurement_federation_support import (
    add_budget_line,
    case_label,
    procurement_holdings,
    propose,
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


# Procurement and training officers are cleared to RESTRICTED.
RECORD_MARKINGS = [
    ("pact-green", (Clearance.UNCLASSIFIED, (PACT,), TLP.GREEN)),
    ("al-red", (Clearance.RESTRICTED, ("AL",), TLP.RED)),
    ("hr-secret", (Clearance.RESTRICTED, ("HR",), TLP.AMBER)),
    ("al-hr", (Clearance.RESTRICTED, ("AL", "HR"), TLP.AMBER_STRICT)),
]


def _record_expected(records: dict[str, tuple[str, object]], reader: str) -> set[str]:
    return _expected(records, reader, frozenset(NATIONS))


def _create_records(
    trio: dict[str, FedNode],
) -> tuple[dict[str, tuple[str, object]], dict[str, int]]:
    records: dict[str, tuple[str, object]] = {}
    ids: dict[str, int] = {}
    for fed in trio.values():
        add_training_areas(fed.node)
        for i, _ in enumerate(RECORD_MARKINGS):
            add_catalogue_item(fed.node, f"fed-{i}")
    for fed in trio.values():
        for i, (label, (level, release, tlp)) in enumerate(RECORD_MARKINGS):
            mark = marking(
                fed.nation, level, tuple(c for c in release if c != fed.nation) or (PACT,), tlp
            )
            name = f"{fed.nation}-{label}"
            ids[f"req:{name}"] = add_requirement(fed, f"fed-{i}", name, mark)
            ids[f"ex:{name}"] = add_exercise(fed, name, mark)
            ids[f"lesson:{name}"] = add_lesson(fed, ids[f"ex:{name}"], name, mark)
            ids[f"doc:{name}"] = add_document(fed, name, mark)
            ids[f"budget:{name}"] = add_budget_line(
                fed.node, f"{fed.nation.lower()}.procurement", 2030 + i, name, mark
            )
            ids[f"group:{name}"] = add_group(fed, name, mark)
            ids[f"meeting:{name}"] = add_meeting(fed, ids[f"group:{name}"], name, mark)
            ids[f"action:{name}"] = add_action(fed, ids[f"group:{name}"], name, mark)
            fed.add_report(name, mark)
            records[name] = (fed.nation, mark)
    return records, ids


def _assert_records(trio: dict[str, FedNode], records: dict[str, tuple[str, object]]) -> None:
    for fed in trio.values():
        held = record_holdings(fed, set(NATIONS) - {fed.nation})
        want = _record_expected(records, fed.nation)
        assert set(held.requirements) == want
        assert held.exercises == want
        assert set(held.lessons) == want
        assert set(held.documents) == want
        assert set(procurement_holdings(fed, set(NATIONS) - {fed.nation}).budget_lines) == want
        assert set(held.groups) == want and set(held.meetings) == want
        assert set(held.actions) == want
        # People travel as the names the pages show, never as user ids of another node.
        for name in want:
            origin = records[name][0]
            assert held.groups[name] == [f"National administrator ({origin})"]


def test_every_record_type_converges_updates_withdraws_and_stays_read_only(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    from defpact.governance import service as gov
    from defpact.governance.access import MarkingSpec
    from defpact.governance.document_service import add_version
    from defpact.governance.tracker import ActionStatus
    from defpact.procurement.budget_service import (
        BudgetChange,
        update_budget_line,
        withdraw_budget_line,
    )
    from defpact.procurement.case_service import advance_case, commit_share
    from defpact.procurement.requirement_service import (
        RequirementChange,
        update_requirement,
        withdraw_requirement,
    )
    from defpact.training.lessons import LessonStep
    from defpact.training.planning_service import advance_lesson

    router = _router(request)
    records, ids = _create_records(trio)
    _sync_all(trio, router)
    _assert_records(trio, records)
    # Joint orders over the replicated requirements reach exactly their participants.
    cases = _propose_cases(trio)
    _sync_all(trio, router)
    _assert_cases(trio, {label: (c.lead, c.marking) for label, c in cases.items()})

    # Re-sync from the start changes nothing.
    al = trio["AL"]
    before = record_holdings(al, {"XK", "HR"})
    result = sync_peer(al.node, al.identity, "XK", factory=router, full=True)
    assert result.error is None and result.totals.stored == 0
    assert record_holdings(al, {"XK", "HR"}) == before

    xk = trio["XK"]
    proc = xk.actor("procurement")
    # Update: a new quantity reaches every node that holds the requirement.
    green = records["XK-pact-green"][1]
    update_requirement(xk.node.uow(), proc, ids["req:XK-pact-green"],
                       RequirementChange(9, "2027-06", "XK-pact-green", green), 1)  # type: ignore[arg-type]  # fmt: skip
    # Downgrade: no longer released to AL (only HR).
    only_hr = marking("XK", Clearance.UNCLASSIFIED, ("HR",), TLP.AMBER)
    update_requirement(xk.node.uow(), proc, ids["req:XK-al-hr"],
                       RequirementChange(5, "2027-06", "XK-al-hr", only_hr), 1)  # fmt: skip
    # Withdrawal: gone everywhere.
    withdraw_requirement(xk.node.uow(), proc, ids["req:XK-hr-secret"])
    # A lesson moves on; a document gets a version only HR may read.
    advance_lesson(xk.node.uow(), xk.actor("training"), ids["lesson:XK-pact-green"],
                   LessonStep("identified", lesson="learned"), version=1)  # fmt: skip
    hr_only = MarkingSpec(Clearance.UNCLASSIFIED, frozenset({"HR"}), TLP.AMBER)
    add_version(xk.node.uow(), xk.actor("admin"), ids["doc:XK-pact-green"], "v2", "second",
                marking=hr_only)  # fmt: skip
    # Budget lines: a new amount, a downgrade to HR only, a withdrawal.
    update_budget_line(xk.node.uow(), proc, ids["budget:XK-pact-green"],
                       BudgetChange(9.0, "XK-pact-green", green), 1)  # type: ignore[arg-type]  # fmt: skip
    update_budget_line(xk.node.uow(), proc, ids["budget:XK-al-hr"],
                       BudgetChange(5.0, "XK-al-hr", only_hr), 1)  # fmt: skip
    withdraw_budget_line(xk.node.uow(), proc, ids["budget:XK-hr-secret"])
    # Cases: both commit to XK+AL (AL's approver on XK's node); the three-nation one is withdrawn.
    trio_case, pair = cases["XK:fed-0:XK+AL+HR"], cases["XK:fed-0:XK+AL"]
    commit_share(xk.node.uow(), xk.actor("approver"), pair.id, pair.version)
    commit_share(xk.node.uow(), Actor.of(principal(xk.node, "al.approver")), pair.id,
                 pair.version + 1)  # fmt: skip
    advance_case(xk.node.uow(), proc, trio_case.id, "withdraw", trio_case.version)
    # Governance (each change on its own record, so that each journal hook is needed): minutes,
    # a decision with its action item, progress; a meeting and an item withdrawn; a group
    # withdrawn with its meeting and item.
    admin = xk.actor("admin")
    gov.record_minutes(xk.node.uow(), admin, ids["meeting:XK-pact-green"], "agreed minutes")
    action = gov.NewAction(Provision.HYBRID_THREATS, "XK-decided", "AL", date(2027, 9, 1))
    gov.record_decision(xk.node.uow(), admin, ids["meeting:XK-al-red"], "we agree", [action])
    gov.report_progress(xk.node.uow(), admin, ids["action:XK-pact-green"],
                        status=ActionStatus.IN_PROGRESS, note="under way")  # fmt: skip
    gov.withdraw_meeting(xk.node.uow(), admin, ids["meeting:XK-al-hr"])
    gov.withdraw_action(xk.node.uow(), admin, ids["action:XK-al-hr"])
    gov.withdraw_group(xk.node.uow(), admin, ids["group:XK-hr-secret"])
    _sync_all(trio, router)
    al_held, hr_held = record_holdings(al, {"XK"}), record_holdings(trio["HR"], {"XK"})
    assert al_held.requirements["XK-pact-green"] == 9 == hr_held.requirements["XK-pact-green"]
    assert "XK-al-hr" not in al_held.requirements and "XK-al-hr" in hr_held.requirements
    assert "XK-hr-secret" not in hr_held.requirements
    assert al_held.lessons["XK-pact-green"] == "identified"
    assert al_held.documents["XK-pact-green"] == [1] and hr_held.documents["XK-pact-green"] == [
        1,
        2,
    ]
    al_proc, hr_proc = procurement_holdings(al, {"XK"}), procurement_holdings(trio["HR"], {"XK"})
    assert al_proc.budget_lines["XK-pact-green"] == 900 == hr_proc.budget_lines["XK-pact-green"]
    assert "XK-al-hr" not in al_proc.budget_lines and hr_proc.budget_lines["XK-al-hr"] == 500
    assert "XK-hr-secret" not in hr_proc.budget_lines
    assert al_proc.cases["XK:fed-0:XK+AL"] == ("committed", ["AL", "XK"])
    assert (
        al_proc.cases["XK:fed-0:XK+AL+HR"]
        == ("withdrawn", [])
        == hr_proc.cases["XK:fed-0:XK+AL+HR"]
    )
    assert al_held.decisions["XK-al-red"] == ["we agree"]
    assert al_held.decided == {"XK-decided": "we agree"}  # the item links to the decision
    assert "XK-decided" not in hr_held.actions  # it inherits the meeting's marking (AL, RED)
    for held in (al_held, hr_held):
        assert held.meetings["XK-pact-green"] == "agreed minutes"
        assert held.decisions["XK-pact-green"] == []
        assert held.actions["XK-pact-green"] == "in-progress"
        assert "XK-al-hr" not in held.meetings and "XK-al-hr" not in held.actions
        assert "XK-al-hr" in held.groups
    gone = {"XK-hr-secret"}  # the group withdrawn with its meeting and item
    assert not gone & (set(hr_held.groups) | set(hr_held.meetings) | set(hr_held.actions))
    with trio["HR"].node.uow() as uow:  # its meeting and item went first: nothing kept hidden
        from defpact.governance.store import GroupRow

        stmt = select(GroupRow).where(GroupRow.name == "XK-hr-secret")
        assert uow.session.scalars(stmt).first() is None
    # The meeting page on AL shows the replica's attendees and its decisions with their items.
    meeting_id = _replica_ids(al, "XK-al-red")["meeting"]
    meeting = gov.get_meeting(al.node.uow(), al.actor("admin"), meeting_id)
    assert [(a.nation, a.display_name, a.username) for a in meeting.attendees] == [
        ("XK", "National administrator (XK)", "")
    ]
    assert [d.text for d in meeting.decisions] == ["we agree"] and meeting.decisions[0].action_ids
    # A new member of a group (which re-stamps the group's meetings: done on its own here).
    gov.add_group_member(xk.node.uow(), admin, ids["group:XK-pact-green"], "xk.analyst")
    _sync_all(trio, router)
    for fed in (al, trio["HR"]):
        assert record_holdings(fed, {"XK"}).groups["XK-pact-green"] == [
            "Intelligence analyst (XK)", "National administrator (XK)"
        ]  # fmt: skip

    # Replicas are read-only, even for a user of the originating nation on this node.
    ids_on_al = _replica_ids(al, "XK-pact-green") | {"case": _case_id(al, "XK:fed-0:XK+AL")}
    _assert_read_only(al, ids_on_al)


def _propose_cases(trio: dict[str, FedNode]) -> dict[str, Case]:
    """XK: fed-0 with AL and HR, and with AL alone; AL: fed-3 with HR; HR: fed-0 with XK."""
    wanted = [("XK", "fed-0", ("AL", "HR")), ("XK", "fed-0", ("AL",)), ("AL", "fed-3", ("HR",)),
              ("HR", "fed-0", ("XK",))]  # fmt: skip
    made = [propose(trio[lead], item, nations) for lead, item, nations in wanted]
    return {case_label(c.lead, c.item, c.participants): c for c in made}


def _assert_cases(trio: dict[str, FedNode], cases: dict[str, tuple[str, object]]) -> None:
    for fed in trio.values():
        held = procurement_holdings(fed, set(NATIONS) - {fed.nation})
        assert set(held.cases) == _record_expected(cases, fed.nation)
        assert all(state == ("proposed", []) for state in held.cases.values())
    assert set(procurement_holdings(trio["AL"], {"XK"}).cases) == {
        "XK:fed-0:XK+AL+HR", "XK:fed-0:XK+AL"
    }  # fmt: skip


def _case_id(fed: FedNode, label: str) -> int:
    from defpact.procurement.store import CaseRow

    lead, item, _ = label.split(":")
    with fed.node.uow() as uow:
        rows = uow.session.scalars(
            select(CaseRow).where(CaseRow.originator == lead, CaseRow.item_key == item)
        ).all()
        return next(r.id for r in rows if case_label(lead, item, r.participants) == label)


def _replica_ids(fed: FedNode, name: str) -> dict[str, int]:
    from defpact.governance.store import ActionRow, DocumentRow, GroupRow, MeetingRow
    from defpact.procurement.store import BudgetLineRow, RequirementRow
    from defpact.training.store import LessonRow

    with fed.node.uow() as uow:
        s = uow.session
        return {
            "req": s.scalars(select(RequirementRow.id).where(RequirementRow.note == name)).one(),
            "budget": s.scalars(select(BudgetLineRow.id).where(BudgetLineRow.note == name)).one(),
            "lesson": s.scalars(select(LessonRow.id).where(LessonRow.title == name)).one(),
            "doc": s.scalars(select(DocumentRow.id).where(DocumentRow.title == name)).one(),
            "intel": s.scalars(select(IntelReportRow.id).where(IntelReportRow.title == name)).one(),
            "group": s.scalars(select(GroupRow.id).where(GroupRow.name == name)).one(),
            "meeting": s.scalars(select(MeetingRow.id).where(MeetingRow.title == name)).one(),
            "action": s.scalars(select(ActionRow.id).where(ActionRow.title == name)).one(),
        }


def _assert_read_only(fed: FedNode, ids: dict[str, int]) -> None:
    """A user of XK (the originator) on AL's node may not change XK's replicas there."""
    from defpact.governance.document_service import add_version
    from defpact.procurement.requirement_service import RequirementChange, update_requirement
    from defpact.training.lessons import LessonStep
    from defpact.training.planning_service import advance_lesson

    def xk(role: str) -> Actor:
        return Actor.of(principal(fed.node, f"xk.{role}"))

    mark = marking("XK")
    with pytest.raises(NotFound):  # procurement and intel: not yours to write = 404
        update_requirement(fed.node.uow(), xk("procurement"), ids["req"],
                           RequirementChange(1, "2027-06", "x", mark), 1)  # fmt: skip
    with pytest.raises(NotFound):
        intel.withdraw_report(fed.node.uow(), xk("analyst"), ids["intel"])
    _assert_procurement_read_only(fed, ids, xk)
    with pytest.raises(PermissionDenied, match="read-only"):
        advance_lesson(fed.node.uow(), xk("training"), ids["lesson"],
                       LessonStep("action", action="a"), version=1)  # fmt: skip
    with pytest.raises(PermissionDenied, match="read-only"):
        add_version(fed.node.uow(), xk("admin"), ids["doc"], "v9", "nine")
    _assert_governance_read_only(fed, xk("admin"), ids)
    stix_id = indicator("xk-on-al", mark)[1]["id"]
    with pytest.raises(PermissionDenied, match="read-only"):
        stix.add_objects(fed.node.uow(), xk("analyst"), nation_collection_id("XK"),
                         indicator("xk-on-al", mark))  # fmt: skip
    with pytest.raises((PermissionDenied, NotFound)):
        stix.delete_object(fed.node.uow(), xk("analyst"), nation_collection_id("XK"), stix_id,
                           VersionSelector(last=False, every=True), frozenset())  # fmt: skip


def _assert_procurement_read_only(
    fed: FedNode, ids: dict[str, int], xk: Callable[[str], Actor]
) -> None:
    """Budget lines answer 404 like requirements and refuse a second line for the year; a case
    replica refuses commitments and milestones (403: participants can read it)."""
    from defpact.procurement import budget_service as budgets
    from defpact.procurement.case_service import advance_case, commit_share

    change = budgets.BudgetChange(1.0, "x", marking("XK"))
    with pytest.raises(NotFound):
        budgets.update_budget_line(fed.node.uow(), xk("procurement"), ids["budget"], change, 2)
    with pytest.raises(NotFound):
        budgets.withdraw_budget_line(fed.node.uow(), xk("procurement"), ids["budget"])
    with pytest.raises(Conflict, match="replica"):
        budgets.create_budget_line(fed.node.uow(), xk("procurement"), 2030, change)
    with pytest.raises(PermissionDenied, match="read-only"):
        commit_share(fed.node.uow(), Actor.of(principal(fed.node, "al.approver")), ids["case"], 3)
    with pytest.raises(PermissionDenied, match="read-only"):
        advance_case(fed.node.uow(), xk("procurement"), ids["case"], "send_lor")


def _assert_governance_read_only(fed: FedNode, admin: Actor, ids: dict[str, int]) -> None:
    """Groups, meetings and action items: every write answers 403 "read-only"; nothing changed."""
    from defpact.governance import service as gov
    from defpact.governance.tracker import ActionStatus

    uow = fed.node.uow
    writes = [
        lambda: gov.add_group_member(uow(), admin, ids["group"], "xk.analyst"),
        lambda: gov.withdraw_group(uow(), admin, ids["group"]),
        lambda: gov.record_minutes(uow(), admin, ids["meeting"], "forked minutes"),
        lambda: gov.record_decision(uow(), admin, ids["meeting"], "forked decision"),
        lambda: gov.withdraw_meeting(uow(), admin, ids["meeting"]),
        lambda: gov.report_progress(uow(), admin, ids["action"], status=ActionStatus.DONE),
        lambda: gov.withdraw_action(uow(), admin, ids["action"]),
    ]
    before = record_holdings(fed, {"XK"})
    for write in writes:
        with pytest.raises(PermissionDenied, match="read-only"):
            write()
    assert record_holdings(fed, {"XK"}) == before


def test_withdrawn_exercises_and_lessons_are_withdrawn_on_every_peer(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    """Withdrawing an exercise or a lesson reaches the peers holding it; their replicas cannot
    be withdrawn (or changed) there, not even by a user of the originating nation."""
    from defpact.training.exercise_service import withdraw_exercise
    from defpact.training.planning_service import withdraw_lesson
    from defpact.training.store import ExerciseRow, LessonRow

    router = _router(request)
    xk, al, hr = trio["XK"], trio["AL"], trio["HR"]
    for fed in trio.values():
        add_training_areas(fed.node)
    mark = marking("XK")
    kept = add_exercise(xk, "XK-KEPT", mark)
    gone = add_exercise(xk, "XK-GONE", mark)
    lesson = add_lesson(xk, kept, "lesson-gone", mark)
    add_lesson(xk, kept, "lesson-kept", mark)
    _sync_all(trio, router)
    for fed in (al, hr):
        held = record_holdings(fed, {"XK"})
        assert held.exercises == {"XK-KEPT", "XK-GONE"}
        assert set(held.lessons) == {"lesson-gone", "lesson-kept"}
    with al.node.uow() as uow:
        replica_exercise = uow.session.scalars(
            select(ExerciseRow.id).where(ExerciseRow.code == "XK-GONE")
        ).one()
        replica_lesson = uow.session.scalars(
            select(LessonRow.id).where(LessonRow.title == "lesson-gone")
        ).one()
    xk_on_al = Actor.of(principal(al.node, "xk.training"))
    with pytest.raises(PermissionDenied, match="read-only"):
        withdraw_exercise(al.node.uow(), xk_on_al, replica_exercise)
    with pytest.raises(PermissionDenied, match="read-only"):
        withdraw_lesson(al.node.uow(), xk_on_al, replica_lesson)
    withdraw_exercise(xk.node.uow(), xk.actor("training"), gone)
    withdraw_lesson(xk.node.uow(), xk.actor("training"), lesson)
    _sync_all(trio, router)
    for fed in (al, hr):
        held = record_holdings(fed, {"XK"})
        assert held.exercises == {"XK-KEPT"}
        assert set(held.lessons) == {"lesson-kept"}


def test_records_whose_reference_is_missing_here_are_not_stored(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    router = _router(request)
    xk, al = trio["XK"], trio["AL"]
    for fed in trio.values():
        add_training_areas(fed.node)
    add_catalogue_item(xk.node, "xk-only")  # AL's catalogue has no such item
    add_requirement(xk, "xk-only", "needs-xk-only", marking("XK"))
    exercise = add_exercise(xk, "XK-HIDDEN", marking("XK", release=("HR",)))
    add_lesson(xk, exercise, "lesson-of-hidden", marking("XK"))  # released, its exercise is not
    _propose_without_al_item(xk)
    # XK's 2031 line seeded on both nodes: AL's local copy is taken over, never doubled.
    add_budget_line(al.node, "xk.procurement", 2031, "seeded on AL too", marking("XK"), 7.0)
    add_budget_line(xk.node, "xk.procurement", 2031, "xk-2031", marking("XK"), 31.0)
    result = sync_peer(al.node, al.identity, "XK", factory=router)
    assert result.error is None and result.totals.refused >= 2
    # A meeting and an action item released to PACT in a group released to HR only.
    hidden = add_group(xk, "XK-HIDDEN", marking("XK", release=("HR",)))
    add_meeting(xk, hidden, "meeting-of-hidden", marking("XK"))
    add_action(xk, hidden, "action-of-hidden", marking("XK"))
    # AL holds a group of its own named like one of XK's: XK's group and its meeting and item
    # are refused on AL, whose group stays as it was.
    clash = add_group(al, "clash", marking("AL"))
    add_meeting(xk, add_group(xk, "clash", marking("XK")), "meeting-of-clash", marking("XK"))
    # AL holds a group of XK's (made on AL before federation, e.g. the demo seeded on both):
    # XK's group of that name takes it over.
    seeded = _console_group(al, "seeded")
    add_group(xk, "seeded", marking("XK"))
    result = sync_peer(al.node, al.identity, "XK", factory=router)
    # Refused in this round: the clashing group and its meeting (the hidden group's meeting and
    # item are not even sent: their group is not released to AL).
    assert result.error is None and result.totals.refused == 2
    held = record_holdings(al, {"XK"})
    assert "needs-xk-only" not in held.requirements
    proc = procurement_holdings(al, {"XK"})
    assert proc.cases == {} and proc.budget_lines == {"xk-2031": 3100}
    scenario = export_scenario(al.node.uow(), principal(al.node, "al.procurement"))
    assert scenario["budget"]["XK"] == {"2031": 31}
    assert "lesson-of-hidden" not in held.lessons and "XK-HIDDEN" not in held.exercises
    assert held.groups == {"seeded": ["National administrator (XK)"]}
    assert held.meetings == {} and held.actions == {}
    with al.node.uow() as uow:
        from defpact.governance.store import GroupRow

        rows = {g.name: g for g in uow.session.scalars(select(GroupRow))}
        assert rows["clash"].id == clash and rows["clash"].originator == "AL"
        assert rows["clash"].mandate == "mandate of clash"
        assert rows["seeded"].id == seeded and rows["seeded"].mandate == "mandate of seeded"
    hr_held = record_holdings(trio["HR"], {"XK"})
    assert hr_held.lessons == {} or "lesson-of-hidden" not in hr_held.lessons
    sync_peer(trio["HR"].node, trio["HR"].identity, "XK", factory=router)
    hr_held = record_holdings(trio["HR"], {"XK"})
    assert "lesson-of-hidden" in hr_held.lessons and "XK-HIDDEN" in hr_held.exercises
    assert {"XK-HIDDEN", "clash", "seeded"} <= set(hr_held.groups)
    assert set(hr_held.meetings) == {"meeting-of-hidden", "meeting-of-clash"}
    assert set(hr_held.actions) == {"action-of-hidden"}


def _console_group(fed: FedNode, name: str) -> int:
    """A group of XK written on ``fed``'s node at the console (as the demo seed does)."""
    from defpact.governance import service as gov

    new = gov.NewGroup(name, "XK", "old mandate", (Provision.HYBRID_THREATS,),
                       marking=gov.MarkingSpec(originator="XK"))  # fmt: skip
    return gov.create_group(fed.node.uow(), Actor.console(), new).id


def _propose_without_al_item(xk: FedNode) -> None:
    """A case of XK and AL for an item AL's catalogue lacks (AL's requirement written on XK's
    node directly: AL itself could not state it)."""
    from defpact.procurement.requirement_service import RequirementChange, store_requirement
    from defpact.procurement.store import CatalogueItemRow

    with xk.node.uow() as uow:
        item = uow.session.scalars(
            select(CatalogueItemRow).where(CatalogueItemRow.key == "xk-only")
        ).one()
        al_actor = Actor(None, "al.procurement", "AL")
        change = RequirementChange(3, "2027-06", "al-wants-xk-only", marking("AL"))
        store_requirement(uow.session, al_actor, item, "AL", change, None)
        uow.commit()
    propose(xk, "xk-only", ("AL",))


def test_the_scheduler_pulls_each_due_peer_in_the_background(
    trio: dict[str, FedNode], request: pytest.FixtureRequest
) -> None:
    from defpact.federation.scheduler import SyncScheduler

    router = _router(request)
    xk, al = trio["XK"], trio["AL"]
    xk.add_report("scheduled", marking("XK"))
    scheduler = SyncScheduler(al.node, al.identity, tick=0.05, factory=router)
    assert scheduler.status().last_results == {}
    workers = scheduler.check_once()  # both peers are due: never synced yet
    assert sorted(w.name for w in workers) == ["federation-sync-HR", "federation-sync-XK"]
    for worker in workers:
        worker.join(60)
    status = scheduler.status()
    assert "caught up" in status.last_results["XK"] and status.syncing == ()
    assert "scheduled" in al.holdings({"XK"}).reports
    assert scheduler.check_once() == []  # not due again before the peer's interval
    # A failing peer is reported and backs off; the other peers are not held up.
    router.faults["http://xk.test"] = httpx.MockTransport(
        lambda _r: httpx.Response(200, text="<html>down for maintenance</html>")
    )
    with al.node.uow() as uow:
        from defpact.federation.store import PeerRow

        for row in uow.session.scalars(select(PeerRow)):
            row.next_attempt_at = None
        uow.commit()
    scheduler.start()
    try:
        for _ in range(400):
            if "failed" in scheduler.status().last_results["XK"]:
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
        del router.faults["http://xk.test"]
    status = scheduler.status()
    assert not status.running and "failed" in status.last_results["XK"]
    assert "caught up" in status.last_results["HR"]
    info = peers.get_peer(al.node.uow(), Actor.console(), al.identity, "XK")
    assert info.failures == 1 and info.next_attempt_at is not None
