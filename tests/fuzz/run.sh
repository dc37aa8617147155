#!/usr/bin/env bash
# Fuzzes every parser for a short budget with libFuzzer under AddressSanitizer + UBSan, in
# a clang build of its own:
#   bash tests/fuzz/run.sh                  # 30 s per target
#   FUZZ_SECONDS=600 bash tests/fuzz/run.sh # longer
#   FUZZ_JOBS=1 bash tests/fuzz/run.sh      # one target at a time (default: one per core)
# A crash, a sanitizer report, a leak, an uncaught exception, a broken property or a hang
# fails the run; the input that did it is copied to tests/fuzz/regressions/<target>/, where
# the ordinary build's <target>_replay test replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${FUZZ_BUILD_DIR:-build-fuzz-clang}
seconds=${FUZZ_SECONDS:-30}

# -Wno-unknown-warning-option: the build names GCC-only warnings, which clang does not know.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPMBILLMGRSSL_SANITIZE=ON \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link -Wno-unknown-warning-option" >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_targets
targets=$build/tests/fuzz/targets.txt
if [ ! -s "$targets" ]; then
  echo "clang cannot build libFuzzer targets here (packages clang, libclang-rt-14-dev)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# One target: its summary line on success; on failure the log's tail, the input copied to
# its regressions folder and a "failed" mark.
fuzz_one() {
  local name=$1 seeds=$2 inputs regressions=tests/fuzz/regressions/$1
  read -r -a inputs <<<"$seeds"
  [ -d "$regressions" ] && inputs+=("$regressions")
  mkdir -p "$work/$name/corpus" "$work/$name/found"
  # The first folder takes what the run discovers; the seeds and regressions are only read.
  if "$build/tests/fuzz/$name" -max_total_time="$seconds" -timeout=10 -error_exitcode=77 \
    -timeout_exitcode=78 -print_final_stats=1 -artifact_prefix="$work/$name/found/" \
    "$work/$name/corpus" "${inputs[@]}" </dev/null >"$work/$name/log" 2>&1; then
    awk -v name="$name" -F': +' '/^stat::/ { stat[substr($1, 7)] = $2 }
      END { printf "%s: %d runs, %d exec/s, %d new units, peak RSS %d MB\n", name,
            stat["number_of_executed_units"], stat["average_exec_per_sec"],
            stat["new_units_added"], stat["peak_rss_mb"] }' "$work/$name/log"
  else
    tail -n 40 "$work/$name/log"
    mkdir -p "$regressions"
    cp "$work/$name/found/"* "$regressions/" 2>/dev/null || true
    echo "!! $name failed; the input is now in $regressions/ (replayed by ${name}_replay)"
    touch "$work/$name/failed"
  fi
}

# As many targets at a time as there are cores (FUZZ_JOBS), each for FUZZ_SECONDS.
jobs=${FUZZ_JOBS:-$(nproc)}
running=0
while read -r name seeds; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  echo "== fuzz $name for ${seconds}s"
  fuzz_one "$name" "$seeds" &
  running=$((running + 1))
done <"$targets"
wait

failed=()
while read -r name _; do
  [ -e "$work/$name/failed" ] && failed+=("$name")
done <"$targets"

echo "== fuzzing took $((SECONDS - start))s"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzing found failures in: ${failed[*]}" >&2
  exit 1
fi
