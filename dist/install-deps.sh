#!/usr/bin/env bash
# Installs every Debian 12 package needed to build the module, run its tests, the sandbox
# demo and the benchmark; dpkg-dev and rpm build the .deb and the RPM (tests/dist).
# Used by tests/run.sh, tests/sandbox/run.sh and .ci/run.
set -euo pipefail

packages=(
  cmake g++ make pkg-config ca-certificates openssl
  libcurl4-openssl-dev libxml2-dev libssl-dev libboost-program-options-dev
  libmariadb-dev libidn2-dev libpsl-dev
  doctest-dev libcpp-httplib-dev mariadb-server libxml2-utils clang-format
  dpkg-dev rpm
  clang libclang-rt-14-dev
  ccache libzip-dev
)
# COVERAGE=1 bash tests/run.sh reports with gcovr.
[ "${COVERAGE:-0}" = "1" ] && packages+=(gcovr)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ] && [ "${1:-}" != "--update" ]; then
  exit 0
fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
# The tests start their own private mariadbd; never the system service.
"${as_root[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
