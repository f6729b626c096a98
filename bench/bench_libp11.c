/* SPDX-License-Identifier: Apache-2.0 */
/* bench_libp11.c: keyward against Debian's libp11 engine
 * (libengine-pkcs11-openssl) and the bare PKCS#11 loop, in one process, on
 * the same token and keys: the fixture's keyward-legacy token (RSA and EC
 * only: libp11 0.4.12 cannot use a token holding an Ed25519 key). The
 * engine is OpenSSL's deprecated ENGINE interface, so this file, alone in
 * Keyward, asks for the 1.1.1 API. */
#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#define OPENSSL_API_COMPAT 10101

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include <p11-kit/pkcs11.h>

#include "bench_p11.h"
#include "bench_util.h"

static double seconds = 2.0;
static CK_FUNCTION_LIST *fl;
static CK_SLOT_ID slot;

struct alg {
    const char *name, *uri_var, *label;
    CK_MECHANISM_TYPE mech;
    size_t inlen;
};

static const struct alg algs[] = {
    {"ECDSA P-256", "KW_LEGACY_EC_URI", "legacy-ec", CKM_ECDSA, 32},
    {"RSA-2048 PKCS#1", "KW_LEGACY_RSA_URI", "legacy-rsa", CKM_RSA_PKCS, 51},
};

struct job {
    EVP_PKEY *key;
    CK_OBJECT_HANDLE copy;
    const struct alg *alg;
    atomic_bool *stop;
    unsigned long count;
    int errors;
};

static void *bare_loop(void *arg)
{
    struct job *j = arg;
    CK_MECHANISM m = {j->alg->mech, NULL, 0};
    CK_SESSION_HANDLE s;
    uint8_t in[64] = {0x30}, sig[512];

    if (fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
        return NULL;
    while (!atomic_load_explicit(j->stop, memory_order_relaxed)) {
        CK_ULONG len = sizeof(sig);

        if (fl->C_SignInit(s, &m, j->copy) != CKR_OK ||
            fl->C_Sign(s, in, j->alg->inlen, sig, &len) != CKR_OK) {
            j->errors++;
            break;
        }
        j->count++;
    }
    fl->C_CloseSession(s);
    return NULL;
}

/* The same EVP calls for both: DigestSignInit + DigestSign of 32 bytes. */
static void *evp_loop(void *arg)
{
    struct job *j = arg;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    uint8_t msg[32] = {7}, sig[512];

    while (m != NULL && !atomic_load_explicit(j->stop, memory_order_relaxed)) {
        size_t len = sizeof(sig);

        if (EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, j->key) != 1 ||
            EVP_DigestSign(m, sig, &len, msg, sizeof(msg)) != 1) {
            ERR_print_errors_fp(stderr);
            j->errors++;
            break;
        }
        j->count++;
    }
    EVP_MD_CTX_free(m);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median3(double v[3])
{
    qsort(v, 3, sizeof(v[0]), cmp_double);
    return v[1];
}

static double run(void *(*fn)(void *), struct job *tmpl, int n)
{
    pthread_t th[2];
    struct job jobs[2];
    atomic_bool stop = false;
    unsigned long total = 0;
    double t0 = bench_now(), t1;

    for (int i = 0; i < n; i++) {
        jobs[i] = *tmpl;
        jobs[i].stop = &stop;
        jobs[i].count = 0;
        pthread_create(&th[i], NULL, fn, &jobs[i]);
    }
    bench_sleep(seconds);
    atomic_store(&stop, true);
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        total += jobs[i].count;
        tmpl->errors += jobs[i].errors;
    }
    t1 = bench_now();
    return (double)total / (t1 - t0);
}

static EVP_PKEY *libp11_key(ENGINE *e, const char *uri_var)
{
    char uri[1024];

    snprintf(uri, sizeof(uri), "%s;type=private", bench_var(uri_var));
    return ENGINE_load_private_key(e, uri, NULL, NULL);
}

int main(int argc, char **argv)
{
    CK_SESSION_HANDLE anchor;
    ENGINE *e;

    if (!bench_init(argc, argv, &seconds))
        return 2;
    setenv("KEYWARD_PKCS11_MODULE", bench_var("KW_MODULE"), 1);
    if (!bench_p11_open(bench_var("KW_MODULE"),
                        bench_var("KW_LEGACY_TOKEN_LABEL"), bench_var("KW_PIN"),
                        &fl, &slot, &anchor) ||
        OSSL_PROVIDER_load(NULL, "default") == NULL ||
        OSSL_PROVIDER_load(NULL, "keyward") == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    ENGINE_load_builtin_engines();
    if ((e = ENGINE_by_id("pkcs11")) == NULL ||
        !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", bench_var("KW_MODULE"), 0) ||
        !ENGINE_ctrl_cmd_string(e, "PIN", bench_var("KW_PIN"), 0) ||
        !ENGINE_init(e)) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr,
                "libp11's engine (libengine-pkcs11-openssl) is missing\n");
        return 1;
    }
    printf("# keyward and Debian's libp11 engine 0.4.12 against the bare\n"
           "# PKCS#11 loop, one process, token %s (SoftHSM), 3 alternating\n"
           "# rounds of %.1f s: median rates, median per-round ratios\n",
           bench_var("KW_LEGACY_TOKEN_LABEL"), seconds);
    printf("%-16s %3s %10s %10s %10s %8s %8s\n", "algorithm", "thr", "bare/s",
           "keyward/s", "libp11/s", "kw/bare", "p11/bare");
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const struct alg *a = &algs[i];
        /* keyward first: once libp11 made its own session objects, the
         * label would name more than one key. */
        EVP_PKEY *kw = bench_token_key(a->uri_var, ";type=private"),
                 *p11 = libp11_key(e, a->uri_var);
        struct job j = {
            .alg = a,
            .copy = bench_p11_copy(fl, anchor, a->label, CKO_PRIVATE_KEY)};
        struct job jk = {.alg = a, .key = kw}, jp = {.alg = a, .key = p11};

        if (kw == NULL || p11 == NULL || j.copy == CK_INVALID_HANDLE) {
            ERR_print_errors_fp(stderr);
            fprintf(stderr, "%s: cannot load the keys\n", a->name);
            return 1;
        }
        for (int t = 1; t <= 2; t++) {
            double b[3], k[3], p[3], kr[3], pr[3];

            /* Three alternating rounds; medians of rates and of ratios. */
            for (int r = 0; r < 3; r++) {
                b[r] = run(bare_loop, &j, t);
                k[r] = run(evp_loop, &jk, t);
                p[r] = run(evp_loop, &jp, t);
                kr[r] = k[r] / b[r];
                pr[r] = p[r] / b[r];
            }
            printf("%-16s %3d %10.0f %10.0f %10.0f %8.3f %8.3f\n", a->name, t,
                   median3(b), median3(k), median3(p), median3(kr),
                   median3(pr));
        }
        if (j.errors || jk.errors || jp.errors) {
            fprintf(stderr, "%s: errors (bare %d, keyward %d, libp11 %d)\n",
                    a->name, j.errors, jk.errors, jp.errors);
            return 1;
        }
        fl->C_DestroyObject(anchor, j.copy);
        EVP_PKEY_free(kw);
        EVP_PKEY_free(p11);
    }
    ENGINE_finish(e);
    ENGINE_free(e);
    fflush(stdout);
    _exit(0); /* libp11 and SoftHSM disagree about teardown order */
}
