/* SPDX-License-Identifier: Apache-2.0 */
/* bench_svc_token.c: signatures per second with a SoftHSM token key through
 * keywardd (unary Sign and SignBatch), against the keyward provider called
 * in-process and against p11-kit server forwarding the same token (the
 * keyward provider in the client, pointed at p11-kit-client.so): 1, 2 and 8
 * client processes, interleaved rounds, CPU per signature on both sides, and
 * the empty-call floor of both transports.
 *
 * Usage: bench_svc_token --vars FILE --socket SOCK --server-pid PID
 *            --p11kit-pid PID [--seconds S] [--key ec256|rsa2048]
 *            [--only PATH [--clients N]]
 * FILE is the SoftHSM fixture's test-vars file; keywardd at SOCK serves its
 * ec256 and rsa2048 keys under those names; p11-kit server (pid PID) serves
 * the token at $P11_KIT_SERVER_ADDRESS. --key measures one key only; --only
 * runs one path once, for a profiler (direct, sign, batch4, batch, p11kit,
 * empty, p11kit-empty). Each client is its own process, as applications
 * are: p11-kit server runs one p11-kit-remote per connection.
 * This program (not Keyward) calls PKCS#11 directly for the p11-kit floor. */
#include <dirent.h>
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include <p11-kit/pkcs11.h>

#include "bench_util.h"
#include "keyward-client.h"

#define ROUNDS 5
#define MAXCLI 8
#define BATCH  32
#ifndef P11KIT_MODULE_DIR
#define P11KIT_MODULE_DIR "/usr/lib/x86_64-linux-gnu/pkcs11"
#endif
#define P11KIT_CLIENT P11KIT_MODULE_DIR "/p11-kit-client.so"

static double seconds = 2.0;
static const char *sock;
static pid_t kwd_pid, p11kit_pid;

