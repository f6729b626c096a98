/* SPDX-License-Identifier: Apache-2.0 */
/* test_fault.c: every failing call of sign, decrypt and keygen gives a
 * clean error, and hsm/ recovers from lost logins, sessions and tokens.
 * Runs on the fault-injection shim over SoftHSM. */
#include <string.h>

#include <openssl/rsa.h>

#include "hsmtest.h"

static struct ht h;
static void (*f_arm)(unsigned long, CK_RV, unsigned long);
static unsigned long (*f_calls)(void);
static unsigned long (*f_count)(const char *);
static void (*f_reset)(void);
static void (*f_close_all)(void);
static void (*f_logout)(void);
static void (*f_remove)(int);
static hsm_key *ec, *rsa;
static EVP_PKEY *ec_pub, *rsa_pub;
static const char msg[] = "fault injection";

static CK_RV op_sign(void)
{
    struct hsm_mech m = {.type = CKM_ECDSA};
    uint8_t dgst[32], sig[64], *der;
    size_t siglen = sizeof(sig), derlen;
    unsigned int dl;
    CK_RV rv;

    EVP_Digest(msg, sizeof(msg), dgst, &dl, EVP_sha256(), NULL);
    if ((rv = hsm_sign(ec, &m, dgst, 32, sig, &siglen)) != CKR_OK)
        return rv;
    /* Success must mean a signature that verifies. */
    der = ht_ecdsa_der(sig, siglen, &derlen);
    rv = ht_evp_verify(ec_pub, "SHA256", 0, 0, (const uint8_t *)msg,
                       sizeof(msg), der, derlen) ? CKR_OK : CKR_SIGNATURE_INVALID;
    OPENSSL_free(der);
    return rv;
}

static CK_RV op_decrypt(void)
{
    struct hsm_mech m = {.type = CKM_RSA_PKCS};
    uint8_t ct[256], pt[256];
    size_t ctlen = sizeof(ct), ptlen = sizeof(pt);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, rsa_pub, NULL);
    CK_RV rv = CKR_GENERAL_ERROR;

    if (c && EVP_PKEY_encrypt_init(c) > 0 &&
        EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
        EVP_PKEY_encrypt(c, ct, &ctlen, (const uint8_t *)msg, sizeof(msg)) > 0) {
        rv = hsm_decrypt(rsa, &m, ct, ctlen, pt, &ptlen);
        if (rv == CKR_OK && (ptlen != sizeof(msg) || memcmp(pt, msg, ptlen)))
            rv = CKR_ENCRYPTED_DATA_INVALID;
    }
    EVP_PKEY_CTX_free(c);
    return rv;
}

static CK_RV op_keygen(void)
{
    struct hsm_keygen g = {.label = "fault-kg"};
    hsm_key *priv = NULL, *pub = NULL;
    CK_RV rv = hsm_keygen_ec(h.tok, "P-256", &g, &priv, &pub);
    if (rv == CKR_OK && (priv == NULL || pub == NULL))
        rv = CKR_GENERAL_ERROR;
    if (rv != CKR_OK && (priv != NULL || pub != NULL))
        rv = CKR_GENERAL_ERROR; /* an error must not hand out keys */
    hsm_key_free(priv);
    hsm_key_free(pub);
    return rv;
}

/* Fails call n (n = 1, 2, ...) of op with rv until the fault no longer
 * fires. Each time: the op either succeeds (hsm/ recovered) or fails
 * cleanly, and once the fault is gone the op works again. */
static int walk(const char *name, CK_RV (*op)(void), CK_RV fault)
{
    unsigned long n;
    int recovered = 0, failed = 0;

    for (n = 1; n < 200; n++) {
        f_arm(n, fault, 1);
        CK_RV rv = op();
        unsigned long seen = f_calls();
        f_reset();
        if (rv == CKR_OK)
            recovered++;
        else
            failed++;
        if (!TEST_rv(op(), CKR_OK)) {
            fprintf(stderr, "  %s: no recovery after fault %s at call %lu: %s\n",
                    name, hsm_rv_name(fault), n, hsm_error_detail());
            return 0;
        }
        if (seen < n)
            break; /* the op made fewer than n calls: all were covered */
    }
    fprintf(stderr, "  %s/%s: %lu calls covered, %d recovered, %d failed cleanly\n",
            name, hsm_rv_name(fault), n - 1, recovered, failed);
    return TEST_int_gt(n, 1) && TEST_true(n < 200);
}

