/* SPDX-License-Identifier: Apache-2.0 */
/* session.c: session keys on handles: table, ownership, limits, replay window,
 * AES-GCM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "svc.h"

#define SESS_BUCKETS 256
#define IV_LEN       12
#define TAG_LEN      16
#define KEY_MAX      32

/* Key material of one epoch; lives on OpenSSL's secure heap. */
struct sess_keys {
    uint8_t prk[SVC_PRK_LEN];
    uint8_t tx_key[KEY_MAX], rx_key[KEY_MAX];
    uint8_t tx_iv[IV_LEN], rx_iv[IV_LEN];
};

struct sess {
    struct sess *next;
    uint8_t handle[SVC_HANDLE_LEN];
    uid_t owner;
    char origin[64];
    enum svc_aead aead;
    enum svc_role role;
    struct sess_keys *k;
    struct svc_limits lim;
    uint32_t epoch;
    uint64_t tx_seq, rx_top, rx_window, open_failures;
    uint64_t epoch_start, last_used; /* monotonic milliseconds */
    bool dead;                       /* forgery limit reached */
};

struct svc_sessions {
    pthread_mutex_t lock;
    OSSL_LIB_CTX *libctx;
    EVP_CIPHER *gcm256, *gcm128;
    struct sess *buckets[SESS_BUCKETS];
    unsigned count;
};

static uint64_t now_ms(void)
{
    return svc_now_us() / 1000u;
}

static void sess_free(struct sess *s)
{
    OPENSSL_secure_clear_free(s->k, sizeof(*s->k));
    OPENSSL_clear_free(s, sizeof(*s));
}

struct svc_sessions *svc_sessions_new(OSSL_LIB_CTX *libctx)
{
    struct svc_sessions *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->libctx = libctx;
    t->gcm256 = EVP_CIPHER_fetch(libctx, "AES-256-GCM", NULL);
    t->gcm128 = EVP_CIPHER_fetch(libctx, "AES-128-GCM", NULL);
    if (t->gcm256 == NULL || t->gcm128 == NULL ||
        pthread_mutex_init(&t->lock, NULL) != 0) {
        EVP_CIPHER_free(t->gcm256);
        EVP_CIPHER_free(t->gcm128);
        free(t);
        return NULL;
    }
    return t;
}

