/* SPDX-License-Identifier: Apache-2.0 */
/* bench_tpm.c: signatures per second on a software TPM through keyward
 * (provider -> hsm/ -> tpm2-pkcs11) against the tpm2-openssl provider on the
 * same swtpm and resource manager, and against a bare tpm2-pkcs11 loop; the
 * CPU each signature costs in this process, in tpm2-abrmd and in swtpm.
 * Usage: bench_tpm --vars TPM-VARS --ossl-ec F --ossl-rsa F [--seconds S]
 *        [--only bare|keyward|tpm2|keyward-digest|tpm2-digest] [--alg ec|rsa]
 * --only runs one loop once, without rounds, for a profiler. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

#include <p11-kit/pkcs11.h>

#include "bench_util.h"

#define ROUNDS     5
#define TPM2_PROPQ "?provider=tpm2"

static double seconds = 2.0;
static OSSL_LIB_CTX *tctx; /* tpm2-openssl's own library context */
/* keyward and default in the default context; tpm2 and default in tctx */
static OSSL_PROVIDER *provs[4];

struct alg {
    const char *name, *uri_var, *evp_type;
    CK_KEY_TYPE type;
    /* bare loop: keyward's mechanism and input length, and the hashing
     * variant where the token has one (the better of the two counts) */
    CK_MECHANISM_TYPE mech, mech_hashing;
    size_t inlen;
};

static const struct alg algs[] = {
    {"ECDSA P-256", "KW_EC256_URI", "EC", CKK_EC, CKM_ECDSA, 0, 32},
    {"RSA-2048 PKCS#1", "KW_RSA2048_URI", "RSA", CKK_RSA, CKM_RSA_PKCS,
     CKM_SHA256_RSA_PKCS, 51},
};

/* ------------------------------------------------------------------ */
/* CPU time of this process and of the TPM daemons                      */

static pid_t pid_abrmd, pid_swtpm;

