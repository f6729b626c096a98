/* SPDX-License-Identifier: Apache-2.0 */
/* pmsg.c: protected messages: container, epochs (key update), replay window and
 * limits. */
#include <string.h>

#include "oscore.h"
#include "pmsg.h"

#define REPLAY_WINDOW       64
#define DEFAULT_EPOCH_AHEAD 8
#define MASTER_SALT_LEN     8 /* RFC 9528 appendix A.1 default */

/* COSE header labels in the container (RFC 9052 3.1, RFC 8613 5). */
enum { HDR_KID = 4, HDR_PIV = 6, HDR_KID_CONTEXT = 10 };

/* Key material of one receiving epoch (in struct pmsg_secrets). */
struct pmsg_rx_keys {
    uint8_t key[EDHOC_MAX_KEY];
    uint8_t common_iv[EDHOC_MAX_NONCE];
};

/* Every secret of an association, on OpenSSL's secure heap: kept apart
 * from the counters so that it fits a 256-byte block (10,000 associations
 * need 2.5 MiB of mlock'd memory, not 5). */
struct pmsg_secrets {
    uint8_t prk_out[EDHOC_HASH_LEN];
    uint8_t send_key[EDHOC_MAX_KEY];
    uint8_t send_iv[EDHOC_MAX_NONCE];
    struct pmsg_rx_keys rx[2]; /* by pmsg_rx.slot */
};

/* The receiving half of one epoch; its keys are secrets->rx[slot]. */
struct pmsg_rx {
    uint32_t epoch;
    bool valid;
    uint8_t slot;
    uint64_t failed; /* failed decryptions with key */
    bool seen_any;   /* replay window: highest sequence number received */
    uint64_t top;    /* and bit i of bits = top - i was received */
    uint64_t bits;
};

struct kw_pmsg {
    kw_edhoc_ctx *ctx;
    const struct edhoc_aead *aead;
    struct pmsg_secrets *sec;
    uint8_t sid[KW_EDHOC_MAX_CID], rid[KW_EDHOC_MAX_CID];
    size_t sid_len, rid_len;
    kw_pmsg_limits lim;
    bool closed;

    uint32_t epoch; /* current epoch, for sending */
    uint64_t seq, sealed;

    struct pmsg_rx cur, prev;
    uint64_t ahead_failed; /* failures with keys of epochs not yet reached */
    uint64_t opened, rejected;
};

/* A parsed container; pointers into the message. */
struct pmsg_fields {
    const uint8_t *kid, *piv, *kid_ctx, *ct;
    size_t kid_len, piv_len, kid_ctx_len, ct_len;
    bool has_kid, has_piv, has_ctx;
};

const char *kw_pmsg_status_str(int status)
{
    static const char *const s[] = {
        "success",
        "invalid argument",
        "out of memory",
        "cryptographic operation failed",
        "malformed protected message",
        "unknown kid",
        "epoch not accepted",
        "replayed message",
        "message older than the replay window",
        "decryption failed",
        "encryption limit reached: key update needed",
        "failed-decryption limit reached: new handshake needed",
        "message too long",
        "output buffer too small",
    };
    return status <= 0 && -status < (int)(sizeof(s) / sizeof(s[0]))
               ? s[-status]
               : "unknown status";
}

/* ---- limits (standards.md; docs/PROTECTED-MESSAGES.md "Limits") ------- */

