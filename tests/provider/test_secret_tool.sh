#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_secret_tool.sh: `keyward secret` generates AES and HMAC keys in the
# token (sensitive, never extractable) and imports keys wrapped under a token
# key (AES-KEY-WRAP, RFC 3394 section 4.6's vector; AES-KEY-WRAP-PAD, RFC
# 5649, wrapped by the openssl command); the keys then work through the
# keyward provider with the openssl command (openssl mac), giving the MACs
# the default provider computes from the known key bytes. On the TPM
# (test_secret_tool.tpm): the clear refusal tpm2-pkcs11 needs.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"

KW="$KW_BUILD_DIR/tools/keyward/keyward"
tok="$KW_TOKEN_URI"
pf="$KW_PIN_FILE"
printf 'keyward secret test message\n' >"$work/msg"

# mac_kw URI ARGS...: the MAC through keyward, hex on stdout.
mac_kw() {
    u=$1
    shift
    kw openssl mac $P -in "$work/msg" -macopt "pkcs11_uri:$u?$pin" "$@"
}

# --- the TPM (test_secret_tool.tpm) ---------------------------------------
# tpm2-pkcs11 makes no AES or HMAC key through PKCS#11 (its mechanism list
# says otherwise): keyward says so at once and names the way that works;
# keys made that way (the fixture's, by tpm2_ptool) work through keyward.
if [ "$KW_TOKEN_DRIVER" = tpm2 ]; then
    for t in aes:128 hmac:256; do
        expect_fail "cannot create AES or HMAC keys through PKCS#11" \
            "$KW" secret generate --token "$tok" --type $t --label x \
            --pin-file "$pf"
        grep -q "tpm2_ptool addkey" "$work/err" || fail "no way out: $(cat "$work/err")"
    done
    head -c 40 /dev/zero >"$work/wrapped"
    expect_fail "cannot create AES or HMAC keys through PKCS#11" \
        "$KW" secret unwrap --wrapping-key "$KW_AES128_URI" \
        --in "$work/wrapped" --type hmac --label x --pin-file "$pf"
    mac_kw "$KW_HMAC256_URI" -macopt digest:SHA256 KEYWARD-HMAC >"$work/m1"
    [ "$(tr -d '\n' <"$work/m1" | wc -c)" -eq 64 ] || fail "TPM HMAC size"
    echo "ok: keyward secret (TPM)"
    exit 0
fi

# --- generate ------------------------------------------------------------
aes=$(kw "$KW" secret generate --token "$tok" --type aes:256 \
    --label gen-aes --pin-file "$pf" 2>"$work/gen.err")
grep -q "AES key 'gen-aes', 256 bits, sensitive, never extractable" \
    "$work/gen.err" || fail "generate: $(cat "$work/gen.err")"
case "$aes" in *"object=gen-aes"*"type=secret-key"*) ;;
*) fail "generate printed no URI: $aes" ;; esac
kw "$KW" hsm list --uri "$aes" --pin-file "$pf" >"$work/list"
grep -q "never extractable" "$work/list" || fail "listing: $(cat "$work/list")"

hmac=$(kw "$KW" secret generate --token "$tok" --type hmac:512 \
    --label gen-hmac --pin-file "$pf" 2>/dev/null)
mac_kw "$hmac" -macopt digest:SHA512 KEYWARD-HMAC >"$work/m1"
[ "$(tr -d '\n' <"$work/m1" | wc -c)" -eq 128 ] || fail "HMAC-SHA512 size"
mac_kw "$hmac" -macopt digest:SHA512 KEYWARD-HMAC >"$work/m2"
cmp -s "$work/m1" "$work/m2" || fail "HMAC not deterministic"

# AES-CMAC wants an AES key that may sign.
cmac=$(kw "$KW" secret generate --token "$tok" --type aes:128 \
    --usage sign,verify --label gen-cmac --pin-file "$pf" 2>/dev/null)
mac_kw "$cmac" KEYWARD-CMAC >"$work/m3"
[ "$(tr -d '\n' <"$work/m3" | wc -c)" -eq 32 ] || fail "CMAC size"
# The AES-256 key (encrypt/decrypt only) may not.
expect_fail "CKA_SIGN is false" openssl mac $P \
    -in "$work/msg" -macopt "pkcs11_uri:$aes?$pin" KEYWARD-CMAC

