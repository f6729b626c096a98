/* SPDX-License-Identifier: Apache-2.0 */
/* kem_run.c: one KEM operation through EVP as an application makes it, and
 * EC public keys of the default provider, for the KEM tests. */
#include "kem_run.h"

#include <openssl/param_build.h>

static const char *kem_op(EVP_PKEY *pk)
{
    return EVP_PKEY_is_a(pk, "RSA") ? "RSASVE" : "DHKEM";
}

bool kr_encap(EVP_PKEY *pk, const char *propq, const uint8_t *ikme,
              size_t ikmelen, uint8_t *enc, size_t *enclen, uint8_t *ss,
              size_t *sslen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, propq);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_octet_string("ikme", (void *)ikme, ikmelen),
        OSSL_PARAM_construct_end()};
    bool ok = c != NULL && EVP_PKEY_encapsulate_init(c, NULL) > 0 &&
              EVP_PKEY_CTX_set_kem_op(c, kem_op(pk)) > 0 &&
              (ikme == NULL || EVP_PKEY_CTX_set_params(c, p) > 0) &&
              EVP_PKEY_encapsulate(c, enc, enclen, ss, sslen) > 0;

    EVP_PKEY_CTX_free(c);
    return ok;
}

bool kr_decap(EVP_PKEY *pk, const uint8_t *enc, size_t enclen, uint8_t *ss,
              size_t *sslen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    bool ok = c != NULL && EVP_PKEY_decapsulate_init(c, NULL) > 0 &&
              EVP_PKEY_CTX_set_kem_op(c, kem_op(pk)) > 0 &&
              EVP_PKEY_decapsulate(c, ss, sslen, enc, enclen) > 0;

    EVP_PKEY_CTX_free(c);
    return ok;
}

EVP_PKEY *kr_default_ec_pub(const char *group, const uint8_t *pt,
                            size_t ptlen)
{
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *p = NULL;
    EVP_PKEY_CTX *c =
        EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=default");
    EVP_PKEY *pk = NULL;

    if (b != NULL && OSSL_PARAM_BLD_push_utf8_string(b, "group", group, 0) &&
        OSSL_PARAM_BLD_push_octet_string(b, "pub", pt, ptlen) &&
        (p = OSSL_PARAM_BLD_to_param(b)) != NULL && c != NULL &&
        EVP_PKEY_fromdata_init(c) > 0)
        EVP_PKEY_fromdata(c, &pk, EVP_PKEY_PUBLIC_KEY, p);
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(p);
    OSSL_PARAM_BLD_free(b);
    return pk;
}
