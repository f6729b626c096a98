/* SPDX-License-Identifier: Apache-2.0 */
/* test_token_limits.c: keyward over the fault-injection module (forwarding
 * to SoftHSM): exactly two PKCS#11 calls per signature, a token that lacks
 * mechanisms (a clear "not supported by this token" at init), a token that
 * signs RSA-PSS only with salt = digest length, a token that goes away. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "provtest.h"

static unsigned long (*fault_calls)(void);
static unsigned long (*fault_count)(const char *name);
static void (*fault_reset)(void);
static void (*fault_remove)(int gone);

static const uint8_t msg[] = "counted";

static bool bind_fault(void)
{
    void *dl = dlopen(KWFAULT_PATH, RTLD_NOW | RTLD_NOLOAD);

    if (dl == NULL)
        return false;
    fault_calls = (unsigned long (*)(void))dlsym(dl, "kwfault_calls");
    fault_count = (unsigned long (*)(const char *))dlsym(dl, "kwfault_count");
    fault_reset = (void (*)(void))dlsym(dl, "kwfault_reset");
    fault_remove = (void (*)(int))dlsym(dl, "kwfault_remove");
    dlclose(dl);
    return fault_calls && fault_count && fault_reset && fault_remove;
}

/* The performance contract: an EVP signature costs C_SignInit + C_Sign and
 * nothing else (no session, login or attribute calls per operation). */
static int count_one(const char *uri_var, const char *md)
{
    EVP_PKEY *k = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);
    uint8_t sig[512];
    size_t siglen;
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_true(bind_fault()))
        goto err;
    siglen = sizeof(sig); /* warm up: the first use makes the session copy */
    if (!TEST_true(pt_sign(k, md, 0, 0, msg, sizeof(msg), sig, &siglen)))
        goto err;
    fault_reset();
    for (int i = 0; i < 50; i++) {
        siglen = sizeof(sig);
        if (!TEST_true(pt_sign(k, md, 0, 0, msg, sizeof(msg), sig, &siglen)))
            goto err;
    }
    if (!TEST_int_eq(fault_count("C_SignInit"), 50) ||
        !TEST_int_eq(fault_count("C_Sign"), 50) ||
        !TEST_int_eq(fault_calls(), 100))
        goto err;
    ok = 1;
err:
    if (!ok)
        fprintf(stderr, "  key %s\n", uri_var);
    pt_errors();
    EVP_PKEY_free(k);
    return ok;
}

static int test_two_calls_per_signature(void)
{
    return count_one("KW_EC256_URI", "SHA256") &
           count_one("KW_RSA2048_URI", "SHA256") &
           count_one("KW_ED25519_URI", NULL);
}

/* KWFAULT_HIDE_MECHS hides CKM_EDDSA, CKM_RSA_PKCS_PSS and CKM_RSA_X_509
 * (without raw RSA, PSS cannot be encoded in software either): the error
 * comes before any token call and names the mechanism. */
static int test_missing_mechanism(void)
{
    EVP_PKEY *ed =
        pt_load_key(pt_uri_pin("KW_ED25519_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *rsa =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    uint8_t sig[512];
    size_t siglen = sizeof(sig);
    int ok = 0;

    if (!TEST_ptr(ed) || !TEST_ptr(rsa) || !TEST_ptr(m) ||
        !TEST_int_ne(EVP_DigestSignInit_ex(m, NULL, NULL, NULL, NULL, ed, NULL),
                     1) ||
        !TEST_true(pt_error_has("not supported by this token")))
        goto err;
    if (!TEST_false(pt_sign(rsa, "SHA256", RSA_PKCS1_PSS_PADDING,
                            RSA_PSS_SALTLEN_DIGEST, msg, sizeof(msg), sig,
                            &siglen)) ||
        !TEST_true(pt_error_has("CKM_RSA_PKCS_PSS")))
        goto err;
    /* What the token has still works. */
    siglen = sizeof(sig);
    if (!TEST_true(pt_sign(rsa, "SHA256", RSA_PKCS1_PADDING, 0, msg,
                           sizeof(msg), sig, &siglen)))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(rsa);
    return ok;
}

/* KWFAULT_PSS_DIGEST_SALT: the signer's choice (OpenSSL's default "auto",
 * and "max") becomes the digest length; an explicit other length is an
 * error naming the limit. */
static int test_pss_digest_salt_only(void)
{
    EVP_PKEY *k =
        pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    uint8_t sig[256];
    size_t siglen = sizeof(sig);
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_ptr(pub))
        goto err;
    for (int s = RSA_PSS_SALTLEN_MAX; s <= RSA_PSS_SALTLEN_DIGEST; s++) {
        siglen = sizeof(sig);
        if (!TEST_true(pt_sign(k, "SHA256", RSA_PKCS1_PSS_PADDING, s, msg,
                               sizeof(msg), sig, &siglen)) ||
            !TEST_true(pt_verify_default(pub, "SHA256", RSA_PKCS1_PSS_PADDING,
                                         32, msg, sizeof(msg), sig, siglen))) {
            fprintf(stderr, "  saltlen %d\n", s);
            goto err;
        }
    }
    siglen = sizeof(sig);
    if (!TEST_false(pt_sign(k, "SHA256", RSA_PKCS1_PSS_PADDING, 20, msg,
                            sizeof(msg), sig, &siglen)) ||
        !TEST_true(pt_error_has("salt = digest length")))
        goto err;
    ok = 1;
err:
    pt_errors();
    EVP_PKEY_free(k);
    EVP_PKEY_free(pub);
    return ok;
}

/* The token goes away: a clear error, no crash; it comes back: the same
 * EVP_PKEY signs again (hsm/ recovers). */
static int test_token_removed(void)
{
    EVP_PKEY *k = pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    uint8_t sig[128];
    size_t siglen = sizeof(sig);
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_true(bind_fault()))
        goto err;
    fault_remove(1);
    if (!TEST_false(
            pt_sign(k, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)) ||
        !TEST_true(pt_error_has("keyward")))
        goto err;
    fault_remove(0);
    siglen = sizeof(sig);
    if (!TEST_true(pt_sign(k, "SHA256", 0, 0, msg, sizeof(msg), sig, &siglen)))
        goto err;
    ok = 1;
err:
    fault_remove(0);
    pt_errors();
    EVP_PKEY_free(k);
    return ok;
}

