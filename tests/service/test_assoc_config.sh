#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_assoc_config.sh: keywardd -t accepts the association fixture's
# configuration (identities, trust anchors, peer credentials, policy) and
# rejects broken ones with a message naming the problem.
. "$(dirname "$0")/svc-lib.sh"
sh "$KW_SOURCE_DIR/tests/service/assoc-fixture.sh" "$KW_DIR" >/dev/null
kwd="$KW_BUILD_DIR/service/keywardd"
cd "$KW_DIR/a"
n=0
"$kwd" -t -c keywardd.conf >out.txt || fail "the fixture configuration is rejected"
grep -q "OK" out.txt || fail "keywardd -t: $(cat out.txt)"
n=$((n + 1))

# reject EXPECTED-MESSAGE SED-SCRIPT (as in test_config.sh)
reject() {
    sed "$2" keywardd.conf >bad.conf
    if "$kwd" -t -c bad.conf >out.txt 2>&1; then fail "accepted: $2"; fi
    grep -qF -- "$1" out.txt || fail "for '$2' expected '$1', got: $(cat out.txt)"
    n=$((n + 1))
}
reject "'nokey' is not a configured private key" 's/name = "x509"; key = "p256"/name = "x509"; key = "nokey"/'
reject "unknown identity 'nobody-here'" 's/identities = \[ "export" \]/identities = [ "nobody-here" ]/'
reject "identity 'x509' defined twice" 's/name = "only2"/name = "x509"/'
reject "credential must be" 's/credential = "x5t"/credential = "x5u"/'
reject "has no certificate" 's|certificate = "file:[^"]*ed-chain.pem"; ||'
reject "is not a CCS with a kid for the public key" 's|/a/p256.ccs"|/b/p256.ccs"|'
reject "cannot load trust anchors" 's|name = "picky"; key = "p256"; trust_anchors = \[ "[^"]*" \];|name = "picky"; key = "p256"; trust_anchors = [ "/nonexistent.pem" ];|'
reject "neither a PEM certificate nor a CCS" "s|\"[^\"]*b-p256.ccs\" \\]; peers = \\[ \"kid:b2\"|\"$KW_DIR/a/keywardd.conf\" ]; peers = [ \"kid:b2\"|"
reject "a kid is lowercase hex" 's/"kid:b2"/"kid:B2"/'
reject "'methods': 4 is not in 0..3" 's/methods = \[ 3, 0 \]/methods = [ 4 ]/'
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pem 2>/dev/null
reject "must be P-256, Ed25519 or X25519" 's|{ name = "rogue"; uri = "file:\([^"]*\)/rogue.pem"; certificate = "[^"]*"; }|{ name = "rogue"; uri = "file:\1/p384.pem"; }|'
reject "max_age must be at least" 's/^associations = {  };/associations = { rehandshake_interval = 100; max_age = 50; };/'
reject "unknown operation 'fly'" 's/operations = \[ "initiate", "respond" \]/operations = [ "fly" ]/'
echo "$n passed, 0 failed"
