#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_cli.sh: the keyward tool's keywardd subcommands against a real keywardd;
# signatures checked by the openssl CLI.
. "$(dirname "$0")/svc-lib.sh"
svc_start
kw="$KW_BUILD_DIR/tools/keyward/keyward"
export KEYWARD_SOCKET=$KW_SOCK
cd "$KW_DIR"
pass=0
ok() { pass=$((pass + 1)); }

# keys: every key with its operations; ec256 has a certificate.
"$kw" keys >keys.out || fail "keyward keys"
grep -q '^ec256 .*EC .*256 P-256 .*sign.*\[certificate\]' keys.out || fail "keys: $(cat keys.out)"
[ "$(wc -l <keys.out)" -eq 5 ] || fail "keys: expected 5 lines"
ok

# pubkey: PEM equals the key file's public key; the chain has 2 certificates.
"$kw" pubkey ec256 >pub.pem || fail "pubkey"
cmp -s pub.pem ec256-pub.pem || fail "pubkey differs from ec256-pub.pem"
"$kw" pubkey --certs ec256 >chain.pem || fail "pubkey --certs"
[ "$(grep -c 'BEGIN CERTIFICATE' chain.pem)" -eq 2 ] || fail "chain"
ok

# sign: a small file (sent whole) and a 100 KiB file (hashed locally).
printf 'hello keyward\n' >small
head -c 102400 /dev/urandom >large
for f in small large; do
    "$kw" sign -k ec256 -o "$f.sig" "$f" || fail "sign $f"
    openssl dgst -sha256 -verify pub.pem -signature "$f.sig" "$f" >/dev/null || fail "openssl verify $f"
    "$kw" verify -k ec256 -S "$f.sig" "$f" >/dev/null || fail "keyward verify $f"
done
"$kw" sign -k rsa2048 -a rsa-pss-sha384 -o large.rsa.sig large || fail "sign rsa"
openssl pkey -in rsa2048.pem -pubout -out rsa-pub.pem
openssl dgst -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 \
    -verify rsa-pub.pem -signature large.rsa.sig large >/dev/null || fail "openssl verify rsa-pss"
"$kw" sign -k ed25519 -o small.ed.sig small || fail "sign ed25519"
if "$kw" sign -k ed25519 -o large.ed.sig large 2>err.txt; then fail "EdDSA over 32 KiB must be refused"; fi
grep -q "EdDSA" err.txt || fail "EdDSA refusal message: $(cat err.txt)"
if "$kw" verify -k ec256 -S small.sig large >/dev/null; then fail "wrong signature accepted"; fi
if "$kw" sign -k peer-pub small >/dev/null 2>err.txt; then fail "sign with a public key"; fi
grep -q "status 7" err.txt || fail "expected PERMISSION_DENIED: $(cat err.txt)"
ok

# session: encapsulate to rsa2048, decapsulate with it, seal a 40 KiB file
# (three records) with one end and open it with the other.
"$kw" pubkey rsa2048 >rsa.pem
a=$("$kw" session encap --peer rsa.pem -o ct.bin) || fail "encap"
b=$("$kw" session decap -k rsa2048 -i ct.bin) || fail "decap"
head -c 40000 /dev/urandom >plain
"$kw" seal -H "$a" --aad hdr -o sealed plain || fail "seal"
"$kw" open -H "$b" --aad hdr -o opened sealed || fail "open"
cmp -s plain opened || fail "opened file differs"
if "$kw" open -H "$b" --aad other -o /dev/null sealed 2>/dev/null; then fail "wrong AAD accepted"; fi
[ "$("$kw" session rekey "$a")" = "epoch 1" ] || fail "rekey a"
[ "$("$kw" session rekey "$b")" = "epoch 1" ] || fail "rekey b"
"$kw" seal -H "$b" -o sealed2 small && "$kw" open -H "$a" -o opened2 sealed2 || fail "after rekey"
cmp -s small opened2 || fail "after rekey: differs"
"$kw" session close "$a" && "$kw" session close "$b" || fail "close"
if "$kw" session close "$a" 2>/dev/null; then fail "closed handle still known"; fi
ok

# metrics: counters per method.
"$kw" metrics >metrics.out || fail "metrics"
grep -q '^Sign ' metrics.out && grep -q '^Seal ' metrics.out || fail "metrics: $(cat metrics.out)"
ok

svc_stop || fail "keywardd exit status $?"
echo "$pass passed, 0 failed"
