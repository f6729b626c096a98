/* SPDX-License-Identifier: Apache-2.0 */
/* test_kem.c: EVP_PKEY_encapsulate/decapsulate on OpenSSL 3.0 with keyward:
 * RFC 9180 DHKEM vectors (A.3 P-256 and A.6 P-521, base and psk setups)
 * with skRm imported into the token, encapsulation to token keys and to
 * ordinary EC public keys of the default provider, RSASVE against OpenSSL's
 * own, and bad input (wrong length, not on the curve, out of range). Also
 * run on the TPM (test_kem.tpm): RSASVE with its RSA-2048 key, and DHKEM
 * decapsulation refused at init as "not supported by this token". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "hpke_sched.h"
#include "kem_run.h"
#include "provtest.h"
#include "pt_import.h"

/* ------------------------------------------------------------------ */
/* RFC 9180 Appendix A.3 (DHKEM(P-256, HKDF-SHA256)) and A.6             */
/* (DHKEM(P-521, HKDF-SHA512)): the KEM part of the base and psk setups. */

static const struct {
    const char *name, *curve, *group, *ikme, *pkem, *skrm, *pkrm, *ss;
} vectors[] = {
    {"A.3.1 base", "P-256", "prime256v1",
     "4270e54ffd08d79d5928020af4686d8f6b7d35dbe470265f1f5aa22816ce860e",
     "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b32"
     "5ac98536d7b61a1af4b78e5b7f951c0900be863c403ce65c9bfcb9382657222d18c4",
     "f3ce7fdae57e1a310d87f1ebbde6f328be0a99cdbcadf4d6589cf29de4b8ffd2",
     "04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f70"
     "6a826a779b4cf969b8a0e539c7f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0",
     "c0d26aeab536609a572b07695d933b589dcf363ff9d93c93adea537aeabb8cb8"},
    {"A.3.2 psk", "P-256", "prime256v1",
     "2afa611d8b1a7b321c761b483b6a053579afa4f767450d3ad0f84a39fda587a6",
     "04305d35563527bce037773d79a13deabed0e8e7cde61eecee403496959e89"
     "e4d0ca701726696d1485137ccb5341b3c1c7aaee90a4a02449725e744b1193b53b5f",
     "438d8bcef33b89e0e9ae5eb0957c353c25a94584b0dd59c991372a75b43cb661",
     "040d97419ae99f13007a93996648b2674e5260a8ebd2b822e84899cd52d874"
     "46ea394ca76223b76639eccdf00e1967db10ade37db4e7db476261fcc8df97c5ffd1",
     "2e783ad86a1beae03b5749e0f3f5e9bb19cb7eb382f2fb2dd64c99f15ae0661b"},
    {"A.6.1 base", "P-521", "secp521r1",
     "7f06ab8215105fc46aceeb2e3dc5028b44364f960426eb0d8e4026c2f8b5d7"
     "e7a986688f1591abf5ab753c357a5d6f0440414b4ed4ede71317772ac98d9239f709"
     "04",
     "040138b385ca16bb0d5fa0c0665fbbd7e69e3ee29f63991d3e9b5fa740aab8"
     "900aaeed46ed73a49055758425a0ce36507c54b29cc5b85a5cee6bae0cf1c21f2731"
     "ece2013dc3fb7c8d21654bb161b463962ca19e8c654ff24c94dd2898de12051f1ed0"
     "692237fb02b2f8d1dc1c73e9b366b529eb436e98a996ee522aef863dd5739d2f29b0",
     "01462680369ae375e4b3791070a7458ed527842f6a98a79ff5e0d4cbde83c2"
     "7196a3916956655523a6a2556a7af62c5cadabe2ef9da3760bb21e005202f7b24628"
     "47",
     "0401b45498c1714e2dce167d3caf162e45e0642afc7ed435df7902ccae0e84"
     "ba0f7d373f646b7738bbbdca11ed91bdeae3cdcba3301f2457be452f271fa6837580"
     "e661012af49583a62e48d44bed350c7118c0d8dc861c238c72a2bda17f64704f464b"
     "57338e7f40b60959480c0e58e6559b190d81663ed816e523b6b6a418f66d2451ec64",
     "776ab421302f6eff7d7cb5cb1adaea0cd50872c71c2d63c30c4f1"
     "d5e43653336fef33b103c67e7a98add2d3b66e2fda95b5b2a667aa9dac7e59cc1d46"
     "d30e818"},
    {"A.6.2 psk", "P-521", "secp521r1",
     "f3ebfa9a69a924e672114fcd9e06fa9559e937f7eccce4181a2b506df53dbe"
     "514be12f094bb28e01de19dd345b4f7ede5ad7eaa6b9c3019592ec68eaae9a14732c"
     "e0",
     "040085eff0835cc84351f32471d32aa453cdc1f6418eaaecf1c2824210eb1d"
     "48d0768b368110fab21407c324b8bb4bec63f042cfa4d0868d19b760eb4beba1bff7"
     "93b30036d2c614d55730bd2a40c718f9466faf4d5f8170d22b6df98dfe0c067d02b3"
     "49ae4a142e0c03418f0a1479ff78a3db07ae2c2e89e5840f712c174ba2118e90fdcb",
     "011bafd9c7a52e3e71afbdab0d2f31b03d998a0dc875dd7555c63560e142bd"
     "e264428de03379863b4ec6138f813fa009927dc5d15f62314c56d4e7ff2b485753eb"
     "72",
     "04006917e049a2be7e1482759fb067ddb94e9c4f7f5976f655088dec452466"
     "14ff924ed3b385fc2986c0ecc39d14f907bf837d7306aada59dd5889086125ecd038"
     "ead400603394b5d81f89ebfd556a898cc1d6a027e143d199d3db845cb91c5289fb26"
     "c5ff80832935b0e8dd08d37c6185a6f77683347e472d1edb6daa6bd7652fea628fae",
     "0d52de997fdaa4797720e8b1bebd3df3d03c4cf38cc8c1398168d"
     "36c3fc7626428c9c254dd3f9274450909c64a5b3acbe45e2d850a2fd69ac0605fe5c"
     "8a057a5"},
};

