/* SPDX-License-Identifier: Apache-2.0 */
/* test_pmsg.c: protected messages: RFC 8613 vectors, round trips, replay, key
 * update, limits. */
#include <string.h>

#include "edhoc_testlib.h"
#include "oscore.h"
#include "pmsg.h"
#include "pmsg_refpeer.h"
#include "testutil.h"

static kw_edhoc_ctx *ctx;

/* RFC 9529 trace 1: PRK_out, C_I = 0x2d, C_R = 0x18, suite 0. */
static const char PRK_OUT_T1[] =
    "b744cb7d8a87cc0447c3350e165b250dab12ec453325abb922b30307e5c368f0";
static const uint8_t C_I = 0x2d, C_R = 0x18;

static int expect_hex(const uint8_t *got, size_t got_len, const char *hex)
{
    size_t len;
    const uint8_t *want = hx(hex, &len);

    return TEST_mem_eq(got, got_len, want, len);
}

/* A pair of associations over the same PRK_out, one per role. */
static int make_pair(kw_pmsg **i, kw_pmsg **r, const kw_pmsg_limits *lim)
{
    size_t n;
    const uint8_t *prk = hx(PRK_OUT_T1, &n);

    *i = kw_pmsg_new(ctx, KW_EDHOC_INITIATOR, 0, prk, &C_I, 1, &C_R, 1, lim);
    *r = kw_pmsg_new(ctx, KW_EDHOC_RESPONDER, 0, prk, &C_I, 1, &C_R, 1, lim);
    return TEST_ptr(*i) && TEST_ptr(*r);
}

struct msg {
    uint8_t b[256];
    size_t len;
};

static int seal(kw_pmsg *p, const char *text, struct msg *m, unsigned *flags)
{
    unsigned f;
    int rv;

    m->len = sizeof(m->b);
    rv = kw_pmsg_seal(p, (const uint8_t *)text, strlen(text), m->b, &m->len,
                      flags ? flags : &f);
    return TEST_int_eq(rv, KW_PMSG_OK);
}

/* Opens m and checks the plaintext; returns the status. */
static int open_status(kw_pmsg *p, const struct msg *m, const char *text,
                       unsigned *flags)
{
    uint8_t out[256];
    size_t out_len = sizeof(out);
    unsigned f;
    int rv = kw_pmsg_open(p, m->b, m->len, out, &out_len, flags ? flags : &f);

    if (rv == KW_PMSG_OK && text != NULL &&
        !TEST_mem_eq(out, out_len, text, strlen(text)))
        return -100;
    return rv;
}

/* ---- OSCORE parts against RFC 8613 appendix C ------------------------- */

