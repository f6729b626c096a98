/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_edhoc.c: libFuzzer harness for EDHOC message, credential and container
 * parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edhoc_local.h"
#include "pmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The first input byte picks the parser, the rest is its input:
 *   0  a responder (methods 0-3, suites 2 and 3) given message_1
 *   1  an initiator (method 3, suite 2) that sent message_1, given
 *      message_2 or an error message
 *   2  kw_edhoc_ccs_parse
 *   3  ID_CRED_x map parsing
 *   4  kw_pmsg_open on a fresh association (RFC 9529 trace 1 PRK_out)
 * Nothing may crash, leak or read out of bounds; a random message_2 must
 * never complete a handshake.
 */
static kw_edhoc_ctx *ctx;
static EVP_PKEY *key;
static const uint8_t kid = 0x2b;
static uint8_t id_cred[4] = {0xa1, 0x04, 0x41, 0x2b};
/* any valid CCS will do as the local credential */
static const uint8_t ccs[] = {0xa1, 0x08, 0xa1, 0x01, 0xa1, 0x01, 0x02};

static int no_cred(void *arg, const kw_edhoc_id_cred *id,
                   kw_edhoc_peer_cred *out)
{
    (void)arg, (void)id, (void)out;
    return KW_EDHOC_E_UNKNOWN_CRED;
}

static void setup(void)
{
    if (ctx != NULL)
        return;
    ctx = kw_edhoc_ctx_new(NULL, NULL);
    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (ctx == NULL || key == NULL)
        abort();
}

static kw_edhoc *session(int role)
{
    static const int suites[] = {2, 3};
    kw_edhoc_config c;

    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.role = role;
    c.method = 3;
    c.methods = 0xf;
    c.suites = suites;
    c.n_suites = 2;
    c.initial_suite = -1;
    c.local.auth_key = key;
    c.local.cred = ccs;
    c.local.cred_len = sizeof(ccs);
    c.local.id_cred = id_cred;
    c.local.id_cred_len = sizeof(id_cred);
    c.conn_id = &kid;
    c.conn_id_len = 1;
    c.cred_cb = no_cred;
    return kw_edhoc_new(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *out, *k;
    size_t out_len, n;
    kw_edhoc *s;

    if (size < 1)
        return 0;
    setup();
    switch (data[0]) {
    case 0:
        if ((s = session(KW_EDHOC_RESPONDER)) == NULL)
            abort();
        kw_edhoc_step(s, data + 1, size - 1, &out, &out_len);
        kw_edhoc_free(s);
        break;
    case 1:
        if ((s = session(KW_EDHOC_INITIATOR)) == NULL ||
            kw_edhoc_step(s, NULL, 0, &out, &out_len) != KW_EDHOC_OK)
            abort();
        kw_edhoc_step(s, data + 1, size - 1, &out, &out_len);
        if (kw_edhoc_is_complete(s))
            abort(); /* no credential is known: cannot succeed */
        kw_edhoc_free(s);
        break;
    case 2: {
        char *sub = NULL;
        EVP_PKEY *pub = NULL;

        if (kw_edhoc_ccs_parse(data + 1, size - 1, NULL, NULL, &k, &n, &sub,
                               &pub) == KW_EDHOC_OK &&
            pub == NULL)
            abort();
        OPENSSL_free(sub);
        EVP_PKEY_free(pub);
        break;
    }
    case 3: {
        kw_edhoc_id_cred id;

        edhoc_id_cred_parse(data + 1, size - 1, &id);
        break;
    }
    case 4: {
        static const uint8_t prk[32] = {
            /* RFC 9529 trace 1 PRK_out */
            0xb7, 0x44, 0xcb, 0x7d, 0x8a, 0x87, 0xcc, 0x04, 0x47, 0xc3, 0x35,
            0x0e, 0x16, 0x5b, 0x25, 0x0d, 0xab, 0x12, 0xec, 0x45, 0x33, 0x25,
            0xab, 0xb9, 0x22, 0xb3, 0x03, 0x07, 0xe5, 0xc3, 0x68, 0xf0};
        static const uint8_t c_i = 0x2d, c_r = 0x18;
        uint8_t pt[4096];
        size_t pt_len = sizeof(pt);
        unsigned flags;
        kw_pmsg *p = kw_pmsg_new(ctx, KW_EDHOC_RESPONDER, 0, prk, &c_i, 1, &c_r,
                                 1, NULL);

        if (p == NULL)
            abort();
        kw_pmsg_peek_kid(data + 1, size - 1, &k, &n);
        kw_pmsg_open(p, data + 1, size - 1, pt, &pt_len, &flags);
        kw_pmsg_free(p);
        break;
    }
    default:
        break;
    }
    return 0;
}
