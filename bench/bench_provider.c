/* SPDX-License-Identifier: Apache-2.0 */
/* bench_provider.c: the keyward provider measured as applications use it:
 * EVP signatures against the fastest bare PKCS#11 loop on the same token
 * (1 and 2 threads), process start to first signature, and TLS 1.3 full
 * handshakes with the server key in the token against a file key. The bare
 * loop is the baseline, so this benchmark (not Keyward code) calls PKCS#11
 * directly. Usage: bench_provider sign|first|first-child|tls [--vars F]
 * [--seconds S] */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/store.h>

#include <p11-kit/pkcs11.h>

#include "bench_p11.h"
#include "bench_util.h"

static double seconds = 2.0;

struct alg {
    const char *name, *uri_var, *md;
    CK_KEY_TYPE type;
    /* bare loops: the mechanism and input keyward's own path uses, and
     * the token-hashing variant where there is one */
    CK_MECHANISM_TYPE mech, mech_hashing;
    size_t inlen;
};

static const struct alg algs[] = {
    {"ECDSA P-256", "KW_EC256_URI", "SHA256", CKK_EC, CKM_ECDSA, 0, 32},
    {"RSA-2048 PKCS#1", "KW_RSA2048_URI", "SHA256", CKK_RSA, CKM_RSA_PKCS,
     CKM_SHA256_RSA_PKCS, 51},
    {"Ed25519", "KW_ED25519_URI", NULL, CKK_EC_EDWARDS, CKM_EDDSA, 0, 32},
};

/* ------------------------------------------------------------------ */
/* The keyward provider, loaded from keyward.so as a user does          */

static OSSL_PROVIDER *prov_default, *prov_keyward;

