"""Run every benchmark in bench/ (``bench_*.py``), each in its own process, and report.

``--quick`` passes ``--quick`` to each benchmark for a short, bounded CI run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    scripts = sorted(Path(__file__).parent.glob("bench_*.py"))
    if not scripts:
        print("make bench: no benchmarks exist yet; nothing was measured.")
        return 0
    failed = []
    for script in scripts:
        print(f"\n=== {script.name}{' (quick)' if quick else ''} ===", flush=True)
        started = time.perf_counter()
        args = [sys.executable, str(script), *(["--quick"] if quick else [])]
        result = subprocess.run(args, check=False)
        print(
            f"--- {script.name}: exit {result.returncode} in {time.perf_counter() - started:.1f} s"
        )
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