static int test_rfc8613_vectors(void)
{
    const struct edhoc_aead *a = edhoc_aead_find(10);
    struct oscore_keys k;
    size_t ms_len, salt_len, ctx_len;
    const uint8_t *ms = hx("0102030405060708090a0b0c0d0e0f10", &ms_len);
    const uint8_t *salt = hx("9e7ca92223786340", &salt_len);
    const uint8_t *idc = hx("37cbf3210017a2d3", &ctx_len);
    static const uint8_t rid = 0x01, pt[] = {0x01, 0xb3, 0x74, 0x76, 0x31};
    uint8_t nonce[13], piv[5], ct[sizeof(pt) + 8];
    size_t piv_len;
    kw_cbor_enc aad;
    int rv, ok = 0;

    /* C.1.1: client, Master Salt, Sender ID h'', Recipient ID h'01' */
    rv = oscore_derive(ctx, a, ms, ms_len, salt, salt_len, NULL, 0, NULL, 0,
                       &rid, 1, &k);
    if (!TEST_int_eq(rv, 0) ||
        !expect_hex(k.sender_key, 16, "f0910ed7295e6ad4b54fc793154302ff") ||
        !expect_hex(k.recipient_key, 16, "ffb14e093c94c9cac9471648b4f98710") ||
        !expect_hex(k.common_iv, 13, "4622d4dd6d944168eefb54987c"))
        return 0;
    /* C.4: request with Sender Sequence Number 20 */
    piv_len = oscore_piv(20, piv);
    oscore_nonce(a, k.common_iv, NULL, 0, 20, nonce);
    kw_cbor_enc_init(&aad);
    rv = oscore_aad(&aad, 10, NULL, 0, piv, piv_len);
    if (!TEST_int_eq(rv, 0) || !expect_hex(piv, piv_len, "14") ||
        !expect_hex(nonce, 13, "4622d4dd6d944168eefb549868") ||
        !expect_hex(aad.buf, aad.len,
                    "8368456e63727970743040488501810a40411440"))
        goto err;
    rv = edhoc_aead_seal(ctx, a, k.sender_key, nonce, aad.buf, aad.len, pt,
                         sizeof(pt), ct);
    if (!TEST_int_eq(rv, 0) ||
        !expect_hex(ct, sizeof(ct), "612f1092f1776f1c1668b3825e"))
        goto err;
    /* C.3.1: with ID Context; nonces for Partial IV 0 */
    rv = oscore_derive(ctx, a, ms, ms_len, salt, salt_len, idc, ctx_len, NULL,
                       0, &rid, 1, &k);
    if (!TEST_int_eq(rv, 0) ||
        !expect_hex(k.sender_key, 16, "af2a1300a5e95788b356336eeecd2b92") ||
        !expect_hex(k.recipient_key, 16, "e39a0c7c77b43f03b4b39ab9a268699f") ||
        !expect_hex(k.common_iv, 13, "2ca58fb85ff1b81c0b7181b85e"))
        goto err;
    oscore_nonce(a, k.common_iv, NULL, 0, 0, nonce);
    if (!expect_hex(nonce, 13, "2ca58fb85ff1b81c0b7181b85e"))
        goto err;
    oscore_nonce(a, k.common_iv, &rid, 1, 0, nonce);
    ok = expect_hex(nonce, 13, "2da58fb85ff1b81d0b7181b85e");
err:
    kw_cbor_enc_cleanup(&aad);
    OPENSSL_cleanse(&k, sizeof(k));
    hx_reset();
    return ok;
}

/* ---- the worked example of docs/PROTECTED-MESSAGES.md ----------------- */

/* "hello" from the initiator (Sender ID 0x18), sequence number 0, in
 * epoch 0 and, after one key update, in epoch 1. */
static const char EXAMPLE_EPOCH0[] =
    "8340a20441180641004d899e90e6963d7d1db19ec31e68";
static const char EXAMPLE_EPOCH1[] =
    "8340a30441180641000a41014d30a5636acee8cb1b86e766234c";

