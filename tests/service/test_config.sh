#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_config.sh: keywardd -t accepts the fixture's configuration and rejects
# broken ones with a message naming the problem (and its line).
. "$(dirname "$0")/svc-lib.sh"
sh "$KW_SOURCE_DIR/tests/service/svc-fixture.sh" "$KW_DIR" >/dev/null
kwd="$KW_BUILD_DIR/service/keywardd"
cd "$KW_DIR"
n=0
"$kwd" -t -c keywardd.conf >/dev/null || fail "the fixture configuration is rejected"
n=$((n + 1))

# reject EXPECTED-MESSAGE SED-SCRIPT: the edited configuration must fail
# with a message containing EXPECTED-MESSAGE.
reject() {
    sed "$2" keywardd.conf >bad.conf
    if "$kwd" -t -c bad.conf >out.txt 2>&1; then fail "accepted: $2"; fi
    grep -qF -- "$1" out.txt || fail "for '$2' expected '$1', got: $(cat out.txt)"
    n=$((n + 1))
}
reject "bad.conf:3:" 's/^workers = 4;/workers = = 4;/'
reject "unknown key 'nope'" 's/"ec256", "ec384"/"nope", "ec384"/'
reject "unknown operation 'fly'" 's/operations = \[ "all" \]/operations = [ "fly" ]/'
reject "socket mode must be octal" 's/mode = "0666"/mode = "rw"/'
reject "unknown user 'no-such-user-kw'" 's/uids = \[ 65534 \]; keys = \[ "ec256" \]/uids = [ "no-such-user-kw" ]; keys = [ "ec256" ]/'
reject "did not start" 's|{ name = "default"; }|{ name = "default"; }, { name = "x"; module = "/nonexistent/x.so"; }|'
reject "key 'ec256' defined twice" 's/name = "ec384"/name = "ec256"/'
reject "cannot open file:" 's|ec256.pem|missing.pem|'
reject "cannot read PIN file" 's|pin_file = "[^"]*"|pin_file = "/nonexistent/pin"|'
reject "is not for this key" 's|ec256-chain.pem|ca-cert.pem|'
# Two private keys behind one URI are ambiguous.
cat ec256.pem rsa2048.pem >two.pem
reject "matches 2 private keys" 's|ec256.pem"; token|two.pem"; token|'
# A wrong PIN: the encrypted key does not load.
echo wrong-pin >wrong.pin
reject "key 'ec384'" "s|$KW_DIR/pin\"|$KW_DIR/wrong.pin\"|"
grep -q test-pin- out.txt && fail "a PIN reached an error message"
echo "$n passed, 0 failed"
