/* SPDX-License-Identifier: Apache-2.0 */
/* test_keygen.c: key generation and unwrapping, with safe defaults. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "hsmtest.h"

static struct ht h;
static const uint8_t msg[] = "generated in the token";

/* Signs with priv and checks with OpenSSL on the public key. */
static int sign_and_verify(hsm_key *priv, CK_MECHANISM_TYPE mech,
                           const char *md)
{
    struct hsm_mech m = {.type = mech};
    EVP_PKEY *pub = ht_evp_pub(priv);
    uint8_t tbs[64], sig[1024], *der = NULL;
    size_t tbslen = sizeof(msg), siglen = sizeof(sig), derlen;
    const uint8_t *in = msg;
    int ok = 0;

    if (!TEST_ptr(pub))
        return 0;
    if (mech == CKM_ECDSA) {
        unsigned int dl = 0;
        EVP_Digest(msg, sizeof(msg), tbs, &dl, EVP_get_digestbyname(md), NULL);
        in = tbs;
        tbslen = dl;
    }
    if (!TEST_rv(hsm_sign(priv, &m, in, tbslen, sig, &siglen), CKR_OK))
        goto err;
    if (mech == CKM_ECDSA) {
        der = ht_ecdsa_der(sig, siglen, &derlen);
        ok = TEST_true(ht_evp_verify(pub, md, 0, 0, msg, sizeof(msg), der, derlen));
    } else {
        ok = TEST_true(ht_evp_verify(pub, md, mech == CKM_EDDSA ? 0 : 1, 0, msg,
                                     sizeof(msg), sig, siglen));
    }
err:
    OPENSSL_free(der);
    EVP_PKEY_free(pub);
    return ok;
}

/* Private halves: sensitive, never extractable, token flag as asked. */
static int safe_defaults(hsm_key *k, bool token)
{
    return TEST_true(hsm_key_is_sensitive(k)) &&
           TEST_false(hsm_key_is_extractable(k)) &&
           TEST_int_eq(hsm_key_is_token_object(k), token);
}

static int test_ec(void)
{
    static const char *curves[] = {"P-256", "P-384", "P-521"};
    static const char *mds[] = {"SHA256", "SHA384", "SHA512"};
    int ok = 1;
    for (int i = 0; i < 3 && ok; i++) {
        struct hsm_keygen g = {.label = "kg-ec", .token = false};
        hsm_key *priv = NULL, *pub = NULL;
        ok = TEST_rv(hsm_keygen_ec(h.tok, curves[i], &g, &priv, &pub), CKR_OK) &&
             safe_defaults(priv, false) &&
             TEST_int_eq(hsm_key_get_class(pub), CKO_PUBLIC_KEY) &&
             TEST_true(hsm_key_get_usage(priv) & HSM_USE_DERIVE) &&
             sign_and_verify(priv, CKM_ECDSA, mds[i]);
        hsm_key_free(priv);
        hsm_key_free(pub);
    }
    return ok;
}

static int test_rsa_and_ed25519(void)
{
    struct hsm_keygen g = {.label = "kg-rsa"};
    hsm_key *priv = NULL, *pub = NULL;
    int ok = TEST_rv(hsm_keygen_rsa(h.tok, 2048, &g, &priv, &pub), CKR_OK) &&
             safe_defaults(priv, false) &&
             TEST_int_eq(hsm_key_get_bits(priv), 2048) &&
             sign_and_verify(priv, CKM_SHA256_RSA_PKCS, "SHA256");
    hsm_key_free(priv);
    hsm_key_free(pub);
    priv = pub = NULL;
    g.label = "kg-ed";
    ok = ok && TEST_rv(hsm_keygen_ed25519(h.tok, &g, &priv, &pub), CKR_OK) &&
         safe_defaults(priv, false) && sign_and_verify(priv, CKM_EDDSA, NULL);
    hsm_key_free(priv);
    hsm_key_free(pub);
    /* Sizes outside the range are refused with a reason. */
    ok = ok && TEST_rv(hsm_keygen_rsa(h.tok, 1024, &g, &priv, &pub),
                       CKR_KEY_SIZE_RANGE) &&
         TEST_rv(hsm_keygen_ec(h.tok, "P-192", &g, &priv, &pub),
                 CKR_CURVE_NOT_SUPPORTED) &&
         TEST_true(strstr(hsm_error_detail(), "P-256") != NULL);
    return ok;
}

static int test_token_object_persists(void)
{
    struct hsm_keygen g = {.label = "kg-persistent", .token = true};
    hsm_key *priv = NULL, *pub = NULL, *again = NULL;
    hsm_uri *u = NULL;
    int ok = 0;

    if (!TEST_rv(hsm_keygen_ec(h.tok, "P-256", &g, &priv, &pub), CKR_OK) ||
        !safe_defaults(priv, true))
        goto err;
    /* Found again by label, then destroyed for good. */
    if (!TEST_rv(hsm_uri_parse("pkcs11:object=kg-persistent;type=private", &u),
                 CKR_OK) ||
        !TEST_rv(hsm_key_find(h.tok, u, CK_UNAVAILABLE_INFORMATION, &again), CKR_OK) ||
        !sign_and_verify(again, CKM_ECDSA, "SHA256"))
        goto err;
    hsm_key_free(again);
    again = NULL;
    if (!TEST_rv(hsm_key_destroy(priv), CKR_OK) ||
        !TEST_rv(hsm_key_destroy(pub), CKR_OK) ||
        !TEST_rv(hsm_key_find(h.tok, u, CK_UNAVAILABLE_INFORMATION, &again),
                 HSM_RV_OBJECT_NOT_FOUND))
        goto err;
    ok = 1;
err:
    hsm_uri_free(u);
    hsm_key_free(again);
    hsm_key_free(priv);
    hsm_key_free(pub);
    return ok;
}

