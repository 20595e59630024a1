"""Governance use cases on SQLite and PostgreSQL that leave the membership unchanged: approval
rounds, bad votes and proposals, versions and diffs, markings, meetings and the action tracker.

These tests share one seeded node per backend (module scope) and each works on its own
records, which keeps the suite fast; tests that admit or withdraw members are in
``test_governance_membership.py`` on a fresh node each.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from defpact.core.audit import AuditEventRow
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from defpact.core.identity import Clearance
from defpact.core.marking import TLP
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.sessions import principal_of
from defpact.core.store import UserRow
from defpact.governance import service
from defpact.governance.approval import Decision, RoundStatus
from defpact.governance.provisions import Provision
from defpact.governance.seed import GUIDE_TITLE, seed_governance_demo
from defpact.governance.store import MeetingRow
from defpact.governance.tracker import ActionStatus

GUIDE = "# Implementation guide\n\n1. Joint procurement\n2. Joint exercises\n"
_serial = count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    """One founded and seeded node per backend for the whole module."""
    folder = tmp_path_factory.mktemp("gov-shared")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
    database = f"defpact_gov_{run}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    if request.param == "postgres":
        url = _postgres_database(database, create=True)
        upgrade(url)
    else:
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "defpact.db")
        url = f"sqlite:///{folder / 'defpact.db'}"
    node = Node.from_settings(Settings(data_dir=folder / "var", database_url=url))
    seed_reference(node.uow())
    seed_demo(node.uow())
    yield node
    node.dispose()
    if request.param == "postgres":
        _postgres_database(database, create=False)


def _postgres_database(name: str, *, create: bool) -> str:
    """(Re)create, or only drop, the module's own PostgreSQL database."""
    base = os.environ.get("DEFPACT_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL tests skipped: set DEFPACT_TEST_POSTGRES_URL to run them")
    admin = sa.create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = uow.session.scalars(select(UserRow).where(UserRow.username == username)).one()
        return Actor.of(principal_of(row))


def _events(node: Node) -> int:
    with node.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(AuditEventRow)) or 0)


def _last_actions(node: Node, n: int) -> list[str]:
    with node.uow() as uow:
        stmt = select(AuditEventRow.action).order_by(AuditEventRow.index.desc()).limit(n)
        return list(reversed(uow.session.scalars(stmt).all()))


def _guide(node: Node, *, submit: bool = True) -> service.DocumentInfo:
    xk = _actor(node, "xk.admin")
    title = f"Implementation guide {next(_serial)}"
    doc = service.create_document(node.uow(), xk, service.NewDocument(title, GUIDE, "draft"))
    if submit:
        service.submit_version(node.uow(), xk, doc.id, 1)
    return doc


def _vote(
    node: Node, who: str, doc_id: int, decision: Decision, comment: str = ""
) -> service.VersionInfo:
    return service.vote_on_version(node.uow(), _actor(node, who), doc_id, 1, decision, comment)


def test_unanimous_approval_adopts_and_every_step_is_audited(shared: Node) -> None:
    doc = _guide(shared)
    for who in ("xk.approver", "al.approver"):
        info = _vote(shared, who, doc.id, Decision.APPROVE)
        assert info.round is not None and info.round.status is RoundStatus.OPEN
    final = _vote(shared, "hr.approver", doc.id, Decision.APPROVE, "Croatia approves")
    assert final.round is not None and final.round.status is RoundStatus.ADOPTED
    assert final.round.closed_at is not None and final.round.pending == ()
    assert dict(final.round.positions) == {"AL": "approved", "HR": "approved", "XK": "approved"}
    assert _last_actions(shared, 2) == ["gov.vote.cast", "gov.round.close"]
    adopted = service.get_document(shared.uow(), _actor(shared, "al.admin"), doc.id)
    assert adopted.adopted_version == 1 and adopted.in_approval is None


