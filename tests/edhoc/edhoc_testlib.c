/* SPDX-License-Identifier: Apache-2.0 */
/* edhoc_testlib.c: helpers shared by the EDHOC tests. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "edhoc_testlib.h"
#include "testutil.h"

static uint8_t *arena[256];
static size_t arena_n;

const uint8_t *hx(const char *hex, size_t *len)
{
    uint8_t *p = tu_hex(hex, len);

    if (p == NULL || arena_n == sizeof(arena) / sizeof(arena[0])) {
        fprintf(stderr, "hx: out of space\n");
        abort();
    }
    arena[arena_n++] = p;
    return p;
}

void hx_reset(void)
{
    while (arena_n > 0)
        free(arena[--arena_n]);
}

static int from_cert(const struct tl_cred *c, kw_edhoc_peer_cred *out)
{
    const uint8_t *p = c->cert;
    X509 *x = d2i_X509(NULL, &p, (long)c->cert_len);
    int rv = KW_EDHOC_E_PEER_REJECTED;

    if (x == NULL)
        return rv;
    out->pubkey = X509_get_pubkey(x);
    out->identity = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
    if (out->pubkey != NULL &&
        kw_edhoc_cred_x509(c->cert, c->cert_len, &out->cred, &out->cred_len) ==
            KW_EDHOC_OK)
        rv = KW_EDHOC_OK;
    X509_free(x);
    return rv;
}

static int from_ccs(const struct tl_cred *c, kw_edhoc_peer_cred *out)
{
    const uint8_t *kid;
    size_t kid_len;

    if (kw_edhoc_ccs_parse(c->ccs, c->ccs_len, NULL, NULL, &kid, &kid_len,
                           &out->identity, &out->pubkey) != KW_EDHOC_OK)
        return KW_EDHOC_E_PEER_REJECTED;
    if ((out->cred = OPENSSL_memdup(c->ccs, c->ccs_len)) == NULL)
        return KW_EDHOC_E_NOMEM;
    out->cred_len = c->ccs_len;
    return KW_EDHOC_OK;
}

static void clear_out(kw_edhoc_peer_cred *out)
{
    OPENSSL_free(out->cred);
    EVP_PKEY_free(out->pubkey);
    OPENSSL_free(out->identity);
    memset(out, 0, sizeof(*out));
}

int tl_cred_cb(void *arg, const kw_edhoc_id_cred *id, kw_edhoc_peer_cred *out)
{
    struct tl_creds *db = arg;
    int rv = KW_EDHOC_E_UNKNOWN_CRED;

    db->calls++;
    if (id->x5chain_n > 0) {
        if (db->store == NULL)
            return KW_EDHOC_E_PEER_REJECTED;
        rv = kw_edhoc_x509_verify(id->x5chain, id->x5chain_len, id->x5chain_n,
                                  db->store, NULL, NULL, &out->identity,
                                  &out->pubkey);
        if (rv == KW_EDHOC_OK)
            rv = kw_edhoc_cred_x509(id->x5chain[0], id->x5chain_len[0],
                                    &out->cred, &out->cred_len);
    } else {
        for (size_t i = 0; i < db->n; i++) {
            const struct tl_cred *c = &db->c[i];

            if (id->has_kid && c->ccs != NULL && c->kid_len == id->kid_len &&
                memcmp(c->kid, id->kid, id->kid_len) == 0) {
                rv = from_ccs(c, out);
                break;
            }
            if (id->has_x5t && c->cert != NULL &&
                kw_edhoc_x5t_matches(id->x5t_alg, id->x5t, id->x5t_len, c->cert,
                                     c->cert_len)) {
                rv = from_cert(c, out);
                break;
            }
        }
    }
    if (rv == KW_EDHOC_OK && db->deny_subject != NULL &&
        out->identity != NULL && strstr(out->identity, db->deny_subject))
        rv = KW_EDHOC_E_PEER_REJECTED;
    if (rv != KW_EDHOC_OK)
        clear_out(out);
    return rv;
}

int tl_handshake(kw_edhoc *init, kw_edhoc *resp, int tamper)
{
    kw_edhoc *from = init, *to = resp;
    const uint8_t *out;
    size_t out_len;
    uint8_t buf[4096];
    int rv, msg = 1;

    rv = kw_edhoc_step(init, NULL, 0, &out, &out_len);
    while (rv == KW_EDHOC_OK && out_len > 0) {
        if (out_len > sizeof(buf))
            return KW_EDHOC_E_NOMEM;
        memcpy(buf, out, out_len);
        if (msg == tamper)
            buf[out_len - 1] ^= 0x01;
        rv = kw_edhoc_step(to, buf, out_len, &out, &out_len);
        kw_edhoc *t = from;
        from = to;
        to = t;
        msg++;
    }
    if (rv == KW_EDHOC_OK &&
        (!kw_edhoc_is_complete(init) || !kw_edhoc_is_complete(resp)))
        return KW_EDHOC_E_STATE;
    return rv;
}
