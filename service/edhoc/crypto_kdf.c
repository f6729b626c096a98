/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_kdf.c: SHA-256, HKDF (EVP_KDF "HKDF") and EDHOC_KDF. */
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "edhoc_local.h"

int edhoc_hash(const kw_edhoc_ctx *ctx, const uint8_t *in, size_t len,
               uint8_t out[EDHOC_HASH_LEN])
{
    unsigned int n = 0;

    if (!EVP_Digest(in, len, out, &n, ctx->sha256, NULL) || n != EDHOC_HASH_LEN)
        return KW_EDHOC_E_CRYPTO;
    return KW_EDHOC_OK;
}

static int hkdf(const kw_edhoc_ctx *ctx, int mode, const uint8_t *key,
                size_t key_len, const uint8_t *salt, size_t salt_len,
                const uint8_t *info, size_t info_len, uint8_t *out,
                size_t out_len)
{
    OSSL_PARAM params[7], *p = params;
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(ctx->hkdf);
    int rv = KW_EDHOC_E_CRYPTO;

    if (kctx == NULL)
        return KW_EDHOC_E_NOMEM;
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    if (ctx->propq != NULL)
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_PROPERTIES,
                                                ctx->propq, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key,
                                             key_len);
    if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                 (void *)salt, salt_len);
    else if (info_len > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, out, out_len, params) == 1)
        rv = KW_EDHOC_OK;
    EVP_KDF_CTX_free(kctx);
    return rv;
}

int edhoc_hkdf_extract(const kw_edhoc_ctx *ctx, const uint8_t *salt,
                       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                       uint8_t prk[EDHOC_HASH_LEN])
{
    return hkdf(ctx, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ikm_len, salt,
                salt_len, NULL, 0, prk, EDHOC_HASH_LEN);
}

int edhoc_hkdf_expand(const kw_edhoc_ctx *ctx, const uint8_t *prk,
                      size_t prk_len, const uint8_t *info, size_t info_len,
                      uint8_t *out, size_t out_len)
{
    if (out_len == 0 || out_len > 255 * EDHOC_HASH_LEN)
        return KW_EDHOC_E_PARAM;
    return hkdf(ctx, EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, prk_len, NULL, 0, info,
                info_len, out, out_len);
}

int edhoc_kdf(const kw_edhoc_ctx *ctx, const uint8_t prk[EDHOC_HASH_LEN],
              int64_t label, const uint8_t *context, size_t context_len,
              uint8_t *out, size_t out_len)
{
    kw_cbor_enc info;
    int rv;

    /* info = ( info_label : int, context : bstr, length : uint ) */
    kw_cbor_enc_init(&info);
    kw_cbor_put_int(&info, label);
    kw_cbor_put_bstr(&info, context, context_len);
    kw_cbor_put_uint(&info, out_len);
    if ((rv = kw_cbor_enc_error(&info)) != 0)
        rv = KW_EDHOC_E_NOMEM;
    else
        rv = edhoc_hkdf_expand(ctx, prk, EDHOC_HASH_LEN, info.buf, info.len,
                               out, out_len);
    kw_cbor_enc_cleanup(&info);
    return rv;
}