static void default_limits(const struct edhoc_aead *a, kw_pmsg_limits *l)
{
    uint64_t q, v;
    size_t len;

    switch (a->cose_alg) {
    case 10: /* AES-CCM-16-64-128: 2^20, 2^14, 2^8 blocks */
        q = 1ULL << 20, v = 1ULL << 14, len = (1u << 8) * 16;
        break;
    case 30: /* AES-CCM-16-128-128: 2^20, 2^20, 2^10 blocks */
        q = 1ULL << 20, v = 1ULL << 20, len = (1u << 10) * 16;
        break;
    default: /* A128GCM, ChaCha20/Poly1305: 2^23 small messages */
        q = 1ULL << 23, v = 1ULL << 20, len = 4096;
        break;
    }
    /* A caller may lower the AEAD's limits, never raise them. */
    if (l->max_seal == 0 || l->max_seal > q)
        l->max_seal = q;
    if (l->max_fail == 0 || l->max_fail > v)
        l->max_fail = v;
    if (l->max_plaintext == 0 || l->max_plaintext > len)
        l->max_plaintext = len;
    if (l->max_epoch_ahead == 0)
        l->max_epoch_ahead = DEFAULT_EPOCH_AHEAD;
}

static bool past_90(uint64_t n, uint64_t limit)
{
    return n >= limit - limit / 10;
}

/* ---- epochs ----------------------------------------------------------- */

/* epoch(n): n >= 1 as a big-endian byte string without leading zeros. */
static size_t epoch_bytes(uint32_t n, uint8_t out[4])
{
    size_t len = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;

    for (size_t i = 0; i < len; i++)
        out[len - 1 - i] = (uint8_t)(n >> (8 * i));
    return len;
}

/* PRK_out_n = EDHOC_KDF(PRK_out_{n-1}, 11, epoch(n), hash_length) */
static int prk_out_next(const kw_pmsg *p, const uint8_t prev[EDHOC_HASH_LEN],
                        uint32_t n, uint8_t next[EDHOC_HASH_LEN])
{
    uint8_t ctx[4];
    size_t len = epoch_bytes(n, ctx);

    return edhoc_kdf(p->ctx, prev, 11, ctx, len, next, EDHOC_HASH_LEN);
}

/* The OSCORE context of epoch n (RFC 9528 A.1 from PRK_out_n; ID Context
 * nil for epoch 0, epoch(n) after an update). */
static int epoch_keys(const kw_pmsg *p, uint32_t n,
                      const uint8_t prk_out[EDHOC_HASH_LEN],
                      struct oscore_keys *k)
{
    const struct edhoc_aead *a = p->aead;
    uint8_t exporter[EDHOC_HASH_LEN], secret[EDHOC_MAX_KEY];
    uint8_t salt[MASTER_SALT_LEN], ctx[4];
    size_t ctx_len = n > 0 ? epoch_bytes(n, ctx) : 0;
    int rv;

    rv = edhoc_prk_exporter(p->ctx, prk_out, exporter);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_kdf(p->ctx, exporter, 0, NULL, 0, secret, a->key_len);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_kdf(p->ctx, exporter, 1, NULL, 0, salt, sizeof(salt));
    if (rv == KW_EDHOC_OK)
        rv = oscore_derive(p->ctx, a, secret, a->key_len, salt, sizeof(salt),
                           n > 0 ? ctx : NULL, ctx_len, p->sid, p->sid_len,
                           p->rid, p->rid_len, k);
    EDHOC_WIPE(exporter);
    EDHOC_WIPE(secret);
    EDHOC_WIPE(salt);
    return rv == KW_EDHOC_OK ? KW_PMSG_OK : KW_PMSG_E_CRYPTO;
}

static void rx_set(kw_pmsg *p, struct pmsg_rx *rx, unsigned slot, uint32_t n,
                   const struct oscore_keys *k, uint64_t failed)
{
    struct pmsg_rx_keys *keys = &p->sec->rx[slot];

    OPENSSL_cleanse(rx, sizeof(*rx));
    rx->epoch = n;
    rx->valid = true;
    rx->slot = (uint8_t)slot;
    rx->failed = failed;
    memcpy(keys->key, k->recipient_key, sizeof(keys->key));
    memcpy(keys->common_iv, k->common_iv, sizeof(keys->common_iv));
}

/* Makes epoch n (with PRK_out_n and its keys) the current one; the old
 * current receiving half becomes the previous one. */
