"""The file-based training CLI: schedule and seats allocate, outputs and error handling."""

from __future__ import annotations

import json
from pathlib import Path

from icalendar import Calendar
from typer.testing import CliRunner

from defpact.training.cli import app

DOCS = Path(__file__).parents[2] / "docs" / "examples"
INSTANCE = DOCS / "training-instance.json"
BIDS = DOCS / "seat-bids.json"
runner = CliRunner()


def test_schedule_json_with_independent_check_and_all_outputs(tmp_path: Path) -> None:
    out = {k: tmp_path / f"plan.{k}" for k in ("svg", "ics", "csv")}
    load = tmp_path / "load.svg"
    result = runner.invoke(
        app,
        [
            "schedule",
            str(INSTANCE),
            "--format",
            "json",
            "--check",
            "--time-limit",
            "10",
            "--gantt",
            str(out["svg"]),
            "--ics",
            str(out["ics"]),
            "--csv",
            str(out["csv"]),
            "--load",
            str(load),
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "OPTIMAL" and body["check"] == {"valid": True, "violations": []}
    assert body["gap"] == 0.0 and body["objective"] == body["best_bound"]
    scheduled = {a["exercise_id"] for a in body["assignments"]}
    assert {"ADRIATIC-SHIELD", "BLUE-LINK-CAX"} <= scheduled  # the mandatory ones
    assert out["svg"].read_text(encoding="utf-8").startswith("<svg")
    assert load.read_text(encoding="utf-8").startswith("<svg")
    events = Calendar.from_ical(out["ics"].read_bytes()).walk("VEVENT")
    assert len(events) == len(scheduled)
    assert out["csv"].read_text(encoding="utf-8").count("\n") == len(scheduled) + 1


def test_schedule_table_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", str(INSTANCE), "--time-limit", "10", "--check"])
    assert result.exit_code == 0, result.output
    assert "OPTIMAL" in result.stdout and "check: valid" in result.stdout


def test_infeasible_programme_is_answered_with_the_conflicting_set(tmp_path: Path) -> None:
    data = json.loads(INSTANCE.read_text(encoding="utf-8"))
    for ex in data["exercises"]:
        if ex["id"] in ("EAGLE-BRIDGE", "DARDANIA-CPX"):  # same week, same engineer unit
            ex.update(mandatory=True, earliest_week=40, latest_week=40, preferred_start=40)
            ex["required_units"]["XK"] = ["XK-ENG-1"]
    path = tmp_path / "infeasible.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["schedule", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "INFEASIBLE"
    assert body["conflict"]["exercise_ids"] == ["DARDANIA-CPX", "EAGLE-BRIDGE"]
    assert body["conflict"]["minimal"] is True


def test_bad_instance_gives_one_line_error_and_exit_2(tmp_path: Path) -> None:
    data = json.loads(INSTANCE.read_text(encoding="utf-8"))
    data["exercises"][0]["latest_week"] = 14
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["schedule", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: exercises[ADRIATIC-SHIELD].latest_week: window weeks 14..14 (1 weeks) is shorter "
        "than duration_weeks 2"
    ]


def test_missing_and_malformed_files_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["schedule", str(tmp_path / "none.json")]).exit_code == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["seats", "allocate", str(broken)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr


def test_seats_allocate_nash_json_with_checks(tmp_path: Path) -> None:
    out = tmp_path / "seats.csv"
    result = runner.invoke(
        app, ["seats", "allocate", str(BIDS), "--format", "json", "--check", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["method"] == "nash" and body["exact"] is True and body["pareto_optimal"] is True
    assert body["utilities"] == {"AL": 60, "HR": 100, "XK": 100}
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("iteration,course")


def test_seats_allocate_round_robin_table_with_order() -> None:
    result = runner.invoke(
        app, ["seats", "allocate", str(BIDS), "--method", "round-robin", "--order", "XK,HR,AL"]
    )
    assert result.exit_code == 0, result.output
    assert "round-robin" in result.stdout and "EF1" in result.stdout


def test_seats_bad_order_and_bad_bids_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["seats", "allocate", str(BIDS), "--method", "round-robin", "--order", "XK,HR"]
    )
    assert result.exit_code == 2 and "--order" in result.stderr
    data = json.loads(BIDS.read_text(encoding="utf-8"))
    data["bids"]["AL"]["HR-NCO-2026-1"] = 25
    path = tmp_path / "bids.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["seats", "allocate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: bids.AL: points sum to 105, they must sum to 100"
