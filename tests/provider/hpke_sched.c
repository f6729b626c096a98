/* SPDX-License-Identifier: Apache-2.0 */
/* hpke_sched.c: the HPKE key schedule and the first message's AEAD in
 * software (default provider), after a KEM ran through keyward. */
#include "hpke_sched.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

static const struct hs_suite suites[] = {
    {"P-256", 0x0010, 0x0001, 0x0001, "SHA256", 16},
    {"P-384", 0x0011, 0x0002, 0x0002, "SHA384", 32},
    {"P-521", 0x0012, 0x0003, 0x0002, "SHA512", 32},
};

const struct hs_suite *hs_suite(const char *curve)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (strcmp(curve, suites[i].curve) == 0)
            return &suites[i];
    return NULL;
}

/* "HPKE-v1" || "HPKE" || kem || kdf || aead || label */
static size_t prefix(const struct hs_suite *s, const char *label, uint8_t *b)
{
    size_t n = 0, ll = strlen(label);

    memcpy(b, "HPKE-v1HPKE", 11);
    n = 11;
    b[n++] = (uint8_t)(s->kem_id >> 8);
    b[n++] = (uint8_t)s->kem_id;
    b[n++] = (uint8_t)(s->kdf_id >> 8);
    b[n++] = (uint8_t)s->kdf_id;
    b[n++] = (uint8_t)(s->aead_id >> 8);
    b[n++] = (uint8_t)s->aead_id;
    memcpy(b + n, label, ll);
    return n + ll;
}

static bool hkdf(const struct hs_suite *s, bool extract, const uint8_t *key,
                 size_t keylen, const uint8_t *data, size_t datalen,
                 uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", "provider=default");
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[5], *pp = p;
    bool ok;

    *pp++ = OSSL_PARAM_construct_utf8_string(
        "mode", extract ? (char *)"EXTRACT_ONLY" : (char *)"EXPAND_ONLY", 0);
    *pp++ = OSSL_PARAM_construct_utf8_string("digest", (char *)s->md, 0);
    *pp++ = OSSL_PARAM_construct_octet_string("key", (void *)key, keylen);
    if (datalen > 0)
        *pp++ = OSSL_PARAM_construct_octet_string(extract ? "salt" : "info",
                                                  (void *)data, datalen);
    *pp = OSSL_PARAM_construct_end();
    ok = c != NULL && EVP_KDF_derive(c, out, outlen, p) > 0;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    return ok;
}

static size_t nh(const struct hs_suite *s)
{
    return s->kdf_id == 1 ? 32 : s->kdf_id == 2 ? 48 : 64;
}

static bool labeled_extract(const struct hs_suite *s, const uint8_t *salt,
                            size_t saltlen, const char *label,
                            const uint8_t *ikm, size_t ikmlen, uint8_t *prk)
{
    uint8_t b[512];
    size_t n = prefix(s, label, b);

    if (ikmlen > sizeof(b) - n)
        return false;
    if (ikmlen > 0) /* ikm may be NULL then: no memcpy from NULL (UBSan) */
        memcpy(b + n, ikm, ikmlen);
    return hkdf(s, true, b, n + ikmlen, salt, saltlen, prk, nh(s));
}

static bool labeled_expand(const struct hs_suite *s, const uint8_t *prk,
                           const char *label, const uint8_t *info,
                           size_t infolen, uint8_t *out, size_t len)
{
    uint8_t b[512];
    size_t n;

    b[0] = (uint8_t)(len >> 8);
    b[1] = (uint8_t)len;
    n = 2 + prefix(s, label, b + 2);
    if (infolen > sizeof(b) - n)
        return false;
    if (infolen > 0)
        memcpy(b + n, info, infolen);
    return hkdf(s, false, prk, nh(s), b, n + infolen, out, len);
}

bool hs_key_schedule(const struct hs_suite *s, const uint8_t *ss, size_t sslen,
                     const uint8_t *info, size_t infolen, uint8_t *key,
                     uint8_t nonce[12])
{
    uint8_t ctx[1 + 2 * 64], secret[64];

    ctx[0] = 0x00; /* mode_base */
    return labeled_extract(s, NULL, 0, "psk_id_hash", NULL, 0, ctx + 1) &&
           labeled_extract(s, NULL, 0, "info_hash", info, infolen,
                           ctx + 1 + nh(s)) &&
           labeled_extract(s, ss, sslen, "secret", NULL, 0, secret) &&
           labeled_expand(s, secret, "key", ctx, 1 + 2 * nh(s), key, s->nk) &&
           labeled_expand(s, secret, "base_nonce", ctx, 1 + 2 * nh(s), nonce,
                          12);
}

static bool aead(const struct hs_suite *s, bool enc, const uint8_t *key,
                 const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
                 const uint8_t *in, size_t inlen, uint8_t *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(
        NULL, s->nk == 16 ? "AES-128-GCM" : "AES-256-GCM", "provider=default");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    size_t len = enc ? inlen : inlen - 16;
    int n = 0;
    bool ok = c != NULL && x != NULL && (enc || inlen >= 16) &&
              EVP_CipherInit_ex2(x, c, key, nonce, enc, NULL) &&
              (enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16,
                                          (void *)(in + len)) > 0) &&
              EVP_CipherUpdate(x, NULL, &n, aad, (int)aadlen) &&
              EVP_CipherUpdate(x, out, &n, in, (int)len) &&
              EVP_CipherFinal_ex(x, out + n, &n) &&
              (!enc || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
                                           out + len) > 0);

    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok;
}

bool hs_seal(const struct hs_suite *s, const uint8_t *key,
             const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
             const uint8_t *pt, size_t ptlen, uint8_t *ct)
{
    return aead(s, true, key, nonce, aad, aadlen, pt, ptlen, ct);
}

bool hs_open(const struct hs_suite *s, const uint8_t *key,
             const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
             const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
    return aead(s, false, key, nonce, aad, aadlen, ct, ctlen, pt);
}