static int test_walk(void)
{
    static const CK_RV faults[] = {CKR_GENERAL_ERROR, CKR_DEVICE_ERROR,
                                   CKR_SESSION_HANDLE_INVALID,
                                   CKR_USER_NOT_LOGGED_IN, CKR_HOST_MEMORY,
                                   CKR_DEVICE_REMOVED};
    int ok = 1;
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
        ok &= walk("sign", op_sign, faults[i]);
        ok &= walk("decrypt", op_decrypt, faults[i]);
        ok &= walk("keygen", op_keygen, faults[i]);
    }
    return ok;
}

/* The hot path: C_SignInit and C_Sign, nothing else. */
static int test_two_calls_per_signature(void)
{
    CK_RV rv = op_sign(); /* warm: the session copy is made on first use */
    if (!TEST_rv(rv, CKR_OK))
        return 0;
    f_reset();
    for (int i = 0; i < 100; i++)
        if (!TEST_rv(op_sign(), CKR_OK))
            return 0;
    return TEST_int_eq(f_count("C_SignInit"), 100) &&
           TEST_int_eq(f_count("C_Sign"), 100) && TEST_int_eq(f_calls(), 200);
}

static int test_relogin(void)
{
    if (!TEST_rv(op_sign(), CKR_OK))
        return 0;
    f_logout(); /* the token forgets the login */
    f_reset();
    return TEST_rv(op_sign(), CKR_OK) && TEST_int_eq(f_count("C_Login"), 1) &&
           TEST_rv(op_decrypt(), CKR_OK);
}

static int test_sessions_closed(void)
{
    if (!TEST_rv(op_sign(), CKR_OK))
        return 0;
    f_close_all(); /* every session, the anchor included, is gone */
    return TEST_rv(op_sign(), CKR_OK) && TEST_rv(op_decrypt(), CKR_OK) &&
           TEST_rv(op_keygen(), CKR_OK);
}

static int test_token_removed(void)
{
    CK_RV rv;
    if (!TEST_rv(op_sign(), CKR_OK))
        return 0;
    f_remove(1);
    rv = op_sign();
    if (!TEST_true(rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED))
        return 0;
    /* Still gone: a clear error each time, no hang. */
    if (!TEST_true(op_decrypt() != CKR_OK))
        return 0;
    f_remove(0); /* back, with none of our sessions or login */
    return TEST_rv(op_sign(), CKR_OK) && TEST_rv(op_decrypt(), CKR_OK);
}

int main(int argc, char **argv)
{
    int rc = 1;
    if (!ht_open(&h, ht_fault_module()))
        return 1;
    f_arm = (void (*)(unsigned long, CK_RV, unsigned long))ht_fault_sym("kwfault_arm");
    f_calls = (unsigned long (*)(void))ht_fault_sym("kwfault_calls");
    f_count = (unsigned long (*)(const char *))ht_fault_sym("kwfault_count");
    f_reset = (void (*)(void))ht_fault_sym("kwfault_reset");
    f_close_all = (void (*)(void))ht_fault_sym("kwfault_close_all");
    f_logout = (void (*)(void))ht_fault_sym("kwfault_logout");
    f_remove = (void (*)(int))ht_fault_sym("kwfault_remove");
    if (!TEST_ptr(f_arm) || !TEST_ptr(f_remove) || !TEST_ptr(f_logout) ||
        !TEST_ptr(ec = ht_key(&h, "KW_EC256_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(rsa = ht_key(&h, "KW_RSA2048_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(ec_pub = ht_evp_pub(ec)) || !TEST_ptr(rsa_pub = ht_evp_pub(rsa)))
        goto out;
    ADD_TEST(test_two_calls_per_signature);
    ADD_TEST(test_relogin);
    ADD_TEST(test_sessions_closed);
    ADD_TEST(test_token_removed);
    ADD_TEST(test_walk);
    rc = tu_run(argc, argv);
out:
    EVP_PKEY_free(ec_pub);
    EVP_PKEY_free(rsa_pub);
    hsm_key_free(ec);
    hsm_key_free(rsa);
    ht_close(&h);
    return rc;
}
