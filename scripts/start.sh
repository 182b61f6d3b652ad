#!/usr/bin/env bash
# The README's start command: set up a virtual environment, then talk to the bot in this
# terminal (SQLite file rencontres.db, the bundled event, no token). Extra args go to the console.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet -e . >&2
exec "$VENV/bin/rencontres-bot" console "$@"
