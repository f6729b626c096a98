/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_load.c: 32 concurrent clients sign, seal, open and rekey for a
 * bounded time: zero failed calls, clean exit. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyward-client.h"
#include "svc_fixture.h"
#include "testutil.h"

#define CLIENTS 32

static struct kwt T;
static atomic_long calls, failures;
static uint64_t deadline_ms;
static uint8_t *rsa_spki;
static size_t rsa_spki_len;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void count(kwc *c, int rc, const char *what)
{
    atomic_fetch_add(&calls, 1);
    if (rc != KWC_OK) {
        if (atomic_fetch_add(&failures, 1) < 5)
            fprintf(stderr, "FAIL %s: status %d: %s\n", what, rc, kwc_error(c));
    }
}

static void *client(void *arg)
{
    kwc *c = NULL;
    uint8_t a[16], b[16], ct[600], pt[600], sig[KWC_MAX_SIGNATURE];
    uint8_t buf[512];
    size_t ctlen, ptlen, siglen;
    uint64_t seq;
    int id = (int)(intptr_t)arg, rc;

    memset(buf, id, sizeof(buf));
    if (kwc_connect(T.sock, &c) != KWC_OK) {
        atomic_fetch_add(&failures, 1);
        return NULL;
    }
    count(c, kwc_encapsulate(c, rsa_spki, rsa_spki_len, 0, 0, ct, &ctlen, a),
          "encapsulate");
    count(c, kwc_decapsulate(c, "rsa2048", ct, ctlen, 0, 0, b), "decapsulate");
    for (unsigned i = 0; now_ms() < deadline_ms; i++) {
        const char *key = i % 3 == 0 ? "ed25519" : "ec256";
        count(c,
              kwc_sign(c, key, 0, false, buf, 64 + i % 256, sig, &siglen, NULL),
              "sign");
        rc = kwc_seal(c, a, buf, 1 + i % 512, NULL, 0, ct, &ctlen, &seq, NULL,
                      NULL);
        count(c, rc, "seal");
        if (rc == KWC_OK) {
            count(c, kwc_open(c, b, seq, ct, ctlen, NULL, 0, pt, &ptlen, NULL),
                  "open");
            if (ptlen != 1 + i % 512 || memcmp(pt, buf, ptlen) != 0)
                atomic_fetch_add(&failures, 1);
        }
        if (i % 25 == 24) { /* both sides move to the next epoch */
            count(c, kwc_rekey(c, a, NULL), "rekey");
            count(c, kwc_rekey(c, b, NULL), "rekey");
        }
    }
    count(c, kwc_close_session(c, a), "close");
    count(c, kwc_close_session(c, b), "close");
    kwc_free(c);
    return NULL;
}

static int test_load(void)
{
    pthread_t th[CLIENTS];
    const char *secs = getenv("KW_LOAD_SECONDS");
    kwc *c;
    int n = 0;

    if (!TEST_rc(kwc_connect(T.sock, &c), KWC_OK))
        return 0;
    if (!TEST_rc(kwc_public_key(c, "rsa2048", &rsa_spki, &rsa_spki_len, NULL,
                                NULL, NULL),
                 KWC_OK)) {
        kwc_free(c);
        return 0;
    }
    deadline_ms = now_ms() + 1000u * (unsigned)(secs ? atoi(secs) : 5);
    for (n = 0; n < CLIENTS; n++)
        if (pthread_create(&th[n], NULL, client, (void *)(intptr_t)n) != 0)
            break;
    /* A reload in the middle of the load must not drop a call. */
    {
        struct timespec half = {.tv_sec = 0, .tv_nsec = 0};
        uint64_t left = deadline_ms - now_ms();
        half.tv_sec = (time_t)(left / 2000);
        half.tv_nsec = (long)(left / 2 % 1000) * 1000000L;
        nanosleep(&half, NULL);
        kwt_signal(&T, SIGHUP);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    fprintf(stderr, "%d clients, %ld calls, %ld failures\n", n,
            atomic_load(&calls), atomic_load(&failures));
    {
        struct kwc_metrics m;
        int ok = TEST_int_eq(n, CLIENTS) &&
                 TEST_int_eq(atomic_load(&failures), 0) &&
                 TEST_int_gt(atomic_load(&calls), CLIENTS * 10) &&
                 TEST_rc(kwc_metrics(c, &m), KWC_OK) &&
                 TEST_int_eq(m.sessions_open, 0);
        free(rsa_spki);
        kwc_free(c);
        return ok;
    }
}

int main(int argc, char **argv)
{
    int rc;
    if (!kwt_start(&T, NULL))
        return 1;
    ADD_TEST(test_load);
    rc = tu_run(argc, argv);
    /* A clean exit (status 0, no leak report under ASan) after the load. */
    if (!TEST_rc(kwt_stop(&T), 0))
        rc = 1;
    kwt_cleanup(&T);
    return rc;
}
