/* SPDX-License-Identifier: Apache-2.0 */
/* op_assoc_msg.c: protected messages on an association (SealMessage,
 * OpenMessage), key update, OSCORE export, GetAssociation, CloseAssociation;
 * the AEAD limits and time rules. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "assoc_local.h"
#include "keyward/v1/keyward.pb.h"

#define MSG              c->msg, sizeof(c->msg)
#define COSE_HKDF_SHA256 (-10)

static int get(struct svc_call *c, const uint8_t *h, size_t hlen,
               struct assoc **a)
{
    int rc = assoc_get(c->st->assocs, c->who->uid, h, hlen, a, MSG);
    if (rc == SVC_OK)
        snprintf(c->key, sizeof(c->key), "%s", (*a)->ident);
    return rc;
}

static uint64_t age_ms(uint64_t since)
{
    uint64_t now = assoc_now_ms();
    return now > since ? now - since : 0;
}

static bool rehandshake_advised(const struct assoc *a)
{
    return a->rehandshake ||
           age_ms(a->established_ms) >= a->lim.rehandshake_interval_s * 1000ull;
}

/* An association that may protect messages now (record locked). */
static int usable(struct svc_call *c, struct assoc *a)
{
    if (a->state == ASSOC_HANDSHAKE)
        return svc_fail(c, SVC_FAILED_PRECONDITION,
                        "the handshake is not complete: call "
                        "ContinueAssociation");
    if (assoc_too_old(a, assoc_now_ms())) {
        assoc_kill(c->st->assocs, a);
        return svc_fail(c, SVC_FAILED_PRECONDITION,
                        "the association is older than max_age (%u s): its "
                        "keys are wiped; run a new handshake",
                        a->lim.max_age_s);
    }
    if (a->state == ASSOC_DEAD)
        return svc_fail(c, SVC_FAILED_PRECONDITION,
                        "the association's keys are wiped (failure limit or "
                        "max_age): close it and run a new handshake");
    return SVC_OK;
}

static int key_update(struct svc_call *c, struct assoc *a)
{
    int rv = kw_pmsg_key_update(a->pm);

    if (rv != KW_PMSG_OK)
        return svc_fail(c, SVC_FAILED_PRECONDITION,
                        "key update failed (%s): run a new handshake",
                        kw_pmsg_status_str(rv));
    a->epoch_ms = assoc_now_ms();
    a->update_due = false;
    a->key_updates++;
    atomic_fetch_add(&c->st->assocs->key_updates, 1);
    return SVC_OK;
}

int svc_op_seal_message(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_SealMessageRequest *q = req;
    keyward_v1_SealMessageResponse *r = resp;
    struct assoc *a;
    kw_pmsg_stats st;
    unsigned flags = 0;
    size_t len = sizeof(r->message.bytes);
    int rc, rv;

    if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK)
        return rc;
    if ((rc = usable(c, a)) != SVC_OK)
        goto out;
    /* A sender key at 0.9 q, or this old, is replaced before it seals
     * again: the message then starts the new epoch and tells the peer. */
    if (a->update_due ||
        age_ms(a->epoch_ms) >= a->lim.rekey_interval_s * 1000ull) {
        if ((rc = key_update(c, a)) != SVC_OK)
            goto out;
        r->key_updated = true;
    }
    rv = kw_pmsg_seal(a->pm, q->plaintext.bytes, q->plaintext.size,
                      r->message.bytes, &len, &flags);
    if (rv == KW_PMSG_E_SEAL_LIMIT) { /* q reached: never past it */
        if ((rc = key_update(c, a)) != SVC_OK)
            goto out;
        r->key_updated = true;
        len = sizeof(r->message.bytes);
        rv = kw_pmsg_seal(a->pm, q->plaintext.bytes, q->plaintext.size,
                          r->message.bytes, &len, &flags);
    }
    if (rv == KW_PMSG_E_TOO_LONG) {
        rc = svc_fail(c, SVC_INVALID_ARGUMENT,
                      "plaintext of %u bytes is over the limit of this "
                      "association's AEAD (docs/PROTECTED-MESSAGES.md)",
                      (unsigned)q->plaintext.size);
        goto out;
    }
    if (rv != KW_PMSG_OK) {
        rc = svc_fail(c, SVC_FAILED_PRECONDITION, "cannot seal: %s",
                      kw_pmsg_status_str(rv));
        goto out;
    }
    kw_pmsg_get_stats(a->pm, &st);
    r->message.size = (pb_size_t)len;
    r->epoch = st.epoch;
    a->sealed++;
    atomic_fetch_add(&c->st->assocs->sealed, 1);
    a->update_due = (flags & KW_PMSG_F_REKEY_SOON) != 0;
    r->rehandshake_advised = rehandshake_advised(a);
