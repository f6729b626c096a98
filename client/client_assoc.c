/* SPDX-License-Identifier: Apache-2.0 */
/* client_assoc.c: the client library's association calls (EDHOC handshake
 * steps, protected messages, key update, OSCORE export). */
#include <stdio.h>

#include "client_pb.h"

static int set_ead(kwc *c, keyward_v1_EadItem *dst, pb_size_t *count,
                   size_t cap, const struct kwc_ead *ead, size_t n)
{
    if (n > cap) {
        kwc_set_error(c, "at most %zu EAD items", cap);
        return KWC_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = SET_BYTES(dst[i].value, ead[i].value, ead[i].value_len,
                           "EAD value");
        if (rc != KWC_OK)
            return rc;
        dst[i].label = ead[i].label;
        dst[i].has_value = ead[i].has_value;
    }
    *count = (pb_size_t)n;
    return KWC_OK;
}

static void peer_get(const keyward_v1_PeerIdentity *p, struct kwc_peer *out)
{
    out->kind = (int)p->kind;
    snprintf(out->subject, sizeof(out->subject), "%s", p->subject);
    out->kid_len = p->kid.size <= sizeof(out->kid) ? p->kid.size : 0;
    memcpy(out->kid, p->kid.bytes, out->kid_len);
}

static void step_get(const keyward_v1_HandshakeStep *s, struct kwc_hs_step *o)
{
    memset(o, 0, sizeof(*o));
    if (s->handle.size == KWC_HANDLE_LEN)
        memcpy(o->handle, s->handle.bytes, KWC_HANDLE_LEN);
    o->state = (int)s->state;
    memcpy(o->message, s->message.bytes, s->message.size);
    o->message_len = s->message.size;
    for (pb_size_t i = 0; i < s->peer_ead_count && i < KWC_MAX_EAD; i++) {
        struct kwc_ead *e = &o->peer_ead[o->npeer_ead++];
        e->label = s->peer_ead[i].label;
        e->has_value = s->peer_ead[i].has_value;
        memcpy(e->value, s->peer_ead[i].value.bytes, s->peer_ead[i].value.size);
        e->value_len = s->peer_ead[i].value.size;
    }
    peer_get(&s->peer, &o->peer);
    o->method = s->method;
    o->suite = s->suite;
    o->failure = (int)s->failure;
    snprintf(o->reason, sizeof(o->reason), "%s", s->reason);
    o->edhoc_error_code = s->edhoc_error_code;
}

int kwc_assoc_start(kwc *c, const char *identity,
                    const struct kwc_assoc_opts *opts, struct kwc_hs_step *step)
{
    CALL_BEGIN(StartAssociation)
    if ((rc = SET_STR(q->identity, identity, "identity")) != KWC_OK)
        goto out;
    if (opts != NULL) {
        if (opts->method >= 0) {
            q->has_method = true;
            q->method = (uint32_t)opts->method;
        }
        if (opts->nsuites > sizeof(q->suites) / sizeof(q->suites[0])) {
            rc = KWC_INVALID_ARGUMENT;
            kwc_set_error(c, "too many suites");
            goto out;
        }
        for (size_t i = 0; i < opts->nsuites; i++)
            q->suites[q->suites_count++] = opts->suites[i];
        if ((rc = set_ead(c, q->ead, &q->ead_count,
                          sizeof(q->ead) / sizeof(q->ead[0]), opts->ead,
                          opts->nead)) != KWC_OK)
            goto out;
    }
    if ((rc = CALL_DO(StartAssociation)) == KWC_OK)
        step_get(&r->step, step);
    CALL_END
}

int kwc_assoc_accept(kwc *c, const char *identity, const uint8_t *msg1,
                     size_t len, const struct kwc_ead *ead, size_t nead,
                     struct kwc_hs_step *step)
{
    CALL_BEGIN(AcceptAssociation)
    if ((rc = SET_STR(q->identity, identity, "identity")) != KWC_OK ||
        (rc = SET_BYTES(q->message, msg1, len, "message_1")) != KWC_OK ||
        (rc = set_ead(c, q->ead, &q->ead_count,
                      sizeof(q->ead) / sizeof(q->ead[0]), ead, nead)) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(AcceptAssociation)) == KWC_OK)
        step_get(&r->step, step);
    CALL_END
}

int kwc_assoc_continue(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                       const uint8_t *msg, size_t len,
                       const struct kwc_ead *ead, size_t nead,
                       struct kwc_hs_step *step)
{
    CALL_BEGIN(ContinueAssociation)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) !=
            KWC_OK ||
        (rc = SET_BYTES(q->message, msg, len, "EDHOC message")) != KWC_OK ||
        (rc = set_ead(c, q->ead, &q->ead_count,
                      sizeof(q->ead) / sizeof(q->ead[0]), ead, nead)) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(ContinueAssociation)) == KWC_OK)
        step_get(&r->step, step);
    CALL_END
}

