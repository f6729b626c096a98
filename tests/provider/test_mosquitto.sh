#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Unmodified applications: the Debian mosquitto broker and mosquitto_pub /
# mosquitto_sub with mutual TLS, their private keys given as key-reference
# PEM files (written by `keyward keyref`) and keyward configured in
# openssl.cnf. A message published is received.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
set -f # URIs hold "?": never a glob
command -v mosquitto >/dev/null 2>&1 || fail "mosquitto not installed"
[ -x /usr/sbin/mosquitto ] && broker=/usr/sbin/mosquitto || broker=mosquitto
kwtool="$KW_BUILD_DIR/tools/keyward/keyward"

# The keys as files: references to ec256 (broker) and ec521 (client).
"$kwtool" keyref -o "$work/broker.key" "$KW_TOKEN_URI;object=ec256;type=private"
"$kwtool" keyref -o "$work/client.key" "$KW_TOKEN_URI;object=ec521;type=private"
write_cnf "$work/openssl.cnf"
export OPENSSL_CONF="$work/openssl.cnf"

port=$(free_port)
cat >"$work/mosquitto.conf" <<EOC
listener $port 127.0.0.1
cafile $KW_CA_CERT
certfile $KW_EC256_CERT
keyfile $work/broker.key
require_certificate true
tls_version tlsv1.3
allow_anonymous true
persistence false
log_type all
EOC
# As root, mosquitto would switch to its own user, who cannot read the
# test's token; stay who we are.
[ "$(id -u)" = 0 ] && echo "user root" >>"$work/mosquitto.conf"

kw_bg "$broker" -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
bpid=$!
kw_pids="$kw_pids $bpid"
wait_for "$work/broker.log" "Opening ipv4 listen socket on port $port"

client_tls="--cafile $KW_CA_CERT --cert $KW_EC521_CERT --key $work/client.key"
# shellcheck disable=SC2086
kw_bg timeout 20 mosquitto_sub -h localhost -p "$port" $client_tls \
    -t keyward/test -C 1 -W 15 >"$work/sub.out" 2>"$work/sub.err" &
spid=$!
kw_pids="$kw_pids $spid"
# Publish until the subscriber is in (it subscribes asynchronously).
i=0
while kill -0 "$spid" 2>/dev/null; do
    i=$((i + 1))
    [ $i -le 50 ] || break
    # shellcheck disable=SC2086
    kw mosquitto_pub -h localhost -p "$port" $client_tls -t keyward/test \
        -m "hello from a token key" 2>"$work/pub.err" ||
        { cat "$work/pub.err" "$work/broker.log" >&2; fail "mosquitto_pub"; }
    sleep 0.2
done
wait "$spid" || { cat "$work/sub.err" "$work/broker.log" >&2; fail "mosquitto_sub"; }
grep -q "hello from a token key" "$work/sub.out" ||
    { cat "$work/sub.err" "$work/broker.log" >&2; fail "message not received"; }
grep -q "New client connected" "$work/broker.log" ||
    { cat "$work/broker.log" >&2; fail "no TLS client in the broker log"; }
# Mutual TLS: without a client certificate the broker refuses.
if kw mosquitto_pub -h localhost -p "$port" --cafile "$KW_CA_CERT" \
    -t keyward/test -m refused 2>/dev/null; then
    fail "a client without a certificate got in"
fi
echo "PASS"