static void epoch_enter(kw_pmsg *p, uint32_t n,
                        const uint8_t prk_out[EDHOC_HASH_LEN],
                        const struct oscore_keys *k)
{
    unsigned slot = p->cur.slot ^ 1u; /* the older previous epoch's */

    p->prev = p->cur;
    rx_set(p, &p->cur, slot, n, k, p->ahead_failed); /* overwrites it */
    p->ahead_failed = 0;
    p->epoch = n;
    memcpy(p->sec->prk_out, prk_out, EDHOC_HASH_LEN);
    memcpy(p->sec->send_key, k->sender_key, sizeof(p->sec->send_key));
    memcpy(p->sec->send_iv, k->common_iv, sizeof(p->sec->send_iv));
    p->seq = 0;
    p->sealed = 0;
}

static void wipe_keys(kw_pmsg *p)
{
    OPENSSL_cleanse(p->sec, sizeof(*p->sec));
    OPENSSL_cleanse(&p->cur, sizeof(p->cur));
    OPENSSL_cleanse(&p->prev, sizeof(p->prev));
}

/* ---- lifecycle -------------------------------------------------------- */

kw_pmsg *kw_pmsg_new(kw_edhoc_ctx *ctx, int role, int suite,
                     const uint8_t prk_out[32], const uint8_t *c_i,
                     size_t c_i_len, const uint8_t *c_r, size_t c_r_len,
                     const kw_pmsg_limits *limits)
{
    const struct edhoc_suite *su = edhoc_suite_find(suite);
    struct oscore_keys k;
    kw_pmsg *p;
    bool initiator = role == KW_EDHOC_INITIATOR;

    if (ctx == NULL || su == NULL || prk_out == NULL ||
        (role != KW_EDHOC_INITIATOR && role != KW_EDHOC_RESPONDER) ||
        c_i_len > su->app_aead->nonce_len - 6 ||
        c_r_len > su->app_aead->nonce_len - 6 || (c_i == NULL && c_i_len) ||
        (c_r == NULL && c_r_len) || ctx->cipher[su->app_aead->cipher] == NULL)
        return NULL;
    if ((p = OPENSSL_zalloc(sizeof(*p))) == NULL)
        return NULL;
    if ((p->sec = OPENSSL_secure_zalloc(sizeof(*p->sec))) == NULL) {
        OPENSSL_free(p);
        return NULL;
    }
    p->ctx = ctx;
    p->aead = su->app_aead;
    if (limits != NULL)
        p->lim = *limits;
    default_limits(p->aead, &p->lim);
    /* RFC 9528 A.1: the initiator sends with C_R, the responder with C_I */
    p->sid_len = initiator ? c_r_len : c_i_len;
    p->rid_len = initiator ? c_i_len : c_r_len;
    if (p->sid_len > 0)
        memcpy(p->sid, initiator ? c_r : c_i, p->sid_len);
    if (p->rid_len > 0)
        memcpy(p->rid, initiator ? c_i : c_r, p->rid_len);
    if (epoch_keys(p, 0, prk_out, &k) != KW_PMSG_OK) {
        kw_pmsg_free(p);
        return NULL;
    }
    epoch_enter(p, 0, prk_out, &k);
    p->prev.valid = false; /* no previous epoch yet */
    OPENSSL_cleanse(&k, sizeof(k));
    return p;
}

kw_pmsg *kw_pmsg_new_from_edhoc(const kw_edhoc *s, const kw_pmsg_limits *limits)
{
    if (s == NULL || !kw_edhoc_is_complete(s))
        return NULL;
    return kw_pmsg_new(s->ctx, s->role, s->suite->id, s->prk_out, s->c_i,
                       s->c_i_len, s->c_r, s->c_r_len, limits);
}

void kw_pmsg_free(kw_pmsg *p)
{
    if (p == NULL)
        return;
    OPENSSL_secure_clear_free(p->sec, sizeof(*p->sec));
    OPENSSL_clear_free(p, sizeof(*p));
}

