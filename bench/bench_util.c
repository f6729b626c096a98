/* SPDX-License-Identifier: Apache-2.0 */
/* bench_util.c: timing and fixture access shared by the benchmarks. */
#include "bench_util.h"
#include "testutil.h"

#include <openssl/err.h>
#include <openssl/store.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool bench_init(int argc, char **argv, double *seconds)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vars") == 0 && i + 1 < argc) {
            setenv("KW_TEST_VARS", argv[++i], 1);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            *seconds = atof(argv[++i]);
        } else {
            fprintf(stderr,
                    "usage: %s [--vars FILE] [--seconds S]\n"
                    "FILE is a test-vars file as written by "
                    "tests/fixtures/softhsm-token.sh\n",
                    argv[0]);
            return false;
        }
    }
    /* The fixture file, read as the tests read it. */
    return tu_vars_load();
}

const char *bench_var(const char *name)
{
    return tu_var(name);
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

EVP_PKEY *bench_token_key(const char *uri_var, const char *suffix)
{
    char uri[1024];
    OSSL_STORE_CTX *st;
    OSSL_STORE_INFO *info;
    EVP_PKEY *k = NULL;

    snprintf(uri, sizeof(uri), "%s%s?pin-source=file:%s", bench_var(uri_var),
             suffix, bench_var("KW_PIN_FILE"));
    if ((st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL)) != NULL) {
        OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY);
        if ((info = OSSL_STORE_load(st)) != NULL)
            k = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
        OSSL_STORE_close(st);
    }
    if (k == NULL)
        ERR_print_errors_fp(stderr);
    return k;
}
