/* SPDX-License-Identifier: Apache-2.0 */
/* test_mac.c: keyward's HMAC-SHA256/384/512 and AES-CMAC with the key in
 * the token: RFC 4231 and RFC 4493 vectors (keys imported as token secret
 * keys), the same MACs as the default provider for long streamed input,
 * and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "provtest.h"
#include "pt_import.h"

/* One MAC through keyward (uri) or the default provider (key), the input
 * fed in chunks of `chunk` bytes (0: at once). */
static bool mac_run(const char *alg, const char *uri, const uint8_t *key,
                    size_t keylen, const char *pname, const char *pval,
                    const uint8_t *in, size_t inlen, size_t chunk, uint8_t *out,
                    size_t *outlen)
{
    EVP_MAC *mac =
        EVP_MAC_fetch(NULL, alg, uri ? "provider=keyward" : "provider=default");
    EVP_MAC_CTX *x = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[3], *pp = p;
    size_t off = 0;
    bool ok = false;

    if (x == NULL)
        goto out;
    if (uri != NULL)
        *pp++ = OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0);
    if (pname != NULL)
        *pp++ = OSSL_PARAM_construct_utf8_string(pname, (char *)pval, 0);
    *pp = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(x, uri ? NULL : key, uri ? 0 : keylen, p))
        goto out;
    while (off < inlen) {
        size_t n = chunk == 0 || inlen - off < chunk ? inlen - off : chunk;

        if (!EVP_MAC_update(x, in + off, n))
            goto out;
        off += n;
    }
    ok = EVP_MAC_final(x, out, outlen, 64) == 1;
out:
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(mac);
    return ok;
}

/* RFC 4231 section 4: test cases 1-7 (case 5 truncated to 128 bits). */
static const struct {
    const char *key, *data, *sha256, *sha384, *sha512;
    size_t trunc;
} rfc4231[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
     "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea"
     "9076ede7f4af152e8b2fa9cb6",
     "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b"
     "7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
     0},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
     "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240c"
     "a5e69e2c78b3239ecfab21649",
     "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf7"
     "5c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
     0},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
     "dddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
     "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39"
     "dc13814b94e3ab6e101a34f27",
     "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848"
     "279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
     0},
    {"0102030405060708090a0b0c0d0e0f10111213141516171819",
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
     "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd2"
     "3c4a7d679ccf8a386c674cffb",
     "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c"
     "11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
     0},
    {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
     "546573742057697468205472756e636174696f6e",
     "a3b6167473100ee06e0c796c2955552b", "3abf34c3503b2a23a46efc619baef897",
     "415fad6271580a531d4179bc891d87a6", 16},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b"
     "6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
     "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6a"
     "b4030fe8296248df163f44952",
     "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d03"
     "7e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
     0},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "5468697320697320612074657374207573696e672061206c6172676572207468616e20"
     "626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c"
     "6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520"
     "686173686564206265666f7265206265696e6720757365642062792074686520484d41"
     "4320616c676f726974686d2e",
     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
     "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc3"
     "1e799176d3860e6110c46523e",
     "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022ca"
     "c3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
     0},
};

