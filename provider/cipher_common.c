/* SPDX-License-Identifier: Apache-2.0 */
/* cipher_common.c: what keyward's AES ciphers share: their constant
 * parameters as EVP reads them, the refusal of raw keys, key usage checks
 * and scratch buffers. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "prov.h"

int prov_cipher_get_params(const struct prov_cipher_info *ci,
                           OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_MODE)) != NULL &&
        !OSSL_PARAM_set_uint(p, ci->mode))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, ci->keybits / 8))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_BLOCK_SIZE)) != NULL &&
        !OSSL_PARAM_set_size_t(p, ci->blockbits / 8))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, ci->ivbits / 8))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD)) != NULL &&
        !OSSL_PARAM_set_int(p, ci->aead))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_CUSTOM_IV)) != NULL &&
        !OSSL_PARAM_set_int(p, ci->custom_iv))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_CTS)) != NULL &&
        !OSSL_PARAM_set_int(p, 0))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK)) !=
            NULL &&
        !OSSL_PARAM_set_int(p, 0))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_HAS_RAND_KEY)) !=
            NULL &&
        !OSSL_PARAM_set_int(p, 0))
        return 0;
    return 1;
}

static const OSSL_PARAM cipher_known_gettable[] = {
    OSSL_PARAM_uint(OSSL_CIPHER_PARAM_MODE, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_BLOCK_SIZE, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_AEAD, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_CUSTOM_IV, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_CTS, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_TLS1_MULTIBLOCK, NULL),
    OSSL_PARAM_int(OSSL_CIPHER_PARAM_HAS_RAND_KEY, NULL),
    OSSL_PARAM_END};

const OSSL_PARAM *prov_cipher_gettable_params(void)
{
    return cipher_known_gettable;
}

struct prov_secret_need prov_cipher_need(const struct prov_cipher_info *ci)
{
    return (struct prov_secret_need){ci->name, {CKK_AES}, 1, ci->keybits, 0};
}

int prov_no_raw_key(prov_ctx *ctx, const unsigned char *key, const char *what)
{
    if (key == NULL)
        return 1;
    PROV_RAISE(ctx, KW_R_INVALID_PARAM,
               "%s takes its key from the token: give the key's pkcs11: URI "
               "in the \"%s\" parameter instead of key bytes",
               what, PROV_PARAM_KEY_URI);
    return 0;
}

int prov_cipher_check_usage(prov_ctx *ctx, const struct prov_secret *s,
                            bool enc, const char *what)
{
    unsigned need = enc ? HSM_USE_ENCRYPT : HSM_USE_DECRYPT;

    if ((hsm_key_get_usage(s->key) & need) != 0)
        return 1;
    PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
               "key '%s' does not allow %s %s (its CKA_%s is false)",
               prov_secret_label(s), what, enc ? "encryption" : "decryption",
               enc ? "ENCRYPT" : "DECRYPT");
    return 0;
}

int prov_cipher_check_key(prov_ctx *ctx, const struct prov_secret *s,
                          enum prov_cap cap, int enc, const char *what)
{
    if (s->key == NULL || enc < 0)
        return 1;
    return prov_cap_check(ctx, s->pt, cap, what) &&
           prov_cipher_check_usage(ctx, s, enc == 1, what);
}

int prov_buf_reserve(uint8_t **buf, size_t *cap, size_t used, size_t need)
{
    size_t ncap;
    uint8_t *nb;

    if (need <= *cap)
        return 1;
    ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return 0;
        ncap *= 2;
    }
    if ((nb = OPENSSL_malloc(ncap)) == NULL)
        return 0;
    if (*buf != NULL) {
        memcpy(nb, *buf, used);
        OPENSSL_clear_free(*buf, *cap);
    }
    *buf = nb;
    *cap = ncap;
    return 1;
}

void prov_buf_free(uint8_t **buf, size_t *cap)
{
    if (*buf != NULL)
        OPENSSL_clear_free(*buf, *cap);
    *buf = NULL;
    *cap = 0;
}