out:
    assoc_put(c->st->assocs, a);
    return rc;
}

static int open_refused(struct svc_call *c, struct assoc *a, int rv)
{
    a->rejected++;
    atomic_fetch_add(&c->st->assocs->rejected, 1);
    switch (rv) {
    case KW_PMSG_E_REPLAY:
    case KW_PMSG_E_WINDOW:
        a->replays++;
        return svc_fail(c, SVC_INVALID_ARGUMENT, "message refused: %s",
                        kw_pmsg_status_str(rv));
    case KW_PMSG_E_FAIL_LIMIT:
        assoc_kill(c->st->assocs, a);
        return svc_fail(c, SVC_FAILED_PRECONDITION,
                        "too many failed decryptions: the association's keys "
                        "are wiped; run a new handshake");
    case KW_PMSG_E_AUTH:
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "message refused: decryption failed (modified, or "
                        "not from this peer); counted");
    default:
        return svc_fail(c, SVC_INVALID_ARGUMENT, "message refused: %s",
                        kw_pmsg_status_str(rv));
    }
}

int svc_op_open_message(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_OpenMessageRequest *q = req;
    keyward_v1_OpenMessageResponse *r = resp;
    struct svc_assocs *t = c->st->assocs;
    struct assoc *a;
    kw_pmsg_stats st;
    unsigned flags = 0;
    size_t len = sizeof(r->plaintext.bytes);
    int rc, rv;

    if (q->handle.size == 0) {
        const uint8_t *kid;
        size_t kid_len;
        if (kw_pmsg_peek_kid(q->message.bytes, q->message.size, &kid,
                             &kid_len) != KW_PMSG_OK)
            return svc_fail(c, SVC_INVALID_ARGUMENT,
                            "not a protected message (COSE_Encrypt0 of "
                            "docs/PROTECTED-MESSAGES.md)");
        rc = assoc_get_by_cid(t, c->who->uid, kid, kid_len, &a, MSG);
        if (rc != SVC_OK)
            return svc_fail(c, rc,
                            "no association of this user has the message's "
                            "kid as Recipient ID");
        snprintf(c->key, sizeof(c->key), "%s", a->ident);
    } else if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK) {
        return rc;
    }
    if ((rc = usable(c, a)) != SVC_OK) {
        a->rejected++; /* a message refused all the same */
        atomic_fetch_add(&t->rejected, 1);
        goto out;
    }
    rv = kw_pmsg_open(a->pm, q->message.bytes, q->message.size,
                      r->plaintext.bytes, &len, &flags);
    if (rv != KW_PMSG_OK) {
        rc = open_refused(c, a, rv);
        goto out;
    }
    r->plaintext.size = (pb_size_t)len;
    a->opened++;
    atomic_fetch_add(&t->opened, 1);
    if (flags & KW_PMSG_F_EPOCH_ADVANCED) { /* followed the peer */
        a->epoch_ms = assoc_now_ms();
        a->key_updates++;
        atomic_fetch_add(&t->key_updates, 1);
        r->key_updated = true;
    }
    if (flags & KW_PMSG_F_HANDSHAKE_SOON)
        a->rehandshake = true;
    if (a->hs != NULL) /* the responder has the keys: confirmed */
        assoc_drop_handshake(t, a);
    kw_pmsg_get_stats(a->pm, &st);
    r->epoch = st.epoch;
    r->rehandshake_advised = rehandshake_advised(a);
    memcpy(r->handle.bytes, a->handle, SVC_HANDLE_LEN);
    r->handle.size = SVC_HANDLE_LEN;
    r->has_peer = true;
    assoc_peer_fill(a, &r->peer);
out:
    assoc_put(t, a);
    return rc;
}

int svc_op_update_keys(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_UpdateKeysRequest *q = req;
    keyward_v1_UpdateKeysResponse *r = resp;
    struct assoc *a;
    kw_pmsg_stats st;
    int rc;

    if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK)
        return rc;
    if ((rc = usable(c, a)) == SVC_OK && (rc = key_update(c, a)) == SVC_OK) {
        kw_pmsg_get_stats(a->pm, &st);
        r->epoch = st.epoch;
    }
    assoc_put(c->st->assocs, a);
    return rc;
}

