/* SPDX-License-Identifier: Apache-2.0 */
/* decoder_keyref.c: turns a key-reference PEM file into the token key it
 * names, so SSL_CTX_use_PrivateKey_file() and PEM_read_bio_PrivateKey() in
 * unmodified programs load the hardware key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/store.h>

#include "keyref.h"
#include "prov.h"

static OSSL_FUNC_decoder_freectx_fn kref_freectx;
static OSSL_FUNC_decoder_does_selection_fn kref_does_selection;
static OSSL_FUNC_decoder_export_object_fn kref_export_object;

struct kref {
    prov_ctx *ctx;
    const char *type; /* "EC", "RSA", "ED25519": the decoder's own name */
};

static OSSL_FUNC_decoder_newctx_fn kref_newctx_pem;

static void *kref_newctx_type(void *provctx, const char *type)
{
    struct kref *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return NULL;
    d->ctx = provctx;
    d->type = type;
    return d;
}

static void *kref_newctx_pem(void *provctx)
{
    return kref_newctx_type(provctx, NULL);
}

static void kref_freectx(void *vctx)
{
    free(vctx);
}

static int kref_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
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

/*
 * Two stages, as OpenSSL's own PEM decoding works: the "DER" decoder
 * (input=pem) turns the PEM block into its DER with the data structure
 * "pk11-uri"; the key decoders (input=der, structure=pk11-uri) resolve the
 * URI. The split matters for OpenSSL 3.0's file: store loader, which only
 * turns PEM into DER objects and decodes keys in a second pass.
 */
static int kref_pem_decode(void *vctx, OSSL_CORE_BIO *cin, int selection,
                           OSSL_CALLBACK *object_cb, void *object_cbarg,
                           OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct kref *d = vctx;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    BIO *in;
    int ok = 1;

    (void)selection;
    (void)pw_cb;
    (void)pw_cbarg;
    if ((in = BIO_new_from_core_bio(d->ctx->libctx, cin)) == NULL)
        return 0;
    /* Anything but our PEM block: not ours, let other decoders try. */
    ERR_set_mark();
    if (PEM_read_bio(in, &name, &header, &der, &len) == 1 &&
        strcmp(name, KEYREF_PEM_NAME) == 0) {
        OSSL_PARAM params[3];

        ERR_pop_to_mark();
        params[0] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA,
                                                      der, (size_t)len);
        params[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_OBJECT_PARAM_DATA_STRUCTURE, (char *)KEYREF_STRUCTURE, 0);
        params[2] = OSSL_PARAM_construct_end();
        ok = object_cb(params, object_cbarg);
    } else {
        ERR_pop_to_mark();
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(in);
    return ok;
}

static int kref_decode(struct kref *d, OSSL_CORE_BIO *cin, int selection,
                       OSSL_CALLBACK *object_cb, void *object_cbarg,
                       OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    struct filter_arg a = {d->type, object_cb, object_cbarg};
    uint8_t buf[KEYREF_URI_MAX + 16];
    size_t len = 0;
    char *uri = NULL;
    BIO *in;
    int expect, ok = 1;

    if ((in = BIO_new_from_core_bio(d->ctx->libctx, cin)) == NULL)
        return 0;
    if (!BIO_read_ex(in, buf, sizeof(buf), &len) ||
        !keyref_der_decode(buf, len, &uri))
        goto out; /* not a key reference: not ours */
    expect =
        (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 || selection == 0
            ? OSSL_STORE_INFO_PKEY
            : OSSL_STORE_INFO_PUBKEY;
    ok = prov_store_load_uri(d->ctx, uri, expect, pw_cb, pw_cbarg, filter_type,
                             &a);
out:
    free(uri);
    BIO_free(in);
    return ok;
}

const OSSL_DISPATCH prov_keyref_pem_decoder_functions[] = {
    {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))kref_newctx_pem},
    {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))kref_freectx},
    {OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))kref_does_selection},
    {OSSL_FUNC_DECODER_DECODE, (void (*)(void))kref_pem_decode},
    {0, NULL}};

/* OpenSSL 3.0 calls this (without checking it exists) when the key
 * management chosen for the object is another provider's. A token key
 * cannot be handed over; refusing makes the lookup fail cleanly. */
static int kref_export_object(void *vctx, const void *reference,
                              size_t reference_sz, OSSL_CALLBACK *cb,
                              void *cbarg)
{
    struct kref *d = vctx;

    (void)reference;
    (void)reference_sz;
    (void)cb;
    (void)cbarg;
    PROV_RAISE(d->ctx, KW_R_KEY_UNSUITABLE,
               "a token key cannot be handed to another provider's key "
               "management");
    return 0;
}

#define KREF_TYPE(lc, name)                                                    \
    static OSSL_FUNC_decoder_newctx_fn kref_newctx_##lc;                       \
    static OSSL_FUNC_decoder_decode_fn kref_decode_##lc;                       \
    static void *kref_newctx_##lc(void *provctx)                               \
    {                                                                          \
        return kref_newctx_type(provctx, name);                                \
    }                                                                          \
    static int kref_decode_##lc(                                               \
        void *vctx, OSSL_CORE_BIO *cin, int sel, OSSL_CALLBACK *cb,            \
        void *cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)          \
    {                                                                          \
        return kref_decode(vctx, cin, sel, cb, cbarg, pw_cb, pw_cbarg);        \
    }                                                                          \
    const OSSL_DISPATCH prov_##lc##_keyref_decoder_functions[] = {             \
        {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))kref_newctx_##lc},          \
        {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))kref_freectx},             \
        {OSSL_FUNC_DECODER_DOES_SELECTION,                                     \
         (void (*)(void))kref_does_selection},                                 \
        {OSSL_FUNC_DECODER_DECODE, (void (*)(void))kref_decode_##lc},          \
        {OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))kref_export_object}, \
        {0, NULL}}

KREF_TYPE(rsa, "RSA");
KREF_TYPE(ec, "EC");
KREF_TYPE(ed25519, "ED25519");
