/* SPDX-License-Identifier: Apache-2.0 */
/* op_session.c: Seal, Open, DeriveSession, Rekey, ExportSession and
 * CloseSession on session handles. */
#include <string.h>

#include "keyward/v1/keyward.pb.h"
#include "svc.h"

#define MSG c->msg, sizeof(c->msg)

int svc_op_seal(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_SealRequest *q = req;
    keyward_v1_SealResponse *r = resp;
    struct svc_seal_out info = {0};
    int rc = svc_session_seal(c->st->sessions, c->who->uid, q->handle.bytes,
                              q->handle.size, q->plaintext.bytes,
                              q->plaintext.size, q->aad.bytes, q->aad.size,
                              r->ciphertext.bytes, &info, MSG);
    if (rc != SVC_OK)
        return rc;
    r->ciphertext.size = (pb_size_t)(q->plaintext.size + 16);
    r->sequence = info.sequence;
    r->epoch = info.epoch;
    r->rekey_advised = info.rekey_advised;
    return SVC_OK;
}

int svc_op_open(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_OpenRequest *q = req;
    keyward_v1_OpenResponse *r = resp;
    bool advised = false;
    int rc = svc_session_open(c->st->sessions, c->who->uid, q->handle.bytes,
                              q->handle.size, q->sequence, q->ciphertext.bytes,
                              q->ciphertext.size, q->aad.bytes, q->aad.size,
                              r->plaintext.bytes, &advised, MSG);
    if (rc != SVC_OK)
        return rc;
    r->plaintext.size = (pb_size_t)(q->ciphertext.size - 16);
    r->rekey_advised = advised;
    return SVC_OK;
}

int svc_op_derive_session(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_DeriveSessionRequest *q = req;
    keyward_v1_DeriveSessionResponse *r = resp;
    enum svc_aead aead = SVC_AEAD_AES_256_GCM;
    int rc = svc_aead_from_pb(c, q->aead, &aead);
    if (rc != SVC_OK)
        return rc;
    if (q->label[0] == '\0')
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "set a 'label' for the child key");
    rc = svc_session_derive(c->st->sessions, &c->cfg->limits, c->who->uid,
                            q->handle.bytes, q->handle.size, q->label, aead,
                            r->handle.bytes, MSG);
    if (rc == SVC_OK)
        r->handle.size = SVC_HANDLE_LEN;
    return rc;
}

int svc_op_rekey(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_RekeyRequest *q = req;
    keyward_v1_RekeyResponse *r = resp;
    return svc_session_rekey(c->st->sessions, c->who->uid, q->handle.bytes,
                             q->handle.size, &r->epoch, MSG);
}

int svc_op_export_session(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_ExportSessionRequest *q = req;
    keyward_v1_ExportSessionResponse *r = resp;
    char origin[64];
    const struct svc_key *k;
    int rc;

    if (q->length < 16 || q->length > sizeof(r->key_material.bytes))
        return svc_fail(c, SVC_INVALID_ARGUMENT, "length must be 16..%zu",
                        sizeof(r->key_material.bytes));
    rc = svc_session_origin(c->st->sessions, c->who->uid, q->handle.bytes,
                            q->handle.size, origin, sizeof(origin), MSG);
    if (rc != SVC_OK)
        return rc;
    /* Export follows the policy of the key the session came from; a
     * session from Encapsulate (no key of ours) is never exportable. */
    if (origin[0] == '\0')
        return svc_fail(c, SVC_PERMISSION_DENIED,
                        "sessions from Encapsulate cannot be exported");
    rc = svc_key_for(c, origin, SVC_OP_EXPORT, &k);
    if (rc == SVC_NOT_FOUND)
        rc = svc_fail(c, SVC_PERMISSION_DENIED,
                      "policy does not allow exporting sessions of key '%s'",
                      origin);
    if (rc != SVC_OK)
        return rc;
    rc = svc_session_export(c->st->sessions, c->who->uid, q->handle.bytes,
                            q->handle.size, q->label, r->key_material.bytes,
                            q->length, MSG);
    if (rc == SVC_OK)
        r->key_material.size = (pb_size_t)q->length;
    return rc;
}

int svc_op_close_session(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_CloseSessionRequest *q = req;
    (void)resp;
    return svc_session_close(c->st->sessions, c->who->uid, q->handle.bytes,
                             q->handle.size, MSG);
}
