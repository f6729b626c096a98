/* SPDX-License-Identifier: Apache-2.0 */
/* test_decrypt_derive.c: RSA decryption and ECDH with the private key in
 * the token, against the default provider on the other side. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "provtest.h"

static const uint8_t secret[] = "a session key for a device";

static bool encrypt_default(EVP_PKEY *pub, int pad, const char *oaep_md,
                            uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, "provider=default");
    bool ok = c != NULL && EVP_PKEY_encrypt_init(c) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(c, pad) > 0 &&
              (oaep_md == NULL ||
               EVP_PKEY_CTX_set_rsa_oaep_md_name(c, oaep_md, NULL) > 0) &&
              EVP_PKEY_encrypt(c, out, outlen, secret, sizeof(secret)) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

static bool decrypt(EVP_PKEY *key, int pad, const char *oaep_md,
                    const uint8_t *in, size_t inlen, uint8_t *out,
                    size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t need = 0;
    bool ok = c != NULL && EVP_PKEY_decrypt_init(c) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(c, pad) > 0 &&
              (oaep_md == NULL ||
               EVP_PKEY_CTX_set_rsa_oaep_md_name(c, oaep_md, NULL) > 0) &&
              EVP_PKEY_decrypt(c, NULL, &need, in, inlen) == 1 &&
              need <= *outlen &&
              EVP_PKEY_decrypt(c, out, outlen, in, inlen) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

static int test_rsa_decrypt(void)
{
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    uint8_t ct[256], pt[256];
    size_t ctlen, ptlen;
    int ok = 0;

    if (!TEST_ptr(key) || !TEST_ptr(pub))
        goto err;
    /* PKCS#1 v1.5 */
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    if (!TEST_true(encrypt_default(pub, RSA_PKCS1_PADDING, NULL, ct, &ctlen)) ||
        !TEST_true(
            decrypt(key, RSA_PKCS1_PADDING, NULL, ct, ctlen, pt, &ptlen)) ||
        !TEST_mem_eq(pt, ptlen, secret, sizeof(secret)))
        goto err;
    /* OAEP with SHA-1 (what SoftHSM 2.6 does) */
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    if (!TEST_true(
            encrypt_default(pub, RSA_PKCS1_OAEP_PADDING, "SHA1", ct, &ctlen)) ||
        !TEST_true(decrypt(key, RSA_PKCS1_OAEP_PADDING, "SHA1", ct, ctlen, pt,
                           &ptlen)) ||
        !TEST_mem_eq(pt, ptlen, secret, sizeof(secret)))
        goto err;
    /* Encryption through the keyward key: software, on its public half. */
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        bool good =
            c != NULL && EVP_PKEY_encrypt_init(c) == 1 &&
            EVP_PKEY_encrypt(c, ct, &ctlen, secret, sizeof(secret)) == 1;

        EVP_PKEY_CTX_free(c);
        if (!TEST_true(good) ||
            !TEST_true(
                decrypt(key, RSA_PKCS1_PADDING, NULL, ct, ctlen, pt, &ptlen)) ||
            !TEST_mem_eq(pt, ptlen, secret, sizeof(secret)))
            goto err;
    }
    /* A corrupted ciphertext fails, no plaintext. */
    ct[10] ^= 0x40;
    ptlen = sizeof(pt);
    if (!TEST_false(decrypt(key, RSA_PKCS1_OAEP_PADDING, "SHA1", ct, ctlen, pt,
                            &ptlen)))
        goto err;
    ERR_clear_error();
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

/* OAEP with SHA-256: tpm2-pkcs11 decrypts it; SoftHSM 2.6 does OAEP with
 * SHA-1 only, the "algorithm the token lacks" case. Either the right
 * plaintext or that clear error, never anything else. */
static int test_oaep_sha256(void)
{
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    uint8_t ct[256], pt[256];
    size_t ctlen = sizeof(ct), ptlen = sizeof(pt);
    int ok = 0;

    if (TEST_ptr(key) && TEST_ptr(pub) &&
        TEST_true(encrypt_default(pub, RSA_PKCS1_OAEP_PADDING, "SHA256", ct,
                                  &ctlen))) {
        if (decrypt(key, RSA_PKCS1_OAEP_PADDING, "SHA256", ct, ctlen, pt, &ptlen))
            ok = TEST_mem_eq(pt, ptlen, secret, sizeof(secret));
        else
            ok = TEST_true(pt_error_has("not supported by this token"));
    }
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

/* The TLS 1.2 premaster form: a good block decrypts; a bad one yields 48
 * random bytes and no error (RFC 5246 section 7.4.7.1). */
static int test_tls_premaster(void)
{
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    EVP_PKEY_CTX *c = NULL;
    uint8_t pms[48], ct[256], out[256];
    size_t ctlen = sizeof(ct), outlen = sizeof(out);
    unsigned int version = 0x0303;
    OSSL_PARAM params[2];
    int ok = 0;

    memset(pms, 0x33, sizeof(pms));
    pms[0] = 0x03;
    pms[1] = 0x03;
    params[0] = OSSL_PARAM_construct_uint(
        OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, &version);
    params[1] = OSSL_PARAM_construct_end();
    if (!TEST_ptr(key) || !TEST_ptr(pub) ||
        !TEST_ptr(
            c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, "provider=default")) ||
        !TEST_int_eq(EVP_PKEY_encrypt_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_encrypt(c, ct, &ctlen, pms, sizeof(pms)), 1))
        goto err;
    EVP_PKEY_CTX_free(c);
    if (!TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ||
        !TEST_int_eq(EVP_PKEY_decrypt_init(c), 1) ||
        !TEST_int_gt(
            EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_WITH_TLS_PADDING), 0) ||
        !TEST_int_eq(EVP_PKEY_CTX_set_params(c, params), 1) ||
        !TEST_int_eq(EVP_PKEY_decrypt(c, out, &outlen, ct, ctlen), 1) ||
        !TEST_mem_eq(out, outlen, pms, sizeof(pms)))
        goto err;
    ct[5] ^= 1;
    outlen = sizeof(out);
    if (!TEST_int_eq(EVP_PKEY_decrypt(c, out, &outlen, ct, ctlen), 1) ||
        !TEST_int_eq(outlen, 48) || !TEST_int_ne(memcmp(out, pms, 48), 0))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

