/* SPDX-License-Identifier: Apache-2.0 */
/* cbor.h: a small strict CBOR (RFC 8949) codec for EDHOC, COSE and OSCORE. */
#ifndef KEYWARD_EDHOC_CBOR_H
#define KEYWARD_EDHOC_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Scope: unsigned and negative integers, byte and text strings, definite
 * arrays and maps, the simple values false/true/null, and CBOR sequences
 * (RFC 8742). Tags, floats, other simple values and indefinite lengths are
 * outside it.
 *
 * Encoding is always deterministic (RFC 8949 section 4.2.1: shortest
 * argument). Decoding is strict and rejects, with KW_CBOR_E_*:
 *   - non-minimal ("non-preferred") integer arguments and lengths,
 *   - indefinite lengths and the reserved additional-information values,
 *   - tags, floats, undefined and the other simple values,
 *   - truncation, and (where the caller asks) trailing bytes,
 *   - nesting deeper than KW_CBOR_MAX_DEPTH, maps over KW_CBOR_MAX_MAP
 *     pairs, duplicate map keys, invalid UTF-8 in text strings.
 * Map keys need not be sorted: EDHOC allows ID_CRED maps in any order
 * (RFC 9528 section 3.5.3), so only duplicates are refused.
 *
 * Every function returns 0 on success or a negative KW_CBOR_E_* value.
 * The decoder never allocates; the encoder grows one heap buffer, which
 * kw_cbor_enc_cleanup() wipes before freeing (encoders also build
 * plaintexts and KDF inputs).
 */

#define KW_CBOR_MAX_DEPTH 8
#define KW_CBOR_MAX_MAP   32

enum {
    KW_CBOR_OK = 0,
    KW_CBOR_E_TRUNCATED = -1,   /* input ends inside an item */
    KW_CBOR_E_NONMINIMAL = -2,  /* argument not in its shortest form */
    KW_CBOR_E_UNSUPPORTED = -3, /* indefinite, tag, float, other simple */
    KW_CBOR_E_TYPE = -4,        /* item of another type than asked for */
    KW_CBOR_E_RANGE = -5,       /* integer does not fit the C type asked */
    KW_CBOR_E_DEPTH = -6,       /* nesting too deep or map too large */
    KW_CBOR_E_DUPKEY = -7,      /* the same key twice in one map */
    KW_CBOR_E_UTF8 = -8,        /* text string is not valid UTF-8 */
    KW_CBOR_E_TRAILING = -9,    /* bytes left after the expected items */
    KW_CBOR_E_NOMEM = -10,      /* encoder could not grow its buffer */
};

/* What the next item is, as far as this codec knows. */
typedef enum {
    KW_CBOR_UINT,
    KW_CBOR_NINT,
    KW_CBOR_BSTR,
    KW_CBOR_TSTR,
    KW_CBOR_ARRAY,
    KW_CBOR_MAP,
    KW_CBOR_FALSE,
    KW_CBOR_TRUE,
    KW_CBOR_NULL,
    KW_CBOR_INVALID, /* anything this codec refuses */
} kw_cbor_type;

/* ---- decoding --------------------------------------------------------- */

typedef struct kw_cbor_dec {
    const uint8_t *p;   /* next unread byte */
    const uint8_t *end; /* one past the last byte */
} kw_cbor_dec;

void kw_cbor_dec_init(kw_cbor_dec *d, const void *buf, size_t len);
/* True when every byte has been consumed. */
bool kw_cbor_dec_done(const kw_cbor_dec *d);
/* Type of the next item without consuming it; KW_CBOR_INVALID at the end. */
kw_cbor_type kw_cbor_peek(const kw_cbor_dec *d);

/* An integer of major type 0 or 1 that fits in int64_t. */
int kw_cbor_get_int(kw_cbor_dec *d, int64_t *v);
/* An integer of major type 0. */
int kw_cbor_get_uint(kw_cbor_dec *d, uint64_t *v);
/* A byte/text string; *p points into the input (borrowed). Text strings
 * are checked to be UTF-8 but are not NUL-terminated. */
int kw_cbor_get_bstr(kw_cbor_dec *d, const uint8_t **p, size_t *len);
int kw_cbor_get_tstr(kw_cbor_dec *d, const char **p, size_t *len);
/* The head of a definite array or map: *n elements (pairs for a map)
 * follow, which the caller decodes. Maps are bounded by KW_CBOR_MAX_MAP. */
int kw_cbor_get_array(kw_cbor_dec *d, size_t *n);
int kw_cbor_get_map(kw_cbor_dec *d, size_t *n);
int kw_cbor_get_bool(kw_cbor_dec *d, bool *v);
int kw_cbor_get_null(kw_cbor_dec *d);
/* Consumes one complete data item, checked as strictly as everything
 * else (including nested maps for duplicate keys), and returns where it
 * lies in the input. Either out pointer may be NULL. */
int kw_cbor_get_item(kw_cbor_dec *d, const uint8_t **start, size_t *len);
/* Checks that buf is a CBOR sequence of zero or more items that this
 * decoder accepts in full. */
int kw_cbor_check_seq(const void *buf, size_t len);
/* Checks that buf is exactly one data item this decoder accepts. */
int kw_cbor_check_item(const void *buf, size_t len);

/* ---- encoding --------------------------------------------------------- */

typedef struct kw_cbor_enc {
    uint8_t *buf;
    size_t len, cap;
    int err; /* first error; every later put is a no-op */
} kw_cbor_enc;

void kw_cbor_enc_init(kw_cbor_enc *e);
/* Wipes and frees the buffer; the encoder can be reused after init. */
void kw_cbor_enc_cleanup(kw_cbor_enc *e);
/* Forgets the content (wiped) but keeps the buffer for reuse. */
void kw_cbor_enc_reset(kw_cbor_enc *e);
/* The first error recorded by any put since init/reset, or 0. */
int kw_cbor_enc_error(const kw_cbor_enc *e);

int kw_cbor_put_uint(kw_cbor_enc *e, uint64_t v);
int kw_cbor_put_int(kw_cbor_enc *e, int64_t v);
int kw_cbor_put_bstr(kw_cbor_enc *e, const void *p, size_t len);
int kw_cbor_put_tstr(kw_cbor_enc *e, const char *p, size_t len);
/* Only the head: the caller then puts len bytes of content with
 * kw_cbor_put_raw() (for byte strings built from concatenations). */
int kw_cbor_put_bstr_head(kw_cbor_enc *e, size_t len);
int kw_cbor_put_array(kw_cbor_enc *e, size_t n);
int kw_cbor_put_map(kw_cbor_enc *e, size_t n);
int kw_cbor_put_bool(kw_cbor_enc *e, bool v);
int kw_cbor_put_null(kw_cbor_enc *e);
/* Already-encoded items (or raw string content after a head). */
int kw_cbor_put_raw(kw_cbor_enc *e, const void *p, size_t len);

/* Size of the head for a string/container of length n (1, 2, 3, 5 or 9). */
size_t kw_cbor_head_len(uint64_t n);

#endif