static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;

    if (pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (p == NULL || (p = strrchr(buf, ')')) == NULL)
        return 0;
    /* After ")": state is field 3; utime is field 14, stime 15. */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static pid_t pid_file(const char *rundir, const char *name)
{
    char path[512];
    FILE *f;
    int pid = 0;

    snprintf(path, sizeof(path), "%s/%s.pid", rundir, name);
    if ((f = fopen(path, "re")) != NULL) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

/* ------------------------------------------------------------------ */
/* Keys                                                                 */

static bool providers_load(void)
{
    setenv("KEYWARD_PKCS11_MODULE", bench_var("KW_MODULE"), 1);
    /* keyward in the default context, as applications load it; tpm2 in a
     * context of its own, so that tpm2-pkcs11's internal OpenSSL calls
     * (which go to the default context) never reach the TPM provider. */
    if ((provs[0] = OSSL_PROVIDER_load(NULL, "default")) == NULL ||
        (provs[1] = OSSL_PROVIDER_load(NULL, "keyward")) == NULL ||
        (tctx = OSSL_LIB_CTX_new()) == NULL ||
        /* tpm2.so sits in the system's module directory, whatever
         * OPENSSL_MODULES says for keyward.so */
        !OSSL_PROVIDER_set_default_search_path(
            tctx, OPENSSL_info(OPENSSL_INFO_MODULES_DIR)) ||
        (provs[2] = OSSL_PROVIDER_load(tctx, "tpm2")) == NULL ||
        (provs[3] = OSSL_PROVIDER_load(tctx, "default")) == NULL) {
        ERR_print_errors_fp(stderr);
        return false;
    }
    return true;
}

static EVP_PKEY *load_key(OSSL_LIB_CTX *lc, const char *propq, const char *uri)
{
    OSSL_STORE_CTX *st;
    OSSL_STORE_INFO *info;
    EVP_PKEY *k = NULL;

    st = OSSL_STORE_open_ex(uri, lc, propq, NULL, NULL, NULL, NULL, NULL);
    if (st == NULL)
        goto out;
    OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY);
    while (k == NULL && !OSSL_STORE_eof(st)) {
        if ((info = OSSL_STORE_load(st)) == NULL)
            break;
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            k = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
out:
    if (k == NULL) {
        fprintf(stderr, "cannot load %s\n", uri);
        ERR_print_errors_fp(stderr);
    }
    return k;
}

static EVP_PKEY *load_keyward_key(const char *uri_var)
{
    char uri[1024];

    snprintf(uri, sizeof(uri), "%s;type=private?pin-source=file:%s",
             bench_var(uri_var), bench_var("KW_PIN_FILE"));
    return load_key(NULL, NULL, uri);
}

/* ------------------------------------------------------------------ */
/* The bare tpm2-pkcs11 loop (this program, not keyward, calls PKCS#11) */

static CK_FUNCTION_LIST *fl;
static CK_SESSION_HANDLE bare_session;

static bool bare_init(void)
{
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CK_C_GetFunctionList get;
    CK_SLOT_ID slots[8], slot = 0;
    CK_ULONG n = 8;
    const char *pin = bench_var("KW_PIN"), *label = bench_var("KW_TOKEN_LABEL");
    bool found = false;
    void *dl;

    if ((dl = dlopen(bench_var("KW_MODULE"), RTLD_NOW)) == NULL ||
        (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
        get(&fl) != CKR_OK)
        return false;
    /* keyward's own C_Initialize then finds it initialised and shares. */
    fl->C_Initialize(&args);
    if (fl->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        return false;
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;

        if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
            strncmp((char *)ti.label, label, strlen(label)) == 0 &&
            ti.label[strlen(label)] == ' ') {
            slot = slots[i];
            found = true;
        }
    }
    if (!found || fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
                                    &bare_session) != CKR_OK)
        return false;
    fl->C_Login(bare_session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    return true;
}

static CK_OBJECT_HANDLE bare_find(const char *uri, CK_KEY_TYPE type)
{
    const char *o = strstr(uri, "object="), *e;
    char label[64];
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
                           {CKA_LABEL, label, 0},
                           {CKA_KEY_TYPE, &type, sizeof(type)}};
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_ULONG n = 0;

    if (o == NULL)
        return CK_INVALID_HANDLE;
    o += strlen("object=");
    e = strchr(o, ';');
    snprintf(label, sizeof(label), "%.*s", e ? (int)(e - o) : (int)strlen(o),
             o);
    tmpl[1].ulValueLen = strlen(label);
    if (fl->C_FindObjectsInit(bare_session, tmpl, 3) != CKR_OK)
        return CK_INVALID_HANDLE;
    fl->C_FindObjects(bare_session, &h, 1, &n);
    fl->C_FindObjectsFinal(bare_session);
    return n == 1 ? h : CK_INVALID_HANDLE;
}

/* ------------------------------------------------------------------ */
/* Loops: each signs for `seconds` and returns signatures per second    */

struct job {
    const struct alg *alg;
    EVP_PKEY *key; /* keyward or tpm2-openssl loops */
    OSSL_LIB_CTX *lc;
    const char *propq;
    CK_OBJECT_HANDLE handle; /* bare loop */
    CK_MECHANISM_TYPE mech;
    size_t inlen;
};

static double bare_loop(const struct job *j)
{
    CK_MECHANISM m = {j->mech, NULL, 0};
    uint8_t in[64] = {0x30, 1}, sig[512];
    double t0 = bench_now(), t;
    unsigned long n = 0;

    while ((t = bench_now()) - t0 < seconds) {
        CK_ULONG len = sizeof(sig);
        CK_RV rv = fl->C_SignInit(bare_session, &m, j->handle);

        if (rv == CKR_OK)
            rv = fl->C_Sign(bare_session, in, j->inlen, sig, &len);
        if (rv != CKR_OK) {
            fprintf(stderr, "bare loop: CK_RV 0x%lx\n", (unsigned long)rv);
            return -1;
        }
        n++;
    }
    return (double)n / (t - t0);
}

/* What applications and libssl do per signature: DigestSignInit on a
 * reused EVP_MD_CTX, then a one-shot DigestSign of 32 bytes. */
static double digestsign_loop(const struct job *j)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    uint8_t msg[32] = {7}, sig[512];
    double t0 = bench_now(), t;
    unsigned long n = 0;

    while (m != NULL && (t = bench_now()) - t0 < seconds) {
        size_t len = sizeof(sig);

        if (EVP_DigestSignInit_ex(m, NULL, "SHA256", j->lc, j->propq, j->key,
                                  NULL) != 1 ||
            EVP_DigestSign(m, sig, &len, msg, sizeof(msg)) != 1) {
            ERR_print_errors_fp(stderr);
            EVP_MD_CTX_free(m);
            return -1;
        }
        n++;
    }
    EVP_MD_CTX_free(m);
    return m == NULL ? -1 : (double)n / (t - t0);
}

