/* SPDX-License-Identifier: Apache-2.0 */
/* test_store.c: the pkcs11: OSSL_STORE loader: keys and certificates by
 * URI, token listing, PIN sources, and each bad input a clear error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "keyward_provider.h"
#include "provtest.h"

struct counts {
    int pkey, pubkey, cert, other;
};

static bool count_objects(const char *uri, int expect, UI_METHOD *ui,
                          void *uidata, struct counts *c)
{
    OSSL_STORE_CTX *st = OSSL_STORE_open(uri, ui, uidata, NULL, NULL);
    OSSL_STORE_INFO *info;

    memset(c, 0, sizeof(*c));
    if (st == NULL)
        return false;
    if (expect != 0)
        OSSL_STORE_expect(st, expect);
    while (!OSSL_STORE_eof(st)) {
        if ((info = OSSL_STORE_load(st)) == NULL)
            break;
        switch (OSSL_STORE_INFO_get_type(info)) {
        case OSSL_STORE_INFO_PKEY:
            c->pkey++;
            break;
        case OSSL_STORE_INFO_PUBKEY:
            c->pubkey++;
            break;
        case OSSL_STORE_INFO_CERT:
            c->cert++;
            break;
        default:
            c->other++;
        }
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(st);
    return ERR_peek_error() == 0;
}

static int test_private_public_cert(void)
{
    EVP_PKEY *priv =
        pt_load_key(pt_uri_pin("KW_EC256_URI"), OSSL_STORE_INFO_PKEY);
    EVP_PKEY *pub = pt_load_key(tu_var("KW_EC256_URI"), OSSL_STORE_INFO_PUBKEY);
    EVP_PKEY *file = pt_file_pub(tu_var("KW_EC256_PUB"));
    OSSL_STORE_CTX *st = NULL;
    OSSL_STORE_INFO *info = NULL;
    X509 *cert = NULL, *fcert = NULL;
    FILE *f = NULL;
    char uri[512];
    int ok = 0;

    if (!TEST_ptr(priv) || !TEST_ptr(pub) || !TEST_ptr(file) ||
        !TEST_true(pt_is_keyward(priv)) || !TEST_true(pt_is_keyward(pub)) ||
        !TEST_int_eq(EVP_PKEY_eq(priv, file), 1) ||
        !TEST_int_eq(EVP_PKEY_eq(pub, file), 1))
        goto err;
    /* The certificate next to the key, without a PIN. */
    snprintf(uri, sizeof(uri), "%s;type=cert", tu_var("KW_EC256_URI"));
    if (!TEST_ptr(st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL)) ||
        !TEST_ptr(info = OSSL_STORE_load(st)) ||
        !TEST_int_eq(OSSL_STORE_INFO_get_type(info), OSSL_STORE_INFO_CERT) ||
        !TEST_ptr(cert = OSSL_STORE_INFO_get1_CERT(info)) ||
        !TEST_ptr(f = fopen(tu_var("KW_EC256_CERT"), "r")) ||
        !TEST_ptr(fcert = PEM_read_X509(f, NULL, NULL, NULL)) ||
        !TEST_int_eq(X509_cmp(cert, fcert), 0) ||
        !TEST_int_eq(X509_check_private_key(cert, priv), 1))
        goto err;
    ok = 1;
err:
    pt_errors();
    if (f != NULL)
        fclose(f);
    X509_free(cert);
    X509_free(fcert);
    OSSL_STORE_INFO_free(info);
    OSSL_STORE_close(st);
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(file);
    return ok;
}

/* A URI naming only the token lists its keys and certificates (secret
 * keys are not OSSL_STORE objects). Fixture: ec256 ec384 ec521 rsa2048
 * ed25519 and two twins as pairs, a public-only key, four certificates. */
