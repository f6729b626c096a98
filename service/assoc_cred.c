/* SPDX-License-Identifier: Apache-2.0 */
/* assoc_cred.c: the EDHOC callbacks of an association: the peer's credential
 * against the identity's trust anchors, known peers and peer policy; EAD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "assoc_local.h"
#include "keyward/v1/keyward.pb.h"

static void kid_hex(const uint8_t *kid, size_t len, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < len && o + 3 <= outlen; i++, o += 2)
        snprintf(out + o, 3, "%02x", kid[i]);
}

/* A certificate chain (leaf first) against the identity's trust anchors. */
static int cert_check(struct assoc *a, const uint8_t *const *certs,
                      const size_t *lens, size_t n, kw_edhoc_peer_cred *out)
{
    char *subject = NULL;

    if (a->id->trust == NULL) {
        assoc_why(a,
                  "identity '%s' has no trust_anchors: no certificate is "
                  "trusted",
                  a->ident);
        return KW_EDHOC_E_PEER_REJECTED;
    }
    if (kw_edhoc_x509_verify(certs, lens, n, a->id->trust, a->cfg->libctx, NULL,
                             &subject, &out->pubkey) != KW_EDHOC_OK) {
        unsigned long e = ERR_peek_last_error();
        assoc_why(a,
                  "the peer's certificate does not validate against the "
                  "trust anchors of identity '%s'%s%s",
                  a->ident, e != 0 ? ": " : "",
                  e != 0 ? ERR_reason_error_string(e) : "");
        ERR_clear_error();
        return KW_EDHOC_E_PEER_REJECTED;
    }
    out->identity = subject;
    a->peer_kind = keyward_v1_CredentialKind_CREDENTIAL_KIND_X509;
    return kw_edhoc_cred_x509(certs[0], lens[0], &out->cred, &out->cred_len);
}

/* A configured CCS (found by kid, or sent by value and configured). */
static int ccs_use(struct assoc *a, const struct svc_peer_cred *pc,
                   kw_edhoc_peer_cred *out)
{
    const uint8_t *kid;
    size_t kid_len;
    char *sub = NULL, hex[2 * ASSOC_KID_MAX + 1];

    if (kw_edhoc_ccs_parse(pc->ccs, pc->ccs_len, a->cfg->libctx, NULL, &kid,
                           &kid_len, &sub, &out->pubkey) != KW_EDHOC_OK)
        return KW_EDHOC_E_PEER_REJECTED;
    if ((out->cred = OPENSSL_memdup(pc->ccs, pc->ccs_len)) == NULL) {
        OPENSSL_free(sub);
        return KW_EDHOC_E_NOMEM;
    }
    out->cred_len = pc->ccs_len;
    if (sub == NULL) {
        kid_hex(kid, kid_len, hex, sizeof(hex));
        sub = OPENSSL_zalloc(sizeof(hex) + 4);
        if (sub != NULL)
            snprintf(sub, sizeof(hex) + 4, "kid:%s", hex);
    }
    out->identity = sub;
    a->peer_kind = keyward_v1_CredentialKind_CREDENTIAL_KIND_CCS;
    if (kid_len > 0 && kid_len <= ASSOC_KID_MAX) {
        memcpy(a->peer_kid, kid, kid_len);
        a->peer_kid_len = (uint8_t)kid_len;
    }
    return KW_EDHOC_OK;
}

static void peer_cred_clear(kw_edhoc_peer_cred *out)
{
    OPENSSL_free(out->cred);
    EVP_PKEY_free(out->pubkey);
    OPENSSL_free(out->identity);
    memset(out, 0, sizeof(*out));
}

static int resolve(struct assoc *a, const kw_edhoc_id_cred *idc,
                   kw_edhoc_peer_cred *out)
{
    const struct svc_identity *id = a->id;
    char hex[2 * ASSOC_KID_MAX + 1];

    if (idc->x5chain_n > 0)
        return cert_check(a, idc->x5chain, idc->x5chain_len, idc->x5chain_n,
                          out);
    if (idc->has_x5t) {
        for (size_t i = 0; i < id->nknown; i++) {
            const struct svc_peer_cred *pc = &id->known[i];
            const uint8_t *cert = pc->cert;
            if (cert != NULL &&
                kw_edhoc_x5t_matches(idc->x5t_alg, idc->x5t, idc->x5t_len, cert,
                                     pc->cert_len))
                return cert_check(a, &cert, &pc->cert_len, 1, out);
        }
        assoc_why(a,
                  "the peer's certificate (x5t) is not in the "
                  "peer_credentials of identity '%s'",
                  a->ident);
        return KW_EDHOC_E_UNKNOWN_CRED;
    }
    if (idc->kccs != NULL) { /* a CCS by value: only one configured */
        for (size_t i = 0; i < id->nknown; i++)
            if (id->known[i].ccs_len == idc->kccs_len &&
                CRYPTO_memcmp(id->known[i].ccs, idc->kccs, idc->kccs_len) == 0)
                return ccs_use(a, &id->known[i], out);
        assoc_why(a,
                  "the peer sent a CCS that is not in the peer_credentials of "
                  "identity '%s'",
                  a->ident);
        return KW_EDHOC_E_PEER_REJECTED;
    }
    if (idc->has_kid) {
        for (size_t i = 0; i < id->nknown; i++)
            if (id->known[i].ccs != NULL &&
                id->known[i].kid_len == idc->kid_len &&
                memcmp(id->known[i].kid, idc->kid, idc->kid_len) == 0)
                return ccs_use(a, &id->known[i], out);
        kid_hex(idc->kid, idc->kid_len, hex, sizeof(hex));
        assoc_why(a,
                  "no CCS with kid %s in the peer_credentials of identity '%s'",
                  hex, a->ident);
        return KW_EDHOC_E_UNKNOWN_CRED;
    }
    assoc_why(a, "the peer's ID_CRED is of a kind keywardd does not take "
                 "(x5chain, x5t, kid, kccs)");
    return KW_EDHOC_E_PEER_REJECTED;
}

int assoc_cred_cb(void *arg, const kw_edhoc_id_cred *idc,
                  kw_edhoc_peer_cred *out)
{
    struct assoc *a = arg;
    int rv = resolve(a, idc, out);

    if (rv == KW_EDHOC_OK &&
        !svc_policy_peer_allowed(a->id, out->identity, a->peer_kid,
                                 a->peer_kid_len)) {
        assoc_why(a, "peer '%s' is not in the peers of identity '%s'",
                  out->identity != NULL ? out->identity : "?", a->ident);
        rv = KW_EDHOC_E_PEER_REJECTED;
    }
    if (rv == KW_EDHOC_OK && out->identity != NULL &&
        (a->peer_subject = strdup(out->identity)) == NULL)
        rv = KW_EDHOC_E_NOMEM;
    if (rv != KW_EDHOC_OK)
        peer_cred_clear(out);
    return rv;
}

int assoc_ead_cb(void *arg, kw_edhoc *s, int msg,
                 const kw_edhoc_ead_item *items, size_t n)
{
    struct assoc *a = arg;
    (void)s;

    for (size_t i = 0; i < n; i++) {
        bool ok = items[i].label >= 0;
        for (size_t j = 0; j < a->id->ncritical_ead && !ok; j++)
            ok = a->id->critical_ead[j] == items[i].label;
        if (!ok) {
            assoc_why(a,
                      "critical EAD item %lld in message_%d is not in the "
                      "critical_ead of identity '%s'",
                      (long long)items[i].label, msg, a->ident);
            return -1;
        }
    }
    return 0;
}
