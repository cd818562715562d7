#!/usr/bin/env bash
# Starts OmniFlow from a fresh checkout: installs missing Qt system libraries, makes
# .venv, installs OmniFlow, opens the editor (embedded SQLite in the platform data
# folder, API on 127.0.0.1:8080). Extra arguments go to `omniflow` (e.g. `serve`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh app
make -s setup
exec .venv/bin/omniflow "$@"