/* A digest computed by the caller, then EVP_PKEY_sign on a context
 * initialised once: the provider's signing path without its hashing. */
static double pkeysign_loop(const struct job *j)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(j->lc, j->key, j->propq);
    uint8_t dg[32] = {7}, sig[512];
    double t0, t, rate = -1;
    unsigned long n = 0;

    if (c == NULL || EVP_PKEY_sign_init(c) != 1 ||
        (EVP_PKEY_is_a(j->key, "RSA") &&
         EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1) ||
        EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1)
        goto out;
    t0 = bench_now();
    while ((t = bench_now()) - t0 < seconds) {
        size_t len = sizeof(sig);

        if (EVP_PKEY_sign(c, sig, &len, dg, sizeof(dg)) != 1)
            goto out;
        n++;
    }
    rate = (double)n / (t - t0);
out:
    if (rate < 0)
        ERR_print_errors_fp(stderr);
    EVP_PKEY_CTX_free(c);
    return rate;
}

/* ------------------------------------------------------------------ */
/* Rounds                                                               */

enum loop {
    L_BARE,
    L_KEYWARD,
    L_TPM2,
    L_KEYWARD_DIGEST,
    L_TPM2_DIGEST,
    NLOOPS
};

static const char *const loop_names[NLOOPS] = {"bare", "keyward", "tpm2",
                                               "keyward-digest", "tpm2-digest"};
static const char *const loop_titles[NLOOPS] = {
    "bare tpm2-pkcs11", "keyward DigestSign", "tpm2-openssl DigestSign",
    "keyward PKEY_sign", "tpm2-openssl PKEY_sign"};

struct sample {
    double rate, client_us, abrmd_us, swtpm_us;
    double others; /* cores busy with other processes meanwhile */
};

/* CPU seconds the whole machine has been busy since boot (/proc/stat). */
static double machine_busy(void)
{
    unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iow = 0, irq = 0,
                       sirq = 0;
    FILE *f = fopen("/proc/stat", "re");

    if (f == NULL)
        return 0;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys,
               &idle, &iow, &irq, &sirq) != 7)
        user = nice = sys = irq = sirq = 0;
    fclose(f);
    return (double)(user + nice + sys + irq + sirq) /
           (double)sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[ROUNDS];

    memcpy(s, v, (size_t)n * sizeof(*v));
    qsort(s, (size_t)n, sizeof(s[0]), cmp_double);
    return s[n / 2];
}

/* One loop with the CPU it cost here, in tpm2-abrmd and in swtpm. */
static int measure_loop(double (*fn)(const struct job *), const struct job *j,
                        struct sample *out)
{
    double c0 = self_cpu(), a0 = proc_cpu(pid_abrmd), s0 = proc_cpu(pid_swtpm);
    double m0 = machine_busy(), t0 = bench_now();
    double rate = fn(j), n, c, a, s;

