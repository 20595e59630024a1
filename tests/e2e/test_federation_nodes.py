"""Three nodes (XK, AL, HR) as separate ``defpact serve`` processes on loopback, each with its
own database (SQLite; PostgreSQL when DEFPACT_TEST_POSTGRES_URL is set), peered and synced with
the real CLI. Records with random markings on every node; after each round every node must hold
exactly the model's releasable set (by ``core.marking.can_read``), without duplicates: initial
sync, then updates, revocations, deletions, marking downgrades, withdrawals and a nation
leaving; then a syncing node is SIGKILLed mid-sync (the sync process and its server) and
restarted: no loss, no duplicates, no leak."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.db import make_engine
from defpact.core.identity import Clearance
from defpact.core.marking import PACT, TLP, Marking, can_read
from defpact.core.runtime import Node
from defpact.core.service import withdraw_member
from defpact.threats.stix.collections import nation_collection_id
from federation_support import drop_databases, indicator

NATIONS = ("XK", "AL", "HR")
TAXII = "application/taxii+json;version=2.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    nation: str
    workdir: Path
    db_url: str
    env: dict[str, str] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    url: str = ""
    token: str = ""

    def __post_init__(self) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DEFPACT_")}
        self.env.update(DEFPACT_DATA_DIR=str(self.workdir / "var"),
                        DEFPACT_DATABASE_URL=self.db_url, DEFPACT_NODE_NATIONS=self.nation,
                        DEFPACT_NODE_ID=f"node-{self.nation.lower()}",
                        # syncs here are driven by the CLI, to kill one mid-sync; the
                        # scheduler is tested in tests/integration/test_federation_sync.py
                        DEFPACT_FEDERATION_SCHEDULE="false")  # fmt: skip

    def cli(self, *args: str, check: bool = True, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "defpact", *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"defpact {' '.join(args)}: {done.stdout}{done.stderr}")
        return done

    def start(self) -> None:
        port = int(self.url.rsplit(":", 1)[1]) if self.url else _free_port()
        log = (self.workdir / "server.log").open("ab")
        self.server = subprocess.Popen(
            [sys.executable, "-m", "defpact", "serve", "--port", str(port)], env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, (self.workdir / "server.log").read_text()
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/api/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.05)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        if self.server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=30)
            self.server = None

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **extra}

    def post_stix(self, objects: list[dict[str, Any]]) -> None:
        path = f"/taxii2/pact/collections/{nation_collection_id(self.nation)}/objects/"
        r = httpx.post(self.url + path, json={"objects": objects}, timeout=60,
                       headers=self.headers(Accept=TAXII, **{"Content-Type": TAXII}))  # fmt: skip
        assert r.status_code == 202, r.text
        bad = [f for f in r.json().get("failures", []) if "marking-definition" not in f["id"]]
        assert not bad, bad

    def delete_stix(self, stix_id: str) -> None:
        path = f"/taxii2/pact/collections/{nation_collection_id(self.nation)}/objects/{stix_id}/"
        r = httpx.delete(self.url + path, headers=self.headers(Accept=TAXII), timeout=30)
        assert r.status_code == 200, r.text

    def post_report(self, title: str, mark: Marking) -> int:
        body = {
            "title": title,
            "reliability": "B",
            "credibility": "2",
            "marking": {
                "classification": mark.classification.name,
                "releasable_to": sorted(mark.releasable_to),
                "tlp": mark.tlp.value,
            },
        }
        r = httpx.post(self.url + "/api/intel/reports", json=body, headers=self.headers(),
                       timeout=30)  # fmt: skip
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def holdings(self) -> dict[str, str]:
        """What this node stores that other nations originated: {name: kind}; fails on
        duplicates."""
        engine = make_engine(self.db_url)
        held: dict[str, str] = {}
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT raw FROM threat_objects WHERE originator NOT IN (:n, '--') "
                "AND type = 'indicator'"), {"n": self.nation}).all()  # fmt: skip
            for (raw,) in rows:
                name = json.loads(raw)["name"]
                assert name not in held, f"duplicate {name} on {self.nation}"
                held[name] = "stix"
            for (title,) in conn.execute(
                sa.text("SELECT title FROM intel_reports WHERE originator != :n"),
                {"n": self.nation},
            ):
                assert title not in held, f"duplicate {title} on {self.nation}"
                held[title] = "intel"
        engine.dispose()
        return held


@pytest.fixture
def cluster(backend: str, tmp_path: Path) -> Iterator[dict[str, Proc]]:
    names: list[str] = []
    base = os.environ.get("DEFPACT_TEST_POSTGRES_URL", "")
    if backend == "postgres":
        if not base:
            pytest.skip("PostgreSQL tests skipped: set DEFPACT_TEST_POSTGRES_URL")
        names = [f"defpact_e2e_fed_{os.getpid()}_{n.lower()}" for n in NATIONS]
        drop_databases(base, names)
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    procs: dict[str, Proc] = {}
    for i, nation in enumerate(NATIONS):
        work = tmp_path / nation
        work.mkdir()
        url = (sa.engine.make_url(base).set(database=names[i]).render_as_string(False)
               if names else f"sqlite:///{work / 'defpact.db'}")  # fmt: skip
        procs[nation] = Proc(nation, work, url)
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(_setup, procs.values()))
    try:
        yield procs
    finally:
        for p in procs.values():
            p.kill()
        if names:
            drop_databases(base, names)


def _setup(p: Proc) -> None:
    p.cli("init")
    user = f"{p.nation.lower()}.analyst"
    p.cli("user", "create", user, "--nation", p.nation, "--role", "analyst", "--role", "intel",
          "--role", "admin", "--clearance", "SECRET", "--password-stdin",
          stdin="federation-e2e-password\n")  # fmt: skip
    p.token = json.loads(p.cli("token", "create", user, "--format", "json").stdout)["secret"]
    p.start()


def _peer(a: Proc, b: Proc) -> None:
    """Mutual peering through the API (the CLI does the same; see docs/federation.md)."""
    r = httpx.post(a.url + "/api/federation/peers", json={"url": b.url, "nation": b.nation},
                   headers=a.headers(), timeout=60)  # fmt: skip
    assert r.status_code == 201, r.text
    r = httpx.post(
        b.url + "/api/federation/peers",
        headers=b.headers(),
        timeout=60,
        json={"url": a.url, "nation": a.nation, "token": r.json()["token_for_peer"]},
    )
    assert r.status_code == 201, r.text
    r = httpx.put(f"{a.url}/api/federation/peers/{b.nation}/token", headers=a.headers(),
                  json={"token": r.json()["token_for_peer"]}, timeout=60)  # fmt: skip
    assert r.status_code == 200, r.text


def _random_marking(rng: random.Random, origin: str) -> Marking:
    others = [n for n in NATIONS if n != origin]
    release = rng.choice([(PACT,), (others[0],), (others[1],), tuple(others), (PACT, others[0])])
    return Marking(origin, rng.choice(list(Clearance)), frozenset(release), rng.choice(list(TLP)))


def _expected(records: dict[str, tuple[str, Marking, str]], reader: str,
              members: frozenset[str]) -> dict[str, str]:  # fmt: skip
    return {
        name: kind for name, (origin, mark, kind) in records.items()
        if origin != reader and can_read(reader, Clearance.SECRET, mark, members)
    }  # fmt: skip


def _converge(procs: dict[str, Proc], records: dict[str, tuple[str, Marking, str]],
              members: frozenset[str]) -> None:  # fmt: skip
    with ThreadPoolExecutor(max_workers=3) as pool:
        outs = list(pool.map(
            lambda p: p.cli("federation", "sync", "--format", "json", "--limit", "7"),
            procs.values()))  # fmt: skip
    for out in outs:
        assert all(r["error"] is None for r in json.loads(out.stdout)), out.stdout
    for p in procs.values():
        assert p.holdings() == _expected(records, p.nation, members), p.nation


def _withdraw_member(proc: Proc, nation: str) -> None:
    node = Node.from_settings(Settings(data_dir=proc.workdir / "var", database_url=proc.db_url))
    with node.uow() as uow:
        withdraw_member(uow.session, Actor.console("test"), nation, date.today())
        uow.commit()
    node.dispose()


def test_three_nodes_federate_exactly_what_markings_allow(cluster: dict[str, Proc]) -> None:
    rng = random.Random(20250318)
    procs = cluster
    _peer(procs["XK"], procs["AL"])
    _peer(procs["XK"], procs["HR"])
    _peer(procs["AL"], procs["HR"])
    records: dict[str, tuple[str, Marking, str]] = {}
    stix_ids: dict[str, str] = {}
    report_ids: dict[str, int] = {}
    for p in procs.values():
        objects: list[dict[str, Any]] = []
        for i in range(6):
            mark = _random_marking(rng, p.nation)
            name = f"{p.nation}-ind-{i}"
            pair = indicator(name, mark)
            objects += pair
            stix_ids[name] = pair[1]["id"]
            records[name] = (p.nation, mark, "stix")
            title = f"{p.nation}-rep-{i}"
            report_ids[title] = p.post_report(title, _random_marking(rng, p.nation))
        p.post_stix(objects)
    # reports' markings: read back what was stored (random above, recorded here)
    for title, rid in report_ids.items():
        p = procs[title[:2]]
        m = httpx.get(f"{p.url}/api/intel/reports/{rid}", headers=p.headers()).json()["marking"]
        records[title] = (p.nation, Marking(p.nation, Clearance[m["classification"]],
                          frozenset(m["releasable_to"]), TLP(m["tlp"])), "intel")  # fmt: skip
    members = frozenset(NATIONS)
    _converge(procs, records, members)

    # Changes on every node: a new version with a new random marking (an update or a
    # downgrade), a revocation, a deletion, a report withdrawn.
    for p in procs.values():
        n = p.nation
        mark = _random_marking(rng, n)
        p.post_stix(indicator(f"{n}-ind-0", mark, modified="2025-07-01T00:00:00.000Z"))
        records[f"{n}-ind-0"] = (n, mark, "stix")
        downgraded = Marking(n, Clearance.UNCLASSIFIED, frozenset({n}), TLP.GREEN)
        p.post_stix(indicator(f"{n}-ind-1", downgraded, modified="2025-07-01T00:00:00.000Z"))
        records[f"{n}-ind-1"] = (n, downgraded, "stix")
        old = records[f"{n}-ind-2"][1]
        p.post_stix(indicator(f"{n}-ind-2", old, modified="2025-07-01T00:00:00.000Z",
                              revoked=True))  # fmt: skip
        p.delete_stix(stix_ids[f"{n}-ind-3"])
        del records[f"{n}-ind-3"]
        r = httpx.post(f"{p.url}/api/intel/reports/{report_ids[f'{n}-rep-0']}/withdraw",
                       headers=p.headers(), timeout=30)  # fmt: skip
        assert r.status_code == 200, r.text
        del records[f"{n}-rep-0"]
    _converge(procs, records, members)

    # Croatia leaves the pact (recorded on every node): it keeps only its own records; the
    # others keep what it released to them.
    for p in procs.values():
        _withdraw_member(p, "HR")
    members = frozenset({"XK", "AL"})
    _converge(procs, records, members)

    # SIGKILL a syncing node mid-sync, restart it: no loss, no duplicates, no leak.
    xk, al = procs["XK"], procs["AL"]
    objects = []
    for i in range(150):
        mark = _random_marking(rng, "XK")
        mark = Marking("XK", mark.classification, mark.releasable_to - {"HR"} or frozenset({PACT}),
                       mark.tlp)  # fmt: skip
        pair = indicator(f"XK-bulk-{i}", mark)
        objects += pair
        records[f"XK-bulk-{i}"] = ("XK", mark, "stix")
    xk.post_stix(objects)
    sync = subprocess.Popen([sys.executable, "-m", "defpact", "federation", "sync", "--peer",
                             "XK", "--limit", "2", "--format", "json"], env=al.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    engine = make_engine(al.db_url)
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            held = conn.execute(sa.text("SELECT count(*) FROM threat_objects WHERE "
                                        "stix_id IN (SELECT remote_id FROM federation_replicas) "
                                        "AND raw LIKE '%XK-bulk%'")).scalar()  # fmt: skip
            conn.rollback()
            if held and held > 10:
                break
            time.sleep(0.02)
    engine.dispose()
    sync.send_signal(signal.SIGKILL)
    sync.wait(timeout=30)
    al.kill()
    partial = al.holdings()
    assert len([k for k in partial if k.startswith("XK-bulk")]) < 150, "the sync was not cut"
    al.start()
    _converge(procs, records, members)
