/* SPDX-License-Identifier: Apache-2.0 */
/* trace_keys_soft.c: trace long-term keys as software EVP_PKEYs (default
 * provider). */
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "trace_keys.h"

int trace_keys_init(void)
{
    return 0;
}

void trace_keys_cleanup(void)
{
}

static EVP_PKEY *p256(const uint8_t *priv, size_t priv_len, const uint8_t *pub,
                      size_t pub_len)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *key = NULL;
    BIGNUM *d = BN_bin2bn(priv, (int)priv_len, NULL);
    uint8_t point[65];

    if (bld == NULL || d == NULL || pub_len != 64)
        goto out;
    point[0] = 0x04;
    for (size_t i = 0; i < 64; i++)
        point[1 + i] = pub[i];
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         "P-256", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                          sizeof(point)) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_KEYPAIR, params) <= 0)
        key = NULL;
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    return key;
}

EVP_PKEY *trace_key_load(const char *label, enum trace_key_type type,
                         const uint8_t *priv, size_t priv_len,
                         const uint8_t *pub, size_t pub_len)
{
    (void)label;
    if (type == TRACE_KEY_ED25519)
        return EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, priv,
                                               priv_len);
    return p256(priv, priv_len, pub, pub_len);
}
