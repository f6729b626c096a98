/* SPDX-License-Identifier: Apache-2.0 */
/* pool.c: a lock-free pool of PKCS#11 sessions per token. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "hsm_internal.h"

/*
 * Each slot is EMPTY (no session), FREE (open, idle) or BUSY (handed out).
 * get() claims a FREE slot with one compare-and-swap, starting where this
 * thread found one last time so that threads settle on different slots;
 * failing that it opens a session in an EMPTY slot; failing that (the
 * token's session limit) it waits on a condition variable. put() releases
 * the slot with one store and signals only when someone waits.
 */
static _Thread_local size_t pool_hint;

CK_RV hsm_pool_init(hsm_token *t, size_t max)
{
    if ((t->slots = calloc(max, sizeof(*t->slots))) == NULL)
        return CKR_HOST_MEMORY;
    for (size_t i = 0; i < max; i++) {
        t->slots[i].token = t;
        atomic_init(&t->slots[i].state, HSM_SLOT_EMPTY);
    }
    t->nslots = max;
    atomic_init(&t->waiters, 0);
    return CKR_OK;
}

void hsm_pool_free(hsm_token *t)
{
    bool same_process;

    if (t->slots == NULL)
        return;
    same_process = hsm_module_usable(t->mod);
    for (size_t i = 0; i < t->nslots; i++)
        if (atomic_load(&t->slots[i].state) != HSM_SLOT_EMPTY && same_process)
            t->mod->fl->C_CloseSession(t->slots[i].h);
    free(t->slots);
    t->slots = NULL;
}

void hsm_pool_drain(hsm_token *t, bool close_sessions)
{
    for (size_t i = 0; i < t->nslots; i++) {
        struct hsm_session *s = &t->slots[i];
        int expect = HSM_SLOT_FREE;

        if (!close_sessions) {
            /* Forked child: no other thread exists; every handle is dead. */
            s->depth = 0;
            atomic_store(&s->state, HSM_SLOT_EMPTY);
            continue;
        }
        /* Busy sessions are closed by put(): their generation is stale. */
        if (atomic_compare_exchange_strong(&s->state, &expect, HSM_SLOT_BUSY)) {
            t->mod->fl->C_CloseSession(s->h);
            atomic_store(&s->state, HSM_SLOT_EMPTY);
        }
    }
}

static CK_RV slot_open(hsm_token *t, struct hsm_session *s, unsigned gen)
{
    CK_FLAGS flags = CKF_SERIAL_SESSION;
    CK_RV rv;

    if (!t->info.write_protected)
        flags |= CKF_RW_SESSION;
    rv = t->mod->fl->C_OpenSession(t->info.slot, flags, NULL, NULL, &s->h);
    if (rv == CKR_TOKEN_WRITE_PROTECTED || rv == CKR_SESSION_READ_WRITE_SO_EXISTS)
        rv = t->mod->fl->C_OpenSession(t->info.slot, CKF_SERIAL_SESSION, NULL,
                                       NULL, &s->h);
    s->gen = gen;
    s->op_active = false;
    return rv;
}

static void pool_signal(hsm_token *t)
{
    if (atomic_load_explicit(&t->waiters, memory_order_acquire) > 0) {
        pthread_mutex_lock(&t->pool_mx);
        pthread_cond_signal(&t->pool_cv);
        pthread_mutex_unlock(&t->pool_mx);
    }
}

static void pool_wait(hsm_token *t, bool any_empty_counts)
{
    struct timespec ts;
    bool ready = false;

    pthread_mutex_lock(&t->pool_mx);
    atomic_fetch_add(&t->waiters, 1);
    for (size_t i = 0; i < t->nslots && !ready; i++) {
        int st = atomic_load(&t->slots[i].state);
        ready = st == HSM_SLOT_FREE || (any_empty_counts && st == HSM_SLOT_EMPTY);
    }
    if (!ready) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&t->pool_cv, &t->pool_mx, &ts);
    }
    atomic_fetch_sub(&t->waiters, 1);
    pthread_mutex_unlock(&t->pool_mx);
}

/* Fork, removal and lost login are checked here, on every operation, with
 * a few atomic loads; the slow paths run only when one of them is set. */
