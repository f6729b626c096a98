#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# svc-fixture.sh: makes a keywardd test directory: keys as PEM files (named by
# file: URIs, read through OSSL_STORE like pkcs11: URIs), a certificate chain,
# a PIN-protected key and a configuration.
#
#   svc-fixture.sh DIR [SESSIONS [SOCKET]]
# SESSIONS: body of the sessions = { } group; SOCKET: socket settings after
# the path (default: mode = "0666";).
# DIR must be short (the socket DIR/s must stay under 108 bytes) and is made
# world-searchable so a test can connect as another uid.
set -eu
dir=${1:?usage: svc-fixture.sh DIR [SESSIONS]}
sessions=${2:-}
socket_opts=${3:-'mode = "0666";'}
mkdir -p "$dir"
chmod 755 "$dir"
cd "$dir"
umask 022

gen() { openssl genpkey -quiet "$@" 2>/dev/null || openssl genpkey "$@" >/dev/null 2>&1; }
printf '%s\n' "test-pin-$$" >pin
chmod 600 pin
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec256.pem
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -aes-256-cbc -pass file:pin -out ec384.pem
gen -algorithm ED25519 -out ed25519.pem
gen -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.pem
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out peer.pem
openssl pkey -in peer.pem -pubout -out peer-pub.pem
openssl pkey -in ec256.pem -pubout -out ec256-pub.pem
# A two-certificate chain for ec256: CA, then the leaf signed by it.
gen -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.pem
openssl req -x509 -new -key ca.pem -subj /CN=keyward-test-ca -days 2 -out ca-cert.pem 2>/dev/null
openssl req -new -key ec256.pem -subj /CN=keyward-test-ec256 -out ec256.csr 2>/dev/null
openssl x509 -req -in ec256.csr -CA ca-cert.pem -CAkey ca.pem -CAcreateserial \
    -days 2 -out ec256-cert.pem 2>/dev/null
cat ec256-cert.pem ca-cert.pem >ec256-chain.pem

me=$(id -u)
d=$(pwd)
cat >keywardd.conf <<EOC
# keywardd test configuration (written by tests/service/svc-fixture.sh)
socket = { path = "$d/s"; $socket_opts };
workers = 4;
drain_timeout = 5;
audit = "stderr";
providers = ( { name = "default"; } );
tokens = ( { name = "files"; uri = "file:$d"; provider = "default"; } );
keys = (
  { name = "ec256"; uri = "file:$d/ec256.pem"; token = "files";
    certificate = "file:$d/ec256-chain.pem"; },
  { name = "ec384"; uri = "file:$d/ec384.pem"; pin_file = "$d/pin"; },
  { name = "ed25519"; uri = "file:$d/ed25519.pem"; },
  { name = "rsa2048"; uri = "file:$d/rsa2048.pem"; },
  { name = "peer-pub"; uri = "file:$d/peer-pub.pem"; }
);
policy = (
  { uids = [ $me ]; keys = [ "ec256", "ec384", "ed25519", "rsa2048", "peer-pub" ];
    operations = [ "all" ]; },
  { uids = [ 65534 ]; keys = [ "ec256" ]; operations = [ "public", "verify" ]; },
  { uids = [ 65534 ]; keys = [ "rsa2048" ]; operations = [ "decapsulate" ]; }
);
metrics = { uids = [ $me ]; };
sessions = { $sessions };
EOC