static int test_secret(void)
{
    struct hsm_keygen g = {.label = "kg-aes"};
    hsm_key *aes = NULL, *mac = NULL, *bad = NULL;
    uint8_t *v = NULL;
    size_t vlen = 0;
    int ok = TEST_rv(hsm_keygen_secret(h.tok, CKK_AES, 32, &g, &aes), CKR_OK) &&
             safe_defaults(aes, false) && TEST_int_eq(hsm_key_get_bits(aes), 256) &&
             /* The value cannot be read. */
             TEST_rv(hsm_key_get_attr(aes, CKA_VALUE, &v, &vlen),
                     CKR_ATTRIBUTE_SENSITIVE) &&
             TEST_rv(hsm_keygen_secret(h.tok, CKK_GENERIC_SECRET, 32, &g, &mac),
                     CKR_OK) &&
             TEST_true(hsm_key_get_usage(mac) & HSM_USE_SIGN) &&
             TEST_rv(hsm_keygen_secret(h.tok, CKK_AES, 20, &g, &bad),
                     CKR_KEY_SIZE_RANGE) &&
             TEST_ptr_null(bad);
    free(v);
    hsm_key_free(aes);
    hsm_key_free(mac);
    return ok;
}

/* AES key wrap: a key provisioned wrapped under a token key is never in the
 * clear on the host; encrypting with it matches OpenSSL with the clear key
 * (which the test knows because it made the wrapped blob itself). */
static int test_unwrap(void)
{
    struct hsm_keygen wg = {.label = "kg-kek", .extractable = true,
                            .usage = HSM_USE_WRAP | HSM_USE_UNWRAP};
    struct hsm_keygen g = {.label = "kg-unwrapped"};
    hsm_key *kek = NULL, *k = NULL;
    uint8_t *kekv = NULL, clear[32], wrapped[40], ct[64], sw[64];
    size_t kekvlen = 0, ctlen = sizeof(ct);
    int wl = 0, l2 = 0, ok = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    struct hsm_mech ctr = {.type = CKM_AES_CTR};

    RAND_bytes(clear, sizeof(clear));
    if (!TEST_rv(hsm_keygen_secret(h.tok, CKK_AES, 32, &wg, &kek), CKR_OK) ||
        !TEST_rv(hsm_key_get_attr(kek, CKA_VALUE, &kekv, &kekvlen), CKR_OK))
        goto err;
    /* Wrap in software with RFC 3394 (what CKM_AES_KEY_WRAP is). */
    if (!TEST_true(EVP_EncryptInit_ex2(c, EVP_aes_256_wrap(), kekv, NULL, NULL)) ||
        !TEST_true(EVP_EncryptUpdate(c, wrapped, &wl, clear, sizeof(clear))) ||
        !TEST_true(EVP_EncryptFinal_ex(c, wrapped + wl, &l2)))
        goto err;
    if (!TEST_rv(hsm_key_unwrap(kek, CKM_AES_KEY_WRAP, wrapped, (size_t)(wl + l2),
                                CKK_AES, &g, &k), CKR_OK) ||
        !safe_defaults(k, false))
        goto err;
    memset(ctr.p.ctr.cb, 7, 16);
    ctr.p.ctr.counter_bits = 128;
    if (!TEST_rv(hsm_encrypt(k, &ctr, msg, sizeof(msg), ct, &ctlen), CKR_OK))
        goto err;
    EVP_CIPHER_CTX_reset(c);
    if (!TEST_true(EVP_EncryptInit_ex2(c, EVP_aes_256_ctr(), clear, ctr.p.ctr.cb, NULL)) ||
        !TEST_true(EVP_EncryptUpdate(c, sw, &wl, msg, sizeof(msg))) ||
        !TEST_mem_eq(ct, ctlen, sw, (size_t)wl))
        goto err;
    /* A corrupted blob is refused. */
    hsm_key_free(k);
    k = NULL;
    wrapped[3] ^= 1;
    ok = TEST_true(hsm_key_unwrap(kek, CKM_AES_KEY_WRAP, wrapped, 40, CKK_AES,
                                  &g, &k) != CKR_OK) && TEST_ptr_null(k);
err:
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(clear, sizeof(clear));
    if (kekv)
        OPENSSL_clear_free(kekv, kekvlen);
    hsm_key_free(k);
    hsm_key_free(kek);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;
    if (!ht_open(&h, NULL))
        return 1;
    ADD_TEST(test_ec);
    ADD_TEST(test_rsa_and_ed25519);
    ADD_TEST(test_token_object_persists);
    ADD_TEST(test_secret);
    ADD_TEST(test_unwrap);
    rc = tu_run(argc, argv);
    ht_close(&h);
    return rc;
}
