#!/usr/bin/env bash
# The full test suite: installs what is missing, checks formatting (a badly formatted file
# fails it), builds twice (normal, and with AddressSanitizer + UBSan) and runs every test
# with ctest in both builds, then fuzzes every parser for a short budget (tests/fuzz/run.sh,
# FUZZ_SECONDS per target, default 30).
#   bash tests/run.sh            # everything
#   SANITIZE=0 bash tests/run.sh # skip the sanitizer build (faster local runs)
#   FUZZ=0 bash tests/run.sh     # skip fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

bash dist/install-deps.sh
jobs=$(nproc)

build_and_test() {
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j 2 --timeout 1800
}

echo "== C++ sources follow .clang-format"
git ls-files -co --exclude-standard -- processing tests bench | grep -E '\.(cpp|h)$' |
  xargs clang-format --dry-run -Werror

echo "== descriptor is well-formed"
xmllint --noout xml/billmgr_mod_pmbillmgrssl.xml

echo "== build and test"
build_and_test build

if [ "${SANITIZE:-1}" != "0" ]; then
  echo "== build and test with AddressSanitizer + UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    build_and_test build-asan -DPMBILLMGRSSL_SANITIZE=ON
fi

if [ "${FUZZ:-1}" != "0" ]; then
  echo "== fuzz the parsers (libFuzzer, ASan + UBSan)"
  bash tests/fuzz/run.sh
fi
