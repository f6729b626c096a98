/* SPDX-License-Identifier: Apache-2.0 */
/* test_cipher.c: keyward's AES-GCM, AES-CTR and AES-CBC with the key in the
 * token: the same ciphertext and tag as the default provider for the same
 * key, IV and AAD (a test-only extractable key and imported known keys);
 * NIST GCM and SP 800-38A vectors; streaming; and bad input, each a clear
 * error with no output (a wrong tag releases no plaintext). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cipher_run.h"
#include "provtest.h"
#include "pt_import.h"

#define ENC_DEC (HSM_USE_ENCRYPT | HSM_USE_DECRYPT)

/* ------------------------------------------------------------------ */
/* Same result as the default provider                                  */

/* keyward (uri) and default (key) agree on m, and keyward decrypts back. */
static int agree(const char *kw_alg, const char *sw_alg, const char *uri,
                 const uint8_t *key, const uint8_t *iv, size_t ivlen,
                 const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                 size_t ptlen, size_t chunk, int padding)
{
    bool gcm = strstr(kw_alg, "GCM") != NULL;
    size_t n = ptlen + 32, len1 = 0, len2 = 0, len3 = 0;
    uint8_t *c1 = malloc(n), *c2 = malloc(n), *back = malloc(n);
    uint8_t tag1[16] = {0}, tag2[16] = {1};
    struct cr_msg kw = {kw_alg, uri,   NULL,  iv,   ivlen,   aad,  aadlen,
                        pt,     ptlen, chunk, true, padding, tag1, 16};
    struct cr_msg sw = {sw_alg, NULL,  key,   iv,   ivlen,   aad,  aadlen,
                        pt,     ptlen, chunk, true, padding, tag2, 16};
    int ok = TEST_ptr(c1) && TEST_ptr(c2) && TEST_ptr(back) &&
             TEST_true(cr_run(&kw, c1, &len1)) &&
             TEST_true(cr_run(&sw, c2, &len2)) &&
             TEST_mem_eq(c1, len1, c2, len2) &&
             (!gcm || TEST_mem_eq(tag1, 16, tag2, 16));

    if (ok) {
        /* Back through keyward, all of it at once for GCM. */
        struct cr_msg dec = {kw_alg, uri,     NULL, iv,   ivlen,
                             aad,    aadlen,  c1,   len1, gcm ? 0 : chunk,
                             false,  padding, tag1, 16};

        ok = TEST_true(cr_run(&dec, back, &len3)) &&
             TEST_mem_eq(back, len3, pt, ptlen);
    }
    if (!ok)
        fprintf(stderr, "  %s: pt %zu aad %zu chunk %zu pad %d\n", kw_alg,
                ptlen, aadlen, chunk, padding);
    pt_errors();
    free(c1);
    free(c2);
    free(back);
    return ok;
}

static const size_t lens[] = {0, 1, 15, 16, 17, 64, 1000, 5003};
static const size_t chunks[] = {0, 7, 16, 1024};

/* The fixture's test-only extractable AES-256 key: its value is known. */
static int test_same_as_default_provider(void)
{
    const char *uri = pt_uri_pin("KW_AES256X_URI");
    size_t keylen = 0;
    uint8_t *key = pi_key_value(tu_var("KW_AES256X_URI"), &keylen);
    uint8_t iv[16], aad[40], *pt = malloc(5003);
    int ok = TEST_ptr(key) && TEST_int_eq(keylen, 32) && TEST_ptr(pt);

    if (!ok)
        goto err;
    RAND_bytes(iv, sizeof(iv));
    RAND_bytes(aad, sizeof(aad));
    RAND_bytes(pt, 5003);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            size_t aadlen = (i + c) % 3 == 0 ? 0 : (i + c) % 2 ? 13 : 40;

            ok &= agree("KEYWARD-AES-256-GCM", "AES-256-GCM", uri, key, iv, 12,
                        aad, aadlen, pt, lens[i], chunks[c], -1);
            ok &= agree("KEYWARD-AES-256-CTR", "AES-256-CTR", uri, key, iv, 16,
                        NULL, 0, pt, lens[i], chunks[c], -1);
            ok &= agree("KEYWARD-AES-256-CBC", "AES-256-CBC", uri, key, iv, 16,
                        NULL, 0, pt, lens[i], chunks[c], 1);
            if (lens[i] % 16 == 0)
                ok &= agree("KEYWARD-AES-256-CBC", "AES-256-CBC", uri, key, iv,
                            16, NULL, 0, pt, lens[i], chunks[c], 0);
        }
    }
    /* GCM with other IV lengths. */
    ok &= agree("KEYWARD-AES-256-GCM", "AES-256-GCM", uri, key, iv, 1, aad, 5,
                pt, 100, 0, -1);
    ok &= agree("KEYWARD-AES-256-GCM", "AES-256-GCM", uri, key, iv, 16, aad, 0,
                pt, 100, 33, -1);
