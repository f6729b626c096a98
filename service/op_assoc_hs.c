/* SPDX-License-Identifier: Apache-2.0 */
/* op_assoc_hs.c: StartAssociation, AcceptAssociation and ContinueAssociation:
 * the EDHOC handshake driven one message per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assoc_local.h"
#include "keyward/v1/keyward.pb.h"

#define MSG                 c->msg, sizeof(c->msg)
#define RESPONDER_CID_TRIES 4

typedef keyward_v1_HandshakeStep step_t;

/* The identity for op: NOT_FOUND when the caller may do nothing with it,
 * PERMISSION_DENIED when it may, but not this. */
static int identity_for(struct svc_call *c, const char *name, unsigned op,
                        const struct svc_identity **out)
{
    const struct svc_identity *id = svc_config_identity(c->cfg, name);
    unsigned ops = id != NULL ? svc_policy_identity_ops(c->cfg, c->who, id) : 0;

    snprintf(c->key, sizeof(c->key), "%s", name);
    if (ops == 0)
        return svc_fail(c, SVC_NOT_FOUND, "no identity '%s' for this user",
                        name);
    if (!(ops & op))
        return svc_fail(c, SVC_PERMISSION_DENIED,
                        "policy does not allow uid %u to %s with identity "
                        "'%s'",
                        (unsigned)c->who->uid,
                        op == SVC_OP_INITIATE ? "initiate" : "respond", name);
    *out = id;
    return SVC_OK;
}

static int set_ead(struct svc_call *c, kw_edhoc *hs, int msg,
                   const keyward_v1_EadItem *in, size_t n)
{
    kw_edhoc_ead_item items[SVC_MAX_EAD];

    if (n == 0)
        return SVC_OK;
    for (size_t i = 0; i < n; i++)
        items[i] = (kw_edhoc_ead_item){.label = in[i].label,
                                       .has_value = in[i].has_value,
                                       .value = in[i].value.bytes,
                                       .value_len = in[i].value.size};
    if (kw_edhoc_set_ead(hs, msg, items, n) != KW_EDHOC_OK)
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "EAD label 0 is padding; labels fit a CBOR int");
    return SVC_OK;
}

static int put_message(struct svc_call *c, step_t *o, const uint8_t *m,
                       size_t len)
{
    if (len > sizeof(o->message.bytes))
        return svc_fail(c, SVC_OUT_OF_RANGE,
                        "EDHOC message of %zu bytes exceeds the API bound "
                        "(%zu): use a shorter credential (x5t or kid)",
                        len, sizeof(o->message.bytes));
    if (len > 0)
        memcpy(o->message.bytes, m, len);
    o->message.size = (pb_size_t)len;
    return SVC_OK;
}

void assoc_peer_fill(const struct assoc *a, keyward_v1_PeerIdentity *p)
{
    p->kind = (keyward_v1_CredentialKind)a->peer_kind;
    snprintf(p->subject, sizeof(p->subject), "%s",
             a->peer_subject != NULL ? a->peer_subject : "");
    memcpy(p->kid.bytes, a->peer_kid, a->peer_kid_len);
    p->kid.size = a->peer_kid_len;
}

/* The EAD of the message just processed, for the application. */
static void peer_ead(const struct assoc *a, int msgno, step_t *o)
{
    const kw_edhoc_ead_item *items;
    size_t n;

    if (a->hs == NULL || kw_edhoc_get0_ead(a->hs, msgno, &items, &n) != 0)
        return;
    for (size_t i = 0; i < n && i < SVC_MAX_EAD; i++) {
        keyward_v1_EadItem *e = &o->peer_ead[o->peer_ead_count++];
        e->label = items[i].label;
        e->has_value = items[i].has_value;
        if (items[i].value_len > 0 &&
            items[i].value_len <= sizeof(e->value.bytes)) {
            memcpy(e->value.bytes, items[i].value, items[i].value_len);
            e->value.size = (pb_size_t)items[i].value_len;
        }
    }
}