/* A token without CKM_RSA_PKCS_PSS but with raw RSA: PSS is encoded in
 * software (RFC 8017 9.1.1) and signed raw; every salt length works and the
 * default provider verifies. */
static int test_pss_over_raw_rsa(void)
{
    static const int salts[] = {RSA_PSS_SALTLEN_DIGEST, RSA_PSS_SALTLEN_MAX,
                                RSA_PSS_SALTLEN_AUTO, 0, 20, 222};
    EVP_PKEY *k = pt_load_key(pt_uri_pin("KW_RSA2048_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_file_pub(tu_var("KW_RSA2048_PUB"));
    int ok = TEST_ptr(k) && TEST_ptr(pub);

    for (size_t i = 0; ok && i < sizeof(salts) / sizeof(salts[0]); i++) {
        uint8_t sig[512];
        size_t siglen = sizeof(sig);
        int vsalt = salts[i] == RSA_PSS_SALTLEN_DIGEST ? 32
                    : salts[i] < 0 ? RSA_PSS_SALTLEN_AUTO : salts[i];
        ok = TEST_true(pt_sign(k, "SHA256", RSA_PKCS1_PSS_PADDING, salts[i],
                               msg, sizeof(msg), sig, &siglen)) &&
             TEST_true(pt_verify_default(pub, "SHA256", RSA_PKCS1_PSS_PADDING,
                                         vsalt, msg, sizeof(msg), sig, siglen));
        if (!ok)
            fprintf(stderr, "  salt setting %d\n", salts[i]);
    }
    pt_errors();
    EVP_PKEY_free(pub);
    EVP_PKEY_free(k);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    /* CKM_EDDSA and CKM_RSA_PKCS_PSS are hidden for the cases that ask;
     * the environment is read by the fault module at each call. */
    if (argc > 1 && strcmp(argv[1], "limited") == 0) {
        setenv("KWFAULT_HIDE_MECHS", "0x1057,0x000d,0x0003", 1);
        argc--;
        argv++;
        if (!pt_init(KWFAULT_PATH))
            return 1;
        ADD_TEST(test_missing_mechanism);
    } else if (argc > 1 && strcmp(argv[1], "nopss") == 0) {
        /* No CKM_RSA_PKCS_PSS, raw RSA present (tpm2-pkcs11 on swtpm). */
        setenv("KWFAULT_HIDE_MECHS", "0x000d", 1);
        argc--;
        argv++;
        if (!pt_init(KWFAULT_PATH))
            return 1;
        ADD_TEST(test_pss_over_raw_rsa);
    } else if (argc > 1 && strcmp(argv[1], "pss") == 0) {
        setenv("KWFAULT_PSS_DIGEST_SALT", "1", 1);
        argc--;
        argv++;
        if (!pt_init(KWFAULT_PATH))
            return 1;
        ADD_TEST(test_pss_digest_salt_only);
    } else {
        if (!pt_init(KWFAULT_PATH))
            return 1;
        ADD_TEST(test_two_calls_per_signature);
        ADD_TEST(test_token_removed);
    }
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
