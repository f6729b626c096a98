/* SPDX-License-Identifier: Apache-2.0 */
/* provider.c: the keyward provider's entry point, configuration and
 * operation dispatch. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "keyward_provider.h"
#include "prov.h"

#define KEYWARD_VERSION_STR "0.1.0"

/* The directive names pkcs11-provider documents, so a user switches by
 * changing the module line of the provider section. */
#define CFG_MODULE_PATH "pkcs11-module-path"
#define CFG_TOKEN_PIN   "pkcs11-module-token-pin"
#define CFG_INIT_ARGS   "pkcs11-module-init-args"
#define ENV_MODULE      "KEYWARD_PKCS11_MODULE"

static OSSL_FUNC_provider_teardown_fn kw_teardown;
static OSSL_FUNC_provider_gettable_params_fn kw_gettable_params;
static OSSL_FUNC_provider_get_params_fn kw_get_params;
static OSSL_FUNC_provider_query_operation_fn kw_query;
static OSSL_FUNC_provider_get_reason_strings_fn kw_reason_strings;

/*
 * Process exit. OpenSSL tears providers down from its atexit handler, which
 * runs after the C++ destructors of a module loaded later (SoftHSM's), so
 * closing sessions there calls into a destroyed module. An exit handler
 * registered once a module is loaded runs before those destructors; it
 * releases every context's token state while the module still works.
 */
static pthread_mutex_t live_mx = PTHREAD_MUTEX_INITIALIZER;
static prov_ctx *live_ctxs;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void live_add(prov_ctx *ctx)
{
    pthread_mutex_lock(&live_mx);
    ctx->next_live = live_ctxs;
    live_ctxs = ctx;
    pthread_mutex_unlock(&live_mx);
}

static void live_remove(prov_ctx *ctx)
{
    pthread_mutex_lock(&live_mx);
    for (prov_ctx **pp = &live_ctxs; *pp != NULL; pp = &(*pp)->next_live)
        if (*pp == ctx) {
            *pp = ctx->next_live;
            break;
        }
    pthread_mutex_unlock(&live_mx);
}

static void prov_atexit(void)
{
    pthread_mutex_lock(&live_mx);
    for (prov_ctx *ctx = live_ctxs; ctx != NULL; ctx = ctx->next_live) {
        if (!CRYPTO_THREAD_write_lock(ctx->lock))
            continue;
        prov_tokens_free(ctx);
        hsm_module_free(ctx->module);
        ctx->module = NULL;
        ctx->exited = true;
        CRYPTO_THREAD_unlock(ctx->lock);
    }
    pthread_mutex_unlock(&live_mx);
}

static void exit_register(void)
{
    atexit(prov_atexit);
}

void prov_exit_register(void)
{
    pthread_once(&exit_once, exit_register);
}

static void ctx_free(prov_ctx *ctx)
{
    if (ctx == NULL)
        return;
    live_remove(ctx);
    prov_tokens_free(ctx);
    hsm_module_free(ctx->module);
    prov_md_cache_free(ctx);
    prov_kem_cache_free(ctx);
    /* Our child-callback registration goes first (see prov_order.c). */
    prov_order_free(ctx);
    OSSL_LIB_CTX_free(ctx->libctx);
    CRYPTO_THREAD_lock_free(ctx->lock);
    free(ctx->module_path);
    free(ctx->init_args);
    if (ctx->pin_spec != NULL)
        OPENSSL_secure_clear_free(ctx->pin_spec, ctx->pin_spec_len + 1);
    PROV_CLEAR_FREE(ctx);
}

static void kw_teardown(void *provctx)
{
    ctx_free(provctx);
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
    OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL), OSSL_PARAM_END};

static const OSSL_PARAM *kw_gettable_params(void *provctx)
{
    (void)provctx;
    return gettable;
}

static int kw_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)provctx;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, "Keyward PKCS#11 provider"))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, KEYWARD_VERSION_STR))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
    if (p != NULL && !OSSL_PARAM_set_utf8_ptr(p, KEYWARD_VERSION_STR))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
    if (p != NULL && !OSSL_PARAM_set_int(p, 1))
        return 0;
    return 1;
}

static const OSSL_ALGORITHM *kw_query(void *provctx, int operation_id,
                                      int *no_cache)
{
    prov_ctx *ctx = provctx;

    *no_cache = 0;
    /* Our own child context only ever needs the other providers. */
    if (prov_in_child())
        return NULL;
    if (!prov_order_query(ctx, operation_id, no_cache))
        return NULL;
    return prov_algorithms(operation_id);
}

static const OSSL_ITEM *kw_reason_strings(void *provctx)
{
    (void)provctx;
    return prov_reason_strings();
}