static keyward_v1_HandshakeFailure failure_of(int rv)
{
    switch (rv) {
    case KW_EDHOC_E_DECODE:
    case KW_EDHOC_E_STATE:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_MALFORMED;
    case KW_EDHOC_E_AUTH:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_AUTHENTICATION;
    case KW_EDHOC_E_UNKNOWN_CRED:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_UNKNOWN_CREDENTIAL;
    case KW_EDHOC_E_PEER_REJECTED:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_PEER_NOT_ALLOWED;
    case KW_EDHOC_E_NO_COMMON_SUITE:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_NO_COMMON_SUITE;
    case KW_EDHOC_E_SUITE:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_SUITE_OFFERED;
    case KW_EDHOC_E_METHOD:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_METHOD;
    case KW_EDHOC_E_EAD:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_EAD;
    case KW_EDHOC_E_PEER_ERROR:
    case KW_EDHOC_E_SUITES_R:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_PEER_ERROR;
    default:
        return keyward_v1_HandshakeFailure_HANDSHAKE_FAILURE_LOCAL;
    }
}

/* The handshake failed: what to tell the application and the peer; the
 * association is removed (wiped). */
static int fail_step(struct svc_call *c, struct assoc *a, int rv,
                     const uint8_t *out, size_t out_len, step_t *o)
{
    struct svc_assocs *t = c->st->assocs;
    int64_t code = 0;
    const char *diag = "";

    o->state = keyward_v1_HandshakeState_HANDSHAKE_STATE_FAILED;
    o->failure = failure_of(rv);
    o->handle.size = 0;
    o->suite = a->hs != NULL && kw_edhoc_suite(a->hs) >= 0
                   ? (uint32_t)kw_edhoc_suite(a->hs)
                   : 0;
    if (out_len > 0 && put_message(c, o, out, out_len) != SVC_OK)
        o->message.size = 0;
    if (rv == KW_EDHOC_E_PEER_ERROR &&
        kw_edhoc_peer_error(a->hs, &code, &diag) == KW_EDHOC_OK) {
        o->edhoc_error_code = (uint32_t)code;
        snprintf(o->reason, sizeof(o->reason),
                 "the peer refused the handshake (EDHOC error %lld%s%s)",
                 (long long)code, *diag ? ": " : "", diag);
    } else {
        if (o->message.size > 0)
            o->edhoc_error_code = rv == KW_EDHOC_E_SUITE          ? 2
                                  : rv == KW_EDHOC_E_UNKNOWN_CRED ? 3
                                                                  : 1;
        snprintf(o->reason, sizeof(o->reason), "%s",
                 a->why != NULL ? a->why : kw_edhoc_status_str(rv));
    }
    svc_log("handshake of identity '%s' (uid %u) failed: %s%s", a->ident,
            (unsigned)a->owner, o->reason,
            rv == KW_EDHOC_E_CRYPTO || rv == KW_EDHOC_E_NOMEM
                ? " (the identity's key or a local operation failed)"
                : "");
    atomic_fetch_add(&t->failed, 1);
    assoc_unlink(t, a);
    return SVC_OK;
}

/* The handshake completed: protected-message keys from PRK_out. */
static int establish(struct svc_call *c, struct assoc *a, step_t *o)
{
    struct svc_assocs *t = c->st->assocs;
    kw_pmsg_limits lim = {.max_seal = a->lim.max_seals,
                          .max_fail = a->lim.max_open_failures};

    a->pm = kw_pmsg_new_from_edhoc(a->hs, &lim);
    if (a->pm == NULL)
        return fail_step(c, a, KW_EDHOC_E_NOMEM, NULL, 0, o);
    a->method = (int8_t)kw_edhoc_method(a->hs);
    a->suite = (int8_t)kw_edhoc_suite(a->hs);
    assoc_mark_established(t, a);
    o->state = keyward_v1_HandshakeState_HANDSHAKE_STATE_ESTABLISHED;
    o->has_peer = true;
    assoc_peer_fill(a, &o->peer);
    /* The responder is done with EDHOC. The initiator keeps the session
     * until the responder's first protected message (key confirmation), in
     * case the responder answers message_3 with an error message. */
    if (!a->initiator || a->id->message_4) /* message_4 confirmed them */
        assoc_drop_handshake(t, a);
    return SVC_OK;
}

