/* SPDX-License-Identifier: Apache-2.0 */
/* prov_order.c: keeps keyward's standard-named algorithms behind every other
 * provider's in OpenSSL's method store, whatever the activation order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "prov.h"

/*
 * Why this exists. For a fetch with no property query, OpenSSL 3.0 takes
 * the first implementation in its method store, and the store is filled,
 * one "construction round" per operation, by asking the activated providers
 * in the order of the core's provider list: activation order, or name order
 * once that list has been sorted by a lookup. A keyward activated ahead of
 * the default provider would therefore receive every property-less fetch of
 * "EC", "RSA" or "ED25519" key management in the process, including the
 * ones a PKCS#11 module such as SoftHSM makes internally with OpenSSL.
 *
 * Keyward's signature, decryption and key-exchange algorithms have names
 * of their own (keymgmt's query_operation_name hands them to EVP), so only
 * operations whose names must be the standard ones need care; for key
 * management they must, because libssl and X.509 ask EVP_PKEY_is_a(key,
 * "EC"). For those, the first construction round in which keyward could be
 * iterated before another provider gets nothing from keyward (and
 * no_cache, so the core asks again); the next round appends keyward's
 * implementations after everyone else's.
 *
 * "Could be iterated before": another activated provider comes after
 * keyward in activation order, or sorts after it by name. The order is
 * learnt from the core's child-provider callbacks.
 */

struct order_ent {
    const OSSL_CORE_HANDLE *h;
    char *name;
};

struct prov_order {
    pthread_mutex_t mx;
    struct order_ent *ents;
    size_t n, cap;
    bool registered;
    atomic_bool released[OSSL_OP__HIGHEST + 1];
    bool have_parent;
    OSSL_LIB_CTX *parent; /* the core's library context (NULL: default) */
};

static _Thread_local bool priming;

/* Operations where keyward registers names other providers also use. */
static bool op_has_standard_names(int op)
{
    return op == OSSL_OP_KEYMGMT;
}

static int order_create_cb(const OSSL_CORE_HANDLE *h, void *cbdata)
{
    prov_ctx *ctx = cbdata;
    struct prov_order *o = ctx->order;
    const char *name = ctx->core_provider_name(h);
    int ok = 1;

    pthread_mutex_lock(&o->mx);
    for (size_t i = 0; i < o->n; i++)
        if (o->ents[i].h == h)
            goto out;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        struct order_ent *e = realloc(o->ents, cap * sizeof(*e));
        if (e == NULL) {
            ok = 0;
            goto out;
        }
        o->ents = e;
        o->cap = cap;
    }
    o->ents[o->n].h = h;
    o->ents[o->n].name = strdup(name != NULL ? name : "");
    if (o->ents[o->n].name == NULL) {
        ok = 0;
        goto out;
    }
    o->n++;
out:
    pthread_mutex_unlock(&o->mx);
    return ok;
}

static int order_remove_cb(const OSSL_CORE_HANDLE *h, void *cbdata)
{
    prov_ctx *ctx = cbdata;
    struct prov_order *o = ctx->order;

    pthread_mutex_lock(&o->mx);
    for (size_t i = 0; i < o->n; i++) {
        if (o->ents[i].h != h)
            continue;
        free(o->ents[i].name);
        memmove(&o->ents[i], &o->ents[i + 1],
                (o->n - i - 1) * sizeof(o->ents[0]));
        o->n--;
        break;
    }
    pthread_mutex_unlock(&o->mx);
    return 1;
}

static int order_props_cb(const char *props, void *cbdata)
{
    (void)props;
    (void)cbdata;
    return 1;
}

