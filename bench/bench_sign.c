/* SPDX-License-Identifier: Apache-2.0 */
/* bench_sign.c: signatures per second through keywardd (unary, batch,
 * empty-call floor) against the same key via EVP in-process. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "keyward-client.h"

#define BATCH 32

enum mode { M_EVP, M_UNARY, M_BATCH, M_EMPTY };
static const char *const mode_names[] = {"in-process EVP", "keywardd Sign",
                                         "keywardd SignBatch(32)",
                                         "keywardd empty call"};

static struct {
    const char *sock, *key, *uri, *openssl_conf, *pin_file;
    double seconds;
    pid_t server;
} opt = {.seconds = 2.0};

static EVP_PKEY *pkey;
static OSSL_LIB_CTX *libctx;
static atomic_bool stop;
static uint8_t digest[32];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* keywardd's CPU seconds (utime + stime from /proc/PID/stat). */
static double server_cpu(void)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    if (opt.server <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)opt.server);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (p == NULL || (p = strrchr(buf, ')')) == NULL)
        return 0;
    /* Fields after ")": state is field 3; utime 14, stime 15. */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int evp_sign_once(EVP_PKEY_CTX *pc)
{
    uint8_t sig[1024];
    size_t siglen = sizeof(sig);
    return EVP_PKEY_sign(pc, sig, &siglen, digest, sizeof(digest)) == 1 ? 0
                                                                        : -1;
}

static void *worker(void *arg)
{
    enum mode m = *(enum mode *)arg;
    long done = 0;
    kwc *c = NULL;
    EVP_PKEY_CTX *pc = NULL;
    uint8_t sigs[BATCH][KWC_MAX_SIGNATURE];
    uint8_t *sp[BATCH];
    const uint8_t *dp[BATCH];
    size_t dl[BATCH], sl[BATCH], siglen;
    char v[32];

    for (int i = 0; i < BATCH; i++) {
        sp[i] = sigs[i];
        dp[i] = digest;
        dl[i] = sizeof(digest);
    }
    if (m == M_EVP) {
        pc = EVP_PKEY_CTX_new_from_pkey(libctx, pkey, NULL);
        if (pc == NULL || EVP_PKEY_sign_init(pc) != 1 ||
            (EVP_PKEY_is_a(pkey, "RSA") &&
             EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1) ||
            EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) != 1)
            goto fail;
    } else if (kwc_connect(opt.sock, &c) != KWC_OK ||
               kwc_version(c, v, sizeof(v), NULL) != KWC_OK) {
        goto fail;
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int rc;
        switch (m) {
        case M_EVP:
            rc = evp_sign_once(pc);
            done++;
            break;
        case M_UNARY:
            rc = kwc_sign(c, opt.key, KWC_SCHEME_DEFAULT, true, digest,
                          sizeof(digest), sigs[0], &siglen, NULL);
            done++;
            break;
        case M_BATCH:
            rc = kwc_sign_batch(c, opt.key, KWC_SCHEME_DEFAULT, dp, dl, BATCH,
                                sp, sl);
            done += BATCH;
            break;
        default:
            rc = kwc_version(c, v, sizeof(v), NULL);
            done++;
            break;
        }
        if (rc != 0) {
            fprintf(stderr, "%s failed: %s\n", mode_names[m],
                    c ? kwc_error(c) : "EVP_PKEY_sign");
            goto fail;
        }
    }
    EVP_PKEY_CTX_free(pc);
    kwc_free(c);
    return (void *)done;
fail:
    EVP_PKEY_CTX_free(pc);
    kwc_free(c);
    return (void *)-1L;
}

struct result {
    double ops, client_us, server_us;
};

static int run(enum mode m, int threads, struct result *r)
{
    pthread_t th[16];
    double t0, t1, c0, c1, s0, s1;
    long total = 0;
    struct timespec ts = {
        .tv_sec = (time_t)opt.seconds,
        .tv_nsec = (long)((opt.seconds - (double)(time_t)opt.seconds) * 1e9)};

    atomic_store(&stop, false);
    t0 = now();
    c0 = self_cpu();
    s0 = server_cpu();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, &m);
    nanosleep(&ts, NULL);
    atomic_store(&stop, true);
    for (int i = 0; i < threads; i++) {
        void *n;
        pthread_join(th[i], &n);
        if ((long)n < 0)
            return -1;
        total += (long)n;
    }
    t1 = now();
    c1 = self_cpu();
    s1 = server_cpu();
    r->ops = (double)total / (t1 - t0);
    r->client_us = total ? (c1 - c0) / (double)total * 1e6 : 0;
    r->server_us = total ? (s1 - s0) / (double)total * 1e6 : 0;
    return 0;
}

