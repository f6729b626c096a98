#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Migration from libp11's engine (Debian's libengine-pkcs11-openssl) and
# pkcs11-tool: keys pkcs11-tool made (the fixture's keyward-legacy token)
# work through keyward by the same URIs; keyward signs and libp11's engine
# verifies; libp11 signs and keyward verifies.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
set -f # URIs hold "?": never a glob
[ -f /usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so ] ||
    [ -n "$(find /usr/lib -name pkcs11.so -path '*engines-3*' 2>/dev/null)" ] ||
    fail "libengine-pkcs11-openssl is not installed"
export PKCS11_MODULE_PATH="$KW_MODULE" # libp11's engine reads this
printf 'migrated message\n' >"$work/msg"
openssl dgst -sha256 -binary "$work/msg" >"$work/hash"
eng="-engine pkcs11 -keyform engine"
# libp11 0.4.12 reads a pin-source file to its end, newline included.
printf '%s' "$KW_PIN" >"$work/pin.p11"
p11pin="pin-source=file:$work/pin.p11"

for k in ec:$KW_LEGACY_EC_URI rsa:$KW_LEGACY_RSA_URI; do
    alg=${k%%:*}
    uri=${k#*:}
    # keyward signs the digest; libp11's engine verifies with the token's
    # public key object.
    kw openssl pkeyutl $P -sign -inkey "$uri;type=private?$pin" \
        -pkeyopt digest:sha256 -in "$work/hash" -out "$work/sig.kw" ||
        fail "$alg: keyward cannot sign with a pkcs11-tool key"
    # shellcheck disable=SC2086
    openssl pkeyutl $eng -verify -pubin -inkey "$uri;type=public" \
        -pkeyopt digest:sha256 -in "$work/hash" -sigfile "$work/sig.kw" \
        >"$work/v.log" 2>&1 ||
        { cat "$work/v.log" >&2; fail "$alg: libp11 does not verify keyward"; }
    grep -q "Signature Verified Successfully" "$work/v.log" ||
        fail "$alg: libp11 verify output"
    # libp11 signs; keyward verifies (in software, on the token's key).
    # shellcheck disable=SC2086
    openssl pkeyutl $eng -sign -inkey "$uri;type=private?$p11pin" \
        -pkeyopt digest:sha256 -in "$work/hash" -out "$work/sig.p11" \
        >"$work/s.log" 2>&1 || { cat "$work/s.log" >&2; fail "$alg: libp11 sign"; }
    kw openssl pkeyutl $P -verify -pubin -inkey "$uri;type=public" \
        -pkeyopt digest:sha256 -in "$work/hash" -sigfile "$work/sig.p11" |
        grep -q "Signature Verified Successfully" ||
        fail "$alg: keyward does not verify libp11's signature"
    echo "ok   $alg key from pkcs11-tool, keyward <-> libp11"
done

# The same URI forms libp11 users write: by id, with and without a token
# label.
kw openssl pkey $P -pubin -in "pkcs11:id=%11;type=public;token=$KW_LEGACY_TOKEN_LABEL" \
    -pubout | cmp -s - "$KW_LEGACY_EC_PUB" || fail "key by id= differs"
kw openssl pkey $P -pubin -in "pkcs11:object=legacy-rsa;type=public;token=$KW_LEGACY_TOKEN_LABEL" \
    -pubout | cmp -s - "$KW_LEGACY_RSA_PUB" || fail "key by object= differs"

echo "PASS"
