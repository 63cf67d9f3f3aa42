#!/usr/bin/env bash
# Set up (first run) and run the whole test suite: pytest (browser tests included) and the
# front-end unit tests (node --test tests/js/) when node is there. Extra args go to pytest.
# The torch extra is for the LSTM/GRU reference tests only (tests/reference/).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv" >&2
    "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,torch]' \
    >.venv/pip-install.log 2>&1; then
    grep -v "is ignored" .venv/pip-install.log >&2
    echo "pip install failed (full log: .venv/pip-install.log)" >&2
    exit 1
fi
.venv/bin/python -c "import app.main, pytest, playwright" # fail here if the install did not work

# Debian's chromium for the browser tests (never `playwright install`).
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
    echo "installing Debian's chromium for the browser tests" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
export CHROMIUM_PATH="$CHROMIUM"

status=0
.venv/bin/python -m pytest "$@" || status=$?  # exit 5 (no tests collected) fails too

if [ -d tests/js ] && command -v node >/dev/null 2>&1; then
    if find tests/js -name '*.js' -o -name '*.mjs' | grep -q .; then
        node --test tests/js/ || status=$?
    fi
elif [ -d tests/js ]; then
    echo "node not found: skipping tests/js (install Node.js >= 20 to run them)" >&2
fi
exit "$status"