static int test_worked_example(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m;
    uint8_t out[64];
    size_t n;
    const uint8_t *prk;
    int rv, len, ok = 0;

    if (!make_pair(&i, &r, NULL) || !seal(i, "hello", &m, NULL) ||
        !expect_hex(m.b, m.len, EXAMPLE_EPOCH0))
        goto err;
    /* the independent receiver opens it */
    prk = hx(PRK_OUT_T1, &n);
    len = ref_open(prk, m.b, m.len, out, sizeof(out));
    if (!TEST_int_eq(len, 5) || !TEST_mem_eq(out, 5, "hello", 5))
        goto err;
    rv = kw_pmsg_key_update(i);
    if (!TEST_int_eq(rv, 0) || !seal(i, "hello", &m, NULL) ||
        !expect_hex(m.b, m.len, EXAMPLE_EPOCH1))
        goto err;
    len = ref_open(prk, m.b, m.len, out, sizeof(out));
    if (!TEST_int_eq(len, 5) || !TEST_mem_eq(out, 5, "hello", 5))
        goto err;
    /* and a tampered one it does not */
    m.b[m.len - 1] ^= 1;
    len = ref_open(prk, m.b, m.len, out, sizeof(out));
    ok = TEST_int_eq(len, -1);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

/* The OSCORE export gives the Master Secret and Salt of the worked example
 * (RFC 9529 section 2.6 for epoch 0), with the ID Context of epoch 1. */
static int test_oscore_export(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    kw_pmsg_oscore o;
    int ok = 0;

    if (!make_pair(&i, &r, NULL) ||
        !TEST_int_eq(kw_pmsg_oscore_export(i, &o), KW_PMSG_OK) ||
        !expect_hex(o.master_secret, o.master_secret_len,
                    "1e1c6beac3a8a1cac435de7e2f9ae7ff") ||
        !expect_hex(o.master_salt, o.master_salt_len, "ce7ab844c0106d73") ||
        !TEST_int_eq((int)o.id_context_len, 0) ||
        !expect_hex(o.sender_id, o.sender_id_len, "18") ||
        !expect_hex(o.recipient_id, o.recipient_id_len, "2d") ||
        !TEST_int_eq(o.aead_alg, 10) ||
        !TEST_int_eq(kw_pmsg_key_update(i), KW_PMSG_OK) ||
        !TEST_int_eq(kw_pmsg_oscore_export(i, &o), KW_PMSG_OK) ||
        !expect_hex(o.master_secret, o.master_secret_len,
                    "94e3e0a4407a43f74893204a68bc0831") ||
        !expect_hex(o.master_salt, o.master_salt_len, "93b0cf8fd9764c7c") ||
        !expect_hex(o.id_context, o.id_context_len, "01") ||
        !TEST_int_eq(kw_pmsg_oscore_export(r, &o), KW_PMSG_OK) ||
        !expect_hex(o.sender_id, o.sender_id_len, "2d"))
        goto err;
    ok = 1;
err:
    OPENSSL_cleanse(&o, sizeof(o));
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

/* ---- round trips, tampering, replay ----------------------------------- */

static int test_roundtrip(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m;
    const uint8_t *kid;
    size_t kid_len;
    kw_pmsg_stats st;
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL))
        goto err;
    for (int k = 0; k < 3; k++) {
        if (!seal(i, "ping", &m, NULL))
            goto err;
        /* the kid names the receiver's association: C_R for the responder */
        rv = kw_pmsg_peek_kid(m.b, m.len, &kid, &kid_len);
        if (!TEST_int_eq(rv, 0) || !TEST_mem_eq(kid, kid_len, &C_R, 1))
            goto err;
        rv = open_status(r, &m, "ping", NULL);
        if (!TEST_int_eq(rv, 0) || !seal(r, "pong", &m, NULL))
            goto err;
        rv = open_status(i, &m, "pong", NULL);
        if (!TEST_int_eq(rv, 0))
            goto err;
    }
    if (!seal(i, "", &m, NULL)) /* empty plaintext */
        goto err;
    rv = open_status(r, &m, "", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    /* a message sent by r does not open at r (wrong kid) */
    if (!seal(r, "self", &m, NULL))
        goto err;
    rv = open_status(r, &m, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_KID))
        goto err;
    rv = kw_pmsg_get_stats(r, &st);
    ok = TEST_int_eq(rv, 0) && TEST_int_eq(st.opened, 4) &&
         TEST_int_eq(st.rejected, 1) && TEST_int_eq(st.sealed, 4) &&
         TEST_int_eq(st.epoch, 0);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

static int test_tamper(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m, t;
    kw_pmsg_stats st;
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL) || !seal(i, "secret reading", &m, NULL))
        goto err;
    /* every single-bit change in the ciphertext or tag fails to open */
    for (size_t pos = m.len - 22; pos < m.len; pos++) {
        t = m;
        t.b[pos] ^= 0x80;
        rv = open_status(r, &t, NULL, NULL);
        if (!TEST_int_eq(rv, KW_PMSG_E_AUTH))
            goto err;
    }
    /* another Partial IV (same length) changes the nonce and AAD */
    t = m;
    t.b[8] = 0x07;
    rv = open_status(r, &t, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_AUTH))
        goto err;
    /* header malformations are refused before decryption */
    static const struct {
        size_t at;
        uint8_t val;
        int want;
    } edits[] = {
        {0, 0x84, KW_PMSG_E_DECODE}, /* not a 3-array */
        {1, 0x41, KW_PMSG_E_DECODE}, /* non-empty protected */
        {3, 0x05, KW_PMSG_E_DECODE}, /* unknown header label */
        {5, 0x19, KW_PMSG_E_KID},    /* another kid */
    };
    for (size_t k = 0; k < sizeof(edits) / sizeof(edits[0]); k++) {
        t = m;
        t.b[edits[k].at] = edits[k].val;
        rv = open_status(r, &t, NULL, NULL);
        if (!TEST_int_eq(rv, edits[k].want))
            goto err;
    }
    t = m; /* trailing byte */
    t.b[t.len++] = 0x00;
    rv = open_status(r, &t, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_DECODE))
        goto err;
    /* the original still opens: failures change nothing but the count */
    rv = open_status(r, &m, "secret reading", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_pmsg_get_stats(r, &st);
    ok = TEST_int_eq(rv, 0) && TEST_int_eq(st.failed, 23) &&
         TEST_int_eq(st.opened, 1);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

static int test_replay(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m[70];
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL))
        goto err;
    for (int k = 0; k < 70; k++)
        if (!seal(i, "n", &m[k], NULL))
            goto err;
    /* in order, then a replay */
    rv = open_status(r, &m[0], "n", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = open_status(r, &m[0], NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_REPLAY))
        goto err;
    /* out of order inside the window: 5 before 3 before 4 */
    static const int order[] = {5, 3, 4};
    for (int k = 0; k < 3; k++) {
        rv = open_status(r, &m[order[k]], "n", NULL);
        if (!TEST_int_eq(rv, 0))
            goto err;
    }
    rv = open_status(r, &m[3], NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_REPLAY))
        goto err;
    /* jump to 69: 5 is now 64 below the top, out of the window; 6 is the
     * oldest still inside, and opens once */
    rv = open_status(r, &m[69], "n", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = open_status(r, &m[5], NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_WINDOW))
        goto err;
    rv = open_status(r, &m[6], "n", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = open_status(r, &m[6], NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_REPLAY))
        goto err;
    rv = open_status(r, &m[2], NULL, NULL);
    ok = TEST_int_eq(rv, KW_PMSG_E_WINDOW);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

