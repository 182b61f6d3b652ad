#!/usr/bin/env bash
# The README's test command: set up a virtual environment from pyproject.toml, then
# ruff, mypy, the import contracts (lint-imports; pyproject.toml), the catalog check and pytest.
# Usage: ./scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ ! -f "$VENV/.installed-dev" ] || [ pyproject.toml -nt "$VENV/.installed-dev" ]; then
  "$VENV/bin/python" -m pip install -qq -e ".[dev]" && touch "$VENV/.installed-dev"
fi
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/mypy"
"$VENV/bin/lint-imports"
"$VENV/bin/python" -m locales check
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
# pytest exits 5 when it collected no test: that is a failure of the suite, say so.
if [ "$status" -eq 5 ]; then echo "pytest collected no test"; exit 1; fi
exit "$status"
