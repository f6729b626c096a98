/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_assoc_limits.c: the limits of associations with small values:
 * encryptions (key update at 0.9 q), failed decryptions (keys wiped), time
 * (key update, re-handshake advice, max_age), counts and handshake timeout. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assoc_testlib.h"
#include "testutil.h"

static struct at_pair P;

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static int seal(kwc *c, const uint8_t *h, uint8_t *m, size_t *mlen,
                struct kwc_msg_info *info)
{
    *mlen = 256;
    return kwc_assoc_seal(c, h, (const uint8_t *)"data", 4, m, mlen, info);
}

static int open_msg(kwc *c, const uint8_t *h, const uint8_t *m, size_t mlen,
                    struct kwc_msg_info *info)
{
    uint8_t pt[256];
    size_t ptlen = sizeof(pt);
    return kwc_assoc_open(c, h, m, mlen, pt, &ptlen, info);
}

/* max_seals = 10: the 9th message reaches 0.9 q, so the 10th goes out in
 * epoch 1 (keys updated first), and the receiver follows. */
static int test_seal_limit(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m[10][256];
    size_t mlen[10];
    struct kwc_msg_info info;
    struct kwc_assoc_info ai;
    int ok = 0;

    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr))
        return 0;
    for (int i = 0; i < 10; i++) {
        if (!TEST_rc(seal(P.ca, hi, m[i], &mlen[i], &info), KWC_OK) ||
            !TEST_int_eq((int)info.epoch, i < 9 ? 0 : 1) ||
            !TEST_int_eq(info.key_updated, i == 9))
            goto err;
    }
    for (int i = 0; i < 10; i++)
        if (!TEST_rc(open_msg(P.cb, hr, m[i], mlen[i], &info), KWC_OK) ||
            !TEST_int_eq(info.key_updated, i == 9))
            goto err;
    ok = TEST_rc(kwc_assoc_info(P.cb, hr, &ai), KWC_OK) &&
         TEST_int_eq((int)ai.epoch, 1) && TEST_int_eq((int)ai.opened, 10);
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

/* max_open_failures = 3: the third failed decryption wipes the keys and
 * asks for a new handshake; the association stays visible as FAILED. */
static int test_failure_limit(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m[256];
    size_t mlen;
    struct kwc_assoc_info ai;
    int ok = 0;

    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) ||
        !TEST_rc(seal(P.ca, hi, m, &mlen, NULL), KWC_OK))
        goto err;
    m[mlen - 1] ^= 1;
    if (!TEST_rc(open_msg(P.cb, hr, m, mlen, NULL), KWC_INVALID_ARGUMENT) ||
        !TEST_rc(open_msg(P.cb, hr, m, mlen, NULL), KWC_INVALID_ARGUMENT) ||
        !TEST_rc(open_msg(P.cb, hr, m, mlen, NULL), KWC_FAILED_PRECONDITION))
        goto err;
    m[mlen - 1] ^= 1; /* even the genuine message: keys are gone */
    ok = TEST_rc(open_msg(P.cb, hr, m, mlen, NULL), KWC_FAILED_PRECONDITION) &&
         TEST_rc(seal(P.cb, hr, m, &mlen, NULL), KWC_FAILED_PRECONDITION) &&
         TEST_rc(kwc_assoc_info(P.cb, hr, &ai), KWC_OK) &&
         TEST_int_eq(ai.state, KWC_HS_FAILED) &&
         TEST_int_eq((int)ai.rejected, 4);
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

/* rekey_interval = 1, rehandshake_interval = 2, max_age = 3 and
 * handshake_timeout = 1 (the sweeper runs every second). */
static int test_time_limits(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m[256], pending[16];
    size_t mlen;
    struct kwc_msg_info info;
    struct kwc_assoc_info ai;
    int ok = 0;

    if (!TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si), KWC_OK))
        return 0;
    memcpy(pending, at_si->handle, sizeof(pending));
    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) ||
        !TEST_rc(seal(P.ca, hi, m, &mlen, &info), KWC_OK) ||
        !TEST_false(info.key_updated) || !TEST_false(info.rehandshake_advised))
        goto err;
    nap(1.2);
    if (!TEST_rc(seal(P.ca, hi, m, &mlen, &info), KWC_OK) ||
        !TEST_true(info.key_updated) || !TEST_int_eq((int)info.epoch, 1) ||
        !TEST_rc(open_msg(P.cb, hr, m, mlen, &info), KWC_OK) ||
        !TEST_true(info.key_updated))
        goto err;
    /* the handshake left half done is gone */
    if (!TEST_rc(kwc_assoc_continue(P.ca, pending, m, 4, NULL, 0, at_si),
                 KWC_NOT_FOUND))
        goto err;
    nap(1.0);
    if (!TEST_rc(seal(P.ca, hi, m, &mlen, &info), KWC_OK) ||
        !TEST_true(info.rehandshake_advised) ||
        !TEST_rc(kwc_assoc_info(P.ca, hi, &ai), KWC_OK) ||
        !TEST_true(ai.rehandshake_advised))
        goto err;
    nap(1.0);
    ok = TEST_rc(seal(P.ca, hi, m, &mlen, &info), KWC_FAILED_PRECONDITION) &&
         TEST_rc(kwc_assoc_info(P.ca, hi, &ai), KWC_OK) &&
         TEST_int_eq(ai.state, KWC_HS_FAILED);
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

/* max = 6 per instance, max_handshakes = 2. */
static int test_counts(void)
{
    uint8_t h[6][KWC_HANDLE_LEN], hr[6][KWC_HANDLE_LEN], hs[2][KWC_HANDLE_LEN];
    int n = 0, ok = 0;

    for (int i = 0; i < 2; i++) {
        if (!TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si), KWC_OK))
            goto err;
        memcpy(hs[i], at_si->handle, KWC_HANDLE_LEN);
    }
    if (!TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si),
                 KWC_RESOURCE_EXHAUSTED) ||
        !TEST_rc(kwc_assoc_close(P.ca, hs[0]), KWC_OK) ||
        !TEST_rc(kwc_assoc_close(P.ca, hs[1]), KWC_OK))
        goto err;
    for (; n < 6; n++)
        if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", h[n], hr[n]))
            goto err;
    /* a is full; after a close it starts one more, which b (full) refuses */
    ok = TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si),
                 KWC_RESOURCE_EXHAUSTED) &&
         TEST_rc(kwc_assoc_close(P.ca, h[0]), KWC_OK) &&
         TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si), KWC_OK) &&
         TEST_rc(kwc_assoc_accept(P.cb, "x509", at_si->message,
                                  at_si->message_len, NULL, 0, at_sr),
                 KWC_RESOURCE_EXHAUSTED) &&
         TEST_rc(kwc_assoc_close(P.ca, at_si->handle), KWC_OK);
err:
    for (int i = 0; i < n; i++) {
        kwc_assoc_close(P.ca, h[i]);
        kwc_assoc_close(P.cb, hr[i]);
    }
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!at_start(&P, "max = 6; max_handshakes = 2; max_seals = 10; "
                      "max_open_failures = 3; rekey_interval = 1; "
                      "rehandshake_interval = 2; max_age = 3; "
                      "handshake_timeout = 1;")) {
        at_stop(&P);
        return 1;
    }
    ADD_TEST(test_seal_limit);
    ADD_TEST(test_failure_limit);
    ADD_TEST(test_time_limits);
    ADD_TEST(test_counts);
    rc = tu_run(argc, argv);
    if (!at_stop(&P))
        rc = 1;
    return rc;
}
