/* SPDX-License-Identifier: Apache-2.0 */
/* bench_assoc.c: EDHOC handshakes per second through two keywardd instances
 * against the same handshake in-process (same EDHOC code, same keys); key
 * updates and seal+open of 64-byte messages per second; memory per
 * association at N associations. */
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509_vfy.h>

#include "edhoc.h"
#include "keyward-client.h"
#include "pmsg.h"

#define MAX_THREADS 8

static struct {
    const char *sock_a, *sock_b, *dir, *identity, *openssl_conf, *pin_file;
    const char *key_a, *key_b, *chain_a, *chain_b, *ca;
    int method, suite;
    double seconds;
    int assocs;
    pid_t pid_a, pid_b;
} opt = {.identity = "x509", .method = 3, .suite = 2, .seconds = 2.0};

/* ---- the in-process side ---------------------------------------------- */

struct party {
    EVP_PKEY *key;
    uint8_t *cred, *id_cred;
    size_t cred_len, id_cred_len;
};
static OSSL_LIB_CTX *libctx;
static kw_edhoc_ctx *ectx;
static X509_STORE *store;
static struct party pa, pb;
static atomic_bool stop;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    FILE *f = u != NULL ? fopen(u, "re") : NULL;
    size_t n;
    (void)rwflag;
    if (f == NULL)
        return -1;
    n = fread(buf, 1, (size_t)size, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    return (int)n;
}

static EVP_PKEY *load_key(const char *uri)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
    OSSL_STORE_CTX *sc = OSSL_STORE_open_ex(
        uri, libctx, NULL, ui, (void *)opt.pin_file, NULL, NULL, NULL);
    EVP_PKEY *k = NULL;
    while (sc != NULL && k == NULL && !OSSL_STORE_eof(sc)) {
        OSSL_STORE_INFO *i = OSSL_STORE_load(sc);
        if (i != NULL && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PKEY)
            k = OSSL_STORE_INFO_get1_PKEY(i);
        OSSL_STORE_INFO_free(i);
    }
    OSSL_STORE_close(sc);
    UI_destroy_method(ui);
    return k;
}