struct key {
    const char *name, *uri_var, *title;
    bool rsa;
};
static const struct key keys[] = {
    {"ec256", "KW_EC256_URI", "ECDSA P-256", false},
    {"rsa2048", "KW_RSA2048_URI", "RSA-2048 PSS (salt = digest length)", true},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Client processes: which way they reach the token. */
enum kind { K_DIRECT, K_P11KIT, K_KWD, NKINDS };
/* M_BATCH4: SignBatch of 4 digests, M_BATCH: of BATCH (the most a call
 * takes). */
enum mode { M_SIGN, M_BATCH4, M_BATCH, M_EMPTY, M_QUIT };

struct cmd {
    int mode, key;
    double seconds;
};
struct res {
    long count;
    double cpu, elapsed;
    int ok;
};

/* ------------------------------------------------------------------ */
/* CPU accounting                                                       */

static double self_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of pid, and its parent pid, from /proc/PID/stat. */
static double proc_cpu(pid_t pid, pid_t *ppid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    int pp = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (p == NULL || (p = strrchr(buf, ')')) == NULL)
        return 0;
    /* After ")": state (3), ppid (4), ... utime (14), stime (15). */
    if (sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &pp,
               &ut, &st) != 3)
        return 0;
    if (ppid != NULL)
        *ppid = (pid_t)pp;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* p11-kit server forks one p11-kit-remote per connection: its CPU is the
 * server's. Found once all clients are connected. */
static pid_t remotes[4 * MAXCLI];
static size_t nremotes;

static void remotes_find(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;

    nremotes = 0;
    while (d != NULL && (e = readdir(d)) != NULL && nremotes < 4 * MAXCLI) {
        pid_t pid = (pid_t)atoi(e->d_name), pp = 0;

        if (pid > 0 && proc_cpu(pid, &pp) >= 0 && pp == p11kit_pid)
            remotes[nremotes++] = pid;
    }
    if (d != NULL)
        closedir(d);
}

static double server_cpu(enum kind k)
{
    double cpu = 0;

    if (k == K_KWD)
        return proc_cpu(kwd_pid, NULL);
    if (k != K_P11KIT)
        return 0;
    cpu = proc_cpu(p11kit_pid, NULL);
    for (size_t i = 0; i < nremotes; i++)
        cpu += proc_cpu(remotes[i], NULL);
    return cpu;
}

/* ------------------------------------------------------------------ */
/* The client processes                                                 */

static EVP_PKEY *pkeys[NKEYS];
static kwc *kc;
static CK_FUNCTION_LIST *p11;
static CK_SESSION_HANDLE p11_session;
static const uint8_t digest[32] = {0x5c, 0x5c, 0x5c, 0x5c};

/* The p11-kit floor: a session of our own on the forwarded token, for
 * C_GetSessionInfo (one round trip that does nothing). */
static bool p11kit_floor_init(void)
{
    CK_C_GetFunctionList get;
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    void *dl = dlopen(P11KIT_CLIENT, RTLD_NOW);

    if (dl == NULL ||
        (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
        get(&p11) != CKR_OK)
        return false;
    /* keyward initialised it already: CKR_CRYPTOKI_ALREADY_INITIALIZED */
    p11->C_Initialize(NULL);
    return p11->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n > 0 &&
           p11->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL,
                              &p11_session) == CKR_OK;
}

static bool client_init(enum kind k)
{
    char v[32];

    if (k == K_KWD)
        return kwc_connect(sock, &kc) == KWC_OK &&
               kwc_version(kc, v, sizeof(v), NULL) == KWC_OK;
    setenv("KEYWARD_PKCS11_MODULE",
           k == K_P11KIT ? P11KIT_CLIENT : bench_var("KW_MODULE"), 1);
    if (OSSL_PROVIDER_load(NULL, "default") == NULL ||
        OSSL_PROVIDER_load(NULL, "keyward") == NULL)
        return false;
    for (size_t i = 0; i < NKEYS; i++)
        if ((pkeys[i] = bench_token_key(keys[i].uri_var, ";type=private")) ==
            NULL)
            return false;
    return k != K_P11KIT || p11kit_floor_init();
}

/* What keywardd does for a Sign of a digest (service/op_sign.c): a fresh
 * EVP_PKEY_CTX with the scheme's parameters, then EVP_PKEY_sign. */
static bool evp_sign(const struct key *key, EVP_PKEY *pk)
{
    OSSL_PARAM p[5], *q = p;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    uint8_t sig[512];
    size_t len = sizeof(sig);
    bool ok;

    if (key->rsa) {
        *q++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                (char *)"pss", 0);
        *q++ = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_MGF1_DIGEST, (char *)"SHA256", 0);
        *q++ = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_PSS_SALTLEN, (char *)"digest", 0);
    }
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    *q = OSSL_PARAM_construct_end();
    ok = pc != NULL && EVP_PKEY_sign_init_ex(pc, p) == 1 &&
         EVP_PKEY_sign(pc, sig, &len, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(pc);
    return ok;
}

/* One operation of the given mode; returns how many signatures (or empty
 * calls) it made, 0 on failure. */
static long client_op(enum kind k, enum mode m, const struct key *key,
                      EVP_PKEY *pk)
{
    enum kwc_scheme scheme =
        key->rsa ? KWC_SCHEME_RSA_PSS_SHA256 : KWC_SCHEME_ECDSA_SHA256;
    static uint8_t sigs[BATCH][KWC_MAX_SIGNATURE];
    uint8_t *sp[BATCH];
    const uint8_t *dp[BATCH];
    size_t dl[BATCH], sl[BATCH], len = KWC_MAX_SIGNATURE;
    char v[32];
    CK_SESSION_INFO si;

    if (k != K_KWD) {
        if (m == M_EMPTY)
            return p11->C_GetSessionInfo(p11_session, &si) == CKR_OK;
        return evp_sign(key, pk);
    }
    switch (m) {
    case M_SIGN:
        return kwc_sign(kc, key->name, scheme, true, digest, sizeof(digest),
                        sigs[0], &len, NULL) == KWC_OK;
    case M_BATCH4:
    case M_BATCH: {
        size_t n = m == M_BATCH ? BATCH : 4;

        for (size_t i = 0; i < n; i++) {
            sp[i] = sigs[i];
            dp[i] = digest;
            dl[i] = sizeof(digest);
        }
        return kwc_sign_batch(kc, key->name, scheme, dp, dl, n, sp, sl) ==
                       KWC_OK
                   ? (long)n
                   : 0;
    }
    default:
        return kwc_version(kc, v, sizeof(v), NULL) == KWC_OK;
    }
}

