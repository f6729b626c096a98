#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/run.sh BUILD_DIR [SECONDS]: starts keywardd on the test fixture's PEM
# keys and runs bench_sign for ECDSA P-256 and RSA-2048 PSS. For a token,
# point a keywardd configuration at pkcs11: URIs and run bench_sign with the
# same URI and --openssl-conf naming the provider (see docs/BENCHMARKS.md).
set -eu
build=${1:?usage: bench/run.sh BUILD_DIR [SECONDS]}
secs=${2:-2}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d /tmp/kwbench-XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
sh "$src/tests/service/svc-fixture.sh" "$dir" >/dev/null
# Audit lines would measure the disk: the benchmark turns them off.
sed -i 's/^audit = "stderr";/audit = "none";/' "$dir/keywardd.conf"
"$build/service/keywardd" -c "$dir/keywardd.conf" 2>"$dir/log" &
pid=$!
while ! [ -S "$dir/s" ]; do sleep 0.05; done
for key in ec256 rsa2048; do
    "$build/bench/bench_sign" --socket "$dir/s" --key $key --uri "file:$dir/$key.pem" \
        --server-pid $pid --seconds "$secs"
    echo
done
