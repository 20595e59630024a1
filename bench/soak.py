"""Run every soak, crash and load harness in bench/ (``soak_*.py``), each in its own process.

``--quick`` passes ``--quick`` to each for a short, bounded CI run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    scripts = sorted(Path(__file__).parent.glob("soak_*.py"))
    if not scripts:
        print("make soak: no soak or crash harness exists yet; nothing was run.")
        return 0
    failed = []
    for script in scripts:
        print(f"\n=== {script.name}{' (quick)' if quick else ''} ===", flush=True)
        args = [sys.executable, str(script), *(["--quick"] if quick else [])]
        if subprocess.run(args, check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"soak runs that failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
