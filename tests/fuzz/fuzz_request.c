/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_request.c: libFuzzer entry point over keywardd's request decoding,
 * policy and dispatch (all methods). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "edhoc.h"
#include "svc.h"

/* Input: byte 0 picks the method, byte 1 the caller (uid 0 or 65534),
 * the rest is the encoded request. 16 bytes of 0xAA in a request stand for
 * a live session handle, so the session paths are reachable. */
#define MAGIC_HANDLE 0xAA

static struct svc_state st;
static char dir[64];
static uint8_t live_handle[SVC_HANDLE_LEN];
static bool ready;

static bool write_key(const char *name, EVP_PKEY *pk)
{
    char path[128];
    FILE *f;
    bool ok;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "we");
    ok = f != NULL &&
         PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) == 1;
    if (f != NULL)
        fclose(f);
    EVP_PKEY_free(pk);
    return ok;
}

static void cleanup(void)
{
    char cmd[128];
    if (!ready)
        return;
    svc_state_cleanup(&st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* A CCS (kid 01) for the EC key: the credential of identity "id". */
static bool write_ccs(void)
{
    char path[128];
    EVP_PKEY *pk;
    FILE *f;
    uint8_t *ccs = NULL, kid = 1;
    size_t len = 0;
    bool ok;

    snprintf(path, sizeof(path), "%s/ec.pem", dir);
    if ((f = fopen(path, "re")) == NULL)
        return false;
    pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ok = pk != NULL && kw_edhoc_ccs_build(pk, "fuzz", &kid, 1, &ccs, &len) == 0;
    EVP_PKEY_free(pk);
    snprintf(path, sizeof(path), "%s/ec.ccs", dir);
    if (ok && (f = fopen(path, "we")) != NULL) {
        ok = fwrite(ccs, 1, len, f) == len;
        fclose(f);
    } else {
        ok = false;
    }
    OPENSSL_free(ccs);
    return ok;
}

static bool setup(void)
{
    char path[128], err[256];
    FILE *f;
    struct svc_config *cfg;

    snprintf(dir, sizeof(dir), "/tmp/kwfz-XXXXXX");
    if (mkdtemp(dir) == NULL || !write_key("ec.pem", EVP_EC_gen("P-256")) ||
        !write_ccs() ||
        !write_key("ed.pem", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) ||
        !write_key("rsa.pem", EVP_RSA_gen(1024)))
        return false;
    snprintf(path, sizeof(path), "%s/k.conf", dir);
    if ((f = fopen(path, "we")) == NULL)
        return false;
    fprintf(f,
            "socket = { path = \"%s/s\"; };\naudit = \"none\";\n"
            "keys = ( { name = \"ec\"; uri = \"file:%s/ec.pem\"; },\n"
            "         { name = \"ed\"; uri = \"file:%s/ed.pem\"; },\n"
            "         { name = \"rsa\"; uri = \"file:%s/rsa.pem\"; } );\n"
            "identities = ( { name = \"id\"; key = \"ec\"; ccs = "
            "\"%s/ec.ccs\";\n"
            "    peer_credentials = [ \"%s/ec.ccs\" ]; peers = [ \"kid:*\" ];"
            " methods = [ 0, 3 ]; } );\n"
            "policy = ( { uids = [ 0 ]; keys = [ \"ec\", \"ed\", \"rsa\" ];\n"
            "             operations = [ \"all\" ]; },\n"
            "           { uids = [ 0 ]; identities = [ \"id\" ];\n"
            "             operations = [ \"all\" ]; },\n"
            "           { uids = [ 65534 ]; keys = [ \"ec\" ];\n"
            "             operations = [ \"public\" ]; } );\n"
            "metrics = { uids = [ 0 ]; };\n"
            "sessions = { max = 64; max_per_uid = 64; max_seals = 1000; };\n"
            "associations = { max = 64; max_handshakes = 16; };\n",
            dir, dir, dir, dir, dir, dir);
    fclose(f);
    cfg = svc_config_load(path, NULL, err, sizeof(err));
    if (cfg == NULL) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        return false;
    }
    if (svc_state_init(&st, cfg) != 0)
        return false;
    atexit(cleanup);
    ready = true;
    return true;
}

/* Keeps one live session of uid 0 to stand behind the magic handle. */
static void ensure_session(void)
{
    static const uint8_t secret[32] = {1, 2, 3};
    char msg[128];
    if (svc_sessions_count(st.sessions) > 0)
        return;
    svc_session_create(st.sessions, &st.cfg->limits, 0, "ec", secret,
                       sizeof(secret), SVC_AEAD_AES_256_GCM, SVC_ROLE_INITIATOR,
                       live_handle, msg, sizeof(msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct svc_caller who = {.uid = 0, .gid = 0, .pid = 1};
    uint8_t *req, *out = NULL;
    size_t outlen = 0, m;
    char msg[256];
    int status;

    if (!ready && !setup())
        abort();
    if (size < 2)
        return 0;
    m = data[0] % svc_nmethods;
    if (data[1] & 1)
        who.uid = who.gid = 65534;
    req = malloc(size - 2 + 1);
    memcpy(req, data + 2, size - 2);
    ensure_session();
    for (size_t i = 0; i + SVC_HANDLE_LEN <= size - 2; i++) {
        size_t j = 0;
        while (j < SVC_HANDLE_LEN && req[i + j] == MAGIC_HANDLE)
            j++;
        if (j == SVC_HANDLE_LEN)
            memcpy(req + i, live_handle, SVC_HANDLE_LEN);
    }
    status = svc_dispatch(&st, m, &who, req, size - 2, &out, &outlen, msg,
                          sizeof(msg));
    /* Every answer is a status in gRPC's range, with a message unless OK. */
    if (status < SVC_OK || status > SVC_UNAUTHENTICATED ||
        (status != SVC_OK && msg[0] == '\0') ||
        (status == SVC_OK) != (out != NULL))
        abort();
    svc_dispatch_free(out, outlen);
    free(req);
    return 0;
}
