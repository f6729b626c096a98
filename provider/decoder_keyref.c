/* SPDX-License-Identifier: Apache-2.0 */
/* decoder_keyref.c: turns a key-reference PEM file into the token key it
 * names, so SSL_CTX_use_PrivateKey_file() and PEM_read_bio_PrivateKey() in
 * unmodified programs load the hardware key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/store.h>

#include "keyref.h"
#include "prov.h"

static OSSL_FUNC_decoder_freectx_fn kref_freectx;
static OSSL_FUNC_decoder_does_selection_fn kref_does_selection;

struct kref {
    prov_ctx *ctx;
    const char *type; /* "EC", "RSA", "ED25519": the decoder's own name */
};

static void *kref_newctx_type(void *provctx, const char *type)
{
    struct kref *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    d->ctx = provctx;
    d->type = type;
    return d;
}

static void kref_freectx(void *vctx)
{
    free(vctx);
}

static int kref_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return selection == 0 ||
           (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
}

struct filter_arg {
    const char *type;
    OSSL_CALLBACK *cb;
    void *cbarg;
};

/* Only objects of this decoder's key type go on; others are not an error
 * (the decoder for their type takes them). */
static int filter_type(void *arg, const OSSL_PARAM params[])
{
    struct filter_arg *a = arg;
    const OSSL_PARAM *p =
        OSSL_PARAM_locate_const(params, OSSL_OBJECT_PARAM_DATA_TYPE);
    const char *t = NULL;

    if (p == NULL || !OSSL_PARAM_get_utf8_string_ptr(p, &t) ||
        strcmp(t, a->type) != 0)
        return 1;
    return a->cb(params, a->cbarg);
}

static int kref_decode(struct kref *d, OSSL_CORE_BIO *cin, int selection,
                       OSSL_CALLBACK *object_cb, void *object_cbarg,
                       OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct filter_arg a = {d->type, object_cb, object_cbarg};
    char *name = NULL, *header = NULL, *uri = NULL;
    unsigned char *der = NULL;
    long len = 0;
    BIO *in;
    int expect, ok = 1;

    if ((in = BIO_new_from_core_bio(d->ctx->libctx, cin)) == NULL)
        return 0;
    /* Anything but our PEM block: not ours, let other decoders try. */
    if (PEM_read_bio(in, &name, &header, &der, &len) != 1 ||
        strcmp(name, KEYREF_PEM_NAME) != 0)
        goto out;
    if (!keyref_der_decode(der, (size_t)len, &uri)) {
        PROV_RAISE(d->ctx, KW_R_BAD_ENCODING,
                   "a %s PEM block that does not hold a pkcs11: URI",
                   KEYREF_PEM_NAME);
        ok = 0;
        goto out;
    }
    expect = (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 ||
                     selection == 0
                 ? OSSL_STORE_INFO_PKEY
                 : OSSL_STORE_INFO_PUBKEY;
    ok = prov_store_load_uri(d->ctx, uri, expect, pw_cb, pw_cbarg,
                             filter_type, &a);
out:
    free(uri);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(in);
    return ok;
}

#define KREF_TYPE(lc, name)                                                    \
    static OSSL_FUNC_decoder_newctx_fn kref_newctx_##lc;                       \
    static OSSL_FUNC_decoder_decode_fn kref_decode_##lc;                       \
    static void *kref_newctx_##lc(void *provctx)                               \
    {                                                                          \
        return kref_newctx_type(provctx, name);                                \
    }                                                                          \
    static int kref_decode_##lc(void *vctx, OSSL_CORE_BIO *cin, int sel,       \
                                OSSL_CALLBACK *cb, void *cbarg,                \
                                OSSL_PASSPHRASE_CALLBACK *pw_cb,               \
                                void *pw_cbarg)                                \
    {                                                                          \
        return kref_decode(vctx, cin, sel, cb, cbarg, pw_cb, pw_cbarg);        \
    }                                                                          \
    const OSSL_DISPATCH prov_##lc##_keyref_decoder_functions[] = {             \
        {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))kref_newctx_##lc},          \
        {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))kref_freectx},             \
        {OSSL_FUNC_DECODER_DOES_SELECTION,                                     \
         (void (*)(void))kref_does_selection},                                 \
        {OSSL_FUNC_DECODER_DECODE, (void (*)(void))kref_decode_##lc},          \
        {0, NULL}}

KREF_TYPE(rsa, "RSA");
KREF_TYPE(ec, "EC");
KREF_TYPE(ed25519, "ED25519");