/* After kw_edhoc_step: the next state of the association. */
static int after_step(struct svc_call *c, struct assoc *a, int rv,
                      const uint8_t *out, size_t out_len, int msgno, step_t *o)
{
    int rc;

    memcpy(o->handle.bytes, a->handle, SVC_HANDLE_LEN);
    o->handle.size = SVC_HANDLE_LEN;
    o->method =
        (uint32_t)(kw_edhoc_method(a->hs) >= 0 ? kw_edhoc_method(a->hs) : 0);
    if (rv == KW_EDHOC_E_SUITES_R) {
        /* The responder listed its suites: a new message_1 with one of
         * them (RFC 9528 section 5.2.2). */
        rv = kw_edhoc_initiator_retry(a->hs, &out, &out_len);
        if (rv != KW_EDHOC_OK)
            return fail_step(c, a, rv, NULL, 0, o);
        a->next_in = 2;
    } else if (rv != KW_EDHOC_OK) {
        return fail_step(c, a, rv, out, out_len, o);
    }
    peer_ead(a, msgno, o);
    if ((rc = put_message(c, o, out, out_len)) != SVC_OK) {
        assoc_unlink(c->st->assocs, a);
        return rc;
    }
    o->suite =
        (uint32_t)(kw_edhoc_suite(a->hs) >= 0 ? kw_edhoc_suite(a->hs) : 0);
    if (kw_edhoc_is_complete(a->hs))
        return establish(c, a, o);
    o->state = keyward_v1_HandshakeState_HANDSHAKE_STATE_IN_PROGRESS;
    return SVC_OK;
}

static kw_edhoc *session_new(struct svc_call *c, struct assoc *a, int method,
                             const int *suites, size_t nsuites)
{
    const struct svc_identity *id = a->id;
    kw_edhoc_config ec = {
        .ctx = c->st->assocs->edhoc,
        .role = a->initiator ? KW_EDHOC_INITIATOR : KW_EDHOC_RESPONDER,
        .method = method,
        .methods = id->methods,
        .suites = suites,
        .n_suites = nsuites,
        .initial_suite = -1,
        .local = {.auth_key = a->cfg->keys[id->key].pkey,
                  .cred = id->cred,
                  .cred_len = id->cred_len,
                  .id_cred = id->id_cred,
                  .id_cred_len = id->id_cred_len},
        .conn_id = a->cid,
        .conn_id_len = a->cid_len,
        .message_4 = id->message_4,
        .cred_cb = assoc_cred_cb,
        .cred_arg = a,
        .ead_cb = assoc_ead_cb,
        .ead_arg = a,
    };
    return kw_edhoc_new(&ec);
}

int svc_op_start_association(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_StartAssociationRequest *q = req;
    step_t *o = &((keyward_v1_StartAssociationResponse *)resp)->step;
    const struct svc_identity *id;
    struct assoc *a;
    int suites[SVC_MAX_SUITES], method;
    size_t nsuites = 0;
    const uint8_t *out;
    size_t out_len;
    int rc, rv;

    ((keyward_v1_StartAssociationResponse *)resp)->has_step = true;
    if ((rc = identity_for(c, q->identity, SVC_OP_INITIATE, &id)) != SVC_OK)
        return rc;
    method = q->has_method ? (int)q->method : id->method;
    if (method > 3 || !(id->methods & (1u << method)))
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "method %d is not among the methods of identity '%s'",
                        method, id->name);
    for (size_t i = 0; i < q->suites_count; i++) {
        bool known = false;
        for (size_t j = 0; j < id->nsuites; j++)
            known |= id->suites[j] == (int)q->suites[i];
        if (!known)
            return svc_fail(c, SVC_INVALID_ARGUMENT,
                            "suite %u is not among the suites of identity "
                            "'%s'",
                            (unsigned)q->suites[i], id->name);
        suites[nsuites++] = (int)q->suites[i];
    }
    if (nsuites == 0) {
        memcpy(suites, id->suites, id->nsuites * sizeof(int));
        nsuites = id->nsuites;
    }
    rc = assoc_create(c->st->assocs, c->cfg, id, c->who->uid, true, &a, MSG);
    if (rc != SVC_OK)
        return rc;
    a->hs = session_new(c, a, method, suites, nsuites);
    if (a->hs == NULL) {
        assoc_unlink(c->st->assocs, a);
        assoc_put(c->st->assocs, a);
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "identity '%s' cannot run method %d with these "
                        "suites (its key does not fit them)",
                        id->name, method);
    }
    rc = set_ead(c, a->hs, 1, q->ead, q->ead_count);
    if (rc != SVC_OK) {
        assoc_unlink(c->st->assocs, a);
        assoc_put(c->st->assocs, a);
        return rc;
    }
    rv = kw_edhoc_step(a->hs, NULL, 0, &out, &out_len);
    rc = after_step(c, a, rv, out, out_len, 0, o);
    assoc_put(c->st->assocs, a);
    return rc;
}

