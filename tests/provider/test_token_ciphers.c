/* SPDX-License-Identifier: Apache-2.0 */
/* test_token_ciphers.c: keyward's ciphers and MACs with the fixture's own
 * AES-128 and HMAC keys, on whichever token runs it (SoftHSM, and the TPM
 * as test_token_ciphers.tpm): each mode works, or the token lacks it and
 * keyward says "not supported by this token" before any data. */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cipher_run.h"
#include "provtest.h"

#define MSG_LEN 100 /* not a whole number of blocks */

static const uint8_t iv16[16] = {0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09,
                                 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02,
                                 0x01, 0x00};

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + 1);
}

/* A cipher context initialised with the key by URI (enc 1/0), or NULL with
 * the error on the queue. */
static EVP_CIPHER_CTX *kw_init(const char *alg, const char *uri, int enc)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, alg, "provider=keyward");
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0),
        OSSL_PARAM_construct_end()};

    if (c == NULL || x == NULL ||
        !EVP_CipherInit_ex2(x, c, NULL, iv16, enc, p)) {
        EVP_CIPHER_CTX_free(x);
        x = NULL;
    }
    EVP_CIPHER_free(c);
    return x;
}

/* AES-GCM: seal and open, a wrong tag opens nothing; or, on a token
 * without AES-GCM (tpm2-pkcs11), refused at init in both directions. */
static int test_gcm(void)
{
    const char *uri = pt_uri_pin("KW_AES128_URI");
    uint8_t in[MSG_LEN], ct[MSG_LEN + 16], back[MSG_LEN + 16], tag[16];
    size_t ctlen = 0, backlen = 0;
    EVP_CIPHER_CTX *x = NULL;
    int ok = 1;

    fill(in, sizeof(in));
    if (pt_token_lacks("CKM_AES_GCM")) {
        for (int enc = 0; enc < 2; enc++) {
            ok &= TEST_ptr_null(x = kw_init("KEYWARD-AES-128-GCM", uri, enc)) &&
                  TEST_true(pt_error_has("not supported by this token"));
            EVP_CIPHER_CTX_free(x);
        }
        return ok;
    }
    {
        struct cr_msg e = {.alg = "KEYWARD-AES-128-GCM", .uri = uri,
                           .iv = iv16, .ivlen = 12, .in = in,
                           .inlen = sizeof(in), .enc = true, .padding = -1,
                           .tag = tag, .taglen = 16};
        struct cr_msg d = e;

        d.enc = false;
        d.in = ct;
        ok = TEST_true(cr_run(&e, ct, &ctlen)) &&
             TEST_int_eq(ctlen, MSG_LEN) &&
             TEST_true(cr_run(&d, back, &backlen)) &&
             TEST_mem_eq(back, backlen, in, sizeof(in));
        d.inlen = ctlen;
        tag[0] ^= 1;
        memset(back, 0xa5, sizeof(back));
        ok = ok && TEST_false(cr_run(&d, back, &backlen)) &&
             TEST_true(pt_error_has("no plaintext was released")) &&
             TEST_int_eq(backlen, 0) && TEST_int_eq(back[0], 0xa5);
    }
    pt_errors();
    return ok;
}

/* One round trip of alg through the token, streamed in 32-byte chunks
 * (padding -1: the default). */
static int roundtrip(const char *alg, int padding, size_t len)
{
    const char *uri = pt_uri_pin("KW_AES128_URI");
    uint8_t in[MSG_LEN + 28], ct[sizeof(in) + 16], back[sizeof(ct) + 16];
    size_t ctlen = 0, backlen = 0;
    struct cr_msg e = {.alg = alg, .uri = uri, .iv = iv16, .ivlen = 16,
                       .in = in, .inlen = len, .chunk = 32, .enc = true,
                       .padding = padding};
    struct cr_msg d = e;
    int ok;

    fill(in, sizeof(in));
    d.enc = false;
    d.in = ct;
    ok = TEST_true(cr_run(&e, ct, &ctlen)) &&
         TEST_int_ge(ctlen, len) && (d.inlen = ctlen) > 0 &&
         TEST_true(cr_run(&d, back, &backlen)) &&
         TEST_mem_eq(back, backlen, in, len);
    if (!ok)
        fprintf(stderr, "  %s padding %d\n", alg, padding);
    pt_errors();
    return ok;
}

/* CTR and CBC without padding work on both tokens (streamed). A token
 * that does CTR in whole blocks only (tpm2-pkcs11) gets whole blocks, and
 * keyward refuses a partial one before the token sees it. */
