/* SPDX-License-Identifier: Apache-2.0 */
/* state.c: the running service: configuration in force, sessions,
 * associations, metrics. */
#include <stdlib.h>
#include <time.h>

#include <openssl/provider.h>

#include "svc.h"

int svc_state_init(struct svc_state *st, struct svc_config *cfg)
{
    st->cfg = cfg;
    /* The library context outlives every configuration that uses it. */
    st->libctx = cfg->libctx;
    st->libctx_fallback = cfg->fallback;
    cfg->owns_libctx = false;
    cfg->fallback = NULL;
    st->started = svc_now_us() / 1000000u;
    if (pthread_mutex_init(&st->lock, NULL) != 0)
        return -1;
    st->crypto_ctx = OSSL_LIB_CTX_new();
    if (st->crypto_ctx == NULL || (st->crypto_prov = OSSL_PROVIDER_load(
                                       st->crypto_ctx, "default")) == NULL)
        return -1;
    st->sessions = svc_sessions_new(st->crypto_ctx);
    st->assocs = svc_assocs_new(st->libctx);
    st->metrics = calloc(svc_nmethods, sizeof(*st->metrics));
    return st->sessions != NULL && st->assocs != NULL && st->metrics != NULL
               ? 0
               : -1;
}

void svc_state_cleanup(struct svc_state *st)
{
    svc_sessions_free(st->sessions);
    st->sessions = NULL;
    svc_assocs_free(st->assocs); /* before the configurations they hold */
    st->assocs = NULL;
    free(st->metrics);
    st->metrics = NULL;
    svc_config_free(st->cfg);
    st->cfg = NULL;
    OSSL_PROVIDER_unload(st->libctx_fallback);
    st->libctx_fallback = NULL;
    OSSL_LIB_CTX_free(st->libctx);
    st->libctx = NULL;
    OSSL_PROVIDER_unload(st->crypto_prov);
    st->crypto_prov = NULL;
    OSSL_LIB_CTX_free(st->crypto_ctx);
    st->crypto_ctx = NULL;
    pthread_mutex_destroy(&st->lock);
}

struct svc_config *svc_state_config_get1(struct svc_state *st)
{
    struct svc_config *cfg;
    pthread_mutex_lock(&st->lock);
    cfg = st->cfg;
    svc_config_up_ref(cfg);
    pthread_mutex_unlock(&st->lock);
    return cfg;
}

void svc_state_config_set(struct svc_state *st, struct svc_config *cfg)
{
    struct svc_config *old;
    pthread_mutex_lock(&st->lock);
    old = st->cfg;
    st->cfg = cfg;
    pthread_mutex_unlock(&st->lock);
    svc_config_free(old); /* calls in flight still hold their reference */
}
