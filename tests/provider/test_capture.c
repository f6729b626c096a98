/* SPDX-License-Identifier: Apache-2.0 */
/* test_capture.c: keyward configured in openssl.cnf AHEAD of (or behind)
 * the default provider, loaded from keyward.so as a user's configuration
 * does, while SoftHSM does its own OpenSSL work (EdDSA, ECDSA, AES-GCM,
 * AES-CBC, AES-CTR, HMAC, CMAC, RSA, key generation, ECDH) in the same
 * process and the application signs, encrypts, MACs and decapsulates with
 * keyward keys. A fetch with no property query must never land in keyward,
 * whatever the order; SoftHSM's operations must all work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>

#include "hsm.h"
#include "keyref.h"
#include "provtest.h"

static bool ahead;
static char cnf[256], refpath[300];

static bool write_config(void)
{
    FILE *f;
    const char *kw = "keyward = keyward_sect\n";
    const char *dflt = "default = default_sect\n";

    snprintf(cnf, sizeof(cnf), "%s/kwcapture-%d.cnf",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if ((f = fopen(cnf, "w")) == NULL)
        return false;
    fprintf(f,
            "openssl_conf = openssl_init\n"
            "[openssl_init]\nproviders = provider_sect\n"
            "[provider_sect]\n%s%s"
            "[keyward_sect]\nmodule = %s/provider/keyward.so\n"
            "pkcs11-module-path = %s\n"
            "pkcs11-module-token-pin = file:%s\nactivate = 1\n"
            "[default_sect]\nactivate = 1\n",
            ahead ? kw : dflt, ahead ? dflt : kw, getenv("KW_BUILD_DIR"),
            tu_var("KW_MODULE"), tu_var("KW_PIN_FILE"));
    return fclose(f) == 0;
}

/* A key-reference file for ec256, written without OpenSSL's help. */
static bool write_keyref(void)
{
    uint8_t *der = NULL;
    size_t len = 0;
    char uri[256];
    BIO *b;
    bool ok;

    snprintf(refpath, sizeof(refpath), "%s.ref.pem", cnf);
    snprintf(uri, sizeof(uri), "%s;type=private", tu_var("KW_EC256_URI"));
    if (!keyref_der_encode(uri, &der, &len))
        return false;
    b = BIO_new_file(refpath, "w");
    ok = b != NULL && PEM_write_bio(b, KEYREF_PEM_NAME, "", der, (long)len) > 0;
    BIO_free(b);
    free(der);
    return ok;
}

static const char *prov_of_keymgmt(const char *name)
{
    EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(NULL, name, NULL);
    const char *p =
        km ? OSSL_PROVIDER_get0_name(EVP_KEYMGMT_get0_provider(km)) : "(none)";

    EVP_KEYMGMT_free(km);
    return p;
}

static const char *prov_of_cipher(const char *name)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    const char *p =
        c ? OSSL_PROVIDER_get0_name(EVP_CIPHER_get0_provider(c)) : "(none)";

    EVP_CIPHER_free(c);
    return p;
}

static const char *prov_of_mac(const char *name)
{
    EVP_MAC *m = EVP_MAC_fetch(NULL, name, NULL);
    const char *p =
        m ? OSSL_PROVIDER_get0_name(EVP_MAC_get0_provider(m)) : "(none)";

    EVP_MAC_free(m);
    return p;
}

static const char *prov_of_kem(const char *name)
{
    EVP_KEM *k = EVP_KEM_fetch(NULL, name, NULL);
    const char *p =
        k ? OSSL_PROVIDER_get0_name(EVP_KEM_get0_provider(k)) : "(none)";

    EVP_KEM_free(k);
    return p;
}

static const char *prov_of_signature(const char *name)
{
    EVP_SIGNATURE *s = EVP_SIGNATURE_fetch(NULL, name, NULL);
    const char *p =
        s ? OSSL_PROVIDER_get0_name(EVP_SIGNATURE_get0_provider(s)) : "(none)";

    EVP_SIGNATURE_free(s);
    return p;
}