static _Noreturn void client_main(enum kind k, int in, int out)
{
    struct res r = {.ok = client_init(k)};
    struct cmd c;

    if (!r.ok)
        ERR_print_errors_fp(stderr);
    if (write(out, &r, sizeof(r)) != sizeof(r) || !r.ok)
        _exit(1);
    while (read(in, &c, sizeof(c)) == sizeof(c) && c.mode != M_QUIT) {
        double t0 = bench_now(), c0 = self_cpu(), t;
        long n;

        r.count = 0;
        r.ok = 1;
        while ((t = bench_now()) - t0 < c.seconds) {
            if ((n = client_op(k, (enum mode)c.mode, &keys[c.key],
                               pkeys[c.key])) == 0) {
                fprintf(stderr, "client %d: operation failed: %s\n", (int)k,
                        kc != NULL ? kwc_error(kc) : "EVP/PKCS#11");
                ERR_print_errors_fp(stderr);
                r.ok = 0;
                break;
            }
            r.count += n;
        }
        r.elapsed = t - t0;
        r.cpu = self_cpu() - c0;
        if (write(out, &r, sizeof(r)) != sizeof(r))
            break;
    }
    /* Skip teardown: SoftHSM can crash in C_Finalize at exit. */
    _exit(0);
}

/* ------------------------------------------------------------------ */
/* The parent: starts the clients, runs the rounds                      */

struct client {
    pid_t pid;
    int to, from;
};
static struct client clients[NKINDS][MAXCLI];

/* Starts client i of kind k and waits until it is ready. */
static bool client_start(enum kind k, int i)
{
    struct client *c = &clients[k][i];
    int down[2], up[2];
    struct res r;

    if (pipe(down) != 0)
        return false;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return false;
    }
    if ((c->pid = fork()) == 0) {
        /* Ends with the benchmark, whatever happens to it; holds no
         * other client's pipes, so each sees its own end of file. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        for (int kk = 0; kk < NKINDS; kk++)
            for (int j = 0; j < MAXCLI; j++)
                if (clients[kk][j].pid > 0) {
                    close(clients[kk][j].to);
                    close(clients[kk][j].from);
                }
        close(down[1]);
        close(up[0]);
        client_main(k, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    c->to = down[1];
    c->from = up[0];
    if (c->pid < 0 || read(c->from, &r, sizeof(r)) != sizeof(r) || !r.ok) {
        fprintf(stderr, "client %d/%d did not start\n", (int)k, i);
        return false;
    }
    return true;
}

static bool clients_start(unsigned kinds)
{
    for (int k = 0; k < NKINDS; k++) {
        if (!(kinds & (1u << k)))
            continue;
        /* One at a time: SoftHSM fails some processes that open one file
         * token at the same instant (shared notes, tokens.md). */
        for (int i = 0; i < MAXCLI; i++)
            if (!client_start((enum kind)k, i))
                return false;
    }
    remotes_find();
    return true;
}

static void clients_stop(void)
{
    struct cmd q = {.mode = M_QUIT};

    for (int k = 0; k < NKINDS; k++)
        for (int i = 0; i < MAXCLI; i++) {
            struct client *c = &clients[k][i];

            if (c->pid <= 0)
                continue;
            if (write(c->to, &q, sizeof(q)) != sizeof(q))
                kill(c->pid, SIGTERM);
            close(c->to);
            close(c->from);
            waitpid(c->pid, NULL, 0);
        }
}

/* CPU seconds the whole machine has been busy since boot (/proc/stat):
 * what other processes used during a row is this minus our own. */
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

