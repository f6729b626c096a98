/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: keywardd's entry point: configuration, signals (HUP reload, TERM
 * drain), start and orderly stop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "svc.h"

/* Room for the keys of sessions.max (8192) sessions, 128 bytes each, and of
 * associations.max (16384) associations, 256 bytes each (5 MiB), with
 * OpenSSL's own secure allocations (ephemeral EDHOC keys) beside them. */
#define SECURE_HEAP_SIZE (8u << 20)

static void usage(FILE *f)
{
    fputs("Usage: keywardd [-c FILE] [-t]\n"
          "  -c FILE   configuration (default /etc/keyward/keywardd.conf)\n"
          "  -t        check the configuration (loads every key) and exit\n",
          f);
}

static void reload(struct svc_state *st, const char *path)
{
    char err[512];
    struct svc_config *cfg, *old;

    sd_notify(0, "RELOADING=1");
    cfg = svc_config_load(path, st->libctx, err, sizeof(err));
    if (cfg == NULL) {
        svc_log("reload rejected, keeping the running configuration: %s", err);
        sd_notify(0, "READY=1\nSTATUS=reload rejected: configuration error");
        return;
    }
    old = svc_state_config_get1(st);
    if (strcmp(old->socket_path, cfg->socket_path) != 0 ||
        old->workers != cfg->workers)
        svc_log("socket and workers change only on restart");
    if (strcmp(old->providers_text, cfg->providers_text) != 0)
        svc_log("providers change only on restart: keys load through the "
                "running ones");
    svc_config_free(old);
    svc_state_config_set(st, cfg);
    svc_log("configuration reloaded (generation %u, %zu keys)", cfg->generation,
            cfg->nkeys);
    sd_notify(0, "READY=1\nSTATUS=serving");
}

int main(int argc, char **argv)
{
    const char *path = "/etc/keyward/keywardd.conf";
    bool check = false;
    char err[512];
    struct svc_state st = {0};
    struct svc_config *cfg;
    struct svc_rpc *rpc = NULL;
    struct svc_listener *lis = NULL;
    sigset_t set;
    unsigned drain;
    int opt, sig, rc = 1;

    while ((opt = getopt(argc, argv, "c:th")) != -1) {
        switch (opt) {
        case 'c':
            path = optarg;
            break;
        case 't':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    /* Block before any thread exists (gRPC's inherit the mask). */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Session keys live on the secure heap (mlock'd, no core dumps). */
    switch (CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE, 16)) {
    case 1:
        break;
    case 2:
        svc_log("secure heap not locked in memory (mlock limit under %u "
                "MiB?): keys may be swapped; raise LimitMEMLOCK",
                SECURE_HEAP_SIZE >> 20);
        break;
    default:
        svc_log("no secure heap: session keys use the ordinary heap");
    }
    cfg = svc_config_load(path, NULL, err, sizeof(err));
    if (cfg == NULL) {
        svc_log("%s", err);
        goto out_heap;
    }
    if (check) {
        printf("keywardd: %s OK (%zu keys, %zu policy rules)\n", path,
               cfg->nkeys, cfg->nrules);
        svc_config_free(cfg);
        CRYPTO_secure_malloc_done();
        return 0;
    }
    drain = cfg->drain_timeout_s;
    if (svc_state_init(&st, cfg) != 0 || svc_peers_init() != 0) {
        svc_log("out of memory");
        goto out_state;
    }
    svc_rpc_global_init();
    if (svc_rpc_start(&st, cfg->workers, &rpc) != 0)
        goto out_grpc;
    if (svc_listener_start(cfg, svc_rpc_adopt, rpc, &lis) != 0)
        goto out_rpc;
    svc_log("serving on %s (%zu keys, %u workers)", svc_listener_name(lis),
            cfg->nkeys, cfg->workers);
    sd_notify(0, "READY=1\nSTATUS=serving");

    for (;;) {
        struct timespec tick = {.tv_sec = 1};
        sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGHUP) {
            reload(&st, path);
        } else if (sig == SIGTERM || sig == SIGINT) {
            break;
        } else if (sig < 0 && errno == EAGAIN) {
            svc_sessions_sweep(st.sessions);
            svc_assocs_sweep(st.assocs);
        }
    }
    svc_log("stopping: draining calls in flight");
    sd_notify(0, "STOPPING=1");
    rc = 0;
    /* Order: stop accepting and unlink the socket, drain the server, then
     * free what the calls used. */
    svc_listener_stop(lis);
out_rpc:
    if (svc_rpc_stop(rpc, drain) != 0)
        _exit(1); /* a handler is still inside a key operation */
out_grpc:
    svc_rpc_global_shutdown();
out_state:
    svc_peers_cleanup();
    svc_state_cleanup(&st); /* wipes every session key */
out_heap:
    CRYPTO_secure_malloc_done();
    if (rc == 0)
        svc_log("stopped");
    return rc;
}