    if (rate <= 0)
        return -1;
    n = rate * seconds; /* about the signatures made */
    c = self_cpu() - c0;
    a = proc_cpu(pid_abrmd) - a0;
    s = proc_cpu(pid_swtpm) - s0;
    out->rate = rate;
    out->client_us = c / n * 1e6;
    out->abrmd_us = a / n * 1e6;
    out->swtpm_us = s / n * 1e6;
    out->others = (machine_busy() - m0 - c - a - s) / (bench_now() - t0);
    if (out->others < 0)
        out->others = 0;
    return 0;
}

static int measure(enum loop l, const struct job *jobs, struct sample *out)
{
    const struct job *j = &jobs[l];

    switch (l) {
    case L_BARE:
        if (measure_loop(bare_loop, j, out) != 0)
            return -1;
        if (j->alg->mech_hashing != 0) {
            /* The token's own hashing variant counts when it is faster. */
            struct job alt = *j;
            struct sample s2;

            alt.mech = j->alg->mech_hashing;
            alt.inlen = 32;
            if (measure_loop(bare_loop, &alt, &s2) != 0)
                return -1;
            if (s2.rate > out->rate)
                *out = s2;
        }
        return 0;
    case L_KEYWARD:
    case L_TPM2:
        return measure_loop(digestsign_loop, j, out);
    default:
        return measure_loop(pkeysign_loop, j, out);
    }
}

static int bench_alg(const struct alg *a, const char *ossl_key, int only)
{
    struct job jobs[NLOOPS] = {{0}};
    struct sample s[NLOOPS][ROUNDS];
    double v[ROUNDS], ratio_t[ROUNDS], ratio_b[ROUNDS];
    int rc = 1;

    for (int l = 0; l < NLOOPS; l++) {
        jobs[l].alg = a;
        jobs[l].mech = a->mech;
        jobs[l].inlen = a->inlen;
    }
    if ((jobs[L_KEYWARD].key = load_keyward_key(a->uri_var)) == NULL ||
        (jobs[L_TPM2].key = load_key(tctx, TPM2_PROPQ, ossl_key)) == NULL ||
        (jobs[L_BARE].handle = bare_find(bench_var(a->uri_var), a->type)) ==
            CK_INVALID_HANDLE) {
        fprintf(stderr, "%s: cannot load the keys\n", a->name);
        goto out;
    }
    if (!EVP_PKEY_is_a(jobs[L_TPM2].key, a->evp_type)) {
        fprintf(stderr, "%s: %s is not an %s key\n", a->name, ossl_key,
                a->evp_type);
        goto out;
    }
    jobs[L_TPM2].lc = jobs[L_TPM2_DIGEST].lc = tctx;
    jobs[L_TPM2].propq = jobs[L_TPM2_DIGEST].propq = TPM2_PROPQ;
    jobs[L_KEYWARD_DIGEST].key = jobs[L_KEYWARD].key;
    jobs[L_TPM2_DIGEST].key = jobs[L_TPM2].key;

    if (only >= 0) {
        /* One loop alone, for a profiler: no rounds, no table. */
        struct sample one;

        if (measure((enum loop)only, jobs, &one) != 0)
            goto out;
        printf("%s %s: %.0f/s, CPU us/sig: client %.0f, abrmd %.0f, swtpm "
               "%.0f, others %.2f cores\n",
               a->name, loop_titles[only], one.rate, one.client_us,
               one.abrmd_us, one.swtpm_us, one.others);
        rc = 0;
        goto out;
    }
    for (int r = 0; r < ROUNDS; r++)
        for (int l = 0; l < NLOOPS; l++)
            if (measure((enum loop)l, jobs, &s[l][r]) != 0) {
                fprintf(stderr, "%s: %s failed\n", a->name, loop_titles[l]);
                goto out;
            }
    for (int r = 0; r < ROUNDS; r++) {
        ratio_t[r] = s[L_KEYWARD][r].rate / s[L_TPM2][r].rate;
        ratio_b[r] = s[L_KEYWARD][r].rate / s[L_BARE][r].rate;
    }
    printf("%s: keyward/tpm2-openssl %.3f, keyward/bare %.3f "
           "(medians of per-round ratios)\n",
           a->name, median(ratio_t, ROUNDS), median(ratio_b, ROUNDS));
    for (int l = 0; l < NLOOPS; l++) {
        double rate, cu, au, su, ot;

        for (int r = 0; r < ROUNDS; r++)
            v[r] = s[l][r].rate;
        rate = median(v, ROUNDS);
        for (int r = 0; r < ROUNDS; r++)
            v[r] = s[l][r].client_us;
        cu = median(v, ROUNDS);
        for (int r = 0; r < ROUNDS; r++)
            v[r] = s[l][r].abrmd_us;
        au = median(v, ROUNDS);
        for (int r = 0; r < ROUNDS; r++)
            v[r] = s[l][r].swtpm_us;
        su = median(v, ROUNDS);
        for (int r = 0; r < ROUNDS; r++)
            v[r] = s[l][r].others;
        ot = median(v, ROUNDS);
        printf("  %-24s %8.0f/s  %6.2f ms  CPU us/sig: client %6.0f  "
               "abrmd %5.0f  swtpm %5.0f  others %.2f\n",
               loop_titles[l], rate, 1e3 / rate, cu, au, su, ot);
    }
    rc = 0;
out:
    EVP_PKEY_free(jobs[L_KEYWARD].key);
    EVP_PKEY_free(jobs[L_TPM2].key);
    return rc;
}

