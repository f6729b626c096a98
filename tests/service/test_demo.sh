#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_demo.sh: ci/demo.sh, small (4 sensors, 5 s), on this build tree, so
# the first thing a new user runs keeps working: it must end with both
# keywardd stopped cleanly after handshakes, key updates, a re-handshake,
# the refused intruder and the rejected copies.
set -eu
: "${KW_SOURCE_DIR:?run through ctest}" "${KW_BUILD_DIR:?run through ctest}"
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the demo runs its applications as nobody: needs root"
    exit 77
fi
command -v setpriv >/dev/null || { echo "SKIP: setpriv (util-linux) missing"; exit 77; }
# An ASan keyward.so cannot be loaded by the openssl command: file keys.
if ldd "$KW_BUILD_DIR/service/keywardd" | grep -q libasan; then
    KW_DEMO_KEYS=file
    export KW_DEMO_KEYS
fi
out=$(mktemp /tmp/kwdemo-out-XXXXXX)
trap 'rm -f "$out"' EXIT
KW_DEMO_BUILD=$KW_BUILD_DIR sh "$KW_SOURCE_DIR/ci/demo.sh" --no-build --devices 4 \
    --duration 12 >"$out" 2>&1 || { cat "$out"; echo "FAIL: the demo failed"; exit 1; }
for want in "associated with CN=gateway" "re-handshake with CN=sensor-01" \
    "followed to epoch 1" "gateway refused the association" \
    "decryption failed" "replayed message" "no libcrypto, no PKCS#11 module" \
    "both keywardd drained and stopped"; do
    grep -q "$want" "$out" || { cat "$out"; echo "FAIL: no '$want' in the demo's output"; exit 1; }
done
echo "demo ran: $(grep -c '' "$out") lines"
