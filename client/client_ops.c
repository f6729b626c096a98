/* SPDX-License-Identifier: Apache-2.0 */
/* client_ops.c: the client library's typed calls: nanopb encoding of each
 * keyward.v1 request and response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "client_pb.h"

int kwc_version(kwc *c, char *version, size_t len, unsigned *api_version)
{
    CALL_BEGIN(GetVersion)
    rc = CALL_DO(GetVersion);
    if (rc == KWC_OK) {
        snprintf(version, len, "%s", r->version);
        if (api_version != NULL)
            *api_version = r->api_version;
    }
    CALL_END
}

static const char *type_name(int t)
{
    static const char *const names[] = {"?",     "EC",     "RSA", "ED25519",
                                        "ED448", "X25519", "X448"};
    return t >= 0 && t < 7 ? names[t] : "?";
}

int kwc_list_tokens(kwc *c, struct kwc_token_info **tokens, size_t *n)
{
    *tokens = NULL;
    *n = 0;
    CALL_BEGIN(ListTokens)
    rc = CALL_DO(ListTokens);
    if (rc != KWC_OK)
        goto out;
    *tokens = calloc(r->tokens_count + 1u, sizeof(**tokens));
    if (*tokens == NULL) {
        rc = KWC_INTERNAL;
        goto out;
    }
    for (pb_size_t i = 0; i < r->tokens_count; i++) {
        struct kwc_token_info *t = &(*tokens)[i];
        const keyward_v1_Token *tk = &r->tokens[i];
        snprintf(t->name, sizeof(t->name), "%s", tk->name);
        snprintf(t->uri, sizeof(t->uri), "%s", tk->uri);
        snprintf(t->provider, sizeof(t->provider), "%s", tk->provider);
        for (pb_size_t j = 0; j < tk->capabilities_count && j < 32; j++)
            snprintf(t->capabilities[j], sizeof(t->capabilities[j]), "%s",
                     tk->capabilities[j]);
        t->ncapabilities =
            tk->capabilities_count < 32 ? tk->capabilities_count : 32;
    }
    *n = r->tokens_count;
    CALL_END
}

int kwc_list_keys(kwc *c, struct kwc_key_info **keys, size_t *n)
{
    *keys = NULL;
    *n = 0;
    CALL_BEGIN(ListKeys)
    rc = CALL_DO(ListKeys);
    if (rc != KWC_OK)
        goto out;
    *keys = calloc(r->keys_count + 1u, sizeof(**keys));
    if (*keys == NULL) {
        rc = KWC_INTERNAL;
        goto out;
    }
    for (pb_size_t i = 0; i < r->keys_count; i++) {
        struct kwc_key_info *k = &(*keys)[i];
        const keyward_v1_KeyInfo *ki = &r->keys[i];
        snprintf(k->name, sizeof(k->name), "%s", ki->name);
        k->type = ki->type;
        k->type_name = type_name(ki->type);
        k->bits = ki->bits;
        snprintf(k->group, sizeof(k->group), "%s", ki->group);
        for (pb_size_t j = 0; j < ki->operations_count; j++)
            if (ki->operations[j] > 0 && ki->operations[j] < 31)
                k->ops |= 1u << ki->operations[j];
        snprintf(k->token, sizeof(k->token), "%s", ki->token);
        k->has_certificate = ki->has_certificate;
    }
    *n = r->keys_count;
    CALL_END
}

void kwc_certs_free(uint8_t **certs, size_t *cert_lens, size_t ncerts)
{
    for (size_t i = 0; certs != NULL && i < ncerts; i++)
        free(certs[i]);
    free(certs);
    free(cert_lens);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *d = malloc(n > 0 ? n : 1);
    if (d != NULL)
        memcpy(d, p, n);
    return d;
}

int kwc_public_key(kwc *c, const char *key, uint8_t **spki, size_t *spki_len,
                   uint8_t ***certs, size_t **cert_lens, size_t *ncerts)
{
    *spki = NULL;
    if (certs != NULL) {
        *certs = NULL;
        *cert_lens = NULL;
        *ncerts = 0;
    }
    CALL_BEGIN(GetPublicKey)
    if ((rc = SET_STR(q->key, key, "key name")) != KWC_OK)
        goto out;
    rc = CALL_DO(GetPublicKey);
    if (rc != KWC_OK)
        goto out;
    *spki = dup_bytes(r->spki.bytes, r->spki.size);
    *spki_len = r->spki.size;
    if (certs != NULL && r->certificates_count > 0) {
        *certs = calloc(r->certificates_count, sizeof(**certs));
        *cert_lens = calloc(r->certificates_count, sizeof(**cert_lens));
        for (pb_size_t i = 0; *certs && *cert_lens && i < r->certificates_count;
             i++) {
            (*certs)[i] =
                dup_bytes(r->certificates[i].bytes, r->certificates[i].size);
            (*cert_lens)[i] = r->certificates[i].size;
            *ncerts = i + 1u;
        }
    }
    if (*spki == NULL || (certs != NULL && *ncerts != r->certificates_count)) {
        rc = KWC_INTERNAL;
        kwc_set_error(c, "out of memory");
    }
    CALL_END
}

int kwc_sign(kwc *c, const char *key, enum kwc_scheme scheme, bool is_digest,
             const uint8_t *data, size_t len, uint8_t *sig, size_t *siglen,
             enum kwc_scheme *used)
{
    CALL_BEGIN(Sign)
    if ((rc = SET_STR(q->key, key, "key name")) != KWC_OK)
        goto out;
    q->scheme = (keyward_v1_SignatureScheme)scheme;
    if (is_digest) {
        q->which_input = keyward_v1_SignRequest_digest_tag;
        rc = SET_BYTES(q->input.digest, data, len, "digest");
    } else {
        q->which_input = keyward_v1_SignRequest_message_tag;
        rc = SET_BYTES(q->input.message, data, len, "message");
    }
    if (rc != KWC_OK || (rc = CALL_DO(Sign)) != KWC_OK)
        goto out;
    memcpy(sig, r->signature.bytes, r->signature.size);
    *siglen = r->signature.size;
    if (used != NULL)
        *used = (enum kwc_scheme)r->scheme;
    CALL_END
}

int kwc_sign_batch(kwc *c, const char *key, enum kwc_scheme scheme,
                   const uint8_t *const *digests, const size_t *digest_lens,
                   size_t n, uint8_t **sigs, size_t *sig_lens)
{
    CALL_BEGIN(SignBatch)
    if ((rc = SET_STR(q->key, key, "key name")) != KWC_OK)
        goto out;
    if (n > sizeof(q->digests) / sizeof(q->digests[0])) {
        kwc_set_error(c, "at most 32 digests per batch");
        rc = KWC_INVALID_ARGUMENT;
        goto out;
    }
    q->scheme = (keyward_v1_SignatureScheme)scheme;
    for (size_t i = 0; i < n; i++)
        if ((rc = SET_BYTES(q->digests[i], digests[i], digest_lens[i],
                            "digest")) != KWC_OK)
            goto out;
    q->digests_count = (pb_size_t)n;
    if ((rc = CALL_DO(SignBatch)) != KWC_OK)
        goto out;
    if (r->signatures_count != n) {
        kwc_set_error(c, "got %u signatures for %zu digests",
                      (unsigned)r->signatures_count, n);
        rc = KWC_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(sigs[i], r->signatures[i].bytes, r->signatures[i].size);
        sig_lens[i] = r->signatures[i].size;
    }
    CALL_END
}

int kwc_verify(kwc *c, const char *key, const uint8_t *spki, size_t spki_len,
               enum kwc_scheme scheme, bool is_digest, const uint8_t *data,
               size_t len, const uint8_t *sig, size_t siglen, bool *valid)
{
    CALL_BEGIN(Verify)
    if (key != NULL) {
        q->which_public_key = keyward_v1_VerifyRequest_key_tag;
        rc = SET_STR(q->public_key.key, key, "key name");
    } else {
        q->which_public_key = keyward_v1_VerifyRequest_spki_tag;
        rc = SET_BYTES(q->public_key.spki, spki, spki_len, "public key");
    }
    if (rc != KWC_OK)
        goto out;
    q->scheme = (keyward_v1_SignatureScheme)scheme;
    if (is_digest) {
        q->which_input = keyward_v1_VerifyRequest_digest_tag;
        rc = SET_BYTES(q->input.digest, data, len, "digest");
    } else {
        q->which_input = keyward_v1_VerifyRequest_message_tag;
        rc = SET_BYTES(q->input.message, data, len, "message");
    }
    if (rc != KWC_OK ||
        (rc = SET_BYTES(q->signature, sig, siglen, "signature")) != KWC_OK ||
        (rc = CALL_DO(Verify)) != KWC_OK)
        goto out;
    *valid = r->valid;
    CALL_END
}

int kwc_encapsulate(kwc *c, const uint8_t *peer_spki, size_t spki_len,
                    enum kwc_aead aead, enum kwc_role role, uint8_t *ct,
                    size_t *ctlen, uint8_t handle[KWC_HANDLE_LEN])
{
    CALL_BEGIN(Encapsulate)
    if ((rc = SET_BYTES(q->peer_spki, peer_spki, spki_len, "public key")) !=
        KWC_OK)
        goto out;
    q->aead = (keyward_v1_Aead)aead;
    q->role = (keyward_v1_Role)role;
    if ((rc = CALL_DO(Encapsulate)) != KWC_OK)
        goto out;
    memcpy(ct, r->ciphertext.bytes, r->ciphertext.size);
    *ctlen = r->ciphertext.size;
    memcpy(handle, r->handle.bytes, KWC_HANDLE_LEN);
    CALL_END
}

int kwc_decapsulate(kwc *c, const char *key, const uint8_t *ct, size_t ctlen,
                    enum kwc_aead aead, enum kwc_role role,
                    uint8_t handle[KWC_HANDLE_LEN])
{
    CALL_BEGIN(Decapsulate)
    if ((rc = SET_STR(q->key, key, "key name")) != KWC_OK ||
        (rc = SET_BYTES(q->ciphertext, ct, ctlen, "ciphertext")) != KWC_OK)
        goto out;
    q->aead = (keyward_v1_Aead)aead;
    q->role = (keyward_v1_Role)role;
    if ((rc = CALL_DO(Decapsulate)) != KWC_OK)
        goto out;
    memcpy(handle, r->handle.bytes, KWC_HANDLE_LEN);
    CALL_END
}

int kwc_ecdh(kwc *c, const char *key, const uint8_t *peer_spki, size_t spki_len,
             enum kwc_aead aead, enum kwc_role role,
             uint8_t handle[KWC_HANDLE_LEN])
{
    CALL_BEGIN(Ecdh)
    if ((rc = SET_STR(q->key, key, "key name")) != KWC_OK ||
        (rc = SET_BYTES(q->peer_spki, peer_spki, spki_len, "public key")) !=
            KWC_OK)
        goto out;
    q->aead = (keyward_v1_Aead)aead;
    q->role = (keyward_v1_Role)role;
    if ((rc = CALL_DO(Ecdh)) != KWC_OK)
        goto out;
    memcpy(handle, r->handle.bytes, KWC_HANDLE_LEN);
    CALL_END
}

#define SET_HANDLE(f, h) SET_BYTES(f, h, KWC_HANDLE_LEN, "handle")

int kwc_seal(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const uint8_t *pt,
             size_t ptlen, const uint8_t *aad, size_t aadlen, uint8_t *ct,
             size_t *ctlen, uint64_t *seq, uint32_t *epoch, bool *rekey_advised)
{
    CALL_BEGIN(Seal)
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK ||
        (rc = SET_BYTES(q->plaintext, pt, ptlen, "plaintext")) != KWC_OK ||
        (rc = SET_BYTES(q->aad, aad, aadlen, "aad")) != KWC_OK ||
        (rc = CALL_DO(Seal)) != KWC_OK)
        goto out;
    memcpy(ct, r->ciphertext.bytes, r->ciphertext.size);
    *ctlen = r->ciphertext.size;
    *seq = r->sequence;
    if (epoch != NULL)
        *epoch = r->epoch;
    if (rekey_advised != NULL)
        *rekey_advised = r->rekey_advised;
    CALL_END
}

int kwc_open(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], uint64_t seq,
             const uint8_t *ct, size_t ctlen, const uint8_t *aad, size_t aadlen,
             uint8_t *pt, size_t *ptlen, bool *rekey_advised)
{
    CALL_BEGIN(Open)
    q->sequence = seq;
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK ||
        (rc = SET_BYTES(q->ciphertext, ct, ctlen, "ciphertext")) != KWC_OK ||
        (rc = SET_BYTES(q->aad, aad, aadlen, "aad")) != KWC_OK ||
        (rc = CALL_DO(Open)) != KWC_OK)
        goto out;
    memcpy(pt, r->plaintext.bytes, r->plaintext.size);
    *ptlen = r->plaintext.size;
    if (rekey_advised != NULL)
        *rekey_advised = r->rekey_advised;
    CALL_END
}

int kwc_derive(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const char *label,
               enum kwc_aead aead, uint8_t child[KWC_HANDLE_LEN])
{
    CALL_BEGIN(DeriveSession)
    q->aead = (keyward_v1_Aead)aead;
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK ||
        (rc = SET_STR(q->label, label, "label")) != KWC_OK ||
        (rc = CALL_DO(DeriveSession)) != KWC_OK)
        goto out;
    memcpy(child, r->handle.bytes, KWC_HANDLE_LEN);
    CALL_END
}

int kwc_rekey(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], uint32_t *epoch)
{
    CALL_BEGIN(Rekey)
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK ||
        (rc = CALL_DO(Rekey)) != KWC_OK)
        goto out;
    if (epoch != NULL)
        *epoch = r->epoch;
    CALL_END
}

int kwc_export(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const char *label,
               uint8_t *out_key, size_t len)
{
    CALL_BEGIN(ExportSession)
    q->length = (uint32_t)len;
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK ||
        (rc = SET_STR(q->label, label, "label")) != KWC_OK ||
        (rc = CALL_DO(ExportSession)) != KWC_OK)
        goto out;
    if (r->key_material.size != len) {
        kwc_set_error(c, "short key material");
        rc = KWC_INTERNAL;
        goto out;
    }
    memcpy(out_key, r->key_material.bytes, len);
    CALL_END
}

int kwc_close_session(kwc *c, const uint8_t handle[KWC_HANDLE_LEN])
{
    CALL_BEGIN(CloseSession)
    if ((rc = SET_HANDLE(q->handle, handle)) != KWC_OK)
        goto out;
    rc = CALL_DO(CloseSession);
    CALL_END
}

int kwc_random(kwc *c, uint8_t *buf, size_t len)
{
    CALL_BEGIN(GetRandom)
    q->length = (uint32_t)len;
    if ((rc = CALL_DO(GetRandom)) != KWC_OK)
        goto out;
    if (r->data.size != len) {
        kwc_set_error(c, "short random data");
        rc = KWC_INTERNAL;
        goto out;
    }
    memcpy(buf, r->data.bytes, len);
    CALL_END
}

int kwc_metrics(kwc *c, struct kwc_metrics *m)
{
    memset(m, 0, sizeof(*m));
    CALL_BEGIN(GetMetrics)
    if ((rc = CALL_DO(GetMetrics)) != KWC_OK)
        goto out;
    for (pb_size_t i = 0; i < r->methods_count && i < KWC_METRIC_METHODS; i++) {
        struct kwc_method_metrics *d = &m->methods[i];
        snprintf(d->method, sizeof(d->method), "%s", r->methods[i].method);
        d->calls = r->methods[i].calls;
        d->errors = r->methods[i].errors;
        for (pb_size_t b = 0;
             b < r->methods[i].latency_buckets_count && b < KWC_METRIC_BUCKETS;
             b++)
            d->buckets[d->nbuckets++] = r->methods[i].latency_buckets[b];
        m->nmethods++;
    }
    for (pb_size_t b = 0;
         b < r->bucket_bounds_us_count && b < KWC_METRIC_BUCKETS; b++)
        m->bounds_us[m->nbounds++] = r->bucket_bounds_us[b];
    m->sessions_open = r->sessions_open;
    m->uptime_seconds = r->uptime_seconds;
    m->config_generation = r->config_generation;
    m->associations_open = r->associations_open;
    m->handshakes_open = r->handshakes_open;
    m->handshakes_completed = r->handshakes_completed;
    m->handshakes_failed = r->handshakes_failed;
    m->key_updates = r->key_updates;
    m->messages_sealed = r->messages_sealed;
    m->messages_opened = r->messages_opened;
    m->messages_rejected = r->messages_rejected;
    m->secure_heap_used = r->secure_heap_used;
    CALL_END
}