err:
    free(key);
    free(pt);
    return ok;
}

/* AES-128 and AES-192 with imported known keys, the same checks. */
static int test_other_key_sizes(void)
{
    uint8_t k128[16], k192[24], iv[16], aad[7], pt[300];
    const char *u128, *u192;
    int ok;

    RAND_bytes(k128, sizeof(k128));
    RAND_bytes(k192, sizeof(k192));
    RAND_bytes(iv, sizeof(iv));
    RAND_bytes(aad, sizeof(aad));
    RAND_bytes(pt, sizeof(pt));
    ok =
        TEST_ptr(u128 = pi_secret(CKK_AES, k128, 16, "cipher-k128", ENC_DEC)) &&
        TEST_ptr(u192 = pi_secret(CKK_AES, k192, 24, "cipher-k192", ENC_DEC));
    if (!ok)
        return 0;
    ok &= agree("KEYWARD-AES-128-GCM", "AES-128-GCM", u128, k128, iv, 12, aad,
                7, pt, 300, 100, -1);
    ok &= agree("KEYWARD-AES-192-GCM", "AES-192-GCM", u192, k192, iv, 12, aad,
                7, pt, 300, 0, -1);
    ok &= agree("KEYWARD-AES-128-CTR", "AES-128-CTR", u128, k128, iv, 16, NULL,
                0, pt, 299, 50, -1);
    ok &= agree("KEYWARD-AES-192-CBC", "AES-192-CBC", u192, k192, iv, 16, NULL,
                0, pt, 299, 50, 1);
    ok &= agree("KEYWARD-AES-128-CBC", "AES-128-CBC", u128, k128, iv, 16, NULL,
                0, pt, 288, 0, 0);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Published vectors                                                    */

/*
 * AES-GCM vectors from NIST's CAVP files (gcmEncryptExtIV128/192/256.rsp)
 * as several independent test suites carry them, and test cases 1, 2, 13
 * and 14 of the GCM specification NIST publishes (McGrew and Viega).
 * result = ciphertext || tag; the tag length is what remains.
 */
static const struct {
    const char *key, *iv, *pt, *aad, *result;
} gcm_vectors[] = {
    /* GCM specification test cases 1, 2, 13, 14. */
    {"00000000000000000000000000000000", "000000000000000000000000", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "",
     "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"},
    /* CAVP, 96-bit IVs. */
    {"11754cd72aec309bf52f7687212e8957", "3c819d9a9bed087615030b65", "", "",
     "250327c674aaf477aef2675748cf6971"},
    {"fbe3467cc254f81be8e78d765a2e6333", "c6697351ff4aec29cdbaabf2", "", "67",
     "3659cdc25288bf499ac736c03bfc1159"},
    {"8a7f9d80d08ad0bd5a20fb689c88f9fc", "88b7b27d800937fda4f47301", "",
     "50edd0503e0d7b8c91608eb5a1", "ed6f65322a4740011f91d2aae22dd44e"},
    {"7fddb57453c241d03efbed3ac44e371c", "ee283a3fc75575e33efd4887",
     "d5de42b461646c255c87bd2962d3b9a2", "",
     "2ccda4a5415cb91e135c2a0f78c9b2fdb36d1df9b9d5e596f83e8b7f52971cb3"},
    {"fe47fcce5fc32665d2ae399e4eec72ba", "5adb9609dbaeb58cbd6e7275",
     "7c0e88c88899a779228465074797cd4c2e1498d259b54390b85e3eef1c02df60e743f1"
     "b840382c4bccaf3bafb4ca8429bea063",
     "88319d6e1d3ffa5f987199166c8a9b56c2aeba5a",
     "98f4826f05a265e6dd2be82db241c0fbbbf9ffb1c173aa83964b7cf5393043736365"
     "253ddbc5db8778371495da76d269e5db3e291ef1982e4defedaa2249f898556b47"},
    {"fe9bb47deb3a61e423c2231841cfd1fb", "4d328eb776f500a2f7fb47aa",
     "f1cc3818e421876bb6b8bbd6c9", "",
     "b88c5c1977b35b517b0aeae96743fd4727fe5cdb4b5b42818dea7ef8c9"},
    /* CAVP, tags of 120, 112, 104 and 96 bits. */
    {"89c54b0d3bc3c397d5039058c220685f", "bc7f45c00868758d62d4bb4d",
     "582670b0baf5540a3775b6615605bd05", "48d16cda0337105a50e2ed76fd18e114",
     "fc2d4c4eee2209ddbba6663c02765e6955e783b00156f5da0446e2970b877f"},
    {"bad6049678bf75c9087b3e3ae7e72c13", "a0a017b83a67d8f1b883e561",
     "a1be93012f05a1958440f74a5311f4a1", "f7c27b51d5367161dc2ff1e9e3edc6f2",
     "36f032f7e3dc3275ca22aedcdc68436b99a2227f8bb69d45ea5d8842cd08"},
    {"66a3c722ccf9709525650973ecc100a9", "1621d42d3a6d42a2d2bf9494",
     "61fa9dbbed2190fbc2ffabf5d2ea4ff8", "d7a9b6523b8827068a6354a6d166c6b9",
     "fef3b20f40e08a49637cc82f4c89b8603fd5c0132acfab97b5fff651c4"},
    {"562ae8aadb8d23e0f271a99a7d1bd4d1", "f7a5e2399413b89b6ad31aff",
     "bbdc3504d803682aa08a773cde5f231a", "2b9680b886b3efb7c6354b38c63b5373",
     "e2b7e5ed5ff27fc8664148f5a628a46dcbf2015184fffb82f2651c36"},
    /* CAVP, 8-bit IV. */
    {"1672c3537afa82004c6b8a46f6f0d026", "05", "", "",
     "8e2ad721f9455f74d8b53d3141f27e8e"},
    /* GCMVS example: AES-256, 120-bit tag. */
    {"7f7168a406e7c1ef0fd47ac922c5ec5f659765fb6aaa048f7056f6c6b5d8513d",
     "b8b5e407adc0e293e3e7e991", "b706194bb0b10c474e1b2d7b2278224c",
     "ff7628f6427fbcef1f3b82b37404e116",
     "8fada0b8e777a829ca9680d3bf4f3574daca354277f6335fc8bec90886da70"},
};

static int one_gcm_vector(size_t i)
{
    size_t klen, ivlen, ptlen, aadlen, rlen, outlen = 0;
    uint8_t *key = tu_hex(gcm_vectors[i].key, &klen);
    uint8_t *iv = tu_hex(gcm_vectors[i].iv, &ivlen);
    uint8_t *pt = tu_hex(gcm_vectors[i].pt, &ptlen);
    uint8_t *aad = tu_hex(gcm_vectors[i].aad, &aadlen);
    uint8_t *res = tu_hex(gcm_vectors[i].result, &rlen);
    uint8_t out[128], tag[16];
    char label[32], alg[32];
    const char *uri;
    int ok;

    snprintf(label, sizeof(label), "gcm-vector-%zu", i);
    snprintf(alg, sizeof(alg), "KEYWARD-AES-%zu-GCM", klen * 8);
    ok = TEST_ptr(uri = pi_secret(CKK_AES, key, klen, label, ENC_DEC));
    if (ok) {
        struct cr_msg e = {alg, uri,   NULL, iv,   ivlen, aad, aadlen,
                           pt,  ptlen, 0,    true, -1,    tag, rlen - ptlen};
        struct cr_msg d = {alg,   uri,    NULL,        iv,          ivlen,
                           aad,   aadlen, res,         ptlen,       0,
                           false, -1,     res + ptlen, rlen - ptlen};

        ok = TEST_true(cr_run(&e, out, &outlen)) &&
             TEST_mem_eq(out, outlen, res, ptlen) &&
             TEST_mem_eq(tag, rlen - ptlen, res + ptlen, rlen - ptlen) &&
             TEST_true(cr_run(&d, out, &outlen)) &&
             TEST_mem_eq(out, outlen, pt, ptlen);
    }
    if (!ok)
        fprintf(stderr, "  GCM vector %zu\n", i);
    pt_errors();
    free(key);
    free(iv);
    free(pt);
    free(aad);
    free(res);
    return ok;
}

static int test_gcm_vectors(void)
{
    int ok = 1;

    for (size_t i = 0; i < sizeof(gcm_vectors) / sizeof(gcm_vectors[0]); i++)
        ok &= one_gcm_vector(i);
    return ok;
}

/* NIST SP 800-38A F.2.5 (CBC-AES256) and F.5.5 (CTR-AES256), first two
 * blocks. */
static int test_sp800_38a_vectors(void)
{
    size_t klen, n;
    uint8_t *key = tu_hex("603deb1015ca71be2b73aef0857d7781"
                          "1f352c073b6108d72d9810a30914dff4",
                          &klen);
    uint8_t *pt = tu_hex("6bc1bee22e409f96e93d7e117393172a"
                         "ae2d8a571e03ac9c9eb76fac45af8e51",
                         &n);
    uint8_t *cbc_iv = tu_hex("000102030405060708090a0b0c0d0e0f", &n);
    uint8_t *ctr_iv = tu_hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", &n);
    uint8_t *cbc_ct = tu_hex("f58c4c04d6e5f1ba779eabfb5f7bfbd6"
                             "9cfc4e967edb808d679f777bc6702c7d",
                             &n);
    uint8_t *ctr_ct = tu_hex("601ec313775789a5b7a7f504bbf3d228"
                             "f443e3ca4d62b59aca84e990cacaf5c5",
                             &n);
    uint8_t out[64];
    size_t outlen = 0;
    const char *uri = pi_secret(CKK_AES, key, klen, "sp800-38a", ENC_DEC);
    struct cr_msg cbc = {"KEYWARD-AES-256-CBC",
                         uri,
                         NULL,
                         cbc_iv,
                         16,
                         NULL,
                         0,
                         pt,
                         32,
                         16,
                         true,
                         0,
                         NULL,
                         0};
    struct cr_msg ctr = {"KEYWARD-AES-256-CTR",
                         uri,
                         NULL,
                         ctr_iv,
                         16,
                         NULL,
                         0,
                         pt,
                         32,
                         5,
                         true,
                         -1,
                         NULL,
                         0};
    int ok = TEST_ptr(uri) && TEST_true(cr_run(&cbc, out, &outlen)) &&
             TEST_mem_eq(out, outlen, cbc_ct, 32) &&
             TEST_true(cr_run(&ctr, out, &outlen)) &&
             TEST_mem_eq(out, outlen, ctr_ct, 32);

    pt_errors();
    free(key);
    free(pt);
    free(cbc_iv);
    free(ctr_iv);
    free(cbc_ct);
    free(ctr_ct);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Bad input: a clear error and no output                               */

static EVP_CIPHER_CTX *kw_ctx(const char *alg, const char *uri, int enc)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, alg, NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0),
        OSSL_PARAM_construct_end()};

    if (c == NULL || x == NULL ||
        !EVP_CipherInit_ex2(x, c, NULL, NULL, enc, uri != NULL ? p : NULL)) {
        EVP_CIPHER_CTX_free(x);
        x = NULL;
    }
    EVP_CIPHER_free(c);
    return x;
}

