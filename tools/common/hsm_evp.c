/* SPDX-License-Identifier: Apache-2.0 */
/* hsm_evp.c: OpenSSL views of hsm/ objects, for tools and tests. */
#include "hsm_evp.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

const char *kw_ec_group_name(const uint8_t *der, size_t len)
{
    static const struct {
        const char *name;
        uint8_t der[10];
        size_t len;
    } g[] = {
        {"P-256", {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 10},
        {"P-384", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, 7},
        {"P-521", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}, 7},
    };
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
        if (g[i].len == len && memcmp(g[i].der, der, len) == 0)
            return g[i].name;
    return NULL;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *b)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;

    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

EVP_PKEY *kw_hsm_evp_pubkey(hsm_key *k)
{
    struct hsm_pubkey pub;
    OSSL_PARAM_BLD *b = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *n = NULL, *e = NULL;
    const char *grp;

    if (hsm_key_get_pubkey(k, &pub) != CKR_OK)
        return NULL;
    if (pub.type == CKK_EC_EDWARDS) {
        if (pub.point_len == 32)
            pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL,
                                                  pub.point, pub.point_len);
        goto out;
    }
    if ((b = OSSL_PARAM_BLD_new()) == NULL)
        goto out;
    if (pub.type == CKK_RSA) {
        n = BN_bin2bn(pub.n, (int)pub.n_len, NULL);
        e = BN_bin2bn(pub.e, (int)pub.e_len, NULL);
        if (n && e && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) &&
            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e))
            pkey = pkey_fromdata("RSA", b);
    } else if ((grp = kw_ec_group_name(pub.params, pub.params_len)) != NULL &&
               OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                               grp, 0) &&
               OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY,
                                                pub.point, pub.point_len)) {
        pkey = pkey_fromdata("EC", b);
    }
out:
    BN_free(n);
    BN_free(e);
    OSSL_PARAM_BLD_free(b);
    hsm_pubkey_clear(&pub);
    return pkey;
}

uint8_t *kw_ecdsa_raw_to_der(const uint8_t *raw, size_t rawlen, size_t *derlen)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)rawlen / 2, NULL);
    BIGNUM *s = BN_bin2bn(raw + rawlen / 2, (int)rawlen / 2, NULL);
    uint8_t *der = NULL;
    int len;

    if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return NULL;
    }
    len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    *derlen = len > 0 ? (size_t)len : 0;
    return len > 0 ? der : NULL;
}
