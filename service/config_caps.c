/* SPDX-License-Identifier: Apache-2.0 */
/* config_caps.c: what each configured token's provider can do, probed once per
 * configuration load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "config_internal.h"

enum cap_kind { CAP_SIGNATURE, CAP_KEM, CAP_KEYEXCH, CAP_CIPHER };

static const struct {
    const char *cap; /* name reported in Token.capabilities */
    enum cap_kind kind;
    const char *alg;
} caps[] = {
    {"sign:ecdsa", CAP_SIGNATURE, "ECDSA"},
    {"sign:eddsa", CAP_SIGNATURE, "ED25519"},
    {"sign:rsa", CAP_SIGNATURE, "RSA"},
    {"kem:rsasve", CAP_KEM, "RSA"},
    {"kem:dhkem-ec", CAP_KEM, "EC"},
    {"ecdh", CAP_KEYEXCH, "ECDH"},
    {"x25519", CAP_KEYEXCH, "X25519"},
    {"aead:aes-gcm", CAP_CIPHER, "AES-256-GCM"},
};

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
    /* TODO(provider): these are the provider's algorithms, not the token's
     * mechanisms. Once the Keyward provider reports a token's mechanism
     * list (e.g. as a store or provider parameter), report that instead. */
    for (size_t t = 0; t < cfg->ntokens; t++) {
        struct svc_token *tok = &cfg->tokens[t];
        char propq[96];
        if (tok->provider == NULL)
            continue;
        snprintf(propq, sizeof(propq), "provider=%s", tok->provider);
        tok->caps = calloc(sizeof(caps) / sizeof(caps[0]), sizeof(*tok->caps));
        if (tok->caps == NULL)
            return -1;
        for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
            if (provider_has(cfg->libctx, caps[i].kind, caps[i].alg, propq))
                tok->caps[tok->ncaps++] = caps[i].cap;
    }
    ERR_clear_error(); /* failed fetches are answers here */
    return 0;
}
