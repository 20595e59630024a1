"""``defpact disinfo detect`` and ``ingest-check`` on files, as an analyst runs them."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from defpact.threats.disinfo.cli import app

runner = CliRunner()


def _generator() -> ModuleType:
    name = "disinfo_generate"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[2] / "bench" / "disinfo_generate.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    gen = _generator()
    data = gen.generate(gen.GeneratorConfig(posts=5000, seed=2, groups=3, posts_per_account=8))
    path = tmp_path_factory.mktemp("disinfo") / "posts.jsonl"
    gen.write_posts(data.rows, path, "jsonl")
    return path, data.truth


def test_detect_prints_groups_and_stats_as_json(world: tuple[Path, dict[str, str]]) -> None:
    path, truth = world
    result = runner.invoke(app, ["detect", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"groups", "stats"}
    group = data["groups"][0]
    for field in ("accounts", "score", "shared_objects", "time_span", "languages",
                  "platforms", "nations"):  # fmt: skip
        assert field in group
    assert set(group["time_span"]) == {"start", "end", "seconds"}
    assert {"kind", "key", "accounts", "posts", "post_ids"} <= set(group["shared_objects"][0])
    assert data["stats"]["posts"] == 5000
    assert data["stats"]["ingest"]["rows_accepted"] == 5000
    found = [g["accounts"] for g in data["groups"]]
    scores = _generator().score_accounts(found, truth)
    assert scores["precision"] >= 0.95 and scores["recall"] >= 0.95


def test_a_wider_window_is_passed_through(world: tuple[Path, dict[str, str]]) -> None:
    path, _ = world
    result = runner.invoke(
        app, ["detect", str(path), "--window", "5", "--format", "json", "--workers", "0"]
    )
    narrow = json.loads(result.stdout)["stats"]["co_actions"]
    result = runner.invoke(
        app, ["detect", str(path), "--window", "600", "--format", "json", "--workers", "0"]
    )
    assert json.loads(result.stdout)["stats"]["co_actions"] > narrow


def test_table_output_lists_groups(world: tuple[Path, dict[str, str]]) -> None:
    result = runner.invoke(app, ["detect", str(world[0]), "--workers", "0"])
    assert result.exit_code == 0
    assert "coordinated groups" in result.stdout


def test_ingest_check_reports_bad_rows_with_reasons(tmp_path: Path) -> None:
    gen = _generator()
    data = gen.generate(gen.GeneratorConfig(posts=800, seed=4, groups=0))
    path = tmp_path / "posts.csv"
    gen.write_posts(data.rows, path, "csv", bad_rows=0.2, seed=4)
    result = runner.invoke(app, ["ingest-check", str(path), "--format", "json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["rows_read"] == 800
    assert report["rows_skipped"] > 100
    assert report["rows_accepted"] + report["rows_skipped"] == 800
    assert set(report["skipped_by_reason"]) == {
        "missing_field",
        "bad_timestamp",
        "bad_encoding",
        "bad_urls",
    }
    assert all(e["line"] >= 2 and e["detail"] for e in report["examples"])


def test_bad_input_gives_one_line_and_exit_code_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["detect", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
    header = tmp_path / "posts.csv"
    header.write_text("id,account,text\n1,a,b\n", encoding="utf-8")
    result = runner.invoke(app, ["detect", str(header), "--format", "json"])
    assert result.exit_code == 2
    assert "published_at" in result.stderr
    assert result.stdout == ""
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": 1}\n', encoding="utf-8")
    result = runner.invoke(app, ["detect", str(empty)])
    assert result.exit_code == 2
    assert "no valid posts" in result.stderr
    result = runner.invoke(app, ["detect", str(empty), "--window", "0"])
    assert result.exit_code == 2
    assert "window_seconds" in result.stderr


def test_gzip_compressed_csv_is_read(tmp_path: Path) -> None:
    gen = _generator()
    data = gen.generate(gen.GeneratorConfig(posts=600, seed=5, groups=0))
    plain = tmp_path / "posts.csv"
    gen.write_posts(data.rows, plain, "csv")
    packed = tmp_path / "posts.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    result = runner.invoke(app, ["ingest-check", str(packed), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows_accepted"] == 600
