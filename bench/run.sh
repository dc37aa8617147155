#!/usr/bin/env bash
# The benchmark in one command: installs what is missing, builds a Release build in
# build-bench/ and runs the real module binary command by command (see bench/README.md).
#   bash bench/run.sh [--runs R] [--export-tariffs N] [--json FILE]
# The table goes to stdout; installing, building and progress go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

bash dist/install-deps.sh >&2
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >&2
cmake --build build-bench -j "$(nproc)" --target pmbillmgrssl_bench pmbillmgrssl >&2
exec build-bench/bench/pmbillmgrssl_bench "$@"
