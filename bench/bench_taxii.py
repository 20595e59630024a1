"""TAXII 2.1 benchmark: defpact against the OASIS reference server medallion 3.0.0 (memory backend).

Both servers run as separate processes on loopback and are driven by the same client (the OASIS
``taxii2-client``) with the same data:

1. POST 10,000 indicators in envelopes of 1,000 (objects/s; target >= 5,000/s for defpact);
2. GET all objects, pages of 1,000;
3. GET ``match[type]=indicator``, pages of 1,000;
4. GET ``added_after`` the midpoint (the date_added of object 5,000), pages of 1,000.

Then a large-store measurement for defpact alone: N objects (1,000,000; ``--quick`` 20,000) are
loaded by direct bulk insert, and pages of 1,000 are fetched over HTTP at the start, middle and
end of the collection and at random cursors (target < 100 ms each), on SQLite and, with
``--postgres-url``, on PostgreSQL.

medallion lives in its own virtualenv (``bench/setup_medallion_venv.sh`` makes
``<repo>/.venv-medallion``; run here when missing). defpact authenticates the client with a
Bearer token (HTTP Basic would add one Argon2 password check to every request), medallion with
HTTP Basic against its plain-text user table.

    .venv/bin/python bench/bench_taxii.py [--quick] [--postgres-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import requests.auth
from taxii2client.v21 import Collection, as_pages

ROOT = Path(__file__).resolve().parent.parent
MEDALLION_VENV = ROOT / ".venv-medallion"
TAXII = "application/taxii+json;version=2.1"
PEER_COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
SERVER_PIDS: dict[int, int] = {}  # id(auth object) -> pid of the server it talks to


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc), to compare servers on a busy
    machine: wall-clock rates depend on what else runs, CPU cost per object does not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, auth: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, auth=auth, headers={"Accept": TAXII}, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not start")


def indicators(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    stamp = "2024-05-01T10:00:00.000Z"
    return [
        {
            "type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "created": stamp, "modified": stamp, "name": f"C2 node {n}",
            "indicator_types": ["malicious-activity"],
            "pattern": f"[ipv4-addr:value = '10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}']",
            "pattern_type": "stix", "valid_from": stamp,
        }
        for n in range(count)
    ]  # fmt: skip


# --- the servers --------------------------------------------------------------------------


@contextmanager
def medallion_server(workdir: Path) -> Iterator[tuple[str, Any]]:
    if not (MEDALLION_VENV / "bin" / "medallion").exists():
        subprocess.run(["bash", str(ROOT / "bench" / "setup_medallion_venv.sh")], check=True)
    port = free_port()
    data = {
        "/discovery": {"title": "medallion", "default": f"http://127.0.0.1:{port}/api1/",
                       "api_roots": [f"http://127.0.0.1:{port}/api1/"]},
        "api1": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 104857600},
            "status": [],
            "collections": [{"id": PEER_COLLECTION, "title": "bench", "can_read": True,
                             "can_write": True, "objects": [], "manifest": [],
                             "media_types": ["application/stix+json;version=2.1"]}],
        },
    }  # fmt: skip
    (workdir / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": str(workdir / "data.json")},
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": 1000},
    }  # fmt: skip
    (workdir / "medallion.json").write_text(json.dumps(config))
    process = subprocess.Popen(
        [str(MEDALLION_VENV / "bin" / "medallion"), "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "ERROR", str(workdir / "medallion.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    auth = requests.auth.HTTPBasicAuth("bench", "bench-password")
    try:
        wait_for(f"http://127.0.0.1:{port}/taxii2/", auth)
        SERVER_PIDS[id(auth)] = process.pid
        yield f"http://127.0.0.1:{port}/api1/collections/{PEER_COLLECTION}/", auth
    finally:
        process.terminate()
        process.wait(timeout=20)


def prepare_defpact(database_url: str, data_dir: Path) -> str:
    """Migrate and seed a node; returns a Bearer token of xk.analyst."""
    from defpact.core.config import Settings
    from defpact.core.context import Actor
    from defpact.core.runtime import Node
    from defpact.core.schema import upgrade
    from defpact.core.seed import seed_demo, seed_reference
    from defpact.core.service import create_token
    from defpact.threats.stix.service import seed_threats

    upgrade(database_url)
    node = Node.from_settings(Settings(data_dir=data_dir, database_url=database_url))
    try:
        seed_reference(node.uow())
        seed_demo(node.uow())
        seed_threats(node.uow())
        return create_token(node.uow(), Actor.console(), "xk.analyst").secret
    finally:
        node.dispose()


@contextmanager
def defpact_server(database_url: str, data_dir: Path, token: str) -> Iterator[tuple[str, Any]]:
    from defpact.threats.stix.collections import nation_collection_id

    port = free_port()
    launcher = (
        "import uvicorn, sys\n"
        "from defpact.app import create_app\n"
        "from defpact.core.config import Settings\n"
        "app = create_app(Settings(data_dir=sys.argv[1], database_url=sys.argv[2]))\n"
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[3]), log_level='warning')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", launcher, str(data_dir), database_url, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    auth = BearerAuth(token)
    try:
        wait_for(f"http://127.0.0.1:{port}/taxii2/", auth)
        collection = nation_collection_id("XK")
        SERVER_PIDS[id(auth)] = process.pid
        yield f"http://127.0.0.1:{port}/taxii2/pact/collections/{collection}/", auth
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- the workload -------------------------------------------------------------------------


class OverBudget(Exception):
    """A measured step took longer than its time budget."""


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Interrupt the step after ``seconds`` (SIGALRM also breaks a blocking socket read)."""
    if not seconds:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed(work: Callable[[], int], seconds: float | None = None) -> tuple[float, int] | None:
    started = time.perf_counter()
    try:
        with budget(seconds):
            count = work()
    except OverBudget:
        return None
    return time.perf_counter() - started, count


