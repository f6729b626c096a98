/* SPDX-License-Identifier: Apache-2.0 */
/* session_kdf.c: HKDF-SHA256 (RFC 5869) steps of the session key schedule. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>

#include "svc.h"

static const char salt[] = "keyward/v1";

static int hkdf(OSSL_LIB_CTX *libctx, const char *mode, const uint8_t *key,
                size_t keylen, const uint8_t *info, size_t infolen,
                uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(libctx, "HKDF", NULL);
    EVP_KDF_CTX *kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[6], *q = p;
    int ok;

    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    *q++ =
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)mode, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key,
                                             keylen);
    if (strcmp(mode, "EXTRACT_ONLY") == 0)
        *q++ = OSSL_PARAM_construct_octet_string(
            OSSL_KDF_PARAM_SALT, (void *)salt, sizeof(salt) - 1);
    else
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *)info, infolen);
    *q = OSSL_PARAM_construct_end();
    ok = kctx != NULL && EVP_KDF_derive(kctx, out, outlen, p) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}

int svc_kdf_extract(OSSL_LIB_CTX *libctx, const uint8_t *secret, size_t len,
                    uint8_t prk[static SVC_PRK_LEN])
{
    return hkdf(libctx, "EXTRACT_ONLY", secret, len, NULL, 0, prk, SVC_PRK_LEN);
}

int svc_kdf_expand(OSSL_LIB_CTX *libctx, const uint8_t prk[static SVC_PRK_LEN],
                   const char *label, const char *suffix, uint8_t *out,
                   size_t outlen)
{
    uint8_t info[160];
    size_t l = strlen(label), s = strlen(suffix);
    int rc;
    if (l + s > sizeof(info))
        return -1;
    memcpy(info, label, l);
    memcpy(info + l, suffix, s);
    rc =
        hkdf(libctx, "EXPAND_ONLY", prk, SVC_PRK_LEN, info, l + s, out, outlen);
    OPENSSL_cleanse(info, sizeof(info));
    return rc;
}
