/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_aead.c: AES-CCM, AES-GCM and ChaCha20-Poly1305 through EVP_CIPHER. */
#include <limits.h>

#include "edhoc_local.h"

/*
 * CCM in OpenSSL wants the tag length before the key, the total length
 * before the AAD, and a data update even for an empty plaintext (else no
 * tag is computed): hence the dummy byte for empty input.
 */
static int aead_init(const kw_edhoc_ctx *ctx, EVP_CIPHER_CTX *c,
                     const struct edhoc_aead *a, int enc, const uint8_t *key,
                     const uint8_t *nonce, const uint8_t *tag)
{
    EVP_CIPHER *cipher = ctx->cipher[a->cipher];

    if (cipher == NULL)
        return 0;
    if (!EVP_CipherInit_ex2(c, cipher, NULL, NULL, enc, NULL) ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)a->nonce_len,
                            NULL) <= 0)
        return 0;
    if (a->cipher == EDHOC_CIPHER_CCM &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len,
                            enc ? NULL : (void *)tag) <= 0)
        return 0;
    return EVP_CipherInit_ex2(c, NULL, key, nonce, enc, NULL);
}

int edhoc_aead_seal(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                    const uint8_t *key, const uint8_t *nonce,
                    const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                    size_t pt_len, uint8_t *out)
{
    static const uint8_t dummy[1];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int rv = KW_EDHOC_E_CRYPTO, n;

    if (c == NULL)
        return KW_EDHOC_E_NOMEM;
    if (pt_len > INT_MAX || aad_len > INT_MAX)
        goto out;
    if (!aead_init(ctx, c, a, 1, key, nonce, NULL))
        goto out;
    if (a->cipher == EDHOC_CIPHER_CCM &&
        !EVP_EncryptUpdate(c, NULL, &n, NULL, (int)pt_len))
        goto out;
    if (aad_len > 0 && !EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len))
        goto out;
    if (!EVP_EncryptUpdate(c, out, &n, pt_len ? pt : dummy, (int)pt_len) ||
        (size_t)n != pt_len)
        goto out;
    if (!EVP_EncryptFinal_ex(c, out + pt_len, &n) || n != 0)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)a->tag_len,
                            out + pt_len) <= 0)
        goto out;
    rv = KW_EDHOC_OK;
out:
    EVP_CIPHER_CTX_free(c);
    return rv;
}

int edhoc_aead_open(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                    const uint8_t *key, const uint8_t *nonce,
                    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                    size_t ct_len, uint8_t *out)
{
    static const uint8_t dummy[1];
    uint8_t scratch[1];
    EVP_CIPHER_CTX *c;
    const uint8_t *tag;
    size_t pt_len;
    int rv = KW_EDHOC_E_CRYPTO, n;

    if (ct_len < a->tag_len)
        return KW_EDHOC_E_AUTH;
    pt_len = ct_len - a->tag_len;
    tag = ct + pt_len;
    if (pt_len > INT_MAX || aad_len > INT_MAX)
        return KW_EDHOC_E_PARAM;
    if ((c = EVP_CIPHER_CTX_new()) == NULL)
        return KW_EDHOC_E_NOMEM;
    if (!aead_init(ctx, c, a, 0, key, nonce, tag))
        goto out;
    if (a->cipher == EDHOC_CIPHER_CCM &&
        !EVP_DecryptUpdate(c, NULL, &n, NULL, (int)pt_len))
        goto out;
    if (aad_len > 0 && !EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len))
        goto out;
    rv = KW_EDHOC_E_AUTH;
    /* For CCM this update verifies the tag. */
    if (!EVP_DecryptUpdate(c, pt_len ? out : scratch, &n, pt_len ? ct : dummy,
                           (int)pt_len))
        goto out;
    if (a->cipher != EDHOC_CIPHER_CCM) {
        if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)a->tag_len,
                                (void *)tag) <= 0)
            goto out;
        if (EVP_DecryptFinal_ex(c, pt_len ? out + n : scratch, &n) <= 0)
            goto out;
    }
    rv = KW_EDHOC_OK;
out:
    if (rv != KW_EDHOC_OK && pt_len > 0)
        OPENSSL_cleanse(out, pt_len); /* never hand out unverified data */
    EVP_CIPHER_CTX_free(c);
    return rv;
}
