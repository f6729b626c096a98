#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_service_token.sh: keywardd with the fixture token's keys through the
# keyward provider (pkcs11: URIs), as a deployment runs it: signatures over
# the socket checked by the openssl CLI. On SoftHSM keywardd also runs over
# the fault shim, and the token goes away mid-run: calls on its keys fail
# with a clear status while a file key keeps working, and all recover when
# the token is back. Runs on the TPM too (test_service_token.tpm).
set -eu
: "${KW_SOURCE_DIR:?run through ctest}" "${KW_BUILD_DIR:?run through ctest}"
set -a # export every fixture variable (TPM: D-Bus, TCTI) to keywardd
. "$KW_TEST_VARS"
set +a
. "$KW_SOURCE_DIR/tests/fixtures/private-token.sh"
kw="$KW_BUILD_DIR/tools/keyward/keyward"
dir=$(mktemp -d /tmp/kwtok-XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir" ${KW_PRIVATE_DIR:+"$KW_PRIVATE_DIR"}
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$dir/log" ] && tail -20 "$dir/log" >&2; exit 1; }

module=$KW_MODULE
if [ "$KW_TOKEN_DRIVER" = softhsm ]; then
    # The fault shim forwards to SoftHSM; its control file removes the token.
    export KWFAULT_MODULE="$KW_MODULE" KWFAULT_CONTROL="$dir/control"
    echo ok >"$dir/control"
    module="$KW_BUILD_DIR/tests/libkwfault.so"
fi
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/file.pem" 2>/dev/null
openssl pkey -in "$dir/file.pem" -pubout -out "$dir/file-pub.pem"
ed_key= policy_keys='"ec256", "rsa2048", "file-ec"'
if [ -n "${KW_ED25519_URI:-}" ]; then
    ed_key="{ name = \"ed25519\"; uri = \"$KW_ED25519_URI;type=private\"; token = \"tok\"; },"
    policy_keys="$policy_keys, \"ed25519\""
fi
cat >"$dir/keywardd.conf" <<EOC
socket = { path = "$dir/s"; mode = "0600"; };
workers = 2;
audit = "stderr";
providers = (
  { name = "default"; },
  { name = "keyward"; module = "$KW_BUILD_DIR/provider/keyward.so";
    params = { pkcs11-module-path = "$module"; }; }
);
tokens = ( { name = "tok"; uri = "$KW_TOKEN_URI"; provider = "keyward";
             pin_file = "$KW_PIN_FILE"; } );
keys = (
  { name = "ec256"; uri = "$KW_EC256_URI;type=private"; token = "tok"; },
  { name = "rsa2048"; uri = "$KW_RSA2048_URI;type=private"; token = "tok"; },
  $ed_key
  { name = "file-ec"; uri = "file:$dir/file.pem"; }
);
policy = ( { uids = [ $(id -u) ]; keys = [ $policy_keys ];
             operations = [ "all" ]; } );
EOC
"$KW_BUILD_DIR/service/keywardd" -c "$dir/keywardd.conf" 2>"$dir/log" &
pid=$!
i=0
until grep -q "serving on" "$dir/log" 2>/dev/null; do
    i=$((i + 1))
    { [ $i -lt 500 ] && kill -0 "$pid" 2>/dev/null; } || fail "keywardd did not start"
    sleep 0.02
done
export KEYWARD_SOCKET="$dir/s"
printf 'a reading signed in the token through keywardd\n' >"$dir/msg"

"$kw" keys >"$dir/keys" || fail "keyward keys"
grep -q "^ec256 " "$dir/keys" || fail "keys: $(cat "$dir/keys")"
# The public key keywardd reports is the token's (the fixture's PEM file).
"$kw" pubkey ec256 >"$dir/ec256.pem" || fail "pubkey"
cmp -s "$dir/ec256.pem" "$KW_EC256_PUB" || fail "pubkey differs from the token's"

sign_check() { # KEY ALG OPENSSL-ARGS...
    key=$1 alg=$2
    shift 2
    "$kw" sign -k "$key" ${alg:+-a "$alg"} -o "$dir/sig" "$dir/msg" ||
        fail "sign with $key ${alg:-}"
    "$kw" pubkey "$key" >"$dir/pub.pem" || fail "pubkey $key"
    openssl "$@" -verify "$dir/pub.pem" -signature "$dir/sig" "$dir/msg" \
        >/dev/null || fail "openssl does not verify $key ${alg:-}"
    echo "ok   $key ${alg:-}"
}
sign_check ec256 "" dgst -sha256
sign_check rsa2048 rsa-pkcs1-sha256 dgst -sha256
sign_check rsa2048 rsa-pss-sha256 dgst -sha256 -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:-1
if [ -n "$ed_key" ]; then
    "$kw" sign -k ed25519 -o "$dir/sig" "$dir/msg" || fail "sign ed25519"
    "$kw" pubkey ed25519 >"$dir/pub.pem"
    openssl pkeyutl -verify -pubin -inkey "$dir/pub.pem" -rawin -in "$dir/msg" \
        -sigfile "$dir/sig" >/dev/null || fail "openssl ed25519"
    echo "ok   ed25519"
fi

# What the token can do, from its mechanism list (not the provider's
# algorithm tables): ECDSA on both; ECDH only where the token has it.
"$kw" tokens >"$dir/tokens" || fail "keyward tokens"
grep -q "^tok .* sign:ecdsa" "$dir/tokens" || fail "tokens: $(cat "$dir/tokens")"
case " ${KW_TOKEN_LACKS:-} " in
*" CKM_ECDH1_DERIVE "*)
    if grep -q " ecdh" "$dir/tokens"; then fail "ecdh listed: $(cat "$dir/tokens")"; fi ;;
