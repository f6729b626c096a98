/* SPDX-License-Identifier: Apache-2.0 */
/* test_module.c: loading modules, selecting tokens, login, clear errors. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hsmtest.h"

static CK_RV open_token(const char *module, const char *uri, hsm_module **m,
                        hsm_token **t)
{
    hsm_uri *u = NULL;
    CK_RV rv;

    *t = NULL;
    if ((rv = hsm_module_open(module, NULL, m)) != CKR_OK)
        return rv;
    if ((rv = hsm_uri_parse(uri, &u)) == CKR_OK)
        rv = hsm_token_open(*m, u, t);
    hsm_uri_free(u);
    return rv;
}

static int test_module_shared(void)
{
    hsm_module *a = NULL, *b = NULL;
    int ok = TEST_rv(hsm_module_open(tu_var("KW_MODULE"), NULL, &a), CKR_OK) &&
             TEST_rv(hsm_module_open(tu_var("KW_MODULE"), NULL, &b), CKR_OK) &&
             TEST_true(a == b) && TEST_int_ge(hsm_module_version(a), 200);
    hsm_module_free(a);
    hsm_module_free(b);
    return ok;
}

static int test_module_errors(void)
{
    hsm_module *m = NULL;
    int ok = 1;

    ok &= TEST_rv(hsm_module_open("/nonexistent/libpkcs11.so", NULL, &m),
                  HSM_RV_MODULE_NOT_FOUND);
    ok &= TEST_true(strstr(hsm_error_detail(), "/nonexistent/libpkcs11.so") != NULL);
    ok &= TEST_rv(hsm_module_open(NULL, NULL, &m), HSM_RV_MODULE_NOT_FOUND);
    /* A file that is not a shared library at all. */
    ok &= TEST_rv(hsm_module_open(tu_var("KW_PIN_FILE"), NULL, &m),
                  HSM_RV_NOT_A_MODULE);
    /* A real shared library that is not a PKCS#11 module. */
    Dl_info info;
    if (dladdr((void *)&OPENSSL_cleanse, &info) && info.dli_fname != NULL) {
        ok &= TEST_rv(hsm_module_open(info.dli_fname, NULL, &m),
                      HSM_RV_NOT_A_MODULE);
        ok &= TEST_true(strstr(hsm_error_detail(), "C_GetFunctionList") != NULL);
    }
    ok &= TEST_ptr_null(m);
    return ok;
}

