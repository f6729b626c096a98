/* SPDX-License-Identifier: Apache-2.0 */
/* keymgmt_ec.c: key management for EC keys (P-256, P-384, P-521) held in
 * the token. */
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "prov.h"

static OSSL_FUNC_keymgmt_new_fn ec_new;
static OSSL_FUNC_keymgmt_gen_init_fn ec_gen_init;
static OSSL_FUNC_keymgmt_gen_set_params_fn ec_gen_set_params;
static OSSL_FUNC_keymgmt_gen_settable_params_fn ec_gen_settable_params;
static OSSL_FUNC_keymgmt_gen_fn ec_gen;
static OSSL_FUNC_keymgmt_gen_cleanup_fn ec_gen_cleanup;
static OSSL_FUNC_keymgmt_gettable_params_fn ec_gettable_params;
static OSSL_FUNC_keymgmt_import_types_fn ec_io_types;
static OSSL_FUNC_keymgmt_query_operation_name_fn ec_query_operation_name;

static void *ec_new(void *provctx)
{
    return prov_key_new(provctx, PROV_KEY_EC);
}

static void *ec_gen_init(void *provctx, int selection,
                         const OSSL_PARAM params[])
{
    return prov_gen_new(provctx, PROV_KEY_EC, selection, params);
}

static int ec_gen_set_params(void *genctx, const OSSL_PARAM params[])
{
    return prov_gen_set_params(genctx, params);
}

static const OSSL_PARAM *ec_gen_settable_params(void *genctx, void *provctx)
{
    (void)genctx;
    (void)provctx;
    return prov_gen_settable_params(PROV_KEY_EC);
}

static void *ec_gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
    (void)cb;
    (void)cbarg;
    return prov_gen_run(genctx);
}

static void ec_gen_cleanup(void *genctx)
{
    prov_gen_free(genctx);
}

static const OSSL_PARAM ec_gettable[] = {
    OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
    OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
    OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
    OSSL_PARAM_utf8_string(PROV_PARAM_TOKEN_MECHS, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_FIELD_TYPE, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *ec_gettable_params(void *provctx)
{
    (void)provctx;
    return ec_gettable;
}

static const OSSL_PARAM ec_io[] = {
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *ec_io_types(int selection)
{
    return (selection & (OSSL_KEYMGMT_SELECT_PUBLIC_KEY |
                         OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS)) != 0
               ? ec_io
               : NULL;
}

static const char *ec_query_operation_name(int operation_id)
{
    prov_order_touch("EC");
    switch (operation_id) {
    case OSSL_OP_SIGNATURE:
        return PROV_SIG_ECDSA;
    case OSSL_OP_KEYEXCH:
        return PROV_EXCH_ECDH;
    case OSSL_OP_KEM:
        return PROV_KEM_DHKEM;
    default:
        return NULL;
    }
}

const OSSL_DISPATCH prov_ec_keymgmt_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))ec_new},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))ec_gen_init},
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))ec_gen_set_params},
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS,
     (void (*)(void))ec_gen_settable_params},
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))ec_gen},
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))ec_gen_cleanup},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))prov_km_load},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))prov_km_free},
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))prov_km_dup},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))prov_km_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))prov_km_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))prov_km_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))ec_io_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))prov_km_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))ec_io_types},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))prov_km_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))ec_gettable_params},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,
     (void (*)(void))ec_query_operation_name},
    {0, NULL}};
