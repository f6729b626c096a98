/* SPDX-License-Identifier: Apache-2.0 */
/* token.c: finding tokens, logging in once, the mechanism cache, recovery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hsm_internal.h"

/* Pool bound when the token reports no limit (CK_EFFECTIVELY_INFINITE). */
#define HSM_POOL_DEFAULT 32
#define HSM_POOL_MAX 256

void hsm_copy_padded(char *dst, size_t dstsz, const CK_UTF8CHAR *src,
                     size_t srclen)
{
    size_t n = srclen < dstsz - 1 ? srclen : dstsz - 1;
    memcpy(dst, src, n);
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        n--;
    dst[n] = '\0';
}

static void token_info_fill(struct hsm_token_info *out, CK_SLOT_ID slot,
                            const CK_TOKEN_INFO *ti)
{
    memset(out, 0, sizeof(*out));
    out->slot = slot;
    hsm_copy_padded(out->label, sizeof(out->label), ti->label,
                    sizeof(ti->label));
    hsm_copy_padded(out->manufacturer, sizeof(out->manufacturer),
                    ti->manufacturerID, sizeof(ti->manufacturerID));
    hsm_copy_padded(out->model, sizeof(out->model), ti->model,
                    sizeof(ti->model));
    hsm_copy_padded(out->serial, sizeof(out->serial), ti->serialNumber,
                    sizeof(ti->serialNumber));
    out->login_required = (ti->flags & CKF_LOGIN_REQUIRED) != 0;
    out->write_protected = (ti->flags & CKF_WRITE_PROTECTED) != 0;
}

/* Slots with a token present, malloc'd. */
static CK_RV slot_list(hsm_module *m, CK_SLOT_ID **slots, CK_ULONG *n)
{
    CK_RV rv;

    *slots = NULL;
    for (int tries = 0; tries < 4; tries++) {
        CK_SLOT_ID *s;
        if ((rv = m->fl->C_GetSlotList(CK_TRUE, NULL, n)) != CKR_OK)
            return rv;
        if (*n == 0)
            return CKR_OK;
        if ((s = calloc(*n, sizeof(*s))) == NULL)
            return CKR_HOST_MEMORY;
        rv = m->fl->C_GetSlotList(CK_TRUE, s, n);
        if (rv == CKR_OK) {
            *slots = s;
            return CKR_OK;
        }
        free(s);
        if (rv != CKR_BUFFER_TOO_SMALL)
            return rv;
    }
    return CKR_BUFFER_TOO_SMALL;
}

