#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_socket_activation.sh: keywardd started by systemd-socket-activate uses
# the passed listening socket (sd_listen_fds), not its configured path, and
# leaves the socket to its owner on exit.
. "$(dirname "$0")/svc-lib.sh"
command -v systemd-socket-activate >/dev/null || {
    echo "SKIP: systemd-socket-activate not installed (apt-get install systemd)"
    exit 77
}
sh "$KW_SOURCE_DIR/tests/service/svc-fixture.sh" "$KW_DIR"
act=$KW_DIR/act.sock
systemd-socket-activate -l "$act" "$KW_BUILD_DIR/service/keywardd" \
    -c "$KW_DIR/keywardd.conf" 2>"$KW_DIR/keywardd.log" &
KW_PID=$!
i=0
until [ -S "$act" ]; do
    i=$((i + 1)); [ $i -lt 250 ] || fail "no activation socket"; sleep 0.02
done
# The first connection starts keywardd on the passed socket.
"$KW_BUILD_DIR/tools/keyward/keyward" keys -s "$act" >"$KW_DIR/keys.out" || {
    cat "$KW_DIR/keywardd.log" >&2; fail "keys over the activated socket"
}
grep -q '^ec256 ' "$KW_DIR/keys.out" || fail "keys: $(cat "$KW_DIR/keys.out")"
grep -q "serving on the socket passed by systemd" "$KW_DIR/keywardd.log" || fail "not activated"
[ ! -e "$KW_DIR/s" ] || fail "keywardd created its own socket as well"
svc_stop || fail "keywardd exit status $?"
[ -S "$act" ] || fail "keywardd removed the socket systemd owns"
echo "1 passed, 0 failed"