void svc_sessions_free(struct svc_sessions *t)
{
    if (t == NULL)
        return;
    for (size_t b = 0; b < SESS_BUCKETS; b++)
        while (t->buckets[b] != NULL) {
            struct sess *s = t->buckets[b];
            t->buckets[b] = s->next;
            sess_free(s);
        }
    EVP_CIPHER_free(t->gcm256);
    EVP_CIPHER_free(t->gcm128);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

unsigned svc_sessions_count(struct svc_sessions *t)
{
    unsigned n;
    pthread_mutex_lock(&t->lock);
    n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

static bool idle_expired(const struct sess *s, uint64_t now)
{
    /* last_used may be later than now when another thread stamped it
     * after now was read: that session is anything but idle. */
    return now > s->last_used &&
           now - s->last_used >= (uint64_t)s->lim.idle_timeout_s * 1000u;
}

void svc_sessions_sweep(struct svc_sessions *t)
{
    uint64_t now;
    pthread_mutex_lock(&t->lock);
    now = now_ms();
    for (size_t b = 0; b < SESS_BUCKETS; b++) {
        struct sess **pp = &t->buckets[b];
        while (*pp != NULL) {
            struct sess *s = *pp;
            if (idle_expired(s, now)) {
                *pp = s->next;
                sess_free(s);
                t->count--;
            } else {
                pp = &s->next;
            }
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static size_t bucket_of(const uint8_t *handle)
{
    return handle[0]; /* handles are random */
}

/* Finds the caller's session (lock held). Another owner's handle, an
 * unknown one and an expired one all look the same: NOT_FOUND. */
static int sess_find(struct svc_sessions *t, uid_t owner, const uint8_t *handle,
                     size_t handle_len, struct sess **out, char *msg,
                     size_t msglen)
{
    uint64_t now = now_ms();
    if (handle_len == SVC_HANDLE_LEN) {
        struct sess **pp = &t->buckets[bucket_of(handle)];
        for (; *pp != NULL; pp = &(*pp)->next) {
            struct sess *s = *pp;
            if (CRYPTO_memcmp(s->handle, handle, SVC_HANDLE_LEN) != 0 ||
                s->owner != owner)
                continue;
            if (idle_expired(s, now)) {
                *pp = s->next;
                sess_free(s);
                t->count--;
                break;
            }
            s->last_used = now;
            *out = s;
            return SVC_OK;
        }
    }
    snprintf(msg, msglen, "unknown or expired session handle");
    return SVC_NOT_FOUND;
}

static size_t key_len(enum svc_aead aead)
{
    return aead == SVC_AEAD_AES_128_GCM ? 16 : 32;
}

/* Derives the epoch's directional keys and IVs from k->prk. */
static int sess_schedule(struct svc_sessions *t, struct sess *s)
{
    const char *tx = s->role == SVC_ROLE_INITIATOR ? "i2r" : "r2i";
    const char *rx = s->role == SVC_ROLE_INITIATOR ? "r2i" : "i2r";
    size_t kl = key_len(s->aead);
    struct sess_keys *k = s->k;
    if (svc_kdf_expand(t->libctx, k->prk, "keyward/v1 key ", tx, k->tx_key,
                       kl) < 0 ||
        svc_kdf_expand(t->libctx, k->prk, "keyward/v1 key ", rx, k->rx_key,
                       kl) < 0 ||
        svc_kdf_expand(t->libctx, k->prk, "keyward/v1 iv ", tx, k->tx_iv,
                       IV_LEN) < 0 ||
        svc_kdf_expand(t->libctx, k->prk, "keyward/v1 iv ", rx, k->rx_iv,
                       IV_LEN) < 0)
        return -1;
    s->tx_seq = s->rx_top = s->rx_window = 0;
    s->epoch_start = now_ms();
    return 0;
}

/* Inserts a new session whose k->prk is set (lock held). */
static int sess_insert(struct svc_sessions *t, const struct svc_limits *lim,
                       uid_t owner, const char *origin, enum svc_aead aead,
                       enum svc_role role, const uint8_t prk[SVC_PRK_LEN],
                       uint8_t handle[static SVC_HANDLE_LEN], char *msg,
                       size_t msglen)
{
    unsigned mine = 0;
    struct sess *s;

    if (t->count >= lim->max_sessions) {
        snprintf(msg, msglen, "too many open sessions (%u): close some",
                 lim->max_sessions);
        return SVC_RESOURCE_EXHAUSTED;
    }
    for (size_t b = 0; b < SESS_BUCKETS; b++)
        for (s = t->buckets[b]; s != NULL; s = s->next)
            mine += s->owner == owner;
    if (mine >= lim->max_sessions_per_uid) {
        snprintf(msg, msglen,
                 "this user has too many open sessions (%u): "
                 "close some",
                 lim->max_sessions_per_uid);
        return SVC_RESOURCE_EXHAUSTED;
    }
    s = OPENSSL_zalloc(sizeof(*s));
    if (s == NULL || (s->k = OPENSSL_secure_zalloc(sizeof(*s->k))) == NULL) {
        OPENSSL_free(s);
        snprintf(msg, msglen, "out of memory for session keys");
        return SVC_RESOURCE_EXHAUSTED;
    }
    s->owner = owner;
    snprintf(s->origin, sizeof(s->origin), "%s", origin ? origin : "");
    s->aead = aead;
    s->role = role;
    s->lim = *lim;
    s->last_used = now_ms();
    memcpy(s->k->prk, prk, SVC_PRK_LEN);
    if (RAND_bytes_ex(t->libctx, s->handle, SVC_HANDLE_LEN, 0) != 1 ||
        sess_schedule(t, s) < 0) {
        sess_free(s);
        snprintf(msg, msglen, "key derivation failed");
        return SVC_INTERNAL;
    }
    s->next = t->buckets[bucket_of(s->handle)];
    t->buckets[bucket_of(s->handle)] = s;
    t->count++;
    memcpy(handle, s->handle, SVC_HANDLE_LEN);
    return SVC_OK;
}

int svc_session_create(struct svc_sessions *t, const struct svc_limits *lim,
                       uid_t owner, const char *origin_key,
                       const uint8_t *secret, size_t secret_len,
                       enum svc_aead aead, enum svc_role role,
                       uint8_t handle[static SVC_HANDLE_LEN], char *msg,
                       size_t msglen)
{
    uint8_t prk[SVC_PRK_LEN];
    int rc;
    if (svc_kdf_extract(t->libctx, secret, secret_len, prk) < 0) {
        snprintf(msg, msglen, "key derivation failed");
        return SVC_INTERNAL;
    }
    pthread_mutex_lock(&t->lock);
    rc = sess_insert(t, lim, owner, origin_key, aead, role, prk, handle, msg,
                     msglen);
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(prk, sizeof(prk));
    return rc;
}

/* Refuses a session that may not be used any more (lock held). */
static int sess_usable(const struct sess *s, char *msg, size_t msglen)
{
    if (s->dead) {
        snprintf(msg, msglen,
                 "session exhausted by failed decryptions: "
                 "close it and establish a new one");
        return SVC_FAILED_PRECONDITION;
    }
    if (now_ms() - s->epoch_start >= (uint64_t)s->lim.lifetime_s * 1000u) {
        snprintf(msg, msglen, "session key lifetime (%u s) reached: call Rekey",
                 s->lim.lifetime_s);
        return SVC_RESOURCE_EXHAUSTED;
    }
    return SVC_OK;
}

/* sess_find, refusing a session exhausted by failed decryptions (a key
 * update, a child or an export of it would not help). Lock held. */
static int sess_find_alive(struct svc_sessions *t, uid_t owner,
                           const uint8_t *handle, size_t handle_len,
                           struct sess **out, char *msg, size_t msglen)
{
    int rc = sess_find(t, owner, handle, handle_len, out, msg, msglen);
    if (rc == SVC_OK && (*out)->dead)
        rc = sess_usable(*out, msg, msglen);
    return rc;
}

static bool near_limit(const struct sess *s)
{
    return s->tx_seq >= s->lim.max_seals / 10 * 9 ||
           (now_ms() - s->epoch_start) * 10 >=
               (uint64_t)s->lim.lifetime_s * 9000u;
}

static void make_nonce(const uint8_t iv[IV_LEN], uint64_t seq,
                       uint8_t nonce[IV_LEN])
{
    memcpy(nonce, iv, IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[IV_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static int gcm(struct svc_sessions *t, const struct sess *s, bool enc,
               const uint8_t *key, const uint8_t nonce[IV_LEN],
               const uint8_t *aad, size_t aadlen, const uint8_t *in,
               size_t inlen, uint8_t *out, uint8_t tag[TAG_LEN])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *ciph =
        s->aead == SVC_AEAD_AES_128_GCM ? t->gcm128 : t->gcm256;
    int n, ok;
    ok =
        c != NULL && EVP_CipherInit_ex2(c, ciph, key, nonce, enc, NULL) == 1 &&
        (aadlen == 0 || EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) == 1) &&
        (inlen == 0 || EVP_CipherUpdate(c, out, &n, in, (int)inlen) == 1) &&
        (enc ||
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) == 1) &&
        EVP_CipherFinal_ex(c, out + inlen, &n) == 1 &&
        (!enc ||
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}

int svc_session_seal(struct svc_sessions *t, uid_t owner, const uint8_t *handle,
                     size_t handle_len, const uint8_t *pt, size_t ptlen,
                     const uint8_t *aad, size_t aadlen, uint8_t *out,
                     struct svc_seal_out *info, char *msg, size_t msglen)
{
    struct sess *s;
    uint8_t nonce[IV_LEN];
    int rc;

    pthread_mutex_lock(&t->lock);
    rc = sess_find(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    rc = sess_usable(s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    if (ptlen > s->lim.max_message) {
        snprintf(msg, msglen, "plaintext of %zu bytes exceeds the limit of %zu",
                 ptlen, s->lim.max_message);
        rc = SVC_INVALID_ARGUMENT;
        goto out;
    }
    if (s->tx_seq >= s->lim.max_seals) {
        snprintf(msg, msglen,
                 "encryption limit (%llu per key) reached: "
                 "call Rekey",
                 (unsigned long long)s->lim.max_seals);
        rc = SVC_RESOURCE_EXHAUSTED;
        goto out;
    }
    make_nonce(s->k->tx_iv, s->tx_seq, nonce);
    if (gcm(t, s, true, s->k->tx_key, nonce, aad, aadlen, pt, ptlen, out,
            out + ptlen) < 0) {
        snprintf(msg, msglen, "encryption failed");
        rc = SVC_INTERNAL;
        goto out;
    }
    info->sequence = s->tx_seq++;
    info->epoch = s->epoch;
    info->rekey_advised = near_limit(s);
out:
    pthread_mutex_unlock(&t->lock);
    return rc;
}

/* Replay window of 64 sequence numbers (as in DTLS, RFC 9147 4.5.1). */
static bool replay_seen(const struct sess *s, uint64_t seq)
{
    uint64_t diff;
    if (seq >= s->rx_top)
        return false;
    diff = s->rx_top - 1 - seq;
    return diff >= 64 || (s->rx_window >> diff) & 1u;
}

static void replay_mark(struct sess *s, uint64_t seq)
{
    if (seq >= s->rx_top) {
        uint64_t shift = seq + 1 - s->rx_top;
        s->rx_window = shift >= 64 ? 0 : s->rx_window << shift;
        s->rx_window |= 1u;
        s->rx_top = seq + 1;
    } else {
        s->rx_window |= (uint64_t)1 << (s->rx_top - 1 - seq);
    }
}

int svc_session_open(struct svc_sessions *t, uid_t owner, const uint8_t *handle,
                     size_t handle_len, uint64_t seq, const uint8_t *ct,
                     size_t ctlen, const uint8_t *aad, size_t aadlen,
                     uint8_t *out, bool *rekey_advised, char *msg,
                     size_t msglen)
{
    struct sess *s;
    uint8_t nonce[IV_LEN], tag[TAG_LEN];
    int rc;

    pthread_mutex_lock(&t->lock);
    rc = sess_find(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    rc = sess_usable(s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    rc = SVC_INVALID_ARGUMENT;
    if (ctlen < TAG_LEN || ctlen - TAG_LEN > s->lim.max_message) {
        snprintf(msg, msglen, "ciphertext must be 16..%zu bytes",
                 s->lim.max_message + TAG_LEN);
        goto out;
    }
    if (seq == UINT64_MAX || replay_seen(s, seq)) {
        snprintf(msg, msglen,
                 "sequence %llu replayed or older than the "
                 "replay window",
                 (unsigned long long)seq);
        goto out;
    }
    memcpy(tag, ct + ctlen - TAG_LEN, TAG_LEN);
    make_nonce(s->k->rx_iv, seq, nonce);
    if (gcm(t, s, false, s->k->rx_key, nonce, aad, aadlen, ct, ctlen - TAG_LEN,
            out, tag) < 0) {
        OPENSSL_cleanse(out, ctlen - TAG_LEN);
        if (++s->open_failures >= s->lim.max_open_failures) {
            s->dead = true;
            OPENSSL_cleanse(s->k, sizeof(*s->k));
        }
        snprintf(msg, msglen,
                 "authentication failed (wrong key, epoch, "
                 "sequence, AAD or a modified ciphertext)");
        goto out;
    }
    replay_mark(s, seq);
    *rekey_advised = near_limit(s);
    rc = SVC_OK;
out:
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int svc_session_derive(struct svc_sessions *t, const struct svc_limits *lim,
                       uid_t owner, const uint8_t *handle, size_t handle_len,
                       const char *label, enum svc_aead aead,
                       uint8_t child[static SVC_HANDLE_LEN], char *msg,
                       size_t msglen)
{
    struct sess *s;
    uint8_t prk[SVC_PRK_LEN];
    int rc;

    pthread_mutex_lock(&t->lock);
    rc = sess_find_alive(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    if (svc_kdf_expand(t->libctx, s->k->prk, "keyward/v1 child ", label, prk,
                       sizeof(prk)) < 0) {
        snprintf(msg, msglen, "key derivation failed");
        rc = SVC_INTERNAL;
        goto out;
    }
    rc = sess_insert(t, lim, owner, s->origin, aead, s->role, prk, child, msg,
                     msglen);
out:
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(prk, sizeof(prk));
    return rc;
}

int svc_session_rekey(struct svc_sessions *t, uid_t owner,
                      const uint8_t *handle, size_t handle_len, uint32_t *epoch,
                      char *msg, size_t msglen)
{
    struct sess *s;
    uint8_t prk[SVC_PRK_LEN];
    int rc;

    pthread_mutex_lock(&t->lock);
    rc = sess_find_alive(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc != SVC_OK)
        goto out;
    /* Ratchet: the next PRK from the current one; the old epoch's keys
     * are overwritten in place. */
    if (svc_kdf_expand(t->libctx, s->k->prk, "keyward/v1 rekey", "", prk,
                       sizeof(prk)) < 0) {
        snprintf(msg, msglen, "key derivation failed");
        rc = SVC_INTERNAL;
        goto out;
    }
    OPENSSL_cleanse(s->k, sizeof(*s->k));
    memcpy(s->k->prk, prk, SVC_PRK_LEN);
    if (sess_schedule(t, s) < 0) {
        s->dead = true;
        OPENSSL_cleanse(s->k, sizeof(*s->k));
        snprintf(msg, msglen, "key derivation failed");
        rc = SVC_INTERNAL;
        goto out;
    }
    *epoch = ++s->epoch;
out:
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(prk, sizeof(prk));
    return rc;
}

int svc_session_origin(struct svc_sessions *t, uid_t owner,
                       const uint8_t *handle, size_t handle_len, char *origin,
                       size_t originlen, char *msg, size_t msglen)
{
    struct sess *s;
    int rc;
    pthread_mutex_lock(&t->lock);
    rc = sess_find(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc == SVC_OK)
        snprintf(origin, originlen, "%s", s->origin);
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int svc_session_export(struct svc_sessions *t, uid_t owner,
                       const uint8_t *handle, size_t handle_len,
                       const char *label, uint8_t *out, size_t outlen,
                       char *msg, size_t msglen)
{
    struct sess *s;
    int rc;
    pthread_mutex_lock(&t->lock);
    rc = sess_find_alive(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc == SVC_OK &&
        svc_kdf_expand(t->libctx, s->k->prk, "keyward/v1 export ", label, out,
                       outlen) < 0) {
        snprintf(msg, msglen, "key derivation failed");
        rc = SVC_INTERNAL;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

int svc_session_close(struct svc_sessions *t, uid_t owner,
                      const uint8_t *handle, size_t handle_len, char *msg,
                      size_t msglen)
{
    struct sess *s;
    int rc;
    pthread_mutex_lock(&t->lock);
    rc = sess_find(t, owner, handle, handle_len, &s, msg, msglen);
    if (rc == SVC_OK) {
        struct sess **pp = &t->buckets[bucket_of(s->handle)];
        while (*pp != s)
            pp = &(*pp)->next;
        *pp = s->next;
        sess_free(s);
        t->count--;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}