static bool derive(EVP_PKEY *key, EVP_PKEY *peer, uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    bool ok = c != NULL && EVP_PKEY_derive_init(c) == 1 &&
              EVP_PKEY_derive_set_peer(c, peer) == 1 &&
              EVP_PKEY_derive(c, out, outlen) == 1;

    EVP_PKEY_CTX_free(c);
    return ok;
}

/* ECDH: the token side and a software side agree. */
static int ecdh_one(const char *uri_var, const char *curve)
{
    EVP_PKEY *key = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *soft = EVP_PKEY_Q_keygen(NULL, "provider=default", "EC", curve);
    EVP_PKEY *tokpub = NULL;
    uint8_t a[80], b[80];
    size_t alen = sizeof(a), blen = sizeof(b);
    unsigned char *der = NULL;
    const unsigned char *p;
    int len, ok = 0;

    if (!TEST_ptr(key) || !TEST_ptr(soft) ||
        !TEST_int_gt(len = i2d_PUBKEY(key, &der), 0))
        goto err;
    p = der;
    if (!TEST_ptr(tokpub =
                      d2i_PUBKEY_ex(NULL, &p, len, NULL, "provider=default")) ||
        !TEST_true(derive(key, soft, a, &alen)) ||
        !TEST_true(derive(soft, tokpub, b, &blen)) ||
        !TEST_mem_eq(a, alen, b, blen))
        goto err;
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  ECDH %s\n", curve);
    pt_errors();
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    EVP_PKEY_free(soft);
    EVP_PKEY_free(tokpub);
    return ok;
}

/* tpm2-pkcs11 1.9.0 has no CKM_ECDH1_DERIVE (the fixture says so in
 * KW_TOKEN_LACKS): the provider refuses at derive_init, before any call. */
static bool token_lacks_ecdh(void)
{
    return pt_token_lacks("CKM_ECDH1_DERIVE");
}

static int test_ecdh(void)
{
    if (token_lacks_ecdh()) {
        EVP_PKEY *key = pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
        EVP_PKEY_CTX *c = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
        int ok = TEST_ptr(c) && TEST_int_ne(EVP_PKEY_derive_init(c), 1) &&
                 TEST_true(pt_error_has("not supported by this token"));
        pt_errors();
        EVP_PKEY_CTX_free(c);
        EVP_PKEY_free(key);
        return ok;
    }
    return ecdh_one("KW_EC256_URI", "P-256") &
           (!tu_var_opt("KW_EC384_URI") || ecdh_one("KW_EC384_URI", "P-384")) &
           (!tu_var_opt("KW_EC521_URI") || ecdh_one("KW_EC521_URI", "P-521"));
}

/* A peer on another curve, and a key without CKA_DERIVE (the twins were
 * made for signing only). */
static int test_ecdh_errors(void)
{
    if (token_lacks_ecdh())
        return tu_skip("the token has no ECDH (test_ecdh checked the error)");
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, "provider=default", "EC", "P-384");
    EVP_PKEY_CTX *c = NULL;
    char uri[512];
    EVP_PKEY *twin = NULL;
    int ok = 0;

    if (!TEST_ptr(key) || !TEST_ptr(p384) ||
        !TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) ||
        !TEST_int_eq(EVP_PKEY_derive_init(c), 1) ||
        !TEST_int_ne(EVP_PKEY_derive_set_peer(c, p384), 1))
        goto err;
    ERR_clear_error();
    EVP_PKEY_CTX_free(c);
    snprintf(uri, sizeof(uri), "%s;id=%%0a?pin-source=file:%s",
             tu_var("KW_TWIN_URI"), tu_var("KW_PIN_FILE"));
    if (!TEST_ptr(twin = pt_load_key(uri, OSSL_STORE_INFO_PKEY)) ||
        !TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, twin, NULL)) ||
        !TEST_int_ne(EVP_PKEY_derive_init(c), 1) ||
        !TEST_true(pt_error_has("does not allow ECDH")))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(key);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(twin);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_rsa_decrypt);
    ADD_TEST(test_oaep_sha256);
    ADD_TEST(test_tls_premaster);
    ADD_TEST(test_ecdh);
    ADD_TEST(test_ecdh_errors);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
