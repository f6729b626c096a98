#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ci/demo.sh: Keyward's whole job in one run, on throwaway SoftHSM tokens.
#
# A gateway and N sensors authenticate each other with certificates whose
# private keys live in tokens, agree fresh keys per association (EDHOC,
# RFC 9528), send protected readings over UDP, update their keys on a short
# interval and run one new handshake, while the applications themselves only
# carry opaque bytes: each asks its local keywardd, which holds the tokens.
# The applications run as user nobody, which cannot read the tokens.
#
# Usage: ci/demo.sh [--devices N] [--duration S] [--keep] [--no-build]
#   --devices N    simulated sensors (default 20; 1000 works, setup takes
#                  a few minutes: one token key and certificate each)
#   --duration S   seconds of traffic (default 20)
#   --keep         keep the tokens, configurations and logs afterwards
#   --no-build     use build/demo as it is
# Run as root from a Debian 12 checkout: it installs missing packages
# (ci/install-deps.sh), builds into build/demo, and needs root to run the
# applications as nobody (setpriv). Everything else lives in a temporary
# directory that is deleted at the end.
#
# What happens, step by step:
#   1. tokens: a demo CA, the gateway and the sensors each get a SoftHSM
#      token; keys are generated inside (sensitive, never extractable);
#   2. certificates: the CA signs the gateway's and each sensor's request
#      with its token key (openssl + the keyward provider);
#   3. two keywardd instances start, one per side, each with its token,
#      identities (key + certificate chain), trust anchor (the CA) and peer
#      policy: the gateway talks to CN=sensor-*, sensors to CN=gateway;
#   4. kw-gateway and kw-sensor (examples/m2m) run as nobody and talk UDP
#      on 127.0.0.1; keywardd rekeys every 4 s and advises a new handshake
#      after 10 s; an intruder with a certificate from another CA is
#      refused; sensor-01 also replays and tampers with one reading;
#   5. the timeline of sensor-01 (both sides), a summary from both
#      keywardd instances, and the checks that no application process had
#      a key, a PIN, a PKCS#11 module or even libcrypto loaded.
set -eu
cd "$(dirname "$0")/.."
src=$PWD

devices=20 duration=20 keep=false build=true
while [ $# -gt 0 ]; do
    case $1 in
    --devices) devices=${2:?--devices takes a number}; shift ;;
    --duration) duration=${2:?--duration takes seconds}; shift ;;
    --keep) keep=true ;;
    --no-build) build=false ;;
    -h|--help) sed -n '2,/^set -eu$/p' "$0" | sed -e '/^set -eu$/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case $devices in ''|*[!0-9]*) echo "--devices takes a number" >&2; exit 2 ;; esac
