#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `keyward hsm` as a user drives it: generate keys in the token, sign, export
# the public key, verify with the openssl CLI; clear errors for bad input.
set -eu
set -a # export every fixture variable (TPM: D-Bus, TCTI) to the tools
. "$KW_TEST_VARS"
set +a
. "$KW_SOURCE_DIR/tests/fixtures/private-token.sh"
kw="$KW_BUILD_DIR/tools/keyward/keyward"
export KEYWARD_PKCS11_MODULE="$KW_MODULE"
work=$(mktemp -d)
trap 'rm -rf "$work" ${KW_PRIVATE_DIR:+"$KW_PRIVATE_DIR"}' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf 'a message signed in the token\n' >"$work/msg"

# Every algorithm: a fresh key, a signature, the openssl CLI agrees.
for spec in ec:P-256 ec:P-384 ec:P-521 rsa:2048 ed25519; do
    label="cli-$(echo "$spec" | tr ':' '-')"
    "$kw" hsm keygen --token "$KW_TOKEN_URI" --type "$spec" --label "$label" \
        --pin-file "$KW_PIN_FILE" >"$work/keygen.out"
    grep -q "never extractable" "$work/keygen.out" || fail "$spec: key not marked never extractable"
    uri="$KW_TOKEN_URI;object=$label;type=private"
    "$kw" hsm sign --uri "$uri" --in "$work/msg" --out "$work/sig" --pin-file "$KW_PIN_FILE"
    "$kw" hsm pubkey --uri "$uri" --out "$work/pub.pem" --pin-file "$KW_PIN_FILE"
    case $spec in
    ed25519) openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -rawin \
                 -in "$work/msg" -sigfile "$work/sig" >/dev/null ;;
    ec:P-384) openssl dgst -sha384 -verify "$work/pub.pem" -signature "$work/sig" "$work/msg" >/dev/null ;;
    ec:P-521) openssl dgst -sha512 -verify "$work/pub.pem" -signature "$work/sig" "$work/msg" >/dev/null ;;
    *) openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig" "$work/msg" >/dev/null ;;
    esac || fail "$spec: openssl does not verify the token's signature"
    # A tampered message does not verify.
    printf 'x' >>"$work/msg"
    if [ "$spec" = ec:P-256 ] && openssl dgst -sha256 -verify "$work/pub.pem" \
        -signature "$work/sig" "$work/msg" >/dev/null 2>&1; then
        fail "tampered message verified"
    fi
    printf 'a message signed in the token\n' >"$work/msg"
done

# RSA-PSS.
"$kw" hsm sign --uri "$KW_RSA2048_URI;type=private" --pss --in "$work/msg" --out "$work/sig" --pin-file "$KW_PIN_FILE"
"$kw" hsm pubkey --uri "$KW_RSA2048_URI;type=public" --out "$work/pub.pem" --pin-file "$KW_PIN_FILE"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    -verify "$work/pub.pem" -signature "$work/sig" "$work/msg" >/dev/null || fail "PSS"

# Bad input: each a distinct, actionable message and exit status 1 or 2.
expect_error() {
    want=$1; shift
    if "$kw" "$@" >"$work/out" 2>"$work/err"; then fail "succeeded: $*"; fi
    grep -q -- "$want" "$work/err" || { cat "$work/err" >&2; fail "no '$want' for: $*"; }
}
echo wrong-pin >"$work/wrong"
expect_error "the PIN is incorrect" hsm list --uri "$KW_TOKEN_URI" --pin-file "$work/wrong"
expect_error "PIN file $work/none" hsm list --uri "$KW_TOKEN_URI" --pin-file "$work/none"
expect_error "no private key labelled 'nothing'" hsm sign --uri "$KW_TOKEN_URI;object=nothing" --in "$work/msg" --out "$work/x" --pin-file "$KW_PIN_FILE"
expect_error "add id=" hsm sign --uri "$KW_TWIN_URI" --in "$work/msg" --out "$work/x" --pin-file "$KW_PIN_FILE"
expect_error "2 tokens match" hsm list --uri "pkcs11:" --pin-file "$KW_PIN_FILE"
expect_error "no token in" hsm list --uri "pkcs11:token=absent" --pin-file "$KW_PIN_FILE"
expect_error "unknown URI path attribute 'colour'" hsm list --uri "pkcs11:colour=red"
expect_error "not a valid pkcs11: URI" hsm list --uri "file:/etc/hosts"
expect_error "/no/such/module.so" hsm tokens --module /no/such/module.so
expect_error "not a PKCS#11 module" hsm tokens --module "$KW_PIN_FILE"
expect_error "unknown key type" hsm keygen --token "$KW_TOKEN_URI" --type dsa:1024 --label x --pin-file "$KW_PIN_FILE"
expect_error "RSA key size 1024" hsm keygen --token "$KW_TOKEN_URI" --type rsa:1024 --label x --pin-file "$KW_PIN_FILE"
expect_error "unknown command" bogus
KEYWARD_PKCS11_MODULE= expect_error "KEYWARD_PKCS11_MODULE" hsm tokens
# The PIN never appears in output or errors.
"$kw" hsm list --uri "$KW_TOKEN_URI" --pin-file "$KW_PIN_FILE" >"$work/out" 2>&1
if grep -q "$KW_PIN" "$work/out" "$work/err"; then fail "PIN printed"; fi
"$kw" hsm --help | grep -q "Example" || fail "--help has no example"
echo "PASS"
