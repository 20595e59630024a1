"""Shared fixtures: a node on SQLite or PostgreSQL, seeded with the founding pact and demo users.

PostgreSQL tests run when ``DEFPACT_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it) and are
skipped with a clear message otherwise; when it is set but the server does not answer they fail.
Each pytest-xdist worker gets its own PostgreSQL database, migrated once; every test then starts
from emptied tables. SQLite tests copy a migrated template file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from defpact.core import credentials
from defpact.core.config import Settings
from defpact.core.db import Base
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_demo, seed_reference
from defpact.tables import load_all_tables
from support import ApiClient

PG_ENV = "DEFPACT_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgres"]

load_all_tables()

# Argon2id with minimal cost in tests: verification cost is set by the stored hash, and the
# suite authenticates thousands of requests. Production parameters are tested in unit tests.
credentials._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_report_header() -> str:
    if os.environ.get(PG_ENV):
        return f"PostgreSQL: tests run against {PG_ENV}"
    return f"PostgreSQL: tests SKIPPED ({PG_ENV} is not set; .ci/run sets it)"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "defpact.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} (e.g. by .ci/run) to run them")
    base = make_url(url)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:12]
    name = f"defpact_test_{run}_{_worker()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.fail(f"{PG_ENV} is set but PostgreSQL does not answer: {exc}")
    finally:
        admin.dispose()
    worker_url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(worker_url)
    yield worker_url
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        _empty_postgres(url)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "defpact.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=database_url)


@pytest.fixture
def empty_node(settings: Settings) -> Iterator[Node]:
    node = Node.from_settings(settings)
    yield node
    node.dispose()


@pytest.fixture
def node(empty_node: Node) -> Node:
    """A node with the founding pact (XK, AL, HR) and the 15 demo users."""
    seed_reference(empty_node.uow())
    seed_demo(empty_node.uow())
    return empty_node


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("browser tests skipped: Debian's chromium package is not installed")
    return path


@pytest.fixture
def client(node: Node) -> Iterator[ApiClient]:
    from defpact.app import create_app

    api = ApiClient(create_app(node=node))
    yield api
    api.close()