/* ---- key update signalled in the messages ------------------------------ */

static int test_key_update_follow(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg old_i, old_r, m;
    kw_pmsg_stats st;
    unsigned flags;
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL) || !seal(i, "epoch0 from i", &old_i, NULL) ||
        !seal(r, "epoch0 from r", &old_r, NULL))
        goto err;
    /* i moves to epoch 1 on its own; r learns it from the next message */
    rv = kw_pmsg_key_update(i);
    if (!TEST_int_eq(rv, 0) || !seal(i, "epoch1 from i", &m, NULL))
        goto err;
    rv = open_status(r, &m, "epoch1 from i", &flags);
    if (!TEST_int_eq(rv, 0) || !TEST_true(flags & KW_PMSG_F_EPOCH_ADVANCED))
        goto err;
    rv = kw_pmsg_get_stats(r, &st);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(st.epoch, 1))
        goto err;
    /* r now sends in epoch 1 too, and i opens it */
    if (!seal(r, "epoch1 from r", &m, NULL))
        goto err;
    rv = open_status(i, &m, "epoch1 from r", &flags);
    if (!TEST_int_eq(rv, 0) || !TEST_false(flags & KW_PMSG_F_EPOCH_ADVANCED))
        goto err;
    /* messages of the previous epoch still in flight open on both sides */
    rv = open_status(r, &old_i, "epoch0 from i", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = open_status(i, &old_r, "epoch0 from r", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    /* three updates in a row are followed in one step */
    for (int k = 0; k < 3; k++) {
        rv = kw_pmsg_key_update(i);
        if (!TEST_int_eq(rv, 0))
            goto err;
    }
    if (!seal(i, "epoch4", &m, NULL))
        goto err;
    rv = open_status(r, &m, "epoch4", &flags);
    if (!TEST_int_eq(rv, 0) || !TEST_true(flags & KW_PMSG_F_EPOCH_ADVANCED))
        goto err;
    /* epoch 0 is now too old for r */
    rv = open_status(r, &old_r, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_KID)) /* (r's own message: wrong kid) */
        goto err;
    rv = open_status(i, &old_r, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_EPOCH))
        goto err;
    /* both update at the same time: the same next epoch on both sides */
    rv = kw_pmsg_key_update(i);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_pmsg_key_update(r);
    if (!TEST_int_eq(rv, 0) || !seal(r, "both", &m, NULL))
        goto err;
    rv = open_status(i, &m, "both", &flags);
    if (!TEST_int_eq(rv, 0) || !TEST_false(flags & KW_PMSG_F_EPOCH_ADVANCED))
        goto err;
    /* a receiver does not follow more than max_epoch_ahead (8) at once */
    for (int k = 0; k < 9; k++) {
        rv = kw_pmsg_key_update(i);
        if (!TEST_int_eq(rv, 0))
            goto err;
    }
    if (!seal(i, "too far", &m, NULL))
        goto err;
    rv = open_status(r, &m, NULL, NULL);
    ok = TEST_int_eq(rv, KW_PMSG_E_EPOCH);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

