# SPDX-License-Identifier: Apache-2.0
# provtest.sh: sourced by the provider's shell tests: the fixture token (a
# private copy), keyward.so for the real tools, and small helpers.
set -eu
set -a # export every fixture variable (TPM: D-Bus, TCTI) to the tools
. "$KW_TEST_VARS"
set +a
. "$KW_SOURCE_DIR/tests/fixtures/private-token.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/kwp-XXXXXX")
kw_pids=""
kw_cleanup() {
    for p in $kw_pids; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work" ${KW_PRIVATE_DIR:+"$KW_PRIVATE_DIR"}
}
trap kw_cleanup EXIT

# The -provider keyward way: the module from the environment.
export OPENSSL_MODULES="$KW_BUILD_DIR/provider"
export KEYWARD_PKCS11_MODULE="$KW_MODULE"
# No configuration file of the machine's interferes.
export OPENSSL_CONF=/dev/null
P="-provider default -provider keyward"
pin="pin-source=file:$KW_PIN_FILE"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# keyward.so built with AddressSanitizer needs its runtime first in every
# process that loads it (the openssl command, mosquitto...).
KW_PRELOAD=""
if ldd "$OPENSSL_MODULES/keyward.so" | grep -q libasan; then
    KW_PRELOAD=$(gcc -print-file-name=libasan.so)
fi
kw() {
    if [ -n "$KW_PRELOAD" ]; then
        LD_PRELOAD="$KW_PRELOAD" "$@"
    else
        "$@"
    fi
}
# kw_bg CMD...: the same in the background, as the process itself (exec),
# so that $! is its pid and the exit trap ends it.
kw_bg() {
    if [ -n "$KW_PRELOAD" ]; then
        LD_PRELOAD="$KW_PRELOAD" exec "$@"
    else
        exec "$@"
    fi
}

# expect_fail TEXT CMD...: the command fails cleanly (exit 1, not a
# signal) and its error output mentions TEXT.
expect_fail() {
    text=$1
    shift
    set +e
    kw "$@" >"$work/out" 2>"$work/err"
    rc=$?
    set -e
    [ "$rc" -ne 0 ] || fail "succeeded: $*"
    [ "$rc" -lt 128 ] || { cat "$work/err" >&2; fail "crashed ($rc): $*"; }
    grep -q -- "$text" "$work/err" || {
        cat "$work/err" >&2
        fail "no \"$text\" in the error of: $*"
    }
}

# write_cnf FILE [ahead]: openssl.cnf as a user writes it, with the module
# and PIN file as pkcs11-provider's directives name them.
write_cnf() {
    if [ "${2:-}" = ahead ]; then
        first="keyward = keyward_sect"
        second="default = default_sect"
    else
        first="default = default_sect"
        second="keyward = keyward_sect"
    fi
    cat >"$1" <<EOC
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
$first
$second
[default_sect]
activate = 1
[keyward_sect]
module = ${KW_MODULE_SO:-$OPENSSL_MODULES/keyward.so}
pkcs11-module-path = $KW_MODULE
pkcs11-module-token-pin = file:$KW_PIN_FILE
activate = 1
EOC
}

# A TCP port nobody listens on now (the tests bind it at once; ports from
# the kernel's ephemeral range do not collide between parallel tests).
free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for FILE PATTERN: until the file has a line matching (10 s).
wait_for() {
    i=0
    while ! grep -q -- "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || { cat "$1" >&2; fail "timed out waiting for $2"; }
        sleep 0.05
    done
}

# s_server_start LOG ARGS...: openssl s_server on a free port (bound by
# the server itself: -accept 0); sets $port and $srv_pid. Its standard
# input is a FIFO this shell holds open (fd 9): s_server stops at EOF.
s_server_start() {
    log=$1
    shift
    # The previous server may still be exiting and writing to the same log.
    if [ -n "${srv_pid:-}" ]; then
        kill "$srv_pid" 2>/dev/null || true
        wait "$srv_pid" 2>/dev/null || true
        srv_pid=
    fi
    # Remove the old log: the background shell truncates it only when it
    # runs, and wait_for would see the previous server's ACCEPT line.
    rm -f "$work/srv.in" "$log"
    mkfifo "$work/srv.in"
    exec 9<>"$work/srv.in"
    kw_bg openssl s_server -accept 127.0.0.1:0 -naccept 1 "$@" \
        <"$work/srv.in" >"$log" 2>&1 &
    srv_pid=$!
    kw_pids="$kw_pids $srv_pid"
    wait_for "$log" '^ACCEPT'
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] || fail "no port in $(cat "$log")"
}
