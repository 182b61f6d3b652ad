#!/usr/bin/env bash
# The README's start command: set up a virtual environment, then talk to the bot in this
# terminal (SQLite file rencontres.db, the bundled event, no token). Extra args go to the console.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
# Install again only when pyproject.toml changed since the last install.
if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
  "$VENV/bin/python" -m pip install -qq -e . >&2 && touch "$VENV/.installed"
fi
exec "$VENV/bin/rencontres-bot" console "$@"
