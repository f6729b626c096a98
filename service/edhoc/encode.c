/* SPDX-License-Identifier: Apache-2.0 */
/* encode.c: EDHOC field encodings: byte-string identifiers, ID_CRED maps, EAD,
 * suites. */
#include <string.h>

#include "edhoc_local.h"

/* True if the one-byte string b is the CBOR encoding of an int -24..23. */
static bool is_int_byte(uint8_t b)
{
    return b <= 0x17 || (b >= 0x20 && b <= 0x37);
}

int edhoc_put_bstr_id(kw_cbor_enc *e, const uint8_t *id, size_t len)
{
    if (len == 1 && is_int_byte(id[0]))
        return kw_cbor_put_raw(e, id, 1) == 0 ? 0 : KW_EDHOC_E_NOMEM;
    return kw_cbor_put_bstr(e, id, len) == 0 ? 0 : KW_EDHOC_E_NOMEM;
}

int edhoc_get_bstr_id(kw_cbor_dec *d, uint8_t *id, size_t max, size_t *len)
{
    const uint8_t *p;
    size_t n;
    int64_t v;

    switch (kw_cbor_peek(d)) {
    case KW_CBOR_UINT:
    case KW_CBOR_NINT:
        p = d->p;
        if (kw_cbor_get_int(d, &v) != 0 || v < -24 || v > 23)
            return KW_EDHOC_E_DECODE;
        id[0] = p[0]; /* the one-byte encoding is the identifier */
        *len = 1;
        return KW_EDHOC_OK;
    case KW_CBOR_BSTR:
        if (kw_cbor_get_bstr(d, &p, &n) != 0)
            return KW_EDHOC_E_DECODE;
        /* RFC 9528 section 3.3.2: such a byte string MUST be an int */
        if (n == 1 && is_int_byte(p[0]))
            return KW_EDHOC_E_DECODE;
        if (n > max)
            return KW_EDHOC_E_DECODE;
        if (n > 0)
            memcpy(id, p, n);
        *len = n;
        return KW_EDHOC_OK;
    default:
        return KW_EDHOC_E_DECODE;
    }
}

/* COSE_X509 = bstr / [ 2* bstr ] (RFC 9360 section 2) */
static int parse_x5chain(kw_cbor_dec *d, kw_edhoc_id_cred *id)
{
    size_t n;

    if (kw_cbor_peek(d) == KW_CBOR_BSTR) {
        id->x5chain_n = 1;
        return kw_cbor_get_bstr(d, &id->x5chain[0], &id->x5chain_len[0]) == 0
                   ? KW_EDHOC_OK
                   : KW_EDHOC_E_DECODE;
    }
    if (kw_cbor_get_array(d, &n) != 0 || n < 2 || n > KW_EDHOC_MAX_CHAIN)
        return KW_EDHOC_E_DECODE;
    for (size_t i = 0; i < n; i++)
        if (kw_cbor_get_bstr(d, &id->x5chain[i], &id->x5chain_len[i]) != 0)
            return KW_EDHOC_E_DECODE;
    id->x5chain_n = n;
    return KW_EDHOC_OK;
}

/* COSE_CertHash = [ hashAlg: int / tstr, hashValue: bstr ] */
static int parse_x5t(kw_cbor_dec *d, kw_edhoc_id_cred *id)
{
    size_t n;
    int64_t alg;

    if (kw_cbor_get_array(d, &n) != 0 || n != 2 ||
        kw_cbor_get_int(d, &alg) != 0 || alg < INT32_MIN || alg > INT32_MAX ||
        kw_cbor_get_bstr(d, &id->x5t, &id->x5t_len) != 0)
        return KW_EDHOC_E_DECODE;
    id->x5t_alg = (int)alg;
    id->has_x5t = true;
    return KW_EDHOC_OK;
}