struct sample {
    double rate, client_us, server_us;
    double others; /* cores busy with other processes meanwhile */
};

/* n clients of kind k run mode m on key for `seconds`, together. */
static int measure(enum kind k, enum mode m, int key, int n, struct sample *s)
{
    struct cmd c = {.mode = m, .key = key, .seconds = seconds};
    double s0 = server_cpu(k), m0 = machine_busy(), t0 = bench_now();
    double cpu = 0, srv;
    long total = 0;

    s->rate = 0;
    for (int i = 0; i < n; i++)
        if (write(clients[k][i].to, &c, sizeof(c)) != sizeof(c))
            return -1;
    for (int i = 0; i < n; i++) {
        struct res r;

        if (read(clients[k][i].from, &r, sizeof(r)) != sizeof(r) || !r.ok)
            return -1;
        total += r.count;
        cpu += r.cpu;
        s->rate += (double)r.count / r.elapsed;
    }
    if (total == 0)
        return -1;
    srv = server_cpu(k) - s0;
    s->client_us = cpu / (double)total * 1e6;
    s->server_us = srv / (double)total * 1e6;
    s->others = (machine_busy() - m0 - cpu - srv) / (bench_now() - t0);
    if (s->others < 0)
        s->others = 0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double v[ROUNDS])
{
    double s[ROUNDS];

    memcpy(s, v, sizeof(s));
    qsort(s, ROUNDS, sizeof(s[0]), cmp_double);
    return s[ROUNDS / 2];
}

struct path {
    const char *title;
    enum kind kind;
    enum mode mode;
};

static const int ncli[] = {1, 2, 8};
#define NN (sizeof(ncli) / sizeof(ncli[0]))

/* Rounds of all paths back to back per client count; a path's ratio is the
 * median over rounds of its rate over the first path's in that round. */
