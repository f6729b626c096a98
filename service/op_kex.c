/* SPDX-License-Identifier: Apache-2.0 */
/* op_kex.c: KEM encapsulate/decapsulate and ECDH; the shared secret becomes a
 * session key, never a reply. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "keyward/v1/keyward.pb.h"
#include "svc.h"

#define SECRET_MAX 1024

int svc_aead_from_pb(struct svc_call *c, int pb, enum svc_aead *out)
{
    switch (pb) {
    case keyward_v1_Aead_AEAD_UNSPECIFIED:
    case keyward_v1_Aead_AEAD_AES_256_GCM:
        *out = SVC_AEAD_AES_256_GCM;
        return SVC_OK;
    case keyward_v1_Aead_AEAD_AES_128_GCM:
        *out = SVC_AEAD_AES_128_GCM;
        return SVC_OK;
    default:
        return svc_fail(c, SVC_INVALID_ARGUMENT, "unknown aead %d", pb);
    }
}

int svc_role_from_pb(struct svc_call *c, int pb, enum svc_role dflt,
                     enum svc_role *out)
{
    switch (pb) {
    case keyward_v1_Role_ROLE_UNSPECIFIED:
        if (dflt == 0)
            return svc_fail(c, SVC_INVALID_ARGUMENT,
                            "set 'role': the two peers must take different "
                            "roles (INITIATOR, RESPONDER)");
        *out = dflt;
        return SVC_OK;
    case keyward_v1_Role_ROLE_INITIATOR:
        *out = SVC_ROLE_INITIATOR;
        return SVC_OK;
    case keyward_v1_Role_ROLE_RESPONDER:
        *out = SVC_ROLE_RESPONDER;
        return SVC_OK;
    default:
        return svc_fail(c, SVC_INVALID_ARGUMENT, "unknown role %d", pb);
    }
}

/* The KEM operation name for a key: RSASVE (SP 800-56B) for RSA, DHKEM
 * (RFC 9180) for EC and X25519/X448 keys (served by the provider that has
 * an "EC"/"X25519" KEM; OpenSSL 3.0's default provider has none). */
static const char *kem_op(EVP_PKEY *pk)
{
    return EVP_PKEY_is_a(pk, "RSA") ? "RSASVE" : "DHKEM";
}

static int new_session(struct svc_call *c, const char *origin, uint8_t *secret,
                       size_t len, enum svc_aead aead, enum svc_role role,
                       uint8_t handle[static SVC_HANDLE_LEN])
{
    int rc = svc_session_create(c->st->sessions, &c->cfg->limits, c->who->uid,
                                origin, secret, len, aead, role, handle, c->msg,
                                sizeof(c->msg));
    OPENSSL_cleanse(secret, len);
    return rc;
}

int svc_op_encapsulate(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_EncapsulateRequest *q = req;
    keyward_v1_EncapsulateResponse *r = resp;
    uint8_t secret[SECRET_MAX];
    size_t wlen = 0, slen = 0;
    enum svc_aead aead = SVC_AEAD_AES_256_GCM;
    enum svc_role role = SVC_ROLE_INITIATOR;
    EVP_PKEY *peer;
    EVP_PKEY_CTX *pc = NULL;
    int rc;

    if ((rc = svc_aead_from_pb(c, q->aead, &aead)) != SVC_OK ||
        (rc = svc_role_from_pb(c, q->role, SVC_ROLE_INITIATOR, &role)) !=
            SVC_OK)
        return rc;
    peer = svc_pubkey_from_spki(c, q->peer_spki.bytes, q->peer_spki.size);
    if (peer == NULL)
        return SVC_INVALID_ARGUMENT;
    pc = EVP_PKEY_CTX_new_from_pkey(c->cfg->libctx, peer, NULL);
    if (pc == NULL || EVP_PKEY_encapsulate_init(pc, NULL) != 1 ||
        EVP_PKEY_CTX_set_kem_op(pc, kem_op(peer)) != 1 ||
        EVP_PKEY_encapsulate(pc, NULL, &wlen, NULL, &slen) != 1) {
        rc = svc_fail_ossl(c, SVC_UNIMPLEMENTED,
                           "no KEM for this public key type in the configured "
                           "providers");
        goto out;
    }
    if (wlen > sizeof(r->ciphertext.bytes) || slen > sizeof(secret)) {
        rc = svc_fail(c, SVC_OUT_OF_RANGE, "KEM output too large for the API");
        goto out;
    }
    if (EVP_PKEY_encapsulate(pc, r->ciphertext.bytes, &wlen, secret, &slen) !=
        1) {
        rc = svc_fail_ossl(c, SVC_UNAVAILABLE, "encapsulation failed");
        goto out;
    }
    r->ciphertext.size = (pb_size_t)wlen;
    rc = new_session(c, NULL, secret, slen, aead, role, r->handle.bytes);
    if (rc == SVC_OK)
        r->handle.size = SVC_HANDLE_LEN;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(peer);
    return rc;
}