static int test_list_token(void)
{
    struct counts c;
    int ok = 1;

    ok &= TEST_true(
              count_objects(pt_uri_pin("KW_TOKEN_URI"), 0, NULL, NULL, &c)) &&
          TEST_int_eq(c.pkey, 7) && TEST_int_eq(c.pubkey, 8) &&
          TEST_int_eq(c.cert, 4) && TEST_int_eq(c.other, 0);
    /* Certificates only: no PIN needed. */
    ok &= TEST_true(count_objects(tu_var("KW_TOKEN_URI"), OSSL_STORE_INFO_CERT,
                                  NULL, NULL, &c)) &&
          TEST_int_eq(c.cert, 4) && TEST_int_eq(c.pkey, 0);
    /* One label: its private key, public key and certificate. */
    ok &= TEST_true(
              count_objects(pt_uri_pin("KW_EC256_URI"), 0, NULL, NULL, &c)) &&
          TEST_int_eq(c.pkey, 1) && TEST_int_eq(c.pubkey, 1) &&
          TEST_int_eq(c.cert, 1);
    pt_errors();
    return ok;
}

/* id= picks one of the two keys labelled twin. */
static int test_twin_by_id(void)
{
    char uri[512];
    EVP_PKEY *a, *b = NULL;
    int ok = 0;

    snprintf(uri, sizeof(uri), "%s;id=%%0a?pin-source=file:%s",
             tu_var("KW_TWIN_URI"), tu_var("KW_PIN_FILE"));
    a = pt_load_key(uri, OSSL_STORE_INFO_PKEY);
    snprintf(uri, sizeof(uri), "%s;id=%%0b?pin-source=file:%s",
             tu_var("KW_TWIN_URI"), tu_var("KW_PIN_FILE"));
    b = pt_load_key(uri, OSSL_STORE_INFO_PKEY);
    if (TEST_ptr(a) && TEST_ptr(b) && TEST_int_ne(EVP_PKEY_eq(a, b), 1))
        ok = 1;
    pt_errors();
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    return ok;
}

/* A URI that must fail, with this text in the error queue, and no key. */
static int expect_error(const char *uri, int expect, const char *text)
{
    EVP_PKEY *k = pt_load_key(uri, expect);
    int ok = TEST_ptr_null(k) && TEST_true(pt_error_has(text));

    if (!ok)
        fprintf(stderr, "  URI: %s\n", uri);
    EVP_PKEY_free(k);
    return ok;
}

/* Before any login (a login lasts for the process): no PIN, a wrong PIN,
 * an unreadable PIN file. */
static int test_pin_errors(void)
{
    char uri[512], badpin[256];
    FILE *f;
    int ok = 1;

    ok &= expect_error(tu_var("KW_EC256_URI"), OSSL_STORE_INFO_PKEY,
                       "token PIN needed");
    snprintf(badpin, sizeof(badpin), "%s/badpin-%d",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if ((f = fopen(badpin, "w")) != NULL) {
        fputs("00000000\n", f);
        fclose(f);
    }
    snprintf(uri, sizeof(uri), "%s?pin-source=file:%s", tu_var("KW_EC256_URI"),
             badpin);
    ok &= expect_error(uri, OSSL_STORE_INFO_PKEY, "wrong token PIN");
    unlink(badpin);
    snprintf(uri, sizeof(uri), "%s?pin-source=file:/nonexistent/pin",
             tu_var("KW_EC256_URI"));
    ok &= expect_error(uri, OSSL_STORE_INFO_PKEY, "PIN source unreadable");
    return ok;
}

/* A PIN in the URI (pin-value) never appears in an error message. */
static int test_pin_not_in_errors(void)
{
    char uri[512];
    unsigned long e;
    const char *data = NULL;
    int flags = 0, ok = 1, seen = 0;
    EVP_PKEY *k;

    snprintf(uri, sizeof(uri), "%s;object=nosuchkey?pin-value=%s",
             tu_var("KW_TOKEN_URI"), tu_var("KW_PIN"));
    k = pt_load_key(uri, OSSL_STORE_INFO_PKEY);
    ok &= TEST_ptr_null(k);
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if ((flags & ERR_TXT_STRING) == 0 || data == NULL)
            continue;
        if (strstr(data, "pin-value=***") != NULL)
            seen = 1;
        if (!TEST_true(strstr(data, tu_var("KW_PIN")) == NULL))
            ok = 0;
    }
    EVP_PKEY_free(k);
    return ok && TEST_true(seen);
}

