#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TLS 1.3 and 1.2 with mutual authentication and keys in SoftHSM: openssl
# s_server with keyward against s_client with file keys (default provider),
# both keys in the token, and the reverse (a keyward client key against a
# file-key server). Every handshake verifies the peer's certificate.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
set -f # URIs hold "?": never a glob
tok=$KW_TOKEN_URI

# handshake NAME SERVER_ARGS -- CLIENT_ARGS: one connection, both ways.
handshake() {
    name=$1
    shift
    srv_args=""
    while [ "$1" != "--" ]; do
        srv_args="$srv_args $1"
        shift
    done
    shift
    # shellcheck disable=SC2086 # word splitting of the argument lists
    s_server_start "$work/srv.log" $srv_args -CAfile "$KW_CA_CERT" \
        -Verify 1 -verify_return_error
    # shellcheck disable=SC2086
    echo "ping from the client" | kw openssl s_client \
        -connect "127.0.0.1:$port" -CAfile "$KW_CA_CERT" \
        -verify_return_error -verify_hostname localhost "$@" \
        >"$work/cli.log" 2>&1 || {
        cat "$work/cli.log" "$work/srv.log" >&2
        fail "$name: client"
    }
    wait "$srv_pid" || true
    grep -q "Verify return code: 0 (ok)" "$work/cli.log" ||
        { cat "$work/cli.log" >&2; fail "$name: server certificate"; }
    grep -q "ping from the client" "$work/srv.log" ||
        { cat "$work/srv.log" >&2; fail "$name: no data through"; }
    grep -q "^depth=0 CN = " "$work/srv.log" ||
        { cat "$work/srv.log" >&2; fail "$name: no client certificate"; }
    echo "ok   $name"
}

ec_srv="$P -key $tok;object=ec256?$pin -cert $KW_EC256_CERT"
# The client's token key: P-521 where the token has it (SoftHSM), else the
# P-256 key (a TPM fixture: tpm2-pkcs11 cannot sign with P-521).
if [ -n "${KW_EC521_CERT:-}" ]; then
    ec_cli_tok="$P -key $tok;object=ec521?$pin -cert $KW_EC521_CERT"
else
    ec_cli_tok="$P -key $tok;object=ec256?$pin -cert $KW_EC256_CERT"
fi
# TLS 1.3 signs with RSA-PSS only: a token without CKM_RSA_PKCS_PSS
# (tpm2-pkcs11) gets PSS encoded by keyward and signed with raw RSA.
rsa_versions="-tls1_3 -tls1_2"
file_cli="-key $KW_FILE_CLIENT_KEY -cert $KW_FILE_CLIENT_CERT"
file_srv="-key $KW_FILE_SERVER_KEY -cert $KW_FILE_SERVER_CERT"

for v in -tls1_3 -tls1_2; do
    # shellcheck disable=SC2086
    handshake "ECDSA server key in the token $v" $ec_srv $v -- $file_cli $v
    # shellcheck disable=SC2086
    handshake "both keys in the token $v" $ec_srv $v -- $ec_cli_tok $v
    # shellcheck disable=SC2086
    handshake "client key in the token $v" $file_srv $v -- $ec_cli_tok $v
done
for v in $rsa_versions; do
    # shellcheck disable=SC2086
    handshake "RSA server key in the token $v" \
        $P -key "$tok;object=rsa2048?$pin" -cert "$KW_RSA2048_CERT" $v -- \
        $file_cli $v
done
# TLS 1.3 signs with RSA-PSS (salt = digest length); TLS 1.2 with PKCS#1.
if [ -n "${KW_ED25519_CERT:-}" ]; then
    # shellcheck disable=SC2086
    handshake "Ed25519 server key in the token -tls1_3" \
        $P -key "$tok;object=ed25519?$pin" -cert "$KW_ED25519_CERT" -tls1_3 -- \
        $file_cli -tls1_3
else
    echo "skip Ed25519 server key: this token holds no Ed25519 key"
fi
# TLS 1.2 with RSA key exchange: the premaster secret decrypted in the token.
# shellcheck disable=SC2086
handshake "RSA key exchange -tls1_2" \
    $P -key "$tok;object=rsa2048?$pin" -cert "$KW_RSA2048_CERT" -tls1_2 \
    -cipher AES128-GCM-SHA256 -- $file_cli -tls1_2 -cipher AES128-GCM-SHA256
echo "PASS"
