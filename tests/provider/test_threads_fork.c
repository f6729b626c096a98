/* SPDX-License-Identifier: Apache-2.0 */
/* test_threads_fork.c: keyward keys shared by threads, loaded concurrently,
 * and used across fork() (PKCS#11 state does not survive it: the child
 * starts over, the parent carries on). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>

#include "provtest.h"

#define THREADS 8
#define ROUNDS  40

struct worker {
    EVP_PKEY *shared, *pub;
    const char *md;
    const char *uri;
    int failures;
};

/* Each thread signs with the shared key, and also loads and uses a key of
 * its own through OSSL_STORE. */
static void *work(void *arg)
{
    struct worker *w = arg;
    uint8_t msg[32], sig[512];

    for (int i = 0; i < ROUNDS; i++) {
        size_t siglen = sizeof(sig);

        memset(msg, i, sizeof(msg));
        if (!pt_sign(w->shared, w->md, 0, 0, msg, sizeof(msg), sig, &siglen) ||
            !pt_verify_default(w->pub, w->md, 0, 0, msg, sizeof(msg), sig,
                               siglen)) {
            w->failures++;
            fprintf(stderr, "  shared key, round %d:\n", i);
            ERR_print_errors_fp(stderr);
        }
        if (i % 10 == 0) {
            EVP_PKEY *own = pt_load_key(w->uri, OSSL_STORE_INFO_PKEY);

            siglen = sizeof(sig);
            if (own == NULL ||
                !pt_sign(own, w->md, 0, 0, msg, sizeof(msg), sig, &siglen) ||
                !pt_verify_default(w->pub, w->md, 0, 0, msg, sizeof(msg), sig,
                                   siglen)) {
                w->failures++;
                fprintf(stderr, "  own key (%s), round %d:\n",
                        own ? "loaded" : "not loaded", i);
                ERR_print_errors_fp(stderr);
            }
            EVP_PKEY_free(own);
        }
    }
    ERR_clear_error();
    return NULL;
}

static int run_threads(const char *uri_var, const char *pub_var, const char *md)
{
    struct worker w[THREADS];
    pthread_t th[THREADS];
    EVP_PKEY *shared = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var(pub_var));
    int failures = 0, ok = 0;
    char uri[1024];

    snprintf(uri, sizeof(uri), "%s", pt_uri_pin(uri_var));
    if (!TEST_ptr(shared) || !TEST_ptr(pub))
        goto err;
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){shared, pub, md, uri, 0};
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            return 0;
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    ok = TEST_int_eq(failures, 0);
err:
    pt_errors();
    EVP_PKEY_free(shared);
    EVP_PKEY_free(pub);
    return ok;
}

static int test_threads(void)
{
    return run_threads("KW_EC256_URI", "KW_EC256_PUB", "SHA256") &
           run_threads("KW_ED25519_URI", "KW_ED25519_PUB", NULL) &
           run_threads("KW_RSA2048_URI", "KW_RSA2048_PUB", "SHA256");
}

/* The child signs with the parent's EVP_PKEY and with a key it loads; the
 * parent keeps signing afterwards. */
static int child_work(EVP_PKEY *key, EVP_PKEY *pub)
{
    uint8_t msg[] = "in the child", sig[128];
    size_t siglen = sizeof(sig);
    EVP_PKEY *fresh;

    if (!pt_sign(key, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen) ||
        !pt_verify_default(pub, "SHA256", 0, 0, msg, sizeof(msg), sig, siglen))
        return 1;
    if ((fresh = pt_load_key(pt_uri_pin("KW_EC256_URI"),
                             OSSL_STORE_INFO_PKEY)) == NULL)
        return 2;
    siglen = sizeof(sig);
    if (!pt_sign(fresh, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen) ||
        !pt_verify_default(pub, "SHA256", 0, 0, msg, sizeof(msg), sig, siglen))
        return 3;
    EVP_PKEY_free(fresh);
    return 0;
}

static int test_fork(void)
{
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_EC256_PUB"));
    uint8_t msg[] = "in the parent", sig[128];
    size_t siglen = sizeof(sig);
    int status = -1, ok = 0;
    pid_t pid;

    if (!TEST_ptr(key) || !TEST_ptr(pub) ||
        !TEST_true(
            pt_sign(key, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)))
        goto err;
    fflush(NULL);
    for (int round = 0; round < 3; round++) {
        if ((pid = fork()) == 0) {
            int rc = child_work(key, pub);

            if (rc != 0)
                ERR_print_errors_fp(stderr);
            _exit(rc);
        }
        if (!TEST_int_gt(pid, 0) ||
            !TEST_int_eq(waitpid(pid, &status, 0), pid) ||
            !TEST_true(WIFEXITED(status)) ||
            !TEST_int_eq(WEXITSTATUS(status), 0))
            goto err;
        siglen = sizeof(sig);
        if (!TEST_true(
                pt_sign(key, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)) ||
            !TEST_true(pt_verify_default(pub, "SHA256", 0, 0, msg, sizeof(msg),
                                         sig, siglen)))
            goto err;
    }
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_threads);
    ADD_TEST(test_fork);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
