"""``defpact procurement`` commands on the node's database, acting ``--as`` a user."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from defpact.core.config import reset_settings_cache
from defpact.core.runtime import Node
from defpact.procurement.cli import app
from defpact.procurement.seed import seed_procurement_demo

runner = CliRunner()


@pytest.fixture
def demo_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    seed_procurement_demo(node.uow())
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node
    reset_settings_cache()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_records_plans_cases_export_and_import(demo_env: Node, tmp_path: Path) -> None:
    bad = runner.invoke(
        app,
        [
            "requirement",
            "add",
            "--as",
            "hr.procurement",
            "--item",
            "vehicle",
            "--quantity",
            "-3",
            "--need-by",
            "2028-01",
        ],
    )
    assert bad.exit_code == 2 and "quantity" in bad.output
    added = _json(
        [
            "requirement",
            "add",
            "--as",
            "hr.procurement",
            "--item",
            "vehicle",
            "--quantity",
            "25",
            "--need-by",
            "2028-06",
            "--releasable-to",
            "XK",
        ]
    )
    assert isinstance(added, dict) and added["marking"]["releasable_to"] == ["XK"]
    opportunities = _json(["opportunities", "--as", "al.procurement"])
    assert isinstance(opportunities, list)
    vehicle = next(o for o in opportunities if o["item"] == "vehicle")
    assert vehicle["plan"]["participants"] == ["XK", "AL"]  # HR's is released to XK only
    leak = runner.invoke(app, ["case", "propose", "--as", "xk.procurement", "--item", "vehicle"])
    assert leak.exit_code == 2 and "not released to AL" in leak.output
    case = _json(
        ["case", "propose", "--as", "xk.procurement", "--item", "vehicle", "--nations", "XK,HR"]
    )
    assert isinstance(case, dict) and case["participants"] == ["XK", "HR"]
    _json(["case", "commit", str(case["id"]), "--as", "xk.approver"])
    refused = runner.invoke(
        app, ["case", "advance", str(case["id"]), "send_lor", "--as", "xk.procurement"]
    )
    assert refused.exit_code == 2 and "the case is proposed" in refused.output
    shown = _json(["case", "show", str(case["id"]), "--as", "hr.approver"])
    assert isinstance(shown, dict) and shown["awaiting"] == ["HR"]
    exported = runner.invoke(app, ["export", "--as", "al.procurement", "--yaml"])
    assert exported.exit_code == 0, exported.output
    document = yaml.safe_load(exported.stdout)
    assert document["items"]["cuas"]["qty"] == {"XK": 3, "AL": 4, "HR": 6}
    document["items"]["cuas"]["qty"]["XK"] = 5
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    report = _json(["import", str(path), "--as", "xk.procurement"])
    assert isinstance(report, dict)
    assert report["requirements_updated"] == ["cuas"] and report["ignored_nations"] == ["AL", "HR"]
    listed = _json(["requirement", "list", "--as", "xk.procurement", "--item", "cuas"])
    assert isinstance(listed, list) and [r["quantity"] for r in listed if r["nation"] == "XK"] == [
        5
    ]
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.json"), "--as", "xk.procurement"])
    assert missing.exit_code == 2
