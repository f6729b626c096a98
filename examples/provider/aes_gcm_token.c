/* SPDX-License-Identifier: Apache-2.0 */
/* aes_gcm_token.c: seal and open a message with an AES-256-GCM key that
 * stays in a PKCS#11 token, through the keyward provider and plain EVP.
 *
 *   export KEYWARD_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so
 *   aes_gcm_token 'pkcs11:token=dev;object=msg-key?pin-source=file:/etc/keyward/pin' \
 *       'hello from the gateway'
 *
 * The key is named by URI in the cipher parameter "pkcs11_uri"; no key
 * bytes exist in this process. Built by CMake and run by the test suite
 * (tests/provider/test_example_gcm.sh). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#define TAG_LEN   16
#define NONCE_LEN 12

/*
 * Nonces as TLS 1.3 and OSCORE make them: a per-key IV XOR the message's
 * sequence number, never random nonces under one key. Here the IV is made
 * at start for the demonstration; a real application keeps it (and the
 * sequence number) with the key.
 */
static void nonce_for(const uint8_t iv[NONCE_LEN], uint64_t seq,
                      uint8_t nonce[NONCE_LEN])
{
    memcpy(nonce, iv, NONCE_LEN);
    for (int i = 0; i < 8; i++)
        nonce[NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* ct gets len bytes, tag TAG_LEN. */
static int seal(EVP_CIPHER *aead, const char *uri, const uint8_t *nonce,
                const uint8_t *aad, size_t aadlen, const uint8_t *msg,
                size_t len, uint8_t *ct, uint8_t tag[TAG_LEN])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    OSSL_PARAM key[] = {
        OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0),
        OSSL_PARAM_construct_end()};
    OSSL_PARAM get_tag[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag,
                                          TAG_LEN),
        OSSL_PARAM_construct_end()};
    int n = 0, m = 0;
    int ok = c != NULL && EVP_EncryptInit_ex2(c, aead, NULL, nonce, key) &&
             EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) && /* AAD */
             EVP_EncryptUpdate(c, ct, &n, msg, (int)len) &&
             EVP_EncryptFinal_ex(c, ct + n, &m) &&
             EVP_CIPHER_CTX_get_params(c, get_tag);

    EVP_CIPHER_CTX_free(c);
    return ok && (size_t)(n + m) == len;
}

/* The token checks the tag before it releases any plaintext: the tag goes
 * in first, and the whole ciphertext in one update. */
static int open_msg(EVP_CIPHER *aead, const char *uri, const uint8_t *nonce,
                    const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                    size_t len, const uint8_t tag[TAG_LEN], uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0),
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                          (void *)tag, TAG_LEN),
        OSSL_PARAM_construct_end()};
    int n = 0, m = 0;
    int ok = c != NULL && EVP_DecryptInit_ex2(c, aead, NULL, nonce, params) &&
             EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) &&
             EVP_DecryptUpdate(c, out, &n, ct, (int)len) &&
             EVP_DecryptFinal_ex(c, out + n, &m);

    EVP_CIPHER_CTX_free(c);
    return ok && (size_t)(n + m) == len;
}

int main(int argc, char **argv)
{
    const char *uri = argc > 1 ? argv[1] : NULL;
    const char *msg = argc > 2 ? argv[2] : "hello from the gateway";
    static const uint8_t aad[] = "sensor-17/telemetry";
    size_t len = strlen(msg);
    uint8_t iv[NONCE_LEN], nonce[NONCE_LEN], tag[TAG_LEN];
    uint8_t ct[1024], back[1024];
    OSSL_PROVIDER *def = NULL, *kw = NULL;
    EVP_CIPHER *aead = NULL;
    int rc = 1;

    if (uri == NULL || len > sizeof(ct)) {
        fprintf(stderr, "usage: %s PKCS11-URI [MESSAGE (at most %zu bytes)]\n",
                argv[0], sizeof(ct));
        return 2;
    }
    /* "default" for everything else; "keyward" for the token key. With an
     * openssl.cnf that activates both, these two loads are not needed. */
    if ((def = OSSL_PROVIDER_load(NULL, "default")) == NULL ||
        (kw = OSSL_PROVIDER_load(NULL, "keyward")) == NULL ||
        (aead = EVP_CIPHER_fetch(NULL, "KEYWARD-AES-256-GCM", NULL)) == NULL ||
        RAND_bytes(iv, sizeof(iv)) != 1)
        goto out;

    nonce_for(iv, 1, nonce);
    if (!seal(aead, uri, nonce, aad, sizeof(aad) - 1, (const uint8_t *)msg,
              len, ct, tag))
        goto out;
    printf("sealed %zu bytes, tag ", len);
    for (int i = 0; i < TAG_LEN; i++)
        printf("%02x", tag[i]);
    printf("\n");

    if (!open_msg(aead, uri, nonce, aad, sizeof(aad) - 1, ct, len, tag, back))
        goto out;
    printf("opened: %.*s\n", (int)len, (const char *)back);

    /* One bit of the tag changed: refused, and no plaintext comes out. */
    tag[0] ^= 1;
    memset(back, 0, sizeof(back));
    if (open_msg(aead, uri, nonce, aad, sizeof(aad) - 1, ct, len, tag, back)) {
        fprintf(stderr, "a forged message was opened\n");
        goto out;
    }
    printf("forged tag refused: %s\n",
           ERR_reason_error_string(ERR_peek_last_error()));
    ERR_clear_error();
    rc = 0;
out:
    if (rc != 0)
        ERR_print_errors_fp(stderr);
    EVP_CIPHER_free(aead);
    OSSL_PROVIDER_unload(kw);
    OSSL_PROVIDER_unload(def);
    return rc;
}
