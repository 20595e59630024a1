"""Correlation benchmark: value lookup at 1,000,000 indexed values, and against stix2 MemoryStore.

1. **Lookup p99.** N indexed values (1,000,000; ``--quick`` 50,000: IPv4 addresses, /24
   ranges, domains, SHA-256 hashes, each in one to three objects of random nations and
   releases) are bulk-inserted into ``threat_observables``; then ``service.lookup`` (the full
   use case: unit of work, membership, key + containment query with the releasability filter,
   warninglist check) answers Q random values (half present, half absent) as an XK analyst.
   Target: p99 < 10 ms. SQLite always; PostgreSQL with ``--pg URL`` (or
   ``DEFPACT_TEST_POSTGRES_URL``); the database is created and dropped by the run.
2. **Against stix2.** The same lookup against ``stix2.MemoryStore.query`` (``type`` and
   ``value`` filters) over M ``ipv4-addr`` objects (100,000; ``--quick`` 10,000), with the same
   objects indexed by defpact on SQLite; per-query times side by side and their ratio.

    .venv/bin/python bench/bench_correlation.py [--quick] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import stix2
from sqlalchemy.engine import make_url

from defpact.core.config import Settings
from defpact.core.context import Actor
from defpact.core.runtime import Node
from defpact.core.schema import upgrade
from defpact.core.seed import seed_demo, seed_reference
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository
from defpact.tables import load_all_tables
from defpact.threats.correlation.keys import ip_key, prefix_of, value_key
from defpact.threats.correlation.normalise import Kind, Observable
from defpact.threats.correlation.service import lookup
from defpact.threats.correlation.store import OBSERVABLES
from defpact.threats.stix.collections import nation_collection_id

RELEASES = (",PACT,", ",PACT,", ",XK,", ",AL,", ",HR,", ",AL,HR,")
NATIONS = ("XK", "AL", "HR")


def _value(rng: random.Random, n: int) -> Observable:
    pick = n % 10
    if pick < 6:
        return Observable(
            Kind.IPV4, str(ipaddress.IPv4Address(rng.randrange(2**24, 2**32 - 2**28)))
        )
    if pick == 6:
        base = rng.randrange(2**24, 2**32 - 2**28) & ~0xFF
        return Observable(Kind.IPV4_NET, f"{ipaddress.IPv4Address(base)}/24")
    if pick < 9:
        return Observable(Kind.DOMAIN, f"h{rng.getrandbits(40):x}.{rng.choice(NATIONS).lower()}")
    return Observable(Kind.SHA256, f"{rng.getrandbits(256):064x}")


def _rows(count: int, seed: int) -> Iterator[tuple[list[dict[str, Any]], list[Observable]]]:
    """Batches of observable rows; values repeat in 1-3 objects of random nations."""
    rng = random.Random(seed)
    batch: list[dict[str, Any]] = []
    values: list[Observable] = []
    made = 0
    while made < count:
        obs = _value(rng, made)
        values.append(obs)
        for _ in range(min(rng.choice((1, 1, 1, 2, 3)), count - made)):
            nation = rng.choice(NATIONS)
            batch.append({
                "key": value_key(obs), "kind": obs.kind.value, "value": obs.value,
                "ip_key": ip_key(obs), "prefix": prefix_of(obs),
                "collection_id": nation_collection_id(nation),
                "stix_id": f"indicator--{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "object_type": "indicator", "version": 1, "date_added": made,
                "suppressed": False, "originator": nation, "classification": rng.choice((0, 0, 1)),
                "releasable_to": rng.choice(RELEASES), "tlp": "GREEN", "withdrawn_at": None,
            })  # fmt: skip
            made += 1
        if len(batch) >= 20_000:
            yield batch, values
            batch, values = [], []
    if batch:
        yield batch, values


def _load(node: Node, count: int, seed: int) -> list[Observable]:
    present: list[Observable] = []
    started = time.perf_counter()
    with node.engine.begin() as conn:
        for batch, values in _rows(count, seed):
            conn.execute(sa.insert(OBSERVABLES), batch)
            present += values
    if node.engine.dialect.name == "postgresql":
        with node.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE threat_observables"
            )
    print(f"  loaded {count:,} indexed values in {time.perf_counter() - started:.1f} s")
    return present


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextmanager
def _node(url: str | None, tmp: Path) -> Iterator[Node]:
    admin = None
    if url is None:
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        base = make_url(url)
        name = f"defpact_bench_corr_{os.getpid()}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    node = Node.from_settings(Settings(data_dir=tmp / "var", database_url=url))
    seed_reference(node.uow())
    seed_demo(node.uow())
    try:
        yield node
    finally:
        node.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(
                    f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'
                )
            admin.dispose()


def _analyst(node: Node) -> Actor:
    """xk.analyst (SECRET): reads of RESTRICTED hits are audited, as in production."""
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username("xk.analyst")
        assert row is not None
        return Actor.of(principal_of(row))


def bench_lookup(label: str, url: str | None, count: int, queries: int, tmp: Path) -> None:
    print(f"\n[lookup] {label}: {count:,} indexed values, {queries} queries")
    with _node(url, tmp) as node:
        present = _load(node, count, seed=7)
        analyst = _analyst(node)
        rng = random.Random(11)
        absent = [Observable(Kind.IPV4, str(ipaddress.IPv4Address(rng.randrange(2**28, 2**29))))
                  for _ in range(queries // 2)]  # fmt: skip
        asked = rng.sample(present, queries - len(absent)) + absent
        rng.shuffle(asked)
        lookup(node.uow(), analyst, asked[0])  # warm the caches
        plain: list[float] = []
        audited: list[float] = []
        hits = 0
        for obs in asked:
            started = time.perf_counter()
            result = lookup(node.uow(), analyst, obs)
            elapsed = (time.perf_counter() - started) * 1000
            hits += result.total > 0
            classified = any(h.marking.classification > 0 for h in result.hits)
            (audited if classified else plain).append(elapsed)
        _report("lookup of one value, all queries", plain + audited)
        _report("  no RESTRICTED hit (read only)", plain)
        if audited:
            _report("  RESTRICTED hit (+ audit event commit)", audited, target=False)
        print(f"  {hits} of {len(asked)} queries had visible hits")


def _report(label: str, samples: list[float], *, target: bool = True) -> None:
    p50, p99, worst = _percentiles(samples)
    verdict = ("; meets p99 < 10 ms" if p99 < 10 else "; MISSES p99 < 10 ms") if target else ""
    print(f"  {label}: n={len(samples)}, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"max {worst:.2f} ms{verdict}")  # fmt: skip


def bench_memorystore(count: int, queries: int, tmp: Path) -> None:
    print(f"\n[vs stix2.MemoryStore] {count:,} ipv4-addr objects, {queries} value queries")
    rng = random.Random(5)
    addresses = [str(ipaddress.IPv4Address(a)) for a in rng.sample(range(2**24, 2**31), count)]
    started = time.perf_counter()
    store = stix2.MemoryStore([
        {"type": "ipv4-addr", "spec_version": "2.1", "id": f"ipv4-addr--{uuid.uuid4()}",
         "value": a} for a in addresses
    ])  # fmt: skip
    print(f"  MemoryStore built in {time.perf_counter() - started:.1f} s")
    asked = rng.sample(addresses, queries)
    found = {"n": 0}

    def memory_query(value: str) -> None:
        flt = [stix2.Filter("type", "=", "ipv4-addr"), stix2.Filter("value", "=", value)]
        found["n"] += len(store.query(flt))

    memory = [s for v in asked for s in _time(lambda v=v: memory_query(v), 1)]
    with _node(None, tmp / "ms") as node:
        rows = [{
            "key": value_key(Observable(Kind.IPV4, a)), "kind": "ipv4", "value": a,
            "ip_key": ip_key(Observable(Kind.IPV4, a)), "prefix": None,
            "collection_id": nation_collection_id("XK"),
            "stix_id": f"ipv4-addr--{uuid.uuid4()}", "object_type": "ipv4-addr", "version": i,
            "date_added": i, "suppressed": False, "originator": "XK", "classification": 0,
            "releasable_to": ",PACT,", "tlp": "GREEN", "withdrawn_at": None,
        } for i, a in enumerate(addresses)]  # fmt: skip
        with node.engine.begin() as conn:
            conn.execute(sa.insert(OBSERVABLES), rows)
        analyst = _analyst(node)
        ours = [
            s for v in asked
            for s in _time(lambda v=v: lookup(node.uow(), analyst, Observable(Kind.IPV4, v)), 1)
        ]  # fmt: skip
    m50, m99, _ = _percentiles(memory)
    o50, o99, _ = _percentiles(ours)
    print(f"  stix2 MemoryStore.query: p50 {m50:.2f} ms, p99 {m99:.2f} ms "
          f"({found['n']} objects found)")  # fmt: skip
    print(f"  defpact lookup (SQLite): p50 {o50:.2f} ms, p99 {o99:.2f} ms")
    print(f"  ratio MemoryStore/defpact: {m50 / o50:.0f}x at p50, {m99 / o99:.0f}x at p99")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small, bounded run for CI")
    parser.add_argument("--pg", "--postgres-url", dest="pg",
                        default=os.environ.get("DEFPACT_TEST_POSTGRES_URL"))  # fmt: skip
    args = parser.parse_args()
    load_all_tables()
    count, queries = (50_000, 200) if args.quick else (1_000_000, 2_000)
    stix_count, stix_queries = (10_000, 20) if args.quick else (100_000, 50)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        bench_lookup("SQLite", None, count, queries, tmp / "sqlite")
        if args.pg:
            bench_lookup("PostgreSQL", args.pg, count, queries, tmp / "pg")
        else:
            print("\n[lookup] PostgreSQL: skipped (no --pg URL or DEFPACT_TEST_POSTGRES_URL)")
        bench_memorystore(stix_count, stix_queries, tmp)


if __name__ == "__main__":
    main()