int svc_op_decapsulate(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_DecapsulateRequest *q = req;
    keyward_v1_DecapsulateResponse *r = resp;
    uint8_t secret[SECRET_MAX];
    size_t slen = 0;
    enum svc_aead aead = SVC_AEAD_AES_256_GCM;
    enum svc_role role = SVC_ROLE_INITIATOR;
    const struct svc_key *k;
    EVP_PKEY_CTX *pc = NULL;
    int rc;

    if ((rc = svc_key_for(c, q->key, SVC_OP_DECAPSULATE, &k)) != SVC_OK ||
        (rc = svc_aead_from_pb(c, q->aead, &aead)) != SVC_OK ||
        (rc = svc_role_from_pb(c, q->role, SVC_ROLE_RESPONDER, &role)) !=
            SVC_OK)
        return rc;
    pc = EVP_PKEY_CTX_new_from_pkey(c->cfg->libctx, k->pkey, NULL);
    if (pc == NULL || EVP_PKEY_decapsulate_init(pc, NULL) != 1 ||
        EVP_PKEY_CTX_set_kem_op(pc, kem_op(k->pkey)) != 1) {
        /* The provider says why: no KEM for the key type, or a token
         * without the mechanism decapsulation needs. */
        rc = svc_fail_ossl(c, SVC_UNIMPLEMENTED,
                           "this key cannot decapsulate");
        goto out;
    }
    if (EVP_PKEY_decapsulate(pc, NULL, &slen, q->ciphertext.bytes,
                             q->ciphertext.size) != 1) {
        rc = svc_fail_ossl(c, SVC_INVALID_ARGUMENT,
                           "cannot decapsulate this ciphertext with this key");
        goto out;
    }
    if (slen > sizeof(secret)) {
        rc = svc_fail(c, SVC_OUT_OF_RANGE, "KEM secret too large");
        goto out;
    }
    if (EVP_PKEY_decapsulate(pc, secret, &slen, q->ciphertext.bytes,
                             q->ciphertext.size) != 1) {
        rc = svc_fail_ossl(c, SVC_INVALID_ARGUMENT, "decapsulation failed");
        goto out;
    }
    rc = new_session(c, k->name, secret, slen, aead, role, r->handle.bytes);
    if (rc == SVC_OK)
        r->handle.size = SVC_HANDLE_LEN;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    EVP_PKEY_CTX_free(pc);
    return rc;
}

int svc_op_ecdh(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_EcdhRequest *q = req;
    keyward_v1_EcdhResponse *r = resp;
    uint8_t secret[SECRET_MAX];
    size_t slen = sizeof(secret);
    enum svc_aead aead = SVC_AEAD_AES_256_GCM;
    enum svc_role role = SVC_ROLE_INITIATOR;
    const struct svc_key *k;
    EVP_PKEY *peer;
    EVP_PKEY_CTX *pc = NULL;
    int rc;

    if ((rc = svc_key_for(c, q->key, SVC_OP_ECDH, &k)) != SVC_OK ||
        (rc = svc_aead_from_pb(c, q->aead, &aead)) != SVC_OK ||
        (rc = svc_role_from_pb(c, q->role, 0, &role)) != SVC_OK)
        return rc;
    peer = svc_pubkey_from_spki(c, q->peer_spki.bytes, q->peer_spki.size);
    if (peer == NULL)
        return SVC_INVALID_ARGUMENT;
    pc = EVP_PKEY_CTX_new_from_pkey(c->cfg->libctx, k->pkey, NULL);
    if (pc == NULL || EVP_PKEY_derive_init(pc) != 1 ||
        EVP_PKEY_derive_set_peer(pc, peer) != 1) {
        rc = svc_fail_ossl(c, SVC_INVALID_ARGUMENT,
                           "the peer key does not fit this key for ECDH");
        goto out;
    }
    if (EVP_PKEY_derive(pc, secret, &slen) != 1) {
        rc = svc_fail_ossl(c, SVC_UNAVAILABLE, "key agreement failed");
        goto out;
    }
    rc = new_session(c, k->name, secret, slen, aead, role, r->handle.bytes);
    if (rc == SVC_OK)
        r->handle.size = SVC_HANDLE_LEN;
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(peer);
    return rc;
}
