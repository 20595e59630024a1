"""Federation sync benchmark: two nodes (XK exports, AL pulls) served by uvicorn on loopback.

Measures the initial sync of N indicators (objects/s, target >= 2,000/s) and an incremental
sync of 1,000 changes after it (new versions; target < 2 s end to end), on SQLite or, with
``--postgres-url``, PostgreSQL (two databases created and dropped). ``--quick``: N = 5,000.

    .venv/bin/python bench/bench_federation.py [--quick] [--objects N] [--postgres-url URL]
        [--page N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from sqlalchemy.engine import make_url

from defpact.app import create_app
from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.store import UserRepository
from defpact.federation import peers
from defpact.federation.identity import ensure_node_identity
from defpact.federation.sync import sync_peer
from defpact.threats.stix import service as stix
from defpact.threats.stix.collections import nation_collection_id


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node(nation: str, url: str, work: Path) -> tuple[Node, str]:
    upgrade(url)
    settings = Settings(data_dir=work / nation, database_url=url, node_nations=nation,
                        node_id=f"bench-{nation.lower()}")  # fmt: skip
    node = Node.from_settings(settings)
    seed_reference(node.uow())
    seed_demo(node.uow())
    stix.seed_threats(node.uow())
    port = _port()
    server = uvicorn.Server(uvicorn.Config(create_app(node=node), port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return node, f"http://127.0.0.1:{port}"


def _actor(node: Node, username: str) -> Actor:
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        assert row is not None
        return Actor.of(Principal(row.id, row.username, row.nation_code,
                                  frozenset(Role(r) for r in row.roles),
                                  Clearance(row.clearance)))  # fmt: skip


def _indicators(start: int, count: int, modified: str) -> list[dict[str, Any]]:
    return [{
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-{i}')}",
        "created": "2025-05-01T10:00:00.000Z", "modified": modified,
        "name": f"bench {i}", "pattern": f"[domain-name:value = 'b{i}.example']",
        "pattern_type": "stix", "valid_from": "2025-05-01T10:00:00Z",
    } for i in range(start, start + count)]  # fmt: skip


def _load(node: Node, count: int, modified: str) -> None:
    actor, cid = _actor(node, "xk.analyst"), nation_collection_id("XK")
    for start in range(0, count, 1000):
        status = stix.add_objects(node.uow(), actor, cid, _indicators(
            start, min(1000, count - start), modified))  # fmt: skip
        assert status.failure_count == 0, status.failures[:3]


def run(objects: int, pg: str | None, page: int, profiling: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="defpact-fed-bench-"))
    names = [f"defpact_bench_fed_{n}" for n in ("xk", "al")]
    if pg:
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        urls = [make_url(pg).set(database=n).render_as_string(False) for n in names]
    else:
        urls = [f"sqlite:///{work / 'xk.db'}", f"sqlite:///{work / 'al.db'}"]
    (xk, xk_url), (al, al_url) = _node("XK", urls[0], work), _node("AL", urls[1], work)
    xk_id, al_id = ensure_node_identity(xk.settings), ensure_node_identity(al.settings)
    console = Actor.console()
    _, for_al = peers.add_peer(xk.uow(), console, xk_id, xk.settings.effective_secret_key(),
                               peers.NewPeer(al_url, "AL"))  # fmt: skip
    peers.add_peer(al.uow(), console, al_id, al.settings.effective_secret_key(),
                   peers.NewPeer(xk_url, "XK", token=for_al))  # fmt: skip
    t0 = time.perf_counter()
    _load(xk, objects, "2025-05-01T10:00:00.000Z")
    print(f"loaded {objects:,} indicators on XK in {time.perf_counter() - t0:.1f} s")
    profile = cProfile.Profile() if profiling else None
    t0 = time.perf_counter()
    if profile is not None:
        profile.enable()
    marks = [(0, t0)]

    def progress(applied: int, pages: int) -> None:
        if pages % 5 == 0:  # the rate of the last 5 pages: does it hold as the tables grow?
            done, since = marks[-1]
            now = time.perf_counter()
            print(f"  {applied:,} applied, last pages at {(applied - done) / (now - since):,.0f}/s")
            marks.append((applied, now))

    result = sync_peer(al, al_id, "XK", limit=page, progress=progress)
    took = time.perf_counter() - t0
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    assert result.error is None, result.error
    assert result.totals.stored == objects, result.totals
    backend = "PostgreSQL" if pg else "SQLite"
    print(f"{backend}: initial sync of {objects:,} objects in {took:.2f} s = "
          f"{objects / took:,.0f} objects/s (target >= 2,000/s)")  # fmt: skip
    _load(xk, 1000, "2025-06-01T10:00:00.000Z")
    t0 = time.perf_counter()
    result = sync_peer(al, al_id, "XK", limit=page)
    took = time.perf_counter() - t0
    assert result.error is None and result.totals.stored == 1000, result
    print(f"{backend}: incremental sync of 1,000 changes in {took:.2f} s (target < 2 s)")
    xk.dispose()
    al.dispose()
    if pg:
        admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--postgres-url")
    parser.add_argument("--page", type=int, default=5000, help="objects per feed page")
    parser.add_argument("--profile", action="store_true", help="profile the pulling side")
    args = parser.parse_args()
    run(5_000 if args.quick else args.objects, args.postgres_url, args.page, args.profile)


if __name__ == "__main__":
    main()
