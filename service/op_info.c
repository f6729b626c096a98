/* SPDX-License-Identifier: Apache-2.0 */
/* op_info.c: discovery (version, tokens, keys, public keys), random bytes and
 * metrics. */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>

#include "keyward/v1/keyward.pb.h"
#include "svc.h"

#define COPY_STR(dst, src)                                                     \
    snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

int svc_op_get_version(struct svc_call *c, const void *req, void *resp)
{
    keyward_v1_GetVersionResponse *r = resp;
    (void)c;
    (void)req;
    COPY_STR(r->version, SVC_VERSION);
    r->api_version = SVC_API_VERSION;
    COPY_STR(r->openssl_version, OpenSSL_version(OPENSSL_VERSION));
    return SVC_OK;
}

int svc_op_list_tokens(struct svc_call *c, const void *req, void *resp)
{
    keyward_v1_ListTokensResponse *r = resp;
    (void)req;
    for (size_t i = 0; i < c->cfg->ntokens && i < 16; i++) {
        keyward_v1_Token *t = &r->tokens[r->tokens_count++];
        COPY_STR(t->name, c->cfg->tokens[i].name);
        COPY_STR(t->uri, c->cfg->tokens[i].uri);
        COPY_STR(t->provider, c->cfg->tokens[i].provider);
        for (size_t k = 0; k < c->cfg->tokens[i].ncaps && k < 32; k++)
            COPY_STR(t->capabilities[t->capabilities_count++],
                     c->cfg->tokens[i].caps[k]);
    }
    return SVC_OK;
}

static const struct {
    unsigned op;
    keyward_v1_Operation pb;
} op_map[] = {
    {SVC_OP_SIGN, keyward_v1_Operation_OPERATION_SIGN},
    {SVC_OP_VERIFY, keyward_v1_Operation_OPERATION_VERIFY},
    {SVC_OP_DECAPSULATE, keyward_v1_Operation_OPERATION_DECAPSULATE},
    {SVC_OP_ECDH, keyward_v1_Operation_OPERATION_ECDH},
    {SVC_OP_EXPORT, keyward_v1_Operation_OPERATION_EXPORT},
    {SVC_OP_PUBLIC, keyward_v1_Operation_OPERATION_PUBLIC},
};

static const char *nist_name(const char *group)
{
    if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
        return "P-256";
    if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
        return "P-384";
    if (strcmp(group, "secp521r1") == 0 || strcmp(group, "P-521") == 0)
        return "P-521";
    return group;
}

static void key_info(const struct svc_key *k, unsigned ops,
                     keyward_v1_KeyInfo *ki)
{
    static const struct {
        const char *name;
        keyward_v1_KeyType type;
    } types[] = {
        {"EC", keyward_v1_KeyType_KEY_TYPE_EC},
        {"RSA", keyward_v1_KeyType_KEY_TYPE_RSA},
        {"RSA-PSS", keyward_v1_KeyType_KEY_TYPE_RSA},
        {"ED25519", keyward_v1_KeyType_KEY_TYPE_ED25519},
        {"ED448", keyward_v1_KeyType_KEY_TYPE_ED448},
        {"X25519", keyward_v1_KeyType_KEY_TYPE_X25519},
        {"X448", keyward_v1_KeyType_KEY_TYPE_X448},
    };
    char group[32];
    size_t glen = 0;

    COPY_STR(ki->name, k->name);
    COPY_STR(ki->token, k->token);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (EVP_PKEY_is_a(k->pkey, types[i].name)) {
            ki->type = types[i].type;
            break;
        }
    ki->bits = (uint32_t)EVP_PKEY_get_bits(k->pkey);
    if (ki->type == keyward_v1_KeyType_KEY_TYPE_EC &&
        EVP_PKEY_get_group_name(k->pkey, group, sizeof(group), &glen) == 1)
        COPY_STR(ki->group, nist_name(group));
    for (size_t i = 0; i < sizeof(op_map) / sizeof(op_map[0]); i++)
        if (ops & op_map[i].op)
            ki->operations[ki->operations_count++] = op_map[i].pb;
    ki->has_certificate = k->ncerts > 0;
}