static int test_ctr_cbc(void)
{
    EVP_CIPHER_CTX *x = NULL;
    uint8_t in[20] = {0}, out[64];
    int n = -1, ok;

    if (!pt_token_lacks("CKM_AES_CTR:partial-block"))
        return roundtrip("KEYWARD-AES-128-CTR", -1, MSG_LEN) &
               roundtrip("KEYWARD-AES-128-CBC", 0, 128);
    ok = roundtrip("KEYWARD-AES-128-CTR", -1, 96) &
         roundtrip("KEYWARD-AES-128-CBC", 0, 128);
    memset(out, 0xa5, sizeof(out));
    ok &= TEST_ptr(x = kw_init("KEYWARD-AES-128-CTR",
                               pt_uri_pin("KW_AES128_URI"), 1)) &&
          TEST_false(EVP_EncryptUpdate(x, out, &n, in, sizeof(in))) &&
          TEST_true(pt_error_has("in whole 16-byte blocks only")) &&
          TEST_int_eq(n, 0) && TEST_int_eq(out[0], 0xa5);
    EVP_CIPHER_CTX_free(x);
    return ok;
}

/* CBC with padding: encryption everywhere; decryption where the token can
 * (tpm2-pkcs11 1.9.0 lists it but fails it: keyward refuses it before any
 * token call, and no output appears). */
static int test_cbc_pad(void)
{
    EVP_CIPHER_CTX *x = NULL;
    uint8_t in[32] = {0}, out[64];
    int n = -1, ok;

    if (!pt_token_lacks("CKM_AES_CBC_PAD:decrypt"))
        return roundtrip("KEYWARD-AES-128-CBC", 1, MSG_LEN);
    memset(out, 0xa5, sizeof(out));
    ok = TEST_ptr(x = kw_init("KEYWARD-AES-128-CBC", pt_uri_pin("KW_AES128_URI"),
                              0)) &&
         TEST_false(EVP_DecryptUpdate(x, out, &n, in, sizeof(in))) &&
         TEST_true(pt_error_has("not supported by this token")) &&
         TEST_int_eq(n, 0) && TEST_int_eq(out[0], 0xa5);
    EVP_CIPHER_CTX_free(x);
    /* Encryption with padding works; decryption without padding then
     * recovers the padded block. */
    {
        const char *uri = pt_uri_pin("KW_AES128_URI");
        uint8_t ct[48], back[48];
        size_t ctlen = 0, backlen = 0;
        struct cr_msg e = {.alg = "KEYWARD-AES-128-CBC", .uri = uri,
                           .iv = iv16, .ivlen = 16, .in = in, .inlen = 20,
                           .enc = true, .padding = 1};
        struct cr_msg d = e;

        d.enc = false;
        d.in = ct;
        d.padding = 0;
        ok &= TEST_true(cr_run(&e, ct, &ctlen)) && TEST_int_eq(ctlen, 32) &&
              (d.inlen = ctlen) > 0 && TEST_true(cr_run(&d, back, &backlen)) &&
              TEST_mem_eq(back, 20, in, 20) && TEST_int_eq(back[31], 12);
    }
    pt_errors();
    return ok;
}

/* HMAC-SHA256 with the token's HMAC key: deterministic, message-bound,
 * the same streamed (past keyward's one-call buffer) as in one piece. */
static int hmac(const uint8_t *msg, size_t len, size_t chunk, uint8_t out[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "KEYWARD-HMAC", "provider=keyward");
    EVP_MAC_CTX *m = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SHA256";
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(
            "pkcs11_uri", (char *)pt_uri_pin("KW_HMAC256_URI"), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end()};
    size_t outl = 0;
    int ok = m != NULL && EVP_MAC_init(m, NULL, 0, p);

    for (size_t off = 0; ok && off < len; off += chunk)
        ok = EVP_MAC_update(m, msg + off, len - off < chunk ? len - off : chunk);
    ok = ok && EVP_MAC_final(m, out, &outl, 32) && outl == 32;
    EVP_MAC_CTX_free(m);
    EVP_MAC_free(mac);
    return ok;
}

/* A token that MACs at most 4096 bytes (tpm2-pkcs11) gets that much, and
 * keyward refuses more before the token sees it. */
static int test_hmac(void)
{
    static uint8_t msg[6000];
    bool short_only = pt_token_lacks("CKM_SHA256_HMAC:over-4096");
    size_t len = short_only ? 4096 : sizeof(msg);
    uint8_t a[32], b[32], c[32];
    int ok;

    fill(msg, sizeof(msg));
    ok = TEST_true(hmac(msg, len, len, a)) &&
         TEST_true(hmac(msg, len, 1000, b)) && TEST_mem_eq(a, 32, b, 32) &&
         TEST_true(hmac(msg, len - 1, len, c)) &&
         TEST_true(memcmp(a, c, 32) != 0);
    if (short_only)
        ok &= TEST_false(hmac(msg, 4097, 1000, c)) &&
              TEST_true(pt_error_has("at most 4096 bytes per message"));
    pt_errors();
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_gcm);
    ADD_TEST(test_ctr_cbc);
    ADD_TEST(test_cbc_pad);
    ADD_TEST(test_hmac);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