static int one_vector(size_t i)
{
    size_t ikmlen, pkelen, sklen, pkrlen, sslen;
    uint8_t *ikme = tu_hex(vectors[i].ikme, &ikmlen);
    uint8_t *pkem = tu_hex(vectors[i].pkem, &pkelen);
    uint8_t *skrm = tu_hex(vectors[i].skrm, &sklen);
    uint8_t *pkrm = tu_hex(vectors[i].pkrm, &pkrlen);
    uint8_t *ss = tu_hex(vectors[i].ss, &sslen);
    uint8_t enc[133], secret[64];
    size_t elen, slen;
    char label[32];
    const char *uri;
    EVP_PKEY *key = NULL, *pub = NULL;
    int ok;

    snprintf(label, sizeof(label), "rfc9180-%zu", i);
    ok = TEST_ptr(
             uri = pi_ec(vectors[i].curve, skrm, sklen, pkrm, pkrlen, label)) &&
         TEST_ptr(key = pt_load_key(uri, OSSL_STORE_INFO_PKEY)) &&
         TEST_true(pt_is_keyward(key)) &&
         TEST_ptr(pub = kr_default_ec_pub(vectors[i].group, pkrm, pkrlen));
    /* Decapsulation: ECDH1-DERIVE with skRm in the token. */
    slen = sizeof(secret);
    ok = ok && TEST_true(kr_decap(key, pkem, pkelen, secret, &slen)) &&
         TEST_mem_eq(secret, slen, ss, sslen);
    /* Encapsulation with ikmE, to the token key and to the same key held
     * by the default provider (keyward's "EC" KEM, with and without a
     * property query). */
    elen = sizeof(enc);
    slen = sizeof(secret);
    ok = ok &&
         TEST_true(
             kr_encap(key, NULL, ikme, ikmlen, enc, &elen, secret, &slen)) &&
         TEST_mem_eq(enc, elen, pkem, pkelen) &&
         TEST_mem_eq(secret, slen, ss, sslen);
    for (int q = 0; ok && q < 2; q++) {
        elen = sizeof(enc);
        slen = sizeof(secret);
        ok = TEST_true(kr_encap(pub, q ? "provider=keyward" : NULL, ikme,
                                 ikmlen, enc, &elen, secret, &slen)) &&
             TEST_mem_eq(enc, elen, pkem, pkelen) &&
             TEST_mem_eq(secret, slen, ss, sslen);
    }
    if (!ok)
        fprintf(stderr, "  RFC 9180 %s\n", vectors[i].name);
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    free(ikme);
    free(pkem);
    free(skrm);
    free(pkrm);
    free(ss);
    return ok;
}