int kw_pmsg_key_update(kw_pmsg *p)
{
    uint8_t next[EDHOC_HASH_LEN];
    struct oscore_keys k;
    int rv;

    if (p->closed)
        return KW_PMSG_E_FAIL_LIMIT;
    if (p->epoch == UINT32_MAX)
        return KW_PMSG_E_SEAL_LIMIT;
    rv = prk_out_next(p, p->sec->prk_out, p->epoch + 1, next) == KW_EDHOC_OK
             ? epoch_keys(p, p->epoch + 1, next, &k)
             : KW_PMSG_E_CRYPTO;
    if (rv == KW_PMSG_OK)
        epoch_enter(p, p->epoch + 1, next, &k);
    EDHOC_WIPE(next);
    OPENSSL_cleanse(&k, sizeof(k));
    return rv;
}

/* ---- the container ---------------------------------------------------- */

/* COSE_Encrypt0 = [ protected: h'', unprotected: { 4: kid, 6: Partial IV,
 * ? 10: kid context }, ciphertext: bstr ], untagged, one item. */
static int parse(const uint8_t *msg, size_t len, struct pmsg_fields *f)
{
    const uint8_t *prot;
    size_t n, prot_len;
    kw_cbor_dec d;

    memset(f, 0, sizeof(*f));
    if (msg == NULL || kw_cbor_check_item(msg, len) != 0)
        return KW_PMSG_E_DECODE;
    kw_cbor_dec_init(&d, msg, len);
    if (kw_cbor_get_array(&d, &n) != 0 || n != 3 ||
        kw_cbor_get_bstr(&d, &prot, &prot_len) != 0 || prot_len != 0 ||
        kw_cbor_get_map(&d, &n) != 0 || n < 2 || n > 3)
        return KW_PMSG_E_DECODE;
    for (size_t i = 0; i < n; i++) {
        int64_t label;
        const uint8_t *v;
        size_t vl;

        if (kw_cbor_get_int(&d, &label) != 0 ||
            kw_cbor_get_bstr(&d, &v, &vl) != 0)
            return KW_PMSG_E_DECODE;
        if (label == HDR_KID && vl <= KW_EDHOC_MAX_CID) {
            f->kid = v, f->kid_len = vl, f->has_kid = true;
        } else if (label == HDR_PIV && vl >= 1 && vl <= OSCORE_PIV_MAX &&
                   (vl == 1 || v[0] != 0)) {
            f->piv = v, f->piv_len = vl, f->has_piv = true;
        } else if (label == HDR_KID_CONTEXT && vl >= 1 && vl <= 4 &&
                   v[0] != 0) {
            f->kid_ctx = v, f->kid_ctx_len = vl, f->has_ctx = true;
        } else {
            return KW_PMSG_E_DECODE;
        }
    }
    if (!f->has_kid || !f->has_piv ||
        kw_cbor_get_bstr(&d, &f->ct, &f->ct_len) != 0)
        return KW_PMSG_E_DECODE;
    return KW_PMSG_OK;
}

int kw_pmsg_peek_kid(const uint8_t *msg, size_t msg_len, const uint8_t **kid,
                     size_t *kid_len)
{
    struct pmsg_fields f;
    int rv = parse(msg, msg_len, &f);

    if (rv == KW_PMSG_OK) {
        *kid = f.kid;
        *kid_len = f.kid_len;
    }
    return rv;
}