/* The URI names the wrong key: each refused when the key is given. */
static int test_wrong_keys(void)
{
    static const struct {
        const char *alg, *var, *text;
    } cases[] = {
        {"KEYWARD-AES-256-GCM", "KW_HMAC256_URI", "is a generic secret"},
        {"KEYWARD-AES-256-GCM", "KW_AES128_URI", "needs a 256-bit key"},
        {"KEYWARD-AES-128-CBC", "KW_AES256_URI", "needs a 128-bit key"},
        {"KEYWARD-AES-256-CTR", "KW_EC256_URI", "names a private key"},
        {"KEYWARD-AES-256-GCM", "KW_TOKEN_URI", "names no object"},
    };
    uint8_t key[32] = {0};
    int ok = 1;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EVP_CIPHER_CTX *x = kw_ctx(cases[i].alg, pt_uri_pin(cases[i].var), 1);

        ok &= TEST_ptr_null(x) && TEST_true(pt_error_has(cases[i].text));
        EVP_CIPHER_CTX_free(x);
    }
    /* Nothing at all, and raw key bytes. */
    {
        EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "KEYWARD-AES-256-GCM", NULL);
        EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
        uint8_t out[16];
        int n = 0;

        ok &= TEST_ptr(c) && TEST_ptr(x) &&
              TEST_true(EVP_EncryptInit_ex2(x, c, NULL, key, NULL)) &&
              TEST_false(EVP_EncryptUpdate(x, out, &n, key, 16)) &&
              TEST_int_eq(n, 0) && TEST_true(pt_error_has("has no key")) &&
              TEST_false(EVP_EncryptInit_ex2(x, c, key, key, NULL)) &&
              TEST_true(pt_error_has("instead of key bytes"));
        EVP_CIPHER_CTX_free(x);
        EVP_CIPHER_free(c);
    }
    return ok;
}

