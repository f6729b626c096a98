/* SPDX-License-Identifier: Apache-2.0 */
/* bench_hsm_sign.c: signatures per second through hsm/ against a bare
 * PKCS#11 C_SignInit/C_Sign loop on the same token and key, 1 and 2
 * threads, as ratios. The bare loop is the baseline, so this benchmark (not
 * Keyward code) calls PKCS#11 directly. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#include "bench_util.h"
#include "hsm.h"

struct alg {
    const char *name;
    const char *uri_var;
    CK_MECHANISM_TYPE mech;
    size_t inlen;
};

static const struct alg algs[] = {
    {"ECDSA P-256", "KW_EC256_URI", CKM_ECDSA, 32},
    {"RSA-2048 PKCS#1", "KW_RSA2048_URI", CKM_SHA256_RSA_PKCS, 32},
    {"Ed25519", "KW_ED25519_URI", CKM_EDDSA, 32},
};

static CK_FUNCTION_LIST *fl;
static CK_SLOT_ID slot;
static double seconds = 2.0;

struct job {
    const struct alg *alg;
    hsm_key *key;              /* hsm/ run */
    CK_OBJECT_HANDLE copy;     /* bare run: session copy of the key */
    atomic_bool *stop;
    unsigned long count;
    int errors;
};

static void *bare_loop(void *arg)
{
    struct job *j = arg;
    CK_MECHANISM m = {j->alg->mech, NULL, 0};
    CK_SESSION_HANDLE s;
    uint8_t in[64] = {1}, sig[512];

    if (fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
        j->errors++;
        return NULL;
    }
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

static void *hsm_loop(void *arg)
{
    struct job *j = arg;
    struct hsm_mech m = {.type = j->alg->mech};
    uint8_t in[64] = {1}, sig[512];

    while (!atomic_load_explicit(j->stop, memory_order_relaxed)) {
        size_t len = sizeof(sig);
        if (hsm_sign(j->key, &m, in, j->alg->inlen, sig, &len) != CKR_OK) {
            j->errors++;
            break;
        }
        j->count++;
    }
    return NULL;
}

/* Runs fn on n threads for `seconds`; returns signatures per second. */
static double run(void *(*fn)(void *), struct job *tmpl, int n)
{
    pthread_t th[8];
    struct job jobs[8];
    atomic_bool stop = false;
    unsigned long total = 0;
    double t0, t1;

    t0 = bench_now();
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

/* The bare loop's key: a session copy of the token key, made once. */
static CK_OBJECT_HANDLE bare_copy(CK_SESSION_HANDLE s, const char *label,
                                  CK_KEY_TYPE type)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, NULL, 0},
    };
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE copy_tmpl[] = {{CKA_TOKEN, &no, sizeof(no)}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, copy = CK_INVALID_HANDLE;
    CK_ULONG n = 0;

    tmpl[3].pValue = &yes;
    tmpl[3].ulValueLen = sizeof(yes);
    if (fl->C_FindObjectsInit(s, tmpl, 4) != CKR_OK)
        return CK_INVALID_HANDLE;
    fl->C_FindObjects(s, &h, 1, &n);
    fl->C_FindObjectsFinal(s);
    if (n != 1 || fl->C_CopyObject(s, h, copy_tmpl, 1, &copy) != CKR_OK)
        return CK_INVALID_HANDLE;
    return copy;
}

int main(int argc, char **argv)
{
    hsm_module *mod = NULL;
    hsm_token *tok = NULL;
    hsm_uri *u = NULL;
    CK_C_GetFunctionList get;
    CK_SESSION_HANDLE anchor;
    void *dl;
    int rc = 1;

    if (!bench_init(argc, argv, &seconds))
        return 2;
    /* hsm/ first; the bare loop then shares the initialised module. */
    if (hsm_module_open(bench_var("KW_MODULE"), NULL, &mod) != CKR_OK ||
        hsm_uri_parse(bench_var("KW_TOKEN_URI"), &u) != CKR_OK ||
        hsm_token_open(mod, u, &tok) != CKR_OK ||
        hsm_token_login(tok, bench_var("KW_PIN"), strlen(bench_var("KW_PIN"))) != CKR_OK) {
        fprintf(stderr, "cannot open the token: %s\n", hsm_error_detail());
        goto out;
    }
    slot = hsm_token_get0_info(tok)->slot;
    if ((dl = dlopen(bench_var("KW_MODULE"), RTLD_NOW)) == NULL ||
        (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
        get(&fl) != CKR_OK)
        goto out;
    fl->C_Initialize(NULL); /* CKR_CRYPTOKI_ALREADY_INITIALIZED: shared */
    fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &anchor);

    printf("# hsm/ against a bare PKCS#11 loop (C_SignInit + C_Sign on a\n"
           "# session copy of the key), SoftHSM, %.1f s per run\n", seconds);
    printf("%-16s %3s %12s %12s %7s\n", "algorithm", "thr", "bare/s",
           "hsm/s", "ratio");
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const struct alg *a = &algs[i];
        struct job j = {.alg = a};
        hsm_uri *ku = NULL;
        double bare[3], via[3];

        if (hsm_uri_parse(bench_var(a->uri_var), &ku) != CKR_OK ||
            hsm_key_find(tok, ku, CKO_PRIVATE_KEY, &j.key) != CKR_OK) {
            fprintf(stderr, "%s: %s\n", a->name, hsm_error_detail());
            hsm_uri_free(ku);
            goto out;
        }
        hsm_uri_free(ku);
        j.copy = bare_copy(anchor, hsm_key_get0_label(j.key),
                           hsm_key_get_type(j.key));
        for (int t = 1; t <= 2; t++) {
            /* Interleave to share out any drift of the machine. */
            bare[t] = run(bare_loop, &j, t);
            via[t] = run(hsm_loop, &j, t);
            printf("%-16s %3d %12.0f %12.0f %7.3f\n", a->name, t, bare[t],
                   via[t], via[t] / bare[t]);
        }
        printf("%-16s     2-thread scaling: bare %.2fx, hsm %.2fx\n", a->name,
               bare[2] / bare[1], via[2] / via[1]);
        fl->C_DestroyObject(anchor, j.copy);
        hsm_key_free(j.key);
        if (j.errors) {
            fprintf(stderr, "%s: %d errors\n", a->name, j.errors);
            goto out;
        }
    }
    rc = 0;
out:
    hsm_uri_free(u);
    hsm_token_free(tok);
    hsm_module_free(mod);
    return rc;
}