[ "$devices" -ge 1 ] && [ "$devices" -le 5000 ] || { echo "--devices: 1..5000" >&2; exit 2; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { printf '   \342\234\223 %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
die() { printf '   \342\234\227 %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root: the applications are started as user nobody (setpriv)"

if $build; then
    step "Packages and build (build/demo, Release)"
    ci/install-deps.sh | sed 's/^/   /'
    mkdir -p build
    { cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release &&
      cmake --build build/demo -j"$(nproc)"; } >build/demo.log 2>&1 ||
        { tail -30 build/demo.log; die "build failed (full log: build/demo.log)"; }
    ok "built (log: build/demo.log)"
fi
# KW_DEMO_BUILD: another build tree (the test suite runs the demo on its
# own); KW_DEMO_KEYS=file: PEM key files even where the provider is built.
B=${KW_DEMO_BUILD:-$src/build/demo}
kw=$B/tools/keyward/keyward
[ -x "$B/service/keywardd" ] && [ -x "$B/examples/m2m/kw-sensor" ] || die "no build in build/demo: drop --no-build"
MODULE=/usr/lib/softhsm/libsofthsm2.so
PROVIDER=$B/provider/keyward.so
token_keys=false
[ -f "$PROVIDER" ] && [ "${KW_DEMO_KEYS:-}" != file ] && token_keys=true

W=$(mktemp -d /tmp/kwdemo-XXXXXX)
chmod 711 "$W"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if $keep; then echo "   kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
umask 077
mkdir -p "$W/pki" "$W/gateway" "$W/sensors" "$W/apps"
# nobody may pass through the keywardd directories to reach the sockets,
# but not list them; tokens and PINs inside stay root's alone.
chmod 755 "$W/pki" "$W/apps"
chmod 711 "$W/gateway" "$W/sensors"

# ---- 1. tokens and keys ---------------------------------------------------
# tok NAME: a SoftHSM store of its own (W/NAME/tokens, root only), a random
# PIN in W/NAME/pin; OpenSC's pkcs11-tool takes PINs from the environment,
# so no PIN appears on a command line.
tok() {
    d=$W/$1
    mkdir -p "$d/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$d/tokens" >"$d/softhsm2.conf"
    od -An -N8 -tx1 /dev/urandom | tr -d ' \n' >"$d/pin"
    DEMO_PIN=$(cat "$d/pin") DEMO_SO_PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    export DEMO_PIN DEMO_SO_PIN
    SOFTHSM2_CONF=$d/softhsm2.conf pkcs11-tool --module $MODULE --init-token \
        --slot-index 0 --label "demo-$1" --so-pin env:DEMO_SO_PIN >/dev/null 2>&1 &&
    SOFTHSM2_CONF=$d/softhsm2.conf pkcs11-tool --module $MODULE --token-label "demo-$1" \
        --init-pin --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN >/dev/null 2>&1 ||
        die "cannot initialise token demo-$1"
    unset DEMO_PIN DEMO_SO_PIN
}
# keygen SIDE LABEL: a P-256 key pair generated inside SIDE's token.
keygen() {
    SOFTHSM2_CONF=$W/$1/softhsm2.conf KEYWARD_PKCS11_MODULE=$MODULE "$kw" hsm keygen \
        --token "pkcs11:token=demo-$1" --type ec:P-256 --label "$2" \
        --pin-file "$W/$1/pin" >/dev/null || die "keygen $2"
}
# key SIDE LABEL: what openssl and keywardd load the key by.
key() {
    if $token_keys; then
        echo "pkcs11:token=demo-$1;object=$2;type=private?pin-source=file:$W/$1/pin"
    else
        echo "$W/$1/$2.pem"
    fi
}
# ossl SIDE CMD...: openssl with the keyward provider for SIDE's token.
ossl() {
    side=$1; shift
    if $token_keys; then
        SOFTHSM2_CONF=$W/$side/softhsm2.conf OPENSSL_CONF=/dev/null \
        OPENSSL_MODULES=$B/provider KEYWARD_PKCS11_MODULE=$MODULE \
            openssl "$@" -provider default -provider keyward
    else
        openssl "$@"
    fi
}
sensor_name() { printf 'sensor-%02d' "$1"; }

step "1. Tokens and keys"
t0=$(date +%s)
for side in ca gateway sensors; do tok $side; done
if $token_keys; then
    keygen ca demo-ca
    keygen gateway gateway
    i=1; while [ $i -le "$devices" ]; do keygen sensors "$(sensor_name $i)"; i=$((i + 1)); done
    ok "three SoftHSM tokens (CA, gateway, sensors), $((devices + 2)) P-256 keys generated inside them"
else
    note "(the keyward provider is not built here, so openssl and keywardd cannot"
    note " reach token keys yet: this run uses PEM key files instead)"
    for k in ca/demo-ca gateway/gateway; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$k.pem" 2>/dev/null
    done
    i=1; while [ $i -le "$devices" ]; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -out "$W/sensors/$(sensor_name $i).pem" 2>/dev/null
        i=$((i + 1))
    done
    ok "$((devices + 2)) P-256 keys (files)"
fi
# An intruder: a device whose certificate comes from another CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/sensors/intruder.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/pki/other-ca.pem" 2>/dev/null

# ---- 2. certificates ----------------------------------------------------
if $token_keys; then
    step "2. Certificates signed by the demo CA, whose key is in its token"
else
    step "2. Certificates signed by the demo CA"
fi
O="/O=Keyward Demo"
ossl ca req -x509 -new -key "$(key ca demo-ca)" -subj "$O/CN=Keyward Demo CA" \
    -days 2 -out "$W/pki/ca.pem" 2>"$W/pki/err" || { cat "$W/pki/err"; die "CA certificate"; }
# cert SIDE LABEL CN: the side's key signs its request, the CA's key the certificate.
cert() {
    ossl "$1" req -new -key "$(key "$1" "$2")" -subj "$O/CN=$3" -out "$W/pki/$2.csr" 2>>"$W/pki/err" &&
    ossl ca x509 -req -in "$W/pki/$2.csr" -CA "$W/pki/ca.pem" -CAkey "$(key ca demo-ca)" \
        -CAcreateserial -days 2 -out "$W/pki/$2.pem" 2>>"$W/pki/err" ||
        { cat "$W/pki/err"; die "certificate for $3"; }
    cat "$W/pki/$2.pem" "$W/pki/ca.pem" >"$W/pki/$2-chain.pem"
}
cert gateway gateway gateway
i=1; while [ $i -le "$devices" ]; do n=$(sensor_name $i); cert sensors "$n" "$n"; i=$((i + 1)); done
openssl req -x509 -new -key "$W/pki/other-ca.pem" -subj "/O=Somewhere Else/CN=Other CA" \
    -days 2 -out "$W/pki/other-ca-cert.pem" 2>/dev/null
openssl req -new -key "$W/sensors/intruder.pem" -subj "$O/CN=sensor-66" 2>/dev/null |
    openssl x509 -req -CA "$W/pki/other-ca-cert.pem" -CAkey "$W/pki/other-ca.pem" \
        -CAcreateserial -days 2 -out "$W/pki/intruder.pem" 2>/dev/null
cat "$W/pki/intruder.pem" "$W/pki/other-ca-cert.pem" >"$W/pki/intruder-chain.pem"
openssl verify -CAfile "$W/pki/ca.pem" "$W/pki/gateway.pem" "$W/pki/sensor-01.pem" >/dev/null ||
    die "openssl does not verify the certificates"
ok "CA certificate, gateway and $devices sensor certificates; openssl verifies them"
note "the intruder 'CN=sensor-66' has a certificate from another CA"
note "setup took $(( $(date +%s) - t0 )) s"

# ---- 3. two keywardd instances -------------------------------------------
step "3. Two keywardd instances: gateway and sensors"
# conf SIDE: keywardd's configuration header for SIDE.
conf() {
    if $token_keys; then
        providers="( { name = \"default\"; }, { name = \"keyward\"; module = \"$PROVIDER\";
    params = { pkcs11-module-path = \"$MODULE\"; pkcs11-module-token-pin = \"file:$W/$1/pin\"; }; } )"
    else
        providers='( { name = "default"; } )'
    fi
    cat <<EOC
# keywardd for the $1 (written by ci/demo.sh)
socket = { path = "$W/$1/s"; mode = "0660"; group = "nogroup"; };
workers = 4;
audit = "none";
providers = $providers;
metrics = { uids = [ 0 ]; };
# Short intervals for the demo (defaults: 1 h and 1 day).
associations = { rekey_interval = 4; rehandshake_interval = 10; max_age = 120; };
EOC
}
# keyuri SIDE LABEL: the key as keywardd names it.
keyuri() {
    if $token_keys; then echo "pkcs11:token=demo-$1;object=$2;type=private"; else echo "file:$W/$1/$2.pem"; fi
}
trust="trust_anchors = [ \"$W/pki/ca.pem\" ];"
{
    conf gateway
    echo "keys = ( { name = \"gateway\"; uri = \"$(keyuri gateway gateway)\";"
    echo "         certificate = \"file:$W/pki/gateway-chain.pem\"; } );"
    echo "identities = ( { name = \"gateway\"; key = \"gateway\"; $trust"
    echo "    peers = [ \"CN=sensor-*,O=Keyward Demo\" ]; methods = [ 0, 3 ]; } );"
    echo "policy = ( { uids = [ 65534 ]; identities = [ \"gateway\" ]; operations = [ \"respond\" ]; } );"
} >"$W/gateway/keywardd.conf"
{
    conf sensors
    echo "keys = ("
    i=1; while [ $i -le "$devices" ]; do
        n=$(sensor_name $i)
        echo "  { name = \"$n\"; uri = \"$(keyuri sensors "$n")\"; certificate = \"file:$W/pki/$n-chain.pem\"; },"
        i=$((i + 1))
    done
    echo "  { name = \"intruder\"; uri = \"file:$W/sensors/intruder.pem\"; certificate = \"file:$W/pki/intruder-chain.pem\"; } );"
    echo "identities = ("
    i=1; while [ $i -le "$devices" ]; do
        n=$(sensor_name $i)
        # odd sensors authenticate with static DH (method 3), even ones sign (method 0)
        echo "  { name = \"$n\"; key = \"$n\"; $trust peers = [ \"CN=gateway,O=Keyward Demo\" ]; methods = [ $((3 * (i % 2))) ]; },"
        i=$((i + 1))
    done
    echo "  { name = \"intruder-01\"; key = \"intruder\"; $trust peers = [ \"CN=gateway,O=Keyward Demo\" ]; } );"
    printf 'policy = ( { uids = [ 65534 ]; identities = [ "intruder-01"'
    i=1; while [ $i -le "$devices" ]; do printf ', "%s"' "$(sensor_name $i)"; i=$((i + 1)); done
    echo ' ]; operations = [ "initiate" ]; } );'
} >"$W/sensors/keywardd.conf"

ulimit -n 65536 2>/dev/null || true
for side in gateway sensors; do
    SOFTHSM2_CONF=$W/$side/softhsm2.conf "$B/service/keywardd" -c "$W/$side/keywardd.conf" \
        2>"$W/$side/keywardd.log" &
    pids="$pids $!"
    eval "kwd_$side=$!"
done
for side in gateway sensors; do
    i=0
    until grep -q "serving on" "$W/$side/keywardd.log" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 600 ] || { cat "$W/$side/keywardd.log"; die "keywardd ($side) did not start"; }
        sleep 0.1
    done
done
ok "keywardd (gateway): 1 identity, trusts the demo CA, admits CN=sensor-*"
ok "keywardd (sensors): $devices identities (odd: method 3, even: method 0), admit CN=gateway"
note "sockets: mode 0660, group nogroup; $(ls -l "$W/gateway/s" | awk '{print $1, $3, $4}')"

# ---- 4. the applications, as nobody ---------------------------------------
step "4. Gateway and sensors run as user nobody; $duration s of traffic over UDP"
cp "$B/examples/m2m/kw-gateway" "$B/examples/m2m/kw-sensor" "$W/apps/"
chmod 755 "$W/apps/kw-gateway" "$W/apps/kw-sensor"
: >"$W/apps/gateway.log"
: >"$W/apps/sensors.log"
: >"$W/apps/port"
chmod 666 "$W/apps/gateway.log" "$W/apps/sensors.log" "$W/apps/port"
M2M_T0=$(date +%s%3N)
export M2M_T0
# (not a shell function: $! must be the application's own pid)
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
$NOBODY "$W/apps/kw-gateway" --socket "$W/gateway/s" --port 0 \
    --port-file "$W/apps/port" >>"$W/apps/gateway.log" 2>&1 &
gw=$!
pids="$pids $gw"
i=0; until [ -s "$W/apps/port" ]; do i=$((i + 1)); [ $i -lt 100 ] || die "gateway did not start"; sleep 0.05; done
port=$(cat "$W/apps/port")
interval=$(( devices > 100 ? devices * 5 : 500 ))  # keeps the call rate near 400/s
spids=""
first=1
while [ $first -le "$devices" ]; do
    count=$(( devices - first + 1 )); [ $count -le 200 ] || count=200
    tamper=""; [ $first -eq 1 ] && tamper=--tamper
    $NOBODY "$W/apps/kw-sensor" --socket "$W/sensors/s" --gateway "127.0.0.1:$port" \
        --first $first --count $count --interval $interval --duration "$duration" $tamper \
        >>"$W/apps/sensors.log" 2>&1 &
    spids="$spids $!"
    first=$((first + count))
done
$NOBODY "$W/apps/kw-sensor" --socket "$W/sensors/s" --gateway "127.0.0.1:$port" \
    --prefix intruder- --count 1 --duration 1 >>"$W/apps/sensors.log" 2>&1 &
intruder=$!
pids="$pids $spids $intruder"
note "kw-gateway pid $gw and kw-sensor pids$spids run as: $(ps -o user=,group= -p $gw | tr -s ' ')"

# While they run: what their processes hold.
sleep 3
bad=""
for p in $gw $spids; do
    if grep -qE 'libcrypto|libsofthsm|keyward\.so|libp11' "/proc/$p/maps" 2>/dev/null; then
        bad="$bad $p"
    fi
done
[ -z "$bad" ] || die "an application process mapped a crypto library or PKCS#11 module:$bad"
if $NOBODY ls "$W/sensors/tokens" >/dev/null 2>&1 || $NOBODY cat "$W/sensors/pin" >/dev/null 2>&1; then
    die "user nobody can read a token or a PIN"
fi
ok "the applications' address spaces hold no libcrypto, no PKCS#11 module, no provider"
ok "user nobody cannot list the token store nor read a PIN: $($NOBODY ls "$W/sensors/tokens" 2>&1 | sed 's/^ls: //')"

# Live: the gateway's status line every 2 s.
last=0
for p in $spids; do
    while kill -0 "$p" 2>/dev/null; do
        n=$(grep -c "status:" "$W/apps/gateway.log" || true)
        if [ "$n" -gt "$last" ]; then
            grep "status:" "$W/apps/gateway.log" | sed -n "$((last + 1)),${n}p" | sed 's/^/   /'
            last=$n
        fi
        sleep 0.5
    done
done
sfail=0
for p in $spids; do wait "$p" || sfail=$((sfail + 1)); done
irc=0; wait $intruder || irc=$?
[ $irc -eq 1 ] || die "the intruder's run ended with status $irc, not with a refused handshake"
kill -TERM $gw
wait $gw || die "the gateway did not exit cleanly"
[ $sfail -eq 0 ] || note "($sfail sensor processes reported a failure: see below)"

# ---- 5. timeline, proof and summary -----------------------------------------
step "5. Timeline of sensor-01, both sides (all events: $W/apps/*.log with --keep)"
sort "$W/apps/gateway.log" "$W/apps/sensors.log" |
    grep -E "sensor-01|REJECTED|refused|intruder|summary" |
    grep -vE "sensor-[0-9]*[02-9] +summary|sensor-[1-9][0-9]+ +summary|sensor-0[2-9] +summary" |
    sed 's/^/   /'

step "Summary"
for side in gateway sensors; do
    "$kw" metrics --socket "$W/$side/s" >"$W/$side/metrics" 2>&1 || true
done
m() { awk -v k="$2" '$1 == k":" { print $2 }' "$W/$1/metrics"; }
total() { grep " summary:" "$W/apps/sensors.log" | grep -v intruder | grep -oE "[0-9]+ $1" | awk '{s += $1} END {print s + 0}'; }
ok "handshakes completed: $(m gateway handshakes_completed) at the gateway ($(total re-handshake) of them re-handshakes), $(m gateway handshakes_failed) refused (the intruder)"
ok "key updates: $(total "key updates") by the sensors' keywardd, followed by the gateway without a round trip"
ok "messages: $(m sensors messages_sealed) sealed and $(m sensors messages_opened) opened by the sensors; $(m gateway messages_opened) opened and $(m gateway messages_sealed) sealed (acks) by the gateway"
ok "rejected: $(m gateway messages_rejected) at the gateway (sensor-01's modified and replayed copies; any reading the intruder sent before it heard the refusal)"
ok "no application process held a key, a PIN or a crypto library; they ran as nobody"
if $token_keys; then
    SOFTHSM2_CONF=$W/sensors/softhsm2.conf DEMO_PIN=$(cat "$W/sensors/pin") \
        pkcs11-tool --module $MODULE --token-label demo-sensors --login --pin env:DEMO_PIN \
        -O --type privkey 2>/dev/null | grep -c "never extractable" |
        xargs -I{} printf '   \342\234\223 %s\n' "the sensors' token says: {} private keys, all sensitive and never extractable"
fi

step "Shutting down"
for side in gateway sensors; do
    eval "p=\$kwd_$side"
    kill -TERM "$p"
    wait "$p" || die "keywardd ($side) did not stop cleanly"
done
pids=""
ok "both keywardd drained and stopped; every association key was wiped"
$keep || note "the tokens, keys and logs in $W are deleted now"
