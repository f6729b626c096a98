/* SPDX-License-Identifier: Apache-2.0 */
/* config_caps.c: what each configured token can do, found once per
 * configuration load: from the token's mechanism list when the provider
 * reports it on a loaded key, else from the provider's algorithms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "config_internal.h"

enum cap_kind { CAP_SIGNATURE, CAP_KEM, CAP_KEYEXCH, CAP_CIPHER };

/* The keyward provider's key parameter listing the token's mechanisms as
 * "CKM_NAME:use" words (provider/prov.h, PROV_PARAM_TOKEN_MECHS). */
#define TOKEN_MECHS_PARAM "keyward-token-mechanisms"

static const struct {
    const char *cap; /* name reported in Token.capabilities */
    enum cap_kind kind;
    const char *alg;
    const char *mech[2]; /* any of these "CKM_NAME:use" words; none: never */
} caps[] = {
    {"sign:ecdsa", CAP_SIGNATURE, "ECDSA", {"CKM_ECDSA:sign"}},
    {"sign:eddsa", CAP_SIGNATURE, "ED25519", {"CKM_EDDSA:sign"}},
    {"sign:rsa",
     CAP_SIGNATURE,
     "RSA",
     {"CKM_RSA_PKCS:sign", "CKM_RSA_PKCS_PSS:sign"}},
    {"kem:rsasve", CAP_KEM, "RSA", {"CKM_RSA_X_509:decrypt"}},
    {"kem:dhkem-ec", CAP_KEM, "EC", {"CKM_ECDH1_DERIVE:derive"}},
    {"ecdh", CAP_KEYEXCH, "ECDH", {"CKM_ECDH1_DERIVE:derive"}},
    {"x25519", CAP_KEYEXCH, "X25519", {NULL}},
    {"aead:aes-gcm", CAP_CIPHER, "AES-256-GCM", {"CKM_AES_GCM:encrypt"}},
};

/* Whether the space-separated list names holds word. */
static bool has_word(const char *names, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = names; (p = strstr(p, word)) != NULL; p += n)
        if ((p == names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}

/* The token's mechanisms, as the provider reports them on the first loaded
 * key of the token; false when no key tells (none loaded, other provider). */
static bool token_mechs(const struct svc_config *cfg, const char *token,
                        char *buf, size_t len)
{
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const struct svc_key *k = &cfg->keys[i];
        if (k->pkey == NULL || k->token == NULL || strcmp(k->token, token))
            continue;
        if (EVP_PKEY_get_utf8_string_param(k->pkey, TOKEN_MECHS_PARAM, buf, len,
                                           NULL) == 1)
            return true;
        ERR_clear_error();
    }
    return false;
}

static bool provider_has(OSSL_LIB_CTX *libctx, enum cap_kind kind,
                         const char *alg, const char *propq)
{
    bool has = false;
    switch (kind) {
    case CAP_SIGNATURE: {
        EVP_SIGNATURE *s = EVP_SIGNATURE_fetch(libctx, alg, propq);
        has = s != NULL;
        EVP_SIGNATURE_free(s);
        break;
    }
    case CAP_KEM: {
        EVP_KEM *k = EVP_KEM_fetch(libctx, alg, propq);
        has = k != NULL;
        EVP_KEM_free(k);
        break;
    }
    case CAP_KEYEXCH: {
        EVP_KEYEXCH *x = EVP_KEYEXCH_fetch(libctx, alg, propq);
        has = x != NULL;
        EVP_KEYEXCH_free(x);
        break;
    }
    case CAP_CIPHER: {
        EVP_CIPHER *c = EVP_CIPHER_fetch(libctx, alg, propq);
        has = c != NULL;
        EVP_CIPHER_free(c);
        break;
    }
    }
    return has;
}

int cfg_tokens_probe(struct svc_config *cfg)
{
    for (size_t t = 0; t < cfg->ntokens; t++) {
        struct svc_token *tok = &cfg->tokens[t];
        char propq[96], mechs[1024];
        bool from_token;
        if (tok->provider == NULL)
            continue;
        snprintf(propq, sizeof(propq), "provider=%s", tok->provider);
        from_token = token_mechs(cfg, tok->name, mechs, sizeof(mechs));
        tok->caps = calloc(sizeof(caps) / sizeof(caps[0]), sizeof(*tok->caps));
        if (tok->caps == NULL)
            return -1;
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
            bool has;
            if (from_token)
                has = (caps[i].mech[0] != NULL &&
                       has_word(mechs, caps[i].mech[0])) ||
                      (caps[i].mech[1] != NULL &&
                       has_word(mechs, caps[i].mech[1]));
            else
                has =
                    provider_has(cfg->libctx, caps[i].kind, caps[i].alg, propq);
            if (has)
                tok->caps[tok->ncaps++] = caps[i].cap;
        }
    }
    ERR_clear_error(); /* failed fetches are answers here */
    return 0;
}
