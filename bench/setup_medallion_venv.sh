#!/usr/bin/env bash
# Create the peer's virtualenv for bench/bench_taxii.py: the OASIS reference TAXII 2.1 server
# medallion, pinned, in its own venv (<repo>/.venv-medallion) so that its dependencies never mix
# with defpact's. Idempotent: an existing venv with the pinned version is left as it is.
set -euo pipefail

MEDALLION_VERSION="3.0.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MEDALLION_VENV:-$ROOT/.venv-medallion}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$MEDALLION_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if version("medallion") == sys.argv[1] else 1)
PY
then
    echo "medallion $MEDALLION_VERSION already installed in $VENV"
    exit 0
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "medallion==$MEDALLION_VERSION"
echo "medallion $MEDALLION_VERSION installed in $VENV"