def test_one_rejection_closes_the_round_with_reasons_visible_to_all_members(
    shared: Node,
) -> None:
    doc = _guide(shared)
    _vote(shared, "xk.approver", doc.id, Decision.APPROVE)
    _vote(shared, "al.approver", doc.id, Decision.REJECT, "Section 2 lacks a budget annex")
    seen = service.get_version(shared.uow(), _actor(shared, "hr.training"), doc.id, 1)
    assert seen.round is not None and seen.round.status is RoundStatus.REJECTED
    assert {b.nation: b.comment for b in seen.round.ballots}["AL"] == (
        "Section 2 lacks a budget annex"
    )
    with pytest.raises(Conflict, match="closed"):
        _vote(shared, "hr.approver", doc.id, Decision.APPROVE)


def test_bad_votes_are_refused_and_change_nothing(shared: Node) -> None:
    doc = _guide(shared)
    unsubmitted = _guide(shared, submit=False)
    _vote(shared, "xk.approver", doc.id, Decision.APPROVE)
    events = _events(shared)
    with pytest.raises(Conflict, match="already voted"):
        _vote(shared, "xk.approver", doc.id, Decision.REJECT, "changed my mind")
    with pytest.raises(PermissionDenied, match="own nation"):
        service.vote_on_version(
            shared.uow(), _actor(shared, "xk.approver"), doc.id, 1, Decision.APPROVE, nation="AL"
        )
    with pytest.raises(PermissionDenied, match="approver"):
        _vote(shared, "al.admin", doc.id, Decision.APPROVE)
    with pytest.raises(InvalidInput) as caught:
        _vote(shared, "al.approver", doc.id, Decision.REJECT, "  ")
    assert caught.value.field == "comment"
    with pytest.raises(Conflict, match="not been submitted"):
        _vote(shared, "al.approver", unsubmitted.id, Decision.APPROVE)
    version = service.get_version(shared.uow(), Actor.console(), doc.id, 1)
    assert version.round is not None and len(version.round.ballots) == 1
    assert _events(shared) == events


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("AL", Conflict, "already a member"),
        ("RS", InvalidInput, "neither a NATO member nor an EU member state"),
        ("zz", InvalidInput, "neither a NATO member nor an EU member state"),
    ],
)
def test_bad_proposals_are_refused_and_change_nothing(
    shared: Node, code: str, error: type[Exception], message: str
) -> None:
    before = (_events(shared), len(service.list_accessions(shared.uow(), Actor.console())))
    with pytest.raises(error, match=message):
        service.propose_accession(shared.uow(), _actor(shared, "xk.admin"), code)
    after = (_events(shared), len(service.list_accessions(shared.uow(), Actor.console())))
    assert after == before


def test_backdated_duplicate_and_unauthorised_proposals_are_refused(shared: Node) -> None:
    xk = _actor(shared, "xk.admin")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        service.propose_accession(shared.uow(), xk, "ME", yesterday)
    assert caught.value.field == "joined"
    service.propose_accession(shared.uow(), xk, "ME")
    with pytest.raises(Conflict, match="already open"):
        service.propose_accession(shared.uow(), _actor(shared, "hr.admin"), "ME")
    with pytest.raises(PermissionDenied):
        service.propose_accession(shared.uow(), _actor(shared, "xk.approver"), "BG")


