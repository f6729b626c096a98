/* SPDX-License-Identifier: Apache-2.0 */
/* test_cbor.c: the strict CBOR codec accepts deterministic input only. */
#include <stdlib.h>
#include <string.h>

#include "cbor.h"
#include "testutil.h"

/* Every case: hex input, what kw_cbor_check_seq must return. */
static const struct {
    const char *hex;
    int want;
} seq_cases[] = {
    /* valid: the RFC 9529 trace 2 message_1 and error, small shapes */
    {"03 82 06 02 58 20 8a f6 f4 30 eb e1 8d 34 18 40 17 a9 a1 1b f5 11 c8"
     "df f8 f8 34 73 0b 96 c1 b7 c8 db ca 2f c3 b6 37",
     KW_CBOR_OK},
    {"02 02", KW_CBOR_OK},
    {"", KW_CBOR_OK},
    {"17 18 18 37 38 18 19 01 00 1a 00 01 00 00 1b 00 00 00 01 00 00 00 00",
     KW_CBOR_OK},
    {"a2 02 41 32 01 f5 f4 f6 80 a0 40 60", KW_CBOR_OK},
    {"62 c3 a9", KW_CBOR_OK}, /* "é" */
    {"3b 7f ff ff ff ff ff ff ff", KW_CBOR_OK},
    {"3b ff ff ff ff ff ff ff ff", KW_CBOR_OK}, /* -2^64: valid, not int64 */
    /* RFC 9529 section 4.3: non-deterministic CBOR */
    {"19 00 03", KW_CBOR_E_NONMINIMAL},
    {"03 9f 06 02 ff", KW_CBOR_E_UNSUPPORTED},
    /* every non-minimal head width */
    {"18 17", KW_CBOR_E_NONMINIMAL},
    {"1a 00 00 ff ff", KW_CBOR_E_NONMINIMAL},
    {"1b 00 00 00 00 ff ff ff ff", KW_CBOR_E_NONMINIMAL},
    {"38 00", KW_CBOR_E_NONMINIMAL},
    {"58 01 00", KW_CBOR_E_NONMINIMAL},
    {"99 00 01 00", KW_CBOR_E_NONMINIMAL},
    /* indefinite strings and maps, reserved additional info */
    {"5f 41 00 ff", KW_CBOR_E_UNSUPPORTED},
    {"bf ff", KW_CBOR_E_UNSUPPORTED},
    {"1c", KW_CBOR_E_UNSUPPORTED},
    /* tags, floats, undefined, other simple values */
    {"c0 60", KW_CBOR_E_UNSUPPORTED},
    {"f9 3c 00", KW_CBOR_E_UNSUPPORTED},
    {"f7", KW_CBOR_E_UNSUPPORTED},
    {"f8 20", KW_CBOR_E_UNSUPPORTED},
    {"e0", KW_CBOR_E_UNSUPPORTED},
    /* truncation */
    {"58 20 00", KW_CBOR_E_TRUNCATED},
    {"19 01", KW_CBOR_E_TRUNCATED},
    {"82 01", KW_CBOR_E_TRUNCATED},
    {"a1 01", KW_CBOR_E_TRUNCATED},
    {"9b ff ff ff ff ff ff ff ff", KW_CBOR_E_TRUNCATED},
    /* duplicate keys, bad UTF-8 (overlong, surrogate, truncated) */
    {"a2 01 01 01 02", KW_CBOR_E_DUPKEY},
    {"62 c0 80", KW_CBOR_E_UTF8},
    {"63 ed a0 80", KW_CBOR_E_UTF8},
    {"61 e2", KW_CBOR_E_UTF8},
    /* nesting: 8 levels fine, 9 refused */
    {"81 81 81 81 81 81 81 80", KW_CBOR_OK},
    {"81 81 81 81 81 81 81 81 80", KW_CBOR_E_DEPTH},
};

static int test_check_seq(void)
{
    int ok = 1;

    for (size_t i = 0; i < sizeof(seq_cases) / sizeof(seq_cases[0]); i++) {
        size_t len;
        uint8_t *b = tu_hex(seq_cases[i].hex, &len);
        int rv = kw_cbor_check_seq(b, len); /* once: the macro re-evaluates */
        if (!TEST_int_eq(rv, seq_cases[i].want)) {
            tu_hexdump("input", b, len);
            ok = 0;
        }
        free(b);
    }
    return ok;
}

