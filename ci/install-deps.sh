#!/bin/sh
# Installs, with apt, every Debian 12 package that Keyward's build, tests and
# demo need. Does nothing when they are all present. Run as root.
set -eu

PACKAGES="
build-essential cmake pkg-config clang libclang-rt-14-dev
libssl-dev openssl libp11-kit-dev p11-kit p11-kit-modules
softhsm2 opensc gnutls-bin libengine-pkcs11-openssl
libgrpc-dev protobuf-compiler nanopb libnanopb-dev
python3-grpcio python3-protobuf
libconfig-dev libsystemd-dev
mosquitto mosquitto-clients
swtpm swtpm-tools tpm2-tools libtpm2-pkcs11-1 libtpm2-pkcs11-tools
tpm2-abrmd libtss2-tcti-tabrmd0 tpm2-openssl dbus
valgrind util-linux procps iproute2 xxd systemd
"

# Node.js runs the npm HPKE test peer. Machines of this kind ship Node.js 20
# (with npm) outside Debian's packages; Debian's own is used only when absent.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

# JavaScript test peers (tests/peers: @hpke/core, an independent HPKE
# implementation) from the npm registry, exactly as package-lock.json pins
# them, into tests/peers/node_modules (ignored by git). Tests never download.
install_npm_peers() {
    peers="$(cd "$(dirname "$0")/.." && pwd)/tests/peers"
    [ -f "$peers/package-lock.json" ] || return 0
    if [ -f "$peers/node_modules/.package-lock.json" ] &&
        [ "$peers/node_modules/.package-lock.json" -nt "$peers/package-lock.json" ]; then
        echo "install-deps: npm test peers present"
        return 0
    fi
    command -v npm >/dev/null 2>&1 || {
        echo "install-deps: npm missing; cannot install tests/peers" >&2
        return 1
    }
    echo "install-deps: installing npm test peers into $peers/node_modules"
    (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
}

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    install_npm_peers
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root, or: apt-get install -y$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
install_npm_peers