int kwc_assoc_seal(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   const uint8_t *pt, size_t ptlen, uint8_t *out,
                   size_t *out_len, struct kwc_msg_info *info)
{
    CALL_BEGIN(SealMessage)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) !=
            KWC_OK ||
        (rc = SET_BYTES(q->plaintext, pt, ptlen, "plaintext")) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(SealMessage)) != KWC_OK)
        goto out;
    if (r->message.size > *out_len) {
        rc = KWC_INVALID_ARGUMENT;
        kwc_set_error(c, "output buffer of %zu bytes is too small (%u)",
                      *out_len, (unsigned)r->message.size);
        goto out;
    }
    memcpy(out, r->message.bytes, r->message.size);
    *out_len = r->message.size;
    if (info != NULL) {
        memset(info, 0, sizeof(*info));
        info->epoch = r->epoch;
        info->key_updated = r->key_updated;
        info->rehandshake_advised = r->rehandshake_advised;
        memcpy(info->handle, handle, KWC_HANDLE_LEN);
    }
    CALL_END
}

int kwc_assoc_open(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   const uint8_t *msg, size_t len, uint8_t *pt, size_t *pt_len,
                   struct kwc_msg_info *info)
{
    CALL_BEGIN(OpenMessage)
    if ((handle != NULL && (rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN,
                                           "handle")) != KWC_OK) ||
        (rc = SET_BYTES(q->message, msg, len, "message")) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(OpenMessage)) != KWC_OK)
        goto out;
    if (r->plaintext.size > *pt_len) {
        rc = KWC_INVALID_ARGUMENT;
        kwc_set_error(c, "output buffer of %zu bytes is too small (%u)",
                      *pt_len, (unsigned)r->plaintext.size);
        goto out;
    }
    memcpy(pt, r->plaintext.bytes, r->plaintext.size);
    *pt_len = r->plaintext.size;
    if (info != NULL) {
        memset(info, 0, sizeof(*info));
        info->epoch = r->epoch;
        info->key_updated = r->key_updated;
        info->rehandshake_advised = r->rehandshake_advised;
        if (r->handle.size == KWC_HANDLE_LEN)
            memcpy(info->handle, r->handle.bytes, KWC_HANDLE_LEN);
        peer_get(&r->peer, &info->peer);
    }
    CALL_END
}

int kwc_assoc_update_keys(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                          uint32_t *epoch)
{
    CALL_BEGIN(UpdateKeys)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(UpdateKeys)) == KWC_OK && epoch != NULL)
        *epoch = r->epoch;
    CALL_END
}

#define GET_BYTES(dst, dlen, f)                                                \
    do {                                                                       \
        (dlen) = (f).size <= sizeof(dst) ? (f).size : 0;                       \
        memcpy((dst), (f).bytes, (dlen));                                      \
    } while (0)

int kwc_assoc_export_oscore(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                            struct kwc_oscore *o)
{
    memset(o, 0, sizeof(*o));
    CALL_BEGIN(ExportOscore)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(ExportOscore)) != KWC_OK)
        goto out;
    GET_BYTES(o->master_secret, o->master_secret_len, r->master_secret);
    GET_BYTES(o->master_salt, o->master_salt_len, r->master_salt);
    GET_BYTES(o->sender_id, o->sender_id_len, r->sender_id);
    GET_BYTES(o->recipient_id, o->recipient_id_len, r->recipient_id);
    GET_BYTES(o->id_context, o->id_context_len, r->id_context);
    o->aead_alg = r->aead_alg;
    o->hkdf_alg = r->hkdf_alg;
    CALL_END
}

int kwc_assoc_info(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   struct kwc_assoc_info *info)
{
    memset(info, 0, sizeof(*info));
    CALL_BEGIN(GetAssociation)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) != KWC_OK)
        goto out;
    if ((rc = CALL_DO(GetAssociation)) != KWC_OK)
        goto out;
    info->state = (int)r->state;
    snprintf(info->identity, sizeof(info->identity), "%s", r->identity);
    info->initiator = r->initiator;
    peer_get(&r->peer, &info->peer);
    info->method = r->method;
    info->suite = r->suite;
    info->epoch = r->epoch;
    info->key_updates = r->key_updates;
    info->age_seconds = r->age_seconds;
    info->epoch_age_seconds = r->epoch_age_seconds;
    info->sealed = r->sealed;
    info->opened = r->opened;
    info->rejected = r->rejected;
    info->failed_decryptions = r->failed_decryptions;
    info->replays = r->replays;
    info->rehandshake_advised = r->rehandshake_advised;
    GET_BYTES(info->connection_id, info->connection_id_len, r->connection_id);
    CALL_END
}

int kwc_assoc_close(kwc *c, const uint8_t handle[KWC_HANDLE_LEN])
{
    CALL_BEGIN(CloseAssociation)
    if ((rc = SET_BYTES(q->handle, handle, KWC_HANDLE_LEN, "handle")) != KWC_OK)
        goto out;
    rc = CALL_DO(CloseAssociation);
    CALL_END
}
