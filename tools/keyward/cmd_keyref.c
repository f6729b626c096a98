/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_keyref.c: `keyward keyref`, which writes a key-reference PEM file (the
 * pkcs11: URI of a token key, never the key) for programs that only know
 * key files. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include "cmds.h"
#include "keyref.h"
#include "keyward_provider.h"

static void usage(FILE *f)
{
    fputs(
        "Usage: keyward keyref [options] URI\n\n"
        "Writes a key-reference PEM file: a PEM block that carries the\n"
        "pkcs11: URI of a key in the token, not the key. With the keyward\n"
        "provider configured, programs that load key files (for example\n"
        "SSL_CTX_use_PrivateKey_file()) then use the token key. The format\n"
        "is the one pkcs11-provider uses, so files work with either.\n\n"
        "Options:\n"
        "  -o, --out FILE     write to FILE (default: standard output)\n"
        "  -c, --check        load the key through the provider first and\n"
        "                     fail unless the URI names one private key\n"
        "  -m, --module PATH  PKCS#11 module for --check (default:\n"
        "                     $KEYWARD_PKCS11_MODULE)\n"
        "  -h, --help         this text\n\n"
        "The URI must not contain pin-value: give the PIN in a file with\n"
        "pin-source=file:/path, or in openssl.cnf (pkcs11-module-token-pin).\n",
        f);
}

static void print_openssl_errors(void)
{
    unsigned long e;
    const char *data = NULL;
    int flags = 0;
    char buf[256];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        fprintf(stderr, "  %s%s%s\n", buf,
                (flags & ERR_TXT_STRING) && data != NULL ? ": " : "",
                (flags & ERR_TXT_STRING) && data != NULL ? data : "");
    }
}

/* Loads the URI as OpenSSL applications do (OSSL_STORE, keyward). */
static int check_uri(const char *uri)
{
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *dflt = NULL, *kw = NULL;
    OSSL_STORE_CTX *st = NULL;
    OSSL_STORE_INFO *info;
    int keys = 0, ok = 0;

    if (libctx == NULL ||
        !OSSL_PROVIDER_add_builtin(libctx, "keyward", keyward_provider_init) ||
        (dflt = OSSL_PROVIDER_load(libctx, "default")) == NULL ||
        (kw = OSSL_PROVIDER_load(libctx, "keyward")) == NULL)
        goto out;
    st = OSSL_STORE_open_ex(uri, libctx, "provider=keyward", NULL, NULL, NULL,
                            NULL, NULL);
    if (st == NULL || !OSSL_STORE_expect(st, OSSL_STORE_INFO_PKEY))
        goto out;
    while ((info = OSSL_STORE_load(st)) != NULL) {
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            keys++;
        OSSL_STORE_INFO_free(info);
    }
    ok = keys == 1 && ERR_peek_error() == 0;
out:
    if (!ok) {
        fprintf(stderr, "keyward keyref: %s does not name one private key\n",
                uri);
        print_openssl_errors();
    }
    OSSL_STORE_close(st);
    OSSL_PROVIDER_unload(kw);
    OSSL_PROVIDER_unload(dflt);
    OSSL_LIB_CTX_free(libctx);
    return ok;
}

static int write_keyref(const char *uri, const char *path)
{
    uint8_t *der = NULL;
    size_t len = 0;
    BIO *out = NULL;
    int fd = -1, ok = 0;

    if (!keyref_der_encode(uri, &der, &len))
        return kw_fail("the URI is too long for a key reference (%d bytes "
                       "at most)",
                       KEYREF_URI_MAX);
    if (path == NULL) {
        out = BIO_new_fp(stdout, BIO_NOCLOSE);
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            free(der);
            return kw_fail("%s: %s", path, strerror(errno));
        }
        out = BIO_new_fd(fd, BIO_CLOSE);
    }
    if (out != NULL)
        ok = PEM_write_bio(out, KEYREF_PEM_NAME, "", der, (long)len) > 0 &&
             BIO_flush(out) == 1;
    if (out == NULL && fd >= 0)
        close(fd);
    BIO_free(out);
    free(der);
    return ok ? KW_EXIT_OK : kw_fail("cannot write the key reference");
}

static int keyref_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'c'},
        {"module", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *uri;
    int c, check = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:cm:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'c':
            check = 1;
            break;
        case 'm':
            if (setenv("KEYWARD_PKCS11_MODULE", optarg, 1) != 0)
                return kw_fail("setenv: %s", strerror(errno));
            break;
        case 'h':
            usage(stdout);
            return KW_EXIT_OK;
        default:
            return kw_usage_error("keyref", "unknown option");
        }
    }
    if (optind != argc - 1)
        return kw_usage_error("keyref", "give exactly one pkcs11: URI");
    uri = argv[optind];
    if (strncmp(uri, "pkcs11:", 7) != 0)
        return kw_usage_error("keyref", "not a pkcs11: URI: %s", uri);
    if (strstr(uri, "pin-value=") != NULL)
        return kw_usage_error("keyref",
                              "the URI contains pin-value; a key reference "
                              "must not carry a PIN (use pin-source=)");
    if (check && !check_uri(uri))
        return KW_EXIT_FAIL;
    return write_keyref(uri, out);
}

const struct kw_cmd kw_cmd_keyref = {
    .name = "keyref",
    .summary = "write a key-reference PEM file for a token key",
    .run = keyref_run,
};
