/* SPDX-License-Identifier: Apache-2.0 */
/* test_sign.c: signatures with token keys through EVP and the keyward
 * provider, verified by OpenSSL's default provider on the public key. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "provtest.h"

static const uint8_t msg[] = "a message a device signs with its token key";

/* The public key of a token key as OpenSSL's default provider holds it:
 * from the fixture's PEM file when there is one, else exported. */
static EVP_PKEY *default_pub(EVP_PKEY *key, const char *pem_var)
{
    unsigned char *der = NULL;
    const unsigned char *p;
    EVP_PKEY *pub = NULL;
    int len;

    if (pem_var != NULL)
        return pt_file_pub(tu_var(pem_var));
    if ((len = i2d_PUBKEY(key, &der)) <= 0)
        return NULL;
    p = der;
    pub = d2i_PUBKEY_ex(NULL, &p, len, NULL, "provider=default");
    OPENSSL_free(der);
    return pub;
}

static int sign_and_check(const char *uri_var, const char *pub_var,
                          const char *md, int pad, int saltlen)
{
    EVP_PKEY *key, *pub = NULL;
    uint8_t sig[1024], bad[sizeof(msg)];
    size_t siglen = sizeof(sig);
    int ok = 0;

    if (tu_var_opt(uri_var) == NULL) {
        fprintf(stderr, "  (this token has no %s key: not tried)\n", uri_var);
        return 1;
    }
    if (pub_var != NULL && tu_var_opt(pub_var) == NULL)
        pub_var = NULL; /* no PEM file for it: export the public key */
    key = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);

    if (!TEST_ptr(key) || !TEST_true(pt_is_keyward(key)) ||
        !TEST_ptr(pub = default_pub(key, pub_var)))
        goto err;
    if (!TEST_true(
            pt_sign(key, md, pad, saltlen, msg, sizeof(msg), sig, &siglen)))
        goto err;
    if (!TEST_true(pt_verify_default(pub, md, pad, saltlen, msg, sizeof(msg),
                                     sig, siglen)))
        goto err;
    /* Verification through the token key itself (keyward, in software). */
    if (!TEST_true(
            pt_verify(key, md, pad, saltlen, msg, sizeof(msg), sig, siglen)))
        goto err;
    memcpy(bad, msg, sizeof(msg));
    bad[0] ^= 1;
    if (!TEST_false(pt_verify_default(pub, md, pad, saltlen, bad, sizeof(bad),
                                      sig, siglen)))
        goto err;
    ERR_clear_error();
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  case: %s md=%s pad=%d salt=%d\n", uri_var,
                md ? md : "-", pad, saltlen);
    pt_errors();
    EVP_PKEY_free(pub);
    EVP_PKEY_free(key);
    return ok;
}

static int test_ecdsa(void)
{
    static const char *const mds[] = {"SHA256", "SHA384", "SHA512", "SHA224",
                                      "SHA1"};
    int ok = 1;

    for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
        ok &= sign_and_check("KW_EC256_URI", "KW_EC256_PUB", mds[i], 0, 0);
        ok &= sign_and_check("KW_EC384_URI", NULL, mds[i], 0, 0);
        ok &= sign_and_check("KW_EC521_URI", "KW_EC521_PUB", mds[i], 0, 0);
    }
    return ok;
}

static int test_rsa_pkcs1(void)
{
    static const char *const mds[] = {"SHA256", "SHA384", "SHA512", "SHA1",
                                      "SHA3-256"};
    int ok = 1;

    for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
        ok &= sign_and_check("KW_RSA2048_URI", "KW_RSA2048_PUB", mds[i],
                             RSA_PKCS1_PADDING, 0);
    return ok;
}

/* Every salt-length setting OpenSSL 3.0 accepts: digest, auto, max, and
 * explicit lengths; the verifier is told the same. */
