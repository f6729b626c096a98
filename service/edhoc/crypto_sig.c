/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_sig.c: COSE signatures (Ed25519, ES256 as raw r||s) via
 * EVP_DigestSign/Verify. */
#include <openssl/ecdsa.h>

#include "edhoc_local.h"

int edhoc_sign(const kw_edhoc_ctx *ctx, enum edhoc_sig alg, EVP_PKEY *key,
               const uint8_t *tbs, size_t tbs_len, uint8_t sig[EDHOC_SIG_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ECDSA_SIG *es = NULL;
    uint8_t der[80];
    const uint8_t *p = der;
    size_t len = sizeof(der);
    int rv = KW_EDHOC_E_CRYPTO;

    if (md == NULL)
        return KW_EDHOC_E_NOMEM;
    /* Property query NULL: the key's own provider signs (maybe a token). */
    if (EVP_DigestSignInit_ex(md, NULL,
                              alg == EDHOC_SIG_ES256 ? "SHA256" : NULL,
                              ctx->libctx, NULL, key, NULL) != 1)
        goto out;
    if (alg == EDHOC_SIG_EDDSA) {
        len = EDHOC_SIG_LEN;
        if (EVP_DigestSign(md, sig, &len, tbs, tbs_len) == 1 &&
            len == EDHOC_SIG_LEN)
            rv = KW_EDHOC_OK;
        goto out;
    }
    /* COSE ES256 is r||s, 32 bytes each (RFC 9053 section 2.1). */
    if (EVP_DigestSign(md, der, &len, tbs, tbs_len) != 1)
        goto out;
    if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
        goto out;
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) == 32 &&
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) == 32)
        rv = KW_EDHOC_OK;
out:
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
    return rv;
}

int edhoc_verify(const kw_edhoc_ctx *ctx, enum edhoc_sig alg, EVP_PKEY *pub,
                 const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                 size_t sig_len)
{
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    uint8_t *der = NULL;
    int der_len, rv = KW_EDHOC_E_AUTH;

    if (sig_len != EDHOC_SIG_LEN)
        return KW_EDHOC_E_AUTH;
    if ((md = EVP_MD_CTX_new()) == NULL)
        return KW_EDHOC_E_NOMEM;
    if (EVP_DigestVerifyInit_ex(md, NULL,
                                alg == EDHOC_SIG_ES256 ? "SHA256" : NULL,
                                ctx->libctx, ctx->propq, pub, NULL) != 1)
        goto out;
    if (alg == EDHOC_SIG_EDDSA) {
        if (EVP_DigestVerify(md, sig, sig_len, tbs, tbs_len) == 1)
            rv = KW_EDHOC_OK;
        goto out;
    }
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, 32, NULL);
    s = BN_bin2bn(sig + 32, 32, NULL);
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        goto out;
    }
    if ((der_len = i2d_ECDSA_SIG(es, &der)) <= 0)
        goto out;
    if (EVP_DigestVerify(md, der, (size_t)der_len, tbs, tbs_len) == 1)
        rv = KW_EDHOC_OK;
out:
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(md);
    return rv;
}
