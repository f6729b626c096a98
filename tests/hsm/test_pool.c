/* SPDX-License-Identifier: Apache-2.0 */
/* test_pool.c: the session pool under 8 threads, bounded and unbounded. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hsmtest.h"

#define THREADS 8

struct worker {
    hsm_key *key;
    EVP_PKEY *pub;
    int failures;
};

static int rounds = 150;

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct hsm_mech m = {.type = CKM_ECDSA};
    uint8_t dgst[32], sig[64], *der;
    size_t siglen, derlen;
    unsigned int dl;

    for (int i = 0; i < rounds; i++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "round %d %p", i, (void *)w);
        EVP_Digest(msg, strlen(msg), dgst, &dl, EVP_sha256(), NULL);
        siglen = sizeof(sig);
        if (hsm_sign(w->key, &m, dgst, 32, sig, &siglen) != CKR_OK) {
            w->failures++;
            continue;
        }
        der = ht_ecdsa_der(sig, siglen, &derlen);
        if (!ht_evp_verify(w->pub, "SHA256", 0, 0, (uint8_t *)msg, strlen(msg),
                           der, derlen))
            w->failures++;
        OPENSSL_free(der);
    }
    return NULL;
}

static int run_threads(struct ht *h, size_t max_open)
{
    hsm_key *key = ht_key(h, "KW_EC256_URI", CKO_PRIVATE_KEY);
    EVP_PKEY *pub = key ? ht_evp_pub(key) : NULL;
    struct worker w[THREADS];
    pthread_t th[THREADS];
    int failures = 0;

    if (!TEST_ptr(pub)) {
        hsm_key_free(key);
        return 0;
    }
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){key, pub, 0};
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    EVP_PKEY_free(pub);
    hsm_key_free(key);
    return TEST_int_eq(failures, 0) &&
           TEST_true(hsm_token_sessions_open(h->tok) <= max_open);
}

static int test_unbounded(void)
{
    struct ht h;
    int ok;
    if (!ht_open(&h, NULL))
        return 0;
    ok = run_threads(&h, hsm_token_get0_info(h.tok)->max_sessions);
    ht_close(&h);
    return ok;
}

/* A token allowing 3 sessions (one is the anchor): 8 threads share two
 * pooled sessions, waiting their turn, with no failure. */
static int test_bounded(void)
{
    struct ht h;
    int ok;
    setenv("KWFAULT_MAX_SESSIONS", "3", 1);
    if (!ht_open(&h, ht_fault_module()))
        return 0;
    /* 2, or 1 on modules hsm/ serialises (tpm2-pkcs11). */
    size_t max = hsm_token_get0_info(h.tok)->max_sessions;
    ok = TEST_true(max == 2 || (max == 1 && strcmp(tu_var("KW_TOKEN_DRIVER"),
                                                   "tpm2") == 0)) &&
         run_threads(&h, max);
    ht_close(&h);
    unsetenv("KWFAULT_MAX_SESSIONS");
    return ok;
}

int main(int argc, char **argv)
{
    if (!tu_vars_load())
        return 1;
    /* A TPM signs ~100 times a second, one at a time: fewer rounds, the
     * same 8 threads. */
    if (strcmp(tu_var("KW_TOKEN_DRIVER"), "tpm2") == 0)
        rounds = 6;
    ADD_TEST(test_unbounded);
    ADD_TEST(test_bounded);
    return tu_run(argc, argv);
}
