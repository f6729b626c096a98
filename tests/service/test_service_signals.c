/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_signals.c: SIGHUP reloads a good configuration and rejects a
 * broken one; SIGTERM drains a call in flight. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keyward-client.h"
#include "svc_fixture.h"
#include "testutil.h"

static struct kwt T;
static kwc *C;

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000,
                          .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static unsigned generation(void)
{
    struct kwc_metrics m;
    return kwc_metrics(C, &m) == KWC_OK ? m.config_generation : 0;
}

/* Waits up to 10 s for the generation to reach want. */
static bool wait_generation(unsigned want)
{
    for (int i = 0; i < 500; i++) {
        if (generation() == want)
            return true;
        sleep_ms(20);
    }
    return false;
}

static bool wait_log(const char *needle, int count)
{
    for (int i = 0; i < 500; i++) {
        if (kwt_log_count(&T, needle) >= count)
            return true;
        sleep_ms(20);
    }
    return false;
}

static bool can_sign(const char *key)
{
    uint8_t sig[KWC_MAX_SIGNATURE];
    size_t n;
    return kwc_sign(C, key, 0, false, (const uint8_t *)"m", 1, sig, &n, NULL) ==
           KWC_OK;
}

static int test_reload_good(void)
{
    /* Add an RSA-4096 key (slow to sign with: used for the drain test). */
    if (!TEST_rc(
            kwt_sh(&T,
                   "cd $KW_DIR && openssl genpkey -algorithm RSA -pkeyopt "
                   "rsa_keygen_bits:4096 -out rsa4096.pem 2>/dev/null && "
                   "sed -i -e 's|^keys = (|keys = (\\n  { name = \"rsa4096\"; "
                   "uri = \"file:'$KW_DIR'/rsa4096.pem\"; },|' "
                   "-e 's|operations = \\[ \"all\" \\]|keys += 0; operations = "
                   "[ \"all\" ]|' "
                   "keywardd.conf && sed -i -e 's|keys += 0; ||' "
                   "-e 's|\"peer-pub\" \\];|\"peer-pub\", \"rsa4096\" ];|' "
                   "keywardd.conf"),
            0) ||
        !TEST_false(can_sign("rsa4096")) || !TEST_int_eq(generation(), 1) ||
        !TEST_true(kwt_signal(&T, SIGHUP)) || !TEST_true(wait_generation(2)))
        return 0;
    return TEST_true(can_sign("rsa4096")) && TEST_true(can_sign("ec256"));
}

static int test_reload_broken(void)
{
    /* A syntax error, then a key that cannot be loaded: both rejected, the
     * running configuration stays. */
    if (!TEST_rc(kwt_sh(&T, "cd $KW_DIR && cp keywardd.conf good.conf && "
                            "echo 'keys = ( oops' >> keywardd.conf"),
                 0) ||
        !TEST_true(kwt_signal(&T, SIGHUP)) ||
        !TEST_true(wait_log("reload rejected", 1)) ||
        !TEST_int_eq(generation(), 2) || !TEST_true(can_sign("rsa4096")))
        return 0;
    if (!TEST_rc(kwt_sh(&T, "cd $KW_DIR && sed 's|ec256.pem|missing.pem|' "
                            "good.conf > keywardd.conf"),
                 0) ||
        !TEST_true(kwt_signal(&T, SIGHUP)) ||
        !TEST_true(wait_log("reload rejected", 2)) ||
        !TEST_int_eq(generation(), 2) || !TEST_true(can_sign("ec256")))
        return 0;
    return TEST_true(kwt_log_count(&T, "missing.pem") > 0) &&
           TEST_rc(kwt_sh(&T, "cp $KW_DIR/good.conf $KW_DIR/keywardd.conf"), 0);
}

struct inflight {
    kwc *c;
    int rc;
    size_t n;
    atomic_bool done;
};