/* The first thing the application does: read its key file. */
static int test_app_reads_key_file(void)
{
    FILE *f = fopen(refpath, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    uint8_t sig[80];
    size_t siglen = sizeof(sig);
    int ok = TEST_ptr(k) && TEST_true(pt_is_keyward(k)) &&
             TEST_true(pt_sign(k, "SHA256", 0, 0, (const uint8_t *)"m", 1, sig,
                               &siglen)) &&
             TEST_true(pt_verify(k, "SHA256", 0, 0, (const uint8_t *)"m", 1,
                                 sig, siglen));

    pt_errors();
    if (f != NULL)
        fclose(f);
    EVP_PKEY_free(k);
    return ok;
}

/* Property-less fetches: the default provider's, always. */
static int test_no_capture_fetches(void)
{
    static const char *const names[] = {"EC", "RSA", "ED25519"};
    static const char *const sigs[] = {"ECDSA", "RSA", "ED25519"};
    EVP_PKEY *gen = NULL;
    int ok = 1;

    static const char *const ciphers[] = {"AES-256-GCM", "AES-128-GCM",
                                          "AES-256-CTR", "AES-256-CBC",
                                          "AES-128-CBC", "AES-256-ECB"};
    static const char *const macs[] = {"HMAC", "CMAC"};

    for (size_t i = 0; i < 3; i++) {
        ok &= TEST_str_eq(prov_of_keymgmt(names[i]), "default") ||
              (fprintf(stderr, "  keymgmt %s\n", names[i]), 0);
        ok &= TEST_str_eq(prov_of_signature(sigs[i]), "default");
    }
    /* What PKCS#11 modules fetch for their own symmetric work. */
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
        ok &= TEST_str_eq(prov_of_cipher(ciphers[i]), "default") ||
              (fprintf(stderr, "  cipher %s\n", ciphers[i]), 0);
    for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
        ok &= TEST_str_eq(prov_of_mac(macs[i]), "default") ||
              (fprintf(stderr, "  mac %s\n", macs[i]), 0);
    ok &= TEST_str_eq(prov_of_kem("RSA"), "default");
    /* OpenSSL 3.0's default provider has no EC KEM: keyward's is the only
     * one (EVP needs it for EC keys of any provider). From 3.2 on, the
     * default provider's comes first. */
    ok &= TEST_str_eq(prov_of_kem("EC"), (OpenSSL_version_num() >> 20) == 0x300
                                             ? "keyward"
                                             : "default");
    /* And keyward's own are there for those who ask. */
    {
        EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(NULL, "EC", "provider=keyward");

        ok &= TEST_ptr(km);
        EVP_KEYMGMT_free(km);
    }
    /* A key made the way SoftHSM makes its Ed25519 keys. */
    ok &= TEST_ptr(gen = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) &&
          TEST_str_eq(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(gen)),
                      "default");
    EVP_PKEY_free(gen);
    pt_errors();
    return ok;
}

static hsm_key *find(hsm_token *t, const char *var, CK_OBJECT_CLASS cls)
{
    hsm_uri *u = NULL;
    hsm_key *k = NULL;

    if (TEST_rv(hsm_uri_parse(tu_var(var), &u), CKR_OK) &&
        !TEST_rv(hsm_key_find(t, u, cls, &k), CKR_OK))
        fprintf(stderr, "  %s: %s\n", var, hsm_error_detail());
    hsm_uri_free(u);
    return k;
}