CK_RV hsm_token_foreach(hsm_module *m, const hsm_uri *uri, hsm_token_cb cb,
                        void *arg)
{
    CK_SLOT_ID *slots;
    CK_ULONG n;
    CK_INFO mi;
    CK_RV rv;

    hsm_clear_detail();
    if ((rv = hsm_module_check_fork(m)) != CKR_OK)
        return rv;
    if ((rv = m->fl->C_GetInfo(&mi)) != CKR_OK)
        return rv;
    if (!hsm_uri_match_module(uri, &mi))
        return CKR_OK;
    if ((rv = slot_list(m, &slots, &n)) != CKR_OK)
        return rv;
    for (CK_ULONG i = 0; i < n; i++) {
        CK_SLOT_INFO si;
        CK_TOKEN_INFO ti;
        struct hsm_token_info info;

        if (m->fl->C_GetSlotInfo(slots[i], &si) != CKR_OK ||
            m->fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue; /* a token that went away while we looked */
        if (!(ti.flags & CKF_TOKEN_INITIALIZED))
            continue; /* an empty slot (SoftHSM always offers one) */
        if (!hsm_uri_match_token(uri, slots[i], &si, &ti))
            continue;
        token_info_fill(&info, slots[i], &ti);
        if (cb(arg, &info) != 0)
            break;
    }
    free(slots);
    return CKR_OK;
}

struct token_pick {
    struct hsm_token_info first;
    size_t count;
    char names[256];
};

static int token_pick_cb(void *arg, const struct hsm_token_info *info)
{
    struct token_pick *p = arg;
    size_t len = strlen(p->names);

    if (p->count++ == 0)
        p->first = *info;
    snprintf(p->names + len, sizeof(p->names) - len, "%s'%s'",
             len ? ", " : "", info->label);
    return 0;
}

static int mech_cmp(const void *a, const void *b)
{
    CK_MECHANISM_TYPE x = ((const struct hsm_mechinfo *)a)->type;
    CK_MECHANISM_TYPE y = ((const struct hsm_mechinfo *)b)->type;
    return x < y ? -1 : x > y;
}

/* The mechanism list, read once; each mechanism's info is read on its first
 * query (a token offers dozens; a process uses a few). */
static CK_RV token_read_mechs(hsm_token *t)
{
    CK_FUNCTION_LIST *fl = t->mod->fl;
    CK_MECHANISM_TYPE *types = NULL;
    CK_ULONG n = 0;
    CK_RV rv;

    if ((rv = fl->C_GetMechanismList(t->info.slot, NULL, &n)) != CKR_OK)
        return rv;
    if (n == 0)
        return CKR_OK;
    if ((types = calloc(n, sizeof(*types))) == NULL ||
        (t->mechs = calloc(n, sizeof(*t->mechs))) == NULL) {
        free(types);
        return CKR_HOST_MEMORY;
    }
    if ((rv = fl->C_GetMechanismList(t->info.slot, types, &n)) != CKR_OK) {
        free(types);
        return rv;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        t->mechs[i].type = types[i];
        atomic_init(&t->mechs[i].state, 0);
    }
    t->nmechs = n;
    qsort(t->mechs, t->nmechs, sizeof(*t->mechs), mech_cmp);
    for (size_t i = 0; i < t->nmechs; i++)
        types[i] = t->mechs[i].type;
    t->mech_types = types;
    return CKR_OK;
}

/* Opens the anchor session that holds the login and our session objects.
 * Called with t->lock held. */
static CK_RV token_open_anchor(hsm_token *t)
{
    CK_FLAGS flags = CKF_SERIAL_SESSION;
    CK_SESSION_INFO si;
    CK_RV rv;

    if (t->anchor_open)
        return CKR_OK;
    if (!t->info.write_protected)
        flags |= CKF_RW_SESSION;
    rv = t->mod->fl->C_OpenSession(t->info.slot, flags, NULL, NULL, &t->anchor);
    if (rv != CKR_OK)
        return rv;
    t->anchor_open = true;
    t->anchor_epoch++;
    /* Another part of this process may have logged in already. */
    if (t->mod->fl->C_GetSessionInfo(t->anchor, &si) == CKR_OK &&
        (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
        atomic_store(&t->logged_in, true);
    return CKR_OK;
}

static void token_destroy(hsm_token *t)
{
    if (t == NULL)
        return;
    hsm_pool_free(t);
    if (t->anchor_open && hsm_module_usable(t->mod))
        t->mod->fl->C_CloseSession(t->anchor);
    if (t->pin != NULL)
        OPENSSL_secure_clear_free(t->pin, t->pin_len + 1);
    free(t->copies);
    free(t->mechs);
    free(t->mech_types);
    pthread_mutex_destroy(&t->key_mx);
    pthread_mutex_destroy(&t->lock);
    pthread_mutex_destroy(&t->pool_mx);
    pthread_cond_destroy(&t->pool_cv);
    free(t);
}

static size_t token_pool_bound(const hsm_module *m, const CK_TOKEN_INFO *ti)
{
    CK_ULONG max = ti->ulMaxSessionCount;

    if (m->serial)
        return 1;
    if (max == CK_EFFECTIVELY_INFINITE || max == CK_UNAVAILABLE_INFORMATION)
        return HSM_POOL_DEFAULT;
    if (max <= 1)
        return 1;
    /* One session is the anchor. */
    return max - 1 > HSM_POOL_MAX ? HSM_POOL_MAX : max - 1;
}

CK_RV hsm_token_open(hsm_module *m, const hsm_uri *uri, hsm_token **out)
{
    struct token_pick pick = {0};
    CK_TOKEN_INFO ti;
    hsm_token *t;
    CK_RV rv;

    *out = NULL;
    if ((rv = hsm_token_foreach(m, uri, token_pick_cb, &pick)) != CKR_OK)
        return rv;
    if (pick.count == 0) {
        hsm_set_detail("no token in %s matches the URI", m->path);
        return HSM_RV_TOKEN_NOT_FOUND;
    }
    if (pick.count > 1) {
        hsm_set_detail("%zu tokens match the URI (%s); add token= or serial=",
                       pick.count, pick.names);
        return HSM_RV_TOKEN_AMBIGUOUS;
    }

    pthread_mutex_lock(&m->lock);
    for (t = m->tokens; t != NULL; t = t->next) {
        if (strcmp(t->info.serial, pick.first.serial) == 0 &&
            strcmp(t->info.label, pick.first.label) == 0 &&
            strcmp(t->info.manufacturer, pick.first.manufacturer) == 0) {
            atomic_fetch_add(&t->refs, 1);
            pthread_mutex_unlock(&m->lock);
            *out = t;
            return CKR_OK;
        }
    }
    if ((rv = m->fl->C_GetTokenInfo(pick.first.slot, &ti)) != CKR_OK)
        goto err_unlock;
    if ((t = calloc(1, sizeof(*t))) == NULL) {
        rv = CKR_HOST_MEMORY;
        goto err_unlock;
    }
    atomic_init(&t->refs, 1);
    pthread_mutex_init(&t->key_mx, NULL);
    pthread_mutex_init(&t->lock, NULL);
    pthread_mutex_init(&t->pool_mx, NULL);
    pthread_cond_init(&t->pool_cv, NULL);
    atomic_init(&t->gen, 1);
    t->mod = m;
    t->info = pick.first;
    t->ck_flags = ti.flags;
    t->info.max_sessions = token_pool_bound(m, &ti);
    if ((rv = token_read_mechs(t)) != CKR_OK ||
        (rv = hsm_pool_init(t, t->info.max_sessions)) != CKR_OK ||
        (rv = token_open_anchor(t)) != CKR_OK) {
        hsm_set_detail("token '%s': cannot open a session", t->info.label);
        token_destroy(t);
        goto err_unlock;
    }
    hsm_module_up_ref(m);
    t->next = m->tokens;
    m->tokens = t;
    pthread_mutex_unlock(&m->lock);
    *out = t;
    return CKR_OK;

err_unlock:
    pthread_mutex_unlock(&m->lock);
    return rv;
}

void hsm_token_up_ref(hsm_token *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void hsm_token_free(hsm_token *t)
{
    hsm_module *m;

    if (t == NULL)
        return;
    m = t->mod;
    pthread_mutex_lock(&m->lock);
    if (atomic_fetch_sub(&t->refs, 1) != 1) {
        pthread_mutex_unlock(&m->lock);
        return;
    }
    for (hsm_token **pp = &m->tokens; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    token_destroy(t);
    hsm_module_free(m);
}

const struct hsm_token_info *hsm_token_get0_info(const hsm_token *t)
{
    return &t->info;
}

hsm_module *hsm_token_get0_module(const hsm_token *t)
{
    return t->mod;
}

static CK_RV token_login_locked(hsm_token *t, const char *pin, size_t len)
{
    CK_RV rv;

    if ((rv = token_open_anchor(t)) != CKR_OK)
        return rv;
    rv = t->mod->fl->C_Login(t->anchor, CKU_USER, (CK_UTF8CHAR *)pin, len);
    if (rv == CKR_USER_ALREADY_LOGGED_IN)
        rv = CKR_OK;
    if (rv == CKR_OK)
        atomic_store(&t->logged_in, true);
    return rv;
}

CK_RV hsm_token_login(hsm_token *t, const char *pin, size_t pinlen)
{
    CK_RV rv;

    hsm_clear_detail();
    if (pin == NULL) {
        hsm_set_detail("token '%s' needs a PIN", t->info.label);
        return HSM_RV_PIN_MISSING;
    }
    if ((rv = hsm_module_check_fork(t->mod)) != CKR_OK)
        return rv;
    pthread_mutex_lock(&t->lock);
    if (t->pin != NULL) {
        /* Logged in already: the token would accept any PIN now, so check
         * this one against the one that worked. */
        bool same = t->pin_len == pinlen &&
                    CRYPTO_memcmp(t->pin, pin, pinlen) == 0;
        pthread_mutex_unlock(&t->lock);
        if (!same) {
            hsm_set_detail("token '%s': PIN differs from the one in use",
                           t->info.label);
            return CKR_PIN_INCORRECT;
        }
        return atomic_load(&t->logged_in) ? CKR_OK : hsm_token_relogin(t);
    }
    rv = token_login_locked(t, pin, pinlen);
    if (rv == CKR_OK) {
        if ((t->pin = OPENSSL_secure_malloc(pinlen + 1)) == NULL) {
            rv = CKR_HOST_MEMORY;
        } else {
            memcpy(t->pin, pin, pinlen);
            t->pin[pinlen] = '\0';
            t->pin_len = pinlen;
            atomic_store(&t->has_pin, true);
        }
    } else {
        hsm_set_detail("login to token '%s' failed", t->info.label);
    }
    pthread_mutex_unlock(&t->lock);
    return rv;
}

bool hsm_token_is_logged_in(hsm_token *t)
{
    return atomic_load(&t->logged_in);
}

bool hsm_token_needs_pin(hsm_token *t)
{
    return t->info.login_required && !atomic_load(&t->logged_in) &&
           t->pin == NULL;
}

/* Logs in again with the PIN that worked before (after the token forgot
 * the login: a removal, a fork, all sessions closed). */
CK_RV hsm_token_relogin(hsm_token *t)
{
    CK_RV rv = CKR_OK;

    pthread_mutex_lock(&t->lock);
    if (atomic_load(&t->logged_in))
        goto out;
    if (t->pin == NULL) {
        rv = t->info.login_required ? HSM_RV_PIN_MISSING : CKR_OK;
        goto out;
    }
    rv = token_login_locked(t, t->pin, t->pin_len);
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ||
        rv == CKR_PIN_EXPIRED) {
        /* The PIN changed under us: forget it rather than lock the token. */
        atomic_store(&t->has_pin, false);
        OPENSSL_secure_clear_free(t->pin, t->pin_len + 1);
        t->pin = NULL;
        t->pin_len = 0;
        hsm_set_detail("token '%s' no longer accepts the PIN", t->info.label);
    }
out:
    pthread_mutex_unlock(&t->lock);
    return rv;
}

/* Called with t->lock held: the anchor died (all sessions closed by
 * someone, or the token forgot us): reopen, log in, invalidate handles. */
static CK_RV token_renew_anchor_locked(hsm_token *t)
{
    CK_RV rv;

    /* Close it for sure: a token that said the session was invalid may be
     * wrong, and a live old anchor would keep stale copies around. */
    if (t->anchor_open)
        t->mod->fl->C_CloseSession(t->anchor);
    t->anchor_open = false;
    t->anchor_epoch++;
    atomic_store(&t->logged_in, false);
    if ((rv = token_open_anchor(t)) != CKR_OK)
        return rv;
    if (t->pin != NULL && !atomic_load(&t->logged_in))
        rv = token_login_locked(t, t->pin, t->pin_len);
    atomic_fetch_add(&t->gen, 1);
    return rv;
}

void hsm_token_check_anchor(hsm_token *t)
{
    CK_SESSION_INFO si;
    CK_RV rv;

    pthread_mutex_lock(&t->lock);
    rv = t->anchor_open ? t->mod->fl->C_GetSessionInfo(t->anchor, &si)
                        : CKR_SESSION_HANDLE_INVALID;
    if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED) {
        token_renew_anchor_locked(t);
    } else if (rv == CKR_OK && t->pin != NULL &&
               si.state != CKS_RO_USER_FUNCTIONS &&
               si.state != CKS_RW_USER_FUNCTIONS) {
        atomic_store(&t->logged_in, false);
        token_login_locked(t, t->pin, t->pin_len);
    }
    pthread_mutex_unlock(&t->lock);
}

CK_RV hsm_run_anchor(hsm_token *t, hsm_run_fn fn, CK_OBJECT_HANDLE h,
                     void *arg)
{
    struct hsm_session s = {.token = t};
    hsm_session *excl = NULL;
    CK_RV rv;

    if ((rv = hsm_module_check_fork(t->mod)) != CKR_OK)
        return rv;
    if (atomic_load(&t->lost) && (rv = hsm_token_reattach(t)) != CKR_OK)
        return rv;
    /* Serial modules: hold the pooled session so no other call runs. */
    if (t->mod->serial && (rv = hsm_session_get(t, &excl)) != CKR_OK)
        return rv;
    pthread_mutex_lock(&t->lock);
    for (int attempt = 0;; attempt++) {
        if (!t->anchor_open && (rv = token_open_anchor(t)) != CKR_OK)
            break;
        if (!atomic_load(&t->logged_in) && t->pin != NULL &&
            (rv = token_login_locked(t, t->pin, t->pin_len)) != CKR_OK)
            break;
        s.h = t->anchor;
        s.gen = atomic_load(&t->gen);
        rv = fn(&s, h, arg);
        if (attempt > 0)
            break;
        if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED) {
            token_renew_anchor_locked(t);
        } else if (rv == CKR_USER_NOT_LOGGED_IN) {
            atomic_store(&t->logged_in, false);
        } else {
            break;
        }
    }
    /* Operations run on the anchor are single calls (C_GenerateKey,
     * C_DeriveKey, C_CopyObject): none is ever left in flight. */
    pthread_mutex_unlock(&t->lock);
    hsm_session_put(excl);
    return rv;
}

/* Called by module.c in a forked child with m->lock held. */
void hsm_token_reset_after_fork(hsm_token *t)
{
    hsm_pool_drain(t, false);
    t->anchor_open = false;
    t->anchor_epoch++;
    atomic_store(&t->logged_in, false);
    atomic_fetch_add(&t->gen, 1);
}

/*
 * After CKR_DEVICE_REMOVED or CKR_TOKEN_NOT_PRESENT: look for the same token
 * (label, serial, manufacturer, model) in any slot. When it is back, every
 * session and handle we had is stale: drop them, log in again, and bump the
 * generation so keys find their objects again.
 */
CK_RV hsm_token_reattach(hsm_token *t)
{
    CK_FUNCTION_LIST *fl = t->mod->fl;
    CK_SLOT_ID *slots = NULL;
    CK_ULONG n = 0;
    CK_RV rv;
    bool found = false;

    pthread_mutex_lock(&t->lock);
    if (!atomic_load(&t->lost)) {
        pthread_mutex_unlock(&t->lock);
        return CKR_OK;
    }
    if ((rv = slot_list(t->mod, &slots, &n)) != CKR_OK)
        goto out;
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;
        struct hsm_token_info info;
        if (fl->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue;
        token_info_fill(&info, slots[i], &ti);
        if (strcmp(info.label, t->info.label) == 0 &&
            strcmp(info.serial, t->info.serial) == 0 &&
            strcmp(info.manufacturer, t->info.manufacturer) == 0 &&
            strcmp(info.model, t->info.model) == 0) {
            t->info.slot = slots[i];
            found = true;
        }
    }
    if (!found) {
        hsm_set_detail("token '%s' is not present", t->info.label);
        rv = CKR_TOKEN_NOT_PRESENT;
        goto out;
    }
    hsm_pool_drain(t, true);
    if (t->anchor_open)
        fl->C_CloseSession(t->anchor);
    t->anchor_open = false;
    t->anchor_epoch++;
    atomic_store(&t->logged_in, false);
    if ((rv = token_open_anchor(t)) != CKR_OK)
        goto out;
    if (t->pin != NULL && !atomic_load(&t->logged_in))
        rv = token_login_locked(t, t->pin, t->pin_len);
    if (rv == CKR_OK) {
        atomic_fetch_add(&t->gen, 1);
        atomic_store(&t->lost, false);
    }
out:
    pthread_mutex_unlock(&t->lock);
    free(slots);
    return rv;
}

static int mech_key_cmp(const void *key, const void *elem)
{
    CK_MECHANISM_TYPE x = *(const CK_MECHANISM_TYPE *)key;
    CK_MECHANISM_TYPE y = ((const struct hsm_mechinfo *)elem)->type;
    return x < y ? -1 : x > y;
}

/* Mechanisms whose key sizes PKCS#11 counts in bytes, not bits. */
static bool mech_sizes_in_bytes(CK_MECHANISM_TYPE m, CK_ULONG max)
{
    switch (m) {
    case CKM_AES_KEY_GEN: case CKM_AES_ECB: case CKM_AES_CBC:
    case CKM_AES_CBC_PAD: case CKM_AES_CTR: case CKM_AES_GCM:
    case CKM_AES_CMAC: case CKM_AES_KEY_WRAP: case CKM_AES_KEY_WRAP_PAD:
    case CKM_SHA_1_HMAC: case CKM_SHA224_HMAC: case CKM_SHA256_HMAC:
    case CKM_SHA384_HMAC: case CKM_SHA512_HMAC: case CKM_GENERIC_SECRET_KEY_GEN:
        /* Some tokens report bits anyway; a maximum of a few dozen is bytes. */
        return max <= 64 || max == 0x7fffffffUL || max == 0x80000000UL;
    default:
        return false;
    }
}

/* Reads a mechanism's info on its first query. The cache is logically part
 * of the const token, hence the cast. */
static bool mech_info_ready(const hsm_token *ct, struct hsm_mechinfo *mi)
{
    hsm_token *t = (hsm_token *)ct;
    int st = atomic_load_explicit(&mi->state, memory_order_acquire);

    if (__builtin_expect(st != 0, 1))
        return st == 1;
    pthread_mutex_lock(&t->lock);
    if (atomic_load(&mi->state) == 0) {
        CK_RV rv = t->mod->fl->C_GetMechanismInfo(t->info.slot, mi->type,
                                                  &mi->info);
        /* tpm2-pkcs11 1.9.0: AES-CBC-PAD decryption is listed but broken
         * (hsm_module.cbc_pad_decrypt_broken). */
        if (rv == CKR_OK && mi->type == CKM_AES_CBC_PAD &&
            t->mod->cbc_pad_decrypt_broken)
            mi->info.flags &= ~(CK_FLAGS)CKF_DECRYPT;
        atomic_store_explicit(&mi->state, rv == CKR_OK ? 1 : 2,
                              memory_order_release);
    }
    pthread_mutex_unlock(&t->lock);
    return atomic_load(&mi->state) == 1;
}

bool hsm_token_has_mech(const hsm_token *t, CK_MECHANISM_TYPE mech,
                        CK_FLAGS flags, CK_ULONG key_bits)
{
    struct hsm_mechinfo *mi =
        bsearch(&mech, t->mechs, t->nmechs, sizeof(*t->mechs), mech_key_cmp);
    CK_ULONG size;

    if (mi == NULL || !mech_info_ready(t, mi) ||
        (mi->info.flags & flags) != flags)
        return false;
    if (key_bits == 0 || (mi->info.ulMinKeySize == 0 && mi->info.ulMaxKeySize == 0))
        return true;
    size = mech_sizes_in_bytes(mech, mi->info.ulMaxKeySize) ? key_bits / 8
                                                            : key_bits;
    return size >= mi->info.ulMinKeySize && size <= mi->info.ulMaxKeySize;
}

CK_RV hsm_token_check_mech(const hsm_token *t, CK_MECHANISM_TYPE mech,
                           CK_FLAGS flags)
{
    if (hsm_token_has_mech(t, mech, flags, 0))
        return CKR_OK;
    hsm_set_detail("token '%s' does not offer %s for this use", t->info.label,
                   hsm_mech_name(mech));
    return HSM_RV_MECH_UNSUPPORTED;
}

CK_RV hsm_token_check_secret_create(const hsm_token *t)
{
    if (!t->mod->no_secret_create)
        return CKR_OK;
    /* tpm2-pkcs11 (hsm_module.no_secret_create). */
    hsm_set_detail("token '%s' (tpm2-pkcs11) cannot create AES or HMAC keys "
                   "through PKCS#11; create them with its own tool, e.g. "
                   "tpm2_ptool addkey --label '%s' --key-label NAME "
                   "--algorithm aes256 (or hmac:sha256) --userpin ...",
                   t->info.label, t->info.label);
    return HSM_RV_MECH_UNSUPPORTED;
}

unsigned hsm_token_quirks(const hsm_token *t)
{
    return (t->mod->ctr_whole_blocks ? HSM_QUIRK_CTR_WHOLE_BLOCKS : 0) |
           (t->mod->hmac_4096 ? HSM_QUIRK_HMAC_4096 : 0);
}

const CK_MECHANISM_TYPE *hsm_token_get0_mechs(const hsm_token *t, size_t *n)
{
    *n = t->nmechs;
    return t->mech_types;
}

CK_RV hsm_random(hsm_token *t, uint8_t *buf, size_t len)
{
    hsm_session *s;
    CK_RV rv;

    for (int attempt = 0;; attempt++) {
        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            return rv;
        rv = t->mod->fl->C_GenerateRandom(s->h, buf, len);
        if (rv == CKR_OK || attempt > 0) {
            hsm_session_put(s);
            return rv;
        }
        if (!hsm_recover(t, s, NULL, rv)) /* consumes s */
            return rv;
    }
}
