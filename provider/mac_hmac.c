/* SPDX-License-Identifier: Apache-2.0 */
/* mac_hmac.c: HMAC-SHA256/384/512 as EVP_MAC "KEYWARD-HMAC", the key a
 * token secret key named by URI (parameters "pkcs11_uri" and "digest"). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "prov.h"

#define HMAC_NAME "KEYWARD-HMAC"

static const struct {
    int nid;
    CK_MECHANISM_TYPE mech;
    CK_KEY_TYPE key_type; /* the token's HMAC key type for this digest */
    size_t size, block;
    enum prov_cap cap;
} hmac_digests[] = {
    {NID_sha256, CKM_SHA256_HMAC, CKK_SHA256_HMAC, 32, 64,
     PROV_CAP_HMAC_SHA256},
    {NID_sha384, CKM_SHA384_HMAC, CKK_SHA384_HMAC, 48, 128,
     PROV_CAP_HMAC_SHA384},
    {NID_sha512, CKM_SHA512_HMAC, CKK_SHA512_HMAC, 64, 128,
     PROV_CAP_HMAC_SHA512},
};
#define N_DIGESTS (sizeof(hmac_digests) / sizeof(hmac_digests[0]))

static int hmac_set_params(struct prov_mac *m, const OSSL_PARAM params[])
{
    const OSSL_PARAM *p =
        OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_DIGEST);
    const char *name = NULL;
    EVP_MD *md;
    int nid;

    if (p == NULL)
        return 1;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
        return 0;
    /* The digest's own names and aliases, as OpenSSL knows them. */
    if ((md = prov_md_fetch(m->ctx, name)) == NULL)
        return 0;
    nid = EVP_MD_get_type(md);
    EVP_MD_free(md);
    for (size_t i = 0; i < N_DIGESTS; i++)
        if (hmac_digests[i].nid == nid) {
            m->choice = (int)i;
            return 1;
        }
    PROV_RAISE(m->ctx, KW_R_INVALID_PARAM,
               "%s: digest %s; it offers SHA256, SHA384 and SHA512", HMAC_NAME,
               name);
    return 0;
}

static int hmac_resolve(struct prov_mac *m)
{
    if (m->choice < 0 || (size_t)m->choice >= N_DIGESTS) {
        PROV_RAISE(m->ctx, KW_R_INVALID_PARAM,
                   "%s needs a \"%s\" parameter (SHA256, SHA384 or SHA512)",
                   HMAC_NAME, OSSL_MAC_PARAM_DIGEST);
        return 0;
    }
    m->mech = hmac_digests[m->choice].mech;
    m->size = hmac_digests[m->choice].size;
    m->block = hmac_digests[m->choice].block;
    m->cap = hmac_digests[m->choice].cap;
    m->need = (struct prov_secret_need){
        HMAC_NAME,
        {CKK_GENERIC_SECRET, hmac_digests[m->choice].key_type},
        2,
        0,
        HSM_USE_SIGN};
    return 1;
}

static const OSSL_PARAM hmac_settable[] = {
    OSSL_PARAM_utf8_string(PROV_PARAM_KEY_URI, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_PROPERTIES, NULL, 0), OSSL_PARAM_END};

static const struct prov_mac_alg hmac_alg = {
    HMAC_NAME,
    hmac_set_params,
    hmac_resolve,
    hmac_settable,
    {HMAC_NAME,
     {CKK_GENERIC_SECRET, CKK_SHA256_HMAC, CKK_SHA384_HMAC, CKK_SHA512_HMAC},
     4,
     0,
     0}};

static OSSL_FUNC_mac_newctx_fn hmac_newctx;
static OSSL_FUNC_mac_settable_ctx_params_fn hmac_settable_ctx_params;

static void *hmac_newctx(void *provctx)
{
    return prov_mac_newctx(provctx, &hmac_alg);
}

static const OSSL_PARAM *hmac_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return hmac_settable;
}

const OSSL_DISPATCH prov_hmac_mac_functions[] = {
    {OSSL_FUNC_MAC_NEWCTX, (void (*)(void))hmac_newctx},
    {OSSL_FUNC_MAC_DUPCTX, (void (*)(void))prov_mac_dupctx},
    {OSSL_FUNC_MAC_FREECTX, (void (*)(void))prov_mac_freectx},
    {OSSL_FUNC_MAC_INIT, (void (*)(void))prov_mac_init},
    {OSSL_FUNC_MAC_UPDATE, (void (*)(void))prov_mac_update},
    {OSSL_FUNC_MAC_FINAL, (void (*)(void))prov_mac_final},
    {OSSL_FUNC_MAC_GETTABLE_CTX_PARAMS,
     (void (*)(void))prov_mac_gettable_ctx_params},
    {OSSL_FUNC_MAC_GET_CTX_PARAMS, (void (*)(void))prov_mac_get_ctx_params},
    {OSSL_FUNC_MAC_SETTABLE_CTX_PARAMS,
     (void (*)(void))hmac_settable_ctx_params},
    {OSSL_FUNC_MAC_SET_CTX_PARAMS, (void (*)(void))prov_mac_set_ctx_params},
    PROV_MAC_SKEY_DISPATCH{0, NULL}};
