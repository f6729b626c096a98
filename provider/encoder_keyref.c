/* SPDX-License-Identifier: Apache-2.0 */
/* encoder_keyref.c: "writes" a token private key as a key-reference PEM
 * file (the URI, never the key): what PEM_write_bio_PrivateKey() and
 * `openssl genpkey`/`openssl pkey -out` produce for a keyward key. */
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "keyref.h"
#include "prov.h"

static OSSL_FUNC_encoder_newctx_fn kenc_newctx;
static OSSL_FUNC_encoder_freectx_fn kenc_freectx;
static OSSL_FUNC_encoder_does_selection_fn kenc_does_selection;
static OSSL_FUNC_encoder_encode_fn kenc_encode;

static void *kenc_newctx(void *provctx)
{
    return provctx;
}

static void kenc_freectx(void *vctx)
{
    (void)vctx;
}

static int kenc_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
}

static int kenc_encode(void *vctx, OSSL_CORE_BIO *cout, const void *obj_raw,
                       const OSSL_PARAM obj_abstract[], int selection,
                       OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg)
{
    prov_ctx *ctx = vctx;
    const prov_key *k = obj_raw;
    uint8_t *der = NULL;
    size_t len = 0;
    BIO *out;
    int ok = 0;

    (void)obj_abstract;
    (void)cb;
    (void)cbarg;
    if (k == NULL || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) == 0)
        return 0;
    if (k->priv == NULL || k->uri == NULL) {
        PROV_RAISE(ctx, KW_R_NO_PRIVATE_KEY,
                   "only a token private key can be written as a key "
                   "reference");
        return 0;
    }
    if (!keyref_der_encode(k->uri, &der, &len)) {
        PROV_RAISE(ctx, KW_R_BAD_ENCODING, "URI too long for a key reference");
        return 0;
    }
    if ((out = BIO_new_from_core_bio(ctx->libctx, cout)) != NULL)
        ok = PEM_write_bio(out, KEYREF_PEM_NAME, "", der, (long)len) > 0;
    BIO_free(out);
    free(der);
    return ok;
}

const OSSL_DISPATCH prov_keyref_encoder_functions[] = {
    {OSSL_FUNC_ENCODER_NEWCTX, (void (*)(void))kenc_newctx},
    {OSSL_FUNC_ENCODER_FREECTX, (void (*)(void))kenc_freectx},
    {OSSL_FUNC_ENCODER_DOES_SELECTION, (void (*)(void))kenc_does_selection},
    {OSSL_FUNC_ENCODER_ENCODE, (void (*)(void))kenc_encode},
    {0, NULL}};
