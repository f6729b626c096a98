/* SPDX-License-Identifier: Apache-2.0 */
/* keymgmt_ed25519.c: key management for Ed25519 keys held in the token. */
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "prov.h"

static OSSL_FUNC_keymgmt_new_fn ed25519_new;
static OSSL_FUNC_keymgmt_gen_init_fn ed25519_gen_init;
static OSSL_FUNC_keymgmt_gen_set_params_fn ed25519_gen_set_params;
static OSSL_FUNC_keymgmt_gen_settable_params_fn ed25519_gen_settable_params;
static OSSL_FUNC_keymgmt_gen_fn ed25519_gen;
static OSSL_FUNC_keymgmt_gen_cleanup_fn ed25519_gen_cleanup;
static OSSL_FUNC_keymgmt_gettable_params_fn ed25519_gettable_params;
static OSSL_FUNC_keymgmt_import_types_fn ed25519_io_types;
static OSSL_FUNC_keymgmt_query_operation_name_fn ed25519_query_operation_name;

static void *ed25519_new(void *provctx)
{
    return prov_key_new(provctx, PROV_KEY_ED25519);
}

static void *ed25519_gen_init(void *provctx, int selection,
                              const OSSL_PARAM params[])
{
    return prov_gen_new(provctx, PROV_KEY_ED25519, selection, params);
}

static int ed25519_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
    return prov_gen_set_params(genctx, params);
}

static const OSSL_PARAM *ed25519_gen_settable_params(void *genctx,
                                                     void *provctx)
{
    (void)genctx;
    (void)provctx;
    return prov_gen_settable_params(PROV_KEY_ED25519);
}

static void *ed25519_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
    (void)cb;
    (void)cbarg;
    return prov_gen_run(genctx);
}

static void ed25519_gen_cleanup(void *genctx)
{
    prov_gen_free(genctx);
}

static const OSSL_PARAM ed25519_gettable[] = {
    OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
    OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
    OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
    OSSL_PARAM_utf8_string(PROV_PARAM_TOKEN_MECHS, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *ed25519_gettable_params(void *provctx)
{
    (void)provctx;
    return ed25519_gettable;
}

static const OSSL_PARAM ed25519_io[] = {
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *ed25519_io_types(int selection)
{
    return (selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY |
                         OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS)) != 0
               ? ed25519_io
               : NULL;
}

static const char *ed25519_query_operation_name(int operation_id)
{
    prov_order_touch("ED25519");
    return operation_id == OSSL_OP_SIGNATURE ? PROV_SIG_ED25519 : NULL;
}

const OSSL_DISPATCH prov_ed25519_keymgmt_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))ed25519_new},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))ed25519_gen_init},
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))ed25519_gen_set_params},
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS,
     (void (*)(void))ed25519_gen_settable_params},
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))ed25519_gen},
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))ed25519_gen_cleanup},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))prov_km_load},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))prov_km_free},
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))prov_km_dup},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))prov_km_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))prov_km_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))prov_km_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))ed25519_io_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))prov_km_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))ed25519_io_types},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))prov_km_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,
     (void (*)(void))ed25519_gettable_params},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,
     (void (*)(void))ed25519_query_operation_name},
    {0, NULL}};