static int test_rfc4231(void)
{
    static const char *const mds[] = {"SHA256", "SHA384", "SHA512"};
    int ok = 1, refused = 0;

    for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
        size_t klen, dlen;
        uint8_t *key = tu_hex(rfc4231[i].key, &klen);
        uint8_t *data = tu_hex(rfc4231[i].data, &dlen);
        char label[32];
        const char *uri;

        snprintf(label, sizeof(label), "rfc4231-%zu", i + 1);
        ok &= TEST_ptr(uri = pi_secret(CKK_GENERIC_SECRET, key, klen, label,
                                       HSM_USE_SIGN | HSM_USE_VERIFY));
        for (size_t m = 0; uri != NULL && m < 3; m++) {
            const char *want_hex = m == 0   ? rfc4231[i].sha256
                                   : m == 1 ? rfc4231[i].sha384
                                            : rfc4231[i].sha512;
            size_t wlen, klen2 = 0, slen = 0;
            uint8_t *want = tu_hex(want_hex, &wlen);
            uint8_t kw[64], sw[64];

            /* SoftHSM takes HMAC keys no shorter than the digest: the
             * RFC's short keys get a clear refusal instead. */
            if (uri != NULL &&
                klen < (m == 0   ? 32
                        : m == 1 ? 48
                                 : 64) &&
                strcmp(tu_var("KW_TOKEN_DRIVER"), "softhsm") == 0) {
                ok &= TEST_false(mac_run("KEYWARD-HMAC", uri, NULL, 0, "digest",
                                         mds[m], data, dlen, 0, kw, &klen2)) &&
                      TEST_true(pt_error_has("refuses for"));
                refused++;
                free(want);
                continue;
            }
            ok &= TEST_true(mac_run("KEYWARD-HMAC", uri, NULL, 0, "digest",
                                    mds[m], data, dlen, 0, kw, &klen2)) &&
                  TEST_mem_eq(kw, rfc4231[i].trunc ? rfc4231[i].trunc : klen2,
                              want, wlen) &&
                  /* And the default provider agrees. */
                  TEST_true(mac_run("HMAC", NULL, key, klen, "digest", mds[m],
                                    data, dlen, 0, sw, &slen)) &&
                  TEST_mem_eq(kw, klen2, sw, slen);
            if (!ok)
                fprintf(stderr, "  RFC 4231 case %zu %s\n", i + 1, mds[m]);
            free(want);
        }
        pt_errors();
        free(key);
        free(data);
    }
    /* Cases 6 and 7 (131-byte key) ran in the token for all three. */
    fprintf(stderr,
            "  %d of 21 RFC 4231 MACs refused by the token (key "
            "shorter than the digest)\n",
            refused);
    return ok && TEST_true(refused <= 15);
}

/* RFC 4493 section 4: AES-128 key, messages of 0, 16, 40 and 64 bytes. */
static int test_rfc4493(void)
{
    static const char *const macs[] = {
        "bb1d6929e95937287fa37d129b756746",
        "070a16b46b4d4144f79bdd9dd04a287c",
        "dfa66747de9ae63030ca32611497c827",
        "51f0bebf7e3b9d92fc49741779363cfe",
    };
    static const size_t lens[] = {0, 16, 40, 64};
    size_t klen, mlen;
    uint8_t *key = tu_hex("2b7e151628aed2a6abf7158809cf4f3c", &klen);
    uint8_t *msg = tu_hex("6bc1bee22e409f96e93d7e117393172a"
                          "ae2d8a571e03ac9c9eb76fac45af8e51"
                          "30c81c46a35ce411e5fbc1191a0a52ef"
                          "f69f2445df4f9b17ad2b417be66c3710",
                          &mlen);
    const char *uri =
        pi_secret(CKK_AES, key, klen, "rfc4493", HSM_USE_SIGN | HSM_USE_VERIFY);
    int ok = TEST_ptr(uri);

    for (size_t i = 0; ok && i < 4; i++) {
        size_t wlen, kl = 0, sl = 0;
        uint8_t *want = tu_hex(macs[i], &wlen), kw[64], sw[64];

        ok = TEST_true(mac_run("KEYWARD-CMAC", uri, NULL, 0, NULL, NULL, msg,
                               lens[i], 7, kw, &kl)) &&
             TEST_mem_eq(kw, kl, want, wlen) &&
             TEST_true(mac_run("KEYWARD-CMAC", uri, NULL, 0, "cipher",
                               "AES-128-CBC", msg, lens[i], 0, kw, &kl)) &&
             TEST_mem_eq(kw, kl, want, wlen) &&
             TEST_true(mac_run("CMAC", NULL, key, klen, "cipher", "AES-128-CBC",
                               msg, lens[i], 0, sw, &sl)) &&
             TEST_mem_eq(kw, kl, sw, sl);
        free(want);
    }
    pt_errors();
    free(key);
    free(msg);
    return ok;
}