static int test_rsa_pss(void)
{
    static const int salts[] = {RSA_PSS_SALTLEN_DIGEST,
                                RSA_PSS_SALTLEN_AUTO,
                                RSA_PSS_SALTLEN_MAX,
                                0,
                                20,
                                32,
                                64,
                                222};
    int ok = 1;

    /* Tokens without CKM_RSA_PKCS_PSS (tpm2-pkcs11) get PSS encoded in
     * software and signed with raw RSA: every salt length works there too. */
    for (size_t i = 0; i < sizeof(salts) / sizeof(salts[0]); i++) {
        ok &= sign_and_check("KW_RSA2048_URI", "KW_RSA2048_PUB", "SHA256",
                             RSA_PKCS1_PSS_PADDING, salts[i]);
        ok &= sign_and_check("KW_RSA2048_URI", "KW_RSA2048_PUB", "SHA384",
                             RSA_PKCS1_PSS_PADDING,
                             salts[i] == 222 ? 206 : salts[i]);
    }
    return ok;
}

/* Salt lengths given as strings (-pkeyopt rsa_pss_saltlen:...), including
 * OpenSSL 3.1's auto-digestmax, and a length too long for the key. */
static int test_rsa_pss_strings(void)
{

    static const struct {
        const char *value;
        int verify_salt;
    } cases[] = {{"digest", 32},
                 {"max", 222},
                 {"auto", 222},
                 {"auto-digestmax", 32},
                 {"17", 17}};
    EVP_PKEY *key =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    int ok = 0;

    if (!TEST_ptr(key) || !TEST_ptr(pub))
        goto err;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        uint8_t sig[256];
        size_t siglen = sizeof(sig);
        bool good =
            m != NULL &&
            EVP_DigestSignInit(m, &pctx, EVP_sha256(), NULL, key) == 1 &&
            EVP_PKEY_CTX_ctrl_str(pctx, "rsa_padding_mode", "pss") > 0 &&
            EVP_PKEY_CTX_ctrl_str(pctx, "rsa_pss_saltlen", cases[i].value) >
                0 &&
            EVP_DigestSign(m, sig, &siglen, msg, sizeof(msg)) == 1;

        EVP_MD_CTX_free(m);
        if (!TEST_true(good) ||
            !TEST_true(pt_verify_default(pub, "SHA256", RSA_PKCS1_PSS_PADDING,
                                         cases[i].verify_salt, msg, sizeof(msg),
                                         sig, siglen))) {
            fprintf(stderr, "  saltlen %s\n", cases[i].value);
            goto err;
        }
    }
    /* 223 bytes of salt do not fit a 2048-bit key with SHA-256. */
    {
        uint8_t sig[256];
        size_t siglen = sizeof(sig);

        if (!TEST_false(pt_sign(key, "SHA256", RSA_PKCS1_PSS_PADDING, 223, msg,
                                sizeof(msg), sig, &siglen)) ||
            !TEST_true(pt_error_has("PSS salt length 223")))
            goto err;
    }
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    return ok;
}

static int test_ed25519(void)
{
    if (tu_var_opt("KW_ED25519_URI") == NULL)
        return tu_skip("this token holds no Ed25519 key (tpm2-pkcs11 has no EdDSA)");
    return sign_and_check("KW_ED25519_URI", "KW_ED25519_PUB", NULL, 0, 0);
}

