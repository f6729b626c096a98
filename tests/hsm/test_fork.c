/* SPDX-License-Identifier: Apache-2.0 */
/* test_fork.c: a child process signs with keys its parent loaded. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsmtest.h"

static int sign_verify(hsm_key *key, EVP_PKEY *pub, const char *msg)
{
    struct hsm_mech m = {.type = CKM_ECDSA};
    uint8_t dgst[32], sig[64], *der;
    size_t siglen = sizeof(sig), derlen;
    unsigned int dl;
    int ok;

    CK_RV rv;

    EVP_Digest(msg, strlen(msg), dgst, &dl, EVP_sha256(), NULL);
    if ((rv = hsm_sign(key, &m, dgst, 32, sig, &siglen)) != CKR_OK) {
        fprintf(stderr, "%s: hsm_sign: %s %s\n", msg, hsm_rv_name(rv),
                hsm_error_detail());
        return 0;
    }
    der = ht_ecdsa_der(sig, siglen, &derlen);
    ok = ht_evp_verify(pub, "SHA256", 0, 0, (const uint8_t *)msg, strlen(msg),
                       der, derlen);
    OPENSSL_free(der);
    return ok;
}

static int test_child_signs(void)
{
    struct ht h;
    hsm_key *key = NULL;
    EVP_PKEY *pub = NULL;
    int ok = 0, status = 0;
    pid_t pid;

    unsigned long (*count)(const char *);
    void (*reset)(void);

    /* On the fault shim, to count what the child calls. */
    if (!ht_open(&h, ht_fault_module()))
        return 0;
    count = (unsigned long (*)(const char *))ht_fault_sym("kwfault_count");
    reset = (void (*)(void))ht_fault_sym("kwfault_reset");
    if (!TEST_ptr(count) || !TEST_ptr(reset))
        goto err;
    if (!TEST_ptr(key = ht_key(&h, "KW_EC256_URI", CKO_PRIVATE_KEY)) ||
        !TEST_ptr(pub = ht_evp_pub(key)) ||
        !TEST_true(sign_verify(key, pub, "parent before fork")))
        goto err;
    for (int round = 0; round < 2; round++) {
        if ((pid = fork()) == 0) {
            /* The child re-initialises the module on first use, logs in
             * with the PIN the parent gave, and finds the key again: it
             * never uses the parent's sessions. */
            reset();
            int good = sign_verify(key, pub, "child after fork") &&
                       sign_verify(key, pub, "child again") &&
                       count("C_Finalize") == 1 && count("C_Initialize") == 1 &&
                       count("C_Login") == 1 && count("C_OpenSession") >= 2;
            if (!good)
                fprintf(stderr, "child: Finalize %lu Initialize %lu Login %lu "
                        "OpenSession %lu\n", count("C_Finalize"),
                        count("C_Initialize"), count("C_Login"),
                        count("C_OpenSession"));
            _exit(good ? 0 : 1);
        }
        if (!TEST_int_gt(pid, 0) || !TEST_int_eq(waitpid(pid, &status, 0), pid) ||
            !TEST_true(WIFEXITED(status)) || !TEST_int_eq(WEXITSTATUS(status), 0))
            goto err;
        /* The parent's sessions were not disturbed by the child. */
        if (!TEST_true(sign_verify(key, pub, "parent after child")))
            goto err;
    }
    ok = 1;
err:
    EVP_PKEY_free(pub);
    hsm_key_free(key);
    ht_close(&h);
    return ok;
}

int main(int argc, char **argv)
{
    if (!tu_vars_load())
        return 1;
    ADD_TEST(test_child_signs);
    return tu_run(argc, argv);
}