static int test_bad_iv_lengths(void)
{
    const char *uri = pt_uri_pin("KW_AES256_URI");
    EVP_CIPHER_CTX *x = kw_ctx("KEYWARD-AES-256-GCM", uri, 1);
    EVP_CIPHER_CTX *y = kw_ctx("KEYWARD-AES-256-CBC", uri, 1);
    size_t zero = 0, big = 129, eight = 8;
    OSSL_PARAM p0[] = {OSSL_PARAM_construct_size_t("ivlen", &zero),
                       OSSL_PARAM_construct_end()};
    OSSL_PARAM p1[] = {OSSL_PARAM_construct_size_t("ivlen", &big),
                       OSSL_PARAM_construct_end()};
    OSSL_PARAM p2[] = {OSSL_PARAM_construct_size_t("ivlen", &eight),
                       OSSL_PARAM_construct_end()};
    int ok = TEST_ptr(x) && TEST_ptr(y) &&
             TEST_false(EVP_CIPHER_CTX_set_params(x, p0)) &&
             TEST_true(pt_error_has("IV length 0")) &&
             TEST_false(EVP_CIPHER_CTX_set_params(x, p1)) &&
             TEST_true(pt_error_has("IV length 129")) &&
             TEST_false(EVP_CIPHER_CTX_set_params(y, p2)) &&
             TEST_true(pt_error_has("IV length 8; it takes 16"));

    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_CTX_free(y);
    return ok;
}