static const OSSL_DISPATCH kw_dispatch[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))kw_teardown},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))kw_gettable_params},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))kw_get_params},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))kw_query},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))kw_reason_strings},
    {0, NULL}};

static char *dup_or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* Reads the provider section of openssl.cnf through the core. */
static int read_config(prov_ctx *ctx, OSSL_FUNC_core_get_params_fn *get)
{
    const char *path = NULL, *pin = NULL, *args = NULL;
    OSSL_PARAM p[] = {OSSL_PARAM_utf8_ptr(CFG_MODULE_PATH, (char **)&path, 0),
                      OSSL_PARAM_utf8_ptr(CFG_TOKEN_PIN, (char **)&pin, 0),
                      OSSL_PARAM_utf8_ptr(CFG_INIT_ARGS, (char **)&args, 0),
                      OSSL_PARAM_END};

    if (get != NULL && !get(ctx->handle, p))
        return 0;
    if (path == NULL || path[0] == '\0')
        path = getenv(ENV_MODULE);
    if (path != NULL && path[0] != '\0' &&
        (ctx->module_path = strdup(path)) == NULL)
        return 0;
    if (args != NULL && (ctx->init_args = dup_or_null(args)) == NULL &&
        args[0] != '\0')
        return 0;
    if (pin != NULL && pin[0] != '\0') {
        ctx->pin_spec_len = strlen(pin);
        ctx->pin_spec = OPENSSL_secure_malloc(ctx->pin_spec_len + 1);
        if (ctx->pin_spec == NULL)
            return 0;
        memcpy(ctx->pin_spec, pin, ctx->pin_spec_len + 1);
    }
    return 1;
}

int keyward_provider_init(const OSSL_CORE_HANDLE *handle,
                          const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                          void **provctx)
{
    OSSL_FUNC_core_get_params_fn *get_params = NULL;
    OSSL_FUNC_core_get_libctx_fn *get_libctx = NULL;
    void *core_malloc = NULL;
    OSSL_LIB_CTX *parent = NULL;
    bool have_parent;
    prov_ctx *ctx = calloc(1, sizeof(*ctx));

    if (ctx == NULL)
        return 0;
    ctx->handle = handle;
    for (const OSSL_DISPATCH *d = in; d != NULL && d->function_id != 0; d++) {
        switch (d->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS:
            get_params = OSSL_FUNC_core_get_params(d);
            break;
        case OSSL_FUNC_CORE_GET_LIBCTX:
            get_libctx = OSSL_FUNC_core_get_libctx(d);
            break;
        case OSSL_FUNC_CRYPTO_MALLOC:
            core_malloc = (void *)d->function;
            break;
        case OSSL_FUNC_CORE_NEW_ERROR:
            ctx->core_new_error = OSSL_FUNC_core_new_error(d);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            ctx->core_set_error_debug = OSSL_FUNC_core_set_error_debug(d);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            ctx->core_vset_error = OSSL_FUNC_core_vset_error(d);
            break;
        case OSSL_FUNC_PROVIDER_NAME:
            ctx->core_provider_name = OSSL_FUNC_provider_name(d);
            break;
        case OSSL_FUNC_PROVIDER_REGISTER_CHILD_CB:
            ctx->core_register_child_cb =
                OSSL_FUNC_provider_register_child_cb(d);
            break;
        case OSSL_FUNC_PROVIDER_DEREGISTER_CHILD_CB:
            ctx->core_deregister_child_cb =
                OSSL_FUNC_provider_deregister_child_cb(d);
            break;
        default:
            break;
        }
    }
    if (ctx->core_new_error == NULL || ctx->core_set_error_debug == NULL ||
        ctx->core_vset_error == NULL)
        goto err;
    if ((ctx->lock = CRYPTO_THREAD_lock_new()) == NULL)
        goto err;
    if (!read_config(ctx, get_params))
        goto err;
    /* The core's library context is an OSSL_LIB_CTX (NULL: the default
     * one) only when the core is the very libcrypto keyward runs on. */
    have_parent = get_libctx != NULL && core_malloc == (void *)CRYPTO_malloc;
    if (have_parent)
        parent = (OSSL_LIB_CTX *)get_libctx(handle);
    if (!prov_order_init(ctx, have_parent, parent))
        goto err;
    /* The child context sees the application's providers (default, or
     * fips) for digests and public-key operations. */
    ctx->libctx = OSSL_LIB_CTX_new_child(handle, in);
    if (ctx->libctx == NULL)
        goto err;
    live_add(ctx);
    *out = kw_dispatch;
    *provctx = ctx;
    return 1;
err:
    ctx_free(ctx);
    return 0;
}
