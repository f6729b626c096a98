#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The first thing a new user runs: installs what is missing, builds Keyward,
# and shows the main job end to end on a throwaway SoftHSM token that is
# deleted afterwards. Run as root from the repository root on Debian 12.
#
#   ci/demo.sh            run the demo
#   ci/demo.sh --keep     keep the token and the build for a look afterwards
set -eu
cd "$(dirname "$0")/.."

keep=false
for arg in "$@"; do
    case $arg in
    --keep) keep=true ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
    esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { printf '   \342\234\223 %s\n' "$*"; }
die() { printf '   \342\234\227 %s\n' "$*" >&2; exit 1; }

step "Installing what is missing (Debian packages)"
ci/install-deps.sh

step "Building Keyward (release) into build/demo"
mkdir -p build
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release >build/demo.log 2>&1 ||
    { cat build/demo.log; die "configure failed"; }
cmake --build build/demo -j"$(nproc)" >>build/demo.log 2>&1 ||
    { tail -30 build/demo.log; die "build failed (full log: build/demo.log)"; }
ok "built build/demo/tools/keyward/keyward"
kw=$PWD/build/demo/tools/keyward/keyward

work=$(mktemp -d /tmp/keyward-demo-XXXXXX)
cleanup() { $keep || rm -rf "$work"; }
trap cleanup EXIT

step "Creating a throwaway SoftHSM token in $work"
mkdir -p "$work/tokens"
cat >"$work/softhsm2.conf" <<EOF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
EOF
export SOFTHSM2_CONF="$work/softhsm2.conf"
export KEYWARD_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
umask 077
od -An -N8 -tx1 /dev/urandom | tr -d ' \n' >"$work/pin"
# OpenSC's pkcs11-tool takes PINs from the environment (env:NAME), so no PIN
# ever shows on a command line; the SO PIN lives only in this process.
DEMO_PIN=$(cat "$work/pin")
DEMO_SO_PIN=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
export DEMO_PIN DEMO_SO_PIN
pkcs11-tool --module "$KEYWARD_PKCS11_MODULE" --init-token --slot-index 0 \
    --label keyward-demo --so-pin env:DEMO_SO_PIN >/dev/null 2>&1 &&
pkcs11-tool --module "$KEYWARD_PKCS11_MODULE" --token-label keyward-demo \
    --init-pin --so-pin env:DEMO_SO_PIN --pin env:DEMO_PIN >/dev/null 2>&1 ||
    die "cannot initialise the token"
unset DEMO_SO_PIN
token="pkcs11:token=keyward-demo"
ok "token 'keyward-demo'; its PIN is in $work/pin (mode 0600), never on a command line"
"$kw" hsm tokens | sed 's/^/   /'

step "Generating keys inside the token"
for spec in ec:P-256 rsa:2048 ed25519 aes:256; do
    label="demo-$(echo "$spec" | tr ':' '-' | tr 'A-Z' 'a-z')"
    "$kw" hsm keygen --token "$token" --type "$spec" --label "$label" \
        --pin-file "$work/pin" >/dev/null
    ok "$spec as '$label'"
done
echo
"$kw" hsm list --uri "$token" --pin-file "$work/pin" |
    sed -e 's/pkcs11:model=[^;]*;manufacturer=[^;]*;serial=[^;]*;/pkcs11:/' -e 's/^/   /'

step "Signing in the token, verifying with the openssl command line"
printf 'sensor 17: 21.4 C at %s\n' "$(date -u +%FT%TZ)" >"$work/reading.txt"
for label in demo-ec-p-256 demo-rsa-2048 demo-ed25519; do
    uri="$token;object=$label;type=private"
    "$kw" hsm sign --uri "$uri" --in "$work/reading.txt" --out "$work/$label.sig" \
        --pin-file "$work/pin"
    "$kw" hsm pubkey --uri "$uri" --out "$work/$label.pub.pem" --pin-file "$work/pin"
    if [ "$label" = demo-ed25519 ]; then
        openssl pkeyutl -verify -pubin -inkey "$work/$label.pub.pem" -rawin \
            -in "$work/reading.txt" -sigfile "$work/$label.sig" >/dev/null
    else
        openssl dgst -sha256 -verify "$work/$label.pub.pem" \
            -signature "$work/$label.sig" "$work/reading.txt" >/dev/null
    fi || die "$label: openssl could not verify the signature"
    ok "$label: $(wc -c <"$work/$label.sig") byte signature, verified by openssl"
done
printf 'sensor 17: 99.9 C\n' >"$work/forged.txt"
if openssl dgst -sha256 -verify "$work/demo-ec-p-256.pub.pem" \
    -signature "$work/demo-ec-p-256.sig" "$work/forged.txt" >/dev/null 2>&1; then
    die "a forged reading verified"
fi
ok "a forged reading with the same signature is rejected"

step "What the host can get out of the token"
# OpenSC's pkcs11-tool, an independent tool, asks the token for key values.
p11() {
    pkcs11-tool --module "$KEYWARD_PKCS11_MODULE" --token-label keyward-demo \
        --login --pin env:DEMO_PIN "$@"
}
if p11 --read-object --type secrkey --label demo-aes-256 -o "$work/leak" \
    >"$work/p11.out" 2>&1; then
    die "the AES key value could be read out"
fi
grep -q CKR_ATTRIBUTE_SENSITIVE "$work/p11.out" || die "unexpected: $(cat "$work/p11.out")"
ok "reading the AES key's value: the token answers CKR_ATTRIBUTE_SENSITIVE"
p11 -O --type privkey 2>/dev/null | grep -E "label|Access" | paste - - |
    sed -e 's/^ *label: */   token says: /' -e 's/ *Access: */ -> /'
p11 -O --type privkey 2>/dev/null | grep Access | grep -qv "never extractable" &&
    die "a private key is extractable"
ok "every private key: sensitive, never extractable (the token's own attributes)"

step "Summary"
ok "4 keys generated in the token, 3 signatures made there and checked by OpenSSL"
ok "no private key ever existed outside the token"
if $keep; then
    echo "   kept: $work (SOFTHSM2_CONF=$SOFTHSM2_CONF)"
else
    echo "   the throwaway token is deleted now"
fi