static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    FILE *f = fopen(u, "re");
    int n;
    (void)rwflag;
    if (f == NULL)
        return -1;
    n = (int)fread(buf, 1, (size_t)size, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    return n;
}

/* The same key the service uses, by URI through OSSL_STORE. */
static int load_key(void)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
    OSSL_STORE_CTX *sc;
    libctx = OSSL_LIB_CTX_new();
    if (opt.openssl_conf != NULL &&
        !OSSL_LIB_CTX_load_config(libctx, opt.openssl_conf))
        return -1;
    sc = OSSL_STORE_open_ex(opt.uri, libctx, NULL, opt.pin_file ? ui : NULL,
                            (void *)opt.pin_file, NULL, NULL, NULL);
    while (sc != NULL && pkey == NULL && !OSSL_STORE_eof(sc)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(sc);
        if (info != NULL &&
            OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(sc);
    UI_destroy_method(ui);
    return pkey != NULL ? 0 : -1;
}

static void usage(void)
{
    fputs("Usage: bench_sign --socket SOCK --key NAME --uri URI [--server-pid "
          "PID]\n"
          "                  [--openssl-conf FILE] [--pin-file FILE] "
          "[--seconds S]\n"
          "Signs a SHA-256 digest with key NAME through keywardd at SOCK (1, "
          "2, 8\n"
          "clients; unary and 32-per-call batch; an empty call for the floor) "
          "and\n"
          "with the same key loaded in-process from URI (OSSL_STORE + EVP).\n"
          "--server-pid lets it report keywardd's CPU per call.\n",
          stderr);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"socket", 1, NULL, 's'},       {"key", 1, NULL, 'k'},
        {"uri", 1, NULL, 'u'},          {"server-pid", 1, NULL, 'p'},
        {"openssl-conf", 1, NULL, 'c'}, {"pin-file", 1, NULL, 'P'},
        {"seconds", 1, NULL, 't'},      {NULL, 0, NULL, 0}};
    static const int clients[] = {1, 2, 8};
    struct result base, r;
    int o;

    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 's':
            opt.sock = optarg;
            break;
        case 'k':
            opt.key = optarg;
            break;
        case 'u':
            opt.uri = optarg;
            break;
        case 'p':
            opt.server = (pid_t)atoi(optarg);
            break;
        case 'c':
            opt.openssl_conf = optarg;
            break;
        case 'P':
            opt.pin_file = optarg;
            break;
        case 't':
            opt.seconds = atof(optarg);
            break;
        default:
            usage();
            return 2;
        }
    }
    if (opt.sock == NULL || opt.key == NULL || opt.uri == NULL) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    memset(digest, 0x5c, sizeof(digest));
    if (load_key() != 0) {
        fprintf(stderr, "cannot load %s in-process\n", opt.uri);
        return 1;
    }
    printf("key %s (%s), %.1f s per row, %ld CPUs\n", opt.key, opt.uri,
           opt.seconds, sysconf(_SC_NPROCESSORS_ONLN));
    printf("%-24s %7s %12s %9s %12s %12s\n", "path", "clients", "ops/s",
           "vs EVP-1", "client_us", "server_us");
    if (run(M_EVP, 1, &base) != 0)
        return 1;
    for (enum mode m = M_EVP; m <= M_EMPTY; m++)
        for (size_t i = 0; i < sizeof(clients) / sizeof(clients[0]); i++) {
            if (m == M_EVP && i == 0)
                r = base;
            else if (run(m, clients[i], &r) != 0)
                return 1;
            {
                char srv[24] = "-";
                if (m != M_EVP && opt.server > 0)
                    snprintf(srv, sizeof(srv), "%.1f", r.server_us);
                printf("%-24s %7d %12.0f %9.2f %12.1f %12s\n", mode_names[m],
                       clients[i], r.ops, r.ops / base.ops, r.client_us, srv);
            }
            fflush(stdout);
        }
    EVP_PKEY_free(pkey);
    OSSL_LIB_CTX_free(libctx);
    return 0;
}