int kw_pmsg_seal(kw_pmsg *p, const uint8_t *pt, size_t pt_len, uint8_t *out,
                 size_t *out_len, unsigned *flags)
{
    const struct edhoc_aead *a = p->aead;
    uint8_t piv[OSCORE_PIV_MAX], nonce[EDHOC_MAX_NONCE], ectx[4];
    size_t piv_len, ectx_len = 0, need;
    kw_cbor_enc head, aad;
    int rv;

    *flags = 0;
    if ((pt == NULL && pt_len > 0) || out_len == NULL)
        return KW_PMSG_E_PARAM;
    if (p->closed)
        return KW_PMSG_E_FAIL_LIMIT;
    if (pt_len > p->lim.max_plaintext)
        return KW_PMSG_E_TOO_LONG;
    if (p->sealed >= p->lim.max_seal || p->seq > OSCORE_SEQ_MAX)
        return KW_PMSG_E_SEAL_LIMIT;
    piv_len = oscore_piv(p->seq, piv);
    if (p->epoch > 0)
        ectx_len = epoch_bytes(p->epoch, ectx);

    kw_cbor_enc_init(&head);
    kw_cbor_enc_init(&aad);
    kw_cbor_put_array(&head, 3);
    kw_cbor_put_bstr(&head, NULL, 0);
    kw_cbor_put_map(&head, p->epoch > 0 ? 3 : 2);
    kw_cbor_put_uint(&head, HDR_KID);
    kw_cbor_put_bstr(&head, p->sid, p->sid_len);
    kw_cbor_put_uint(&head, HDR_PIV);
    kw_cbor_put_bstr(&head, piv, piv_len);
    if (p->epoch > 0) {
        kw_cbor_put_uint(&head, HDR_KID_CONTEXT);
        kw_cbor_put_bstr(&head, ectx, ectx_len);
    }
    kw_cbor_put_bstr_head(&head, pt_len + a->tag_len);
    if (kw_cbor_enc_error(&head) ||
        oscore_aad(&aad, a->cose_alg, p->sid, p->sid_len, piv, piv_len)) {
        rv = KW_PMSG_E_NOMEM;
        goto out;
    }
    need = head.len + pt_len + a->tag_len;
    if (out == NULL || *out_len < need) {
        *out_len = need;
        rv = KW_PMSG_E_BUFFER;
        goto out;
    }
    oscore_nonce(a, p->sec->send_iv, p->sid, p->sid_len, p->seq, nonce);
    memcpy(out, head.buf, head.len);
    if (edhoc_aead_seal(p->ctx, a, p->sec->send_key, nonce, aad.buf, aad.len,
                        pt, pt_len, out + head.len) != KW_EDHOC_OK) {
        rv = KW_PMSG_E_CRYPTO;
        goto out;
    }
    *out_len = need;
    p->seq++;
    p->sealed++;
    if (past_90(p->sealed, p->lim.max_seal))
        *flags |= KW_PMSG_F_REKEY_SOON;
    rv = KW_PMSG_OK;
out:
    kw_cbor_enc_cleanup(&head);
    kw_cbor_enc_cleanup(&aad);
    return rv;
}

/* Replay window (RFC 8613 section 7.4): 64 sequence numbers below the
 * highest one received. */
static int window_check(const struct pmsg_rx *rx, uint64_t seq)
{
    if (!rx->seen_any || seq > rx->top)
        return KW_PMSG_OK;
    if (rx->top - seq >= REPLAY_WINDOW)
        return KW_PMSG_E_WINDOW;
    return (rx->bits >> (rx->top - seq)) & 1 ? KW_PMSG_E_REPLAY : KW_PMSG_OK;
}

static void window_accept(struct pmsg_rx *rx, uint64_t seq)
{
    if (!rx->seen_any) {
        rx->seen_any = true;
        rx->top = seq;
        rx->bits = 1;
    } else if (seq > rx->top) {
        uint64_t shift = seq - rx->top;
        rx->bits = shift >= REPLAY_WINDOW ? 1 : rx->bits << shift | 1;
        rx->top = seq;
    } else {
        rx->bits |= 1ULL << (rx->top - seq);
    }
}

/* Counts a failed decryption; at the limit the association closes. */
static int count_failure(kw_pmsg *p, uint64_t *counter, unsigned *flags)
{
    (*counter)++;
    if (*counter >= p->lim.max_fail) {
        p->closed = true;
        wipe_keys(p);
        return KW_PMSG_E_FAIL_LIMIT;
    }
    if (past_90(*counter, p->lim.max_fail))
        *flags |= KW_PMSG_F_HANDSHAKE_SOON;
    return KW_PMSG_E_AUTH;
}