/* EVP_PKEY_sign on a digest computed elsewhere, and raw RSA. */
static int test_prehashed(void)
{
    EVP_PKEY *ec =
        pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *rsa =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *ecpub = pt_file_pub(tu_var("KW_EC256_PUB"));
    EVP_PKEY *rsapub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    EVP_PKEY_CTX *c = NULL;
    uint8_t md[32], sig[256], raw[256], back[256];
    size_t siglen = sizeof(sig), backlen = sizeof(back);
    unsigned int mdlen = 0;
    int ok = 0;

    if (!TEST_ptr(ec) || !TEST_ptr(rsa) || !TEST_ptr(ecpub) ||
        !TEST_ptr(rsapub) ||
        !TEST_true(
            EVP_Digest(msg, sizeof(msg), md, &mdlen, EVP_sha256(), NULL)))
        goto err;
    /* ECDSA over a SHA-256 digest; the size query gives the DER maximum. */
    if (!TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, ec, NULL)) ||
        !TEST_int_eq(EVP_PKEY_sign_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1) ||
        !TEST_int_eq(EVP_PKEY_sign(c, NULL, &siglen, md, mdlen), 1) ||
        !TEST_int_eq(siglen, 72) ||
        !TEST_int_eq(EVP_PKEY_sign(c, sig, &siglen, md, mdlen), 1))
        goto err;
    EVP_PKEY_CTX_free(c);
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_pkey(NULL, ecpub, "provider=default")) ||
        !TEST_int_eq(EVP_PKEY_verify_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_verify(c, sig, siglen, md, mdlen), 1))
        goto err;
    EVP_PKEY_CTX_free(c);
    /* A 31-byte "digest" for SHA-256 is refused. */
    if (!TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, ec, NULL)) ||
        !TEST_int_eq(EVP_PKEY_sign_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1) ||
        !TEST_int_ne(EVP_PKEY_sign(c, sig, &siglen, md, mdlen - 1), 1) ||
        !TEST_true(pt_error_has("input is 31 bytes")))
        goto err;
    EVP_PKEY_CTX_free(c);
    /* Raw RSA: the public operation gives the input back. */
    memset(raw, 0x5a, sizeof(raw));
    raw[0] = 0x01;
    siglen = sizeof(sig);
    if (!TEST_ptr(c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa, NULL)) ||
        !TEST_int_eq(EVP_PKEY_sign_init(c), 1) ||
        !TEST_int_gt(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 0) ||
        !TEST_int_eq(EVP_PKEY_sign(c, sig, &siglen, raw, sizeof(raw)), 1))
        goto err;
    EVP_PKEY_CTX_free(c);
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_pkey(NULL, rsapub, "provider=default")) ||
        !TEST_int_eq(EVP_PKEY_verify_recover_init(c), 1) ||
        !TEST_int_gt(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 0) ||
        !TEST_int_eq(EVP_PKEY_verify_recover(c, back, &backlen, sig, siglen),
                     1) ||
        !TEST_mem_eq(back, backlen, raw, sizeof(raw)))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ecpub);
    EVP_PKEY_free(rsapub);
    return ok;
}

/* X.509 signing asks the signature for its AlgorithmIdentifier. */
static int test_x509_sign(void)
{
    static const struct {
        const char *uri_var, *md;
    } cases[] = {{"KW_EC256_URI", "SHA256"},
                 {"KW_EC521_URI", "SHA512"},
                 {"KW_RSA2048_URI", "SHA256"},
                 {"KW_ED25519_URI", NULL}};
    int ok = 1;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (tu_var_opt(cases[i].uri_var) == NULL)
            continue; /* this token has no such key */
        EVP_PKEY *key =
            pt_load_key(pt_uri_pin(cases[i].uri_var), OSSL_STORE_INFO_PKEY);
        X509_REQ *req = X509_REQ_new_ex(NULL, NULL);
        X509_NAME *name = X509_NAME_new();
        EVP_PKEY *pub = NULL;
        bool good = key != NULL && req != NULL && name != NULL &&
                    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                               (const unsigned char *)"dev", -1,
                                               -1, 0) &&
                    X509_REQ_set_subject_name(req, name) &&
                    X509_REQ_set_pubkey(req, key) &&
                    X509_REQ_sign(req, key,
                                  cases[i].md != NULL
                                      ? EVP_get_digestbyname(cases[i].md)
                                      : NULL) > 0 &&
                    (pub = X509_REQ_get_pubkey(req)) != NULL &&
                    X509_REQ_verify(req, pub) == 1;

        if (!TEST_true(good)) {
            fprintf(stderr, "  CSR signed by %s\n", cases[i].uri_var);
            ok = 0;
        }
        pt_errors();
        EVP_PKEY_free(pub);
        X509_NAME_free(name);
        X509_REQ_free(req);
        EVP_PKEY_free(key);
    }
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_ecdsa);
    ADD_TEST(test_rsa_pkcs1);
    ADD_TEST(test_rsa_pss);
    ADD_TEST(test_rsa_pss_strings);
    ADD_TEST(test_ed25519);
    ADD_TEST(test_prehashed);
    ADD_TEST(test_x509_sign);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