static int test_already_initialized(void)
{
    /* Another user of the module in this process initialised it first:
     * we must work alongside, and not finalize it under them. */
    void *dl = dlopen(tu_var("KW_MODULE"), RTLD_NOW);
    CK_C_GetFunctionList get = dl ? (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList") : NULL;
    CK_FUNCTION_LIST *fl = NULL;
    hsm_module *m = NULL;
    hsm_token *t = NULL;
    CK_INFO ci;
    int ok = 0;

    if (!TEST_ptr(get) || !TEST_rv(get(&fl), CKR_OK) ||
        !TEST_rv(fl->C_Initialize(NULL), CKR_OK))
        goto err;
    if (!TEST_rv(open_token(tu_var("KW_MODULE"), tu_var("KW_TOKEN_URI"), &m, &t),
                 CKR_OK))
        goto err;
    hsm_token_free(t);
    hsm_module_free(m);
    m = NULL;
    /* Still initialised for its first user. */
    ok = TEST_rv(fl->C_GetInfo(&ci), CKR_OK);
    fl->C_Finalize(NULL);
err:
    hsm_module_free(m);
    if (dl)
        dlclose(dl);
    return ok;
}

static int test_token_select(void)
{
    hsm_module *m = NULL;
    hsm_token *t = NULL, *t2 = NULL;
    int ok = 0;
    char uri[256];

    /* Each standard token attribute selects. */
    snprintf(uri, sizeof(uri), "pkcs11:token=%s;manufacturer=SoftHSM%%20project",
             tu_var("KW_TOKEN_LABEL"));
    if (!TEST_rv(open_token(tu_var("KW_MODULE"), uri, &m, &t), CKR_OK))
        goto err;
    const struct hsm_token_info *ti = hsm_token_get0_info(t);
    if (!TEST_str_eq(ti->label, tu_var("KW_TOKEN_LABEL")) ||
        !TEST_true(ti->login_required) || !TEST_int_gt(ti->max_sessions, 1))
        goto err;
    snprintf(uri, sizeof(uri), "pkcs11:serial=%s;model=SoftHSM%%20v2", ti->serial);
    hsm_uri *u = NULL;
    if (!TEST_rv(hsm_uri_parse(uri, &u), CKR_OK))
        goto err;
    CK_RV rv = hsm_token_open(m, u, &t2);
    hsm_uri_free(u);
    if (!TEST_rv(rv, CKR_OK) || !TEST_true(t == t2)) /* shared */
        goto err;
    snprintf(uri, sizeof(uri), "pkcs11:slot-id=%lu", (unsigned long)ti->slot);
    hsm_token_free(t2);
    t2 = NULL;
    if (!TEST_rv(hsm_uri_parse(uri, &u), CKR_OK))
        goto err;
    rv = hsm_token_open(m, u, &t2);
    hsm_uri_free(u);
    if (!TEST_rv(rv, CKR_OK) || !TEST_true(t == t2))
        goto err;
    ok = 1;
err:
    hsm_token_free(t2);
    hsm_token_free(t);
    hsm_module_free(m);
    return ok;
}

static int test_token_errors(void)
{
    hsm_module *m = NULL;
    hsm_token *t = NULL;
    int ok = 1;

    ok &= TEST_rv(open_token(tu_var("KW_MODULE"), "pkcs11:token=no-such-token",
                             &m, &t), HSM_RV_TOKEN_NOT_FOUND);
    hsm_module_free(m);
    /* The fixture has two tokens: a URI naming neither is ambiguous, and the
     * error lists them. */
    ok &= TEST_rv(open_token(tu_var("KW_MODULE"), "pkcs11:manufacturer=SoftHSM%20project",
                             &m, &t), HSM_RV_TOKEN_AMBIGUOUS);
    ok &= TEST_true(strstr(hsm_error_detail(), tu_var("KW_LEGACY_TOKEN_LABEL")) != NULL);
    hsm_module_free(m);
    return ok;
}

static int test_login_and_objects(void)
{
    struct ht h;
    hsm_key *k = NULL;
    hsm_uri *u = NULL;
    int ok = 0;

    if (!ht_open(&h, NULL))
        return 0;
    /* Logging in again with the same PIN is fine; with another it is not,
     * even though the token would accept anything now. */
    if (!TEST_rv(hsm_token_login(h.tok, tu_var("KW_PIN"), strlen(tu_var("KW_PIN"))),
                 CKR_OK) ||
        !TEST_rv(hsm_token_login(h.tok, "wrong", 5), CKR_PIN_INCORRECT))
        goto err;
    /* One key by label and type. */
    if (!TEST_ptr(k = ht_key(&h, "KW_EC256_URI", CKO_PRIVATE_KEY)))
        goto err;
    if (!TEST_int_eq(hsm_key_get_type(k), CKK_EC) ||
        !TEST_int_eq(hsm_key_get_bits(k), 256) ||
        !TEST_true(hsm_key_is_sensitive(k)) ||
        !TEST_false(hsm_key_is_extractable(k)) ||
        !TEST_true(hsm_key_get_usage(k) & HSM_USE_SIGN) ||
        !TEST_str_eq(hsm_key_get0_label(k), "ec256"))
        goto err;
    /* Its URI finds it again. */
    char *kuri = hsm_key_uri(k);
    hsm_key *again = NULL;
    ok = TEST_ptr(kuri) && TEST_true(strstr(kuri, "type=private") != NULL) &&
         TEST_rv(hsm_uri_parse(kuri, &u), CKR_OK) &&
         TEST_rv(hsm_key_find(h.tok, u, CK_UNAVAILABLE_INFORMATION, &again), CKR_OK) &&
         TEST_int_eq(hsm_key_get_class(again), CKO_PRIVATE_KEY);
    free(kuri);
    hsm_key_free(again);
    hsm_uri_free(u);
    u = NULL;
    if (!ok)
        goto err;
    ok = 0;
    /* No type: the private key is preferred over its public half. */
    hsm_key_free(k);
    k = ht_key(&h, "KW_RSA2048_URI", CK_UNAVAILABLE_INFORMATION);
    if (!TEST_ptr(k) || !TEST_int_eq(hsm_key_get_class(k), CKO_PRIVATE_KEY) ||
        !TEST_int_eq(hsm_key_get_bits(k), 2048))
        goto err;
    ok = 1;
err:
    hsm_key_free(k);
    ht_close(&h);
    return ok;
}

static int test_object_errors(void)
{
    struct ht h;
    hsm_uri *u = NULL;
    hsm_key *k = NULL;
    int ok = 0;

    if (!ht_open(&h, NULL))
        return 0;
    if (!TEST_rv(hsm_uri_parse("pkcs11:object=does-not-exist", &u), CKR_OK) ||
        !TEST_rv(hsm_key_find(h.tok, u, CKO_PRIVATE_KEY, &k),
                 HSM_RV_OBJECT_NOT_FOUND) ||
        !TEST_true(strstr(hsm_error_detail(), "does-not-exist") != NULL))
        goto err;
    hsm_uri_free(u);
    if (!TEST_rv(hsm_uri_parse(tu_var("KW_TWIN_URI"), &u), CKR_OK) ||
        !TEST_rv(hsm_key_find(h.tok, u, CKO_PRIVATE_KEY, &k),
                 HSM_RV_OBJECT_AMBIGUOUS) ||
        !TEST_true(strstr(hsm_error_detail(), "id=") != NULL))
        goto err;
    hsm_uri_free(u);
    /* A URI that says public where a private key is asked for. */
    if (!TEST_rv(hsm_uri_parse("pkcs11:object=ec256;type=public", &u), CKR_OK) ||
        !TEST_rv(hsm_key_find(h.tok, u, CKO_PRIVATE_KEY, &k),
                 HSM_RV_KEY_UNSUITABLE))
        goto err;
    ok = TEST_ptr_null(k);
err:
    hsm_uri_free(u);
    ht_close(&h);
    return ok;
}

/* A wrong PIN reaches the caller as CKR_PIN_INCORRECT after exactly one
 * C_Login, and is not retried by later operations. Runs on the fault shim
 * to count calls; the module is fresh in this process (not logged in). */
static int test_wrong_pin_once(void)
{
    hsm_module *m = NULL;
    hsm_token *t = NULL;
    hsm_uri *u = NULL;
    hsm_key *k = NULL;
    int ok = 0;
    unsigned long (*count)(const char *);
    void (*reset)(void);

    if (!TEST_rv(open_token(ht_fault_module(), tu_var("KW_LEGACY_TOKEN_URI"),
                            &m, &t), CKR_OK))
        goto err;
    count = (unsigned long (*)(const char *))ht_fault_sym("kwfault_count");
    reset = (void (*)(void))ht_fault_sym("kwfault_reset");
    if (!TEST_ptr(count) || !TEST_ptr(reset))
        goto err;
    reset();
    if (!TEST_rv(hsm_token_login(t, "not-the-pin", 11), CKR_PIN_INCORRECT) ||
        !TEST_int_eq(count("C_Login"), 1))
        goto err;
    /* Private objects stay hidden; the error says a PIN is needed. */
    if (!TEST_rv(hsm_uri_parse(tu_var("KW_LEGACY_EC_URI"), &u), CKR_OK) ||
        !TEST_rv(hsm_key_find(t, u, CKO_PRIVATE_KEY, &k), HSM_RV_PIN_MISSING) ||
        !TEST_int_eq(count("C_Login"), 1))
        goto err;
    /* The right PIN still works: the wrong one did not lock anything. */
    if (!TEST_rv(hsm_token_login(t, tu_var("KW_PIN"), strlen(tu_var("KW_PIN"))),
                 CKR_OK) ||
        !TEST_rv(hsm_key_find(t, u, CKO_PRIVATE_KEY, &k), CKR_OK))
        goto err;
    ok = 1;
err:
    hsm_key_free(k);
    hsm_uri_free(u);
    hsm_token_free(t);
    hsm_module_free(m);
    return ok;
}

static int test_token_foreach_and_mechs(void)
{
    struct ht h;
    int ok = 0;
    size_t n = 0;

    if (!ht_open(&h, NULL))
        return 0;
    const CK_MECHANISM_TYPE *mechs = hsm_token_get0_mechs(h.tok, &n);
    if (!TEST_int_gt(n, 10) || !TEST_ptr(mechs))
        goto err;
    ok = TEST_true(hsm_token_has_mech(h.tok, CKM_ECDSA, CKF_SIGN, 256)) &&
         TEST_true(hsm_token_has_mech(h.tok, CKM_RSA_PKCS_PSS, CKF_SIGN, 2048)) &&
         TEST_true(hsm_token_has_mech(h.tok, CKM_AES_GCM, CKF_ENCRYPT, 256)) &&
         TEST_false(hsm_token_has_mech(h.tok, CKM_AES_GCM, CKF_ENCRYPT, 512)) &&
         TEST_false(hsm_token_has_mech(h.tok, CKM_ECDSA, CKF_SIGN, 1024)) &&
         TEST_false(hsm_token_has_mech(h.tok, CKM_AES_CCM, CKF_ENCRYPT, 0)) &&
         TEST_false(hsm_token_has_mech(h.tok, CKM_ECDSA, CKF_ENCRYPT, 0));
err:
    ht_close(&h);
    return ok;
}

/* With OpenSSL's secure heap in use (keywardd initialises one), the PIN
 * hsm/ keeps lives there and is freed there: a mismatch corrupted the heap
 * at token teardown (found in keywardd on the TPM; ASan checks this). */
static int test_pin_on_secure_heap(void)
{
    hsm_module *m = NULL;
    hsm_token *t = NULL;
    const char *pin = tu_var("KW_PIN");
    int ok;

    if (!CRYPTO_secure_malloc_initialized() &&
        !TEST_int_eq(CRYPTO_secure_malloc_init(16384, 16), 1))
        return 0;
    ok = TEST_rv(open_token(tu_var("KW_MODULE"), tu_var("KW_LEGACY_TOKEN_URI"),
                            &m, &t), CKR_OK) &&
         TEST_rv(hsm_token_login(t, pin, strlen(pin)), CKR_OK) &&
         TEST_true(CRYPTO_secure_used() > 0);
    hsm_token_free(t); /* frees the PIN: on the secure heap */
    hsm_module_free(m);
    return ok && TEST_int_eq(CRYPTO_secure_used(), 0);
}

int main(int argc, char **argv)
{
    if (!tu_vars_load())
        return 1;
    ADD_TEST(test_module_shared);
    ADD_TEST(test_module_errors);
    ADD_TEST(test_already_initialized);
    ADD_TEST(test_token_select);
    ADD_TEST(test_token_errors);
    ADD_TEST(test_login_and_objects);
    ADD_TEST(test_object_errors);
    ADD_TEST(test_wrong_pin_once);
    ADD_TEST(test_token_foreach_and_mechs);
    ADD_TEST(test_pin_on_secure_heap);
    return tu_run(argc, argv);
}