int main(int argc, char **argv)
{
    const char *ossl[2] = {NULL, NULL};
    char *rest[16];
    const char *alg_only = NULL;
    int nrest = 0, only = -1, rc = 0;

    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ossl-ec") == 0 && i + 1 < argc) {
            ossl[0] = argv[++i];
        } else if (strcmp(argv[i], "--ossl-rsa") == 0 && i + 1 < argc) {
            ossl[1] = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            i++;
            for (int l = 0; l < NLOOPS; l++)
                if (strcmp(argv[i], loop_names[l]) == 0)
                    only = l;
            if (only < 0) {
                fprintf(stderr, "unknown loop %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc) {
            alg_only = argv[++i];
        } else if (nrest < 15) {
            rest[nrest++] = argv[i];
        }
    }
    rest[nrest] = NULL;
    if (ossl[0] == NULL || ossl[1] == NULL) {
        fprintf(stderr, "usage: bench_tpm --vars TPM-VARS --ossl-ec KEY "
                        "--ossl-rsa KEY [--seconds S] [--only LOOP] "
                        "[--alg ec|rsa]\n"
                        "KEY: a TSS2 PRIVATE KEY file made by "
                        "`openssl genpkey -provider tpm2` on the same TPM\n");
        return 2;
    }
    if (!bench_init(nrest, rest, &seconds))
        return 2;
    pid_abrmd = pid_file(bench_var("KW_TPM_RUNDIR"), "abrmd");
    pid_swtpm = pid_file(bench_var("KW_TPM_RUNDIR"), "swtpm");
    if (!providers_load() || !bare_init()) {
        fprintf(stderr, "cannot set up the providers or the bare loop\n");
        return 1;
    }
    if (only < 0)
        printf("# signatures on swtpm behind tpm2-abrmd, one thread, %d "
               "alternating rounds of\n# %.1f s per loop; rates and CPU "
               "figures are medians over the rounds;\n# others: cores busy "
               "with other processes meanwhile (0 on an idle machine)\n",
               ROUNDS, seconds);
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]) && rc == 0; i++) {
        if (alg_only != NULL && strcmp(alg_only, i == 0 ? "ec" : "rsa") != 0)
            continue;
        rc = bench_alg(&algs[i], ossl[i], only);
        fflush(stdout);
    }
    /* The providers (keyward shares the module this program initialised
     * and leaves C_Finalize to it), then the module. */
    for (int i = 3; i >= 0; i--)
        if (provs[i] != NULL)
            OSSL_PROVIDER_unload(provs[i]);
    fl->C_CloseSession(bare_session);
    fl->C_Finalize(NULL);
    OSSL_LIB_CTX_free(tctx);
    return rc;
}
