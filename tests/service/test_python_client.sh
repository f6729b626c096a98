#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_python_client.sh: examples/python/keyward_client.py as a third-party
# client (Debian's python3-grpcio/protobuf, protoc --python_out messages
# generated here); its signature is checked by the openssl CLI.
. "$(dirname "$0")/svc-lib.sh"
py=/usr/bin/python3
$py -c 'import grpc, google.protobuf' 2>/dev/null || {
    echo "SKIP: /usr/bin/python3 lacks grpc or protobuf (apt-get install python3-grpcio python3-protobuf)"
    exit 77
}
svc_start
mkdir "$KW_DIR/py"
protoc -I "$KW_SOURCE_DIR/proto" --python_out="$KW_DIR/py" \
    "$KW_SOURCE_DIR/proto/keyward/v1/keyward.proto" || fail "protoc --python_out"
printf 'message signed through the python client\n' >"$KW_DIR/msg"
PYTHONPATH="$KW_DIR/py" $py "$KW_SOURCE_DIR/examples/python/keyward_client.py" \
    --socket "$KW_SOCK" --message-file "$KW_DIR/msg" \
    --signature-out "$KW_DIR/msg.sig" --spki-out "$KW_DIR/spki.der" || fail "python client"
openssl pkey -pubin -inform DER -in "$KW_DIR/spki.der" -out "$KW_DIR/pub.pem"
openssl dgst -sha256 -verify "$KW_DIR/pub.pem" -signature "$KW_DIR/msg.sig" "$KW_DIR/msg" \
    >/dev/null || fail "openssl does not verify the signature"
cmp -s "$KW_DIR/pub.pem" "$KW_DIR/ec256-pub.pem" || fail "public key differs"
grep -q "op=Sign key=ec256 result=OK" "$KW_DIR/keywardd.log" || fail "no audit line"
svc_stop || fail "keywardd exit status $?"
echo "1 passed, 0 failed"