/* A wrong tag releases nothing: the output buffer is untouched. */
static int test_wrong_tag_no_plaintext(void)
{
    const char *uri = pt_uri_pin("KW_AES256_URI");
    uint8_t iv[12] = {1, 2, 3}, pt[64], ct[64], tag[16], out[80];
    size_t len = 0;
    struct cr_msg e = {"KEYWARD-AES-256-GCM",
                       uri,
                       NULL,
                       iv,
                       12,
                       (const uint8_t *)"hdr",
                       3,
                       pt,
                       64,
                       0,
                       true,
                       -1,
                       tag,
                       16};
    EVP_CIPHER_CTX *x = NULL;
    int n = -1, ok;

    RAND_bytes(pt, sizeof(pt));
    ok = TEST_true(cr_run(&e, ct, &len)) && TEST_int_eq(len, 64);
    for (int what = 0; ok && what < 4; what++) {
        uint8_t t[16];

        memcpy(t, tag, 16);
        ct[0] ^= what == 1;
        t[15] ^= what == 0;
        iv[0] ^= what == 2;
        memset(out, 0xa5, sizeof(out));
        n = -1;
        ok = TEST_ptr(x = kw_ctx("KEYWARD-AES-256-GCM", uri, 0)) &&
             TEST_true(EVP_DecryptInit_ex2(x, NULL, NULL, iv, NULL)) &&
             TEST_int_gt(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, t),
                         0) &&
             TEST_true(EVP_DecryptUpdate(
                 x, NULL, &n, (const uint8_t *)(what == 3 ? "hdX" : "hdr"),
                 3)) &&
             TEST_false(EVP_DecryptUpdate(x, out, &n, ct, 64)) &&
             TEST_int_eq(n, 0) && TEST_true(pt_error_has("does not match")) &&
             TEST_false(EVP_DecryptFinal_ex(x, out, &n));
        for (size_t i = 0; ok && i < sizeof(out); i++)
            ok = TEST_int_eq(out[i], 0xa5);
        ct[0] ^= what == 1;
        iv[0] ^= what == 2;
        pt_errors();
        EVP_CIPHER_CTX_free(x);
        x = NULL;
    }
    return ok;
}