int svc_op_list_keys(struct svc_call *c, const void *req, void *resp)
{
    keyward_v1_ListKeysResponse *r = resp;
    (void)req;
    /* Keys are sorted by name in the configuration. */
    for (size_t i = 0; i < c->cfg->nkeys; i++) {
        unsigned ops = svc_policy_ops(c->cfg, c->who, &c->cfg->keys[i]);
        if (ops == 0)
            continue;
        if (r->keys_count == 64)
            return svc_fail(c, SVC_OUT_OF_RANGE,
                            "more than 64 keys allowed to this user");
        key_info(&c->cfg->keys[i], ops, &r->keys[r->keys_count++]);
    }
    return SVC_OK;
}

int svc_op_get_public_key(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_GetPublicKeyRequest *q = req;
    keyward_v1_GetPublicKeyResponse *r = resp;
    const struct svc_key *k;
    int rc = svc_key_for(c, q->key, SVC_OP_PUBLIC, &k);
    if (rc != SVC_OK)
        return rc;
    if (k->spki_len > sizeof(r->spki.bytes))
        return svc_fail(c, SVC_OUT_OF_RANGE,
                        "public key too large for the API");
    memcpy(r->spki.bytes, k->spki, k->spki_len);
    r->spki.size = (pb_size_t)k->spki_len;
    for (size_t i = 0; i < k->ncerts; i++) {
        if (k->cert_lens[i] > sizeof(r->certificates[0].bytes))
            return svc_fail(c, SVC_OUT_OF_RANGE,
                            "certificate %zu of key '%s' exceeds 4096 bytes", i,
                            k->name);
        memcpy(r->certificates[i].bytes, k->certs[i], k->cert_lens[i]);
        r->certificates[i].size = (pb_size_t)k->cert_lens[i];
        r->certificates_count++;
    }
    return SVC_OK;
}

int svc_op_get_random(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_GetRandomRequest *q = req;
    keyward_v1_GetRandomResponse *r = resp;
    if (q->length == 0 || q->length > sizeof(r->data.bytes))
        return svc_fail(c, SVC_INVALID_ARGUMENT, "length must be 1..%zu",
                        sizeof(r->data.bytes));
    /* The DRBG of the configured providers' library context. */
    if (RAND_bytes_ex(c->cfg->libctx, r->data.bytes, q->length, 0) != 1)
        return svc_fail(c, SVC_UNAVAILABLE, "random generator failed");
    r->data.size = (pb_size_t)q->length;
    return SVC_OK;
}

int svc_op_get_metrics(struct svc_call *c, const void *req, void *resp)
{
    keyward_v1_GetMetricsResponse *r = resp;
    struct svc_assoc_counts ac;
    (void)req;
    if (!svc_policy_idset_match(&c->cfg->metrics_acl, c->who))
        return svc_fail(c, SVC_PERMISSION_DENIED,
                        "uid %u is not in the 'metrics' list of the "
                        "configuration",
                        (unsigned)c->who->uid);
    for (size_t i = 0;
         i < svc_nmethods && i < sizeof(r->methods) / sizeof(r->methods[0]);
         i++) {
        keyward_v1_MethodMetrics *m = &r->methods[r->methods_count++];
        const struct svc_metric *s = &c->st->metrics[i];
        COPY_STR(m->method, svc_methods[i].name);
        m->calls = atomic_load(&s->calls);
        m->errors = atomic_load(&s->errors);
        for (size_t b = 0; b < SVC_METRIC_BUCKETS; b++)
            m->latency_buckets[m->latency_buckets_count++] =
                atomic_load(&s->buckets[b]);
    }
    for (size_t b = 0; b + 1 < SVC_METRIC_BUCKETS; b++)
        r->bucket_bounds_us[r->bucket_bounds_us_count++] =
            svc_metric_bounds_us[b];
    r->sessions_open = svc_sessions_count(c->st->sessions);
    svc_assocs_counts(c->st->assocs, &ac);
    r->associations_open = ac.established;
    r->handshakes_open = ac.handshakes;
    r->handshakes_completed = ac.completed;
    r->handshakes_failed = ac.failed;
    r->key_updates = ac.key_updates;
    r->messages_sealed = ac.sealed;
    r->messages_opened = ac.opened;
    r->messages_rejected = ac.rejected;
    /* OpenSSL 3.0 crashes in CRYPTO_secure_used() without a secure heap */
    r->secure_heap_used =
        CRYPTO_secure_malloc_initialized() ? CRYPTO_secure_used() : 0;
    r->uptime_seconds = svc_now_us() / 1000000u - c->st->started;
    r->config_generation = c->cfg->generation;
    return SVC_OK;
}
