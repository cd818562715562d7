#!/usr/bin/env bash
# Starts OmniFlow from a fresh checkout: makes .venv, installs, opens the editor
# (embedded SQLite in the platform data folder, API on 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
make -s setup
exec .venv/bin/omniflow "$@"
