"""Crash consistency (issue 3, "Proof"): the real server is killed with SIGKILL at random
moments while clients write intelligence reports; after every restart each acknowledged write
is present with its content and ``defpact audit verify`` passes. The control run (durability
off, storage restored to a snapshot taken before each kill) must report lost writes, which
shows the check can fail. The harness lives in bench/ (``make soak`` runs it longer).
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

PG_ENV = "DEFPACT_TEST_POSTGRES_URL"
KILLS = 20
CONTROL_KILLS = 2
BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = pytest.mark.slow


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    monkeypatch.syspath_prepend(str(BENCH))
    import crash_harness
    import crash_node

    return crash_harness, crash_node


def test_sigkill_loses_no_acknowledged_write_and_keeps_the_audit_log_valid(
    backend: str, tmp_path: Path, harness: tuple[ModuleType, ModuleType]
) -> None:
    crash_harness, crash_node = harness
    server = os.environ.get(PG_ENV)
    if backend == "postgres" and not server:
        pytest.skip(f"PostgreSQL crash test skipped: set {PG_ENV} (e.g. by .ci/run) to run it")
    with contextlib.ExitStack() as stack:
        url = None
        if backend == "postgres":
            url = stack.enter_context(crash_node.dedicated_postgres(server))
        config = crash_harness.CrashConfig(
            backend, KILLS, tmp_path, url, control_kills=CONTROL_KILLS
        )
        real, control = crash_harness.run_crash(config)
    figures = (
        f"{backend}: {real.kills} kills, {real.acknowledged} acknowledged writes, "
        f"{len(real.lost)} lost, audit verify {real.audit_runs - len(real.audit_failures)}/"
        f"{real.audit_runs} ok; control: {control.kills} kills, {control.acknowledged} "
        f"acknowledged, {len(control.lost)} lost"
    )
    sys.stdout.write(figures + "\n")  # shown with -rP or -s
    assert real.kills == KILLS
    assert real.acknowledged >= KILLS, figures  # every kill came after a fresh acknowledgement
    assert real.lost == [], f"acknowledged writes lost (report ids): {real.lost}; {figures}"
    assert real.phantoms == 0, figures
    assert real.errors == [], real.errors[:5]
    assert real.audit_failures == [], real.audit_failures
    assert real.audit_runs == KILLS + 1
    assert control.kills == CONTROL_KILLS
    assert control.lost, f"the control lost nothing, so the check proves nothing; {figures}"
