/* SPDX-License-Identifier: Apache-2.0 */
/* prov_order.c: keeps keyward's standard-named algorithms behind every other
 * provider's in OpenSSL's method store, whatever the activation order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "prov.h"

/*
 * Why this exists. For a fetch with no property query, OpenSSL 3.0 takes
 * the first implementation in its method store, and the store is filled,
 * one "construction round" per operation, by asking the activated providers
 * in the order of the core's provider list (activation order, or name order
 * once a lookup has sorted that list), or by asking one provider alone when
 * EVP fetches from the provider that holds a key. Keyward's key management
 * registered first would receive every property-less fetch of "EC", "RSA"
 * or "ED25519" key management in the process, including the ones a PKCS#11
 * module such as SoftHSM makes internally with OpenSSL. That happens when
 * keyward is activated ahead of the default provider, and also behind it:
 * the first use of a keyward key fetches key management from keyward alone
 * (EVP_DigestSignInit), which may be the first key-management round of all.
 *
 * Keyward's signature, decryption and key-exchange algorithms have names
 * of their own (keymgmt's query_operation_name hands them to EVP), so only
 * operations whose names must be the standard ones need care; for key
 * management they must, because libssl and X.509 ask EVP_PKEY_is_a(key,
 * "EC").
 *
 * Priming (OpenSSL 3.0, where a construction round holds no lock a nested
 * fetch needs): at keyward's first key-management query, a nested fetch in
 * the core's library context makes a round in which keyward answers nothing
 * and every other provider registers; keyward's own implementations then
 * go in behind them. Other threads wait for it. Where priming cannot run,
 * the first round in which keyward could come before another provider (by
 * activation or by name, learnt from the core's child-provider callbacks)
 * gets nothing from keyward (and no_cache, so the core asks again).
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
    pthread_mutex_t prime_mx;
    atomic_bool primed;
    bool have_parent;
    OSSL_LIB_CTX *parent; /* the core's library context (NULL: default) */
};

static _Thread_local int priming; /* the priming stage, 0: none */
static void parents_add(OSSL_LIB_CTX *lc);
static void parents_remove(OSSL_LIB_CTX *lc);

/* Operations where keyward registers names other providers also use: key
 * management ("EC", "RSA", "ED25519"), and from OpenSSL 3.2 on the "EC"
 * KEM, which the default provider then has too (3.0's has none: there
 * keyward's is the only one, which EVP needs for EC keys of any provider). */
static bool op_has_standard_names(int op)
{
    return op == OSSL_OP_KEYMGMT ||
           (op == OSSL_OP_KEM && (OpenSSL_version_num() >> 20) != 0x300);
}

/* Set once OpenSSL may have emptied its fetch cache after priming: a
 * provider activated later, or default properties changed (see
 * prov_order_touch). Process-wide: keymgmt has no provider context. */
static atomic_bool cache_suspect;

static int order_create_cb(const OSSL_CORE_HANDLE *h, void *cbdata)
{
    prov_ctx *ctx = cbdata;
    struct prov_order *o = ctx->order;
    const char *name = ctx->core_provider_name(h);
    int ok = 1;

    if (h != ctx->handle && atomic_load(&o->primed))
        atomic_store(&cache_suspect, true);

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
    prov_ctx *ctx = cbdata;

    (void)props;
    if (ctx->order != NULL && atomic_load(&ctx->order->primed))
        atomic_store(&cache_suspect, true);
    return 1;
}

int prov_order_init(prov_ctx *ctx, bool have_parent, OSSL_LIB_CTX *parent)
{
    struct prov_order *o = calloc(1, sizeof(*o));

    if (o == NULL)
        return 0;
    pthread_mutex_init(&o->mx, NULL);
    pthread_mutex_init(&o->prime_mx, NULL);
    atomic_init(&o->primed, false);
    for (size_t i = 0; i <= OSSL_OP__HIGHEST; i++)
        atomic_init(&o->released[i], false);
    ctx->order = o;
    o->have_parent = have_parent;
    o->parent = parent;
    if (have_parent)
        parents_add(parent);
    if (ctx->core_register_child_cb == NULL || ctx->core_provider_name == NULL)
        return 1; /* no order information: defer conservatively */
    /* Registered before the child library context registers its own, so
     * the core's deregistration by handle removes this one first. */
    o->registered =
        ctx->core_register_child_cb(ctx->handle, order_create_cb,
                                    order_remove_cb, order_props_cb, ctx) == 1;
    return 1;
}

void prov_order_free(prov_ctx *ctx)
{
    struct prov_order *o = ctx->order;

    if (o == NULL)
        return;
    if (o->have_parent)
        parents_remove(o->parent);
    if (o->registered)
        ctx->core_deregister_child_cb(ctx->handle);
    for (size_t i = 0; i < o->n; i++)
        free(o->ents[i].name);
    free(o->ents);
    pthread_mutex_destroy(&o->prime_mx);
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
            if (i != self &&
                (i > self || strcmp(o->ents[i].name, self_name) > 0))
                ahead = true;
    }
    pthread_mutex_unlock(&o->mx);
    return ahead;
}

