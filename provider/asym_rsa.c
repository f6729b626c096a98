/* SPDX-License-Identifier: Apache-2.0 */
/* asym_rsa.c: RSA decryption (PKCS#1 v1.5, OAEP, and the TLS premaster
 * form) with the private key in the token; encryption in software. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "prov.h"

static OSSL_FUNC_asym_cipher_newctx_fn rsad_newctx;
static OSSL_FUNC_asym_cipher_freectx_fn rsad_freectx;
static OSSL_FUNC_asym_cipher_dupctx_fn rsad_dupctx;
static OSSL_FUNC_asym_cipher_encrypt_init_fn rsad_encrypt_init;
static OSSL_FUNC_asym_cipher_encrypt_fn rsad_encrypt;
static OSSL_FUNC_asym_cipher_decrypt_init_fn rsad_decrypt_init;
static OSSL_FUNC_asym_cipher_decrypt_fn rsad_decrypt;
static OSSL_FUNC_asym_cipher_get_ctx_params_fn rsad_get_ctx_params;
static OSSL_FUNC_asym_cipher_gettable_ctx_params_fn rsad_gettable_ctx_params;
static OSSL_FUNC_asym_cipher_set_ctx_params_fn rsad_set_ctx_params;
static OSSL_FUNC_asym_cipher_settable_ctx_params_fn rsad_settable_ctx_params;

struct rsad {
    prov_ctx *ctx;
    prov_key *key;
    int operation;
    int pad;
    EVP_MD *oaep_md, *mgf1_md;
    uint8_t *label;
    size_t label_len;
    unsigned int client_version, negotiated_version; /* TLS premaster */
};

static void *rsad_newctx(void *provctx)
{
    struct rsad *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->ctx = provctx;
    c->pad = RSA_PKCS1_PADDING;
    return c;
}

static void rsad_freectx(void *vctx)
{
    struct rsad *c = vctx;

    if (c == NULL)
        return;
    prov_key_free(c->key);
    EVP_MD_free(c->oaep_md);
    EVP_MD_free(c->mgf1_md);
    free(c->label);
    PROV_CLEAR_FREE(c);
}

static void *rsad_dupctx(void *vctx)
{
    struct rsad *src = vctx, *c = malloc(sizeof(*c));

    if (c == NULL)
        return NULL;
    *c = *src;
    c->key = NULL;
    c->oaep_md = c->mgf1_md = NULL;
    c->label = NULL;
    if (src->key != NULL) {
        prov_key_up_ref(src->key);
        c->key = src->key;
    }
    if ((src->oaep_md != NULL && !EVP_MD_up_ref(src->oaep_md)) ||
        (src->mgf1_md != NULL && !EVP_MD_up_ref(src->mgf1_md)))
        goto err;
    c->oaep_md = src->oaep_md;
    c->mgf1_md = src->mgf1_md;
    if (src->label != NULL) {
        if ((c->label = malloc(src->label_len)) == NULL)
            goto err;
        memcpy(c->label, src->label, src->label_len);
    }
    return c;
err:
    rsad_freectx(c);
    return NULL;
}

static int rsad_init(struct rsad *c, void *keydata, const OSSL_PARAM params[],
                     int operation)
{
    prov_key *k = keydata;

    if (k == NULL || k->type != PROV_KEY_RSA) {
        PROV_RAISE(c->ctx, KW_R_KEY_UNSUITABLE,
                   "RSA encryption needs an RSA key");
        return 0;
    }
    if (operation == EVP_PKEY_OP_DECRYPT &&
        !prov_key_check_private(k, HSM_USE_DECRYPT, "RSA decryption"))
        return 0;
    prov_key_up_ref(k);
    prov_key_free(c->key);
    c->key = k;
    c->operation = operation;
    return rsad_set_ctx_params(c, params);
}

static int rsad_encrypt_init(void *vctx, void *keydata,
                             const OSSL_PARAM params[])
{
    return rsad_init(vctx, keydata, params, EVP_PKEY_OP_ENCRYPT);
}

