/* SPDX-License-Identifier: Apache-2.0 */
/* provtest.c: the keyward provider in-process over the SoftHSM fixture. */
#include "provtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

#include "keyward_provider.h"

static OSSL_PROVIDER *prov_default, *prov_keyward;

bool pt_init(const char *module_path)
{
    if (!tu_vars_load())
        return false;
    if (setenv("KEYWARD_PKCS11_MODULE",
               module_path != NULL ? module_path : tu_var("KW_MODULE"), 1) != 0)
        return false;
    if (!TEST_true(OSSL_PROVIDER_add_builtin(NULL, "keyward",
                                             keyward_provider_init)) ||
        !TEST_ptr(prov_default = OSSL_PROVIDER_load(NULL, "default")) ||
        !TEST_ptr(prov_keyward = OSSL_PROVIDER_load(NULL, "keyward"))) {
        pt_errors();
        return false;
    }
    return true;
}

void pt_fini(void)
{
    OSSL_PROVIDER_unload(prov_keyward);
    OSSL_PROVIDER_unload(prov_default);
    prov_keyward = prov_default = NULL;
}

const char *pt_uri_pin(const char *uri_var)
{
    static char buf[4][1024];
    static int next;
    const char *uri = tu_var(uri_var);
    char *b = buf[next++ % 4];

    snprintf(b, sizeof(buf[0]), "%s%cpin-source=file:%s", uri,
             strchr(uri, '?') ? '&' : '?', tu_var("KW_PIN_FILE"));
    return b;
}

EVP_PKEY *pt_load_key(const char *uri, int expect)
{
    OSSL_STORE_CTX *st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    OSSL_STORE_INFO *info;
    EVP_PKEY *pkey = NULL;

    if (st == NULL)
        return NULL;
    if (expect != 0 && !OSSL_STORE_expect(st, expect))
        goto out;
    while (pkey == NULL && (info = OSSL_STORE_load(st)) != NULL) {
        int t = OSSL_STORE_INFO_get_type(info);

        if (t == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        else if (t == OSSL_STORE_INFO_PUBKEY)
            pkey = OSSL_STORE_INFO_get1_PUBKEY(info);
        OSSL_STORE_INFO_free(info);
    }
out:
    OSSL_STORE_close(st);
    return pkey;
}

static EVP_PKEY *read_pem(const char *path, bool pub)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *pkey;

    if (f == NULL)
        return NULL;
    pkey =
        pub ? PEM_read_PUBKEY_ex(f, NULL, NULL, NULL, NULL, "provider=default")
            : PEM_read_PrivateKey_ex(f, NULL, NULL, NULL, NULL,
                                     "provider=default");
    fclose(f);
    return pkey;
}

EVP_PKEY *pt_file_pub(const char *path)
{
    return read_pem(path, true);
}

EVP_PKEY *pt_file_key(const char *path)
{
    return read_pem(path, false);
}

bool pt_is_keyward(const EVP_PKEY *pkey)
{
    const OSSL_PROVIDER *p = EVP_PKEY_get0_provider(pkey);

    return p != NULL && strcmp(OSSL_PROVIDER_get0_name(p), "keyward") == 0;
}

static bool set_padding(EVP_PKEY_CTX *pctx, int pad, int saltlen)
{
    if (pad == 0)
        return true;
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, pad) <= 0)
        return false;
    return pad != RSA_PKCS1_PSS_PADDING ||
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) > 0;
}

bool pt_sign(EVP_PKEY *key, const char *md, int pad, int saltlen,
             const uint8_t *msg, size_t msglen, uint8_t *sig, size_t *siglen)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok =
        mctx != NULL &&
        EVP_DigestSignInit_ex(mctx, &pctx, md, NULL, NULL, key, NULL) == 1 &&
        set_padding(pctx, pad, saltlen) &&
        EVP_DigestSign(mctx, sig, siglen, msg, msglen) == 1;

    EVP_MD_CTX_free(mctx);
    return ok;
}

static bool verify(EVP_PKEY *pub, const char *propq, const char *md, int pad,
                   int saltlen, const uint8_t *msg, size_t msglen,
                   const uint8_t *sig, size_t siglen)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok =
        mctx != NULL &&
        EVP_DigestVerifyInit_ex(mctx, &pctx, md, NULL, propq, pub, NULL) == 1 &&
        set_padding(pctx, pad, saltlen) &&
        EVP_DigestVerify(mctx, sig, siglen, msg, msglen) == 1;

    EVP_MD_CTX_free(mctx);
    return ok;
}

bool pt_verify_default(EVP_PKEY *pub, const char *md, int pad, int saltlen,
                       const uint8_t *msg, size_t msglen, const uint8_t *sig,
                       size_t siglen)
{
    return verify(pub, "provider=default", md, pad, saltlen, msg, msglen, sig,
                  siglen);
}

bool pt_verify(EVP_PKEY *key, const char *md, int pad, int saltlen,
               const uint8_t *msg, size_t msglen, const uint8_t *sig,
               size_t siglen)
{
    return verify(key, NULL, md, pad, saltlen, msg, msglen, sig, siglen);
}

bool pt_error_has(const char *text)
{
    unsigned long e;
    const char *data = NULL;
    int flags = 0;
    bool found = false;
    char buf[512];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        fprintf(stderr, "  openssl: %s%s%s\n", buf,
                (flags & ERR_TXT_STRING) ? ": " : "",
                (flags & ERR_TXT_STRING) ? data : "");
        if (strstr(buf, text) != NULL ||
            ((flags & ERR_TXT_STRING) && strstr(data, text) != NULL))
            found = true;
    }
    if (!found)
        fprintf(stderr, "  (no error mentioning \"%s\")\n", text);
    return found;
}

void pt_errors(void)
{
    ERR_print_errors_fp(stderr);
}

bool pt_token_lacks(const char *what)
{
    const char *lacks = tu_var_opt("KW_TOKEN_LACKS");
    size_t n = strlen(what);

    /* Whole words of the space-separated list only. */
    for (const char *p = lacks; p != NULL && (p = strstr(p, what)) != NULL;
         p += n)
        if ((p == lacks || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return true;
    return false;
}