def run_workload(
    url: str, auth: Any, objects: list[dict[str, Any]], size: int, seconds: float | None = None
) -> dict[str, Any]:
    """POST in envelopes of ``size``, then three paged GETs with pages of ``size``.

    A step over ``seconds`` is recorded as None and the remaining GETs are skipped.
    """
    collection = Collection(url, auth=auth)

    def post() -> int:
        stored = 0
        for start in range(0, len(objects), size):
            status = collection.add_objects({"objects": objects[start : start + size]})
            stored += status.success_count
        return stored

    def paged(**filters: Any) -> Callable[[], int]:
        def read() -> int:
            pages = as_pages(collection.get_objects, per_request=size, **filters)
            return sum(len(page.get("objects", [])) for page in pages)

        return read

    cpu_before = cpu_seconds(SERVER_PIDS[id(auth)])
    results: dict[str, Any] = {"post": timed(post)}
    results["post_cpu"] = cpu_seconds(SERVER_PIDS[id(auth)]) - cpu_before
    manifest = [r for page in as_pages(collection.get_manifest, per_request=size)
                for r in page.get("objects", [])]  # fmt: skip
    midpoint = manifest[len(manifest) // 2 - 1]["date_added"]
    steps = [("get_all", paged()), ("match_type", paged(type="indicator")),
             ("added_after", paged(added_after=midpoint))]  # fmt: skip
    for key, work in steps:
        results[key] = timed(work, seconds)
        if results[key] is None:
            break  # the peer is still busy with the abandoned request: skip the rest
    return results


# --- large store --------------------------------------------------------------------------


def bulk_load(database_url: str, data_dir: Path, count: int) -> float:
    """Insert ``count`` indicators straight into the XK collection; returns rows/s."""
    from sqlalchemy import insert

    from defpact.core.config import Settings
    from defpact.core.runtime import Node
    from defpact.threats.stix.collections import nation_collection_id
    from defpact.threats.stix.stamps import now_us, parse_timestamp
    from defpact.threats.stix.store import OBJECTS_TABLE, lock_clock

    node = Node.from_settings(Settings(data_dir=data_dir, database_url=database_url))
    collection = nation_collection_id("XK")
    version = parse_timestamp("2024-05-01T10:00:00.000Z")
    started = time.perf_counter()
    base = now_us() - count
    for start in range(0, count, 20_000):
        batch = indicators(min(20_000, count - start), seed=start)
        rows = [
            {"collection_id": collection, "stix_id": obj["id"], "type": "indicator",
             "spec_version": "2.1", "version": version, "versioned": True,
             "date_added": base + start + i, "revoked": False,
             "raw": json.dumps(obj, separators=(",", ":")), "originator": "XK",
             "superseded": False, "copied": False,
             "classification": 0, "releasable_to": ",PACT,", "tlp": "GREEN", "withdrawn_at": None}
            for i, obj in enumerate(batch)
        ]  # fmt: skip
        with node.uow() as uow:
            uow.session.connection().execute(insert(OBJECTS_TABLE), rows)
            clock = lock_clock(uow.session)
            clock.last_date_added = max(clock.last_date_added, rows[-1]["date_added"])
            uow.commit()
    rate = count / (time.perf_counter() - started)
    with node.engine.begin() as conn:  # committed: ANALYZE results are transactional
        if node.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE threat_objects")
        else:
            conn.exec_driver_sql("ANALYZE")
    node.dispose()
    return rate


def page_latencies(url: str, auth: Any, count: int, samples: int) -> dict[str, float]:
    """Milliseconds per page of 1,000 at the start, the middle, the end and random cursors."""
    from defpact.threats.stix.query import Cursor, encode_cursor

    session = requests.Session()
    session.auth = auth
    headers = {"Accept": TAXII}
    first = session.get(f"{url}manifest/?limit=1", headers=headers).json()["objects"][0]
    from defpact.threats.stix.stamps import parse_timestamp

    base = parse_timestamp(first["date_added"])

    def fetch(offset: int | None) -> float:
        params = {"limit": "1000"}
        if offset is not None:
            params["next"] = encode_cursor(Cursor(base + offset - 1, "indicator--ffffffff"))
        started = time.perf_counter()
        response = session.get(f"{url}objects/", headers=headers, params=params)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and len(response.json()["objects"]) >= 1
        return elapsed

    fetch(None)  # warm the connection and caches
    rng = random.Random(3)
    random_ms = [fetch(rng.randrange(1, count - 1000)) for _ in range(samples)]
    return {
        "first": fetch(None), "middle": fetch(count // 2), "last": fetch(count - 1000),
        "random_p50": statistics.median(random_ms), "random_max": max(random_ms),
    }  # fmt: skip


# --- report -------------------------------------------------------------------------------


def _value(result: tuple[float, int] | None, rate: bool) -> float | None:
    if result is None:
        return None
    seconds, count = result
    return count / seconds if rate else seconds


def report_peer(
    ours: dict[str, Any], peer: dict[str, Any] | None, count: int, size: int, seconds: float
) -> None:
    print(f"\nTAXII workload: {count:,} indicators, envelopes and pages of {size:,}")
    print(f"{'measure':34} {'defpact':>12} {'medallion':>12} {'ours/peer':>10}")
    rows = [("POST (objects/s)", "post", True), ("GET all (s)", "get_all", False),
            ("GET match[type]=indicator (s)", "match_type", False),
            ("GET added_after midpoint (s)", "added_after", False)]  # fmt: skip
    for label, key, rate in rows:
        ours_value = _value(ours.get(key), rate)
        line = f"{label:34} {ours_value:>12,.2f}" if ours_value is not None else f"{label:34}"
        if peer is not None:
            peer_value = _value(peer.get(key), rate)
            if key not in peer:
                line += f" {'not run':>12}  (an earlier step exceeded the time budget)"
            elif peer_value is None:
                bound = f"< {(ours_value or 0) / seconds:.4f}"
                line += (
                    f" {f'> {seconds:.0f} s':>12} {bound:>10}  (peer stopped at the time budget)"
                )
            elif ours_value is not None:
                line += f" {peer_value:>12,.2f} {ours_value / peer_value:>10.3f}"
                if peer[key][1] != ours[key][1]:
                    line += f"  (counts differ: {ours[key][1]} vs {peer[key][1]})"
        print(line)
    line = f"{'POST server CPU (objects/CPU-s)':34} {count / max(ours['post_cpu'], 1e-9):>12,.0f}"
    if peer is not None:
        peer_rate = count / max(peer["post_cpu"], 1e-9)
        line += f" {peer_rate:>12,.0f} {count / max(ours['post_cpu'], 1e-9) / peer_rate:>10.3f}"
    print(line)
    print("(ours/peer: higher is better for objects/s, lower is better for seconds)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts for CI")
    parser.add_argument("--postgres-url", default="", help="also measure on this PostgreSQL")
    parser.add_argument("--no-peer", action="store_true", help="skip medallion")
    parser.add_argument(
        "--peer-budget", type=float, default=0.0,
        help="seconds allowed per peer GET step (default 600; --quick 120)",
    )  # fmt: skip
    parser.add_argument("--large", type=int, default=0, help="objects in the large store")
    args = parser.parse_args()
    count, size = (1_000, 250) if args.quick else (10_000, 1_000)
    seconds = args.peer_budget or (120.0 if args.quick else 600.0)
    large = args.large or (20_000 if args.quick else 1_000_000)
    objects = indicators(count)
    with tempfile.TemporaryDirectory(prefix="bench-taxii-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'workload.db'}"
        token = prepare_defpact(url, work / "var")
        with defpact_server(url, work / "var", token) as (collection, auth):
            ours = run_workload(collection, auth, objects, size)
        peer = None
        if not args.no_peer:
            with medallion_server(work) as (collection, auth):
                peer = run_workload(collection, auth, objects, size, seconds)
        report_peer(ours, peer, count, size, seconds)
        databases = [("SQLite", f"sqlite:///{work / 'large.db'}")]
        if args.postgres_url:
            databases.append(("PostgreSQL", fresh_postgres(args.postgres_url)))
        print(f"\nLarge store: {large:,} objects loaded by bulk insert; pages of 1,000 over HTTP")
        heads = ("first", "middle", "last", "rnd p50", "rnd max")
        print(
            f"{'database':11} {'load rows/s':>12} " + " ".join(f"{h:>8}" for h in heads) + " (ms)"
        )
        for name, db_url in databases:
            token = prepare_defpact(db_url, work / f"var-{name}")
            rate = bulk_load(db_url, work / f"var-{name}", large)
            with defpact_server(db_url, work / f"var-{name}", token) as (collection, auth):
                ms = page_latencies(collection, auth, large, samples=10 if args.quick else 30)
            cells = [ms[k] for k in ("first", "middle", "last", "random_p50", "random_max")]
            print(f"{name:11} {rate:>12,.0f} " + " ".join(f"{c:>8.1f}" for c in cells))
    return 0


def fresh_postgres(url: str) -> str:
    """A new empty database next to ``url`` (dropped first when it exists)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql('DROP DATABASE IF EXISTS "defpact_bench_taxii" WITH (FORCE)')
        conn.exec_driver_sql('CREATE DATABASE "defpact_bench_taxii"')
    admin.dispose()
    return base.set(database="defpact_bench_taxii").render_as_string(hide_password=False)


if __name__ == "__main__":
    raise SystemExit(main())