static int rsad_decrypt_init(void *vctx, void *keydata,
                             const OSSL_PARAM params[])
{
    return rsad_init(vctx, keydata, params, EVP_PKEY_OP_DECRYPT);
}

/* Encryption is a public operation: software, on the cached public half. */
static int rsad_encrypt(void *vctx, unsigned char *out, size_t *outlen,
                        size_t outsize, const unsigned char *in, size_t inlen)
{
    struct rsad *c = vctx;
    EVP_PKEY *pkey = prov_key_get0_sw(c->key);
    EVP_PKEY_CTX *ectx = NULL;
    int ok = 0;

    if (pkey == NULL)
        return 0;
    if (out == NULL) {
        *outlen = (size_t)c->key->max_size;
        return 1;
    }
    prov_child_enter();
    ectx = EVP_PKEY_CTX_new_from_pkey(c->ctx->libctx, pkey, NULL);
    if (ectx == NULL || EVP_PKEY_encrypt_init(ectx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ectx, c->pad) <= 0 ||
        (c->pad == RSA_PKCS1_OAEP_PADDING &&
         ((c->oaep_md != NULL &&
           EVP_PKEY_CTX_set_rsa_oaep_md(ectx, c->oaep_md) <= 0) ||
          (c->mgf1_md != NULL &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ectx, c->mgf1_md) <= 0))))
        goto out;
    if (c->pad == RSA_PKCS1_OAEP_PADDING && c->label != NULL) {
        unsigned char *label = OPENSSL_memdup(c->label, c->label_len);

        if (label == NULL || EVP_PKEY_CTX_set0_rsa_oaep_label(
                                 ectx, label, (int)c->label_len) <= 0) {
            OPENSSL_free(label);
            goto out;
        }
    }
    *outlen = outsize;
    ok = EVP_PKEY_encrypt(ectx, out, outlen, in, inlen) > 0;
out:
    EVP_PKEY_CTX_free(ectx);
    prov_child_leave();
    if (!ok)
        PROV_RAISE(c->ctx, KW_R_OPERATION_FAILED, "RSA encryption");
    return ok;
}

/*
 * RSA_PKCS1_WITH_TLS_PADDING: the TLS 1.2 premaster secret. A decryption
 * failure or a wrong length or version yields 48 random bytes instead of an
 * error, as RFC 5246 section 7.4.7.1 requires, so a padding oracle learns
 * nothing from the outcome here.
 */
static int tls_premaster(struct rsad *c, const uint8_t *dec, size_t declen,
                         bool ok, unsigned char *out, size_t *outlen,
                         size_t outsize)
{
    uint8_t rnd[48];
    bool good;

    if (outsize < 48 || RAND_bytes_ex(c->ctx->libctx, rnd, 48, 0) != 1) {
        PROV_RAISE(c->ctx, KW_R_OPERATION_FAILED, "TLS premaster secret");
        return 0;
    }
    good = ok && declen == 48 && dec[0] == (c->client_version >> 8) &&
           dec[1] == (c->client_version & 0xff);
    for (size_t i = 0; i < 48; i++)
        out[i] = good ? dec[i] : rnd[i];
    OPENSSL_cleanse(rnd, sizeof(rnd));
    *outlen = 48;
    return 1;
}