def test_versions_diff_and_supersession(shared: Node) -> None:
    doc = _guide(shared)
    xk = _actor(shared, "xk.admin")
    v2 = service.add_version(shared.uow(), xk, doc.id, GUIDE + "3. Hybrid threats\n", "add hybrid")
    assert v2.number == 2 and v2.latest and v2.round is None
    with pytest.raises(Conflict, match="latest"):
        service.submit_version(shared.uow(), xk, doc.id, 1)
    service.submit_version(shared.uow(), xk, doc.id, 2)
    with pytest.raises(Conflict, match="already submitted"):
        service.submit_version(shared.uow(), xk, doc.id, 2)
    summary = service.get_document(shared.uow(), xk, doc.id)
    statuses = {v.number: v.round_status for v in summary.versions}
    assert statuses == {1: RoundStatus.SUPERSEDED, 2: RoundStatus.OPEN}
    diff = service.diff_versions(shared.uow(), _actor(shared, "hr.training"), doc.id, 1, 2)
    assert (diff.added, diff.removed) == (1, 0) and "+3. Hybrid threats" in diff.unified
    with pytest.raises(PermissionDenied, match="originated"):
        service.add_version(shared.uow(), _actor(shared, "al.admin"), doc.id, "x", "hijack")


def test_markings_hide_documents_below_clearance_and_restricted_reads_are_audited(
    shared: Node,
) -> None:
    marking = service.MarkingSpec(Clearance.CONFIDENTIAL, frozenset({"PACT"}), TLP.AMBER)
    doc = service.create_document(
        shared.uow(),
        _actor(shared, "al.admin"),
        service.NewDocument("Annex C", "budget lines", "", marking),
    )
    with pytest.raises(NotFound):
        service.get_document(shared.uow(), _actor(shared, "hr.training"), doc.id)
    assert doc.id not in {
        d.id for d in service.list_documents(shared.uow(), _actor(shared, "hr.training"))
    }
    service.get_document(shared.uow(), _actor(shared, "hr.approver"), doc.id)
    assert _last_actions(shared, 2) == ["gov.gov_document.read", "gov.gov_version.read"]
    private = service.MarkingSpec(releasable_to=frozenset({"AL"}))
    only_al = service.create_document(
        shared.uow(),
        _actor(shared, "xk.admin"),
        service.NewDocument("XK-AL note", "x", "", private),
    )
    with pytest.raises(NotFound):
        service.get_document(shared.uow(), _actor(shared, "hr.admin"), only_al.id)
    with pytest.raises(InvalidInput, match="released to PACT"):
        service.submit_version(shared.uow(), _actor(shared, "xk.admin"), only_al.id, 1)


def test_meetings_validate_their_schedule_and_attendees(shared: Node) -> None:
    xk = _actor(shared, "xk.admin")
    group = service.create_group(
        shared.uow(),
        xk,
        service.NewGroup(f"Group {next(_serial)}", "AL", provisions=(Provision.RECRUITMENT,)),
    )
    starts = datetime(2025, 7, 15, 9, tzinfo=UTC)
    before = _events(shared)
    with pytest.raises(InvalidInput) as caught:
        service.create_meeting(
            shared.uow(), xk, service.NewMeeting(group.id, "Tirana", starts, starts - timedelta(1))
        )
    assert caught.value.field == "ends" and "must be after" in caught.value.detail
    with pytest.raises(InvalidInput) as unknown:
        service.create_meeting(
            shared.uow(),
            xk,
            service.NewMeeting(
                group.id, "Tirana", starts, starts + timedelta(hours=8), attendees=("nobody.here",)
            ),
        )
    assert unknown.value.field == "attendees"
    with shared.uow() as uow:
        stmt = select(func.count()).select_from(MeetingRow).where(MeetingRow.group_id == group.id)
        assert uow.session.scalar(stmt) == 0
    assert _events(shared) == before
    with pytest.raises(PermissionDenied):
        service.create_meeting(
            shared.uow(),
            _actor(shared, "al.training"),
            service.NewMeeting(group.id, "Tirana", starts, starts + timedelta(hours=8)),
        )


