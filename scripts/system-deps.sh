#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages OmniFlow needs, only those missing.
#   scripts/system-deps.sh app    Qt's runtime libraries (to open the editor)
#   scripts/system-deps.sh test   the above, plus the peers the tests start
#                                 (mosquitto, PostgreSQL, Xvfb) and wrk for benchmarks
set -euo pipefail

APP_PACKAGES=(
  python3-venv make
  libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-sync1
)
TEST_PACKAGES=(mosquitto mosquitto-clients postgresql xvfb imagemagick wrk)

packages=("${APP_PACKAGES[@]}")
if [[ "${1:-app}" == "test" ]]; then
  packages+=("${TEST_PACKAGES[@]}")
fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "system-deps: not a Debian-like system; install the equivalents of: ${packages[*]}" >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