/* Long input, fed in odd chunks: past the held-back buffer it streams to
 * the token; same result as the default provider. */
static int test_streaming_same_as_default(void)
{
    uint8_t key[48], k256[32], *data = malloc(100000);
    const char *huri, *curi;
    static const size_t lens[] = {4095, 4096, 4097, 100000};
    static const size_t chunks[] = {0, 1000, 4096};
    int ok = TEST_ptr(data);

    if (!ok)
        return 0;
    RAND_bytes(key, sizeof(key));
    RAND_bytes(k256, sizeof(k256));
    RAND_bytes(data, 100000);
    ok = TEST_ptr(huri = pi_secret(CKK_GENERIC_SECRET, key, sizeof(key),
                                   "stream-hmac", HSM_USE_SIGN)) &&
         TEST_ptr(curi = pi_secret(CKK_AES, k256, sizeof(k256), "stream-cmac",
                                   HSM_USE_SIGN));
    for (size_t i = 0; ok && i < 4; i++)
        for (size_t c = 0; ok && c < 3; c++) {
            uint8_t kw[64], sw[64];
            size_t kl = 0, sl = 0;

            ok = TEST_true(mac_run("KEYWARD-HMAC", huri, NULL, 0, "digest",
                                   "SHA2-384", data, lens[i], chunks[c], kw,
                                   &kl)) &&
                 TEST_true(mac_run("HMAC", NULL, key, sizeof(key), "digest",
                                   "SHA384", data, lens[i], chunks[c], sw,
                                   &sl)) &&
                 TEST_mem_eq(kw, kl, sw, sl) &&
                 TEST_true(mac_run("KEYWARD-CMAC", curi, NULL, 0, NULL, NULL,
                                   data, lens[i], chunks[c], kw, &kl)) &&
                 TEST_true(mac_run("CMAC", NULL, k256, sizeof(k256), "cipher",
                                   "AES-256-CBC", data, lens[i], chunks[c], sw,
                                   &sl)) &&
                 TEST_mem_eq(kw, kl, sw, sl);
        }
    pt_errors();
    free(data);
    return ok;
}

/* The fixture's sensitive HMAC key, the way an application uses it. */
static int test_fixture_key_and_sizes(void)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "KEYWARD-HMAC", NULL);
    EVP_MAC_CTX *x = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(
            "pkcs11_uri", (char *)pt_uri_pin("KW_HMAC256_URI"), 0),
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    uint8_t a[64], b[64];
    size_t alen = 0, blen = 0;
    int ok = TEST_ptr(x) && TEST_true(EVP_MAC_CTX_set_params(x, p)) &&
             TEST_int_eq(EVP_MAC_CTX_get_mac_size(x), 32) &&
             TEST_true(EVP_MAC_init(x, NULL, 0, NULL)) &&
             TEST_true(EVP_MAC_update(x, (const uint8_t *)"abc", 3)) &&
             TEST_true(EVP_MAC_final(x, a, &alen, sizeof(a))) &&
             /* Again with the same key (EVP_MAC_init with no key). */
             TEST_true(EVP_MAC_init(x, NULL, 0, NULL)) &&
             TEST_true(EVP_MAC_update(x, (const uint8_t *)"ab", 2)) &&
             TEST_true(EVP_MAC_update(x, (const uint8_t *)"c", 1)) &&
             TEST_true(EVP_MAC_final(x, b, &blen, sizeof(b))) &&
             TEST_mem_eq(a, alen, b, blen) && TEST_int_eq(alen, 32);

    pt_errors();
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(mac);
    return ok;
}

