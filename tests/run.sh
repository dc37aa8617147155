#!/usr/bin/env bash
# The full test suite: installs what is missing, checks formatting (a badly formatted file
# fails it), builds twice (normal, and with AddressSanitizer + UBSan) and runs every test
# with ctest in both builds, then fuzzes every parser for a short budget (tests/fuzz/run.sh,
# FUZZ_SECONDS per target, default 30, one target per core).
#   bash tests/run.sh            # everything
#   SANITIZE=0 bash tests/run.sh # skip the sanitizer build (faster local runs)
#   FUZZ=0 bash tests/run.sh     # skip fuzzing
#   COVERAGE=1 bash tests/run.sh # instead of the three: a Debug build with gcov counters,
#                                # every test, then gcovr's line and branch figures over
#                                # processing/ (build-coverage/coverage.txt and coverage/)
# Each stage prints the seconds it took. ctest runs two tests at a time, the heaviest first
# (COST in tests/e2e/CMakeLists.txt). The normal build runs the fault matrix in full; the
# ASan build a seeded rotation of 24 of its cells (PMTEST_MATRIX_SEED / PMTEST_MATRIX_CELLS
# replay or widen it), since a SIGKILLed process reports nothing to ASan anyway. The ASan
# build instruments the module and its tests, not the fakes (their own tests run in the
# normal build), at -O1 -g1.
set -euo pipefail
cd "$(dirname "$0")/.."

bash dist/install-deps.sh
jobs=$(nproc)

stage_started=$SECONDS
stage() {
  echo "== $1"
  stage_started=$SECONDS
}
stage_done() {
  echo "== took $((SECONDS - stage_started)) s"
}

build() {
  local dir=$1 type=$2
  shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}
run_tests() {
  ctest --test-dir "$1" --output-on-failure -j 2 --timeout 1800
}
build_and_test() {
  build "$@"
  run_tests "$1"
}

stage "C++ sources follow .clang-format"
git ls-files -co --exclude-standard -- processing tests bench | grep -E '\.(cpp|h)$' |
  xargs clang-format --dry-run -Werror

echo "== descriptor is well-formed"
xmllint --noout xml/billmgr_mod_pmbillmgrssl.xml
stage_done

if [ "${COVERAGE:-0}" = "1" ]; then
  stage "build and test with coverage counters (Debug, -O0)"
  rm -rf build-coverage/coverage build-coverage/coverage.txt
  find build-coverage -name '*.gcda' -delete 2>/dev/null || true
  build build-coverage Debug -DPMBILLMGRSSL_COVERAGE=ON
  status=0
  run_tests build-coverage || status=$?  # the figures still come, then the failure
  stage_done
  stage "coverage of processing/ (gcovr)"
  mkdir -p build-coverage/coverage
  # Branches the compiler adds for exceptions and unreachable code are left out: they say
  # nothing about the module's own decisions. The module's objects are under
  # build-coverage/processing, whose compile directory resolves the relative source paths
  # ccache's CCACHE_BASEDIR leaves in them.
  gcovr --root . --filter 'processing/' --object-directory build-coverage/processing \
    --exclude-unreachable-branches --exclude-throw-branches \
    --txt build-coverage/coverage.txt --html-details build-coverage/coverage/index.html \
    --print-summary build-coverage/processing
  stage_done
  exit "$status"
fi

stage "build and test"
build_and_test build RelWithDebInfo
stage_done

if [ "${SANITIZE:-1}" != "0" ]; then
  stage "build and test with AddressSanitizer + UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build_and_test build-asan RelWithDebInfo -DPMBILLMGRSSL_SANITIZE=ON
  stage_done
fi

if [ "${FUZZ:-1}" != "0" ]; then
  stage "fuzz the parsers (libFuzzer, ASan + UBSan)"
  bash tests/fuzz/run.sh
  stage_done
fi
