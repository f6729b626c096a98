/* SPDX-License-Identifier: Apache-2.0 */
/* cbor.c: strict CBOR decoder and deterministic encoder (see cbor.h). */
#include "cbor.h"

#include <string.h>

#include <openssl/crypto.h>

/* ---- decoding --------------------------------------------------------- */

enum { MT_UINT, MT_NINT, MT_BSTR, MT_TSTR, MT_ARRAY, MT_MAP, MT_TAG, MT_7 };
enum { SIMPLE_FALSE = 20, SIMPLE_TRUE = 21, SIMPLE_NULL = 22 };

/*
 * Reads one head at *pp. On success *pp moves past it. For major type 7,
 * *arg is the simple value (only false, true and null are accepted).
 */
static int read_head(const uint8_t **pp, const uint8_t *end, int *major,
                     uint64_t *arg)
{
    static const uint64_t min_for[4] = {24, 0x100, 0x10000, 0x100000000ULL};
    const uint8_t *p = *pp;
    uint64_t v;
    int mt, ai;

    if (p >= end)
        return KW_CBOR_E_TRUNCATED;
    mt = *p >> 5;
    ai = *p & 0x1f;
    p++;
    if (mt == MT_TAG)
        return KW_CBOR_E_UNSUPPORTED;
    if (mt == MT_7) {
        if (ai != SIMPLE_FALSE && ai != SIMPLE_TRUE && ai != SIMPLE_NULL)
            return KW_CBOR_E_UNSUPPORTED;
        v = (uint64_t)ai;
    } else if (ai < 24) {
        v = (uint64_t)ai;
    } else if (ai <= 27) {
        size_t n = (size_t)1 << (ai - 24);
        if ((size_t)(end - p) < n)
            return KW_CBOR_E_TRUNCATED;
        v = 0;
        for (size_t i = 0; i < n; i++)
            v = v << 8 | p[i];
        p += n;
        if (v < min_for[ai - 24])
            return KW_CBOR_E_NONMINIMAL;
    } else {
        return KW_CBOR_E_UNSUPPORTED; /* 28-30 reserved, 31 indefinite */
    }
    *major = mt;
    *arg = v;
    *pp = p;
    return KW_CBOR_OK;
}