static bool can_prime(const struct prov_order *o)
{
    return o->have_parent && (OpenSSL_version_num() >> 20) == 0x300;
}

/* The standard names keyward's key management answers to. */
static const char *const std_names[] = {"EC", "RSA", "ED25519"};

static void fetch_drop(OSSL_LIB_CTX *lc, const char *name, const char *propq)
{
    EVP_KEYMGMT_free(EVP_KEYMGMT_fetch(lc, name, propq));
}

/*
 * Runs once per provider context, inside keyward's first key-management
 * query; other threads wait on prime_mx, and this thread's nested queries
 * see the stage. 1: a round in which the others register and keyward
 * answers nothing; 2: keyward registers; 3: a fetch by each standard name
 * with no property query, so OpenSSL's fetch cache holds the other
 * provider's method first (the cache answers a lookup without a provider
 * with the first entry for that name and query, whichever provider's).
 */
static void prime(struct prov_order *o)
{
    pthread_mutex_lock(&o->prime_mx);
    if (!atomic_load(&o->primed)) {
        ERR_set_mark(); /* nothing of these rounds concerns the caller */
        priming = 1;
        fetch_drop(o->parent, "EC", NULL);
        priming = 2;
        fetch_drop(o->parent, "EC", PROV_PROPS);
        priming = 3;
        for (size_t i = 0; i < sizeof(std_names) / sizeof(std_names[0]); i++)
            fetch_drop(o->parent, std_names[i], NULL);
        priming = 0;
        ERR_pop_to_mark();
        atomic_store(&o->primed, true);
    }
    pthread_mutex_unlock(&o->prime_mx);
}

int prov_order_query(prov_ctx *ctx, int op, int *no_cache)
{
    struct prov_order *o = ctx->order;

    *no_cache = 0;
    if (o == NULL || op < 0 || op > OSSL_OP__HIGHEST ||
        !op_has_standard_names(op))
        return 1;
    if (priming == 1) {
        *no_cache = 1; /* the round in which the others register */
        return 0;
    }
    if (priming != 0)
        return 1;
    if (can_prime(o)) {
        if (atomic_load(&o->primed))
            return 1;
        prime(o);
        return 0; /* already in the store, behind the others */
    }
    /* Without priming: the first round in which keyward could come first
     * gets nothing (and asks to be asked again). */
    if (atomic_load(&o->released[op]))
        return 1;
    if (!order_maybe_ahead(ctx)) {
        atomic_store(&o->released[op], true);
        return 1;
    }
    if (atomic_exchange(&o->released[op], true))
        return 1;
    *no_cache = 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Keeping the fetch cache in order                                     */

/*
 * EVP fetches a keyward key's key management from keyward alone
 * (evp_keymgmt_fetch_from_prov, with the application's property query,
 * usually none) in every EVP_DigestSignInit, derive_init, decrypt_init.
 * If that is the first cache entry for the name after OpenSSL emptied the
 * cache (a provider loaded later, default properties changed), lookups
 * without a provider would get keyward's. keymgmt's query_operation_name,
 * which EVP calls just before, then fetches by the name with no provider
 * first, which either hits the cache or puts the first provider's method
 * there. It does so only once such an event was seen (child-provider
 * callbacks), so a process whose providers stay put pays nothing; OpenSSL's
 * own trimming of a cache grown past 500 entries is not seen.
 * keymgmt has no provider context there: the core contexts keyward was
 * loaded into are kept here (rarely more than one).
 */
#define MAX_PARENTS 8
static struct {
    atomic_bool used;
    OSSL_LIB_CTX *lc;
} parents[MAX_PARENTS];
static pthread_mutex_t parents_mx = PTHREAD_MUTEX_INITIALIZER;

static void parents_add(OSSL_LIB_CTX *lc)
{
    pthread_mutex_lock(&parents_mx);
    for (size_t i = 0; i < MAX_PARENTS; i++)
        if (!atomic_load(&parents[i].used)) {
            parents[i].lc = lc;
            atomic_store(&parents[i].used, true);
            break;
        }
    pthread_mutex_unlock(&parents_mx);
}

static void parents_remove(OSSL_LIB_CTX *lc)
{
    pthread_mutex_lock(&parents_mx);
    for (size_t i = 0; i < MAX_PARENTS; i++)
        if (atomic_load(&parents[i].used) && parents[i].lc == lc) {
            atomic_store(&parents[i].used, false);
            break;
        }
    pthread_mutex_unlock(&parents_mx);
}

void prov_order_touch(const char *name)
{
    if (!atomic_load_explicit(&cache_suspect, memory_order_relaxed) ||
        priming != 0 || (OpenSSL_version_num() >> 20) != 0x300)
        return;
    for (size_t i = 0; i < MAX_PARENTS; i++) {
        if (!atomic_load_explicit(&parents[i].used, memory_order_acquire))
            continue;
        ERR_set_mark();
        fetch_drop(parents[i].lc, name, NULL);
        ERR_pop_to_mark();
    }
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
