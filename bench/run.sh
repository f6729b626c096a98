#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs Keyward's benchmarks and prints the tables docs/BENCHMARKS.md records.
#   bench/run.sh [BUILD_DIR] [SECONDS] [PART...]
# PART: hsm (hsm/ against a bare PKCS#11 loop on a throwaway SoftHSM token)
#       service (keywardd against in-process EVP, on the service test keys)
#       provider (keyward through EVP against the bare loop and libp11's
#       engine, first signature, TLS 1.3 handshakes)
# Build with -DCMAKE_BUILD_TYPE=Release first; run on an otherwise idle
# machine: the numbers are ratios against baselines measured in the same run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
secs=${2:-2}
shift 2 2>/dev/null || shift $#
parts=${*:-hsm service provider}
[ -x "$build/bench/bench_hsm_sign" ] || {
    echo "build first: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2
    exit 1
}
dir=$(mktemp -d /tmp/kwbench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
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
provider)
    echo
    "$src/tests/fixtures/softhsm-token.sh" setup "$dir/prov" >/dev/null
    sh "$src/bench/device-token.sh" "$dir/device"
    # keyward.so as users load it; the token shared, not copied per process.
    export OPENSSL_MODULES="$build/provider" OPENSSL_CONF=/dev/null KW_SHARED_TOKEN=1
    "$build/bench/bench_provider" sign --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    echo
    "$build/bench/bench_libp11" --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    echo
    "$build/bench/bench_provider" first --vars "$dir/device/test-vars.sh"
    echo
    "$build/bench/bench_provider" tls --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    ;;
*) echo "unknown part: $part" >&2; exit 2 ;;
esac
done
