/* SPDX-License-Identifier: Apache-2.0 */
/* oscore.c: OSCORE key derivation, nonce and AAD construction (RFC 8613
 * sections 3.2, 5). */
#include <string.h>

#include "oscore.h"

/* info = [ id, id_context, alg_aead, type, L ] (RFC 8613 section 3.2.1) */
static int derive_one(const kw_edhoc_ctx *ctx, const uint8_t prk[32],
                      const uint8_t *id, size_t id_len, const uint8_t *id_ctx,
                      size_t id_ctx_len, int alg, const char *type,
                      uint8_t *out, size_t out_len)
{
    kw_cbor_enc info;
    int rv;

    kw_cbor_enc_init(&info);
    kw_cbor_put_array(&info, 5);
    kw_cbor_put_bstr(&info, id, id_len);
    if (id_ctx != NULL)
        kw_cbor_put_bstr(&info, id_ctx, id_ctx_len);
    else
        kw_cbor_put_null(&info);
    kw_cbor_put_int(&info, alg);
    kw_cbor_put_tstr(&info, type, strlen(type));
    kw_cbor_put_uint(&info, out_len);
    rv = kw_cbor_enc_error(&info)
             ? KW_EDHOC_E_NOMEM
             : edhoc_hkdf_expand(ctx, prk, EDHOC_HASH_LEN, info.buf, info.len,
                                 out, out_len);
    kw_cbor_enc_cleanup(&info);
    return rv;
}

int oscore_derive(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                  const uint8_t *secret, size_t secret_len, const uint8_t *salt,
                  size_t salt_len, const uint8_t *id_ctx, size_t id_ctx_len,
                  const uint8_t *sid, size_t sid_len, const uint8_t *rid,
                  size_t rid_len, struct oscore_keys *k)
{
    uint8_t prk[EDHOC_HASH_LEN];
    int rv;

    if (sid_len > a->nonce_len - 6 || rid_len > a->nonce_len - 6)
        return KW_EDHOC_E_PARAM;
    /* HKDF = Extract(salt = Master Salt, IKM = Master Secret) + Expand */
    rv = edhoc_hkdf_extract(ctx, salt, salt_len, secret, secret_len, prk);
    if (rv == KW_EDHOC_OK)
        rv = derive_one(ctx, prk, sid, sid_len, id_ctx, id_ctx_len, a->cose_alg,
                        "Key", k->sender_key, a->key_len);
    if (rv == KW_EDHOC_OK)
        rv = derive_one(ctx, prk, rid, rid_len, id_ctx, id_ctx_len, a->cose_alg,
                        "Key", k->recipient_key, a->key_len);
    if (rv == KW_EDHOC_OK)
        rv = derive_one(ctx, prk, NULL, 0, id_ctx, id_ctx_len, a->cose_alg,
                        "IV", k->common_iv, a->nonce_len);
    EDHOC_WIPE(prk);
    if (rv != KW_EDHOC_OK)
        OPENSSL_cleanse(k, sizeof(*k));
    return rv;
}

void oscore_nonce(const struct edhoc_aead *a, const uint8_t *common_iv,
                  const uint8_t *id_piv, size_t id_piv_len, uint64_t seq,
                  uint8_t *nonce)
{
    size_t n = a->nonce_len;

    /* size of ID_PIV (1 byte) || ID_PIV left-padded to n - 6 || Partial
     * IV left-padded to 5, XOR Common IV */
    memset(nonce, 0, n);
    nonce[0] = (uint8_t)id_piv_len;
    if (id_piv_len > 0)
        memcpy(nonce + 1 + (n - 6 - id_piv_len), id_piv, id_piv_len);
    for (size_t i = 0; i < 5; i++)
        nonce[n - 1 - i] = (uint8_t)(seq >> (8 * i));
    for (size_t i = 0; i < n; i++)
        nonce[i] ^= common_iv[i];
}

int oscore_aad(kw_cbor_enc *e, int alg, const uint8_t *kid, size_t kid_len,
               const uint8_t *piv, size_t piv_len)
{
    kw_cbor_enc arr;
    int rv;

    kw_cbor_enc_init(&arr);
    kw_cbor_put_array(&arr, 5);
    kw_cbor_put_uint(&arr, 1); /* oscore_version */
    kw_cbor_put_array(&arr, 1);
    kw_cbor_put_int(&arr, alg);
    kw_cbor_put_bstr(&arr, kid, kid_len);
    kw_cbor_put_bstr(&arr, piv, piv_len);
    kw_cbor_put_bstr(&arr, NULL, 0); /* no Class I options */
    kw_cbor_put_array(e, 3);
    kw_cbor_put_tstr(e, "Encrypt0", 8);
    kw_cbor_put_bstr(e, NULL, 0);
    kw_cbor_put_bstr(e, arr.buf, arr.len);
    rv = kw_cbor_enc_error(&arr) || kw_cbor_enc_error(e) ? KW_EDHOC_E_NOMEM
                                                         : KW_EDHOC_OK;
    kw_cbor_enc_cleanup(&arr);
    return rv;
}

size_t oscore_piv(uint64_t seq, uint8_t piv[OSCORE_PIV_MAX])
{
    size_t n = 1;

    while (n < OSCORE_PIV_MAX && (seq >> (8 * n)) != 0)
        n++;
    for (size_t i = 0; i < n; i++)
        piv[n - 1 - i] = (uint8_t)(seq >> (8 * i));
    return n;
}
