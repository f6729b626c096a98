/* SPDX-License-Identifier: Apache-2.0 */
/* sig_eddsa.c: Ed25519 signatures (pure EdDSA: the token signs the whole
 * message with CKM_EDDSA); verification in software. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

static OSSL_FUNC_signature_newctx_fn ed_newctx;
static OSSL_FUNC_signature_get_ctx_params_fn ed_get_ctx_params;
static OSSL_FUNC_signature_gettable_ctx_params_fn ed_gettable_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn ed_set_ctx_params;
static OSSL_FUNC_signature_settable_ctx_params_fn ed_settable_ctx_params;

static int ed_sign(struct prov_sig *s, const uint8_t *tbs, size_t tbslen,
                   uint8_t *sig, size_t *siglen, size_t sigsize)
{
    static const struct hsm_mech mech = {.type = CKM_EDDSA};
    size_t len = sigsize;
    CK_RV rv;

    if (sigsize < 64) {
        PROV_RAISE(s->ctx, KW_R_BUFFER_TOO_SMALL,
                   "signature buffer of %zu bytes, 64 needed", sigsize);
        return 0;
    }
    ERR_set_mark();
    rv = hsm_sign(s->key->priv, &mech, tbs, tbslen, sig, &len);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(s->ctx, rv, "Ed25519 signature with key '%s'",
                      hsm_key_get0_label(s->key->priv));
        return 0;
    }
    *siglen = len;
    return 1;
}

/* id-Ed25519 without parameters (RFC 8410 section 3). */
static int ed_algorithm_id(struct prov_sig *s, uint8_t *out, size_t *len)
{
    static const uint8_t aid[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

    (void)s;
    if (*len < sizeof(aid))
        return 0;
    memcpy(out, aid, sizeof(aid));
    *len = sizeof(aid);
    return 1;
}

static const struct prov_sig_alg ed_alg = {
    .type = PROV_KEY_ED25519,
    .cap = PROV_CAP_EDDSA,
    .what = "Ed25519 signature",
    .prehash = false,
    .sign = ed_sign,
    .algorithm_id = ed_algorithm_id,
    .set_params = ed_set_ctx_params,
};

static void *ed_newctx(void *provctx, const char *propq)
{
    (void)propq;
    return prov_sig_newctx(provctx, &ed_alg);
}

static int ed_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    return prov_sig_get_common(vctx, params);
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *ed_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gettable;
}

static int ed_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    (void)vctx;
    (void)params;
    return 1;
}

static const OSSL_PARAM settable[] = {OSSL_PARAM_END};

static const OSSL_PARAM *ed_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return settable;
}

const OSSL_DISPATCH prov_ed25519_signature_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))ed_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))prov_sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))prov_sig_dupctx},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
     (void (*)(void))prov_sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))prov_sig_digest_sign},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT,
     (void (*)(void))prov_sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))prov_sig_digest_verify},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))ed_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
     (void (*)(void))ed_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))ed_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
     (void (*)(void))ed_settable_ctx_params},
    {0, NULL}};
