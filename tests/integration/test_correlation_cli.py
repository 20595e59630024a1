"""``defpact threats ...`` against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from correlation_support import indicator, post, sco
from defpact.cli import app
from defpact.core.config import reset_settings_cache
from defpact.core.runtime import Node
from defpact.threats.stix.service import seed_threats

runner = CliRunner()
IP = "91.214.124.143"


@pytest.fixture
def hub(node: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    seed_threats(node.uow())
    yield node
    reset_settings_cache()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_lookup_alerts_and_acknowledge(hub: Node) -> None:
    xk = indicator(f"[ipv4-addr:value = '{IP}']")
    post(hub, "xk.analyst", xk)
    post(hub, "al.analyst", sco("ipv4-addr", IP))
    found = _json(["threats", "lookup", IP, "--as", "hr.analyst"])
    assert isinstance(found, dict) and found["total"] == 2
    page = _json(["threats", "alerts", "--as", "xk.analyst"])
    assert isinstance(page, dict) and page["total"] == 1
    alert_id = page["items"][0]["id"]
    acked = _json(["threats", "alert-ack", str(alert_id), "--as", "xk.analyst"])
    assert isinstance(acked, dict) and acked["acknowledged_by"] == "xk.analyst"
    assert _json(["threats", "alerts", "--as", "xk.analyst"]) == {
        "items": [], "total": 0, "limit": 50, "offset": 0
    }  # fmt: skip
    summary = _json(["threats", "sightings", xk["id"], "--as", "al.analyst"])
    assert isinstance(summary, dict) and summary["sightings"] == 0
    bad = runner.invoke(app, ["threats", "lookup", "nonsense value", "--as", "xk.analyst"])
    assert bad.exit_code == 2 and "value:" in bad.output


def test_warninglist_import_list_disable_enable(hub: Node, tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(json.dumps({
        "name": "Pact scanners", "version": 2, "description": "research scanners",
        "type": "cidr", "list": ["91.214.124.0/24"], "matching_attributes": ["ip-src"],
    }))  # fmt: skip
    imported = _json(["threats", "warninglist", "import", str(path)])
    assert isinstance(imported, dict) and imported["entries"] == 1
    post(hub, "xk.analyst", indicator(f"[ipv4-addr:value = '{IP}']"))
    post(hub, "al.analyst", sco("ipv4-addr", IP))
    page = _json(["threats", "alerts", "--as", "xk.analyst"])
    assert isinstance(page, dict) and page["total"] == 0
    _json(["threats", "warninglist", "disable", "Pact scanners"])
    lists = _json(["threats", "warninglist", "list"])
    assert isinstance(lists, list)
    assert {w["name"]: w["enabled"] for w in lists}["Pact scanners"] is False
    _json(["threats", "warninglist", "enable", "Pact scanners"])
    path.write_text('{"name": "broken", "version": 1, "description": "", "type": "cidr"}')
    bad = runner.invoke(app, ["threats", "warninglist", "import", str(path)])
    assert bad.exit_code == 2 and "list" in bad.output
    missing = runner.invoke(app, ["threats", "warninglist", "disable", "no such list"])
    assert missing.exit_code == 2
    assert _json(["threats", "hot-values"]) == []