static int rsad_decrypt(void *vctx, unsigned char *out, size_t *outlen,
                        size_t outsize, const unsigned char *in, size_t inlen)
{
    struct rsad *c = vctx;
    struct hsm_mech mech = {.type = CKM_RSA_PKCS};
    size_t k = (size_t)c->key->max_size, len = k;
    uint8_t *buf = NULL;
    const char *what = "RSA PKCS#1 v1.5 decryption";
    CK_RV rv;
    int ok = 0;

    if (out == NULL) {
        *outlen = c->pad == RSA_PKCS1_WITH_TLS_PADDING ? 48 : k;
        return 1;
    }
    switch (c->pad) {
    case RSA_PKCS1_PADDING:
    case RSA_PKCS1_WITH_TLS_PADDING:
        if (!prov_cap_check(c->ctx, c->key->pt, PROV_CAP_RSA_PKCS, what))
            return 0;
        break;
    case RSA_PKCS1_OAEP_PADDING:
        what = "RSA-OAEP decryption";
        if (!prov_cap_check(c->ctx, c->key->pt, PROV_CAP_RSA_OAEP, what))
            return 0;
        mech.type = CKM_RSA_PKCS_OAEP;
        mech.p.oaep.hash =
            c->oaep_md != NULL ? prov_md_mech(c->oaep_md) : CKM_SHA_1;
        mech.p.oaep.mgf = prov_md_mgf(c->mgf1_md != NULL   ? c->mgf1_md
                                      : c->oaep_md != NULL ? c->oaep_md
                                                           : NULL);
        if (mech.p.oaep.mgf == 0)
            mech.p.oaep.mgf = CKG_MGF1_SHA1;
        mech.p.oaep.label = c->label;
        mech.p.oaep.label_len = c->label_len;
        break;
    case RSA_NO_PADDING:
        what = "raw RSA decryption";
        if (!prov_cap_check(c->ctx, c->key->pt, PROV_CAP_RSA_X509, what))
            return 0;
        mech.type = CKM_RSA_X_509;
        break;
    default:
        PROV_RAISE(c->ctx, KW_R_INVALID_PARAM, "RSA padding mode %d", c->pad);
        return 0;
    }
    if ((buf = OPENSSL_secure_malloc(k)) == NULL)
        return 0;
    ERR_set_mark();
    rv = hsm_decrypt(c->key->priv, &mech, in, inlen, buf, &len);
    ERR_pop_to_mark();
    if (c->pad == RSA_PKCS1_WITH_TLS_PADDING) {
        ok = tls_premaster(c, buf, len, rv == CKR_OK, out, outlen, outsize);
        goto out;
    }
    if (rv != CKR_OK) {
        if (mech.type == CKM_RSA_PKCS_OAEP &&
            (rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD))
            PROV_RAISE(c->ctx, KW_R_MECH_UNSUPPORTED,
                       "%s with %s is not supported by this token (%s)", what,
                       c->oaep_md != NULL ? EVP_MD_get0_name(c->oaep_md)
                                          : "SHA1",
                       hsm_rv_name(rv));
        else
            PROV_RAISE_RV(c->ctx, rv, "%s with key '%s'", what,
                          hsm_key_get0_label(c->key->priv));
        goto out;
    }
    if (len > outsize) {
        PROV_RAISE(c->ctx, KW_R_BUFFER_TOO_SMALL,
                   "plaintext of %zu bytes, buffer of %zu", len, outsize);
        goto out;
    }
    memcpy(out, buf, len);
    *outlen = len;
    ok = 1;
out:
    OPENSSL_secure_clear_free(buf, k);
    return ok;
}

static int rsad_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct rsad *c = vctx;
    OSSL_PARAM *p;

    if ((p = OSSL_PARAM_locate(params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE)) !=
            NULL &&
        p->data_type == OSSL_PARAM_INTEGER && !OSSL_PARAM_set_int(p, c->pad))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST)) !=
            NULL &&
        !OSSL_PARAM_set_utf8_string(
            p, c->oaep_md != NULL ? EVP_MD_get0_name(c->oaep_md) : "SHA1"))
        return 0;
    return 1;
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_int(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL),
    OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *rsad_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gettable;
}

static int set_md(struct rsad *c, const OSSL_PARAM *p, EVP_MD **slot)
{
    const char *name = NULL;
    EVP_MD *md;

    if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) ||
        (md = prov_md_fetch(c->ctx, name)) == NULL)
        return 0;
    EVP_MD_free(*slot);
    *slot = md;
    return 1;
}