/* The tag comes too late, too short; data in the wrong order. */
static int test_gcm_misuse(void)
{
    const char *uri = pt_uri_pin("KW_AES256_URI");
    uint8_t iv[12] = {9}, buf[32] = {0}, out[48], tag[16] = {0};
    EVP_CIPHER_CTX *x = kw_ctx("KEYWARD-AES-256-GCM", uri, 0);
    EVP_CIPHER_CTX *y = kw_ctx("KEYWARD-AES-256-GCM", uri, 1);
    int n = -1, ok;

    ok = TEST_ptr(x) && TEST_ptr(y) &&
         /* Decryption before the tag: refused, nothing out. */
         TEST_true(EVP_DecryptInit_ex2(x, NULL, NULL, iv, NULL)) &&
         TEST_false(EVP_DecryptUpdate(x, out, &n, buf, 32)) &&
         TEST_int_eq(n, 0) &&
         TEST_true(pt_error_has("needs the tag before the ciphertext")) &&
         /* Tags shorter than 96 bits. */
         TEST_true((EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 8, tag)) <=
                   0) &&
         TEST_true(pt_error_has("tag of 8 bytes")) &&
         TEST_true((EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 4, tag)) <=
                   0) &&
         TEST_true(pt_error_has("tag of 4 bytes")) &&
         TEST_true((EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 17, out)) <=
                   0) &&
         TEST_true(pt_error_has("tag of 17 bytes")) &&
         /* AAD after data, and an IV used twice. */
         TEST_true(EVP_EncryptInit_ex2(y, NULL, NULL, iv, NULL)) &&
         TEST_true(EVP_EncryptUpdate(y, out, &n, buf, 16)) &&
         TEST_false(EVP_EncryptUpdate(y, NULL, &n, buf, 4)) &&
         TEST_true(pt_error_has("AAD must come before the data")) &&
         TEST_true(EVP_EncryptInit_ex2(y, NULL, NULL, iv, NULL)) &&
         TEST_true(EVP_EncryptUpdate(y, out, &n, buf, 16)) &&
         TEST_true(EVP_EncryptFinal_ex(y, out, &n)) &&
         TEST_true((EVP_CIPHER_CTX_ctrl(y, EVP_CTRL_AEAD_GET_TAG, 8, tag)) <=
                   0) &&
         TEST_true(pt_error_has("tag of 8 bytes asked")) &&
         TEST_false(EVP_EncryptUpdate(y, out, &n, buf, 16)) &&
         TEST_true(pt_error_has("start the next with")) &&
         TEST_true(EVP_EncryptInit_ex2(y, NULL, NULL, NULL, NULL)) &&
         TEST_false(EVP_EncryptUpdate(y, out, &n, buf, 16)) &&
         TEST_true(pt_error_has("no IV for this message"));
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_CTX_free(y);
    return ok;
}

