/* SPDX-License-Identifier: Apache-2.0 */
/* suites.c: the cipher suite table, the shared algorithm context and status
 * strings. */
#include <string.h>

#include "edhoc_local.h"

/* COSE algorithms (RFC 9053 sections 4.2, 4.3, 4.4). */
static const struct edhoc_aead aeads[] = {
    {10, EDHOC_CIPHER_CCM, 16, 13, 8},    /* AES-CCM-16-64-128 */
    {30, EDHOC_CIPHER_CCM, 16, 13, 16},   /* AES-CCM-16-128-128 */
    {1, EDHOC_CIPHER_GCM, 16, 12, 16},    /* A128GCM */
    {24, EDHOC_CIPHER_CHACHA, 32, 12, 16} /* ChaCha20/Poly1305 */
};
#define CCM_64  (&aeads[0])
#define CCM_128 (&aeads[1])
#define GCM_128 (&aeads[2])
#define CHACHA  (&aeads[3])

/* RFC 9528 section 10.2; SHA-256 is the hash of every one of them. */
static const struct edhoc_suite suites[] = {
    {0, CCM_64, 8, EDHOC_CURVE_X25519, EDHOC_SIG_EDDSA, CCM_64},
    {1, CCM_128, 16, EDHOC_CURVE_X25519, EDHOC_SIG_EDDSA, CCM_64},
    {2, CCM_64, 8, EDHOC_CURVE_P256, EDHOC_SIG_ES256, CCM_64},
    {3, CCM_128, 16, EDHOC_CURVE_P256, EDHOC_SIG_ES256, CCM_64},
    {4, CHACHA, 16, EDHOC_CURVE_X25519, EDHOC_SIG_EDDSA, CHACHA},
    {5, CHACHA, 16, EDHOC_CURVE_P256, EDHOC_SIG_ES256, CHACHA},
    {6, GCM_128, 16, EDHOC_CURVE_X25519, EDHOC_SIG_ES256, GCM_128},
};

const struct edhoc_suite *edhoc_suite_find(int id)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

const struct edhoc_aead *edhoc_aead_find(int cose_alg)
{
    for (size_t i = 0; i < sizeof(aeads) / sizeof(aeads[0]); i++)
        if (aeads[i].cose_alg == cose_alg)
            return &aeads[i];
    return NULL;
}

kw_edhoc_ctx *kw_edhoc_ctx_new(OSSL_LIB_CTX *libctx, const char *propq)
{
    static const char *const cipher_names[] = {"AES-128-CCM", "AES-128-GCM",
                                               "ChaCha20-Poly1305"};
    kw_edhoc_ctx *ctx = OPENSSL_zalloc(sizeof(*ctx));

    if (ctx == NULL)
        return NULL;
    ctx->libctx = libctx;
    if (propq != NULL && (ctx->propq = OPENSSL_strdup(propq)) == NULL)
        goto err;
    ctx->sha256 = EVP_MD_fetch(libctx, "SHA256", propq);
    ctx->hkdf = EVP_KDF_fetch(libctx, "HKDF", propq);
    if (ctx->sha256 == NULL || ctx->hkdf == NULL)
        goto err;
    /* A missing cipher only disables the suites that need it. */
    for (size_t i = 0; i < 3; i++)
        ctx->cipher[i] = EVP_CIPHER_fetch(libctx, cipher_names[i], propq);
    if (ctx->cipher[EDHOC_CIPHER_CCM] == NULL)
        goto err;
    return ctx;
err:
    kw_edhoc_ctx_free(ctx);
    return NULL;
}

void kw_edhoc_ctx_free(kw_edhoc_ctx *ctx)
{
    if (ctx == NULL)
        return;
    EVP_MD_free(ctx->sha256);
    EVP_KDF_free(ctx->hkdf);
    for (size_t i = 0; i < 3; i++)
        EVP_CIPHER_free(ctx->cipher[i]);
    OPENSSL_free(ctx->propq);
    OPENSSL_free(ctx);
}

const char *kw_edhoc_status_str(int status)
{
    switch (status) {
    case KW_EDHOC_OK:
        return "success";
    case KW_EDHOC_E_PARAM:
        return "invalid argument or configuration";
    case KW_EDHOC_E_STATE:
        return "operation not valid in this state";
    case KW_EDHOC_E_NOMEM:
        return "out of memory";
    case KW_EDHOC_E_CRYPTO:
        return "cryptographic operation failed";
    case KW_EDHOC_E_DECODE:
        return "malformed EDHOC message";
    case KW_EDHOC_E_METHOD:
        return "authentication method not supported";
    case KW_EDHOC_E_SUITE:
        return "selected cipher suite refused";
    case KW_EDHOC_E_UNKNOWN_CRED:
        return "unknown credential referenced";
    case KW_EDHOC_E_PEER_REJECTED:
        return "peer not authorized";
    case KW_EDHOC_E_AUTH:
        return "authentication failed";
    case KW_EDHOC_E_EAD:
        return "unsupported critical EAD item";
    case KW_EDHOC_E_PEER_ERROR:
        return "peer sent an EDHOC error";
    case KW_EDHOC_E_SUITES_R:
        return "peer proposed other cipher suites";
    case KW_EDHOC_E_NO_COMMON_SUITE:
        return "no common cipher suite";
    default:
        return "unknown status";
    }
}