static void *batch_call(void *arg)
{
    struct inflight *f = arg;
    uint8_t dg[32][32], sigs[32][KWC_MAX_SIGNATURE];
    const uint8_t *dp[32];
    uint8_t *sp[32];
    size_t dl[32], sl[32];
    for (int i = 0; i < 32; i++) {
        memset(dg[i], i, 32);
        dp[i] = dg[i];
        sp[i] = sigs[i];
        dl[i] = 32;
        sl[i] = 0;
    }
    f->rc = kwc_sign_batch(f->c, "rsa4096", KWC_SCHEME_RSA_PSS_SHA256, dp, dl,
                           32, sp, sl);
    atomic_store(&f->done, true);
    for (int i = 0; i < 32; i++) {
        if (sl[i] == 512)
            f->n++;
        else
            fprintf(stderr, "signature %d: %zu bytes\n", i, sl[i]);
    }
    return NULL;
}

static int test_slow_call_blocks_nobody(void)
{
    struct inflight f = {0};
    pthread_t th;
    kwc *fast = NULL;
    char v[32];
    bool overtook = false;
    int ok;

    /* While one caller waits on a slow key operation, another caller's
     * calls are served (workers share one completion queue). */
    if (!TEST_rc(kwc_connect(T.sock, &f.c), KWC_OK) ||
        !TEST_rc(kwc_connect(T.sock, &fast), KWC_OK) ||
        !TEST_rc(kwc_version(f.c, v, sizeof(v), NULL), KWC_OK) ||
        !TEST_rc(kwc_version(fast, v, sizeof(v), NULL), KWC_OK) ||
        !TEST_rc(pthread_create(&th, NULL, batch_call, &f), 0)) {
        kwc_free(f.c);
        kwc_free(fast);
        return 0;
    }
    sleep_ms(20);
    for (int i = 0; i < 5; i++)
        ok = TEST_rc(kwc_version(fast, v, sizeof(v), NULL), KWC_OK);
    overtook = !atomic_load(&f.done);
    pthread_join(th, NULL);
    ok = ok && TEST_rc(f.rc, KWC_OK) && TEST_true(overtook);
    kwc_free(f.c);
    kwc_free(fast);
    return ok;
}

static int test_sigterm_drains(void)
{
    struct inflight f[3] = {0};
    pthread_t th[3];
    struct stat sb;
    kwc *late = NULL;
    char v[32];
    int ok = 1, completed = 0;

    /* Three batches of 32 RSA-4096 signatures (well over 50 ms each) are
     * sent; SIGTERM arrives while they run. A call the server had accepted
     * must complete; one it had not yet received may only be refused. */
    for (int i = 0; i < 3; i++)
        if (!TEST_rc(kwc_connect(T.sock, &f[i].c), KWC_OK) ||
            !TEST_rc(kwc_version(f[i].c, v, sizeof(v), NULL), KWC_OK))
            return 0;
    for (int i = 0; i < 3; i++)
        if (!TEST_rc(pthread_create(&th[i], NULL, batch_call, &f[i]), 0))
            return 0;
    sleep_ms(60);
    kwt_signal(&T, SIGTERM);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        if (f[i].rc == KWC_OK)
            completed++, ok = TEST_int_eq(f[i].n, 32) && ok;
        else
            ok = TEST_rc(f[i].rc, KWC_UNAVAILABLE) && ok;
        kwc_free(f[i].c);
    }
    ok = TEST_int_gt(completed, 0) && ok;
    /* A call was in flight: a SignBatch audit line follows "stopping". */
    ok = ok &&
         TEST_rc(kwt_sh(&T, "sed -n '/stopping/,$p' $KW_DIR/keywardd.log | "
                            "grep -q 'op=SignBatch key=rsa4096 result=OK'"),
                 0);
    ok = TEST_rc(kwt_stop(&T), 0) && ok;
    /* The socket is gone; new clients get UNAVAILABLE. */
    ok = ok && TEST_int_ne(stat(T.sock, &sb), 0) &&
         TEST_rc(kwc_connect(T.sock, &late), KWC_OK) &&
         TEST_rc(kwc_version(late, v, sizeof(v), NULL), KWC_UNAVAILABLE);
    kwc_free(late);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;
    if (!kwt_start(&T, NULL) || kwc_connect(T.sock, &C) != KWC_OK) {
        kwt_cleanup(&T);
        return 1;
    }
    ADD_TEST(test_reload_good);
    ADD_TEST(test_reload_broken);
    ADD_TEST(test_slow_call_blocks_nobody);
    ADD_TEST(test_sigterm_drains);
    rc = tu_run(argc, argv);
    kwc_free(C);
    kwt_cleanup(&T);
    return rc;
}
