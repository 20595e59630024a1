"""Crash consistency: SIGKILL the real server at random moments and check that nothing
acknowledged is lost and that the audit log still verifies (issue 3, "Proof").

Model. Six client threads create intelligence reports over HTTP with the Bearer tokens of
writers of three nations (XK, AL, HR); now and then one reads a report back or asks for a
signed tree head, which also write (an audited read, a stored tree head). Every
``201 Created`` is an *acknowledged write*: its id and content go into a ledger. Once a write
has been acknowledged, the harness waits uniform(0, 0.5) s more and kills the server's process
group with SIGKILL, runs ``defpact audit verify`` on the database the crash left, restarts the
server on a fresh port (no request can reach it before the check) and checks as each author

* every acknowledged write, in the author's listing, for presence with identical content;
* the writes acknowledged since the previous kill, one by one with
  ``GET /api/intel/reports/{id}``;
* ``phantoms``: stored reports nobody attempted, and contents stored twice.

``lost`` counts acknowledged writes missing or changed. The real run must show none, no
phantom, no error answer and every ``audit verify`` passing.

Control. Killing a process cannot lose writes the operating system already holds, even with
durability turned off; only losing the storage's unsynced data does. So the control turns
durability off (SQLite ``synchronous=OFF``, PostgreSQL ``synchronous_commit=off`` for the
server's sessions) and simulates a storage that loses every write after its last durable point:
before each kill it takes a consistent snapshot of the database (SQLite online backup;
``pg_dump``), waits for three more acknowledged writes, kills the server and restores the
snapshot before the restart. The harness must report those writes as lost. The control runs on
the same node right after the real run; ``seconds`` in the table is the time of each run
without the node's set-up.

Usage: ``python bench/soak_crash.py [--quick] [--kills N] [--backend sqlite|postgres|all]``
(200 kills per backend; ``--quick``: 20). PostgreSQL runs when ``DEFPACT_TEST_POSTGRES_URL``
(or ``--postgres-url``) names a server, in a fresh database ``defpact_crash_<pid>`` that
is dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path

from crash_harness import CrashConfig, CrashResult, run_crash
from crash_node import dedicated_postgres

PG_ENV = "DEFPACT_TEST_POSTGRES_URL"

_HEADER = (
    f"{'backend':<9} {'run':<8} {'kills':>5} {'attempted':>9} {'acknowledged':>12} {'lost':>5} "
    f"{'phantoms':>8} {'errors':>6} {'audit verify':>12} {'events':>7} {'seconds':>7}  verdict"
)


def _row(r: CrashResult) -> str:
    audit = f"{r.audit_runs - len(r.audit_failures)}/{r.audit_runs} ok"
    expect = "lost > 0" if r.control else "lost = 0"
    return (
        f"{r.backend:<9} {'control' if r.control else 'real':<8} {r.kills:>5} {r.attempted:>9} "
        f"{r.acknowledged:>12} {len(r.lost):>5} {r.phantoms:>8} {len(r.errors):>6} "
        f"{audit:>12} {r.audit_events:>7} {r.seconds:>7.1f}  "
        f"{'PASS' if r.ok else 'FAIL'} (expects {expect})"
    )


def run(backend: str, kills: int, control_kills: int, postgres: str | None) -> list[CrashResult]:
    """The real run and its control on one node in a temporary directory (and, for
    PostgreSQL, a dedicated database)."""
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crash-")))
        url = None
        if backend == "postgres":
            assert postgres is not None
            url = stack.enter_context(dedicated_postgres(postgres))
        config = CrashConfig(backend, kills, workdir, url, control_kills=control_kills)
        config.log = lambda line: print(line, flush=True)
        print(f"{backend}: {kills} kills, then {control_kills} in the control", flush=True)
        real, control = run_crash(config)
    results = [real] if control is None else [real, control]
    for problem in [p for r in results for p in r.audit_failures + r.errors]:
        print(f"  ! {problem}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SIGKILL crash-consistency harness")
    parser.add_argument("--quick", action="store_true", help="20 kills per backend (CI)")
    parser.add_argument("--kills", type=int, help="kills per backend (default 200; quick 20)")
    parser.add_argument("--control-kills", type=int, default=3, help="kills of the control run")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument("--postgres-url", default=os.environ.get(PG_ENV))
    args = parser.parse_args(argv)
    kills = args.kills or (20 if args.quick else 200)
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    if "postgres" in backends and not args.postgres_url:
        print(f"PostgreSQL skipped: set {PG_ENV} or --postgres-url to run it")
        backends.remove("postgres")
    results = [
        result
        for backend in backends
        for result in run(backend, kills, args.control_kills, args.postgres_url)
    ]
    print("\nCrash consistency: SIGKILL of the server at random moments")
    print("(control: durability off and a storage that loses the writes after its snapshot)")
    print(_HEADER)
    for result in results:
        print(_row(result))
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
