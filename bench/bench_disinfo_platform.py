"""The disinformation platform end to end: ingest a batch, run detection from the database.

    python bench/bench_disinfo_platform.py                       # 200k posts on SQLite
    python bench/bench_disinfo_platform.py --posts 50000 --postgres postgresql+psycopg://...

Generates posts (bench/disinfo_generate.py, seeded), ingests them as one marked batch through
``ingest_service.ingest_batch`` (multi-row INSERTs in chunks, one transaction), then runs
``run_service.create_run`` as an analyst, which streams the posts back from the database into
the detection and stores the groups with their evidence. Reported per backend: ingest wall
time and posts per second, run wall time, and account precision/recall of the planted groups
(from the stored run). On PostgreSQL a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import disinfo_generate as gen  # noqa: E402
from defpact.core.config import Settings  # noqa: E402
from defpact.core.context import Actor  # noqa: E402
from defpact.core.marking import Marking  # noqa: E402
from defpact.core.runtime import Node  # noqa: E402
from defpact.core.schema import upgrade  # noqa: E402
from defpact.core.seed import seed_demo, seed_reference  # noqa: E402
from defpact.core.sessions import principal_of  # noqa: E402
from defpact.core.store import UserRepository  # noqa: E402
from defpact.tables import load_all_tables  # noqa: E402
from defpact.threats.disinfo import ingest_service, read_service, run_service  # noqa: E402


def _measure(url: str, data_dir: Path, posts_file: Path, truth: dict[str, str]) -> dict[str, float]:
    upgrade(url)
    node = Node.from_settings(Settings(data_dir=data_dir, database_url=url))
    try:
        seed_reference(node.uow())
        seed_demo(node.uow())
        with node.uow() as uow:
            row = UserRepository(uow.session).by_username("xk.analyst")
            assert row is not None
            principal = principal_of(row)
        actor = Actor.of(principal)
        clock = time.perf_counter()
        upload = ingest_service.Upload(posts_file, posts_file.name)
        batch = ingest_service.ingest_batch(node.uow(), actor, upload, Marking("XK"))
        ingest = time.perf_counter() - clock
        clock = time.perf_counter()
        run_id = run_service.create_run(node.uow(), actor, run_service.RunRequest())
        run_seconds = time.perf_counter() - clock
        run = read_service.get_run(node.uow(), principal, run_id)
        scores = gen.score_accounts([g.accounts for g in run.groups], truth)
        detect = sum(
            v for k, v in (run.stats or {}).get("seconds", {}).items() if k != "cpu_main_process"
        )
        return {
            "posts": batch.rows_accepted, "ingest_s": ingest,
            "ingest_posts_per_s": batch.rows_accepted / ingest, "run_s": run_seconds,
            "detect_s": detect, "groups": len(run.groups), **scores,
        }  # fmt: skip
    finally:
        node.dispose()


def _postgres(base: str) -> tuple[str, sa.Engine]:
    name = f"defpact_bench_disinfo_{os.getpid()}"
    admin = sa.create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return make_url(base).set(database=name).render_as_string(hide_password=False), admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="PostgreSQL URL of a server to create a scratch db on")
    parser.add_argument("--quick", action="store_true", help="10,000 posts, for CI")
    args = parser.parse_args()
    if args.quick:
        args.posts = min(args.posts, 10_000)
    load_all_tables()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = gen.generate(gen.GeneratorConfig(posts=args.posts, seed=args.seed))
        posts_file = work / "posts.csv"
        gen.write_posts(data.rows, posts_file, "csv")
        results = {"sqlite": _measure(f"sqlite:///{work / 'bench.db'}", work / "var", posts_file,
                                      data.truth)}  # fmt: skip
        if args.postgres:
            url, admin = _postgres(args.postgres)
            try:
                results["postgres"] = _measure(url, work / "var-pg", posts_file, data.truth)
            finally:
                with admin.connect() as conn:
                    name = make_url(url).database
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.dispose()
    print(f"{args.posts} posts, seed {args.seed}, load average {os.getloadavg()[0]:.1f}")
    for backend, r in results.items():
        print(
            f"{backend:9} ingest {r['ingest_s']:7.1f} s ({r['ingest_posts_per_s']:8.0f} posts/s)  "
            f"run {r['run_s']:7.1f} s (detection {r['detect_s']:.1f} s)  groups {r['groups']:.0f}  "
            f"precision {r['precision']:.3f} recall {r['recall']:.3f}"
        )


if __name__ == "__main__":
    main()
