#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The installed keyward.so as a user meets it: `cmake --install`, then an
# openssl.cnf section naming the module and the PIN with pkcs11-provider's
# directives (a PIN file, a literal PIN), and the -provider keyward way with
# KEYWARD_PKCS11_MODULE. The module exports OSSL_provider_init only.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
set -f # URIs hold "?": never a glob
cmake --install "$KW_BUILD_DIR" --prefix "$work/prefix" >/dev/null
so=$(find "$work/prefix" -name keyward.so | head -1)
[ -n "$so" ] || fail "keyward.so not installed"
moddir=$(dirname "$so")
case $moddir in */ossl-modules) ;; *) fail "installed in $moddir" ;; esac

exports=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
[ "$exports" = "OSSL_provider_init " ] || fail "exports: $exports"

printf 'installed\n' >"$work/msg"
uri="$KW_EC256_URI"
unset OPENSSL_MODULES KEYWARD_PKCS11_MODULE

# 1. openssl.cnf, PIN from a file; no -provider option, no PIN in the URI.
KW_MODULE_SO=$so write_cnf "$work/openssl.cnf"
export OPENSSL_CONF="$work/openssl.cnf"
kw openssl list -providers >"$work/list"
grep -q "Keyward PKCS#11 provider" "$work/list" || fail "not listed"
kw openssl dgst -sha256 -sign "$uri" -out "$work/sig" "$work/msg"
OPENSSL_CONF=/dev/null openssl dgst -sha256 -verify "$KW_EC256_PUB" \
    -signature "$work/sig" "$work/msg" >/dev/null || fail "config: verify"

# 2. The PIN itself in the configuration.
sed "s|^pkcs11-module-token-pin = .*|pkcs11-module-token-pin = $KW_PIN|" \
    "$work/openssl.cnf" >"$work/literal.cnf"
export OPENSSL_CONF="$work/literal.cnf"
kw openssl dgst -sha256 -sign "$uri" -out "$work/sig" "$work/msg" ||
    fail "literal PIN"

# 3. A wrong PIN in the configuration: a clear error, no crash.
sed "s|^pkcs11-module-token-pin = .*|pkcs11-module-token-pin = 0|" \
    "$work/openssl.cnf" >"$work/wrong.cnf"
export OPENSSL_CONF="$work/wrong.cnf"
expect_fail "wrong token PIN" openssl dgst -sha256 -sign "$uri" "$work/msg"

# 4. keyward first in the configuration: same results.
KW_MODULE_SO=$so write_cnf "$work/ahead.cnf" ahead
export OPENSSL_CONF="$work/ahead.cnf"
kw openssl dgst -sha256 -sign "$uri" -out "$work/sig" "$work/msg" ||
    fail "keyward ahead of default"

# 5. No configuration: -provider keyward, the module from the environment,
#    the PIN from -passin.
export OPENSSL_CONF=/dev/null
export OPENSSL_MODULES="$moddir"
expect_fail "no PKCS#11 module configured" openssl dgst -provider default \
    -provider keyward -sha256 -sign "$uri" -passin "file:$KW_PIN_FILE" \
    "$work/msg"
export KEYWARD_PKCS11_MODULE="$KW_MODULE"
kw openssl dgst -provider default \
    -provider keyward -sha256 -sign "$uri" -passin "file:$KW_PIN_FILE" \
    -out "$work/sig" "$work/msg" || fail "-provider keyward"
openssl dgst -sha256 -verify "$KW_EC256_PUB" -signature "$work/sig" \
    "$work/msg" >/dev/null || fail "-provider keyward: verify"
echo "PASS"
