#!/usr/bin/env bash
# The test command: creates .venv on first use, installs shenbao with its test tools,
# then runs ruff, mypy and pytest. Extra arguments go to pytest (e.g. -k stamp).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check toolkit tests scripts
.venv/bin/mypy toolkit
.venv/bin/python -m pytest "$@"
