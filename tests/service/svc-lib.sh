# SPDX-License-Identifier: Apache-2.0
# svc-lib.sh: sourced by the shell tests: starts a keywardd on a fresh
# fixture directory ($KW_DIR, socket $KW_SOCK) and stops it on exit.
set -eu
: "${KW_SOURCE_DIR:?run through ctest}" "${KW_BUILD_DIR:?run through ctest}"
KW_DIR=$(mktemp -d /tmp/kwsh-XXXXXX)
KW_SOCK=$KW_DIR/s
export KW_DIR KW_SOCK
KW_PID=

svc_stop() {
    status=0
    if [ -n "$KW_PID" ]; then
        kill -TERM "$KW_PID" 2>/dev/null || true
        wait "$KW_PID" || status=$?
        KW_PID=
    fi
    return $status
}

svc_cleanup() {
    svc_stop || true
    [ -n "${KW_KEEP_TMP:-}" ] || rm -rf "$KW_DIR"
}
trap svc_cleanup EXIT

svc_start() {
    sh "$KW_SOURCE_DIR/tests/service/svc-fixture.sh" "$KW_DIR" "${1:-}"
    "$KW_BUILD_DIR/service/keywardd" -c "$KW_DIR/keywardd.conf" 2>"$KW_DIR/keywardd.log" &
    KW_PID=$!
    i=0
    until [ -S "$KW_SOCK" ] && grep -q "serving on" "$KW_DIR/keywardd.log"; do
        i=$((i + 1))
        if [ $i -gt 500 ] || ! kill -0 "$KW_PID" 2>/dev/null; then
            echo "keywardd did not start:" >&2
            cat "$KW_DIR/keywardd.log" >&2
            exit 1
        fi
        sleep 0.02
    done
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
