/* SPDX-License-Identifier: Apache-2.0 */
/* sig_ecdsa.c: ECDSA signatures: the digest in software, CKM_ECDSA in the
 * token, DER (ECDSA-Sig-Value) in and out. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "prov.h"

static OSSL_FUNC_signature_newctx_fn ecdsa_newctx;
static OSSL_FUNC_signature_get_ctx_params_fn ecdsa_get_ctx_params;
static OSSL_FUNC_signature_gettable_ctx_params_fn ecdsa_gettable_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn ecdsa_set_ctx_params;
static OSSL_FUNC_signature_settable_ctx_params_fn ecdsa_settable_ctx_params;

static int ecdsa_sign(struct prov_sig *s, const uint8_t *tbs, size_t tbslen,
                      uint8_t *sig, size_t *siglen, size_t sigsize)
{
    static const struct hsm_mech mech = {.type = CKM_ECDSA};
    uint8_t raw[2 * 66];
    size_t rawlen = 2 * (size_t)((s->key->bits + 7) / 8);
    CK_RV rv;

    ERR_set_mark();
    rv = hsm_sign(s->key->priv, &mech, tbs, tbslen, raw, &rawlen);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(s->ctx, rv, "ECDSA signature with key '%s'",
                      hsm_key_get0_label(s->key->priv));
        return 0;
    }
    if (!prov_ecdsa_raw_to_der(raw, rawlen, sig, siglen, sigsize)) {
        PROV_RAISE(s->ctx, KW_R_BUFFER_TOO_SMALL,
                   "signature buffer of %zu bytes", sigsize);
        return 0;
    }
    return 1;
}

/* ecdsa-with-SHA* (RFC 5758 section 3.2; SHA-1: RFC 3279). */
static int ecdsa_algorithm_id(struct prov_sig *s, uint8_t *out, size_t *len)
{
    static const uint8_t sha1[] = {0x30, 0x09, 0x06, 0x07, 0x2a, 0x86,
                                   0x48, 0xce, 0x3d, 0x04, 0x01};
    uint8_t sha2[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                      0x48, 0xce, 0x3d, 0x04, 0x03, 0x00};
    const uint8_t *aid = sha2;
    size_t n = sizeof(sha2);

    switch (s->md != NULL ? EVP_MD_get_type(s->md) : NID_undef) {
    case NID_sha1:
        aid = sha1;
        n = sizeof(sha1);
        break;
    case NID_sha224:
        sha2[11] = 1;
        break;
    case NID_sha256:
        sha2[11] = 2;
        break;
    case NID_sha384:
        sha2[11] = 3;
        break;
    case NID_sha512:
        sha2[11] = 4;
        break;
    default:
        return 0;
    }
    if (*len < n)
        return 0;
    memcpy(out, aid, n);
    *len = n;
    return 1;
}

static const struct prov_sig_alg ecdsa_alg = {
    .type = PROV_KEY_EC,
    .cap = PROV_CAP_ECDSA,
    .what = "ECDSA signature",
    .prehash = true,
    .sign = ecdsa_sign,
    .algorithm_id = ecdsa_algorithm_id,
    .set_params = ecdsa_set_ctx_params,
};

static void *ecdsa_newctx(void *provctx, const char *propq)
{
    (void)propq;
    return prov_sig_newctx(provctx, &ecdsa_alg);
}

static int ecdsa_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    return prov_sig_get_common(vctx, params);
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
    OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
    OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *ecdsa_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gettable;
}

static int ecdsa_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    return params == NULL || prov_sig_set_common(vctx, params);
}

static const OSSL_PARAM settable[] = {
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *ecdsa_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return settable;
}

const OSSL_DISPATCH prov_ecdsa_signature_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))ecdsa_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))prov_sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))prov_sig_dupctx},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))prov_sig_sign_init},
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))prov_sig_sign},
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))prov_sig_verify_init},
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))prov_sig_verify},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
     (void (*)(void))prov_sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE,
     (void (*)(void))prov_sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL,
     (void (*)(void))prov_sig_digest_sign_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))prov_sig_digest_sign},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT,
     (void (*)(void))prov_sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE,
     (void (*)(void))prov_sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL,
     (void (*)(void))prov_sig_digest_verify_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))prov_sig_digest_verify},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))ecdsa_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
     (void (*)(void))ecdsa_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))ecdsa_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
     (void (*)(void))ecdsa_settable_ctx_params},
    {0, NULL}};