static int open_with(kw_pmsg *p, const struct pmsg_rx_keys *rx,
                     const struct pmsg_fields *f, uint64_t seq, uint8_t *out)
{
    const struct edhoc_aead *a = p->aead;
    uint8_t nonce[EDHOC_MAX_NONCE];
    kw_cbor_enc aad;
    int rv;

    kw_cbor_enc_init(&aad);
    if (oscore_aad(&aad, a->cose_alg, f->kid, f->kid_len, f->piv, f->piv_len) !=
        KW_EDHOC_OK) {
        kw_cbor_enc_cleanup(&aad);
        return KW_PMSG_E_NOMEM;
    }
    oscore_nonce(a, rx->common_iv, f->kid, f->kid_len, seq, nonce);
    rv = edhoc_aead_open(p->ctx, a, rx->key, nonce, aad.buf, aad.len, f->ct,
                         f->ct_len, out);
    kw_cbor_enc_cleanup(&aad);
    if (rv == KW_EDHOC_E_AUTH)
        return KW_PMSG_E_AUTH;
    return rv == KW_EDHOC_OK ? KW_PMSG_OK : KW_PMSG_E_CRYPTO;
}

/* A message from a later epoch: derive that epoch's keys and try them;
 * on success the association moves there (section "Key update"). */
static int open_ahead(kw_pmsg *p, uint32_t n, const struct pmsg_fields *f,
                      uint64_t seq, uint8_t *out, unsigned *flags)
{
    uint8_t prk[EDHOC_HASH_LEN], next[EDHOC_HASH_LEN];
    struct oscore_keys k;
    struct pmsg_rx_keys cand;
    int rv = KW_PMSG_OK;

    memcpy(prk, p->sec->prk_out, sizeof(prk));
    for (uint32_t e = p->epoch + 1; e <= n && rv == KW_PMSG_OK; e++) {
        if (prk_out_next(p, prk, e, next) != KW_EDHOC_OK)
            rv = KW_PMSG_E_CRYPTO;
        memcpy(prk, next, sizeof(prk));
    }
    if (rv == KW_PMSG_OK)
        rv = epoch_keys(p, n, prk, &k);
    if (rv == KW_PMSG_OK) {
        memcpy(cand.key, k.recipient_key, sizeof(cand.key));
        memcpy(cand.common_iv, k.common_iv, sizeof(cand.common_iv));
        rv = open_with(p, &cand, f, seq, out);
        if (rv == KW_PMSG_E_AUTH)
            rv = count_failure(p, &p->ahead_failed, flags);
    }
    if (rv == KW_PMSG_OK) {
        epoch_enter(p, n, prk, &k);
        window_accept(&p->cur, seq);
        *flags |= KW_PMSG_F_EPOCH_ADVANCED;
    }
    EDHOC_WIPE(prk);
    EDHOC_WIPE(next);
    OPENSSL_cleanse(&k, sizeof(k));
    OPENSSL_cleanse(&cand, sizeof(cand));
    return rv;
}