def test_action_items_overdue_summary_and_progress_rules(shared: Node) -> None:
    xk = _actor(shared, "xk.admin")
    tag = next(_serial)
    late = service.create_action(
        shared.uow(),
        xk,
        service.NewAction(
            Provision.JOINT_EXERCISES, f"Exercise calendar {tag}", "AL", date(2025, 10, 31)
        ),
    )
    future = datetime.now(UTC).date() + timedelta(days=60)
    service.create_action(
        shared.uow(),
        xk,
        service.NewAction(Provision.JOINT_EXERCISES, f"Seat exchange {tag}", "HR", future),
    )
    assert late.overdue
    summary_before = service.action_summary(shared.uow(), _actor(shared, "hr.admin"))
    with pytest.raises(PermissionDenied, match="owner"):
        service.report_progress(shared.uow(), _actor(shared, "hr.training"), late.id, note="no")
    with pytest.raises(Conflict, match="changed"):
        service.report_progress(
            shared.uow(),
            _actor(shared, "al.training"),
            late.id,
            status=ActionStatus.DONE,
            version=late.version + 5,
        )
    with pytest.raises(InvalidInput):
        service.report_progress(shared.uow(), _actor(shared, "al.training"), late.id)
    done = service.report_progress(
        shared.uow(), _actor(shared, "al.training"), late.id, status=ActionStatus.DONE, note="ok"
    )
    assert done.status is ActionStatus.DONE and not done.overdue and done.notes[0].note == "ok"
    overdue = service.list_actions(shared.uow(), xk, service.ActionFilter(overdue=True))
    assert late.id not in {a.id for a in overdue}
    summary = service.action_summary(shared.uow(), _actor(shared, "hr.admin"))
    row = next(r for r in summary.by_provision if r.key == "joint-exercises")
    old = next(r for r in summary_before.by_provision if r.key == "joint-exercises")
    assert (row.by_status["done"] - old.by_status["done"], old.overdue - row.overdue) == (1, 1)
    assert len(summary.by_provision) == 6 and {"AL", "HR"} <= {r.key for r in summary.by_nation}


def test_decisions_create_their_action_items_in_one_transaction(shared: Node) -> None:
    al = _actor(shared, "al.admin")
    group = service.create_group(
        shared.uow(),
        al,
        service.NewGroup(f"Group {next(_serial)}", "AL", provisions=tuple(Provision)),
    )
    start = datetime(2025, 7, 15, 7, tzinfo=UTC)
    meeting = service.create_meeting(
        shared.uow(), al, service.NewMeeting(group.id, "Tirana", start, start + timedelta(1))
    )
    good = service.NewAction(Provision.RECRUITMENT, "Campaign exchange", "HR", date(2026, 1, 1))
    bad = service.NewAction(Provision.RECRUITMENT, "Orphan", "MK", date(2026, 1, 1))
    with pytest.raises(InvalidInput) as caught:
        service.record_decision(shared.uow(), al, meeting.id, "Exchange", [good, bad])
    assert caught.value.field == "owner_nation"
    assert service.get_meeting(shared.uow(), al, meeting.id).decisions == ()
    decision, actions = service.record_decision(shared.uow(), al, meeting.id, "Exchange", [good])
    assert decision.action_ids == (actions[0].id,) and actions[0].group_id == group.id


def test_the_demo_story_is_seeded_once(shared: Node) -> None:
    created = seed_governance_demo(shared.uow())
    assert len(created) == 7 and seed_governance_demo(shared.uow()) == []
    console = Actor.console()
    tirana = next(m for m in service.list_meetings(shared.uow(), console) if "Tirana" in m.place)
    assert (tirana.starts.year, tirana.starts.month) == (2025, 7) and tirana.decisions
    guide = next(d for d in service.list_documents(shared.uow(), console) if d.title == GUIDE_TITLE)
    assert guide.in_approval == 2
    submitted = service.get_version(shared.uow(), console, guide.id, 2)
    assert submitted.round is not None and submitted.round.opened_at.date() == date(2025, 9, 10)
    provisions = {a.provision for a in service.list_actions(shared.uow(), console)}
    assert provisions == set(Provision)
    requests = service.list_accessions(shared.uow(), console)
    assert [r.status for r in requests if r.nation == "MK"] == ["open"]