int svc_op_export_oscore(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_ExportOscoreRequest *q = req;
    keyward_v1_ExportOscoreResponse *r = resp;
    const struct svc_identity *id;
    struct assoc *a;
    kw_pmsg_oscore o;
    int rc;

    if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK)
        return rc;
    id = svc_config_identity(c->cfg, a->ident);
    if (id == NULL ||
        !(svc_policy_identity_ops(c->cfg, c->who, id) & SVC_OP_EXPORT)) {
        rc = svc_fail(c, SVC_PERMISSION_DENIED,
                      "policy does not allow exporting OSCORE keys of "
                      "identity '%s'",
                      a->ident);
        goto out;
    }
    if ((rc = usable(c, a)) != SVC_OK)
        goto out;
    if (a->sealed > 0 || a->opened > 0) {
        rc = svc_fail(c, SVC_FAILED_PRECONDITION,
                      "the association already protected messages: its "
                      "OSCORE keys can only be exported before that");
        goto out;
    }
    if (kw_pmsg_oscore_export(a->pm, &o) != KW_PMSG_OK) {
        rc = svc_fail(c, SVC_INTERNAL, "key derivation failed");
        goto out;
    }
    memcpy(r->master_secret.bytes, o.master_secret, o.master_secret_len);
    r->master_secret.size = (pb_size_t)o.master_secret_len;
    memcpy(r->master_salt.bytes, o.master_salt, o.master_salt_len);
    r->master_salt.size = (pb_size_t)o.master_salt_len;
    memcpy(r->sender_id.bytes, o.sender_id, o.sender_id_len);
    r->sender_id.size = (pb_size_t)o.sender_id_len;
    memcpy(r->recipient_id.bytes, o.recipient_id, o.recipient_id_len);
    r->recipient_id.size = (pb_size_t)o.recipient_id_len;
    memcpy(r->id_context.bytes, o.id_context, o.id_context_len);
    r->id_context.size = (pb_size_t)o.id_context_len;
    r->aead_alg = o.aead_alg;
    r->hkdf_alg = COSE_HKDF_SHA256;
    OPENSSL_cleanse(&o, sizeof(o));
    /* The keys now belong to the application: this association ends, so
     * that two senders never share a nonce sequence. */
    assoc_unlink(c->st->assocs, a);
out:
    assoc_put(c->st->assocs, a);
    return rc;
}

int svc_op_get_association(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_GetAssociationRequest *q = req;
    keyward_v1_GetAssociationResponse *r = resp;
    struct assoc *a;
    kw_pmsg_stats st = {0};
    int rc;

    if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK)
        return rc;
    r->state = a->state == ASSOC_HANDSHAKE
                   ? keyward_v1_HandshakeState_HANDSHAKE_STATE_IN_PROGRESS
               : a->state == ASSOC_ESTABLISHED
                   ? keyward_v1_HandshakeState_HANDSHAKE_STATE_ESTABLISHED
                   : keyward_v1_HandshakeState_HANDSHAKE_STATE_FAILED;
    snprintf(r->identity, sizeof(r->identity), "%s", a->ident);
    r->initiator = a->initiator;
    r->has_peer = a->state != ASSOC_HANDSHAKE;
    assoc_peer_fill(a, &r->peer);
    r->method = a->method >= 0 ? (uint32_t)a->method : 0;
    r->suite = a->suite >= 0 ? (uint32_t)a->suite : 0;
    if (a->pm != NULL)
        kw_pmsg_get_stats(a->pm, &st);
    r->epoch = st.epoch;
    r->failed_decryptions = st.failed;
    r->age_seconds = age_ms(a->state == ASSOC_HANDSHAKE ? a->created_ms
                                                        : a->established_ms) /
                     1000u;
    r->epoch_age_seconds =
        a->state == ASSOC_HANDSHAKE ? 0 : age_ms(a->epoch_ms) / 1000u;
    r->sealed = a->sealed;
    r->opened = a->opened;
    r->rejected = a->rejected;
    r->replays = a->replays;
    r->key_updates = a->key_updates;
    r->rehandshake_advised =
        a->state == ASSOC_ESTABLISHED && rehandshake_advised(a);
    memcpy(r->connection_id.bytes, a->cid, a->cid_len);
    r->connection_id.size = a->cid_len;
    assoc_put(c->st->assocs, a);
    return SVC_OK;
}

int svc_op_close_association(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_CloseAssociationRequest *q = req;
    struct assoc *a;
    int rc;

    (void)resp;
    if ((rc = get(c, q->handle.bytes, q->handle.size, &a)) != SVC_OK)
        return rc;
    assoc_unlink(c->st->assocs, a); /* keys wiped now */
    assoc_put(c->st->assocs, a);
    return SVC_OK;
}