/* RFC 3629 well-formedness: no overlongs, no surrogates, <= U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t extra;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i - 1 < extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

/* Skips one item at *pp with full validation; depth counts from 1. */
static int skip_item(const uint8_t **pp, const uint8_t *end, int depth)
{
    const uint8_t *p = *pp;
    uint64_t arg;
    int mt, rv;

    if (depth > KW_CBOR_MAX_DEPTH)
        return KW_CBOR_E_DEPTH;
    if ((rv = read_head(&p, end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    switch (mt) {
    case MT_UINT:
    case MT_NINT:
    case MT_7:
        break;
    case MT_BSTR:
    case MT_TSTR:
        if (arg > (uint64_t)(end - p))
            return KW_CBOR_E_TRUNCATED;
        if (mt == MT_TSTR && !utf8_valid(p, (size_t)arg))
            return KW_CBOR_E_UTF8;
        p += arg;
        break;
    case MT_ARRAY:
        if (arg > (uint64_t)(end - p)) /* every element takes a byte */
            return KW_CBOR_E_TRUNCATED;
        for (uint64_t i = 0; i < arg; i++)
            if ((rv = skip_item(&p, end, depth + 1)) != KW_CBOR_OK)
                return rv;
        break;
    case MT_MAP: {
        const uint8_t *key[KW_CBOR_MAX_MAP];
        size_t key_len[KW_CBOR_MAX_MAP];

        if (arg > KW_CBOR_MAX_MAP)
            return KW_CBOR_E_DEPTH;
        for (size_t i = 0; i < (size_t)arg; i++) {
            key[i] = p;
            if ((rv = skip_item(&p, end, depth + 1)) != KW_CBOR_OK)
                return rv;
            key_len[i] = (size_t)(p - key[i]);
            for (size_t j = 0; j < i; j++)
                if (key_len[j] == key_len[i] &&
                    memcmp(key[j], key[i], key_len[i]) == 0)
                    return KW_CBOR_E_DUPKEY;
            if ((rv = skip_item(&p, end, depth + 1)) != KW_CBOR_OK)
                return rv;
        }
        break;
    }
    default:
        return KW_CBOR_E_UNSUPPORTED;
    }
    *pp = p;
    return KW_CBOR_OK;
}

void kw_cbor_dec_init(kw_cbor_dec *d, const void *buf, size_t len)
{
    d->p = buf;
    d->end = d->p + len;
}

bool kw_cbor_dec_done(const kw_cbor_dec *d)
{
    return d->p == d->end;
}

kw_cbor_type kw_cbor_peek(const kw_cbor_dec *d)
{
    const uint8_t *p = d->p;
    uint64_t arg;
    int mt;

    if (read_head(&p, d->end, &mt, &arg) != KW_CBOR_OK)
        return KW_CBOR_INVALID;
    switch (mt) {
    case MT_UINT:
        return KW_CBOR_UINT;
    case MT_NINT:
        return KW_CBOR_NINT;
    case MT_BSTR:
        return KW_CBOR_BSTR;
    case MT_TSTR:
        return KW_CBOR_TSTR;
    case MT_ARRAY:
        return KW_CBOR_ARRAY;
    case MT_MAP:
        return KW_CBOR_MAP;
    case MT_7:
        return arg == SIMPLE_FALSE  ? KW_CBOR_FALSE
               : arg == SIMPLE_TRUE ? KW_CBOR_TRUE
                                    : KW_CBOR_NULL;
    default:
        return KW_CBOR_INVALID;
    }
}

int kw_cbor_get_int(kw_cbor_dec *d, int64_t *v)
{
    const uint8_t *p = d->p;
    uint64_t arg;
    int mt, rv;

    if ((rv = read_head(&p, d->end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    if (mt != MT_UINT && mt != MT_NINT)
        return KW_CBOR_E_TYPE;
    if (arg > (uint64_t)INT64_MAX)
        return KW_CBOR_E_RANGE;
    *v = mt == MT_UINT ? (int64_t)arg : -1 - (int64_t)arg;
    d->p = p;
    return KW_CBOR_OK;
}

int kw_cbor_get_uint(kw_cbor_dec *d, uint64_t *v)
{
    const uint8_t *p = d->p;
    uint64_t arg;
    int mt, rv;

    if ((rv = read_head(&p, d->end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    if (mt != MT_UINT)
        return KW_CBOR_E_TYPE;
    *v = arg;
    d->p = p;
    return KW_CBOR_OK;
}

static int get_string(kw_cbor_dec *d, int want, const uint8_t **s, size_t *len)
{
    const uint8_t *p = d->p;
    uint64_t arg;
    int mt, rv;

    if ((rv = read_head(&p, d->end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    if (mt != want)
        return KW_CBOR_E_TYPE;
    if (arg > (uint64_t)(d->end - p))
        return KW_CBOR_E_TRUNCATED;
    if (mt == MT_TSTR && !utf8_valid(p, (size_t)arg))
        return KW_CBOR_E_UTF8;
    *s = p;
    *len = (size_t)arg;
    d->p = p + arg;
    return KW_CBOR_OK;
}

int kw_cbor_get_bstr(kw_cbor_dec *d, const uint8_t **p, size_t *len)
{
    return get_string(d, MT_BSTR, p, len);
}

int kw_cbor_get_tstr(kw_cbor_dec *d, const char **p, size_t *len)
{
    const uint8_t *s;
    int rv = get_string(d, MT_TSTR, &s, len);

    if (rv == KW_CBOR_OK)
        *p = (const char *)s;
    return rv;
}

/* Validates the whole container first, so its content is known to be
 * strict, then consumes only the head. */
static int get_container(kw_cbor_dec *d, int want, size_t *n)
{
    const uint8_t *p = d->p, *whole = d->p;
    uint64_t arg;
    int mt, rv;

    if ((rv = read_head(&p, d->end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    if (mt != want)
        return KW_CBOR_E_TYPE;
    if ((rv = skip_item(&whole, d->end, 1)) != KW_CBOR_OK)
        return rv;
    *n = (size_t)arg;
    d->p = p;
    return KW_CBOR_OK;
}

int kw_cbor_get_array(kw_cbor_dec *d, size_t *n)
{
    return get_container(d, MT_ARRAY, n);
}

int kw_cbor_get_map(kw_cbor_dec *d, size_t *n)
{
    return get_container(d, MT_MAP, n);
}

static int get_simple(kw_cbor_dec *d, uint64_t *v)
{
    const uint8_t *p = d->p;
    uint64_t arg;
    int mt, rv;

    if ((rv = read_head(&p, d->end, &mt, &arg)) != KW_CBOR_OK)
        return rv;
    if (mt != MT_7)
        return KW_CBOR_E_TYPE;
    *v = arg;
    d->p = p;
    return KW_CBOR_OK;
}

int kw_cbor_get_bool(kw_cbor_dec *d, bool *v)
{
    kw_cbor_dec save = *d;
    uint64_t s;
    int rv = get_simple(d, &s);

    if (rv != KW_CBOR_OK)
        return rv;
    if (s != SIMPLE_FALSE && s != SIMPLE_TRUE) {
        *d = save;
        return KW_CBOR_E_TYPE;
    }
    *v = s == SIMPLE_TRUE;
    return KW_CBOR_OK;
}

int kw_cbor_get_null(kw_cbor_dec *d)
{
    kw_cbor_dec save = *d;
    uint64_t s;
    int rv = get_simple(d, &s);

    if (rv != KW_CBOR_OK)
        return rv;
    if (s != SIMPLE_NULL) {
        *d = save;
        return KW_CBOR_E_TYPE;
    }
    return KW_CBOR_OK;
}

int kw_cbor_get_item(kw_cbor_dec *d, const uint8_t **start, size_t *len)
{
    const uint8_t *p = d->p;
    int rv = skip_item(&p, d->end, 1);

    if (rv != KW_CBOR_OK)
        return rv;
    if (start != NULL)
        *start = d->p;
    if (len != NULL)
        *len = (size_t)(p - d->p);
    d->p = p;
    return KW_CBOR_OK;
}

int kw_cbor_check_seq(const void *buf, size_t len)
{
    kw_cbor_dec d;
    int rv;

    kw_cbor_dec_init(&d, buf, len);
    while (!kw_cbor_dec_done(&d))
        if ((rv = kw_cbor_get_item(&d, NULL, NULL)) != KW_CBOR_OK)
            return rv;
    return KW_CBOR_OK;
}

int kw_cbor_check_item(const void *buf, size_t len)
{
    kw_cbor_dec d;
    int rv;

    kw_cbor_dec_init(&d, buf, len);
    if ((rv = kw_cbor_get_item(&d, NULL, NULL)) != KW_CBOR_OK)
        return rv;
    return kw_cbor_dec_done(&d) ? KW_CBOR_OK : KW_CBOR_E_TRAILING;
}

/* ---- encoding --------------------------------------------------------- */

void kw_cbor_enc_init(kw_cbor_enc *e)
{
    e->buf = NULL;
    e->len = e->cap = 0;
    e->err = KW_CBOR_OK;
}

void kw_cbor_enc_cleanup(kw_cbor_enc *e)
{
    OPENSSL_clear_free(e->buf, e->cap);
    kw_cbor_enc_init(e);
}

void kw_cbor_enc_reset(kw_cbor_enc *e)
{
    if (e->buf != NULL)
        OPENSSL_cleanse(e->buf, e->len);
    e->len = 0;
    e->err = KW_CBOR_OK;
}

int kw_cbor_enc_error(const kw_cbor_enc *e)
{
    return e->err;
}

static int reserve(kw_cbor_enc *e, size_t more)
{
    size_t cap;
    uint8_t *nb;

    if (e->err != KW_CBOR_OK)
        return e->err;
    if (more <= e->cap - e->len)
        return KW_CBOR_OK;
    if (more > SIZE_MAX / 2 - e->len) {
        e->err = KW_CBOR_E_NOMEM;
        return e->err;
    }
    cap = e->cap ? e->cap : 64;
    while (cap - e->len < more)
        cap *= 2;
    /* Old contents may be secret: the old block is wiped, not just freed. */
    nb = OPENSSL_clear_realloc(e->buf, e->cap, cap);
    if (nb == NULL) {
        e->err = KW_CBOR_E_NOMEM;
        return e->err;
    }
    e->buf = nb;
    e->cap = cap;
    return KW_CBOR_OK;
}

size_t kw_cbor_head_len(uint64_t n)
{
    return n < 24            ? 1
           : n <= 0xff       ? 2
           : n <= 0xffff     ? 3
           : n <= 0xffffffff ? 5
                             : 9;
}

static int put_head(kw_cbor_enc *e, int mt, uint64_t v)
{
    size_t n = kw_cbor_head_len(v);
    uint8_t *p;
    int rv;

    if ((rv = reserve(e, n)) != KW_CBOR_OK)
        return rv;
    p = e->buf + e->len;
    if (n == 1) {
        p[0] = (uint8_t)(mt << 5 | v);
    } else {
        size_t bytes = n - 1;
        p[0] = (uint8_t)(mt << 5 | (bytes == 1   ? 24
                                    : bytes == 2 ? 25
                                    : bytes == 4 ? 26
                                                 : 27));
        for (size_t i = 0; i < bytes; i++)
            p[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    }
    e->len += n;
    return KW_CBOR_OK;
}

int kw_cbor_put_raw(kw_cbor_enc *e, const void *p, size_t len)
{
    int rv;

    if ((rv = reserve(e, len)) != KW_CBOR_OK)
        return rv;
    if (len > 0)
        memcpy(e->buf + e->len, p, len);
    e->len += len;
    return KW_CBOR_OK;
}

int kw_cbor_put_uint(kw_cbor_enc *e, uint64_t v)
{
    return put_head(e, MT_UINT, v);
}

int kw_cbor_put_int(kw_cbor_enc *e, int64_t v)
{
    if (v >= 0)
        return put_head(e, MT_UINT, (uint64_t)v);
    return put_head(e, MT_NINT, (uint64_t)(-1 - v));
}

int kw_cbor_put_bstr_head(kw_cbor_enc *e, size_t len)
{
    return put_head(e, MT_BSTR, len);
}

int kw_cbor_put_bstr(kw_cbor_enc *e, const void *p, size_t len)
{
    int rv = put_head(e, MT_BSTR, len);

    return rv != KW_CBOR_OK ? rv : kw_cbor_put_raw(e, p, len);
}

int kw_cbor_put_tstr(kw_cbor_enc *e, const char *p, size_t len)
{
    int rv = put_head(e, MT_TSTR, len);

    return rv != KW_CBOR_OK ? rv : kw_cbor_put_raw(e, p, len);
}

int kw_cbor_put_array(kw_cbor_enc *e, size_t n)
{
    return put_head(e, MT_ARRAY, n);
}

int kw_cbor_put_map(kw_cbor_enc *e, size_t n)
{
    return put_head(e, MT_MAP, n);
}

int kw_cbor_put_bool(kw_cbor_enc *e, bool v)
{
    return put_head(e, MT_7, v ? SIMPLE_TRUE : SIMPLE_FALSE);
}

int kw_cbor_put_null(kw_cbor_enc *e)
{
    return put_head(e, MT_7, SIMPLE_NULL);
}
