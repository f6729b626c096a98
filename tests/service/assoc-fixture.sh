#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# assoc-fixture.sh: two keywardd configurations, DIR/a and DIR/b, that can
# associate (EDHOC) with each other: a test CA, per side a P-256 and an
# Ed25519 key with certificates, CCSs by kid, a certificate from another CA,
# and local identities that use them (docs/SERVICE.md).
#
#   assoc-fixture.sh DIR [ASSOCIATIONS]
# ASSOCIATIONS: body of the associations = { } group of both configurations.
# Keys are PEM files named by file: URIs; with KW_ASSOC_KEYS=softhsm the
# P-256 and Ed25519 keys are generated in a SoftHSM token per side instead
# (tokens kw-a and kw-b in the store DIR/hsm; DIR/a/softhsm2.conf makes the
# test fixture start that side's keywardd with it) and keywardd reaches
# them through the keyward provider.
set -eu
dir=${1:?usage: assoc-fixture.sh DIR [ASSOCIATIONS]}
assoc=${2:-}
: "${KW_BUILD_DIR:?}"
kw=$KW_BUILD_DIR/tools/keyward/keyward
mkdir -p "$dir/pki" "$dir/a" "$dir/b"
chmod 755 "$dir" "$dir/pki" "$dir/a" "$dir/b"
umask 022
pki=$(cd "$dir/pki" && pwd)

gen() { openssl genpkey -quiet "$@" 2>/dev/null || openssl genpkey "$@" >/dev/null 2>&1; }
# cert KEY SUBJECT CA-NAME OUT: a leaf signed by the CA in $pki/CA-NAME.*
cert() {
    openssl req -new -key "$1" -subj "$2" -out "$4.csr" 2>/dev/null
    openssl x509 -req -in "$4.csr" -CA "$pki/$3-cert.pem" -CAkey "$pki/$3.pem" \
        -CAcreateserial -days 2 -out "$4" 2>/dev/null
    rm -f "$4.csr"
}
for ca in ca rogue-ca; do
    gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$ca.pem"
    openssl req -x509 -new -key "$pki/$ca.pem" -subj "/O=Keyward Test/CN=$ca" \
        -days 2 -out "$pki/$ca-cert.pem" 2>/dev/null
done

keys=${KW_ASSOC_KEYS:-file}
module=/usr/lib/softhsm/libsofthsm2.so
# token SIDE: a SoftHSM store and token "kw-SIDE" with P-256 and Ed25519
# keys generated inside; PINs through the environment (pkcs11-tool env:).
token() {
    d=$1
    mkdir -p "$dir/hsm/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$(cd "$dir/hsm/tokens" && pwd)" >"$dir/hsm/softhsm2.conf"
    cp "$dir/hsm/softhsm2.conf" "$d/softhsm2.conf"
    od -An -N8 -tx1 /dev/urandom | tr -d ' \n' >"$d/pin"
    KW_P=$(cat "$d/pin") KW_SO=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    export KW_P KW_SO SOFTHSM2_CONF="$d/softhsm2.conf"
    slot=$([ "$2" = a ] && echo 0 || echo 1) # SoftHSM's free slot after kw-a
    pkcs11-tool --module $module --init-token --slot-index $slot --label "kw-$2" \
        --so-pin env:KW_SO >/dev/null 2>&1
    pkcs11-tool --module $module --token-label "kw-$2" --init-pin \
        --so-pin env:KW_SO --pin env:KW_P >/dev/null 2>&1
    for k in p256:ec:P-256 ed:ed25519; do
        KEYWARD_PKCS11_MODULE=$module "$kw" hsm keygen --token "pkcs11:token=kw-$2" \
            --type "${k#*:}" --label "${k%%:*}" --pin-file "$d/pin" >/dev/null
    done
    unset KW_P KW_SO SOFTHSM2_CONF
}
# tcert SIDE-DIR SIDE LABEL SUBJECT OUT: the token key signs its request
# (openssl with the keyward provider), the test CA the certificate.
# keyward.so built with AddressSanitizer needs its runtime loaded first by
# the (uninstrumented) openssl command.
asan=
if [ "$keys" = softhsm ] && ldd "$KW_BUILD_DIR/provider/keyward.so" | grep -q libasan; then
    asan=$(gcc -print-file-name=libasan.so)
fi
tcert() {
    SOFTHSM2_CONF=$1/softhsm2.conf OPENSSL_CONF=/dev/null LD_PRELOAD=$asan \
    OPENSSL_MODULES=$KW_BUILD_DIR/provider KEYWARD_PKCS11_MODULE=$module \
        ASAN_OPTIONS=detect_leaks=0 openssl req -new -provider default -provider keyward \
        -key "pkcs11:token=kw-$2;object=$3;type=private?pin-source=file:$1/pin" \
        -subj "$4" -out "$5.csr"
    openssl x509 -req -in "$5.csr" -CA "$pki/ca-cert.pem" -CAkey "$pki/ca.pem" \
        -CAcreateserial -days 2 -out "$5" 2>/dev/null
    rm -f "$5.csr"
}

