/* SPDX-License-Identifier: Apache-2.0 */
/* assoc.c: the association table: handles, connection identifiers, owners,
 * counts, expiry and wiping. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "assoc_local.h"

#define ASSOC_BUCKETS 8192 /* power of two; 10,000 records: chains of ~1 */

uint64_t assoc_now_ms(void)
{
    return svc_now_us() / 1000u;
}

struct svc_assocs *svc_assocs_new(OSSL_LIB_CTX *libctx)
{
    struct svc_assocs *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->libctx = libctx;
    t->by_handle = calloc(ASSOC_BUCKETS, sizeof(*t->by_handle));
    t->by_cid = calloc(ASSOC_BUCKETS, sizeof(*t->by_cid));
    t->edhoc = kw_edhoc_ctx_new(libctx, NULL);
    if (t->by_handle == NULL || t->by_cid == NULL || t->edhoc == NULL ||
        pthread_mutex_init(&t->lock, NULL) != 0) {
        kw_edhoc_ctx_free(t->edhoc);
        free(t->by_handle);
        free(t->by_cid);
        free(t);
        return NULL;
    }
    return t;
}

void assoc_why(struct assoc *a, const char *fmt, ...)
{
    va_list ap;

    if (a->why == NULL && (a->why = malloc(192)) == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(a->why, 192, fmt, ap);
    va_end(ap);
}

static void assoc_free(struct assoc *a)
{
    free(a->why);
    kw_edhoc_free(a->hs);
    kw_pmsg_free(a->pm);
    svc_config_free(a->cfg);
    free(a->ident);
    free(a->peer_subject);
    pthread_mutex_destroy(&a->lock);
    OPENSSL_clear_free(a, sizeof(*a));
}

void svc_assocs_free(struct svc_assocs *t)
{
    if (t == NULL)
        return;
    for (size_t b = 0; b < ASSOC_BUCKETS; b++)
        while (t->by_handle[b] != NULL) {
            struct assoc *a = t->by_handle[b];
            t->by_handle[b] = a->next;
            assoc_free(a);
        }
    kw_edhoc_ctx_free(t->edhoc);
    free(t->by_handle);
    free(t->by_cid);
    free(t->uids);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static size_t handle_bucket(const uint8_t *h)
{
    return ((size_t)h[0] << 8 | h[1]) & (ASSOC_BUCKETS - 1); /* random */
}

static size_t cid_bucket(const uint8_t *cid, size_t len)
{
    uint32_t x = 2166136261u; /* FNV-1a: identifiers may be chosen by
                                 configuration one day, not only drawn */
    for (size_t i = 0; i < len; i++)
        x = (x ^ cid[i]) * 16777619u;
    x ^= (uint32_t)len;
    return x & (ASSOC_BUCKETS - 1);
}

/* Per-uid counts (table lock held); d is +1 or -1. */
static int uid_count(struct svc_assocs *t, uid_t uid, int d, unsigned *n)
{
    size_t i;

    for (i = 0; i < t->nuids && t->uids[i].uid != uid; i++)
        ;
    if (i == t->nuids) {
        struct assoc_uid *nu;
        if (d < 0)
            return -1;
        nu = realloc(t->uids, (t->nuids + 1) * sizeof(*nu));
        if (nu == NULL)
            return -1;
        t->uids = nu;
        t->uids[t->nuids++] = (struct assoc_uid){.uid = uid, .n = 0};
    }
    t->uids[i].n = (unsigned)((int)t->uids[i].n + d);
    if (n != NULL)
        *n = t->uids[i].n;
    if (t->uids[i].n == 0) /* forget uids with nothing open */
        t->uids[i] = t->uids[--t->nuids];
    return 0;
}

static struct assoc *find_cid(struct svc_assocs *t, const uint8_t *cid,
                              size_t len)
{
    struct assoc *a = t->by_cid[cid_bucket(cid, len)];
    for (; a != NULL; a = a->cid_next)
        if (a->cid_len == len && memcmp(a->cid, cid, len) == 0)
            return a;
    return NULL;
}

/* A connection identifier no other record has (table lock held): two
 * random bytes while that space is sparse, three beyond. */
static int pick_cid(struct svc_assocs *t, struct assoc *a)
{
    size_t len = t->count < 16384 ? 2 : 3;

    for (int tries = 0; tries < 256; tries++) {
        if (RAND_bytes_ex(t->libctx, a->cid, len, 0) != 1)
            return -1;
        if (find_cid(t, a->cid, len) == NULL) {
            a->cid_len = (uint8_t)len;
            return 0;
        }
    }
    return -1;
}

static void cid_insert(struct svc_assocs *t, struct assoc *a)
{
    size_t b = cid_bucket(a->cid, a->cid_len);
    a->cid_next = t->by_cid[b];
    t->by_cid[b] = a;
}

static void cid_remove(struct svc_assocs *t, struct assoc *a)
{
    struct assoc **pp = &t->by_cid[cid_bucket(a->cid, a->cid_len)];
    while (*pp != NULL && *pp != a)
        pp = &(*pp)->cid_next;
    if (*pp == a)
        *pp = a->cid_next;
}

int assoc_create(struct svc_assocs *t, struct svc_config *cfg,
                 const struct svc_identity *id, uid_t owner, bool initiator,
                 struct assoc **out, char *msg, size_t msglen)
{
    const struct svc_assoc_limits *lim = &cfg->assoc_limits;
    struct assoc *a = OPENSSL_zalloc(sizeof(*a));
    unsigned mine = 0;
    size_t b;
    int rc = SVC_RESOURCE_EXHAUSTED;

    if (a == NULL || pthread_mutex_init(&a->lock, NULL) != 0) {
        OPENSSL_free(a);
        snprintf(msg, msglen, "out of memory for an association");
        return SVC_RESOURCE_EXHAUSTED;
    }
    pthread_mutex_lock(&a->lock); /* private until linked */
    a->ident = strdup(id->name);
    a->initiator = initiator;
    a->state = ASSOC_HANDSHAKE;
    a->method = a->suite = -1;
    a->next_in = initiator ? 2 : 1;
    a->owner = owner;
    a->lim = *lim;
    a->created_ms = a->used_ms = assoc_now_ms();
    if (a->ident == NULL ||
        RAND_bytes_ex(t->libctx, a->handle, sizeof(a->handle), 0) != 1) {
        snprintf(msg, msglen, "out of memory for an association");
        goto err;
    }

    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->nuids; i++)
        if (t->uids[i].uid == owner)
            mine = t->uids[i].n;
    if (t->count >= lim->max)
        snprintf(msg, msglen,
                 "too many associations (associations.max = %u): close some",
                 lim->max);
    else if (t->handshakes >= lim->max_handshakes)
        snprintf(msg, msglen,
                 "too many handshakes in progress (max_handshakes = %u): "
                 "retry shortly",
                 lim->max_handshakes);
    else if (mine >= lim->max_per_uid)
        snprintf(msg, msglen,
                 "this user has too many associations (max_per_uid = %u)",
                 lim->max_per_uid);
    else if (pick_cid(t, a) < 0 || uid_count(t, owner, +1, NULL) < 0)
        snprintf(msg, msglen, "no free connection identifier");
    else
        rc = SVC_OK;
    if (rc != SVC_OK) {
        pthread_mutex_unlock(&t->lock);
        goto err;
    }
    b = handle_bucket(a->handle);
    a->next = t->by_handle[b];
    t->by_handle[b] = a;
    cid_insert(t, a);
    a->linked = true;
    a->refs = 2; /* the table's and the caller's */
    t->count++;
    t->handshakes++;
    pthread_mutex_unlock(&t->lock);

    svc_config_up_ref(cfg);
    a->cfg = cfg;
    a->id = id;
    *out = a;
    return SVC_OK;
err:
    pthread_mutex_unlock(&a->lock);
    assoc_free(a);
    return rc;
}

int assoc_new_cid(struct svc_assocs *t, struct assoc *a)
{
    uint8_t old[KW_EDHOC_MAX_CID];
    size_t old_len = a->cid_len;
    int rc;

    memcpy(old, a->cid, old_len);
    pthread_mutex_lock(&t->lock);
    cid_remove(t, a);
    rc = pick_cid(t, a);
    if (rc < 0) {
        memcpy(a->cid, old, old_len);
        a->cid_len = (uint8_t)old_len;
    }
    cid_insert(t, a);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

/* Whether a locked record is past its handshake or idle timeout. */
static bool expired(const struct assoc *a, uint64_t now)
{
    const struct svc_assoc_limits *l = &a->lim;

    if (a->state == ASSOC_HANDSHAKE)
        return now - a->created_ms >= l->handshake_timeout_s * 1000ull;
    return now > a->used_ms && now - a->used_ms >= l->idle_timeout_s * 1000ull;
}

bool assoc_too_old(const struct assoc *a, uint64_t now)
{
    return a->state == ASSOC_ESTABLISHED &&
           now - a->established_ms >= a->lim.max_age_s * 1000ull;
}

/* Takes a reference, then the record's lock; a record unlinked meanwhile
 * is not found. */
static int acquire(struct svc_assocs *t, struct assoc *a, struct assoc **out,
                   char *msg, size_t msglen)
{
    if (a == NULL) {
        pthread_mutex_unlock(&t->lock);
        snprintf(msg, msglen, "unknown or expired association handle");
        return SVC_NOT_FOUND;
    }
    a->refs++;
    pthread_mutex_unlock(&t->lock);
    pthread_mutex_lock(&a->lock);
    if (a->linked && expired(a, assoc_now_ms())) {
        if (a->state == ASSOC_HANDSHAKE)
            atomic_fetch_add(&t->failed, 1);
        assoc_unlink(t, a);
    }
    if (!a->linked) {
        assoc_put(t, a);
        snprintf(msg, msglen, "unknown or expired association handle");
        return SVC_NOT_FOUND;
    }
    a->used_ms = assoc_now_ms();
    *out = a;
    return SVC_OK;
}

int assoc_get(struct svc_assocs *t, uid_t owner, const uint8_t *handle,
              size_t handle_len, struct assoc **out, char *msg, size_t msglen)
{
    struct assoc *a = NULL;

    pthread_mutex_lock(&t->lock);
    if (handle_len == SVC_HANDLE_LEN)
        for (a = t->by_handle[handle_bucket(handle)]; a != NULL; a = a->next)
            if (CRYPTO_memcmp(a->handle, handle, SVC_HANDLE_LEN) == 0 &&
                a->owner == owner) /* another user's: as if unknown */
                break;
    return acquire(t, a, out, msg, msglen);
}

int assoc_get_by_cid(struct svc_assocs *t, uid_t owner, const uint8_t *cid,
                     size_t cid_len, struct assoc **out, char *msg,
                     size_t msglen)
{
    struct assoc *a;

    pthread_mutex_lock(&t->lock);
    a = find_cid(t, cid, cid_len);
    if (a != NULL && a->owner != owner)
        a = NULL;
    return acquire(t, a, out, msg, msglen);
}

void assoc_put(struct svc_assocs *t, struct assoc *a)
{
    bool last;

    pthread_mutex_unlock(&a->lock);
    pthread_mutex_lock(&t->lock);
    last = --a->refs == 0;
    pthread_mutex_unlock(&t->lock);
    if (last)
        assoc_free(a);
}

/* Table lock held, record locked (or try-locked by the sweeper). */
static void unlink_locked(struct svc_assocs *t, struct assoc *a)
{
    struct assoc **pp = &t->by_handle[handle_bucket(a->handle)];

    while (*pp != NULL && *pp != a)
        pp = &(*pp)->next;
    if (*pp == a)
        *pp = a->next;
    cid_remove(t, a);
    a->linked = false;
    t->count--;
    if (a->state == ASSOC_HANDSHAKE)
        t->handshakes--;
    uid_count(t, a->owner, -1, NULL);
    a->refs--; /* the table's reference; the caller still holds one */
}

void assoc_unlink(struct svc_assocs *t, struct assoc *a)
{
    pthread_mutex_lock(&t->lock);
    if (a->linked)
        unlink_locked(t, a);
    pthread_mutex_unlock(&t->lock);
    /* Wipe now rather than at the last reference. */
    assoc_drop_handshake(t, a);
    kw_pmsg_free(a->pm);
    a->pm = NULL;
}

void assoc_drop_handshake(struct svc_assocs *t, struct assoc *a)
{
    (void)t;
    free(a->why);
    a->why = NULL;
    kw_edhoc_free(a->hs);
    a->hs = NULL;
    svc_config_free(a->cfg);
    a->cfg = NULL;
    a->id = NULL;
}

void assoc_kill(struct svc_assocs *t, struct assoc *a)
{
    assoc_drop_handshake(t, a);
    kw_pmsg_free(a->pm);
    a->pm = NULL;
    a->state = ASSOC_DEAD;
}

void assoc_mark_established(struct svc_assocs *t, struct assoc *a)
{
    pthread_mutex_lock(&t->lock);
    if (a->linked && a->state == ASSOC_HANDSHAKE)
        t->handshakes--;
    pthread_mutex_unlock(&t->lock);
    a->state = ASSOC_ESTABLISHED;
    a->established_ms = a->epoch_ms = a->used_ms = assoc_now_ms();
    atomic_fetch_add(&t->completed, 1);
}

void svc_assocs_sweep(struct svc_assocs *t)
{
    struct assoc *gone = NULL;
    uint64_t now = assoc_now_ms();

    pthread_mutex_lock(&t->lock);
    for (size_t b = 0; b < ASSOC_BUCKETS; b++) {
        struct assoc *a = t->by_handle[b], *next;
        for (; a != NULL; a = next) {
            next = a->next;
            if (pthread_mutex_trylock(&a->lock) != 0)
                continue; /* in use: not idle */
            if (assoc_too_old(a, now)) {
                assoc_kill(t, a); /* visible as FAILED until closed */
            } else if (expired(a, now)) {
                if (a->state == ASSOC_HANDSHAKE)
                    atomic_fetch_add(&t->failed, 1);
                unlink_locked(t, a);
                if (a->refs == 0) {
                    a->next = gone;
                    gone = a;
                }
            } else if (a->hs != NULL && a->state == ASSOC_ESTABLISHED &&
                       now - a->established_ms >=
                           a->lim.handshake_timeout_s * 1000ull) {
                /* no late EDHOC error message after this long */
                kw_edhoc_free(a->hs);
                a->hs = NULL;
                a->id = NULL;
                svc_config_free(a->cfg); /* the last one after a reload */
                a->cfg = NULL;
            }
            pthread_mutex_unlock(&a->lock);
        }
    }
    pthread_mutex_unlock(&t->lock);
    while (gone != NULL) {
        struct assoc *a = gone;
        gone = a->next;
        assoc_free(a);
    }
}

void svc_assocs_counts(struct svc_assocs *t, struct svc_assoc_counts *c)
{
    pthread_mutex_lock(&t->lock);
    c->handshakes = t->handshakes;
    c->established = t->count - t->handshakes;
    pthread_mutex_unlock(&t->lock);
    c->completed = atomic_load(&t->completed);
    c->failed = atomic_load(&t->failed);
    c->key_updates = atomic_load(&t->key_updates);
    c->sealed = atomic_load(&t->sealed);
    c->opened = atomic_load(&t->opened);
    c->rejected = atomic_load(&t->rejected);
}
