/* SPDX-License-Identifier: Apache-2.0 */
/* mac_cmac.c: AES-CMAC (RFC 4493) as EVP_MAC "KEYWARD-CMAC", the key a
 * token AES key named by URI; the "cipher" parameter, when given, must
 * agree with the key's size. */
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "prov.h"

#define CMAC_NAME "KEYWARD-CMAC"

static const struct {
    const char *cipher;
    int bits;
} cmac_ciphers[] = {
    {"AES-128-CBC", 128},
    {"AES-192-CBC", 192},
    {"AES-256-CBC", 256},
};

static int cmac_set_params(struct prov_mac *m, const OSSL_PARAM params[])
{
    const OSSL_PARAM *p =
        OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_CIPHER);
    const char *name = NULL;

    if (p == NULL)
        return 1;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
        return 0;
    for (size_t i = 0; i < sizeof(cmac_ciphers) / sizeof(cmac_ciphers[0]); i++)
        if (strcasecmp(name, cmac_ciphers[i].cipher) == 0) {
            m->choice = cmac_ciphers[i].bits;
            return 1;
        }
    PROV_RAISE(m->ctx, KW_R_INVALID_PARAM,
               "%s: cipher %s; it does AES-CMAC (AES-128-CBC, AES-192-CBC, "
               "AES-256-CBC, or no cipher: the key's size)",
               CMAC_NAME, name);
    return 0;
}

/* Without a cipher parameter the key's own size decides. */
static int cmac_resolve(struct prov_mac *m)
{
    m->mech = CKM_AES_CMAC;
    m->size = 16;
    m->block = 16;
    m->cap = PROV_CAP_AES_CMAC;
    m->need = (struct prov_secret_need){CMAC_NAME,
                                        {CKK_AES},
                                        1,
                                        m->choice > 0 ? (size_t)m->choice : 0,
                                        HSM_USE_SIGN};
    return 1;
}

static const OSSL_PARAM cmac_settable[] = {
    OSSL_PARAM_utf8_string(PROV_PARAM_KEY_URI, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_CIPHER, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_PROPERTIES, NULL, 0), OSSL_PARAM_END};

static const struct prov_mac_alg cmac_alg = {CMAC_NAME,
                                             cmac_set_params,
                                             cmac_resolve,
                                             cmac_settable,
                                             {CMAC_NAME, {CKK_AES}, 1, 0, 0}};

static OSSL_FUNC_mac_newctx_fn cmac_newctx;
static OSSL_FUNC_mac_settable_ctx_params_fn cmac_settable_ctx_params;

static void *cmac_newctx(void *provctx)
{
    return prov_mac_newctx(provctx, &cmac_alg);
}

static const OSSL_PARAM *cmac_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return cmac_settable;
}

const OSSL_DISPATCH prov_cmac_mac_functions[] = {
    {OSSL_FUNC_MAC_NEWCTX, (void (*)(void))cmac_newctx},
    {OSSL_FUNC_MAC_DUPCTX, (void (*)(void))prov_mac_dupctx},
    {OSSL_FUNC_MAC_FREECTX, (void (*)(void))prov_mac_freectx},
    {OSSL_FUNC_MAC_INIT, (void (*)(void))prov_mac_init},
    {OSSL_FUNC_MAC_UPDATE, (void (*)(void))prov_mac_update},
    {OSSL_FUNC_MAC_FINAL, (void (*)(void))prov_mac_final},
    {OSSL_FUNC_MAC_GETTABLE_CTX_PARAMS,
     (void (*)(void))prov_mac_gettable_ctx_params},
    {OSSL_FUNC_MAC_GET_CTX_PARAMS, (void (*)(void))prov_mac_get_ctx_params},
    {OSSL_FUNC_MAC_SETTABLE_CTX_PARAMS,
     (void (*)(void))cmac_settable_ctx_params},
    {OSSL_FUNC_MAC_SET_CTX_PARAMS, (void (*)(void))prov_mac_set_ctx_params},
    PROV_MAC_SKEY_DISPATCH{0, NULL}};