int svc_op_accept_association(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_AcceptAssociationRequest *q = req;
    step_t *o = &((keyward_v1_AcceptAssociationResponse *)resp)->step;
    struct svc_assocs *t = c->st->assocs;
    const struct svc_identity *id;
    struct assoc *a;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    int rc, rv = KW_EDHOC_E_PARAM;

    ((keyward_v1_AcceptAssociationResponse *)resp)->has_step = true;
    if ((rc = identity_for(c, q->identity, SVC_OP_RESPOND, &id)) != SVC_OK)
        return rc;
    if (q->message.size == 0)
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "set 'message' to the message_1 received");
    rc = assoc_create(t, c->cfg, id, c->who->uid, false, &a, MSG);
    if (rc != SVC_OK)
        return rc;
    /* A responder session is single-use. With its message_1 and
     * configuration checked, the one KW_EDHOC_E_PARAM left is a C_R that
     * came out equal to the peer's C_I (1 in 65,536): retried with a
     * fresh identifier. */
    for (int i = 0; i < RESPONDER_CID_TRIES; i++) {
        kw_edhoc_free(a->hs);
        if ((a->hs = session_new(c, a, 0, id->suites, id->nsuites)) == NULL ||
            (rc = set_ead(c, a->hs, 2, q->ead, q->ead_count)) != SVC_OK) {
            assoc_unlink(t, a);
            assoc_put(t, a);
            return rc != SVC_OK ? rc
                                : svc_fail(c, SVC_INTERNAL,
                                           "cannot start an EDHOC responder");
        }
        rv = kw_edhoc_step(a->hs, q->message.bytes, q->message.size, &out,
                           &out_len);
        if (rv != KW_EDHOC_E_PARAM || assoc_new_cid(t, a) < 0)
            break;
    }
    a->next_in = 3;
    rc = after_step(c, a, rv, out, out_len, 1, o);
    assoc_put(t, a);
    return rc;
}

int svc_op_continue_association(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_ContinueAssociationRequest *q = req;
    step_t *o = &((keyward_v1_ContinueAssociationResponse *)resp)->step;
    struct svc_assocs *t = c->st->assocs;
    struct assoc *a;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    int rc, rv, msgno;

    ((keyward_v1_ContinueAssociationResponse *)resp)->has_step = true;
    rc = assoc_get(t, c->who->uid, q->handle.bytes, q->handle.size, &a, MSG);
    if (rc != SVC_OK)
        return rc;
    snprintf(c->key, sizeof(c->key), "%s", a->ident);
    if (a->hs == NULL) {
        rc = svc_fail(c, SVC_FAILED_PRECONDITION,
                      "the handshake of this association is over");
        goto out;
    }
    if (a->state == ASSOC_ESTABLISHED) {
        /* An initiator without key confirmation: only the responder's
         * error message about message_3 is still meaningful. */
        rv = kw_edhoc_step(a->hs, q->message.bytes, q->message.size, &out,
                           &out_len);
        if (rv == KW_EDHOC_E_PEER_ERROR) {
            rc = fail_step(c, a, rv, NULL, 0, o);
        } else {
            rc = svc_fail(c, SVC_FAILED_PRECONDITION,
                          "the association is established: send protected "
                          "messages");
        }
        goto out;
    }
    msgno = a->next_in;
    rc = set_ead(c, a->hs, a->initiator ? 3 : 4, q->ead, q->ead_count);
    if (rc != SVC_OK)
        goto out;
    rv =
        kw_edhoc_step(a->hs, q->message.bytes, q->message.size, &out, &out_len);
    if (a->initiator && a->next_in == 2 && rv == KW_EDHOC_OK)
        a->next_in = 4; /* message_4, when the identity expects one */
    rc = after_step(c, a, rv, out, out_len, msgno, o);
out:
    assoc_put(t, a);
    return rc;
}
