/* SPDX-License-Identifier: Apache-2.0 */
/* policy.c: which caller may do what with which key (default deny). */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "svc.h"

static const struct {
    const char *name;
    unsigned op;
} op_names[] = {
    {"sign", SVC_OP_SIGN},
    {"verify", SVC_OP_VERIFY},
    {"decapsulate", SVC_OP_DECAPSULATE},
    {"ecdh", SVC_OP_ECDH},
    {"export", SVC_OP_EXPORT},
    {"public", SVC_OP_PUBLIC},
    {"initiate", SVC_OP_INITIATE},
    {"respond", SVC_OP_RESPOND},
    {"all", SVC_OP_ALL},
};

unsigned svc_op_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
        if (strcmp(op_names[i].name, name) == 0)
            return op_names[i].op;
    return 0;
}

bool svc_policy_idset_match(const struct svc_idset *set,
                            const struct svc_caller *who)
{
    for (size_t i = 0; i < set->nuids; i++)
        if (set->uids[i] == who->uid)
            return true;
    for (size_t i = 0; i < set->ngids; i++) {
        if (set->gids[i] == who->gid)
            return true;
        for (int g = 0; g < who->ngroups; g++)
            if (set->gids[i] == who->groups[g])
                return true;
    }
    return false;
}

/* What a key can do at all, by type. Export concerns the sessions a key
 * creates (Decapsulate, Ecdh), so only such keys offer it. */
static unsigned key_capable_ops(const struct svc_key *key)
{
    EVP_PKEY *pk = key->pkey;
    unsigned ops = SVC_OP_PUBLIC | SVC_OP_VERIFY;
    if (!key->has_private)
        return ops;
    if (EVP_PKEY_is_a(pk, "EC"))
        return ops | SVC_OP_SIGN | SVC_OP_ECDH | SVC_OP_DECAPSULATE |
               SVC_OP_EXPORT;
    if (EVP_PKEY_is_a(pk, "RSA"))
        return ops | SVC_OP_SIGN | SVC_OP_DECAPSULATE | SVC_OP_EXPORT;
    if (EVP_PKEY_is_a(pk, "X25519") || EVP_PKEY_is_a(pk, "X448"))
        return SVC_OP_PUBLIC | SVC_OP_ECDH | SVC_OP_DECAPSULATE | SVC_OP_EXPORT;
    return ops | SVC_OP_SIGN; /* EdDSA, and types we do not know */
}

unsigned svc_policy_ops(const struct svc_config *cfg,
                        const struct svc_caller *who, const struct svc_key *key)
{
    size_t idx = (size_t)(key - cfg->keys);
    unsigned ops = 0;
    for (size_t r = 0; r < cfg->nrules; r++) {
        const struct svc_rule *rule = &cfg->rules[r];
        bool names_key = false;
        for (size_t k = 0; k < rule->nkeys && !names_key; k++)
            names_key = rule->keys[k] == idx;
        if (names_key && svc_policy_idset_match(&rule->who, who))
            ops |= rule->ops;
    }
    /* Operations the key cannot do are never granted. */
    return ops & key_capable_ops(key);
}

unsigned svc_policy_identity_ops(const struct svc_config *cfg,
                                 const struct svc_caller *who,
                                 const struct svc_identity *id)
{
    size_t idx = (size_t)(id - cfg->identities);
    unsigned ops = 0;
    for (size_t r = 0; r < cfg->nrules; r++) {
        const struct svc_rule *rule = &cfg->rules[r];
        bool names_id = false;
        for (size_t k = 0; k < rule->nidents && !names_id; k++)
            names_id = rule->idents[k] == idx;
        if (names_id && svc_policy_idset_match(&rule->who, who))
            ops |= rule->ops;
    }
    return ops & (SVC_OP_INITIATE | SVC_OP_RESPOND | SVC_OP_EXPORT);
}

bool svc_policy_peer_allowed(const struct svc_identity *id, const char *subject,
                             const uint8_t *kid, size_t kid_len)
{
    char hex[2 * 16 + 1] = "";

    for (size_t i = 0; i < kid_len && i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", kid[i]);
    for (size_t i = 0; i < id->npeers; i++) {
        const char *p = id->peers[i];
        if (strncmp(p, "kid:", 4) == 0) {
            if (kid_len > 0 && kid_len <= 16 && fnmatch(p + 4, hex, 0) == 0)
                return true;
            continue;
        }
        if (strncmp(p, "subject:", 8) == 0)
            p += 8;
        if (subject != NULL && fnmatch(p, subject, 0) == 0)
            return true;
    }
    return false; /* default deny */
}