for side in a b; do
    d=$(cd "$dir/$side" && pwd)
    kid=$([ $side = a ] && echo a1 || echo b2)
    if [ "$keys" = softhsm ]; then
        token "$d" $side
        tcert "$d" $side p256 "/O=Keyward Test/CN=kw-test-$side" "$d/p256-cert.pem"
        tcert "$d" $side ed "/O=Keyward Test/CN=kw-test-$side-ed" "$d/ed-cert.pem"
        openssl x509 -in "$d/p256-cert.pem" -pubkey -noout >"$d/p256.pem"
    else
        gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/p256.pem"
        gen -algorithm ED25519 -out "$d/ed.pem"
        cert "$d/p256.pem" "/O=Keyward Test/CN=kw-test-$side" ca "$d/p256-cert.pem"
        cert "$d/ed.pem" "/O=Keyward Test/CN=kw-test-$side-ed" ca "$d/ed-cert.pem"
    fi
    gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/rogue.pem"
    cert "$d/rogue.pem" "/O=Keyward Test/CN=kw-test-$side-rogue" rogue-ca "$d/rogue-cert.pem"
    cat "$d/p256-cert.pem" "$pki/ca-cert.pem" >"$d/p256-chain.pem"
    cat "$d/ed-cert.pem" "$pki/ca-cert.pem" >"$d/ed-chain.pem"
    cat "$d/rogue-cert.pem" "$pki/rogue-ca-cert.pem" >"$d/rogue-chain.pem"
    openssl pkey -in "$d/p256.pem" -pubout -out "$d/p256-pub.pem" 2>/dev/null ||
        openssl pkey -pubin -in "$d/p256.pem" -out "$d/p256-pub.pem"
    "$kw" ccs --pubkey "$d/p256-pub.pem" --kid $kid --sub "kw-test-$side" --out "$d/p256.ccs"
    "$kw" ccs --pubkey "$d/p256-pub.pem" --kid ee --out "$d/stranger.ccs"
    cp "$d/p256-cert.pem" "$pki/$side-p256-cert.pem"
    cp "$d/p256.ccs" "$pki/$side-p256.ccs"
done

me=$(id -u)
for side in a b; do
    d=$(cd "$dir/$side" && pwd)
    peer=$([ $side = a ] && echo b || echo a)
    peerkid=$([ $side = a ] && echo b2 || echo a1)
    trust="trust_anchors = [ \"$pki/ca-cert.pem\" ]; peers = [ \"CN=kw-test-*,O=Keyward Test\" ];"
    if [ "$keys" = softhsm ]; then
        providers="( { name = \"default\"; }, { name = \"keyward\"; module = \"$KW_BUILD_DIR/provider/keyward.so\";
    params = { pkcs11-module-path = \"$module\"; }; } )"
        p256="pkcs11:token=kw-$side;object=p256;type=private\"; pin_file = \"$d/pin"
        ed="pkcs11:token=kw-$side;object=ed;type=private\"; pin_file = \"$d/pin"
    else
        providers='( { name = "default"; } )'
        p256="file:$d/p256.pem"
        ed="file:$d/ed.pem"
    fi
    cat >"$d/keywardd.conf" <<EOC
# keywardd association test configuration (tests/service/assoc-fixture.sh)
socket = { path = "$d/s"; mode = "0666"; };
workers = 4;
drain_timeout = 5;
audit = "stderr";
providers = $providers;
keys = (
  { name = "p256"; uri = "$p256"; certificate = "file:$d/p256-chain.pem"; },
  { name = "ed"; uri = "$ed"; certificate = "file:$d/ed-chain.pem"; },
  { name = "rogue"; uri = "file:$d/rogue.pem"; certificate = "file:$d/rogue-chain.pem"; }
);
identities = (
  { name = "x509"; key = "p256"; $trust },
  { name = "only2"; key = "p256"; suites = [ 2 ]; $trust },
  { name = "x5t"; key = "p256"; credential = "x5t"; $trust
    peer_credentials = [ "$pki/$peer-p256-cert.pem" ]; },
  { name = "ccs"; key = "p256"; ccs = "$d/p256.ccs"; methods = [ 3, 0 ];
    peer_credentials = [ "$pki/$peer-p256.ccs" ]; peers = [ "kid:$peerkid" ]; },
  { name = "stranger"; key = "p256"; ccs = "$d/stranger.ccs";
    peer_credentials = [ "$pki/$peer-p256.ccs" ]; peers = [ "kid:*" ]; },
  { name = "ed"; key = "ed"; $trust },
  { name = "picky"; key = "p256"; trust_anchors = [ "$pki/ca-cert.pem" ];
    peers = [ "CN=somebody-else,O=Keyward Test" ]; },
  { name = "rogue"; key = "rogue"; $trust },
  { name = "ead"; key = "p256"; critical_ead = [ -7 ]; $trust },
  { name = "export"; key = "p256"; $trust }
);
policy = (
  { uids = [ $me ]; identities = [ "x509", "only2", "x5t", "ccs", "stranger",
      "ed", "picky", "rogue", "ead" ]; operations = [ "initiate", "respond" ]; },
  { uids = [ $me ]; identities = [ "export" ]; operations = [ "all" ]; },
  { uids = [ 65534 ]; identities = [ "x509" ]; operations = [ "respond" ]; }
);
metrics = { uids = [ $me ]; };
associations = { $assoc };
EOC
done