/* A forged message claiming the next epoch moves nothing. */
static int test_forged_epoch(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m;
    kw_pmsg_stats st;
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL))
        goto err;
    rv = kw_pmsg_key_update(i);
    if (!TEST_int_eq(rv, 0) || !seal(i, "epoch 1", &m, NULL))
        goto err;
    m.b[m.len - 1] ^= 1;
    rv = open_status(r, &m, NULL, NULL);
    if (!TEST_int_eq(rv, KW_PMSG_E_AUTH))
        goto err;
    rv = kw_pmsg_get_stats(r, &st);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(st.epoch, 0))
        goto err;
    m.b[m.len - 1] ^= 1; /* the genuine one still moves r */
    rv = open_status(r, &m, "epoch 1", NULL);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_pmsg_get_stats(r, &st);
    /* the failure against epoch 1's key is kept on that key */
    ok = TEST_int_eq(rv, 0) && TEST_int_eq(st.epoch, 1) &&
         TEST_int_eq(st.failed, 1);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

/* ---- usage limits ------------------------------------------------------ */

static int test_limits(void)
{
    const kw_pmsg_limits lim = {
        .max_seal = 10, .max_fail = 20, .max_plaintext = 32};
    kw_pmsg *i = NULL, *r = NULL;
    struct msg m, bad;
    unsigned flags;
    uint8_t big[33] = {0}, out[64];
    size_t len;
    int rv, ok = 0;

    if (!make_pair(&i, &r, &lim))
        goto err;
    /* q = 10: "rekey soon" from the 9th encryption, refusal at the 11th */
    for (int k = 1; k <= 10; k++) {
        if (!seal(i, "x", &m, &flags))
            goto err;
        if (!TEST_int_eq(!!(flags & KW_PMSG_F_REKEY_SOON), k >= 9))
            goto err;
    }
    len = sizeof(m.b);
    rv = kw_pmsg_seal(i, (const uint8_t *)"x", 1, m.b, &len, &flags);
    if (!TEST_int_eq(rv, KW_PMSG_E_SEAL_LIMIT))
        goto err;
    /* a key update resets the sender's count */
    rv = kw_pmsg_key_update(i);
    if (!TEST_int_eq(rv, 0) || !seal(i, "x", &m, &flags) ||
        !TEST_int_eq(flags, 0))
        goto err;
    /* message length limit */
    len = sizeof(m.b);
    rv = kw_pmsg_seal(i, big, sizeof(big), m.b, &len, &flags);
    if (!TEST_int_eq(rv, KW_PMSG_E_TOO_LONG))
        goto err;
    /* output buffer too small: the size needed comes back */
    len = 4;
    rv = kw_pmsg_seal(i, big, 8, m.b, &len, &flags);
    if (!TEST_int_eq(rv, KW_PMSG_E_BUFFER) || !TEST_int_gt(len, 8))
        goto err;
    /* v = 20: "handshake soon" from the 18th failure, closed at the 20th */
    if (!seal(r, "y", &bad, NULL))
        goto err;
    bad.b[bad.len - 1] ^= 1;
    for (int k = 1; k <= 20; k++) {
        len = sizeof(out);
        rv = kw_pmsg_open(i, bad.b, bad.len, out, &len, &flags);
        if (!TEST_int_eq(rv, k < 20 ? KW_PMSG_E_AUTH : KW_PMSG_E_FAIL_LIMIT) ||
            !TEST_int_eq(!!(flags & KW_PMSG_F_HANDSHAKE_SOON),
                         k >= 18 && k < 20))
            goto err;
    }
    /* closed: nothing seals or opens any more */
    bad.b[bad.len - 1] ^= 1;
    len = sizeof(out);
    rv = kw_pmsg_open(i, bad.b, bad.len, out, &len, &flags);
    if (!TEST_int_eq(rv, KW_PMSG_E_FAIL_LIMIT))
        goto err;
    len = sizeof(m.b);
    rv = kw_pmsg_seal(i, (const uint8_t *)"x", 1, m.b, &len, &flags);
    if (!TEST_int_eq(rv, KW_PMSG_E_FAIL_LIMIT))
        goto err;
    rv = kw_pmsg_key_update(i);
    ok = TEST_int_eq(rv, KW_PMSG_E_FAIL_LIMIT);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

static int test_defaults(void)
{
    kw_pmsg *i = NULL, *r = NULL;
    kw_pmsg_stats st;
    size_t n;
    const uint8_t *prk;
    static const uint8_t long_id[7] = {1, 2, 3, 4, 5, 6, 7};
    int rv, ok = 0;

    if (!make_pair(&i, &r, NULL))
        goto err;
    /* AES-CCM-16-64-128 (suites 0-3): q = 2^20, v = 2^14 */
    rv = kw_pmsg_get_stats(i, &st);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(st.max_seal, 1 << 20) ||
        !TEST_int_eq(st.max_fail, 1 << 14))
        goto err;
    kw_pmsg_free(i);
    /* limits above the AEAD's are the AEAD's: lowered, never raised */
    {
        kw_pmsg_limits big = {.max_seal = 1ULL << 30, .max_fail = 1ULL << 30};
        prk = hx(PRK_OUT_T1, &n);
        i = kw_pmsg_new(ctx, KW_EDHOC_INITIATOR, 0, prk, &C_I, 1, &C_R, 1,
                        &big);
        if (!TEST_ptr(i) || !TEST_int_eq(kw_pmsg_get_stats(i, &st), 0) ||
            !TEST_int_eq(st.max_seal, 1 << 20) ||
            !TEST_int_eq(st.max_fail, 1 << 14))
            goto err;
        kw_pmsg_free(i);
    }
    /* suite 6 (A128GCM, 12-byte nonce): IDs up to 6 bytes only */
    prk = hx(PRK_OUT_T1, &n);
    i = kw_pmsg_new(ctx, KW_EDHOC_INITIATOR, 6, prk, long_id, 7, &C_R, 1, NULL);
    if (!TEST_ptr_null(i))
        goto err;
    i = kw_pmsg_new(ctx, KW_EDHOC_INITIATOR, 6, prk, long_id, 6, &C_R, 1, NULL);
    if (!TEST_ptr(i))
        goto err;
    rv = kw_pmsg_get_stats(i, &st);
    ok = TEST_int_eq(rv, 0) && TEST_int_eq(st.max_seal, 1 << 23);
err:
    kw_pmsg_free(i);
    kw_pmsg_free(r);
    hx_reset();
    return ok;
}

int main(int argc, char **argv)
{
    int rv;

    if ((ctx = kw_edhoc_ctx_new(NULL, "provider=default")) == NULL)
        return 1;
    ADD_TEST(test_rfc8613_vectors);
    ADD_TEST(test_worked_example);
    ADD_TEST(test_oscore_export);
    ADD_TEST(test_roundtrip);
    ADD_TEST(test_tamper);
    ADD_TEST(test_replay);
    ADD_TEST(test_key_update_follow);
    ADD_TEST(test_forged_epoch);
    ADD_TEST(test_limits);
    ADD_TEST(test_defaults);
    rv = tu_run(argc, argv);
    kw_edhoc_ctx_free(ctx);
    return rv;
}
