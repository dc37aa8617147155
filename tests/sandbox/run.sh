#!/usr/bin/env bash
# The sandbox demo, for a fresh Debian 12 machine: installs what is missing, builds the module
# and the demo into build/, then starts the fake upstream billing and the fake BILLmanager host
# and walks one certificate through its whole life, narrating every step.
#   bash tests/sandbox/run.sh          # everything is cleaned up afterwards
#   bash tests/sandbox/run.sh --keep   # keeps the sandbox directory (its path is printed)
# It exits non-zero when any step does not behave as expected.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash dist/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target sandbox_demo pmbillmgrssl
build/tests/sandbox/sandbox_demo "$@"
