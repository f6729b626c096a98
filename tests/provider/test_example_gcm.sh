#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# test_example_gcm.sh: examples/provider/aes_gcm_token, docs/PROVIDER.md's
# example program, run the way its usage line says with the fixture's
# AES-256 key: it seals and opens the message and refuses a forged tag.
. "$KW_SOURCE_DIR/tests/provider/provtest.sh"

ex="$KW_BUILD_DIR/examples/provider/aes_gcm_token"
msg="reading 21.5 C at $(date +%s)"
kw "$ex" "$KW_AES256_URI?$pin" "$msg" >"$work/out" 2>"$work/err" ||
    fail "example: $(cat "$work/out" "$work/err")"
grep -q "^sealed ${#msg} bytes, tag [0-9a-f]\{32\}$" "$work/out" ||
    fail "no tag: $(cat "$work/out")"
grep -qx "opened: $msg" "$work/out" || fail "not opened: $(cat "$work/out")"
grep -q "^forged tag refused: decryption failed" "$work/out" ||
    fail "forgery: $(cat "$work/out")"
# No key, no run: a URI naming nothing fails with keyward's reason.
expect_fail "object not found" "$ex" \
    "$KW_TOKEN_URI;object=no-such-key?$pin" "$msg"
echo "ok: example aes_gcm_token"