*)
    grep -q " ecdh" "$dir/tokens" || fail "ecdh missing: $(cat "$dir/tokens")" ;;
esac
echo "ok   tokens: $(cat "$dir/tokens")"

# KEMs with the private key in the token: encapsulate to its public key,
# decapsulate in the token; both ends' session keys must agree.
kem_check() { # KEY NAME
    "$kw" pubkey "$1" >"$dir/kem.pem" || fail "pubkey $1"
    a=$("$kw" session encap --peer "$dir/kem.pem" -o "$dir/ct") || fail "encap to $1"
    b=$("$kw" session decap -k "$1" -i "$dir/ct" 2>"$dir/err") || return 1
    "$kw" seal -H "$a" -o "$dir/sealed" "$dir/msg" || fail "seal ($2)"
    "$kw" open -H "$b" -o "$dir/opened" "$dir/sealed" || fail "open ($2)"
    cmp -s "$dir/msg" "$dir/opened" || fail "$2: the two ends disagree"
    "$kw" session close "$a" && "$kw" session close "$b" || fail "close ($2)"
    echo "ok   $2 with $1 in the token"
}
kem_check rsa2048 RSASVE || fail "RSASVE decap: $(cat "$dir/err")"
if kem_check ec256 DHKEM; then
    case " ${KW_TOKEN_LACKS:-} " in
    *" CKM_ECDH1_DERIVE "*) fail "DHKEM decapsulated on a token without ECDH" ;;
    esac
else
    # A token without ECDH1-DERIVE (tpm2-pkcs11) says so, by name.
    case " ${KW_TOKEN_LACKS:-} " in
    *" CKM_ECDH1_DERIVE "*) ;;
    *) fail "DHKEM decap: $(cat "$dir/err")" ;;
    esac
    grep -q "not supported by this token" "$dir/err" ||
        fail "DHKEM refusal: $(cat "$dir/err")"
    echo "ok   DHKEM refused: $(head -1 "$dir/err")"
fi

if [ "$KW_TOKEN_DRIVER" = softhsm ]; then
    echo removed >"$dir/control"
    if "$kw" sign -k ec256 -o "$dir/sig" "$dir/msg" 2>"$dir/err"; then
        fail "signed with a token that is gone"
    fi
    grep -qi "token" "$dir/err" || fail "removal message: $(cat "$dir/err")"
    echo "ok   token removed: $(head -1 "$dir/err")"
    # Everyone else keeps being served.
    "$kw" sign -k file-ec -o "$dir/sig" "$dir/msg" || fail "file key while the token is gone"
    openssl dgst -sha256 -verify "$dir/file-pub.pem" -signature "$dir/sig" \
        "$dir/msg" >/dev/null || fail "file key signature"
    echo "ok   file key served meanwhile"
    sleep 0.01 # a new mtime for the control file
    echo ok >"$dir/control"
    sign_check ec256 "" dgst -sha256
    echo "ok   token back: recovered"
fi
kill "$pid"
wait "$pid" || fail "keywardd exit status $?"
pid=
echo PASS