static int test_errors(void)
{
    char uri[512];
    int ok = 1;

    snprintf(uri, sizeof(uri), "%s;object=nosuchkey?pin-source=file:%s",
             tu_var("KW_TOKEN_URI"), tu_var("KW_PIN_FILE"));
    ok &= expect_error(uri, OSSL_STORE_INFO_PKEY, "object not found");
    ok &= expect_error(pt_uri_pin("KW_TWIN_URI"), OSSL_STORE_INFO_PKEY,
                       "URI matches more than one object");
    ok &= expect_error(pt_uri_pin("KW_PUBONLY_URI"), OSSL_STORE_INFO_PKEY,
                       "no private key in the token");
    ok &= expect_error("pkcs11:token=no-such-token;object=x",
                       OSSL_STORE_INFO_PKEY, "token not found");
    ok &= expect_error("pkcs11:objekt=typo", 0, "invalid pkcs11 URI");
    return ok;
}

/* The PIN through OpenSSL's passphrase callback (UI method), as the
 * openssl command line and applications with a password callback do. */
static int pem_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pin = u;
    int n = (int)strlen(pin);

    (void)rwflag;
    if (n > size)
        return -1;
    memcpy(buf, pin, (size_t)n);
    return n;
}

static int test_pin_callback(void)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pem_cb, 0);
    struct counts c;
    int ok = 0;

    if (!TEST_ptr(ui))
        return 0;
    /* Runs right after test_pin_errors: no login yet, so the PIN the
     * callback gives is the one that logs in. */
    if (!TEST_true(count_objects(tu_var("KW_ED25519_URI"), OSSL_STORE_INFO_PKEY,
                                 ui, (void *)tu_var("KW_PIN"), &c)) ||
        !TEST_int_eq(c.pkey, 1))
        goto err;
    ok = 1;
err:
    pt_errors();
    UI_destroy_method(ui);
    return ok;
}

/* Without a module (no configuration, no KEYWARD_PKCS11_MODULE), the
 * first use says so; provider loading itself succeeds. */
static int test_no_module(void)
{
    OSSL_LIB_CTX *lc = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *d = NULL, *k = NULL;
    OSSL_STORE_CTX *st = NULL;
    char *saved = strdup(getenv("KEYWARD_PKCS11_MODULE"));
    int ok = 0;

    unsetenv("KEYWARD_PKCS11_MODULE");
    if (!TEST_ptr(lc) ||
        !TEST_true(
            OSSL_PROVIDER_add_builtin(lc, "keyward", keyward_provider_init)) ||
        !TEST_ptr(d = OSSL_PROVIDER_load(lc, "default")) ||
        !TEST_ptr(k = OSSL_PROVIDER_load(lc, "keyward")))
        goto err;
    st = OSSL_STORE_open_ex(tu_var("KW_EC256_URI"), lc, NULL, NULL, NULL, NULL,
                            NULL, NULL);
    if (!TEST_ptr(st) || !TEST_ptr_null(OSSL_STORE_load(st)) ||
        !TEST_true(pt_error_has("no PKCS#11 module configured")))
        goto err;
    ok = 1;
err:
    pt_errors();
    OSSL_STORE_close(st);
    OSSL_PROVIDER_unload(k);
    OSSL_PROVIDER_unload(d);
    OSSL_LIB_CTX_free(lc);
    if (saved != NULL)
        setenv("KEYWARD_PKCS11_MODULE", saved, 1);
    free(saved);
    return ok;
}

/* The URI's module-path= wins over the configuration. */
static int test_module_path_in_uri(void)
{
    char uri[768];
    EVP_PKEY *k;
    int ok;

    snprintf(uri, sizeof(uri), "%s?module-path=%s&pin-source=file:%s",
             tu_var("KW_RSA2048_URI"), tu_var("KW_MODULE"),
             tu_var("KW_PIN_FILE"));
    k = pt_load_key(uri, OSSL_STORE_INFO_PKEY);
    ok = TEST_ptr(k) && TEST_true(pt_is_keyward(k));
    pt_errors();
    EVP_PKEY_free(k);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    /* Order matters: the PIN-less and wrong-PIN cases come before any
     * login (the login lasts for the process). */
    ADD_TEST(test_pin_errors);
    ADD_TEST(test_pin_callback);
    ADD_TEST(test_errors);
    ADD_TEST(test_pin_not_in_errors);
    ADD_TEST(test_private_public_cert);
    ADD_TEST(test_list_token);
    ADD_TEST(test_twin_by_id);
    ADD_TEST(test_no_module);
    ADD_TEST(test_module_path_in_uri);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
