#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs Keyward's benchmarks and prints the tables docs/BENCHMARKS.md records.
#   bench/run.sh [BUILD_DIR] [SECONDS] [PART...]
# PART: hsm (hsm/ against a bare PKCS#11 loop on a throwaway SoftHSM token)
#       service (keywardd against in-process EVP, on the service test keys)
#       service-token (keywardd on a SoftHSM key through the keyward
#              provider against the provider in-process and p11-kit server
#              forwarding the same token; 1, 2, 8 client processes;
#              $KW_BENCH_WORKERS sets keywardd's workers, default its own)
#       tpm (keyward on tpm2-pkcs11 against the tpm2-openssl provider and a
#              bare tpm2-pkcs11 loop, on one swtpm behind tpm2-abrmd)
#       assoc (EDHOC handshakes, key updates, seal+open through two keywardd
#              against the same EDHOC code in-process; memory at
#              $KW_ASSOCS associations, default 10000)
#       provider (keyward through EVP against the bare loop and libp11's
#       engine, first signature, TLS 1.3 handshakes)
#       cipher (AES-256-GCM seals and DHKEM(P-256) decapsulations through
#       the provider against bare PKCS#11 loops and the default provider)
# Build with -DCMAKE_BUILD_TYPE=Release first; run on an otherwise idle
# machine: the numbers are ratios against baselines measured in the same run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-build}" 2>/dev/null && pwd) || build=${1:-build}
secs=${2:-2}
shift 2 2>/dev/null || shift $#
parts=${*:-hsm service service-token provider cipher assoc tpm}
[ -x "$build/bench/bench_hsm_sign" ] || {
    echo "build first: cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build" >&2
    exit 1
}
dir=$(mktemp -d /tmp/kwbench-XXXXXX)
pid=
pid2=
tpm_dir=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid2" ] && kill $pid2 2>/dev/null
[ -n "$tpm_dir" ] && "$src/tests/fixtures/tpm-token.sh" cleanup "$tpm_dir"; rm -rf "$dir"' EXIT
echo "## $(date -u +%Y-%m-%d) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

for part in $parts; do
case $part in
hsm)
    echo
    "$src/tests/fixtures/softhsm-token.sh" setup "$dir/hsm" >/dev/null
    "$build/bench/bench_hsm_sign" --vars "$dir/hsm/test-vars.sh" --seconds "$secs"
    ;;
service)
    echo
    sh "$src/tests/service/svc-fixture.sh" "$dir/svc" >/dev/null
    # Audit lines would measure the disk: the benchmark turns them off.
    sed -i 's/^audit = "stderr";/audit = "none";/' "$dir/svc/keywardd.conf"
    "$build/service/keywardd" -c "$dir/svc/keywardd.conf" 2>"$dir/svc/log" &
    pid=$!
    while ! [ -S "$dir/svc/s" ]; do sleep 0.05; done
    for key in ec256 rsa2048; do
        "$build/bench/bench_sign" --socket "$dir/svc/s" --key $key \
            --uri "file:$dir/svc/$key.pem" --server-pid $pid --seconds "$secs"
        echo
    done
    kill $pid; wait $pid 2>/dev/null || true; pid=
    ;;
tpm)
    # keyward (provider -> hsm/ -> tpm2-pkcs11) against the tpm2-openssl
    # provider on the same swtpm behind the same tpm2-abrmd, its keys made
    # with the openssl CLI on that TPM.
    echo
    tpm_dir=$dir/tpm
    "$src/tests/fixtures/tpm-token.sh" setup "$tpm_dir" >/dev/null
    (
        set -a
        . "$tpm_dir/test-vars.sh"
        set +a
        export OPENSSL_CONF=/dev/null
        for k in "EC group:P-256 ec256" "RSA bits:2048 rsa2048"; do
            set -- $k
            openssl genpkey -provider tpm2 -provider default \
                -propquery '?provider=tpm2' -algorithm "$1" -pkeyopt "$2" \
                -out "$tpm_dir/tpm2-$3.pem" 2>"$tpm_dir/genpkey.err" ||
                { cat "$tpm_dir/genpkey.err" >&2; exit 1; }
        done
        OPENSSL_MODULES="$build/provider" "$build/bench/bench_tpm" \
            --vars "$tpm_dir/test-vars.sh" --ossl-ec "$tpm_dir/tpm2-ec256.pem" \
            --ossl-rsa "$tpm_dir/tpm2-rsa2048.pem" --seconds "$secs"
    )
    "$src/tests/fixtures/tpm-token.sh" cleanup "$tpm_dir"
    tpm_dir=
    ;;
service-token)
    # keywardd with SoftHSM keys through the keyward provider (pkcs11: URIs)
    # against the provider in-process and p11-kit server forwarding the
    # same token to clients whose keyward provider loads p11-kit-client.so.
    echo
    st=$dir/st
    "$src/tests/fixtures/softhsm-token.sh" setup "$st" >/dev/null
    stvar() { sed -n "s/^$1='\\(.*\\)'\$/\\1/p" "$st/test-vars.sh"; }
    module=$(stvar KW_MODULE)
    cat >"$st/keywardd.conf" <<EOC
socket = { path = "$st/s"; mode = "0600"; };
audit = "none";
${KW_BENCH_WORKERS:+workers = $KW_BENCH_WORKERS;}
providers = (
  { name = "default"; },
  { name = "keyward"; module = "$build/provider/keyward.so";
    params = { pkcs11-module-path = "$module"; }; }
);
tokens = ( { name = "tok"; uri = "$(stvar KW_TOKEN_URI)"; provider = "keyward";
             pin_file = "$(stvar KW_PIN_FILE)"; } );
