#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A device-sized SoftHSM token for the first-signature benchmark: one token
# holding one P-256 key pair, as a device has (the test fixture's two tokens
# of many objects make SoftHSM's own start-up the larger part). Writes
# DIR/test-vars.sh in the fixture's format. Usage: device-token.sh DIR
set -eu
dir=${1:?usage: device-token.sh DIR}
module=${KW_SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
    "$dir" >"$dir/softhsm2.conf"
export SOFTHSM2_CONF="$dir/softhsm2.conf"
pin=$(od -An -N6 -tu1 /dev/urandom | tr -d ' \n' | cut -c1-8)
umask 077
printf '%s\n' "$pin" >"$dir/pin"
softhsm2-util --init-token --free --label device --pin "$pin" --so-pin "$pin$pin" >/dev/null
pkcs11-tool --module "$module" --token-label device --login --pin "$pin" \
    --keypairgen --key-type EC:prime256v1 --label ec256 --id 01 --usage-sign \
    >/dev/null 2>&1
cat >"$dir/test-vars.sh" <<EOV
KW_TOKEN_DRIVER='softhsm'
KW_MODULE='$module'
SOFTHSM2_CONF='$dir/softhsm2.conf'
KW_FIXTURE_DIR='$dir'
KW_PIN='$pin'
KW_PIN_FILE='$dir/pin'
KW_TOKEN_LABEL='device'
KW_TOKEN_URI='pkcs11:token=device'
KW_EC256_URI='pkcs11:token=device;object=ec256'
EOV
