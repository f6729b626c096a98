#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs Keyward's benchmarks and prints the tables docs/BENCHMARKS.md records.
#   bench/run.sh [BUILD_DIR] [SECONDS] [PART...]
# PART: hsm (hsm/ against a bare PKCS#11 loop on a throwaway SoftHSM token)
#       service (keywardd against in-process EVP, on the service test keys)
#       assoc (EDHOC handshakes, key updates, seal+open through two keywardd
#              against the same EDHOC code in-process; memory at
#              $KW_ASSOCS associations, default 10000)
# Build with -DCMAKE_BUILD_TYPE=Release first; run on an otherwise idle
# machine: the numbers are ratios against baselines measured in the same run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
secs=${2:-2}
shift 2 2>/dev/null || shift $#
parts=${*:-hsm service assoc}
[ -x "$build/bench/bench_hsm_sign" ] || {
    echo "build first: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2
    exit 1
}
dir=$(mktemp -d /tmp/kwbench-XXXXXX)
pid=
pid2=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid2" ] && kill $pid2 2>/dev/null; rm -rf "$dir"' EXIT
echo "## $(date -u +%Y-%m-%d) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

for part in $parts; do
case $part in
hsm)
    echo
    "$src/tests/fixtures/softhsm-token.sh" setup "$dir/hsm" >/dev/null
    "$build/bench/bench_hsm_sign" --vars "$dir/hsm/test-vars.sh" --seconds "$secs"
    ;;
service)
    echo
    sh "$src/tests/service/svc-fixture.sh" "$dir/svc" >/dev/null
    # Audit lines would measure the disk: the benchmark turns them off.
    sed -i 's/^audit = "stderr";/audit = "none";/' "$dir/svc/keywardd.conf"
    "$build/service/keywardd" -c "$dir/svc/keywardd.conf" 2>"$dir/svc/log" &
    pid=$!
    while ! [ -S "$dir/svc/s" ]; do sleep 0.05; done
    for key in ec256 rsa2048; do
        "$build/bench/bench_sign" --socket "$dir/svc/s" --key $key \
            --uri "file:$dir/svc/$key.pem" --server-pid $pid --seconds "$secs"
        echo
    done
    kill $pid; wait $pid 2>/dev/null || true; pid=
    ;;
assoc)
    echo
    KW_BUILD_DIR=$build sh "$src/tests/service/assoc-fixture.sh" "$dir/as" >/dev/null
    for side in a b; do
        sed -i 's/^audit = "stderr";/audit = "none";/' "$dir/as/$side/keywardd.conf"
    done
    "$build/service/keywardd" -c "$dir/as/a/keywardd.conf" 2>"$dir/as/a/log" &
    pid=$!
    "$build/service/keywardd" -c "$dir/as/b/keywardd.conf" 2>"$dir/as/b/log" &
    pid2=$!
    while ! [ -S "$dir/as/a/s" ] || ! [ -S "$dir/as/b/s" ]; do sleep 0.05; done
    for method in 3 0; do
        "$build/bench/bench_assoc" --a "$dir/as/a/s" --b "$dir/as/b/s" \
            --dir "$dir/as" --method $method --seconds "$secs" \
            --pid-a $pid --pid-b $pid2 \
            --assocs "$([ $method = 3 ] && echo "${KW_ASSOCS:-10000}" || echo 0)"
        echo
    done
    kill $pid $pid2; wait $pid $pid2 2>/dev/null || true; pid=; pid2=
    ;;
*) echo "unknown part: $part" >&2; exit 2 ;;
esac
done
