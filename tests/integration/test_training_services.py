"""Training services on both databases: the demo story seeds once, its approved programme
passes the independent checker, every write left an audit event, a stale approval is refused,
and ``defpact training schedule --year`` solves stored data and saves a draft."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from defpact.core.audit import AuditEventRow
from defpact.core.config import Settings, reset_settings_cache
from defpact.core.context import Actor
from defpact.core.errors import Conflict
from defpact.core.runtime import Node
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.training import nomination_service, programme_service, seat_service
from defpact.training.checker import check_plan
from defpact.training.cli import app
from defpact.training.seats import envy_report
from defpact.training.seed import DEMO_YEAR, seed_training_demo

CONSOLE = Actor.console("test")
runner = CliRunner()


@pytest.fixture
def seeded(node: Node) -> Node:
    assert seed_training_demo(node.uow(), time_limit_s=5.0)
    return node


def test_demo_programme_is_valid_and_every_write_is_audited(seeded: Node) -> None:
    assert not seed_training_demo(seeded.uow())  # created once
    (approved,) = programme_service.list_programmes(seeded.uow(), CONSOLE, DEMO_YEAR)
    assert approved.state == "approved" and approved.solver_status == "OPTIMAL"
    assert approved.plan.gap == 0.0 and len(approved.plan.assignments) == 11
    assert check_plan(approved.instance, approved.plan) == []
    with seeded.uow() as uow:
        actions = set(uow.session.scalars(select(AuditEventRow.action)))
    assert {
        "training.unit.create",
        "training.area.create",
        "training.exercise.create",
        "training.milestone.create",
        "training.lesson.create",
        "training.lesson.advance",
        "training.programme.solve",
        "training.programme.approve",
        "training.bid.submit",
        "training.allocation.create",
        "training.recruitment_event.create",
        "training.recruitment_metric.set",
    } <= actions


def test_showing_a_restricted_exercise_in_a_programme_is_audited(seeded: Node) -> None:
    with seeded.uow() as uow:
        row = UserRepository(uow.session).by_username("hr.analyst")
        assert row is not None
        hr = Actor.of(principal_of(row))
    (version,) = programme_service.list_programmes(seeded.uow(), hr, DEMO_YEAR)
    assert version.complete  # HR may read every exercise of the demo year
    with seeded.uow() as uow:
        reads = uow.session.execute(
            select(AuditEventRow.actor_name, AuditEventRow.object_nation).where(
                AuditEventRow.action == "training.exercise.read",
                AuditEventRow.actor_name != "demo seed",
            )
        ).all()
    assert [tuple(r) for r in reads] == [("hr.analyst", "XK")]


def test_demo_allocation_is_envy_free_up_to_one_seat(seeded: Node) -> None:
    alloc = seat_service.latest_allocation(seeded.uow(), DEMO_YEAR)
    assert alloc is not None and alloc.exact and alloc.fairness["ef1"]
    with seeded.uow() as uow:
        problem = seat_service.seat_problem(uow.session, DEMO_YEAR, alloc.fairness["bids"])
    assert all(e.ef1 for e in envy_report(problem, alloc.seats))
    ledger = {x.nation: x for x in nomination_service.ledger(seeded.uow(), DEMO_YEAR)}
    assert sum(x.given for x in ledger.values()) == sum(x.received for x in ledger.values())


def test_a_stale_approval_is_refused(seeded: Node) -> None:
    draft = programme_service.solve_programme(
        seeded.uow(), CONSOLE, DEMO_YEAR, programme_service.SolveOptions(time_limit_s=5)
    )
    assert draft.state == "draft" and set(draft.plan.unscheduled) == set()
    assert {p.exercise_id for p in draft.instance.pins} == {
        a.exercise_id for a in draft.plan.assignments
    }  # every approved exercise kept in place
    programme_service.approve_programme(seeded.uow(), CONSOLE, draft.id, version=draft.version)
    with pytest.raises(Conflict):
        programme_service.approve_programme(seeded.uow(), CONSOLE, draft.id, version=draft.version)
    states = {p.number: p.state for p in programme_service.list_programmes(seeded.uow(), CONSOLE)}
    assert states == {1: "superseded", 2: "approved"}


@pytest.fixture
def cli_env(seeded: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DEFPACT_DATABASE_URL", seeded.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(seeded.settings.data_dir))
    reset_settings_cache()
    yield seeded.settings
    reset_settings_cache()


def test_cli_schedules_stored_data_and_saves_a_draft(cli_env: Settings, seeded: Node) -> None:
    args = ["schedule", "--year", str(DEMO_YEAR), "--time-limit", "5", "--format", "json"]
    result = runner.invoke(app, [*args, "--check"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "OPTIMAL" and body["check"]["valid"] is True
    assert body["programme"]["number"] == 2 and body["programme"]["state"] == "draft"
    assert programme_service.get_programme(seeded.uow(), CONSOLE, body["programme"]["id"])
    empty = runner.invoke(app, ["schedule", "--year", "2031"])
    assert empty.exit_code == 2 and "no exercises are planned for 2031" in empty.stderr
    both = runner.invoke(app, ["schedule", "x.json", "--year", "2031"])
    assert both.exit_code == 2 and "either an instance FILE or --year" in both.stderr