/* tpm2-pkcs11 1.9.0 has no ECDH1-DERIVE, so no DHKEM decapsulation
 * (test_token_keys checks keyward says so at init). */
#define SKIP_WITHOUT_ECDH()                                                    \
    if (pt_token_lacks("CKM_ECDH1_DERIVE"))                                    \
    return tu_skip("the token has no CKM_ECDH1_DERIVE (test_token_keys "       \
                   "checks the error)")

static int test_rfc9180_vectors(void)
{
    int ok = 1;

    SKIP_WITHOUT_ECDH();

    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        ok &= one_vector(i);
    return ok;
}

/* RFC 9180 A.3.1 and A.6.1 go on to the key schedule and a first message:
 * the secret decapsulated in the token opens it. */
static const struct {
    const char *curve, *key, *nonce, *ct;
} base_messages[] = {
    {"P-256", "868c066ef58aae6dc589b6cfdd18f97e", "4e0bc5018beba4bf004cca59",
     "5ad590bb8baa577f8619db35a36311226a896e7342a6d836d8b7bcd2f20b6c7f"
     "9076ac232e3ab2523f39513434"},
    {"P-521",
     "751e346ce8f0ddb2305c8a2a85c70d5cf559c53093656be636b9406d4d7d1b70",
     "55ff7a7d739c69f44b25447b",
     "170f8beddfe949b75ef9c387e201baf4132fa7374593dfafa90768788b7b2b20"
     "0aafcc6d80ea4c795a7c5b841a"},
};

static int test_rfc9180_first_message(void)
{
    static const char info_hex[] = "4f6465206f6e2061204772656369616e2055726e";
    static const char pt_hex[] =
        "4265617574792069732074727574682c20747275746820626561757479";
    static const char aad_hex[] = "436f756e742d30";
    int ok = 1;

    SKIP_WITHOUT_ECDH();

    for (size_t m = 0; m < 2; m++) {
        size_t vi = m == 0 ? 0 : 2; /* A.3.1, A.6.1 */
        const struct hs_suite *hs = hs_suite(base_messages[m].curve);
        size_t l1, l2, l3, l4, l5, l6, l7;
        uint8_t *info = tu_hex(info_hex, &l1), *pt = tu_hex(pt_hex, &l2);
        uint8_t *aad = tu_hex(aad_hex, &l3);
        uint8_t *key = tu_hex(base_messages[m].key, &l4);
        uint8_t *nonce = tu_hex(base_messages[m].nonce, &l5);
        uint8_t *ct = tu_hex(base_messages[m].ct, &l6);
        uint8_t *enc = tu_hex(vectors[vi].pkem, &l7);
        char label[32];
        EVP_PKEY *k;
        uint8_t ss[64], mykey[32], mynonce[12], back[64];
        size_t sslen = sizeof(ss);

        size_t skl, pkl;
        uint8_t *sk = tu_hex(vectors[vi].skrm, &skl);
        uint8_t *pk = tu_hex(vectors[vi].pkrm, &pkl);
        const char *uri;

        snprintf(label, sizeof(label), "rfc9180-msg-%zu", vi);
        uri = pi_ec(vectors[vi].curve, sk, skl, pk, pkl, label);
        k = uri != NULL ? pt_load_key(uri, OSSL_STORE_INFO_PKEY) : NULL;
        free(sk);
        free(pk);
        ok &= TEST_ptr(hs) && TEST_ptr(k) &&
              TEST_true(kr_decap(k, enc, l7, ss, &sslen)) &&
              TEST_true(
                  hs_key_schedule(hs, ss, sslen, info, l1, mykey, mynonce)) &&
              TEST_mem_eq(mykey, hs->nk, key, l4) &&
              TEST_mem_eq(mynonce, 12, nonce, l5) &&
              TEST_true(hs_open(hs, mykey, mynonce, aad, l3, ct, l6, back)) &&
              TEST_mem_eq(back, l6 - 16, pt, l2);
        pt_errors();
        EVP_PKEY_free(k);
        free(info);
        free(pt);
        free(aad);
        free(key);
        free(nonce);
        free(ct);
        free(enc);
    }
    return ok;
}

