/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_ecdh.c: ephemeral keys, compact public keys and ECDH
 * (EVP_PKEY_derive). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "edhoc_local.h"

/* P-256 key from a private scalar; the public point is computed (only the
 * test hook gets here). */
static EVP_PKEY *p256_from_priv(const kw_edhoc_ctx *ctx, const uint8_t *priv,
                                size_t len)
{
    EC_GROUP *group = NULL;
    EC_POINT *pt = NULL;
    BIGNUM *d = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *key = NULL;
    uint8_t pub[65];

    group = EC_GROUP_new_by_curve_name_ex(ctx->libctx, ctx->propq,
                                          NID_X9_62_prime256v1);
    d = BN_secure_new();
    if (group == NULL || d == NULL || BN_bin2bn(priv, (int)len, d) == NULL)
        goto out;
    if ((pt = EC_POINT_new(group)) == NULL ||
        !EC_POINT_mul(group, pt, d, NULL, NULL, NULL) ||
        EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, pub,
                           sizeof(pub), NULL) != sizeof(pub))
        goto out;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         "P-256", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
                                          sizeof(pub)) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    pctx = EVP_PKEY_CTX_new_from_name(ctx->libctx, "EC", ctx->propq);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
        key = NULL;
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params); /* built with the secure BN: cleared */
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    EC_POINT_free(pt);
    EC_GROUP_free(group);
    return key;
}

static int pub_x(EVP_PKEY *key, enum edhoc_curve curve,
                 uint8_t x[EDHOC_COORD_LEN])
{
    size_t len = EDHOC_COORD_LEN;

    if (curve == EDHOC_CURVE_X25519)
        return EVP_PKEY_get_raw_public_key(key, x, &len) == 1 &&
               len == EDHOC_COORD_LEN;

    BIGNUM *bx = NULL;
    int ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
             BN_bn2binpad(bx, x, EDHOC_COORD_LEN) == EDHOC_COORD_LEN;
    BN_free(bx);
    return ok;
}

int edhoc_eph_generate(const kw_edhoc_ctx *ctx, enum edhoc_curve curve,
                       const uint8_t *fixed, size_t fixed_len, EVP_PKEY **key,
                       uint8_t x[EDHOC_COORD_LEN])
{
    EVP_PKEY *k = NULL;

    if (fixed != NULL && fixed_len != EDHOC_COORD_LEN)
        return KW_EDHOC_E_PARAM;
    if (curve == EDHOC_CURVE_X25519)
        k = fixed != NULL
                ? EVP_PKEY_new_raw_private_key_ex(ctx->libctx, "X25519",
                                                  ctx->propq, fixed, fixed_len)
                : EVP_PKEY_Q_keygen(ctx->libctx, ctx->propq, "X25519");
    else
        k = fixed != NULL
                ? p256_from_priv(ctx, fixed, fixed_len)
                : EVP_PKEY_Q_keygen(ctx->libctx, ctx->propq, "EC", "P-256");
    if (k == NULL)
        return KW_EDHOC_E_CRYPTO;
    if (!pub_x(k, curve, x)) {
        EVP_PKEY_free(k);
        return KW_EDHOC_E_CRYPTO;
    }
    *key = k;
    return KW_EDHOC_OK;
}

int edhoc_pub_from_x(const kw_edhoc_ctx *ctx, enum edhoc_curve curve,
                     const uint8_t x[EDHOC_COORD_LEN], EVP_PKEY **key)
{
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *k = NULL;
    uint8_t point[1 + EDHOC_COORD_LEN];
    OSSL_PARAM params[3];
    int rv = KW_EDHOC_E_DECODE;

    if (curve == EDHOC_CURVE_X25519) {
        /* Low-order points are caught by the derive (all-zero output). */
        k = EVP_PKEY_new_raw_public_key_ex(ctx->libctx, "X25519", ctx->propq, x,
                                           EDHOC_COORD_LEN);
        if (k == NULL)
            return KW_EDHOC_E_CRYPTO;
        *key = k;
        return KW_EDHOC_OK;
    }
    /*
     * Compact representation (RFC 9528 appendix B): any y will do, so the
     * x-coordinate becomes a compressed point with an even y. Decoding
     * refuses x >= p and an x with no point on the curve; the public check
     * then runs the full SP 800-56A partial validation.
     */
    point[0] = 0x02;
    memcpy(point + 1, x, EDHOC_COORD_LEN);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *)"P-256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, sizeof(point));
    params[2] = OSSL_PARAM_construct_end();
    pctx = EVP_PKEY_CTX_new_from_name(ctx->libctx, "EC", ctx->propq);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0) {
        rv = KW_EDHOC_E_CRYPTO;
        goto out;
    }
    if (EVP_PKEY_fromdata(pctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        goto out;
    EVP_PKEY_CTX_free(pctx);
    pctx = EVP_PKEY_CTX_new_from_pkey(ctx->libctx, k, ctx->propq);
    if (pctx == NULL || EVP_PKEY_public_check(pctx) != 1)
        goto out;
    *key = k;
    k = NULL;
    rv = KW_EDHOC_OK;
out:
    EVP_PKEY_CTX_free(pctx);
    EVP_PKEY_free(k);
    return rv;
}

int edhoc_ecdh(const kw_edhoc_ctx *ctx, EVP_PKEY *own, bool long_term,
               EVP_PKEY *peer, uint8_t secret[EDHOC_COORD_LEN])
{
    EVP_PKEY_CTX *pctx;
    size_t len = EDHOC_COORD_LEN;
    int rv = KW_EDHOC_E_CRYPTO;

    /* A long-term key goes to its own provider (it may live in a token). */
    pctx = EVP_PKEY_CTX_new_from_pkey(ctx->libctx, own,
                                      long_term ? NULL : ctx->propq);
    if (pctx == NULL)
        return KW_EDHOC_E_NOMEM;
    if (EVP_PKEY_derive_init(pctx) == 1 &&
        EVP_PKEY_derive_set_peer_ex(pctx, peer, 0) == 1 &&
        EVP_PKEY_derive(pctx, secret, &len) == 1 && len == EDHOC_COORD_LEN)
        rv = KW_EDHOC_OK;
    EVP_PKEY_CTX_free(pctx);
    if (rv != KW_EDHOC_OK)
        OPENSSL_cleanse(secret, EDHOC_COORD_LEN);
    return rv;
}

enum edhoc_key_kind edhoc_key_kind(EVP_PKEY *key)
{
    char group[32];

    if (key == NULL)
        return EDHOC_KEY_OTHER;
    if (EVP_PKEY_is_a(key, "X25519"))
        return EDHOC_KEY_X25519;
    if (EVP_PKEY_is_a(key, "ED25519"))
        return EDHOC_KEY_ED25519;
    if (!EVP_PKEY_is_a(key, "EC"))
        return EDHOC_KEY_OTHER;
    /* Provider-backed keys may not report a group name; bits will do. */
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), NULL) == 1)
        return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0
                   ? EDHOC_KEY_P256
                   : EDHOC_KEY_OTHER;
    return EVP_PKEY_get_bits(key) == 256 ? EDHOC_KEY_P256 : EDHOC_KEY_OTHER;
}
