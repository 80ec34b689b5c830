#!/usr/bin/env bash
# test.sh: builds rcr with ASan+UBSan and -Werror and runs the whole test suite (unit tests,
# fuzz corpus replays, a 10 s libFuzzer run of every harness built with clang (fuzz/short_run,
# about 2 minutes with its build; skipped without clang), integration tests against throwaway
# PostgreSQL 15 clusters, among them the corruption sweep; the matrix tests also against each
# version whose bin directory RCR_TEST_PGBINS lists, see tests/harness/README.md).
# Run as root on Debian 12; installs what it needs. Build dir: build-test (override BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
BUILD_DIR=${BUILD_DIR:-build-test}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRCR_SANITIZE=ON -DRCR_WERROR=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 600