int prov_order_init(prov_ctx *ctx, bool have_parent, OSSL_LIB_CTX *parent)
{
    struct prov_order *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return 0;
    pthread_mutex_init(&o->mx, NULL);
    for (size_t i = 0; i <= OSSL_OP__HIGHEST; i++)
        atomic_init(&o->released[i], false);
    ctx->order = o;
    o->have_parent = have_parent;
    o->parent = parent;
    if (ctx->core_register_child_cb == NULL ||
        ctx->core_provider_name == NULL)
        return 1; /* no order information: defer conservatively */
    /* Registered before the child library context registers its own, so
     * the core's deregistration by handle removes this one first. */
    o->registered = ctx->core_register_child_cb(
                        ctx->handle, order_create_cb, order_remove_cb,
                        order_props_cb, ctx) == 1;
    return 1;
}

void prov_order_free(prov_ctx *ctx)
{
    struct prov_order *o = ctx->order;

    if (o == NULL)
        return;
    if (o->registered)
        ctx->core_deregister_child_cb(ctx->handle);
    for (size_t i = 0; i < o->n; i++)
        free(o->ents[i].name);
    free(o->ents);
    pthread_mutex_destroy(&o->mx);
    free(o);
    ctx->order = NULL;
}

/* Could the core iterate keyward before another activated provider? */
static bool order_maybe_ahead(prov_ctx *ctx)
{
    struct prov_order *o = ctx->order;
    const char *self_name = NULL;
    size_t self = SIZE_MAX;
    bool ahead = false;

    if (!o->registered)
        return true;
    pthread_mutex_lock(&o->mx);
    for (size_t i = 0; i < o->n; i++)
        if (o->ents[i].h == ctx->handle) {
            self = i;
            self_name = o->ents[i].name;
        }
    if (self == SIZE_MAX) {
        /* Not in the list (not expected once activated): be careful. */
        ahead = o->n > 0;
    } else {
        for (size_t i = 0; i < o->n && !ahead; i++)
            if (i != self && (i > self || strcmp(o->ents[i].name,
                                                 self_name) > 0))
                ahead = true;
    }
    pthread_mutex_unlock(&o->mx);
    return ahead;
}

/*
 * Priming, on OpenSSL 3.0 (where a construction round holds no lock a
 * nested fetch would need): two nested fetches in the core's context make
 * the round in which every other provider registers its key management,
 * with keyward answering nothing, and then the round that appends
 * keyward's. Done once, at keyward's first key-management query, so even
 * the first key-management lookup of the process (EVP_KEYMGMT_do_all_provided
 * when a decoder is set up) finds keyward's implementations behind the
 * others'. Elsewhere, or without the core's context, the plain deferral
 * above applies: the first round gets nothing from keyward.
 */
static bool prime(prov_ctx *ctx, int op)
{
    struct prov_order *o = ctx->order;
    EVP_KEYMGMT *km;

    if (!o->have_parent || op != OSSL_OP_KEYMGMT ||
        (OpenSSL_version_num() >> 20) != 0x300)
        return false;
    priming = true;
    km = EVP_KEYMGMT_fetch(o->parent, "EC", "provider=default");
    EVP_KEYMGMT_free(km);
    priming = false;
    km = EVP_KEYMGMT_fetch(o->parent, "EC", PROV_PROPS);
    EVP_KEYMGMT_free(km);
    return true;
}

bool prov_order_defer(prov_ctx *ctx, int op)
{
    struct prov_order *o = ctx->order;

    if (o == NULL || op < 0 || op > OSSL_OP__HIGHEST ||
        !op_has_standard_names(op))
        return false;
    if (priming)
        return true; /* the nested round in which the others register */
    if (atomic_load(&o->released[op]))
        return false;
    if (!order_maybe_ahead(ctx)) {
        atomic_store(&o->released[op], true);
        return false;
    }
    if (atomic_exchange(&o->released[op], true))
        return false;
    return !prime(ctx, op);
}

/* ------------------------------------------------------------------ */
/* The child library context: rounds in it must not see keyward.         */

static _Thread_local int child_depth;

void prov_child_enter(void)
{
    child_depth++;
}

void prov_child_leave(void)
{
    child_depth--;
}

bool prov_in_child(void)
{
    return child_depth > 0;
}