static bool providers_load(void)
{
    setenv("KEYWARD_PKCS11_MODULE", bench_var("KW_MODULE"), 1);
    if (getenv("OPENSSL_MODULES") == NULL && getenv("KW_BUILD_DIR") != NULL) {
        char dir[512];

        snprintf(dir, sizeof(dir), "%s/provider", getenv("KW_BUILD_DIR"));
        setenv("OPENSSL_MODULES", dir, 1);
    }
    prov_default = OSSL_PROVIDER_load(NULL, "default");
    prov_keyward = OSSL_PROVIDER_load(NULL, "keyward");
    if (prov_default == NULL || prov_keyward == NULL) {
        ERR_print_errors_fp(stderr);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Loops                                                                */

static CK_FUNCTION_LIST *fl;
static CK_SLOT_ID slot;

struct job {
    const struct alg *alg;
    EVP_PKEY *key;
    CK_OBJECT_HANDLE copy;
    CK_MECHANISM_TYPE mech;
    size_t inlen;
    atomic_bool *stop;
    unsigned long count;
    int errors;
};

static void *bare_loop(void *arg)
{
    struct job *j = arg;
    CK_MECHANISM m = {j->mech, NULL, 0};
    CK_SESSION_HANDLE s;
    uint8_t in[64] = {0x30, 1}, sig[512];

    if (fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
        j->errors++;
        return NULL;
    }
    while (!atomic_load_explicit(j->stop, memory_order_relaxed)) {
        CK_ULONG len = sizeof(sig);

        CK_RV rv = fl->C_SignInit(s, &m, j->copy);

        if (rv == CKR_OK)
            rv = fl->C_Sign(s, in, j->inlen, sig, &len);
        if (rv != CKR_OK) {
            fprintf(stderr, "bare loop: CK_RV 0x%lx\n", (unsigned long)rv);
            j->errors++;
            break;
        }
        j->count++;
    }
    fl->C_CloseSession(s);
    return NULL;
}

/* What applications and libssl do per signature: DigestSignInit on a
 * reused context, then a one-shot DigestSign of a short message. */
static void *evp_loop(void *arg)
{
    struct job *j = arg;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    uint8_t msg[32] = {7}, sig[512];

    while (m != NULL && !atomic_load_explicit(j->stop, memory_order_relaxed)) {
        size_t len = sizeof(sig);

        if (EVP_DigestSignInit_ex(m, NULL, j->alg->md, NULL, NULL, j->key,
                                  NULL) != 1 ||
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

/* The provider's own share at its smallest: a context initialised once,
 * then per signature a software digest and EVP_PKEY_sign (Ed25519 has no
 * such path in OpenSSL 3.0: DigestSign). */
static void *reuse_loop(void *arg)
{
    struct job *j = arg;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, j->key, NULL);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    uint8_t msg[32] = {7}, dg[32], sig[512];
    unsigned int dglen;

    if (c == NULL || md == NULL || EVP_PKEY_sign_init(c) != 1 ||
        EVP_PKEY_CTX_set_signature_md(c, md) != 1) {
        ERR_print_errors_fp(stderr);
        j->errors++;
        goto out;
    }
    while (!atomic_load_explicit(j->stop, memory_order_relaxed)) {
        size_t len = sizeof(sig);

        if (EVP_Digest(msg, sizeof(msg), dg, &dglen, md, NULL) != 1 ||
            EVP_PKEY_sign(c, sig, &len, dg, dglen) != 1) {
            ERR_print_errors_fp(stderr);
            j->errors++;
            break;
        }
        j->count++;
    }
out:
    EVP_MD_free(md);
    EVP_PKEY_CTX_free(c);
    return NULL;
}

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

/* The label a fixture URI names ("...;object=ec256"). */
static const char *uri_label(const char *uri)
{
    static char label[64];
    const char *o = strstr(uri, "object=");

    snprintf(label, sizeof(label), "%s", o ? o + strlen("object=") : "");
    label[strcspn(label, ";?")] = '\0';
    return label;
}

static int cmp_double(const void *a, const void *b);

/* Rounds of bare then keyward, alternating, so that the machine's drift
 * falls on both; reported: the median rates, and the median of the
 * per-round ratios (each round's pair ran back to back). */
#define ROUNDS 5

static double median_of(double v[ROUNDS])
{
    qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
    return v[ROUNDS / 2];
}

static int cmd_sign(void)
{
    CK_SESSION_HANDLE anchor;

    if (!providers_load() ||
        !bench_p11_open(bench_var("KW_MODULE"), bench_var("KW_TOKEN_LABEL"),
                        bench_var("KW_PIN"), &fl, &slot, &anchor))
        return 1;
    printf("# keyward through EVP (DigestSignInit + DigestSign of 32 bytes;\n"
           "# reused: one EVP_PKEY_CTX, EVP_Digest + EVP_PKEY_sign)\n"
           "# against the fastest bare PKCS#11 loop (C_SignInit + C_Sign on a\n"
           "# session copy; RSA: the better of CKM_RSA_PKCS on a DigestInfo\n"
           "# and CKM_SHA256_RSA_PKCS), SoftHSM; %d alternating rounds of\n"
           "# %.1f s: median rates, median of the per-round ratios\n",
           ROUNDS, seconds);
    printf("%-16s %3s %10s %10s %7s %10s %7s\n", "algorithm", "thr", "bare/s",
           "keyward/s", "ratio", "reused/s", "ratio");
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        const struct alg *a = &algs[i];
        struct job j = {.alg = a, .mech = a->mech, .inlen = a->inlen};
        double bare[3], kw[3];

        if ((j.key = bench_token_key(a->uri_var, "")) == NULL ||
            (j.copy =
                 bench_p11_copy(fl, anchor, uri_label(bench_var(a->uri_var)),
                                CKO_PRIVATE_KEY)) == CK_INVALID_HANDLE) {
            fprintf(stderr, "%s: cannot load the key\n", a->name);
            return 1;
        }
        for (int t = 1; t <= 2; t++) {
            double b[ROUNDS], k[ROUNDS], ratio[ROUNDS], u[ROUNDS],
                uratio[ROUNDS];
            bool reuse = a->md != NULL;

            for (int r = 0; r < ROUNDS; r++) {
                struct job ja = j;

                b[r] = run(bare_loop, &j, t);
                if (a->mech_hashing != 0) {
                    double alt;

                    ja.mech = a->mech_hashing;
                    ja.inlen = 32;
                    alt = run(bare_loop, &ja, t);
                    j.errors += ja.errors;
                    if (alt > b[r])
                        b[r] = alt;
                }
                k[r] = run(evp_loop, &j, t);
                ratio[r] = k[r] / b[r];
                u[r] = reuse ? run(reuse_loop, &j, t) : 0;
                uratio[r] = u[r] / b[r];
            }
            bare[t] = median_of(b);
            kw[t] = median_of(k);
            printf("%-16s %3d %10.0f %10.0f %7.3f", a->name, t, bare[t], kw[t],
                   median_of(ratio));
            if (reuse)
                printf(" %10.0f %7.3f", median_of(u), median_of(uratio));
            printf("\n");
        }
        printf("%-16s     2-thread scaling: bare %.2fx, keyward %.2fx\n",
               a->name, bare[2] / bare[1], kw[2] / kw[1]);
        fl->C_DestroyObject(anchor, j.copy);
        EVP_PKEY_free(j.key);
        if (j.errors) {
            fprintf(stderr, "%s: %d errors\n", a->name, j.errors);
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Process start to first signature                                     */

/* The child: everything an application does from exec to its first
 * signature (provider and module loading, login, key lookup, sign). */
static int cmd_first_child(double t0)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY *k;
    uint8_t msg[32] = {1}, sig[128];
    size_t len = sizeof(sig);

    double t1, t2, t3;

    t1 = bench_now();
    if (!providers_load())
        return 1;
    t2 = bench_now();
    if ((k = bench_token_key("KW_EC256_URI", "")) == NULL)
        return 1;
    t3 = bench_now();
    if (m == NULL ||
        EVP_DigestSignInit_ex(m, NULL, "SHA256", NULL, NULL, k, NULL) != 1 ||
        EVP_DigestSign(m, sig, &len, msg, sizeof(msg)) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (getenv("KW_BENCH_VERBOSE") != NULL)
        fprintf(stderr, "exec %.2f ms, providers %.2f, key %.2f, sign %.2f\n",
                (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
                (bench_now() - t3) * 1e3);
    printf("%.3f\n", (bench_now() - t0) * 1000.0);
    fflush(stdout);
    _exit(0); /* the measurement is done; teardown is not part of it */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The same from exec to first signature with raw PKCS#11 calls and no
 * OpenSSL provider at all: dlopen, C_Initialize, the token by label,
 * session, C_Login, C_FindObjects, C_SignInit + C_Sign on a digest. */
static int cmd_first_bare_child(double t0)
{
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    const char *uri = bench_var("KW_EC256_URI"), *o = strstr(uri, "object=");
    const char *pin = bench_var("KW_PIN");
    char label[64];
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
                           {CKA_LABEL, label, 0}};
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE h;
    CK_ULONG n = 0, siglen = 128;
    uint8_t dg[32] = {1}, sig[128];
    CK_C_GetFunctionList get;
    CK_SLOT_ID slots[8];
    CK_ULONG ns = 8;
    void *dl;

    snprintf(label, sizeof(label), "%s", o ? o + strlen("object=") : "");
    label[strcspn(label, ";?")] = '\0';
    tmpl[1].ulValueLen = strlen(label);
    if ((dl = dlopen(bench_var("KW_MODULE"), RTLD_NOW)) == NULL ||
        (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
        get(&fl) != CKR_OK || fl->C_Initialize(&args) != CKR_OK ||
        fl->C_GetSlotList(CK_TRUE, slots, &ns) != CKR_OK)
        return 1;
    for (CK_ULONG i = 0; i < ns; i++) {
        CK_TOKEN_INFO ti;
        const char *want = bench_var("KW_TOKEN_LABEL");

        if (fl->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
            strncmp((char *)ti.label, want, strlen(want)) == 0)
            slot = slots[i];
    }
    if (fl->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
        fl->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin)) != CKR_OK ||
        fl->C_FindObjectsInit(s, tmpl, 2) != CKR_OK ||
        fl->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1 ||
        fl->C_FindObjectsFinal(s) != CKR_OK ||
        fl->C_SignInit(s, &m, h) != CKR_OK ||
        fl->C_Sign(s, dg, sizeof(dg), sig, &siglen) != CKR_OK)
        return 1;
    printf("%.3f\n", (bench_now() - t0) * 1000.0);
    fflush(stdout);
    _exit(0);
}

/* One child: the milliseconds it reports, or -1. */
static double first_once(const char *self, const char *mode, const char *vars)
{
    int fds[2];
    char t0s[32], buf[128] = "";
    pid_t pid;
    ssize_t n;

    if (pipe(fds) != 0)
        return -1;
    snprintf(t0s, sizeof(t0s), "%.9f", bench_now());
    if ((pid = fork()) == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(self, self, mode, t0s, "--vars", vars, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return n > 0 ? atof(buf) : -1;
}

static int cmd_first(const char *self, const char *vars)
{
    enum { RUNS = 15 };
    double kw[RUNS], bare[RUNS];

    for (int i = 0; i < RUNS; i++) {
        if ((kw[i] = first_once(self, "first-child", vars)) < 0 ||
            (bare[i] = first_once(self, "first-bare-child", vars)) < 0) {
            fprintf(stderr, "a child failed\n");
            return 1;
        }
    }
    qsort(kw, RUNS, sizeof(kw[0]), cmp_double);
    qsort(bare, RUNS, sizeof(bare[0]), cmp_double);
    printf("# fork+exec to first ECDSA P-256 signature, %d runs each,\n"
           "# alternating: keyward (providers, module, login, key by URI,\n"
           "# EVP sign) and raw PKCS#11 (module, login, find, sign)\n",
           RUNS);
    printf("keyward:      median %6.2f ms  min %6.2f  max %6.2f\n",
           kw[RUNS / 2], kw[0], kw[RUNS - 1]);
    printf("raw PKCS#11:  median %6.2f ms  min %6.2f  max %6.2f\n",
           bare[RUNS / 2], bare[0], bare[RUNS - 1]);
    printf("keyward's own share (median difference): %.2f ms\n",
           kw[RUNS / 2] - bare[RUNS / 2]);
    return 0;
}

/* ------------------------------------------------------------------ */
/* TLS 1.3 full handshakes, client and server in this thread             */

static SSL_CTX *tls_ctx(bool server, EVP_PKEY *key, const char *cert)
{
    SSL_CTX *c =
        SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());

    if (c == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    if (server) {
        SSL_CTX_set_num_tickets(c, 0);
        if (SSL_CTX_use_certificate_file(c, cert, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_use_PrivateKey(c, key) != 1 ||
            SSL_CTX_check_private_key(c) != 1) {
            SSL_CTX_free(c);
            return NULL;
        }
    } else {
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
        if (SSL_CTX_load_verify_locations(c, bench_var("KW_CA_CERT"), NULL) !=
            1) {
            SSL_CTX_free(c);
            return NULL;
        }
    }
    return c;
}

static bool handshake(SSL_CTX *cctx, SSL_CTX *sctx)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *b1 = NULL, *b2 = NULL;
    bool ok = false;

    if (c == NULL || s == NULL || !BIO_new_bio_pair(&b1, 0, &b2, 0))
        goto out;
    SSL_set_bio(c, b1, b1);
    SSL_set_bio(s, b2, b2);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    for (int i = 0; i < 20; i++) {
        int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);

        if (rc == 1 && rs == 1) {
            ok = SSL_get_verify_result(c) == X509_V_OK;
            break;
        }
        if ((rc != 1 && SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) ||
            (rs != 1 && SSL_get_error(s, rs) != SSL_ERROR_WANT_READ))
            break;
    }
out:
    SSL_free(c);
    SSL_free(s);
    return ok;
}

static double tls_rate(SSL_CTX *cctx, SSL_CTX *sctx)
{
    double t0 = bench_now(), t;
    unsigned long n = 0;

    while ((t = bench_now()) - t0 < seconds) {
        if (!handshake(cctx, sctx)) {
            ERR_print_errors_fp(stderr);
            return -1;
        }
        n++;
    }
    return (double)n / (t - t0);
}

static int cmd_tls(void)
{
    EVP_PKEY *tok, *file = NULL;
    SSL_CTX *cctx, *s_tok, *s_file;
    BIO *b;
    double rt[3], rf[3], ratio[3];

    if (!providers_load() ||
        (tok = bench_token_key("KW_EC256_URI", "")) == NULL)
        return 1;
    if ((b = BIO_new_file(bench_var("KW_FILE_SERVER_KEY"), "r")) != NULL)
        file = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    cctx = tls_ctx(false, NULL, NULL);
    s_tok = tls_ctx(true, tok, bench_var("KW_EC256_CERT"));
    s_file = tls_ctx(true, file, bench_var("KW_FILE_SERVER_CERT"));
    if (file == NULL || cctx == NULL || s_tok == NULL || s_file == NULL) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    printf("# TLS 1.3 full handshakes (X25519, ECDSA P-256 server key,\n"
           "# client verifies the chain, no resumption), client and server\n"
           "# in one thread over a BIO pair, %.1f s per cell, interleaved\n",
           seconds);
    for (int i = 0; i < 3; i++) {
        rf[i] = tls_rate(cctx, s_file);
        rt[i] = tls_rate(cctx, s_tok);
        if (rf[i] < 0 || rt[i] < 0)
            return 1;
        ratio[i] = rt[i] / rf[i];
        printf("round %d: file key %8.0f/s   token key (keyward) %8.0f/s   "
               "ratio %.3f\n",
               i + 1, rf[i], rt[i], rt[i] / rf[i]);
    }
    qsort(rf, 3, sizeof(rf[0]), cmp_double);
    qsort(rt, 3, sizeof(rt[0]), cmp_double);
    qsort(ratio, 3, sizeof(ratio[0]), cmp_double);
    printf("median: file %.0f/s, token %.0f/s, per-round ratio %.3f\n", rf[1],
           rt[1], ratio[1]);
    SSL_CTX_free(cctx);
    SSL_CTX_free(s_tok);
    SSL_CTX_free(s_file);
    EVP_PKEY_free(tok);
    EVP_PKEY_free(file);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";

    if ((strcmp(cmd, "first-child") == 0 ||
         strcmp(cmd, "first-bare-child") == 0) &&
        argc > 2) {
        double t0 = atof(argv[2]);

        if (!bench_init(argc - 2, argv + 2, &seconds))
            return 2;
        return cmd[6] == 'c' ? cmd_first_child(t0) : cmd_first_bare_child(t0);
    }
    if (!bench_init(argc - 1, argv + 1, &seconds))
        return 2;
    if (strcmp(cmd, "sign") == 0)
        return cmd_sign();
    if (strcmp(cmd, "first") == 0)
        return cmd_first("/proc/self/exe", getenv("KW_TEST_VARS"));
    if (strcmp(cmd, "tls") == 0)
        return cmd_tls();
    fprintf(stderr, "usage: bench_provider sign|first|tls [--vars FILE] "
                    "[--seconds S]\n");
    return 2;
}