static int table(const char *title, const char *unit, const struct path *p,
                 int np, int key)
{
    struct sample s[5][ROUNDS];
    double base1 = 0;

    printf("\n%s\n%-26s %3s %9s %8s %8s %9s %9s %9s %6s\n", title, "path",
           "cli", unit, "vs 1st", "vs 1st-1", "client_us", "server_us",
           "total_us", "others");
    for (size_t ni = 0; ni < NN; ni++) {
        int n = ncli[ni];

        for (int r = 0; r < ROUNDS; r++)
            for (int i = 0; i < np; i++)
                if (measure(p[i].kind, p[i].mode, key, n, &s[i][r]) != 0) {
                    fprintf(stderr, "%s, %d clients: failed\n", p[i].title, n);
                    return -1;
                }
        for (int i = 0; i < np; i++) {
            double rate[ROUNDS], ratio[ROUNDS], cu[ROUNDS], su[ROUNDS],
                ot[ROUNDS], mr;

            for (int r = 0; r < ROUNDS; r++) {
                rate[r] = s[i][r].rate;
                ratio[r] = s[i][r].rate / s[0][r].rate;
                cu[r] = s[i][r].client_us;
                su[r] = s[i][r].server_us;
                ot[r] = s[i][r].others;
            }
            mr = median(rate);
            if (i == 0 && n == 1)
                base1 = mr;
            printf("%-26s %3d %9.0f %8.3f %8.3f %9.1f %9.1f %9.1f %6.2f\n",
                   p[i].title, n, mr, median(ratio), mr / base1, median(cu),
                   median(su), median(cu) + median(su), median(ot));
        }
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct path sign_paths[] = {
        {"in-process (keyward)", K_DIRECT, M_SIGN},
        {"keywardd Sign", K_KWD, M_SIGN},
        {"keywardd SignBatch(4)", K_KWD, M_BATCH4},
        {"keywardd SignBatch(32)", K_KWD, M_BATCH},
        {"p11-kit server", K_P11KIT, M_SIGN},
    };
    static const struct path empty_paths[] = {
        {"keywardd GetVersion", K_KWD, M_EMPTY},
        {"p11-kit C_GetSessionInfo", K_P11KIT, M_EMPTY},
    };
    static const struct path all_paths[] = {
        {"direct", K_DIRECT, M_SIGN},        {"sign", K_KWD, M_SIGN},
        {"batch", K_KWD, M_BATCH},           {"batch4", K_KWD, M_BATCH4},
        {"p11kit", K_P11KIT, M_SIGN},        {"empty", K_KWD, M_EMPTY},
        {"p11kit-empty", K_P11KIT, M_EMPTY},
    };
    const struct path *only = NULL;
    int only_n = 1, only_key = 0, key_given = 0;
    char *rest[8];
    int nrest = 0, rc = 1;

    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            sock = argv[++i];
        else if (strcmp(argv[i], "--server-pid") == 0 && i + 1 < argc)
            kwd_pid = (pid_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--p11kit-pid") == 0 && i + 1 < argc)
            p11kit_pid = (pid_t)atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            i++;
            for (size_t p = 0; p < sizeof(all_paths) / sizeof(all_paths[0]);
                 p++)
                if (strcmp(argv[i], all_paths[p].title) == 0)
                    only = &all_paths[p];
            if (only == NULL) {
                fprintf(stderr, "unknown path %s\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
            only_n = atoi(argv[++i]);
            if (only_n < 1 || only_n > MAXCLI)
                return 2;
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            only_key = strcmp(argv[++i], "rsa2048") == 0;
            key_given = 1;
        } else if (nrest < 7)
            rest[nrest++] = argv[i];
    }
    rest[nrest] = NULL;
    if (sock == NULL || kwd_pid <= 0 || p11kit_pid <= 0 ||
        getenv("P11_KIT_SERVER_ADDRESS") == NULL) {
        fprintf(stderr, "usage: bench_svc_token --vars FILE --socket SOCK "
                        "--server-pid PID --p11kit-pid PID [--seconds S]\n"
                        "with P11_KIT_SERVER_ADDRESS set to p11-kit server's "
                        "address\n");
        return 2;
    }
    /* Every process on the fixture's token itself, as keywardd and p11-kit
     * server are (no private copy per process). */
    setenv("KW_SHARED_TOKEN", "1", 1);
    if (!bench_init(nrest, rest, &seconds))
        return 2;
    signal(SIGPIPE, SIG_IGN);
    fflush(stdout);
    if (only != NULL) {
        struct sample one;

        if (!clients_start(1u << only->kind) ||
            measure(only->kind, only->mode, only_key, only_n, &one) != 0)
            goto out;
        printf("%s, %d clients, %s: %.0f/s, client %.1f us, server %.1f us, "
               "others %.2f cores\n",
               only->title, only_n, keys[only_key].name, one.rate,
               one.client_us, one.server_us, one.others);
        rc = 0;
        goto out;
    }
    if (!clients_start((1u << NKINDS) - 1))
        goto out;
    printf("# SoftHSM token key, %d client processes per row at most; %d "
           "alternating rounds\n# of %.1f s per path; medians. vs 1st: "
           "against the first path with as many\n# clients (per-round "
           "ratio); vs 1st-1: against the first path with one client.\n"
           "# CPU in microseconds per signature (per call for the floor); "
           "server: keywardd,\n# or p11-kit server and its %zu p11-kit-remote "
           "processes. others: cores busy with other\n# processes meanwhile "
           "(from /proc/stat; 0 on an idle machine).\n",
           MAXCLI, ROUNDS, seconds, nremotes);
    for (size_t k = 0; k < NKEYS; k++) {
        if (key_given && (int)k != only_key)
            continue;
        char title[128];

        snprintf(title, sizeof(title), "key %s: %s", keys[k].name,
                 keys[k].title);
        if (table(title, "sig/s", sign_paths, 5, (int)k) != 0)
            goto out;
    }
    if (table("empty-call floor", "calls/s", empty_paths, 2, 0) != 0)
        goto out;
    rc = 0;
out:
    clients_stop();
    return rc;
}