static int test_cbc_errors(void)
{
    const char *uri = pt_uri_pin("KW_AES256_URI");
    uint8_t iv[16] = {3}, buf[40] = {0}, out[64];
    EVP_CIPHER_CTX *x = kw_ctx("KEYWARD-AES-256-CBC", uri, 1);
    EVP_CIPHER_CTX *y = kw_ctx("KEYWARD-AES-256-CBC", uri, 0);
    int n = -1, ok;

    ok = TEST_ptr(x) && TEST_ptr(y) &&
         /* No padding and 40 bytes. */
         TEST_true(EVP_EncryptInit_ex2(x, NULL, NULL, iv, NULL)) &&
         TEST_true(EVP_CIPHER_CTX_set_padding(x, 0)) &&
         TEST_true(EVP_EncryptUpdate(x, out, &n, buf, 40)) &&
         TEST_false(EVP_EncryptFinal_ex(x, out + n, &n)) &&
         TEST_true(pt_error_has("not a whole number of 16-byte blocks")) &&
         /* Random blocks decrypted with padding on: bad padding. */
         TEST_true(EVP_DecryptInit_ex2(y, NULL, NULL, iv, NULL)) &&
         TEST_true(EVP_DecryptUpdate(y, out, &n, buf, 32)) &&
         TEST_false(EVP_DecryptFinal_ex(y, out + n, &n)) &&
         TEST_true(pt_error_has("bad padding"));
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_CTX_free(y);
    return ok;
}

/* A key without CKA_ENCRYPT (refused at init, before any data), and a
 * counter that would wrap. */
static int test_usage_and_counter(void)
{
    uint8_t k[16] = {7}, iv[16], buf[48] = {0}, out[64];
    const char *dec_only =
        pi_secret(CKK_AES, k, 16, "decrypt-only", HSM_USE_DECRYPT);
    const char *both = pi_secret(CKK_AES, k, 16, "ctr-key", ENC_DEC);
    EVP_CIPHER_CTX *x = NULL, *y = NULL;
    int n = -1, ok;

    memset(iv, 0xff, sizeof(iv));
    ok = TEST_ptr(dec_only) && TEST_ptr(both) &&
         TEST_ptr_null(x = kw_ctx("KEYWARD-AES-128-GCM", dec_only, 1)) &&
         TEST_true(pt_error_has("its CKA_ENCRYPT is false")) &&
         TEST_ptr(x = kw_ctx("KEYWARD-AES-128-GCM", dec_only, 0)) &&
         TEST_false(EVP_EncryptInit_ex2(x, NULL, NULL, iv, NULL)) &&
         TEST_true(pt_error_has("its CKA_ENCRYPT is false")) &&
         TEST_ptr(y = kw_ctx("KEYWARD-AES-128-CTR", both, 1)) &&
         TEST_true(EVP_EncryptInit_ex2(y, NULL, NULL, iv, NULL)) &&
         TEST_false(EVP_EncryptUpdate(y, out, &n, buf, 48)) &&
         TEST_int_eq(n, 0) && TEST_true(pt_error_has("counter would wrap"));
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_CTX_free(y);
    return ok;
}

/* One cipher context per message with the URI each time: the key is found
 * once (the cache), and many messages work. */
static int test_context_per_message(void)
{
    const char *uri = pt_uri_pin("KW_AES128_URI");
    uint8_t iv[12], pt[64] = {5}, ct[80], tag[16], back[80];
    size_t len;
    int ok = 1;

    for (int i = 0; ok && i < 200; i++) {
        struct cr_msg e = {"KEYWARD-AES-128-GCM",
                           uri,
                           NULL,
                           iv,
                           12,
                           NULL,
                           0,
                           pt,
                           64,
                           0,
                           true,
                           -1,
                           tag,
                           16};
        struct cr_msg d = {"KEYWARD-AES-128-GCM",
                           uri,
                           NULL,
                           iv,
                           12,
                           NULL,
                           0,
                           ct,
                           64,
                           0,
                           false,
                           -1,
                           tag,
                           16};

        memset(iv, i, sizeof(iv));
        ok = TEST_true(cr_run(&e, ct, &len)) &&
             TEST_true(cr_run(&d, back, &len)) &&
             TEST_mem_eq(back, len, pt, 64);
    }
    pt_errors();
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_same_as_default_provider);
    ADD_TEST(test_other_key_sizes);
    ADD_TEST(test_gcm_vectors);
    ADD_TEST(test_sp800_38a_vectors);
    ADD_TEST(test_wrong_keys);
    ADD_TEST(test_bad_iv_lengths);
    ADD_TEST(test_wrong_tag_no_plaintext);
    ADD_TEST(test_gcm_misuse);
    ADD_TEST(test_cbc_errors);
    ADD_TEST(test_usage_and_counter);
    ADD_TEST(test_context_per_message);
    rc = tu_run(argc, argv);
    pi_close();
    pt_fini();
    return rc;
}
