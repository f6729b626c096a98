#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it: installs what is missing, builds with
# warnings as errors, runs every test; then the same suite built with
# AddressSanitizer and UndefinedBehaviorSanitizer. Exits non-zero on any
# failure. Run as root from the repository root on Debian 12.
set -eu
cd "$(dirname "$0")/.."

ci/install-deps.sh

jobs=$(nproc)
start=$(date +%s)

run_suite() {
    name=$1
    dir=$2
    shift 2
    echo "=== $name: configure"
    cmake -S . -B "$dir" -DKEYWARD_WERROR=ON "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; exit 1; }
    echo "=== $name: build"
    cmake --build "$dir" -j"$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\]' || true
    cmake --build "$dir" -j"$jobs" >/dev/null 2>&1 ||
        { echo "build failed: $name"; exit 1; }
    echo "=== $name: test"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900
}

mkdir -p build
run_suite "release" build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite "sanitizers (ASan+UBSan)" build/asan -DCMAKE_BUILD_TYPE=Debug -DKEYWARD_SANITIZE=ON

echo "=== all tests passed in $(( $(date +%s) - start )) s"