static int open_msg(kw_pmsg *p, const uint8_t *msg, size_t msg_len,
                    uint8_t *out, size_t *out_len, unsigned *flags)
{
    const struct edhoc_aead *a = p->aead;
    struct pmsg_fields f;
    struct pmsg_rx *rx;
    uint64_t seq = 0;
    uint32_t n = 0;
    int rv;

    if (p->closed)
        return KW_PMSG_E_FAIL_LIMIT;
    if ((rv = parse(msg, msg_len, &f)) != KW_PMSG_OK)
        return rv;
    if (f.kid_len != p->rid_len || memcmp(f.kid, p->rid, f.kid_len) != 0)
        return KW_PMSG_E_KID;
    if (f.ct_len < a->tag_len)
        return KW_PMSG_E_DECODE;
    if (f.ct_len - a->tag_len > p->lim.max_plaintext)
        return KW_PMSG_E_TOO_LONG;
    if (out == NULL || *out_len < f.ct_len - a->tag_len) {
        *out_len = f.ct_len - a->tag_len;
        return KW_PMSG_E_BUFFER;
    }
    for (size_t i = 0; i < f.piv_len; i++)
        seq = seq << 8 | f.piv[i];
    for (size_t i = 0; i < f.kid_ctx_len; i++)
        n = n << 8 | f.kid_ctx[i];

    if (n > p->epoch) {
        if (n - p->epoch > p->lim.max_epoch_ahead)
            return KW_PMSG_E_EPOCH;
        rv = open_ahead(p, n, &f, seq, out, flags);
    } else {
        if (n == p->cur.epoch)
            rx = &p->cur;
        else if (p->prev.valid && n == p->prev.epoch)
            rx = &p->prev;
        else
            return KW_PMSG_E_EPOCH;
        if ((rv = window_check(rx, seq)) != KW_PMSG_OK)
            return rv;
        rv = open_with(p, &p->sec->rx[rx->slot], &f, seq, out);
        if (rv == KW_PMSG_E_AUTH)
            rv = count_failure(p, &rx->failed, flags);
        else if (rv == KW_PMSG_OK)
            window_accept(rx, seq);
    }
    if (rv == KW_PMSG_OK)
        *out_len = f.ct_len - a->tag_len;
    return rv;
}

int kw_pmsg_open(kw_pmsg *p, const uint8_t *msg, size_t msg_len, uint8_t *out,
                 size_t *out_len, unsigned *flags)
{
    int rv;

    *flags = 0;
    if (out_len == NULL)
        return KW_PMSG_E_PARAM;
    rv = open_msg(p, msg, msg_len, out, out_len, flags);
    if (rv == KW_PMSG_OK)
        p->opened++;
    else if (rv != KW_PMSG_E_BUFFER)
        p->rejected++;
    return rv;
}

int kw_pmsg_oscore_export(const kw_pmsg *p, kw_pmsg_oscore *out)
{
    const struct edhoc_aead *a = p->aead;
    uint8_t exporter[EDHOC_HASH_LEN];
    int rv;

    memset(out, 0, sizeof(*out));
    if (p->closed)
        return KW_PMSG_E_FAIL_LIMIT;
    rv = edhoc_prk_exporter(p->ctx, p->sec->prk_out, exporter);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_kdf(p->ctx, exporter, 0, NULL, 0, out->master_secret,
                       a->key_len);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_kdf(p->ctx, exporter, 1, NULL, 0, out->master_salt,
                       MASTER_SALT_LEN);
    EDHOC_WIPE(exporter);
    if (rv != KW_EDHOC_OK) {
        OPENSSL_cleanse(out, sizeof(*out));
        return KW_PMSG_E_CRYPTO;
    }
    out->master_secret_len = a->key_len;
    out->master_salt_len = MASTER_SALT_LEN;
    if (p->epoch > 0)
        out->id_context_len = epoch_bytes(p->epoch, out->id_context);
    memcpy(out->sender_id, p->sid, p->sid_len);
    out->sender_id_len = p->sid_len;
    memcpy(out->recipient_id, p->rid, p->rid_len);
    out->recipient_id_len = p->rid_len;
    out->aead_alg = a->cose_alg;
    return KW_PMSG_OK;
}

int kw_pmsg_get_stats(const kw_pmsg *p, kw_pmsg_stats *st)
{
    st->epoch = p->epoch;
    st->sealed = p->sealed;
    st->failed = p->cur.failed;
    st->opened = p->opened;
    st->rejected = p->rejected;
    st->max_seal = p->lim.max_seal;
    st->max_fail = p->lim.max_fail;
    st->closed = p->closed;
    return KW_PMSG_OK;
}