/* SoftHSM's own OpenSSL work, straight through PKCS#11 in this process. */
static int test_softhsm_internal_work(void)
{
    hsm_module *m = NULL;
    hsm_token *t = NULL;
    hsm_uri *u = NULL;
    hsm_key *ed = NULL, *ec = NULL, *rsa = NULL, *aes = NULL, *gpriv = NULL,
            *gpub = NULL, *hmk = NULL, *cmk = NULL;
    EVP_PKEY *edpub = pt_file_pub(tu_var("KW_ED25519_PUB"));
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, "provider=default", "EC", "P-256");
    struct hsm_mech eddsa = {.type = CKM_EDDSA}, ecdsa = {.type = CKM_ECDSA},
                    pkcs = {.type = CKM_SHA256_RSA_PKCS},
                    gcm = {.type = CKM_AES_GCM};
    struct hsm_keygen kg = {.label = "capture-gen", .token = false};
    uint8_t msg[32] = {1, 2, 3}, sig[512], iv[12] = {9}, ct[64], back[64],
            point[65], shared[32];
    size_t siglen, ctlen = sizeof(ct), backlen = sizeof(back),
                   pointlen = sizeof(point), sharedlen = sizeof(shared);
    const char *pin = tu_var("KW_PIN");
    int ok = 0;

    if (!TEST_ptr(edpub) || !TEST_ptr(peer) ||
        !TEST_rv(hsm_module_open(tu_var("KW_MODULE"), NULL, &m), CKR_OK) ||
        !TEST_rv(hsm_uri_parse(tu_var("KW_TOKEN_URI"), &u), CKR_OK) ||
        !TEST_rv(hsm_token_open(m, u, &t), CKR_OK) ||
        !TEST_rv(hsm_token_login(t, pin, strlen(pin)), CKR_OK) ||
        !TEST_ptr(ed = find(t, "KW_ED25519_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(ec = find(t, "KW_EC256_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(rsa = find(t, "KW_RSA2048_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(aes = find(t, "KW_AES256_URI", CKO_SECRET_KEY)))
        goto err;
    /* EdDSA: SoftHSM signs with EVP_DigestSign on a key it decodes. */
    siglen = sizeof(sig);
    if (!TEST_rv(hsm_sign(ed, &eddsa, msg, sizeof(msg), sig, &siglen),
                 CKR_OK) ||
        !TEST_true(pt_verify_default(edpub, NULL, 0, 0, msg, sizeof(msg), sig,
                                     siglen)))
        goto err;
    /* ECDSA and RSA. */
    siglen = sizeof(sig);
    if (!TEST_rv(hsm_sign(ec, &ecdsa, msg, sizeof(msg), sig, &siglen), CKR_OK))
        goto err;
    siglen = sizeof(sig);
    if (!TEST_rv(hsm_sign(rsa, &pkcs, msg, sizeof(msg), sig, &siglen), CKR_OK))
        goto err;
    /* AES-GCM both ways. */
    gcm.p.gcm.iv = iv;
    gcm.p.gcm.iv_len = sizeof(iv);
    gcm.p.gcm.tag_bits = 128;
    if (!TEST_rv(hsm_encrypt(aes, &gcm, msg, sizeof(msg), ct, &ctlen),
                 CKR_OK) ||
        !TEST_rv(hsm_decrypt(aes, &gcm, ct, ctlen, back, &backlen), CKR_OK) ||
        !TEST_mem_eq(back, backlen, msg, sizeof(msg)))
        goto err;
    /* Ed25519 key generation in SoftHSM (EVP keygen inside the module). */
    if (!TEST_rv(hsm_keygen_ed25519(t, &kg, &gpriv, &gpub), CKR_OK))
        goto err;
    /* AES-CBC-PAD and AES-CTR, HMAC and CMAC: SoftHSM's EVP_CIPHER and
     * HMAC/CMAC calls inside the module. */
    {
        struct hsm_mech cbc = {.type = CKM_AES_CBC_PAD},
                        ctr = {.type = CKM_AES_CTR},
                        hmac = {.type = CKM_SHA256_HMAC},
                        cmac = {.type = CKM_AES_CMAC};
        struct hsm_keygen mk = {.label = "capture-cmac",
                                .token = false,
                                .usage = HSM_USE_SIGN | HSM_USE_VERIFY};
        uint8_t mac[64];
        size_t maclen = sizeof(mac);

        ctr.p.ctr.counter_bits = 128;
        ctlen = sizeof(ct);
        if (!TEST_rv(hsm_encrypt(aes, &cbc, msg, sizeof(msg), ct, &ctlen),
                     CKR_OK))
            goto err;
        ctlen = sizeof(ct);
        if (!TEST_rv(hsm_encrypt(aes, &ctr, msg, sizeof(msg), ct, &ctlen),
                     CKR_OK) ||
            !TEST_ptr(hmk = find(t, "KW_HMAC256_URI", CKO_SECRET_KEY)) ||
            !TEST_rv(hsm_sign(hmk, &hmac, msg, sizeof(msg), mac, &maclen),
                     CKR_OK) ||
            !TEST_rv(hsm_keygen_secret(t, CKK_AES, 32, &mk, &cmk), CKR_OK))
            goto err;
        maclen = sizeof(mac);
        if (!TEST_rv(hsm_sign(cmk, &cmac, msg, sizeof(msg), mac, &maclen),
                     CKR_OK))
            goto err;
    }
    /* ECDH in the token with a software peer. */
    if (!TEST_true(EVP_PKEY_get_octet_string_param(peer, "pub", point,
                                                   sizeof(point), &pointlen)) ||
        !TEST_rv(hsm_derive_ecdh(ec, point, pointlen, shared, &sharedlen),
                 CKR_OK))
        goto err;
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  detail: %s\n", hsm_error_detail());
    pt_errors();
    hsm_key_destroy(gpriv);
    hsm_key_free(gpriv);
    hsm_key_free(gpub);
    hsm_key_free(ed);
    hsm_key_free(ec);
    hsm_key_free(rsa);
    hsm_key_free(aes);
    hsm_key_free(hmk);
    hsm_key_destroy(cmk);
    hsm_key_free(cmk);
    hsm_uri_free(u);
    hsm_token_free(t);
    hsm_module_free(m);
    EVP_PKEY_free(edpub);
    EVP_PKEY_free(peer);
    return ok;
}

/* Afterwards the application still signs with keyward keys of every type,
 * and SoftHSM's work still answers to the default provider. */
static int test_app_after(void)
{
    static const char *const vars[] = {"KW_EC256_URI", "KW_RSA2048_URI",
                                       "KW_ED25519_URI"};
    int ok = 1;

    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *k = pt_load_key(tu_var(vars[i]), OSSL_STORE_INFO_PKEY);
        uint8_t sig[512];
        size_t siglen = sizeof(sig);
        const char *md = i == 2 ? NULL : "SHA256";

        ok &= TEST_ptr(k) && TEST_true(pt_is_keyward(k)) &&
              TEST_true(pt_sign(k, md, 0, 0, (const uint8_t *)"x", 1, sig,
                                &siglen)) &&
              TEST_true(
                  pt_verify(k, md, 0, 0, (const uint8_t *)"x", 1, sig, siglen));
        EVP_PKEY_free(k);
    }
    ok &= test_no_capture_fetches();
    pt_errors();
    return ok;
}

/* The application's own symmetric and KEM work with keyward's algorithms
 * (keys in the token, the PIN from openssl.cnf). */
static int test_app_symmetric_and_kem(void)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "KEYWARD-AES-256-GCM", NULL);
    EVP_MAC *m = EVP_MAC_fetch(NULL, "KEYWARD-HMAC", NULL);
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    EVP_MAC_CTX *mx = m ? EVP_MAC_CTX_new(m) : NULL;
    EVP_PKEY *ec = pt_load_key(tu_var("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY_CTX *pc = NULL;
    OSSL_PARAM cp[] = {OSSL_PARAM_construct_utf8_string(
                           "pkcs11_uri", (char *)tu_var("KW_AES256_URI"), 0),
                       OSSL_PARAM_construct_end()};
    OSSL_PARAM mp[] = {
        OSSL_PARAM_construct_utf8_string("pkcs11_uri",
                                         (char *)tu_var("KW_HMAC256_URI"), 0),
        OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    uint8_t iv[12] = {4}, out[64], tag[16], mac[32], enc[65], s1[32], s2[32];
    size_t maclen = 0, elen = sizeof(enc), l1 = sizeof(s1), l2 = sizeof(s2);
    int n = 0;
    int ok =
        TEST_ptr(c) && TEST_ptr(x) && TEST_ptr(mx) && TEST_ptr(ec) &&
        TEST_true(EVP_EncryptInit_ex2(x, c, NULL, iv, cp)) &&
        TEST_true(EVP_EncryptUpdate(x, out, &n, (const uint8_t *)"m", 1)) &&
        TEST_true(EVP_EncryptFinal_ex(x, out + n, &n)) &&
        TEST_int_gt(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag),
                    0) &&
        TEST_true(EVP_MAC_init(mx, NULL, 0, mp)) &&
        TEST_true(EVP_MAC_update(mx, (const uint8_t *)"m", 1)) &&
        TEST_true(EVP_MAC_final(mx, mac, &maclen, sizeof(mac))) &&
        TEST_ptr(pc = EVP_PKEY_CTX_new_from_pkey(NULL, ec, NULL)) &&
        TEST_int_gt(EVP_PKEY_encapsulate_init(pc, NULL), 0) &&
        TEST_int_gt(EVP_PKEY_encapsulate(pc, enc, &elen, s1, &l1), 0) &&
        TEST_int_gt(EVP_PKEY_decapsulate_init(pc, NULL), 0) &&
        TEST_int_gt(EVP_PKEY_decapsulate(pc, s2, &l2, enc, elen), 0) &&
        TEST_mem_eq(s1, l1, s2, l2);

    pt_errors();
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(ec);
    EVP_MAC_CTX_free(mx);
    EVP_MAC_free(m);
    EVP_CIPHER_CTX_free(x);
    EVP_CIPHER_free(c);
    return ok && test_no_capture_fetches();
}

/* OpenSSL empties its fetch cache when default properties change (or a
 * provider arrives); the first fetch afterwards being keyward's own (a
 * signature with a keyward key) must not make keyward the answer to
 * property-less fetches. */
static int test_after_cache_flush(void)
{
    static const char *const vars[] = {"KW_EC256_URI", "KW_RSA2048_URI",
                                       "KW_ED25519_URI"};
    EVP_PKEY *keys[3] = {NULL, NULL, NULL};
    int ok = 1;

    for (size_t i = 0; i < 3; i++)
        ok &= TEST_ptr(keys[i] =
                           pt_load_key(tu_var(vars[i]), OSSL_STORE_INFO_PKEY));
    ok &= TEST_int_eq(EVP_set_default_properties(NULL, ""), 1);
    for (size_t i = 0; ok && i < 3; i++) {
        uint8_t sig[512];
        size_t siglen = sizeof(sig);

        ok &= TEST_true(pt_sign(keys[i], i == 2 ? NULL : "SHA256", 0, 0,
                                (const uint8_t *)"y", 1, sig, &siglen));
    }
    ok &= test_no_capture_fetches();
    for (size_t i = 0; i < 3; i++)
        EVP_PKEY_free(keys[i]);
    pt_errors();
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2 ||
        (strcmp(argv[1], "ahead") != 0 && strcmp(argv[1], "behind") != 0)) {
        fprintf(stderr, "usage: test_capture ahead|behind [cases]\n");
        return 2;
    }
    ahead = strcmp(argv[1], "ahead") == 0;
    /* Nothing of OpenSSL runs before the configuration is in place. */
    if (!tu_vars_load() || !write_config() || !write_keyref())
        return 1;
    setenv("OPENSSL_CONF", cnf, 1);
    if (!OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL)) {
        pt_errors();
        return 1;
    }
    ADD_TEST(test_app_reads_key_file);
    ADD_TEST(test_no_capture_fetches);
    ADD_TEST(test_softhsm_internal_work);
    ADD_TEST(test_app_after);
    ADD_TEST(test_app_symmetric_and_kem);
    ADD_TEST(test_after_cache_flush);
    rc = tu_run(argc - 1, argv + 1);
    unlink(refpath);
    unlink(cnf);
    return rc;
}
