#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The openssl command with -provider keyward: every algorithm signs in the
# token and verifies with the default provider; CSRs and certificates;
# listing; genpkey into the token; key-reference files; decryption, ECDH;
# each bad input a clear error and no crash.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
kwtool="$KW_BUILD_DIR/tools/keyward/keyward"
printf 'a message a device signs\n' >"$work/msg"
tok=$KW_TOKEN_URI

# --- Public keys through keyward equal the fixture's (read by pkcs11-tool).
for k in ec256:KW_EC256 ec521:KW_EC521 rsa2048:KW_RSA2048 ed25519:KW_ED25519; do
    label=${k%%:*}
    var=${k#*:}
    eval "expected=\$${var}_PUB"
    kw openssl pkey $P -pubin -in "$tok;object=$label;type=public" -pubout \
        -out "$work/$label.pub" || fail "$label: public key export"
    cmp -s "$work/$label.pub" "$expected" || fail "$label: exported key differs"
done
kw openssl pkey $P -pubin -in "$tok;object=ec384;type=public" -pubout \
    -out "$work/ec384.pub"

# --- Sign with keyward, verify with the default provider only.
sign_verify() { # label digest [sigopts...]
    label=$1
    md=$2
    shift 2
    kw openssl dgst $P "-$md" -sign "$tok;object=$label?$pin" "$@" \
        -out "$work/sig" "$work/msg" || fail "$label $md $*: sign"
    openssl dgst -provider default "-$md" -verify "$work/$label.pub" "$@" \
        -signature "$work/sig" "$work/msg" >/dev/null ||
        fail "$label $md $*: default provider does not verify"
}
sign_verify ec256 sha256
sign_verify ec384 sha384
sign_verify ec521 sha512
sign_verify rsa2048 sha256
sign_verify rsa2048 sha512
for salt in digest max auto 0 20; do
    sign_verify rsa2048 sha256 -sigopt rsa_padding_mode:pss \
        -sigopt "rsa_pss_saltlen:$salt"
done
kw openssl pkeyutl $P -sign -rawin -inkey "$tok;object=ed25519?$pin" \
    -in "$work/msg" -out "$work/sig"
openssl pkeyutl -provider default -verify -rawin -pubin \
    -inkey "$work/ed25519.pub" -in "$work/msg" -sigfile "$work/sig" >/dev/null ||
    fail "ed25519: default provider does not verify"
# The PIN through -passin (OpenSSL's passphrase callback), not the URI.
kw openssl dgst $P -sha256 -sign "$tok;object=ec256" -passin "file:$KW_PIN_FILE" \
    -out "$work/sig" "$work/msg"
openssl dgst -sha256 -verify "$work/ec256.pub" -signature "$work/sig" \
    "$work/msg" >/dev/null || fail "passin: does not verify"

# --- A CSR and a self-signed certificate signed in the token.
kw openssl req $P -new -key "$tok;object=ec256?$pin" -subj /CN=device-1 \
    -out "$work/csr.pem"
openssl req -verify -in "$work/csr.pem" -noout 2>/dev/null ||
    fail "CSR signature"
kw openssl req $P -x509 -new -key "$tok;object=rsa2048?$pin" -subj /CN=ca \
    -days 2 -out "$work/self.pem"
openssl verify -CAfile "$work/self.pem" "$work/self.pem" >/dev/null ||
    fail "self-signed certificate"
kw openssl x509 $P -req -in "$work/csr.pem" -CA "$work/self.pem" \
    -CAkey "$tok;object=rsa2048?$pin" -set_serial 7 -days 2 -out "$work/dev.pem"
openssl verify -CAfile "$work/self.pem" "$work/dev.pem" >/dev/null ||
    fail "certificate signed by a token key"

# --- Listing a token; a certificate by URI.
kw openssl storeutl $P -certs "$tok" >"$work/list"
grep -q "Total found: 4" "$work/list" || fail "token lists 4 certificates"
kw openssl storeutl $P -keys "$tok?$pin" >"$work/list"
grep -q "Total found: 7" "$work/list" || fail "token lists 7 private keys"
kw openssl x509 $P -in "$tok;object=ec256;type=cert" -noout -subject |
    grep -q "CN = localhost" || fail "certificate by URI"

# --- genpkey in the token, written as key-reference files.
n=0
for alg in "EC -pkeyopt group:P-256" "RSA -pkeyopt bits:2048" "ED25519"; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # alg carries its options
    kw openssl genpkey $P -propquery provider=keyward -algorithm $alg \
        -pkeyopt "pkcs11_uri:$tok?$pin" -pkeyopt "pkcs11_label:cli-gen-$n" \
        -out "$work/gen$n.pem" || fail "genpkey $alg"
    grep -q "BEGIN PKCS#11 PROVIDER URI" "$work/gen$n.pem" ||
        fail "genpkey wrote no key reference"
    kw openssl pkey $P -in "$work/gen$n.pem" -passin "file:$KW_PIN_FILE" \
        -pubout -out "$work/gen$n.pub"
    kw openssl pkeyutl $P -sign -rawin -inkey "$work/gen$n.pem" \
        -passin "file:$KW_PIN_FILE" -in "$work/msg" -out "$work/sig" \
        $([ $n = 3 ] || echo "-digest sha256")
    openssl pkeyutl -provider default -verify -rawin -pubin \
        -inkey "$work/gen$n.pub" -in "$work/msg" -sigfile "$work/sig" \
        $([ $n = 3 ] || echo "-digest sha256") >/dev/null ||
        fail "genpkey $alg: signature does not verify"
done

# --- keyward keyref: a file for a pkcs11-tool key; --check refuses twins.
"$kwtool" keyref -o "$work/ref.pem" "$tok;object=ec521;type=private"
kw openssl pkeyutl $P -sign -rawin -digest sha512 -inkey "$work/ref.pem" \
    -passin "file:$KW_PIN_FILE" -in "$work/msg" -out "$work/sig"
openssl pkeyutl -verify -rawin -digest sha512 -pubin -inkey "$work/ec521.pub" \
    -in "$work/msg" -sigfile "$work/sig" >/dev/null || fail "keyref signature"
expect_fail "more than one object" "$kwtool" keyref --check \
    "$KW_TWIN_URI?$pin"
expect_fail "must not carry a PIN" "$kwtool" keyref "$tok;object=ec256?pin-value=1"

# --- Decryption and key agreement with the private key in the token.
openssl pkeyutl -encrypt -pubin -inkey "$work/rsa2048.pub" -in "$work/msg" \
    -out "$work/ct"
kw openssl pkeyutl $P -decrypt -inkey "$tok;object=rsa2048?$pin" \
    -in "$work/ct" | cmp -s - "$work/msg" || fail "PKCS#1 v1.5 decryption"
openssl pkeyutl -encrypt -pubin -inkey "$work/rsa2048.pub" \
    -pkeyopt rsa_padding_mode:oaep -in "$work/msg" -out "$work/ct"
kw openssl pkeyutl $P -decrypt -inkey "$tok;object=rsa2048?$pin" \
    -pkeyopt rsa_padding_mode:oaep -in "$work/ct" | cmp -s - "$work/msg" ||
    fail "OAEP decryption"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$work/peer.key" 2>/dev/null
openssl pkey -in "$work/peer.key" -pubout -out "$work/peer.pub"
kw openssl pkeyutl $P -derive -inkey "$tok;object=ec256?$pin" \
    -peerkey "$work/peer.pub" -out "$work/z1"
openssl pkeyutl -derive -inkey "$work/peer.key" -peerkey "$work/ec256.pub" \
    -out "$work/z2"
cmp -s "$work/z1" "$work/z2" || fail "ECDH: the two sides disagree"

# --- Bad input: clear errors, exit status 1, never a crash.
printf '0000\n' >"$work/badpin"
expect_fail "object not found" openssl pkeyutl $P -sign \
    -inkey "$tok;object=nothing?$pin" -in "$work/msg"
expect_fail "URI matches more than one object" openssl pkeyutl $P -sign \
    -inkey "$KW_TWIN_URI?$pin" -in "$work/msg"
expect_fail "no private key in the token" openssl pkeyutl $P -sign \
    -inkey "$KW_PUBONLY_URI?$pin" -in "$work/msg"
expect_fail "not supported by this token" openssl pkeyutl $P -decrypt \
    -inkey "$tok;object=rsa2048?$pin" -pkeyopt rsa_padding_mode:oaep \
    -pkeyopt rsa_oaep_md:sha256 -in "$work/ct"
expect_fail "token not found" openssl pkeyutl $P -sign \
    -inkey "pkcs11:token=nonexistent;object=x?$pin" -in "$work/msg"
# Last: a wrong PIN (each command is its own process and login).
expect_fail "wrong token PIN" openssl pkeyutl $P -sign \
    -inkey "$tok;object=ec256?pin-source=file:$work/badpin" -in "$work/msg"
echo "PASS"