keys = (
  { name = "ec256"; uri = "$(stvar KW_EC256_URI);type=private"; token = "tok"; },
  { name = "rsa2048"; uri = "$(stvar KW_RSA2048_URI);type=private"; token = "tok"; }
);
policy = ( { uids = [ $(id -u) ]; keys = [ "ec256", "rsa2048" ];
             operations = [ "all" ]; } );
EOC
    SOFTHSM2_CONF=$st/softhsm2.conf "$build/service/keywardd" -c "$st/keywardd.conf" 2>"$st/log" &
    pid=$!
    SOFTHSM2_CONF=$st/softhsm2.conf p11-kit server -f -n "$st/p11" \
        --provider "$module" "$(stvar KW_TOKEN_URI)" >"$st/p11.log" 2>&1 &
    pid2=$!
    while ! [ -S "$st/s" ] || ! [ -S "$st/p11" ]; do
        kill -0 $pid 2>/dev/null || { cat "$st/log" >&2; exit 1; }
        kill -0 $pid2 2>/dev/null || { cat "$st/p11.log" >&2; exit 1; }
        sleep 0.05
    done
    SOFTHSM2_CONF=$st/softhsm2.conf P11_KIT_SERVER_ADDRESS="unix:path=$st/p11" \
    OPENSSL_MODULES="$build/provider" OPENSSL_CONF=/dev/null \
        "$build/bench/bench_svc_token" --vars "$st/test-vars.sh" --socket "$st/s" \
        --server-pid $pid --p11kit-pid $pid2 --seconds "$secs"
    kill $pid $pid2; wait $pid $pid2 2>/dev/null || true; pid=; pid2=
    ;;
assoc)
    # File keys, then (with the keyward provider built) the same with each
    # side's keys in a SoftHSM token: keywardd and the in-process handshake
    # then load them by pkcs11: URI.
    modes=file
    [ -f "$build/provider/keyward.so" ] && modes="file softhsm"
    for keys in $modes; do
    echo
    echo "### keys: $keys"
    as=$dir/as-$keys
    KW_ASSOC_KEYS=$keys KW_BUILD_DIR=$build sh "$src/tests/service/assoc-fixture.sh" "$as" >/dev/null
    hsm=
    inproc="--dir $as"
    if [ $keys = softhsm ]; then
        hsm=$as/hsm/softhsm2.conf
        cat >"$as/bench.cnf" <<EOC
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
keyward = keyward_sect
[default_sect]
activate = 1
[keyward_sect]
module = $build/provider/keyward.so
pkcs11-module-path = /usr/lib/softhsm/libsofthsm2.so
activate = 1
EOC
        inproc="--openssl-conf $as/bench.cnf --ca $as/pki/ca-cert.pem"
        for side in a b; do
            inproc="$inproc --key-$side pkcs11:token=kw-$side;object=p256;type=private?pin-source=file:$as/$side/pin --chain-$side $as/$side/p256-chain.pem"
        done
    fi
    for side in a b; do
        sed -i 's/^audit = "stderr";/audit = "none";/' "$as/$side/keywardd.conf"
    done
    SOFTHSM2_CONF=$hsm "$build/service/keywardd" -c "$as/a/keywardd.conf" 2>"$as/a/log" &
    pid=$!
    while ! [ -S "$as/a/s" ]; do
        kill -0 $pid 2>/dev/null || { cat "$as/a/log" >&2; exit 1; }
        sleep 0.05
    done
    SOFTHSM2_CONF=$hsm "$build/service/keywardd" -c "$as/b/keywardd.conf" 2>"$as/b/log" &
    pid2=$!
    while ! [ -S "$as/b/s" ]; do
        kill -0 $pid2 2>/dev/null || { cat "$as/b/log" >&2; exit 1; }
        sleep 0.05
    done
    set -f # the URIs hold '?'
    for method in 3 0; do
        # shellcheck disable=SC2086
        SOFTHSM2_CONF=$hsm "$build/bench/bench_assoc" --a "$as/a/s" --b "$as/b/s" \
            $inproc --method $method --seconds "$secs" --pid-a $pid --pid-b $pid2 \
            --assocs "$([ $method = 3 ] && [ $keys = file ] && echo "${KW_ASSOCS:-10000}" || echo 0)"
        echo
    done
    set +f
    kill $pid $pid2; wait $pid $pid2 2>/dev/null || true; pid=; pid2=
    done
    ;;
provider)
    echo
    "$src/tests/fixtures/softhsm-token.sh" setup "$dir/prov" >/dev/null
    sh "$src/bench/device-token.sh" "$dir/device"
    # keyward.so as users load it; the token shared, not copied per process.
    export OPENSSL_MODULES="$build/provider" OPENSSL_CONF=/dev/null KW_SHARED_TOKEN=1
    "$build/bench/bench_provider" sign --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    echo
    "$build/bench/bench_libp11" --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    echo
    "$build/bench/bench_provider" first --vars "$dir/device/test-vars.sh"
    echo
    "$build/bench/bench_provider" tls --vars "$dir/prov/test-vars.sh" --seconds "$secs"
    ;;
cipher)
    echo
    "$src/tests/fixtures/softhsm-token.sh" setup "$dir/cipher" >/dev/null
    OPENSSL_MODULES="$build/provider" OPENSSL_CONF=/dev/null KW_SHARED_TOKEN=1 \
        "$build/bench/bench_cipher" --vars "$dir/cipher/test-vars.sh" --seconds "$secs"
    ;;
*) echo "unknown part: $part" >&2; exit 2 ;;
esac
done