/* ------------------------------------------------------------------ */
/* The fixture's token keys, random encapsulations                      */

static int roundtrip(const char *var, const char *group)
{
    EVP_PKEY *key = pt_load_key(pt_uri_pin(var), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = NULL;
    uint8_t point[133], enc[133], s1[64], s2[64];
    size_t plen = 0, elen, l1, l2;
    int ok = TEST_ptr(key) &&
             TEST_true(EVP_PKEY_get_octet_string_param(
                 key, "encoded-pub-key", point, sizeof(point), &plen)) &&
             TEST_ptr(pub = kr_default_ec_pub(group, point, plen));

    for (int from_default = 0; ok && from_default < 2; from_default++) {
        elen = sizeof(enc);
        l1 = l2 = sizeof(s1);
        ok = TEST_true(kr_encap(from_default ? pub : key, NULL, NULL, 0, enc,
                                 &elen, s1, &l1)) &&
             TEST_int_eq(elen, plen) &&
             TEST_true(kr_decap(key, enc, elen, s2, &l2)) &&
             TEST_mem_eq(s1, l1, s2, l2);
    }
    /* Two encapsulations differ (a fresh ephemeral key each time). */
    if (ok) {
        uint8_t enc2[133];
        size_t elen2 = sizeof(enc2);

        l2 = sizeof(s2);
        ok = TEST_true(kr_encap(pub, NULL, NULL, 0, enc2, &elen2, s2, &l2)) &&
             TEST_true(memcmp(enc, enc2, elen) != 0) &&
             TEST_true(memcmp(s1, s2, l1) != 0);
    }
    if (!ok)
        fprintf(stderr, "  %s\n", var);
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

/* A token without ECDH1-DERIVE: encapsulation to its key works (public
 * key, software), decapsulation is refused at init with the reason. */
static int no_ecdh(const char *var)
{
    EVP_PKEY *key = pt_load_key(pt_uri_pin(var), OSSL_STORE_INFO_PKEY);
    EVP_PKEY_CTX *c = NULL;
    uint8_t enc[133], s1[64];
    size_t elen = sizeof(enc), l1 = sizeof(s1);
    int ok = TEST_ptr(key) &&
             TEST_true(kr_encap(key, NULL, NULL, 0, enc, &elen, s1, &l1)) &&
             TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) &&
             TEST_true(EVP_PKEY_decapsulate_init(c, NULL) <= 0) &&
             TEST_true(pt_error_has("not supported by this token"));

    pt_errors();
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(key);
    return ok;
}

static int test_token_keys(void)
{
    if (pt_token_lacks("CKM_ECDH1_DERIVE"))
        return no_ecdh("KW_EC256_URI");
    return roundtrip("KW_EC256_URI", "prime256v1") &
           roundtrip("KW_EC384_URI", "secp384r1") &
           (!tu_var_opt("KW_EC521_URI") ||
            roundtrip("KW_EC521_URI", "secp521r1"));
}

/* RSASVE: OpenSSL's own encapsulation to the public key, keyward's
 * decapsulation in the token, and keyward both ways. */
static int test_rsasve(void)
{
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    uint8_t enc[256], s1[256], s2[256];
    size_t elen = sizeof(enc), l1 = sizeof(s1), l2 = sizeof(s2);
    int ok = TEST_ptr(key) && TEST_ptr(pub) &&
             TEST_true(kr_encap(pub, "provider=default", NULL, 0, enc, &elen,
                                 s1, &l1)) &&
             TEST_true(kr_decap(key, enc, elen, s2, &l2)) &&
             TEST_mem_eq(s1, l1, s2, l2) && TEST_int_eq(l1, 256);

    elen = sizeof(enc);
    l1 = l2 = sizeof(s1);
    ok = ok && TEST_true(kr_encap(key, NULL, NULL, 0, enc, &elen, s1, &l1)) &&
         TEST_true(kr_decap(key, enc, elen, s2, &l2)) &&
         TEST_mem_eq(s1, l1, s2, l2);
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Bad input: a clear error, no secret                                  */

/* Decapsulation fails with text; the output holds no secret (untouched,
 * or wiped). */
static int decap_fails(EVP_PKEY *key, const uint8_t *in, size_t inlen,
                       const char *text)
{
    size_t secret_len = EVP_PKEY_is_a(key, "RSA") ? 256 : 32;
    uint8_t out[256];
    size_t len = sizeof(out);
    bool clean = true;

    memset(out, 0xa5, sizeof(out));
    if (!TEST_false(kr_decap(key, in, inlen, out, &len)) ||
        !TEST_true(pt_error_has(text)))
        return 0;
    /* The secret's place untouched or wiped; nothing written past it. */
    for (size_t i = 1; i < sizeof(out); i++)
        clean &= out[i] == (i < secret_len ? out[0] : 0xa5);
    return TEST_true(clean && (out[0] == 0xa5 || out[0] == 0));
}

/* DHKEM: encapsulated keys of the wrong length or not on the curve, a
 * public key alone, the wrong operation, a short ikme. */
static int test_bad_input_dhkem(void)
{
    EVP_PKEY *ec = NULL, *pubonly = NULL;
    uint8_t enc[65], s[64], c[16] = {0};
    size_t elen = sizeof(enc), slen = sizeof(s);
    EVP_PKEY_CTX *pc = NULL;
    int ok;

    SKIP_WITHOUT_ECDH();
    ok = TEST_ptr(ec = pt_load_key(pt_uri_pin("KW_EC256_URI"),
                                   OSSL_STORE_INFO_PKEY)) &&
         TEST_ptr(pubonly = pt_load_key(pt_uri_pin("KW_PUBONLY_URI"), 0)) &&
         TEST_true(kr_encap(ec, NULL, NULL, 0, enc, &elen, s, &slen));
    if (!ok)
        goto err;
    ok &= decap_fails(ec, enc, 64, "encapsulated key of 64 bytes");
    ok &= decap_fails(ec, enc, 33, "encapsulated key of 33 bytes");
    enc[0] = 0x02;
    ok &= decap_fails(ec, enc, 65, "not starting with 0x04");
    enc[0] = 0x04;
    enc[64] ^= 1;
    ok &= decap_fails(ec, enc, 65, "not a point on P-256");
    memset(enc + 1, 0, 64);
    ok &= decap_fails(ec, enc, 65, "not a point on P-256");
    /* A public key alone cannot decapsulate; nor a key made for signing
     * only (the twins have no CKA_DERIVE). */
    pc = EVP_PKEY_CTX_new_from_pkey(NULL, pubonly, NULL);
    ok &= TEST_ptr(pc) && TEST_true(EVP_PKEY_decapsulate_init(pc, NULL) <= 0) &&
          TEST_true(pt_error_has("needs a private key in the token"));
    EVP_PKEY_CTX_free(pc);
    pc = NULL;
    {
        char uri[512];
        EVP_PKEY *twin;

        snprintf(uri, sizeof(uri), "%s;id=%%0a?pin-source=file:%s",
                 tu_var("KW_TWIN_URI"), tu_var("KW_PIN_FILE"));
        twin = pt_load_key(uri, OSSL_STORE_INFO_PKEY);
        pc = twin ? EVP_PKEY_CTX_new_from_pkey(NULL, twin, NULL) : NULL;
        ok &= TEST_ptr(pc) &&
              TEST_true(EVP_PKEY_decapsulate_init(pc, NULL) <= 0) &&
              TEST_true(pt_error_has("its CKA_DERIVE is false"));
        EVP_PKEY_CTX_free(pc);
        EVP_PKEY_free(twin);
    }
    /* The wrong operation, and ikme shorter than Nsk. */
    pc = EVP_PKEY_CTX_new_from_pkey(NULL, ec, NULL);
    ok &= TEST_ptr(pc) && TEST_true(EVP_PKEY_encapsulate_init(pc, NULL) > 0) &&
          TEST_true(EVP_PKEY_CTX_set_kem_op(pc, "RSASVE") <= 0) &&
          TEST_true(pt_error_has("EC keys do DHKEM"));
    {
        OSSL_PARAM p[] = {OSSL_PARAM_construct_octet_string("ikme", c, 16),
                          OSSL_PARAM_construct_end()};

        ok &= TEST_true(EVP_PKEY_CTX_set_params(pc, p) <= 0) &&
              TEST_true(pt_error_has("ikme of 16 bytes"));
    }
err:
    pt_errors();
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(pubonly);
    return ok;
}

/* RSASVE: wrong length; c = 1, n - 1 and n are out of range. */
static int test_bad_input_rsasve(void)
{
    EVP_PKEY *rsa =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    uint8_t c[256] = {0}, n[256];
    size_t nlen = 0;
    int ok = TEST_ptr(rsa);

    if (!ok)
        goto err;
    ok &= decap_fails(rsa, c, 255, "ciphertext of 255 bytes");
    {
        uint8_t big[257] = {0};

        ok &= decap_fails(rsa, big, sizeof(big), "ciphertext of 257 bytes");
    }
    /* The EC operation on an RSA key. */
    {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, rsa, NULL);

        ok &= TEST_ptr(pc) &&
              TEST_true(EVP_PKEY_decapsulate_init(pc, NULL) > 0) &&
              TEST_true(EVP_PKEY_CTX_set_kem_op(pc, "DHKEM") <= 0) &&
              TEST_true(pt_error_has("RSA keys do RSASVE"));
        EVP_PKEY_CTX_free(pc);
    }
    c[255] = 1;
    ok &= decap_fails(rsa, c, 256, "out of range");
    {
        BIGNUM *bn = NULL;

        ok &= TEST_true(EVP_PKEY_get_bn_param(rsa, "n", &bn)) &&
              TEST_int_eq(BN_bn2binpad(bn, n, 256), 256);
        BN_free(bn);
        nlen = 256;
        ok &= decap_fails(rsa, n, nlen, "out of range");
        n[255] -= 1;
        ok &= decap_fails(rsa, n, nlen, "out of range");
    }
err:
    pt_errors();
    EVP_PKEY_free(rsa);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_rfc9180_vectors);
    ADD_TEST(test_rfc9180_first_message);
    ADD_TEST(test_token_keys);
    ADD_TEST(test_rsasve);
    ADD_TEST(test_bad_input_dhkem);
    ADD_TEST(test_bad_input_rsasve);
    rc = tu_run(argc, argv);
    pi_close();
    pt_fini();
    return rc;
}
