#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A different TLS stack as the peer: gnutls-cli (file keys) against openssl
# s_server with its key in SoftHSM through keyward, TLS 1.3 and 1.2 with a
# client certificate; and gnutls-serv (file key, client certificate
# required) against a keyward client key.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"
set -f # URIs hold "?": never a glob
tok=$KW_TOKEN_URI
srv_key="$tok;object=ec256?$pin"

for vers in TLS1.3 TLS1.2; do
    case $vers in
    TLS1.3) ov=-tls1_3 ;;
    *) ov=-tls1_2 ;;
    esac
    for key in ec256:$KW_EC256_CERT rsa2048:$KW_RSA2048_CERT; do
        label=${key%%:*}
        cert=${key#*:}
        s_server_start "$work/srv.log" $P -key "$tok;object=$label?$pin" \
            -cert "$cert" -CAfile "$KW_CA_CERT" -Verify 1 \
            -verify_return_error $ov
        echo "ping from gnutls" | timeout 20 gnutls-cli -p "$port" localhost \
            --x509cafile "$KW_CA_CERT" --x509certfile "$KW_FILE_CLIENT_CERT" \
            --x509keyfile "$KW_FILE_CLIENT_KEY" \
            --priority "NORMAL:-VERS-ALL:+VERS-$vers" >"$work/cli.log" 2>&1 || {
            cat "$work/cli.log" "$work/srv.log" >&2
            fail "gnutls-cli $vers against a $label token key"
        }
        wait "$srv_pid" || true
        grep -q "Handshake was completed" "$work/cli.log" ||
            { cat "$work/cli.log" >&2; fail "$vers $label: no handshake"; }
        grep -q "ping from gnutls" "$work/srv.log" ||
            { cat "$work/srv.log" >&2; fail "$vers $label: no data"; }
        grep -q "^depth=0 CN = file-client" "$work/srv.log" ||
            { cat "$work/srv.log" >&2; fail "$vers $label: no client cert"; }
        echo "ok   gnutls-cli $vers, server key $label in the token"
    done

    # The reverse: the client's key in the token, gnutls-serv with a file key.
    gport=$(free_port)
    rm -f "$work/gsrv.log" # else wait_for may see the last round's line
    gnutls-serv -p "$gport" --x509certfile "$KW_FILE_SERVER_CERT" \
        --x509keyfile "$KW_FILE_SERVER_KEY" --x509cafile "$KW_CA_CERT" \
        --require-client-cert --verify-client-cert \
        --priority "NORMAL:-VERS-ALL:+VERS-$vers" >"$work/gsrv.log" 2>&1 &
    gpid=$!
    kw_pids="$kw_pids $gpid"
    wait_for "$work/gsrv.log" "listening"
    echo "ping to gnutls" | kw openssl s_client -connect "127.0.0.1:$gport" \
        $P -key "$tok;object=ec521?$pin" -cert "$KW_EC521_CERT" \
        -CAfile "$KW_CA_CERT" -verify_return_error $ov >"$work/cli.log" 2>&1 ||
        { cat "$work/cli.log" "$work/gsrv.log" >&2; fail "$vers: s_client"; }
    kill "$gpid" 2>/dev/null || true
    wait "$gpid" 2>/dev/null || true
    grep -q "Verify return code: 0 (ok)" "$work/cli.log" ||
        { cat "$work/cli.log" >&2; fail "$vers: gnutls server certificate"; }
    grep -q "keyward-client" "$work/gsrv.log" ||
        { cat "$work/gsrv.log" >&2; fail "$vers: gnutls-serv saw no client key"; }
    echo "ok   gnutls-serv $vers, client key in the token"
done
echo "PASS"