static int mac_init_fails(const char *alg, const char *uri, const char *pname,
                          const char *pval, const char *text)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, alg, NULL);
    EVP_MAC_CTX *x = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM p[3], *pp = p;
    int ok;

    if (uri != NULL)
        *pp++ = OSSL_PARAM_construct_utf8_string("pkcs11_uri", (char *)uri, 0);
    if (pname != NULL)
        *pp++ = OSSL_PARAM_construct_utf8_string(pname, (char *)pval, 0);
    *pp = OSSL_PARAM_construct_end();
    ok = TEST_ptr(x) && TEST_false(EVP_MAC_init(x, NULL, 0, p)) &&
         TEST_true(pt_error_has(text));
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(mac);
    return ok;
}

static int test_bad_input(void)
{
    uint8_t k[16] = {1};
    const char *nosign =
        pi_secret(CKK_AES, k, 16, "cmac-nosign", HSM_USE_ENCRYPT);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "KEYWARD-HMAC", NULL);
    EVP_MAC_CTX *x = mac ? EVP_MAC_CTX_new(mac) : NULL;
    int ok = TEST_ptr(nosign) && TEST_ptr(x);

    ok &= mac_init_fails("KEYWARD-HMAC", pt_uri_pin("KW_AES256_URI"), "digest",
                         "SHA256", "is an AES key");
    ok &= mac_init_fails("KEYWARD-HMAC", pt_uri_pin("KW_HMAC256_URI"), NULL,
                         NULL, "needs a \"digest\" parameter");
    ok &= mac_init_fails("KEYWARD-HMAC", pt_uri_pin("KW_HMAC256_URI"), "digest",
                         "MD5", "it offers SHA256, SHA384");
    ok &= mac_init_fails("KEYWARD-CMAC", pt_uri_pin("KW_HMAC256_URI"), NULL,
                         NULL, "is a generic secret");
    ok &= mac_init_fails("KEYWARD-CMAC", pt_uri_pin("KW_AES256_URI"), "cipher",
                         "AES-128-CBC", "does not fit");
    ok &= mac_init_fails("KEYWARD-CMAC", pt_uri_pin("KW_AES256_URI"), "cipher",
                         "DES-EDE3-CBC", "it does AES-CMAC");
    ok &= mac_init_fails("KEYWARD-CMAC", nosign, NULL, NULL,
                         "its CKA_SIGN is false");
    ok &= mac_init_fails("KEYWARD-CMAC", NULL, NULL, NULL, "has no key");
    /* A 256-bit HMAC key with SHA-512: too short for SoftHSM, which says
     * so when the MAC is computed. */
    if (strcmp(tu_var("KW_TOKEN_DRIVER"), "softhsm") == 0) {
        uint8_t out[64];
        size_t n = 0;

        ok &= TEST_false(mac_run("KEYWARD-HMAC", pt_uri_pin("KW_HMAC256_URI"),
                                 NULL, 0, "digest", "SHA512", k, 1, 0, out,
                                 &n)) &&
              TEST_int_eq(n, 0) &&
              TEST_true(pt_error_has("a size token 'keyward-test' refuses "
                                     "for CKM_SHA512_HMAC"));
    }
    /* Raw key bytes, and a final without init. */
    if (x != NULL) {
        uint8_t out[64];
        size_t n = 0;

        ok &= TEST_false(EVP_MAC_init(x, k, sizeof(k), NULL)) &&
              TEST_true(pt_error_has("instead of key bytes")) &&
              TEST_false(EVP_MAC_final(x, out, &n, sizeof(out))) &&
              TEST_int_eq(n, 0);
        pt_errors();
    }
    EVP_MAC_CTX_free(x);
    EVP_MAC_free(mac);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_rfc4231);
    ADD_TEST(test_rfc4493);
    ADD_TEST(test_streaming_same_as_default);
    ADD_TEST(test_fixture_key_and_sizes);
    ADD_TEST(test_bad_input);
    rc = tu_run(argc, argv);
    pi_close();
    pt_fini();
    return rc;
}