# --- unwrap ----------------------------------------------------------------
# A key-encryption key with a known value (test only), the way a
# provisioning system shares it with the device's token.
kek=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
printf '%s' "$kek" | xxd -r -p >"$work/kek.bin"
KW_FIXTURE_PIN=$(cat "$pf")
export KW_FIXTURE_PIN
pkcs11-tool --module "$KW_MODULE" --token-label "$KW_TOKEN_LABEL" --login \
    --pin env:KW_FIXTURE_PIN --write-object "$work/kek.bin" --type secrkey \
    --key-type AES:32 --label kek-test --usage-wrap --sensitive \
    >/dev/null 2>"$work/p11.err" || fail "KEK: $(cat "$work/p11.err")"

# RFC 3394 section 4.6: 256 bits of key data wrapped with a 256-bit KEK.
data=00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F
printf '%s' 28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21 |
    xxd -r -p >"$work/wrapped"
u=$(kw "$KW" secret unwrap --wrapping-key "$tok;object=kek-test" \
    --in "$work/wrapped" --type aes --usage sign,verify \
    --label unwrapped-3394 --pin-file "$pf" 2>"$work/unwrap.err") ||
    fail "unwrap: $(cat "$work/unwrap.err")"
grep -q "'unwrapped-3394', 256 bits.*, sensitive, never extractable" \
    "$work/unwrap.err" || fail "unwrap: $(cat "$work/unwrap.err")"
mac_kw "$u" -macopt cipher:AES-256-CBC KEYWARD-CMAC >"$work/a"
openssl mac -macopt "hexkey:$data" -macopt cipher:AES-256-CBC \
    -in "$work/msg" CMAC >"$work/b"
cmp -s "$work/a" "$work/b" || fail "unwrapped key is not RFC 3394's key data"

# RFC 5649 (with padding): a 40-byte HMAC key wrapped by the openssl command.
hkey=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627
printf '%s' "$hkey" | xxd -r -p >"$work/hkey.bin"
openssl enc -id-aes256-wrap-pad -K "$kek" -iv A65959A6 -in "$work/hkey.bin" \
    -out "$work/hwrapped"
u=$(kw "$KW" secret unwrap --wrapping-key "$tok;object=kek-test" --pad \
    --in "$work/hwrapped" --type hmac --label unwrapped-5649 \
    --pin-file "$pf" 2>/dev/null) || fail "unwrap --pad"
mac_kw "$u" -macopt digest:SHA256 KEYWARD-HMAC >"$work/a"
openssl mac -macopt "hexkey:$hkey" -macopt digest:SHA256 -in "$work/msg" \
    HMAC >"$work/b"
cmp -s "$work/a" "$work/b" || fail "unwrapped HMAC key differs"

# --- bad input ----------------------------------------------------------
printf 'garbage!garbage!garbage!' >"$work/bad"
expect_fail "unwrapping" "$KW" secret unwrap --wrapping-key "$tok;object=kek-test" \
    --in "$work/bad" --type aes --label bad --pin-file "$pf"
printf 'short' >"$work/short"
expect_fail "a wrapped AES key has 24, 32 or 40" "$KW" secret unwrap \
    --wrapping-key "$tok;object=kek-test" --in "$work/short" --type aes \
    --label bad --pin-file "$pf"
# A key made for encryption only may not unwrap (generated keys get the
# usages asked for and no other); an HMAC key is the wrong type.
expect_fail "not an unwrapping key" "$KW" secret unwrap \
    --wrapping-key "$aes" --in "$work/wrapped" --type aes \
    --label bad --pin-file "$pf"
expect_fail "UNWRAPPING_KEY_TYPE_INCONSISTENT" "$KW" secret unwrap \
    --wrapping-key "$KW_HMAC256_URI" --in "$work/wrapped" --type aes \
    --label bad --pin-file "$pf"
expect_fail "aes:128, aes:192 or aes:256" "$KW" secret generate --token "$tok" \
    --type aes:100 --label x --pin-file "$pf"
expect_fail "--label is required" "$KW" secret generate --token "$tok" \
    --type aes:128 --pin-file "$pf"
expect_fail "--usage takes" "$KW" secret generate --token "$tok" \
    --type aes:128 --label x --usage fly --pin-file "$pf"
expect_fail "--type is aes or hmac" "$KW" secret unwrap --wrapping-key "$tok" \
    --in "$work/wrapped" --type rsa --label x --pin-file "$pf"
echo "ok: keyward secret"
