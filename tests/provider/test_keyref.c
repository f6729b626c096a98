/* SPDX-License-Identifier: Apache-2.0 */
/* test_keyref.c: the key-reference PEM file: its DER, the decoder that
 * turns it into the token key (PEM_read_bio_PrivateKey,
 * SSL_CTX_use_PrivateKey_file), and the encoder that writes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "keyref.h"
#include "provtest.h"

static int test_der_roundtrip(void)
{
    const char *uri = "pkcs11:token=t;object=k%20x;type=private";
    uint8_t *der = NULL;
    size_t len = 0;
    char *back = NULL;
    int ok = TEST_true(keyref_der_encode(uri, &der, &len)) &&
             TEST_true(keyref_der_decode(der, len, &back)) &&
             TEST_str_eq(back, uri);

    free(der);
    free(back);
    return ok;
}

/* Everything but the exact structure is refused, without reading past
 * the input (the test runs under ASan). */
static int test_der_rejects(void)
{
    const char *uri = "pkcs11:object=k";
    uint8_t *der = NULL, *buf;
    size_t len = 0;
    char *out = NULL;
    int ok = 1;

    if (!TEST_true(keyref_der_encode(uri, &der, &len)))
        return 0;
    /* Every truncation. */
    for (size_t n = 0; n < len; n++) {
        buf = malloc(n ? n : 1);
        memcpy(buf, der, n);
        ok &= TEST_false(keyref_der_decode(buf, n, &out));
        free(buf);
    }
    /* Trailing data, wrong tags, wrong description, bad URIs. */
    buf = malloc(len + 1);
    memcpy(buf, der, len);
    buf[len] = 0;
    ok &= TEST_false(keyref_der_decode(buf, len + 1, &out));
    for (size_t i = 0; i < len; i++) {
        uint8_t save = buf[i];

        buf[i] ^= 0x01;
        /* Flipping a bit of the URI's tail keeps a valid file. */
        if (i < len - 8 && keyref_der_decode(buf, len, &out)) {
            fprintf(stderr, "  accepted with byte %zu changed\n", i);
            ok = 0;
            free(out);
            out = NULL;
        }
        buf[i] = save;
    }
    free(buf);
    ok &= TEST_false(keyref_der_encode("file:/etc/passwd", &buf, &len));
    {
        /* "pkcs11:" then a NUL inside the URI. */
        static const uint8_t nul[] = {
            0x30, 0x26, 0x1a, 0x19, 'P', 'K', 'C', 'S', '#',  '1',
            '1',  ' ',  'P',  'r',  'o', 'v', 'i', 'd', 'e',  'r',
            ' ',  'U',  'R',  'I',  ' ', 'v', '1', '.', '0',  0x0c,
            0x09, 'p',  'k',  'c',  's', '1', '1', ':', 0x00, 'x'};
        ok &= TEST_false(keyref_der_decode(nul, sizeof(nul), &out));
    }
    free(der);
    return ok;
}

/* The file as pkcs11-provider's own test helper writes it: long-form
 * lengths everywhere. */
static int test_der_long_form(void)
{
    const char *desc = KEYREF_DESC, *uri = "pkcs11:token=a;object=b";
    size_t dl = strlen(desc), ul = strlen(uri), n = 0;
    uint8_t buf[256];
    char *out = NULL;
    int ok;

    buf[n++] = 0x30;
    buf[n++] = 0x82;
    buf[n++] = (uint8_t)((dl + ul + 8) >> 8);
    buf[n++] = (uint8_t)(dl + ul + 8);
    buf[n++] = 0x1a;
    buf[n++] = 0x82;
    buf[n++] = 0;
    buf[n++] = (uint8_t)dl;
    memcpy(buf + n, desc, dl);
    n += dl;
    buf[n++] = 0x0c;
    buf[n++] = 0x82;
    buf[n++] = 0;
    buf[n++] = (uint8_t)ul;
    memcpy(buf + n, uri, ul);
    n += ul;
    ok = TEST_true(keyref_der_decode(buf, n, &out)) && TEST_str_eq(out, uri);
    free(out);
    return ok;
}

/* A key-reference file for a fixture key: written by the provider's
 * encoder (PEM_write_bio_PrivateKey on the token key). */
static char *write_ref(const char *uri_var, const char *name)
{
    EVP_PKEY *k = pt_load_key(pt_uri_pin(uri_var), OSSL_STORE_INFO_PKEY);
    char *path = malloc(256);
    FILE *f = NULL;
    bool ok;

    snprintf(path, 256, "%s/%s-%d.pem",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name, (int)getpid());
    ok = k != NULL && (f = fopen(path, "w")) != NULL &&
         PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    if (f != NULL)
        fclose(f);
    EVP_PKEY_free(k);
    if (!ok) {
        pt_errors();
        free(path);
        return NULL;
    }
    return path;
}

