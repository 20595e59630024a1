#!/usr/bin/env bash
# Create the separate virtualenv of the benchmark peer, coordination-network-toolkit (PyPI),
# used by bench/bench_disinfo.py. Idempotent. Override the place with PEER_VENV=...
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PEER_VENV:-$ROOT/.venv-bench}"
PYTHON="${PYTHON:-python3}"
PEER="coordination-network-toolkit==1.5.2"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$PEER"
"$VENV/bin/python" - <<'PY'
from importlib.metadata import version
import coordination_network_toolkit.compute_networks  # noqa: F401  (fails loudly if broken)
print(f"peer ready: coordination-network-toolkit {version('coordination-network-toolkit')}")
PY
