/* SPDX-License-Identifier: Apache-2.0 */
/* test_keymgmt.c: keyward key management: sizes and parameters as the
 * default provider reports them, public export and import, matching, and
 * key generation in the token. */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "provtest.h"

static const uint8_t msg[] = "key management";

/* Bits, security bits and maximum signature size equal the default
 * provider's for the same public key; EC group and point agree. */
static int same_params(const char *uri_var, const char *pub_var)
{
    EVP_PKEY *k = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *p = pt_file_pub(tu_var(pub_var));
    char g1[32] = "", g2[32] = "";
    size_t len;
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_ptr(p) ||
        !TEST_int_eq(EVP_PKEY_get_bits(k), EVP_PKEY_get_bits(p)) ||
        !TEST_int_eq(EVP_PKEY_get_security_bits(k),
                     EVP_PKEY_get_security_bits(p)) ||
        !TEST_int_eq(EVP_PKEY_get_size(k), EVP_PKEY_get_size(p)) ||
        !TEST_int_eq(EVP_PKEY_eq(k, p), 1) ||
        !TEST_int_eq(EVP_PKEY_eq(p, k), 1))
        goto err;
    if (EVP_PKEY_is_a(p, "EC") &&
        (!TEST_true(EVP_PKEY_is_a(k, "EC")) ||
         !TEST_true(EVP_PKEY_get_group_name(k, g1, sizeof(g1), &len)) ||
         !TEST_true(EVP_PKEY_get_group_name(p, g2, sizeof(g2), &len)) ||
         !TEST_str_eq(g1, g2)))
        goto err;
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  key %s\n", uri_var);
    pt_errors();
    EVP_PKEY_free(k);
    EVP_PKEY_free(p);
    return ok;
}

static int test_params(void)
{
    return same_params("KW_EC256_URI", "KW_EC256_PUB") &
           same_params("KW_EC521_URI", "KW_EC521_PUB") &
           same_params("KW_RSA2048_URI", "KW_RSA2048_PUB") &
           same_params("KW_ED25519_URI", "KW_ED25519_PUB");
}

/* A different key does not match; the public half exports, the private
 * half does not. */
static int test_match_export(void)
{
    EVP_PKEY *k = pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *other = pt_file_pub(tu_var("KW_LEGACY_EC_PUB"));
    OSSL_PARAM *params = NULL;
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_ptr(other) ||
        !TEST_int_ne(EVP_PKEY_eq(k, other), 1) ||
        !TEST_int_eq(EVP_PKEY_todata(k, EVP_PKEY_PUBLIC_KEY, &params), 1) ||
        !TEST_ptr(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY)))
        goto err;
    OSSL_PARAM_free(params);
    params = NULL;
    if (!TEST_int_ne(EVP_PKEY_todata(k, EVP_PKEY_KEYPAIR, &params), 1))
        goto err;
    ERR_clear_error();
    ok = 1;
err:
    pt_errors();
    OSSL_PARAM_free(params);
    EVP_PKEY_free(k);
    EVP_PKEY_free(other);
    return ok;
}

/* A public key imported into keyward verifies (in software) but signing
 * with it is a clear error: no private key. Private material stays out. */
static int test_import(void)
{
    EVP_PKEY *file = pt_file_pub(tu_var("KW_EC256_PUB"));
    EVP_PKEY *tok =
        pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *imp = NULL, *soft = NULL, *bad = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *c = NULL;
    uint8_t sig[128];
    size_t siglen = sizeof(sig);
    int ok = 0;

    if (!TEST_ptr(file) || !TEST_ptr(tok) ||
        !TEST_int_eq(EVP_PKEY_todata(file, EVP_PKEY_PUBLIC_KEY, &params), 1) ||
        !TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_fromdata_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_fromdata(c, &imp, EVP_PKEY_PUBLIC_KEY, params),
                     1) ||
        !TEST_true(pt_is_keyward(imp)))
        goto err;
    if (!TEST_true(
            pt_sign(tok, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)) ||
        !TEST_true(
            pt_verify(imp, "SHA256", 0, 0, msg, sizeof(msg), sig, siglen)))
        goto err;
    siglen = sizeof(sig);
    if (!TEST_false(
            pt_sign(imp, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)) ||
        !TEST_true(pt_error_has("no private key in the token")))
        goto err;
    /* A software key pair: keyward keeps only its public half, so it
     * cannot sign with it. */
    EVP_PKEY_CTX_free(c);
    OSSL_PARAM_free(params);
    params = NULL;
    c = NULL;
    siglen = sizeof(sig);
    if (!TEST_ptr(soft = EVP_PKEY_Q_keygen(NULL, "provider=default", "EC",
                                           "P-256")) ||
        !TEST_int_eq(EVP_PKEY_todata(soft, EVP_PKEY_KEYPAIR, &params), 1) ||
        !TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_fromdata_init(c), 1) ||
        !TEST_int_eq(EVP_PKEY_fromdata(c, &bad, EVP_PKEY_KEYPAIR, params), 1) ||
        !TEST_int_eq(EVP_PKEY_eq(bad, soft), 1) ||
        !TEST_false(
            pt_sign(bad, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)) ||
        !TEST_true(pt_error_has("no private key in the token")))
        goto err;
    ok = 1;