static int set_pad(struct rsad *c, const OSSL_PARAM *p)
{
    static const struct {
        int mode;
        const char *name;
    } names[] = {{RSA_PKCS1_PADDING, OSSL_PKEY_RSA_PAD_MODE_PKCSV15},
                 {RSA_PKCS1_OAEP_PADDING, OSSL_PKEY_RSA_PAD_MODE_OAEP},
                 {RSA_NO_PADDING, OSSL_PKEY_RSA_PAD_MODE_NONE}};
    int mode = -1;

    if (p->data_type == OSSL_PARAM_INTEGER) {
        if (!OSSL_PARAM_get_int(p, &mode))
            return 0;
    } else {
        const char *name = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
            return 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcasecmp(name, names[i].name) == 0)
                mode = names[i].mode;
    }
    if (mode != RSA_PKCS1_PADDING && mode != RSA_PKCS1_OAEP_PADDING &&
        mode != RSA_NO_PADDING && mode != RSA_PKCS1_WITH_TLS_PADDING) {
        PROV_RAISE(c->ctx, KW_R_INVALID_PARAM,
                   "RSA padding mode %d: keyward decrypts pkcs1, oaep or "
                   "none",
                   mode);
        return 0;
    }
    c->pad = mode;
    return 1;
}

static int rsad_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct rsad *c = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_PAD_MODE)) != NULL &&
        !set_pad(c, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST)) != NULL &&
        !set_md(c, p, &c->oaep_md))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST)) != NULL &&
        !set_md(c, p, &c->mgf1_md))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL)) != NULL) {
        void *label = NULL;
        size_t len = 0;

        if (!OSSL_PARAM_get_octet_string(p, &label, 0, &len))
            return 0;
        free(c->label);
        c->label = label;
        c->label_len = len;
    }
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION)) != NULL &&
        !OSSL_PARAM_get_uint(p, &c->client_version))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION)) != NULL &&
        !OSSL_PARAM_get_uint(p, &c->negotiated_version))
        return 0;
    return 1;
}

static const OSSL_PARAM settable[] = {
    OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, NULL, 0),
    OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_CLIENT_VERSION, NULL),
    OSSL_PARAM_uint(OSSL_ASYM_CIPHER_PARAM_TLS_NEGOTIATED_VERSION, NULL),
    OSSL_PARAM_END};

static const OSSL_PARAM *rsad_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return settable;
}

const OSSL_DISPATCH prov_rsa_asym_cipher_functions[] = {
    {OSSL_FUNC_ASYM_CIPHER_NEWCTX, (void (*)(void))rsad_newctx},
    {OSSL_FUNC_ASYM_CIPHER_FREECTX, (void (*)(void))rsad_freectx},
    {OSSL_FUNC_ASYM_CIPHER_DUPCTX, (void (*)(void))rsad_dupctx},
    {OSSL_FUNC_ASYM_CIPHER_ENCRYPT_INIT, (void (*)(void))rsad_encrypt_init},
    {OSSL_FUNC_ASYM_CIPHER_ENCRYPT, (void (*)(void))rsad_encrypt},
    {OSSL_FUNC_ASYM_CIPHER_DECRYPT_INIT, (void (*)(void))rsad_decrypt_init},
    {OSSL_FUNC_ASYM_CIPHER_DECRYPT, (void (*)(void))rsad_decrypt},
    {OSSL_FUNC_ASYM_CIPHER_GET_CTX_PARAMS, (void (*)(void))rsad_get_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_GETTABLE_CTX_PARAMS,
     (void (*)(void))rsad_gettable_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_SET_CTX_PARAMS, (void (*)(void))rsad_set_ctx_params},
    {OSSL_FUNC_ASYM_CIPHER_SETTABLE_CTX_PARAMS,
     (void (*)(void))rsad_settable_ctx_params},
    {0, NULL}};
