"""``defpact governance`` through Typer's CliRunner on the seeded demo story: JSON output,
acting as users with ``--as``, one-line errors with exit code 2, the ``.ics`` export. The
commands call the same services as the API (tested on both backends), so SQLite suffices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from defpact.core.config import Settings, reset_settings_cache
from defpact.core.runtime import Node
from defpact.governance.cli import app
from defpact.governance.seed import seed_governance_demo

runner = CliRunner()
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def cli_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    seed_governance_demo(node.uow())
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node.settings
    reset_settings_cache()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_documents_and_votes_from_the_shell(cli_env: Settings) -> None:
    (guide,) = _json(["documents", "list"])  # type: ignore[misc]
    assert guide["in_approval"] == 2 and len(guide["versions"]) == 2
    voted = _json(["documents", "vote", "1", "2", "approve", "--as", "xk.approver"])
    assert voted["round"]["pending"] == ["AL", "HR"]  # type: ignore[index]
    twice = runner.invoke(app, ["documents", "vote", "1", "2", "reject", "--as", "xk.approver"])
    assert twice.exit_code == 2 and "already voted" in twice.stderr
    assert "Traceback" not in twice.output
    nobody = runner.invoke(app, ["documents", "list", "--as", "nobody"])
    assert nobody.exit_code == 2 and "no active user" in nobody.stderr
    diff = runner.invoke(app, ["documents", "diff", "1", "1", "2"])
    assert diff.exit_code == 0 and "+## 7. Open door" in diff.stdout


def test_meetings_actions_and_accession_from_the_shell(cli_env: Settings, tmp_path: Path) -> None:
    backwards = runner.invoke(
        app,
        [
            "meetings",
            "create",
            "--group",
            "1",
            "--title",
            "Follow-up",
            "--as",
            "al.admin",
            "--starts",
            "2027-01-10T10:00+01:00",
            "--ends",
            "2027-01-10T09:00+01:00",
        ],
    )
    assert backwards.exit_code == 2 and "ends" in backwards.stderr
    target = tmp_path / "group.ics"
    exported = runner.invoke(app, ["meetings", "ics", "--group", "1", "--output", str(target)])
    assert exported.exit_code == 0, exported.output
    (event,) = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert "Tirana" in str(event["LOCATION"])

    overdue = _json(["actions", "list", "--overdue", "--as", "hr.training"])
    assert {a["owner_nation"] for a in overdue} == {"AL", "XK"}  # type: ignore[union-attr]
    summary = _json(["actions", "summary"])
    assert len(summary["by_provision"]) == 6  # type: ignore[index]

    serbia = runner.invoke(app, ["accession", "propose", "RS", "--as", "xk.admin"])
    assert serbia.exit_code == 2
    assert "neither a NATO member nor an EU member state" in serbia.stderr
    vote = _json(["accession", "vote", "1", "reject", "--comment", "Later", "--as", "al.approver"])
    assert vote["status"] == "rejected"  # type: ignore[index]


def test_withdrawals_from_the_shell(cli_env: Settings) -> None:
    (meeting, _zagreb) = _json(["meetings", "list"])  # type: ignore[misc]
    refused = runner.invoke(app, ["meetings", "withdraw", str(meeting["id"]), "--as", "xk.admin"])
    assert refused.exit_code == 2 and "only AL" in refused.stderr
    done = _json(["meetings", "withdraw", str(meeting["id"]), "--as", "al.admin"])
    assert done["withdrawn_at"]  # type: ignore[index]
    assert len(_json(["meetings", "list", "--as", "xk.admin"])) == 1  # type: ignore[arg-type]
    item = _json(["actions", "list"])[0]  # type: ignore[index]
    assert _json(["actions", "withdraw", str(item["id"])])["withdrawn_at"]  # type: ignore[index]
    group = _json(["groups", "list"])[0]  # type: ignore[index]
    assert _json(["groups", "withdraw", str(group["id"])])["withdrawn_at"]  # type: ignore[index]