int edhoc_id_cred_parse(const uint8_t *raw, size_t raw_len,
                        kw_edhoc_id_cred *id)
{
    kw_cbor_dec d;
    size_t n;
    int rv;

    memset(id, 0, sizeof(*id));
    id->raw = raw;
    id->raw_len = raw_len;
    if (kw_cbor_check_item(raw, raw_len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, raw, raw_len);
    if (kw_cbor_get_map(&d, &n) != 0 || n == 0)
        return KW_EDHOC_E_DECODE;
    for (size_t i = 0; i < n; i++) {
        int64_t label;

        if (kw_cbor_peek(&d) == KW_CBOR_TSTR) {
            /* text labels are not used here: skip label and value */
            if (kw_cbor_get_item(&d, NULL, NULL) != 0 ||
                kw_cbor_get_item(&d, NULL, NULL) != 0)
                return KW_EDHOC_E_DECODE;
            continue;
        }
        if (kw_cbor_get_int(&d, &label) != 0)
            return KW_EDHOC_E_DECODE;
        switch (label) {
        case KW_COSE_HDR_KID:
            if (kw_cbor_get_bstr(&d, &id->kid, &id->kid_len) != 0)
                return KW_EDHOC_E_DECODE;
            id->has_kid = true;
            break;
        case KW_COSE_HDR_X5CHAIN:
            if ((rv = parse_x5chain(&d, id)) != KW_EDHOC_OK)
                return rv;
            break;
        case KW_COSE_HDR_X5T:
            if ((rv = parse_x5t(&d, id)) != KW_EDHOC_OK)
                return rv;
            break;
        case KW_COSE_HDR_KCCS:
            if (kw_cbor_peek(&d) != KW_CBOR_MAP ||
                kw_cbor_get_item(&d, &id->kccs, &id->kccs_len) != 0)
                return KW_EDHOC_E_DECODE;
            break;
        default:
            if (kw_cbor_get_item(&d, NULL, NULL) != 0)
                return KW_EDHOC_E_DECODE;
        }
    }
    return KW_EDHOC_OK;
}

void edhoc_ead_in_clear(struct edhoc_ead_in *in)
{
    OPENSSL_clear_free(in->raw, in->raw_len);
    memset(in, 0, sizeof(*in));
}

/* EAD_x = 1* ( ead_label : int, ? ead_value : bstr ) */
int edhoc_ead_parse(kw_cbor_dec *d, struct edhoc_ead_in *in)
{
    size_t raw_len = (size_t)(d->end - d->p);
    kw_cbor_dec c;

    edhoc_ead_in_clear(in);
    if (raw_len == 0)
        return KW_EDHOC_OK;
    if ((in->raw = OPENSSL_memdup(d->p, raw_len)) == NULL)
        return KW_EDHOC_E_NOMEM;
    in->raw_len = raw_len;
    d->p = d->end;
    kw_cbor_dec_init(&c, in->raw, raw_len);
    while (!kw_cbor_dec_done(&c)) {
        kw_edhoc_ead_item it = {0};

        if (kw_cbor_get_int(&c, &it.label) != 0)
            return KW_EDHOC_E_DECODE;
        if (kw_cbor_peek(&c) == KW_CBOR_BSTR) {
            if (kw_cbor_get_bstr(&c, &it.value, &it.value_len) != 0)
                return KW_EDHOC_E_DECODE;
            it.has_value = true;
        }
        if (it.label == 0)
            continue; /* padding: ignored and discarded (section 3.8.1) */
        if (in->n == KW_EDHOC_MAX_EAD)
            return KW_EDHOC_E_EAD;
        in->items[in->n++] = it;
    }
    return KW_EDHOC_OK;
}

int edhoc_ead_deliver(kw_edhoc *s, int msg)
{
    const struct edhoc_ead_in *in = &s->ead_in[msg];

    if (s->ead_cb != NULL)
        return s->ead_cb(s->ead_arg, s, msg, in->items, in->n) == 0
                   ? KW_EDHOC_OK
                   : KW_EDHOC_E_EAD;
    /* Nobody to understand a critical item: refuse it (section 3.8). */
    for (size_t i = 0; i < in->n; i++)
        if (in->items[i].label < 0)
            return KW_EDHOC_E_EAD;
    return KW_EDHOC_OK;
}

int edhoc_put_suites(kw_cbor_enc *e, const int *suites, size_t n)
{
    if (n == 1)
        kw_cbor_put_int(e, suites[0]);
    else
        kw_cbor_put_array(e, n);
    for (size_t i = 0; n > 1 && i < n; i++)
        kw_cbor_put_int(e, suites[i]);
    return kw_cbor_enc_error(e) == 0 ? KW_EDHOC_OK : KW_EDHOC_E_NOMEM;
}

/* suites = [ 2* int ] / int */
int edhoc_get_suites(kw_cbor_dec *d, int *suites, size_t max, size_t *n)
{
    int64_t v;
    size_t count;

    switch (kw_cbor_peek(d)) {
    case KW_CBOR_UINT:
    case KW_CBOR_NINT:
        if (kw_cbor_get_int(d, &v) != 0 || v < INT32_MIN || v > INT32_MAX)
            return KW_EDHOC_E_DECODE;
        suites[0] = (int)v;
        *n = 1;
        return KW_EDHOC_OK;
    case KW_CBOR_ARRAY:
        if (kw_cbor_get_array(d, &count) != 0 || count < 2 || count > max)
            return KW_EDHOC_E_DECODE;
        for (size_t i = 0; i < count; i++) {
            if (kw_cbor_get_int(d, &v) != 0 || v < INT32_MIN || v > INT32_MAX)
                return KW_EDHOC_E_DECODE;
            suites[i] = (int)v;
        }
        *n = count;
        return KW_EDHOC_OK;
    default:
        return KW_EDHOC_E_DECODE;
    }
}

int edhoc_put_id_cred_pt(kw_cbor_enc *e, const kw_edhoc *s)
{
    /* ID_CRED_x = { 4 : kid } travels as the kid alone (section 3.5.3.2) */
    if (s->local_kid_only)
        return edhoc_put_bstr_id(e, s->local_kid, s->local_kid_len);
    return kw_cbor_put_raw(e, s->local.id_cred, s->local.id_cred_len) == 0
               ? KW_EDHOC_OK
               : KW_EDHOC_E_NOMEM;
}

bool edhoc_id_cred_is_kid_only(const uint8_t *raw, size_t raw_len,
                               const uint8_t **kid, size_t *kid_len)
{
    kw_cbor_dec d;
    size_t n;
    int64_t label;

    kw_cbor_dec_init(&d, raw, raw_len);
    if (kw_cbor_get_map(&d, &n) != 0 || n != 1 ||
        kw_cbor_get_int(&d, &label) != 0 || label != KW_COSE_HDR_KID ||
        kw_cbor_get_bstr(&d, kid, kid_len) != 0 || !kw_cbor_dec_done(&d))
        return false;
    return true;
}

int edhoc_get_id_cred_pt(kw_cbor_dec *d, uint8_t **raw, size_t *raw_len)
{
    uint8_t kid[KW_EDHOC_MAX_CID + 64];
    const uint8_t *p, *k;
    size_t n, klen;
    kw_cbor_enc e;

    *raw = NULL;
    if (kw_cbor_peek(d) == KW_CBOR_MAP) {
        if (kw_cbor_get_item(d, &p, &n) != 0)
            return KW_EDHOC_E_DECODE;
        /* a lone kid MUST have used the compact form */
        if (edhoc_id_cred_is_kid_only(p, n, &k, &klen))
            return KW_EDHOC_E_DECODE;
        if ((*raw = OPENSSL_memdup(p, n)) == NULL)
            return KW_EDHOC_E_NOMEM;
        *raw_len = n;
        return KW_EDHOC_OK;
    }
    if (edhoc_get_bstr_id(d, kid, sizeof(kid), &klen) != KW_EDHOC_OK)
        return KW_EDHOC_E_DECODE;
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, KW_COSE_HDR_KID);
    kw_cbor_put_bstr(&e, kid, klen);
    if (kw_cbor_enc_error(&e)) {
        kw_cbor_enc_cleanup(&e);
        return KW_EDHOC_E_NOMEM;
    }
    *raw = e.buf; /* hand the encoder's buffer over */
    *raw_len = e.len;
    return KW_EDHOC_OK;
}