/* The party's CRED (leaf) and ID_CRED (x5chain) from a PEM chain file. */
static int load_party(struct party *p, const char *uri, const char *chain)
{
    uint8_t *der[4];
    size_t len[4], n = 0;
    FILE *f = fopen(chain, "re");
    X509 *x;
    int ok;

    if ((p->key = load_key(uri)) == NULL || f == NULL) {
        fprintf(stderr, "cannot load %s or %s\n", uri, chain);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    while (n < 4 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        unsigned char *d = NULL;
        len[n] = (size_t)i2d_X509(x, &d);
        der[n++] = d;
        X509_free(x);
    }
    fclose(f);
    ERR_clear_error();
    ok = n > 0 &&
         kw_edhoc_cred_x509(der[0], len[0], &p->cred, &p->cred_len) == 0 &&
         kw_edhoc_id_cred_x5chain((const uint8_t *const *)der, len, n,
                                  &p->id_cred, &p->id_cred_len) == 0;
    for (size_t i = 0; i < n; i++)
        OPENSSL_free(der[i]);
    return ok ? 0 : -1;
}

/* What keywardd's callback does for an x5chain: validate, name, policy. */
static int cred_cb(void *arg, const kw_edhoc_id_cred *id,
                   kw_edhoc_peer_cred *out)
{
    (void)arg;
    if (id->x5chain_n == 0 ||
        kw_edhoc_x509_verify(id->x5chain, id->x5chain_len, id->x5chain_n, store,
                             libctx, NULL, &out->identity,
                             &out->pubkey) != KW_EDHOC_OK)
        return KW_EDHOC_E_PEER_REJECTED;
    if (fnmatch("CN=kw-test-*,O=Keyward Test", out->identity, 0) != 0) {
        OPENSSL_free(out->identity);
        EVP_PKEY_free(out->pubkey);
        out->identity = NULL;
        out->pubkey = NULL;
        return KW_EDHOC_E_PEER_REJECTED;
    }
    return kw_edhoc_cred_x509(id->x5chain[0], id->x5chain_len[0], &out->cred,
                              &out->cred_len);
}

static kw_edhoc *session(const struct party *p, int role)
{
    int suites[1] = {opt.suite};
    kw_edhoc_config c = {
        .ctx = ectx,
        .role = role,
        .method = opt.method,
        .methods = 0xf,
        .suites = suites,
        .n_suites = 1,
        .initial_suite = -1,
        .local = {.auth_key = p->key,
                  .cred = p->cred,
                  .cred_len = p->cred_len,
                  .id_cred = p->id_cred,
                  .id_cred_len = p->id_cred_len},
        .cred_cb = cred_cb,
    };
    return kw_edhoc_new(&c);
}

/* One handshake in-process, as keywardd runs it: both sessions, then the
 * protected-message keys of both sides. */
static int handshake_local(void)
{
    kw_edhoc *i = session(&pa, KW_EDHOC_INITIATOR);
    kw_edhoc *r = session(&pb, KW_EDHOC_RESPONDER);
    const uint8_t *m;
    size_t n;
    kw_pmsg *pi = NULL, *pr = NULL;
    int ok = i != NULL && r != NULL && kw_edhoc_step(i, NULL, 0, &m, &n) == 0 &&
             kw_edhoc_step(r, m, n, &m, &n) == 0 &&
             kw_edhoc_step(i, m, n, &m, &n) == 0 &&
             kw_edhoc_step(r, m, n, &m, &n) == 0 &&
             (pi = kw_pmsg_new_from_edhoc(i, NULL)) != NULL &&
             (pr = kw_pmsg_new_from_edhoc(r, NULL)) != NULL;
    kw_pmsg_free(pi);
    kw_pmsg_free(pr);
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    return ok ? 0 : -1;
}

/* ---- the service side ------------------------------------------------- */

static int handshake_service(kwc *ca, kwc *cb, struct kwc_hs_step *si,
                             struct kwc_hs_step *sr, bool keep)
{
    unsigned suites[1] = {(unsigned)opt.suite};
    struct kwc_assoc_opts o = {
        .method = opt.method, .suites = suites, .nsuites = 1};

    if (kwc_assoc_start(ca, opt.identity, &o, si) != KWC_OK ||
        kwc_assoc_accept(cb, opt.identity, si->message, si->message_len, NULL,
                         0, sr) != KWC_OK ||
        kwc_assoc_continue(ca, si->handle, sr->message, sr->message_len, NULL,
                           0, si) != KWC_OK ||
        si->state != KWC_HS_ESTABLISHED ||
        kwc_assoc_continue(cb, sr->handle, si->message, si->message_len, NULL,
                           0, sr) != KWC_OK ||
        sr->state != KWC_HS_ESTABLISHED)
        return -1;
    if (keep)
        return 0;
    return kwc_assoc_close(ca, si->handle) == KWC_OK &&
                   kwc_assoc_close(cb, sr->handle) == KWC_OK
               ? 0
               : -1;
}

enum mode { HS_LOCAL, HS_SVC, KU_LOCAL, KU_SVC, MSG_LOCAL, MSG_SVC };
static const char *const mode_names[] = {
    "handshake, in-process",      "handshake, 2 x keywardd",
    "key update, in-process",     "key update, keywardd",
    "seal+open 64 B, in-process", "seal+open 64 B, 2 x keywardd"};

struct job {
    enum mode m;
    long done;
    int failed;
    uint8_t (*kept)[2][KWC_HANDLE_LEN]; /* HS_SVC: closed after the clock */
};

static void *worker(void *arg)
{
    struct job *j = arg;
    kwc *ca = NULL, *cb = NULL;
    struct kwc_hs_step *si = calloc(1, sizeof(*si)),
                       *sr = calloc(1, sizeof(*sr));
    kw_edhoc *ei = NULL, *er = NULL;
    kw_pmsg *pi = NULL, *pr = NULL;
    uint8_t pt[64] = {0}, m[256], out[256];
    size_t n;
    unsigned flags;
    uint32_t epoch;
    const uint8_t *msg;

    if (si == NULL || sr == NULL)
        goto fail;
    if (j->m == HS_SVC || j->m == KU_SVC || j->m == MSG_SVC) {
        if (kwc_connect(opt.sock_a, &ca) != KWC_OK ||
            kwc_connect(opt.sock_b, &cb) != KWC_OK)
            goto fail;
        if (j->m != HS_SVC && handshake_service(ca, cb, si, sr, true) < 0)
            goto fail;
    } else if (j->m != HS_LOCAL) {
        if ((ei = session(&pa, KW_EDHOC_INITIATOR)) == NULL ||
            (er = session(&pb, KW_EDHOC_RESPONDER)) == NULL ||
            kw_edhoc_step(ei, NULL, 0, &msg, &n) ||
            kw_edhoc_step(er, msg, n, &msg, &n) ||
            kw_edhoc_step(ei, msg, n, &msg, &n) ||
            kw_edhoc_step(er, msg, n, &msg, &n) ||
            (pi = kw_pmsg_new_from_edhoc(ei, NULL)) == NULL ||
            (pr = kw_pmsg_new_from_edhoc(er, NULL)) == NULL)
            goto fail;
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int rc = 0;
        size_t ml = sizeof(m), ol = sizeof(out);
        switch (j->m) {
        case HS_LOCAL:
            rc = handshake_local();
            break;
        case HS_SVC: /* closing is not part of the handshake: afterwards */
            rc = handshake_service(ca, cb, si, sr, true);
            if (rc == 0) {
                void *k =
                    realloc(j->kept, (size_t)(j->done + 1) * sizeof(*j->kept));
                if (k == NULL)
                    goto fail;
                j->kept = k;
                memcpy(j->kept[j->done][0], si->handle, KWC_HANDLE_LEN);
                memcpy(j->kept[j->done][1], sr->handle, KWC_HANDLE_LEN);
            }
            break;
        case KU_LOCAL:
            rc = kw_pmsg_key_update(pi);
            break;
        case KU_SVC:
            rc = kwc_assoc_update_keys(ca, si->handle, &epoch);
            break;
        case MSG_LOCAL:
            rc = kw_pmsg_seal(pi, pt, sizeof(pt), m, &ml, &flags) ||
                 kw_pmsg_open(pr, m, ml, out, &ol, &flags);
            if (flags & KW_PMSG_F_REKEY_SOON)
                kw_pmsg_key_update(pi);
            break;
        case MSG_SVC:
            rc = kwc_assoc_seal(ca, si->handle, pt, sizeof(pt), m, &ml, NULL) ||
                 kwc_assoc_open(cb, sr->handle, m, ml, out, &ol, NULL);
            break;
        }
        if (rc != 0) {
            if (ca != NULL)
                fprintf(stderr, "%s: %s\n", mode_names[j->m], kwc_error(ca));
            goto fail;
        }
        j->done++;
    }
    goto out;
fail:
    j->failed = 1;
out:
    if (ca != NULL && j->m != HS_SVC) {
        kwc_assoc_close(ca, si->handle);
        kwc_assoc_close(cb, sr->handle);
    }
    for (long i = 0; ca != NULL && j->kept != NULL && i < j->done; i++) {
        kwc_assoc_close(ca, j->kept[i][0]);
        kwc_assoc_close(cb, j->kept[i][1]);
    }
    free(j->kept);
    j->kept = NULL;
    kwc_free(ca);
    kwc_free(cb);
    free(si);
    free(sr);
    kw_pmsg_free(pi);
    kw_pmsg_free(pr);
    kw_edhoc_free(ei);
    kw_edhoc_free(er);
    return NULL;
}

static double cpu_of(pid_t pid)
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
    if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU microseconds per operation of the last run: this process (client
 * or in-process) and both keywardd. */
static double cpu_self_us, cpu_svc_us;

/* Operations per second with t threads of mode m. */
static double run(enum mode m, int t)
{
    double c0 = cpu_of(getpid()), s0 = cpu_of(opt.pid_a) + cpu_of(opt.pid_b);
    double c1, s1;
    pthread_t th[MAX_THREADS];
    struct job jobs[MAX_THREADS] = {0};
    double t0, el;
    long total = 0;

    atomic_store(&stop, false);
    for (int i = 0; i < t; i++) {
        jobs[i].m = m;
        pthread_create(&th[i], NULL, worker, &jobs[i]);
    }
    t0 = now();
    while (now() - t0 < opt.seconds) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_store(&stop, true);
    el = now() - t0;
    /* CPU up to the stop, not the closing of kept associations after it */
    c1 = cpu_of(getpid());
    s1 = cpu_of(opt.pid_a) + cpu_of(opt.pid_b);
    for (int i = 0; i < t; i++) {
        pthread_join(th[i], NULL);
        if (jobs[i].failed) {
            fprintf(stderr, "%s: a worker failed\n", mode_names[m]);
            exit(1);
        }
        total += jobs[i].done;
    }
    if (total > 0) {
        cpu_self_us = (c1 - c0) * 1e6 / (double)total;
        cpu_svc_us = (s1 - s0) * 1e6 / (double)total;
    }
    return (double)total / el;
}

/* ---- memory per association ------------------------------------------- */

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "re")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static void memory(int count)
{
    kwc *ca, *cb;
    struct kwc_hs_step *si = calloc(1, sizeof(*si)),
                       *sr = calloc(1, sizeof(*sr));
    uint8_t(*hi)[KWC_HANDLE_LEN] = calloc((size_t)count, KWC_HANDLE_LEN);
    uint8_t(*hr)[KWC_HANDLE_LEN] = calloc((size_t)count, KWC_HANDLE_LEN);
    struct kwc_metrics ma0, mb0, ma1, mb1, ma2, mb2;
    long ra0, rb0, ra1, rb1, ra2, rb2;
    double t0 = now();
    uint8_t m[256], pt[256];

    if (si == NULL || sr == NULL || hi == NULL || hr == NULL ||
        kwc_connect(opt.sock_a, &ca) != KWC_OK ||
        kwc_connect(opt.sock_b, &cb) != KWC_OK)
        exit(1);
    ra0 = rss_kib(opt.pid_a);
    rb0 = rss_kib(opt.pid_b);
    kwc_metrics(ca, &ma0);
    kwc_metrics(cb, &mb0);
    for (int i = 0; i < count; i++) {
        size_t ml = sizeof(m), pl = sizeof(pt);
        if (handshake_service(ca, cb, si, sr, true) < 0 ||
            kwc_assoc_seal(cb, sr->handle, (const uint8_t *)"hello", 5, m, &ml,
                           NULL) != KWC_OK ||
            kwc_assoc_open(ca, si->handle, m, ml, pt, &pl, NULL) != KWC_OK) {
            fprintf(stderr, "association %d: %s / %s\n", i, kwc_error(ca),
                    kwc_error(cb));
            exit(1);
        }
        memcpy(hi[i], si->handle, KWC_HANDLE_LEN);
        memcpy(hr[i], sr->handle, KWC_HANDLE_LEN);
    }
    ra1 = rss_kib(opt.pid_a);
    rb1 = rss_kib(opt.pid_b);
    kwc_metrics(ca, &ma1);
    kwc_metrics(cb, &mb1);
    printf("%d associations made in %.1f s (one protected message each "
           "way); per association:\n\n",
           count, now() - t0);
    printf("| keywardd | open | heap (RSS delta) | secure heap | total |\n");
    printf("|---|---|---|---|---|\n");
    for (int s = 0; s < 2; s++) {
        long r0 = s ? rb0 : ra0, r1 = s ? rb1 : ra1;
        const struct kwc_metrics *m0 = s ? &mb0 : &ma0, *m1 = s ? &mb1 : &ma1;
        double heap = (double)(r1 - r0) * 1024.0 / count;
        double sec =
            (double)(m1->secure_heap_used - m0->secure_heap_used) / count;
        printf("| %s | %u | %.0f B | %.0f B | %.0f B |\n",
               s ? "b (responder)" : "a (initiator)", m1->associations_open,
               heap, sec, heap + sec);
    }
    for (int i = 0; i < count; i++) {
        kwc_assoc_close(ca, hi[i]);
        kwc_assoc_close(cb, hr[i]);
    }
    ra2 = rss_kib(opt.pid_a);
    rb2 = rss_kib(opt.pid_b);
    kwc_metrics(ca, &ma2);
    kwc_metrics(cb, &mb2);
    printf("\nAfter closing all: secure heap in use %llu / %llu B (was %llu / "
           "%llu before), RSS %ld / %ld KiB (was %ld / %ld), associations "
           "open %u / %u.\n",
           (unsigned long long)ma2.secure_heap_used,
           (unsigned long long)mb2.secure_heap_used,
           (unsigned long long)ma0.secure_heap_used,
           (unsigned long long)mb0.secure_heap_used, ra2, rb2, ra0, rb0,
           ma2.associations_open, mb2.associations_open);
    printf("\n");
    kwc_free(ca);
    kwc_free(cb);
    free(si);
    free(sr);
    free(hi);
    free(hr);
}

