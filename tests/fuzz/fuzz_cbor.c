/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_cbor.c: libFuzzer harness for the strict CBOR decoder (round trip). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Re-encodes one item read with the typed getters. The decoder accepts
 * only deterministic encodings, so whatever it accepts must come out of
 * the encoder byte for byte: any difference is a bug in one of them.
 */
static int copy_item(kw_cbor_dec *d, kw_cbor_enc *e, int depth)
{
    const uint8_t *s;
    const char *t;
    size_t n;
    int64_t i;
    uint64_t u;
    bool b;

    if (depth > KW_CBOR_MAX_DEPTH)
        return -1;
    switch (kw_cbor_peek(d)) {
    case KW_CBOR_UINT:
        if (kw_cbor_get_uint(d, &u) != 0)
            return -1;
        return kw_cbor_put_uint(e, u);
    case KW_CBOR_NINT:
        if (kw_cbor_get_int(d, &i) == 0)
            return kw_cbor_put_int(e, i);
        /* below INT64_MIN: not representable, copy the raw item */
        if (kw_cbor_get_item(d, &s, &n) != 0)
            return -1;
        return kw_cbor_put_raw(e, s, n);
    case KW_CBOR_BSTR:
        if (kw_cbor_get_bstr(d, &s, &n) != 0)
            return -1;
        return kw_cbor_put_bstr(e, s, n);
    case KW_CBOR_TSTR:
        if (kw_cbor_get_tstr(d, &t, &n) != 0)
            return -1;
        return kw_cbor_put_tstr(e, t, n);
    case KW_CBOR_ARRAY:
        if (kw_cbor_get_array(d, &n) != 0 || kw_cbor_put_array(e, n) != 0)
            return -1;
        for (size_t k = 0; k < n; k++)
            if (copy_item(d, e, depth + 1) != 0)
                return -1;
        return 0;
    case KW_CBOR_MAP:
        if (kw_cbor_get_map(d, &n) != 0 || kw_cbor_put_map(e, n) != 0)
            return -1;
        for (size_t k = 0; k < 2 * n; k++)
            if (copy_item(d, e, depth + 1) != 0)
                return -1;
        return 0;
    case KW_CBOR_FALSE:
    case KW_CBOR_TRUE:
        if (kw_cbor_get_bool(d, &b) != 0)
            return -1;
        return kw_cbor_put_bool(e, b);
    case KW_CBOR_NULL:
        if (kw_cbor_get_null(d) != 0)
            return -1;
        return kw_cbor_put_null(e);
    default:
        return -1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kw_cbor_dec d;
    kw_cbor_enc e;
    int whole = kw_cbor_check_seq(data, size);

    kw_cbor_dec_init(&d, data, size);
    kw_cbor_enc_init(&e);
    while (!kw_cbor_dec_done(&d)) {
        if (copy_item(&d, &e, 1) != 0)
            break;
    }
    /* The typed walk and the validator must agree on acceptance ... */
    if ((whole == 0) != kw_cbor_dec_done(&d))
        abort();
    /* ... and what was accepted must re-encode to the same bytes. */
    if (whole == 0 && (e.len != size || (size && memcmp(e.buf, data, size))))
        abort();
    kw_cbor_enc_cleanup(&e);
    return 0;
}
