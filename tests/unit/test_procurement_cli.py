"""`defpact procurement plan|joiner` through Typer's CliRunner, on files only."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from defpact.procurement.cli import app
from defpact.procurement.plan import build_plan
from defpact.procurement.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "procurement-scenario.json"
runner = CliRunner()


def test_plan_json_is_the_plan_and_nothing_else() -> None:
    result = runner.invoke(app, ["plan", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(build_plan(load_scenario(EXAMPLE))))


def test_plan_options_select_members_and_rule() -> None:
    args = [
        "plan",
        str(EXAMPLE),
        "--members",
        "HR, AL",
        "--rule",
        "proportional",
        "--format",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["members"] == ["AL", "HR"]
    atgm = report["items"]["atgm"]
    alone, prop = atgm["stand_alone"]["HR"], atgm["proportional"]["HR"]
    assert atgm["saving_by_nation"]["HR"] == round(alone - prop, 2)


def test_plan_table_shows_shares_schedule_totals_and_cash() -> None:
    result = runner.invoke(app, ["plan", str(EXAMPLE)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in ("radar: Ground surveillance radar", "radar schedule", "Totals (shapley)",
                 "Cash by fiscal year", "BREACH", "2028-03 to 2028-04"):  # fmt: skip
        assert text in result.stdout


def test_bad_scenario_is_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    data["items"]["radar"]["cost"]["tiers"] = [[2, 1.0]]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["plan", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "items.radar.cost.tiers: must start at min_qty 1 and increase" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_member_and_missing_file_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(EXAMPLE), "--members", "HR,RS"])
    assert result.exit_code == 2 and "members" in result.stderr
    result = runner.invoke(app, ["plan", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_joiner_json_and_table() -> None:
    result = runner.invoke(app, ["joiner", str(EXAMPLE), "--nation", "MK", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["nation"] == "MK" and report["members"] == ["XK", "AL", "HR"]
    assert report["increases"]
    table = runner.invoke(app, ["joiner", str(EXAMPLE), "--nation", "MK"], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "Totals if MK joins" in table.stdout
    assert "price tier" in table.stdout


def test_joiner_unknown_nation_exit_2() -> None:
    result = runner.invoke(app, ["joiner", str(EXAMPLE), "--nation", "RS"])
    assert result.exit_code == 2 and "nation" in result.stderr