static void row(enum mode m, int t, double r, double base)
{
    printf("| %s | %d | %.0f | %.2f | %.0f | ", mode_names[m], t, r, r / base,
           cpu_self_us);
    if (m == HS_SVC || m == KU_SVC || m == MSG_SVC)
        printf("%.0f |\n", cpu_svc_us);
    else
        printf("- |\n");
}

static void usage(void)
{
    fputs("usage: bench_assoc --a SOCKET --b SOCKET --dir FIXTURE\n"
          "         [--pid-a PID --pid-b PID] [--assocs N] [--seconds S]\n"
          "         [--method M] [--suite S] [--identity NAME]\n"
          "         [--key-a URI --key-b URI --chain-a PEM --chain-b PEM\n"
          "          --ca PEM] [--openssl-conf FILE] [--pin-file FILE]\n"
          "FIXTURE: a directory made by tests/service/assoc-fixture.sh; the\n"
          "in-process handshake loads the same keys (or the URIs given).\n",
          stderr);
}

static char *path(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 1);
    if (p != NULL)
        sprintf(p, "%s%s", a, b);
    return p;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"a", 1, NULL, 'a'},        {"b", 1, NULL, 'b'},
        {"dir", 1, NULL, 'd'},      {"pid-a", 1, NULL, 'p'},
        {"pid-b", 1, NULL, 'q'},    {"assocs", 1, NULL, 'n'},
        {"seconds", 1, NULL, 's'},  {"method", 1, NULL, 'm'},
        {"suite", 1, NULL, 'u'},    {"identity", 1, NULL, 'i'},
        {"key-a", 1, NULL, 'A'},    {"key-b", 1, NULL, 'B'},
        {"chain-a", 1, NULL, 'C'},  {"chain-b", 1, NULL, 'D'},
        {"ca", 1, NULL, 'E'},       {"openssl-conf", 1, NULL, 'o'},
        {"pin-file", 1, NULL, 'P'}, {NULL, 0, NULL, 0}};
    int o, threads[] = {1, 2, 4};
    double base, base_ku, base_msg;

    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'a':
            opt.sock_a = optarg;
            break;
        case 'b':
            opt.sock_b = optarg;
            break;
        case 'd':
            opt.dir = optarg;
            break;
        case 'p':
            opt.pid_a = atoi(optarg);
            break;
        case 'q':
            opt.pid_b = atoi(optarg);
            break;
        case 'n':
            opt.assocs = atoi(optarg);
            break;
        case 's':
            opt.seconds = atof(optarg);
            break;
        case 'm':
            opt.method = atoi(optarg);
            break;
        case 'u':
            opt.suite = atoi(optarg);
            break;
        case 'i':
            opt.identity = optarg;
            break;
        case 'A':
            opt.key_a = optarg;
            break;
        case 'B':
            opt.key_b = optarg;
            break;
        case 'C':
            opt.chain_a = optarg;
            break;
        case 'D':
            opt.chain_b = optarg;
            break;
        case 'E':
            opt.ca = optarg;
            break;
        case 'o':
            opt.openssl_conf = optarg;
            break;
        case 'P':
            opt.pin_file = optarg;
            break;
        default:
            usage();
            return 2;
        }
    }
    if (opt.sock_a == NULL || opt.sock_b == NULL ||
        (opt.dir == NULL && opt.key_a == NULL)) {
        usage();
        return 2;
    }
    if (opt.dir != NULL) {
        char *file = path("file:", opt.dir);
        opt.key_a = opt.key_a ? opt.key_a : path(file, "/a/p256.pem");
        opt.key_b = opt.key_b ? opt.key_b : path(file, "/b/p256.pem");
        opt.chain_a =
            opt.chain_a ? opt.chain_a : path(opt.dir, "/a/p256-chain.pem");
        opt.chain_b =
            opt.chain_b ? opt.chain_b : path(opt.dir, "/b/p256-chain.pem");
        opt.ca = opt.ca ? opt.ca : path(opt.dir, "/pki/ca-cert.pem");
    }
    libctx = OSSL_LIB_CTX_new();
    if (opt.openssl_conf != NULL
            ? !OSSL_LIB_CTX_load_config(libctx, opt.openssl_conf)
            : OSSL_PROVIDER_load(libctx, "default") == NULL) {
        fprintf(stderr, "cannot set up the library context\n");
        return 1;
    }
    ectx = kw_edhoc_ctx_new(libctx, NULL);
    store = X509_STORE_new();
    if (ectx == NULL || store == NULL ||
        X509_STORE_load_file_ex(store, opt.ca, libctx, NULL) != 1 ||
        load_party(&pa, opt.key_a, opt.chain_a) < 0 ||
        load_party(&pb, opt.key_b, opt.chain_b) < 0) {
        fprintf(stderr, "cannot load the keys and certificates\n");
        return 1;
    }

    /* First, while both keywardd are fresh: later runs leave freed heap
     * behind that new associations would reuse unseen. */
    if (opt.assocs > 0 && opt.pid_a > 0 && opt.pid_b > 0)
        memory(opt.assocs);
    printf("EDHOC method %d, suite %d, X.509 chains (x5chain) validated "
           "against a CA; %.1f s per cell.\n\n",
           opt.method, opt.suite, opt.seconds);
    printf("| path | threads | per second | vs in-process, 1 thread | CPU us: "
           "client / in-process | CPU us: both keywardd |\n");
    printf("|---|---|---|---|---|---|\n");
    base = run(HS_LOCAL, 1);
    row(HS_LOCAL, 1, base, base);
    row(HS_LOCAL, 2, run(HS_LOCAL, 2), base);
    for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++)
        row(HS_SVC, threads[i], run(HS_SVC, threads[i]), base);
    base_ku = run(KU_LOCAL, 1);
    row(KU_LOCAL, 1, base_ku, base_ku);
    for (int t = 1; t <= 2; t++)
        row(KU_SVC, t, run(KU_SVC, t), base_ku);
    base_msg = run(MSG_LOCAL, 1);
    row(MSG_LOCAL, 1, base_msg, base_msg);
    for (int t = 1; t <= 4; t *= 2)
        row(MSG_SVC, t, run(MSG_SVC, t), base_msg);
    return 0;
}
