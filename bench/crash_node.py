"""A throwaway defpact node for the crash harness: its CLI, its server process (killed with
SIGKILL, restarted on a fresh port) and, for the control run, database snapshots.

A snapshot stands for a storage's last durable point: SQLite's online backup API or
``pg_dump`` copies one consistent committed state while the server keeps writing; restoring it
after a kill loses every write acknowledged since, as a disk that ignored fsync would after a
power cut. Used by ``soak_crash.py`` and ``tests/e2e/test_crash_consistency.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

__all__ = [
    "NATIONS",
    "NodeProcess",
    "PostgresSnapshot",
    "SqliteSnapshot",
    "dedicated_postgres",
    "parse_audit_report",
]

NATIONS = ("XK", "AL", "HR")
_PASSWORD = "crash-harness-password"  # noqa: S105 - throwaway users of a throwaway node


class NodeProcess:
    """The node's files, its CLI and its server process."""

    def __init__(self, workdir: Path, database_url: str | None, *, durable: bool) -> None:
        self.workdir = workdir
        self.url = database_url or f"sqlite:///{(workdir / 'defpact.db').as_posix()}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DEFPACT_")}
        self.env.update(DEFPACT_DATA_DIR=str(workdir / "var"), DEFPACT_DATABASE_URL=self.url)
        self.durable(durable)
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def durable(self, on: bool) -> None:
        """Durability of commits from the next start on: off means acknowledged is no longer
        on stable storage (SQLite synchronous=OFF; PostgreSQL synchronous_commit=off)."""
        if on:
            self.env.pop("DEFPACT_SQLITE_SYNCHRONOUS", None)
            self.env.pop("PGOPTIONS", None)
        else:
            self.env["DEFPACT_SQLITE_SYNCHRONOUS"] = "OFF"
            self.env["PGOPTIONS"] = "-c synchronous_commit=off"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run ``python -m defpact ARGS``; its stdout, or RuntimeError with its stderr."""
        done = subprocess.run(
            [sys.executable, "-m", "defpact", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"defpact {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def setup(self) -> dict[str, str]:
        """``defpact init``, then a writer per nation and an API token each: {nation: token}."""
        self.cli("init")
        users = {nation: f"crash.{nation.lower()}" for nation in NATIONS}
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            list(pool.map(self._create_writer, users.items()))
            issued = pool.map(
                lambda user: self.cli("token", "create", user, "--format", "json"),
                users.values(),
            )
            return {n: json.loads(out)["secret"] for n, out in zip(users, issued, strict=True)}

    def _create_writer(self, item: tuple[str, str]) -> None:
        nation, user = item
        self.cli(
            "user", "create", user, "--nation", nation, "--role", "analyst", "--role", "intel",
            "--clearance", "SECRET", "--password-stdin", stdin=_PASSWORD + "\n",
        )  # fmt: skip

    def start(self) -> None:
        """Start ``defpact serve`` on a port no earlier server used."""
        port = _free_port()
        with (self.workdir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "defpact", "serve", "--port", str(port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.base_url = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = self.workdir / "server.log"
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {log}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.base_url + "/api/health", timeout=5).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError("the server did not become ready")

    def kill(self) -> None:
        """SIGKILL the server's process group: no shutdown code runs."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self.process = None

    def audit_verify(self) -> subprocess.Popen[str]:
        """Start ``defpact audit verify --format json``."""
        return subprocess.Popen(
            [sys.executable, "-m", "defpact", "audit", "verify", "--format", "json"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def snapshot(self) -> SqliteSnapshot | PostgresSnapshot:
        dest = self.workdir / "snapshot.db"
        if self.url.startswith("sqlite"):
            return SqliteSnapshot(Path(self.url.removeprefix("sqlite:///")), dest)
        return PostgresSnapshot(self.url, dest, self.env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SqliteSnapshot:
    """A consistent copy of the live database (online backup), put back in place of the file."""

    def __init__(self, db: Path, dest: Path) -> None:
        self.db, self.dest = db, dest

    def take(self) -> None:
        with contextlib.closing(sqlite3.connect(self.db)) as src:
            with contextlib.closing(sqlite3.connect(self.dest)) as dst:
                src.backup(dst)

    def restore(self) -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.dest, self.db)


class PostgresSnapshot:
    """``pg_dump`` of the live database (one MVCC snapshot), restored into a recreated one."""

    def __init__(self, url: str, dest: Path, env: dict[str, str]) -> None:
        parsed = make_url(url)
        self.name = parsed.database or ""
        self.admin_url = parsed.set(database="postgres")
        self.libpq = parsed.set(drivername="postgresql", password=None).render_as_string()
        self.env = env | ({"PGPASSWORD": parsed.password} if parsed.password else {})
        self.env.pop("PGOPTIONS", None)
        self.dest = dest

    def take(self) -> None:
        dump = ["pg_dump", "--format=custom", f"--file={self.dest}", self.libpq]
        subprocess.run(dump, env=self.env, check=True, capture_output=True, timeout=600)

    def restore(self) -> None:
        _recreate_database(self.admin_url, self.name)
        load = ["pg_restore", "--no-owner", "--exit-on-error", "-d", self.libpq, str(self.dest)]
        subprocess.run(load, env=self.env, check=True, capture_output=True, timeout=600)


def _recreate_database(admin_url: URL, name: str, *, create: bool = True) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


@contextlib.contextmanager
def dedicated_postgres(server_url: str, tag: str = "") -> Iterator[str]:
    """A fresh database ``defpact_crash_<pid>[_tag]`` on ``server_url``'s server, dropped after."""
    parsed = make_url(server_url)
    name = f"defpact_crash_{os.getpid()}" + (f"_{tag}" if tag else "")
    admin = parsed.set(database="postgres")
    _recreate_database(admin, name)
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        _recreate_database(admin, name, create=False)


def parse_audit_report(out: str, err: str) -> dict[str, Any]:
    """The JSON printed by ``defpact audit verify --format json`` (or a failed stand-in)."""
    try:
        report: dict[str, Any] = json.loads(out)
    except ValueError:
        return {"ok": False, "events": 0, "problems": [err.strip() or "no output"]}
    return report