static int test_encoder_writes_reference(void)
{
    char *path = write_ref("KW_EC256_URI", "kwref-ec");
    char *name = NULL, *hdr = NULL, *uri = NULL;
    unsigned char *der = NULL;
    long len = 0;
    FILE *f = NULL;
    int ok = 0;

    if (!TEST_ptr(path) || !TEST_ptr(f = fopen(path, "r")) ||
        !TEST_int_eq(PEM_read(f, &name, &hdr, &der, &len), 1) ||
        !TEST_str_eq(name, KEYREF_PEM_NAME) ||
        !TEST_true(keyref_der_decode(der, (size_t)len, &uri)) ||
        !TEST_true(strstr(uri, "object=ec256") != NULL) ||
        !TEST_true(strstr(uri, "type=private") != NULL) ||
        !TEST_true(strstr(uri, "pin") == NULL))
        goto err;
    ok = 1;
err:
    if (f != NULL)
        fclose(f);
    if (path != NULL)
        unlink(path);
    free(path);
    free(uri);
    OPENSSL_free(name);
    OPENSSL_free(hdr);
    OPENSSL_free(der);
    return ok;
}

/* What an unmodified program does: read a key file, sign. The PIN comes
 * from the passphrase callback (the file carries no PIN). */
static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pin = tu_var("KW_PIN");
    int n = (int)strlen(pin);

    (void)rwflag;
    (void)u;
    if (n > size)
        return -1;
    memcpy(buf, pin, (size_t)n);
    return n;
}

static int test_decoder_reads_reference(void)
{
    static const char *const keys[] = {"KW_EC256_URI", "KW_RSA2048_URI",
                                       "KW_ED25519_URI"};
    int ok = 1;

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *path = write_ref(keys[i], "kwref");
        EVP_PKEY *k = NULL,
                 *tok = pt_load_key(pt_uri_pin(keys[i]), OSSL_STORE_INFO_PKEY);
        FILE *f = path ? fopen(path, "r") : NULL;
        uint8_t sig[512];
        size_t siglen = sizeof(sig);
        const char *md = i == 2 ? NULL : "SHA256";

        if (!TEST_ptr(f) ||
            !TEST_ptr(k = PEM_read_PrivateKey(f, NULL, pin_cb, NULL)) ||
            !TEST_true(pt_is_keyward(k)) ||
            !TEST_int_eq(EVP_PKEY_eq(k, tok), 1) ||
            !TEST_true(
                pt_sign(k, md, 0, 0, (const uint8_t *)"m", 1, sig, &siglen)) ||
            !TEST_true(pt_verify(tok, md, 0, 0, (const uint8_t *)"m", 1, sig,
                                 siglen))) {
            fprintf(stderr, "  key %s\n", keys[i]);
            ok = 0;
        }
        pt_errors();
        if (f != NULL)
            fclose(f);
        if (path != NULL)
            unlink(path);
        free(path);
        EVP_PKEY_free(k);
        EVP_PKEY_free(tok);
    }
    return ok;
}

/* libssl: the key file and the certificate belong together. */
static int test_ssl_ctx_use_key_file(void)
{
    char *path = write_ref("KW_EC256_URI", "kwref-ssl");
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    int ok = 0;

    if (!TEST_ptr(path) || !TEST_ptr(ctx))
        goto err;
    SSL_CTX_set_default_passwd_cb(ctx, pin_cb);
    if (!TEST_int_eq(SSL_CTX_use_certificate_file(ctx, tu_var("KW_EC256_CERT"),
                                                  SSL_FILETYPE_PEM),
                     1) ||
        !TEST_int_eq(SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM),
                     1) ||
        !TEST_int_eq(SSL_CTX_check_private_key(ctx), 1) ||
        !TEST_true(pt_is_keyward(SSL_CTX_get0_privatekey(ctx))))
        goto err;
    ok = 1;
err:
    pt_errors();
    SSL_CTX_free(ctx);
    if (path != NULL)
        unlink(path);
    free(path);
    return ok;
}

/* A reference to a key that is not there: a clear error, no key. */
static int test_reference_to_nothing(void)
{
    uint8_t *der = NULL;
    size_t len = 0;
    BIO *b = BIO_new(BIO_s_mem());
    EVP_PKEY *k = NULL;
    char uri[256];
    int ok = 0;

    snprintf(uri, sizeof(uri), "%s;object=gone;type=private",
             tu_var("KW_TOKEN_URI"));
    if (!TEST_ptr(b) || !TEST_true(keyref_der_encode(uri, &der, &len)) ||
        !TEST_true(PEM_write_bio(b, KEYREF_PEM_NAME, "", der, (long)len) > 0) ||
        !TEST_ptr_null(k = PEM_read_bio_PrivateKey(b, NULL, pin_cb, NULL)) ||
        !TEST_true(pt_error_has("object not found")))
        goto err;
    ok = 1;
err:
    free(der);
    BIO_free(b);
    EVP_PKEY_free(k);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;

    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_der_roundtrip);
    ADD_TEST(test_der_rejects);
    ADD_TEST(test_der_long_form);
    ADD_TEST(test_encoder_writes_reference);
    ADD_TEST(test_decoder_reads_reference);
    ADD_TEST(test_ssl_ctx_use_key_file);
    ADD_TEST(test_reference_to_nothing);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
