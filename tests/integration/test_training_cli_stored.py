"""``defpact training`` on stored data, both databases: ``seats allocate --year`` allocates the
stored bids and saves the allocation (``--course`` narrows what is shown), and ``withdraw
exercise|lesson`` withdraws a record so that the next ``schedule --year`` leaves it out."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from defpact.core.config import reset_settings_cache
from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.training import exercise_service, planning_service, programme_service, seat_service
from defpact.training.cli import app
from defpact.training.seed import DEMO_YEAR, seed_training_demo

CONSOLE = Actor.console("test")
runner = CliRunner()


@pytest.fixture
def cli_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    assert seed_training_demo(node.uow(), time_limit_s=5.0)
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node
    reset_settings_cache()


def test_seats_allocate_on_stored_bids(cli_env: Node) -> None:
    before = seat_service.latest_allocation(cli_env.uow(), DEMO_YEAR)
    assert before is not None
    args = ["seats", "allocate", "--year", str(DEMO_YEAR), "--format", "json", "--check"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    after = seat_service.latest_allocation(cli_env.uow(), DEMO_YEAR)
    assert after is not None and after.id == body["allocation"]["id"] != before.id
    assert body["exact"] is True and body["ef1"] is True and body["pareto_optimal"] is True
    assert body["seats"] == {n: dict(s) for n, s in after.seats.items()}
    pso = runner.invoke(app, [*args[:-1], "--course", "XK-PSO", "--method", "round-robin"])
    assert pso.exit_code == 0, pso.output
    shown = json.loads(pso.stdout)
    assert shown["method"] == "round-robin" and shown["allocation"]["courses"] == ["XK-PSO"]
    codes = {code for got in shown["seats"].values() for code in got}
    assert codes and codes <= {"XK-PSO-27A", "XK-PSO-27B"}
    assert set(shown["unallocated"]) <= {"XK-PSO-27A", "XK-PSO-27B"}
    table = runner.invoke(app, ["seats", "allocate", "--year", str(DEMO_YEAR)])
    assert table.exit_code == 0 and "saved as allocation" in table.stdout and "EF1" in table.stdout


def test_seats_allocate_refuses_bad_selections(cli_env: Node) -> None:
    before = seat_service.latest_allocation(cli_env.uow(), DEMO_YEAR)
    unknown = runner.invoke(app, ["seats", "allocate", "--year", str(DEMO_YEAR), "--course", "X"])
    assert unknown.exit_code == 2 and "--course: no course 'X' runs in" in unknown.stderr
    assert seat_service.latest_allocation(cli_env.uow(), DEMO_YEAR) == before  # nothing saved
    neither = runner.invoke(app, ["seats", "allocate"])
    assert neither.exit_code == 2 and "either a bids FILE or --year" in neither.stderr
    empty = runner.invoke(app, ["seats", "allocate", "--year", "2031"])
    assert empty.exit_code == 2 and "at least one nation must bid" in empty.stderr
    order = runner.invoke(
        app,
        ["seats", "allocate", "--year", str(DEMO_YEAR), "--method", "round-robin", "--order", "XK"],
    )
    assert order.exit_code == 2 and "order" in order.stderr


def test_withdraw_commands_and_the_next_replan(cli_env: Node) -> None:
    gone = runner.invoke(app, ["withdraw", "exercise", "DP27-03", "--format", "json"])
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.stdout)["withdrawn_at"] is not None
    ex = exercise_service.exercise_id_by_code(cli_env.uow(), CONSOLE, "DP27-03")
    assert exercise_service.get_exercise(cli_env.uow(), CONSOLE, ex).withdrawn_at is not None
    missing = runner.invoke(app, ["withdraw", "exercise", "NOPE"])
    assert missing.exit_code == 2 and "no exercise NOPE" in missing.stderr
    replan = runner.invoke(
        app, ["schedule", "--year", str(DEMO_YEAR), "--time-limit", "5", "--format", "json"]
    )
    assert replan.exit_code == 0, replan.output
    saved = json.loads(replan.stdout)["programme"]
    version = programme_service.get_programme(cli_env.uow(), CONSOLE, saved["id"])
    codes = {e.id for e in version.instance.exercises}
    assert "DP27-03" not in codes and "DP27-01" in codes
    assert "DP27-03" not in {p.exercise_id for p in version.instance.pins}
    lesson = planning_service.list_lessons(cli_env.uow(), CONSOLE)[0]
    done = runner.invoke(app, ["withdraw", "lesson", str(lesson.id)])
    assert done.exit_code == 0 and f"lesson {lesson.id} withdrawn" in done.stdout
    assert planning_service.get_lesson(cli_env.uow(), CONSOLE, lesson.id).withdrawn_at
    nolesson = runner.invoke(app, ["withdraw", "lesson", "999999"])
    assert nolesson.exit_code == 2 and "no lesson 999999" in nolesson.stderr
