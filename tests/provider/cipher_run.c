/* SPDX-License-Identifier: Apache-2.0 */
/* cipher_run.c: one message through an EVP_CIPHER, keyward's or the
 * default provider's, with the same calls an application makes. */
#include "cipher_run.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

bool cr_run(const struct cr_msg *m, uint8_t *out, size_t *outlen)
{
    bool keyward = m->uri != NULL;
    EVP_CIPHER *c = EVP_CIPHER_fetch(
        NULL, m->alg, keyward ? "provider=keyward" : "provider=default");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    bool gcm = strstr(m->alg, "GCM") != NULL;
    size_t ivlen = m->ivlen, off = 0, total = 0;
    OSSL_PARAM p[3], *pp = p;
    int n = 0, enc = m->enc ? 1 : 0;
    bool ok = false;

    *outlen = 0;
    if (c == NULL || x == NULL)
        goto out;
    if (keyward)
        *pp++ =
            OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)m->uri, 0);
    if (gcm && ivlen != 12)
        *pp++ =
            OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivlen);
    *pp = OSSL_PARAM_construct_end();
    /* The key (and IV length) first, then the IV: as for any AEAD. */
    if (!EVP_CipherInit_ex2(x, c, keyward ? NULL : m->key, NULL, enc, p) ||
        !EVP_CipherInit_ex2(x, NULL, NULL, m->iv, enc, NULL))
        goto out;
    if (m->padding >= 0 && !EVP_CIPHER_CTX_set_padding(x, m->padding))
        goto out;
    /* Decryption: the tag before the data (what keyward needs). */
    if (gcm && !m->enc &&
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)m->taglen, m->tag) <=
            0)
        goto out;
    if (m->aadlen > 0 && !EVP_CipherUpdate(x, NULL, &n, m->aad, (int)m->aadlen))
        goto out;
    while (off < m->inlen) {
        size_t len = m->chunk == 0 || m->inlen - off < m->chunk ? m->inlen - off
                                                                : m->chunk;

        if (!EVP_CipherUpdate(x, out + total, &n, m->in + off, (int)len))
            goto out;
        total += (size_t)n;
        off += len;
    }
    if (!EVP_CipherFinal_ex(x, out + total, &n))
        goto out;
    total += (size_t)n;
    if (gcm && m->enc &&
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, (int)m->taglen, m->tag) <=
            0)
        goto out;
    *outlen = total;
    ok = true;
out:
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok;
}