static CK_RV token_ready(hsm_token *t)
{
    CK_RV rv;

    if ((rv = hsm_module_check_fork(t->mod)) != CKR_OK)
        return rv;
    if (__builtin_expect(atomic_load_explicit(&t->lost, memory_order_relaxed), 0) &&
        (rv = hsm_token_reattach(t)) != CKR_OK)
        return rv;
    if (__builtin_expect(!atomic_load_explicit(&t->logged_in,
                                               memory_order_relaxed), 0) &&
        atomic_load(&t->has_pin) && (rv = hsm_token_relogin(t)) != CKR_OK)
        return rv;
    return CKR_OK;
}

CK_RV hsm_session_get(hsm_token *t, hsm_session **out)
{
    size_t n = t->nslots, start;
    bool limit_hit = false;
    unsigned gen;
    CK_RV rv;

    *out = NULL;
    if (t->mod->serial && atomic_load(&t->slots[0].state) == HSM_SLOT_BUSY &&
        pthread_equal(t->slots[0].owner, pthread_self())) {
        /* Serial module, and this thread holds the session already. */
        t->slots[0].depth++;
        *out = &t->slots[0];
        return CKR_OK;
    }
    if ((rv = token_ready(t)) != CKR_OK)
        return rv;
    gen = atomic_load_explicit(&t->gen, memory_order_acquire);
    start = pool_hint;
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            size_t idx = (start + i) % n;
            struct hsm_session *s = &t->slots[idx];
            int expect = HSM_SLOT_FREE;

            if (!atomic_compare_exchange_weak_explicit(
                    &s->state, &expect, HSM_SLOT_BUSY, memory_order_acquire,
                    memory_order_relaxed))
                continue;
            if (__builtin_expect(s->gen != gen, 0)) {
                t->mod->fl->C_CloseSession(s->h);
                if ((rv = slot_open(t, s, gen)) != CKR_OK) {
                    atomic_store(&s->state, HSM_SLOT_EMPTY);
                    return rv;
                }
            }
            pool_hint = idx;
            s->owner = pthread_self();
            s->depth = 1;
            *out = s;
            return CKR_OK;
        }
        for (size_t i = 0; i < n && !limit_hit; i++) {
            size_t idx = (start + i) % n;
            struct hsm_session *s = &t->slots[idx];
            int expect = HSM_SLOT_EMPTY;

            if (!atomic_compare_exchange_strong(&s->state, &expect,
                                                HSM_SLOT_BUSY))
                continue;
            rv = slot_open(t, s, gen);
            if (rv == CKR_OK) {
                pool_hint = idx;
                s->owner = pthread_self();
                s->depth = 1;
                *out = s;
                return CKR_OK;
            }
            atomic_store(&s->state, HSM_SLOT_EMPTY);
            if (rv != CKR_SESSION_COUNT)
                return rv;
            limit_hit = true; /* the token's real limit is lower */
        }
        pool_wait(t, !limit_hit);
    }
}

void hsm_session_put(hsm_session *s)
{
    hsm_token *t;

    if (s == NULL)
        return;
    t = s->token;
    if (--s->depth > 0)
        return; /* a nested get by the same thread (serial modules) */
    if (__builtin_expect(s->op_active, 0)) {
        if (t->mod->session_cancel != NULL &&
            t->mod->session_cancel(s->h, HSM_CKF_SESSION_CANCEL_ALL) == CKR_OK) {
            s->op_active = false;
        } else {
            hsm_session_discard(s);
            return;
        }
    }
    if (__builtin_expect(s->gen != atomic_load(&t->gen), 0)) {
        hsm_session_discard(s);
        return;
    }
    atomic_store_explicit(&s->state, HSM_SLOT_FREE, memory_order_release);
    pool_signal(t);
}

void hsm_session_discard(hsm_session *s)
{
    hsm_token *t = s->token;

    t->mod->fl->C_CloseSession(s->h);
    s->op_active = false;
    s->depth = 0;
    atomic_store_explicit(&s->state, HSM_SLOT_EMPTY, memory_order_release);
    pool_signal(t);
}

size_t hsm_token_sessions_open(hsm_token *t)
{
    size_t open = 0;
    for (size_t i = 0; i < t->nslots; i++)
        open += atomic_load(&t->slots[i].state) != HSM_SLOT_EMPTY;
    return open;
}