/* TEST_int_eq evaluates its arguments twice: decode calls go through rv. */
static int test_getters(void)
{
    static const uint8_t in[] = {0x03, 0x38, 0x18, 0x43, 1,    2,    3,
                                 0x62, 'h',  'i',  0xf5, 0x82, 0x01, 0x20};
    static const uint8_t big[] = {0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t bad_inside[] = {0x82, 0x01, 0x19, 0x00, 0x01};
    kw_cbor_dec d;
    int64_t v;
    uint64_t u;
    const uint8_t *s;
    const char *t;
    size_t n;
    bool b;
    int rv;

    kw_cbor_dec_init(&d, in, sizeof(in));
    if (!TEST_int_eq(kw_cbor_peek(&d), KW_CBOR_UINT))
        return 0;
    rv = kw_cbor_get_bstr(&d, &s, &n); /* wrong type: nothing consumed */
    if (!TEST_int_eq(rv, KW_CBOR_E_TYPE))
        return 0;
    rv = kw_cbor_get_uint(&d, &u);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(u, 3))
        return 0;
    rv = kw_cbor_get_uint(&d, &u);
    if (!TEST_int_eq(rv, KW_CBOR_E_TYPE))
        return 0;
    rv = kw_cbor_get_int(&d, &v);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(v, -25))
        return 0;
    rv = kw_cbor_get_bstr(&d, &s, &n);
    if (!TEST_int_eq(rv, 0) || !TEST_mem_eq(s, n, in + 4, 3))
        return 0;
    rv = kw_cbor_get_tstr(&d, &t, &n);
    if (!TEST_int_eq(rv, 0) || !TEST_mem_eq(t, n, "hi", 2))
        return 0;
    rv = kw_cbor_get_null(&d);
    if (!TEST_int_eq(rv, KW_CBOR_E_TYPE))
        return 0;
    rv = kw_cbor_get_bool(&d, &b);
    if (!TEST_int_eq(rv, 0) || !TEST_true(b))
        return 0;
    rv = kw_cbor_get_array(&d, &n);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(n, 2))
        return 0;
    rv = kw_cbor_get_int(&d, &v);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(v, 1))
        return 0;
    rv = kw_cbor_get_int(&d, &v);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(v, -1))
        return 0;
    if (!TEST_true(kw_cbor_dec_done(&d)) ||
        !TEST_int_eq(kw_cbor_peek(&d), KW_CBOR_INVALID))
        return 0;

    /* an integer below INT64_MIN is well-formed but out of range */
    kw_cbor_dec_init(&d, big, sizeof(big));
    rv = kw_cbor_get_int(&d, &v);
    if (!TEST_int_eq(rv, KW_CBOR_E_RANGE))
        return 0;
    /* get_array validates the whole array, not just its head */
    kw_cbor_dec_init(&d, bad_inside, sizeof(bad_inside));
    rv = kw_cbor_get_array(&d, &n);
    if (!TEST_int_eq(rv, KW_CBOR_E_NONMINIMAL))
        return 0;
    /* check_item refuses trailing bytes */
    rv = kw_cbor_check_item(in, 2);
    if (!TEST_int_eq(rv, KW_CBOR_E_TRAILING))
        return 0;
    rv = kw_cbor_check_item(in, 1);
    return TEST_int_eq(rv, KW_CBOR_OK);
}

static int test_encoder(void)
{
    kw_cbor_enc e;
    uint8_t blob[300];
    size_t want_len;
    uint8_t *want = tu_hex("00 17 18 18 18 ff 19 01 00 19 ff ff 1a 00 01 00 00"
                           "1b 00 00 00 01 00 00 00 00 20 37 38 18 39 01 00"
                           "3b 7f ff ff ff ff ff ff ff"
                           "f4 f5 f6 83 a1 60 62 68 69",
                           &want_len);
    int ok = 0, rv;

    kw_cbor_enc_init(&e);
    kw_cbor_put_uint(&e, 0);
    kw_cbor_put_uint(&e, 23);
    kw_cbor_put_uint(&e, 24);
    kw_cbor_put_uint(&e, 255);
    kw_cbor_put_uint(&e, 256);
    kw_cbor_put_uint(&e, 65535);
    kw_cbor_put_uint(&e, 65536);
    kw_cbor_put_uint(&e, 0x100000000ULL);
    kw_cbor_put_int(&e, -1);
    kw_cbor_put_int(&e, -24);
    kw_cbor_put_int(&e, -25);
    kw_cbor_put_int(&e, -257);
    kw_cbor_put_int(&e, INT64_MIN);
    kw_cbor_put_bool(&e, false);
    kw_cbor_put_bool(&e, true);
    kw_cbor_put_null(&e);
    kw_cbor_put_array(&e, 3);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_tstr(&e, "", 0);
    kw_cbor_put_tstr(&e, "hi", 2);
    if (!TEST_int_eq(kw_cbor_enc_error(&e), 0) ||
        !TEST_mem_eq(e.buf, e.len, want, want_len))
        goto err;
    /* growth past the first allocation and long string heads */
    kw_cbor_enc_reset(&e);
    memset(blob, 0xab, sizeof(blob));
    kw_cbor_put_bstr(&e, blob, sizeof(blob));
    if (!TEST_int_eq(e.len, 3 + sizeof(blob)) || !TEST_int_eq(e.buf[0], 0x59) ||
        !TEST_int_eq(e.buf[1], 0x01) || !TEST_int_eq(e.buf[2], 0x2c))
        goto err;
    rv = kw_cbor_check_item(e.buf, e.len);
    if (!TEST_int_eq(rv, 0))
        goto err;
    ok = 1;
err:
    kw_cbor_enc_cleanup(&e);
    free(want);
    return ok;
}

int main(int argc, char **argv)
{
    ADD_TEST(test_check_seq);
    ADD_TEST(test_getters);
    ADD_TEST(test_encoder);
    return tu_run(argc, argv);
}
