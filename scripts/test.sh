#!/usr/bin/env bash
# The whole test suite from a fresh checkout: installs missing system packages (Qt libs,
# mosquitto, PostgreSQL, Xvfb), makes .venv with OmniFlow and its dev extras, and runs
# pytest (offscreen Qt). With --lint, runs ruff and mypy first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh test
make -s setup
if [[ "${1:-}" == "--lint" ]]; then
  make -s lint
  shift
fi
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
