#!/usr/bin/env bash
# Set up (first run) and start BPTT Explorer on http://127.0.0.1:8000 (HOST/PORT override).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv" >&2
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e . \
    >.venv/pip-install.log 2>&1; then
    grep -v "is ignored" .venv/pip-install.log >&2
    echo "pip install failed (full log: .venv/pip-install.log)" >&2
    exit 1
fi
.venv/bin/python -c "import app.main" # fail here, clearly, if the install did not work

# Fewer glibc malloc arenas: the compute threads' large, short-lived buffers otherwise stay
# resident in one arena per thread (docs/RELIABILITY.md, slow readers).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
echo "BPTT Explorer on http://${HOST}:${PORT}  (API docs: /docs; Ctrl-C stops)" >&2
exec .venv/bin/bptt-explorer --host "$HOST" --port "$PORT" "$@"
