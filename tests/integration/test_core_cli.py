"""The ``defpact`` CLI against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from defpact.cli import app
from defpact.core.config import Settings, reset_settings_cache
from defpact.core.runtime import Node
from defpact.core.sessions import authenticate_token

runner = CliRunner()


@pytest.fixture
def cli_env(node: Node, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DEFPACT_DATABASE_URL", node.settings.database_url)
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(node.settings.data_dir))
    reset_settings_cache()
    yield node.settings
    reset_settings_cache()


def test_members_list_json(cli_env: Settings) -> None:
    result = runner.invoke(app, ["members", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [m["code"] for m in json.loads(result.stdout)] == ["XK", "AL", "HR"]


def test_nations_list_json_has_every_state() -> None:
    result = runner.invoke(app, ["nations", "list", "--format", "json"])
    assert result.exit_code == 0
    codes = {n["code"] for n in json.loads(result.stdout)}
    assert {"XK", "AL", "HR", "US", "AT", "MK"} <= codes and len(codes) == 37


def test_user_create_then_token_authenticates(cli_env: Settings, node: Node) -> None:
    created = runner.invoke(
        app,
        [
            "user",
            "create",
            "hr.ops",
            "--nation",
            "HR",
            "--role",
            "analyst",
            "--role",
            "intel",
            "--clearance",
            "CONFIDENTIAL",
            "--password-stdin",
        ],
        input="a-very-secret-password\n",
    )
    assert created.exit_code == 0, created.output
    token = runner.invoke(
        app, ["token", "create", "hr.ops", "--expires-days", "3", "--format", "json"]
    )
    assert token.exit_code == 0, token.output
    secret = json.loads(token.stdout)["secret"]
    principal = authenticate_token(node.uow(), secret)
    assert principal.username == "hr.ops" and principal.nation == "HR"
    revoke = runner.invoke(app, ["token", "revoke", str(json.loads(token.stdout)["token"]["id"])])
    assert revoke.exit_code == 0


def test_generated_password_is_printed_once(cli_env: Settings) -> None:
    result = runner.invoke(app, ["user", "create", "al.x1", "--nation", "al", "--role", "observer"])
    assert result.exit_code == 0 and "password (shown once):" in result.stdout


def test_unknown_nation_exits_2_listing_codes(cli_env: Settings) -> None:
    result = runner.invoke(app, ["user", "create", "zz.x", "--nation", "ZZ", "--role", "observer"])
    assert result.exit_code == 2
    assert "valid codes" in result.stderr and "Traceback" not in result.output


def test_duplicate_user_exits_2(cli_env: Settings) -> None:
    result = runner.invoke(
        app, ["user", "create", "al.admin", "--nation", "AL", "--role", "observer"]
    )
    assert result.exit_code == 2 and "already taken" in result.stderr


def test_short_password_exits_2_with_rule(cli_env: Settings) -> None:
    result = runner.invoke(
        app,
        ["user", "create", "al.x2", "--nation", "AL", "--role", "observer", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 2 and "at least 12 characters" in result.stderr


def test_unknown_role_and_clearance(cli_env: Settings) -> None:
    bad_role = runner.invoke(app, ["user", "create", "al.x3", "--nation", "AL", "--role", "king"])
    assert bad_role.exit_code == 2 and "valid roles" in bad_role.stderr
    bad_level = runner.invoke(
        app,
        ["user", "create", "al.x3", "--nation", "AL", "--role", "observer", "--clearance", "TOP"],
    )
    assert bad_level.exit_code == 2 and "valid levels" in bad_level.stderr


def test_unreachable_database_one_line_without_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "DEFPACT_DATABASE_URL", "postgresql+psycopg://ops:hunter2@127.0.0.1:1/nowhere"
    )
    monkeypatch.setenv("DEFPACT_DATA_DIR", str(tmp_path))
    reset_settings_cache()
    try:
        result = runner.invoke(app, ["members", "list"])
    finally:
        reset_settings_cache()
    assert result.exit_code == 1
    assert "127.0.0.1:1/nowhere" in result.stderr and "hunter2" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_on_a_national_node_creates_users_but_no_records_of_other_nations(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func, select

    from defpact.procurement.store import RequirementRow
    from defpact.threats.intel.store import IntelReportRow

    monkeypatch.setenv("DEFPACT_NODE_NATIONS", "AL")
    reset_settings_cache()
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "serves AL: demo users only" in result.output
    node = Node.from_settings(Settings(data_dir=cli_env.data_dir,
                                       database_url=cli_env.database_url))  # fmt: skip
    try:
        with node.uow() as uow:
            for table in (RequirementRow, IntelReportRow):
                assert uow.session.scalar(select(func.count()).select_from(table)) == 0
    finally:
        node.dispose()
