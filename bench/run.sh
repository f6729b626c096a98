#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs Keyward's benchmarks on a throwaway SoftHSM token and prints the
# tables docs/BENCHMARKS.md records. Usage: bench/run.sh [BUILD_DIR] [SECONDS]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-2}
[ -x "$build/bench/bench_hsm_sign" ] || {
    echo "build first: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tests/fixtures/softhsm-token.sh setup "$dir" >/dev/null
echo "## $(date -u +%Y-%m-%d) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
"$build/bench/bench_hsm_sign" --vars "$dir/test-vars.sh" --seconds "$seconds"