err:
    pt_errors();
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(file);
    EVP_PKEY_free(tok);
    EVP_PKEY_free(imp);
    EVP_PKEY_free(soft);
    EVP_PKEY_free(bad);
    return ok;
}

/* EVP_PKEY_keygen with keyward: the key is made in the token, signs, and
 * is found again by its label. */
static int gen_one(const char *alg, const char *opt_name, const char *opt,
                   const char *label, const char *md)
{
    char uri[512], found_uri[768];
    EVP_PKEY_CTX *c = NULL;
    EVP_PKEY *k = NULL, *again = NULL, *pub = NULL;
    uint8_t sig[512];
    size_t siglen = sizeof(sig);
    unsigned char *der = NULL;
    const unsigned char *p;
    int len, ok = 0;

    snprintf(uri, sizeof(uri), "%s?pin-source=file:%s", tu_var("KW_TOKEN_URI"),
             tu_var("KW_PIN_FILE"));
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, alg, "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_keygen_init(c), 1) ||
        (opt_name != NULL &&
         !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, opt_name, opt), 0)) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "pkcs11_uri", uri), 0) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "pkcs11_label", label), 0) ||
        !TEST_int_eq(EVP_PKEY_keygen(c, &k), 1) || !TEST_true(pt_is_keyward(k)))
        goto err;
    /* Its public half, in the default provider, verifies its signature. */
    if (!TEST_int_gt(len = i2d_PUBKEY(k, &der), 0))
        goto err;
    p = der;
    if (!TEST_ptr(pub =
                      d2i_PUBKEY_ex(NULL, &p, len, NULL, "provider=default")) ||
        !TEST_true(pt_sign(k, md, 0, 0, msg, sizeof(msg), sig, &siglen)) ||
        !TEST_true(
            pt_verify_default(pub, md, 0, 0, msg, sizeof(msg), sig, siglen)))
        goto err;
    snprintf(found_uri, sizeof(found_uri),
             "%s;object=%s;type=private?pin-source=file:%s",
             tu_var("KW_TOKEN_URI"), label, tu_var("KW_PIN_FILE"));
    if (!TEST_ptr(again = pt_load_key(found_uri, OSSL_STORE_INFO_PKEY)) ||
        !TEST_int_eq(EVP_PKEY_eq(again, pub), 1))
        goto err;
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  keygen %s %s\n", alg, label);
    pt_errors();
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    EVP_PKEY_free(again);
    EVP_PKEY_free(pub);
    return ok;
}

static int test_keygen(void)
{
    return gen_one("EC", "group", "P-256", "gen-p256", "SHA256") &
           gen_one("EC", "group", "P-384", "gen-p384", "SHA384") &
           gen_one("RSA", "bits", "2048", "gen-rsa", "SHA256") &
           gen_one("ED25519", NULL, NULL, "gen-ed25519", NULL);
}

/* A label already in use, a curve keyward does not generate, no curve. */
static int test_keygen_errors(void)
{
    EVP_PKEY_CTX *c = NULL;
    EVP_PKEY *k = NULL;
    char uri[512];
    int ok = 0;

    snprintf(uri, sizeof(uri), "%s?pin-source=file:%s", tu_var("KW_TOKEN_URI"),
             tu_var("KW_PIN_FILE"));
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_keygen_init(c), 1) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "group", "P-256"), 0) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "pkcs11_uri", uri), 0) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "pkcs11_label", "ec256"), 0) ||
        !TEST_int_ne(EVP_PKEY_keygen(c, &k), 1) ||
        !TEST_true(pt_error_has("already holds a key labelled 'ec256'")))
        goto err;
    EVP_PKEY_CTX_free(c);
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_keygen_init(c), 1) ||
        !TEST_true(EVP_PKEY_CTX_ctrl_str(c, "group", "secp256k1") <= 0) ||
        !TEST_true(pt_error_has("P-256, P-384 and P-521")))
        goto err;
    EVP_PKEY_CTX_free(c);
    if (!TEST_ptr(
            c = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=keyward")) ||
        !TEST_int_eq(EVP_PKEY_keygen_init(c), 1) ||
        !TEST_int_gt(EVP_PKEY_CTX_ctrl_str(c, "pkcs11_uri", uri), 0) ||
        !TEST_int_ne(EVP_PKEY_keygen(c, &k), 1) ||
        !TEST_true(pt_error_has("no curve")))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_params);
    ADD_TEST(test_match_export);
    ADD_TEST(test_import);
    ADD_TEST(test_keygen);
    ADD_TEST(test_keygen_errors);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
