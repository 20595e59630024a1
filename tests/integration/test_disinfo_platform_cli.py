"""``defpact disinfo ingest|batches|run|runs|show|publish`` against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from defpact.cli import app
from defpact.core.config import Settings, reset_settings_cache
from defpact.core.runtime import Node
from disinfo_world import import_disarm, make_world

runner = CliRunner()


@pytest.fixture
def cli_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node.settings
    reset_settings_cache()


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_ingest_run_show_publish(cli_env: Settings, node: Node, tmp_path: Path) -> None:
    import_disarm(node)
    xk = make_world(tmp_path, "xk-", seed=3, fmt="jsonl")
    al = make_world(tmp_path, "al-", seed=5)
    secret = _json(["disinfo", "ingest", str(xk.path), "--nation", "XK",
                    "--releasable-to", "XK", "--tlp", "AMBER"])  # fmt: skip
    assert secret["rows_accepted"] == len(xk.rows) and secret["uploaded_by"] == "console"
    shared = _json(["disinfo", "ingest", str(al.path), "--nation", "AL", "--as", "al.analyst"])
    assert shared["marking"] == {  # type: ignore[comparison-overlap]
        "originator": "AL", "classification": "UNCLASSIFIED", "releasable_to": ["PACT"],
        "tlp": "GREEN", "banner": "UNCLASSIFIED // REL TO PACT, AL // TLP:GREEN",
    }  # fmt: skip
    listed = _json(["disinfo", "batches", "--as", "al.analyst"])
    assert listed["total"] == 1

    run = _json(["disinfo", "run", "--as", "al.analyst", "--window", "60"])
    assert run["batch_ids"] == [shared["id"]]
    groups = run["groups"]
    assert isinstance(groups, list) and groups
    assert {a for g in groups for a in g["accounts"]} == set(al.truth)
    shown = _json(["disinfo", "show", str(run["id"]), "--as", "al.analyst"])
    assert shown["groups"] == groups
    assert _json(["disinfo", "runs", "--as", "xk.analyst"])["total"] == 0
    hidden = runner.invoke(app, ["disinfo", "show", str(run["id"]), "--as", "xk.analyst"])
    assert hidden.exit_code == 2 and "no detection run" in hidden.output

    flooding = "T0049 Flooding the information space"
    pages = "T0049.003 Bots amplify"
    gid = str(groups[0]["id"])
    published = _json(["disinfo", "publish", gid, "--as", "al.analyst", "--name", "Operation Test",
                       "--disarm", flooding, "--disarm", pages])  # fmt: skip
    assert str(published["campaign_stix_id"]).startswith("campaign--")


def test_ingest_bad_input_exits_with_a_clear_message(cli_env: Settings, tmp_path: Path) -> None:
    missing = runner.invoke(
        app, ["disinfo", "ingest", str(tmp_path / "nope.csv"), "--nation", "XK"]
    )
    assert missing.exit_code == 2 and "no such file" in missing.output
    path = tmp_path / "p.csv"
    path.write_text("id,account,platform,published_at,text,urls\n1,a,x,2025-01-01T00:00:00Z,t,\n")
    bad = runner.invoke(app, ["disinfo", "ingest", str(path), "--nation", "XK", "--tlp", "PINK"])
    assert bad.exit_code == 2 and "PINK" in bad.output
    other = runner.invoke(
        app, ["disinfo", "ingest", str(path), "--nation", "HR", "--as", "xk.analyst"]
    )
    assert other.exit_code == 2 and "nation" in other.output
    wrong = runner.invoke(app, ["disinfo", "publish", "1", "--as", "xk.analyst", "--name", "x",
                                "--disarm", "X12 nonsense"])  # fmt: skip
    assert wrong.exit_code == 2 and "disarm" in wrong.output.lower()
