/* SPDX-License-Identifier: Apache-2.0 */
/* cipher_aes.c: AES-CTR and AES-CBC (with or without PKCS#7 padding) as
 * EVP_CIPHERs "KEYWARD-AES-{128,192,256}-{CTR,CBC}", the key a token secret
 * key named by URI, data streamed through the token. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "prov.h"

#define AES_BLOCK 16

/*
 * OpenSSL's parameters (padding, ivlen, keylen, iv) plus PROV_PARAM_KEY_URI.
 * The 16-byte IV is CBC's IV or CTR's whole 128-bit big-endian counter
 * block, as OpenSSL's own AES-CTR takes it. Each message starts from the
 * IV given to EVP_CipherInit_ex2: after EVP_CipherFinal_ex a new one is
 * needed (the token keeps the chaining state, and a counter must never
 * run twice).
 */
struct aes {
    prov_ctx *ctx;
    const struct prov_cipher_info *ci;
    struct prov_secret key;
    int enc; /* -1 before the first init */
    uint8_t iv[AES_BLOCK];
    bool iv_known, iv_fresh;
    unsigned int padding; /* CBC only */
    hsm_op *op;
    bool failed;
};

static OSSL_FUNC_cipher_freectx_fn aes_freectx;
static OSSL_FUNC_cipher_dupctx_fn aes_dupctx;
static OSSL_FUNC_cipher_encrypt_init_fn aes_einit;
static OSSL_FUNC_cipher_decrypt_init_fn aes_dinit;
static OSSL_FUNC_cipher_update_fn aes_update;
static OSSL_FUNC_cipher_final_fn aes_final;
static OSSL_FUNC_cipher_cipher_fn aes_cipher;
static OSSL_FUNC_cipher_get_ctx_params_fn aes_get_ctx_params;
static OSSL_FUNC_cipher_set_ctx_params_fn aes_set_ctx_params;
static OSSL_FUNC_cipher_gettable_ctx_params_fn aes_gettable_ctx_params;
static OSSL_FUNC_cipher_settable_ctx_params_fn aes_settable_ctx_params;
static OSSL_FUNC_cipher_gettable_params_fn aes_gettable_params;

static void *aes_newctx(void *provctx, const struct prov_cipher_info *ci)
{
    struct aes *a = calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->ctx = provctx;
    a->ci = ci;
    a->enc = -1;
    a->padding = 1;
    return a;
}

static void aes_freectx(void *vctx)
{
    struct aes *a = vctx;

    if (a == NULL)
        return;
    hsm_op_free(a->op);
    prov_secret_clear(&a->key);
    PROV_CLEAR_FREE(a);
}

static void *aes_dupctx(void *vctx)
{
    struct aes *src = vctx, *a;

    if (src->op != NULL) {
        PROV_RAISE(src->ctx, KW_R_OUT_OF_ORDER,
                   "%s: a context with a token operation in flight cannot "
                   "be copied",
                   src->ci->name);
        return NULL;
    }
    if ((a = malloc(sizeof(*a))) == NULL)
        return NULL;
    *a = *src;
    prov_secret_copy(&a->key, &src->key);
    return a;
}

static bool is_cbc(const struct aes *a)
{
    return a->ci->mode == EVP_CIPH_CBC_MODE;
}

/* What the message needs from the token. With padding, decryption has its
 * own capability: tpm2-pkcs11 1.9.0 lists AES-CBC-PAD decryption but fails
 * it, and hsm/ takes the flag away, so the refusal comes from here. */
static enum prov_cap aes_cap(const struct aes *a)
{
    if (!is_cbc(a))
        return PROV_CAP_AES_CTR;
    if (!a->padding)
        return PROV_CAP_AES_CBC;
    return a->enc == 0 ? PROV_CAP_AES_CBC_PAD_DEC : PROV_CAP_AES_CBC_PAD;
}

/* At init or when the key arrives. CTR's needs are known now. CBC's depend
 * on the padding, which applications often set after init
 * (EVP_CIPHER_CTX_set_padding): its capability is checked when the data
 * comes (aes_ready), still before any token call; the key's usage now. */
static int aes_check_key(struct aes *a)
{
    if (!is_cbc(a))
        return prov_cipher_check_key(a->ctx, &a->key, aes_cap(a), a->enc,
                                     a->ci->name);
    return a->key.key == NULL || a->enc < 0 ||
           prov_cipher_check_usage(a->ctx, &a->key, a->enc == 1, a->ci->name);
}

static int aes_init(struct aes *a, const unsigned char *key,
                    const unsigned char *iv, size_t ivlen,
                    const OSSL_PARAM params[], int enc)
{
    if (!prov_no_raw_key(a->ctx, key, a->ci->name))
        return 0;
    hsm_op_free(a->op);
    a->op = NULL;
    a->failed = false;
    a->enc = enc;
    if (iv != NULL) {
        if (ivlen != AES_BLOCK) {
            PROV_RAISE(a->ctx, KW_R_BAD_LENGTH,
                       "%s: IV of %zu bytes; it takes %d", a->ci->name, ivlen,
                       AES_BLOCK);
            return 0;
        }
        memcpy(a->iv, iv, AES_BLOCK);
        a->iv_known = a->iv_fresh = true;
    }
    return aes_set_ctx_params(a, params) && aes_check_key(a);
}

static int aes_einit(void *vctx, const unsigned char *key, size_t keylen,
                     const unsigned char *iv, size_t ivlen,
                     const OSSL_PARAM params[])
{
    (void)keylen;
    return aes_init(vctx, key, iv, ivlen, params, 1);
}

static int aes_dinit(void *vctx, const unsigned char *key, size_t keylen,
                     const unsigned char *iv, size_t ivlen,
                     const OSSL_PARAM params[])
{
    (void)keylen;
    return aes_init(vctx, key, iv, ivlen, params, 0);
}

#ifdef PROV_HAVE_SKEY
/* OpenSSL 3.5's EVP_CipherInit_SKEY with a keyward EVP_SKEY: untested here
 * (skeymgmt_secret.c). */
static OSSL_FUNC_cipher_encrypt_skey_init_fn aes_einit_skey;
static OSSL_FUNC_cipher_decrypt_skey_init_fn aes_dinit_skey;

static int aes_skey_init(struct aes *a, void *skeydata,
                         const unsigned char *iv, size_t ivlen,
                         const OSSL_PARAM params[], int enc)
{
    struct prov_secret_need need = prov_cipher_need(a->ci);

    hsm_op_free(a->op);
    a->op = NULL;
    if (!prov_skey_get_secret(a->ctx, skeydata, &a->key, &need))
        return 0;
    return aes_init(a, NULL, iv, ivlen, params, enc);
}

static int aes_einit_skey(void *vctx, void *skeydata, const unsigned char *iv,
                          size_t ivlen, const OSSL_PARAM params[])
{
    return aes_skey_init(vctx, skeydata, iv, ivlen, params, 1);
}

static int aes_dinit_skey(void *vctx, void *skeydata, const unsigned char *iv,
                          size_t ivlen, const OSSL_PARAM params[])
{
    return aes_skey_init(vctx, skeydata, iv, ivlen, params, 0);
}
#endif

static int aes_ready(struct aes *a)
{
    if (!prov_secret_ready(a->ctx, &a->key, aes_cap(a), a->ci->name))
        return 0;
    if (a->enc < 0) {
        PROV_RAISE(a->ctx, KW_R_OUT_OF_ORDER, "%s: not initialised",
                   a->ci->name);
        return 0;
    }
    if (!prov_cipher_check_usage(a->ctx, &a->key, a->enc == 1, a->ci->name))
        return 0;
    if (a->failed) {
        PROV_RAISE(a->ctx, KW_R_OUT_OF_ORDER,
                   "%s: the message failed; start again with "
                   "EVP_CipherInit_ex2 and an IV",
                   a->ci->name);
        return 0;
    }
    if (a->op == NULL && !a->iv_fresh) {
        PROV_RAISE(a->ctx, KW_R_OUT_OF_ORDER,
                   "%s: no IV for this message; give one in "
                   "EVP_CipherInit_ex2 (each message starts from its own)",
                   a->ci->name);
        return 0;
    }
    return 1;
}

/* What a failing CK_RV means for this mode, in words a user can act on. */
static void aes_raise(struct aes *a, CK_RV rv)
{
    const char *what = a->enc == 1 ? "encryption" : "decryption";

    a->failed = true;
    hsm_op_free(a->op);
    a->op = NULL;
    if (is_cbc(a) && !a->padding &&
        (rv == CKR_DATA_LEN_RANGE || rv == CKR_ENCRYPTED_DATA_LEN_RANGE)) {
        PROV_RAISE(a->ctx, KW_R_BAD_LENGTH,
                   "%s %s: the data is not a whole number of %d-byte blocks "
                   "(padding is off)",
                   a->ci->name, what, AES_BLOCK);
    } else if (is_cbc(a) && a->enc == 0 &&
               (rv == CKR_ENCRYPTED_DATA_LEN_RANGE)) {
        PROV_RAISE(a->ctx, KW_R_DECRYPT_FAILED,
                   "%s decryption: the ciphertext is not a whole number of "
                   "%d-byte blocks",
                   a->ci->name, AES_BLOCK);
    } else if (is_cbc(a) && a->padding && a->enc == 0 &&
               (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_GENERAL_ERROR ||
                rv == CKR_FUNCTION_FAILED)) {
        /* SoftHSM reports a bad pad as a general error. */
        PROV_RAISE(a->ctx, KW_R_DECRYPT_FAILED,
                   "%s decryption with key '%s': bad padding (wrong key or "
                   "IV, or damaged ciphertext)",
                   a->ci->name, prov_secret_label(&a->key));
    } else if (!is_cbc(a) && rv == CKR_DATA_LEN_RANGE) {
        PROV_RAISE(a->ctx, KW_R_BAD_LENGTH,
                   "%s %s: the 128-bit counter would wrap around (the token "
                   "refuses); use another initial counter block",
                   a->ci->name, what);
    } else {
        PROV_RAISE_RV(a->ctx, rv, "%s %s with key '%s'", a->ci->name, what,
                      prov_secret_label(&a->key));
    }
}

static int aes_start(struct aes *a)
{
    struct hsm_mech m;
    CK_RV rv;

    memset(&m, 0, sizeof(m));
    if (is_cbc(a)) {
        m.type = a->padding ? CKM_AES_CBC_PAD : CKM_AES_CBC;
        memcpy(m.p.cbc.iv, a->iv, AES_BLOCK);
    } else {
        m.type = CKM_AES_CTR;
        memcpy(m.p.ctr.cb, a->iv, AES_BLOCK);
        m.p.ctr.counter_bits = 128;
    }
    ERR_set_mark();
    rv = hsm_op_start(a->key.key, &m,
                      a->enc == 1 ? HSM_OP_ENCRYPT : HSM_OP_DECRYPT, &a->op);
    ERR_pop_to_mark();
    a->iv_fresh = false;
    if (rv != CKR_OK) {
        aes_raise(a, rv);
        return 0;
    }
    return 1;
}

static int aes_update(void *vctx, unsigned char *out, size_t *outl,
                      size_t outsize, const unsigned char *in, size_t inl)
{
    struct aes *a = vctx;
    size_t n = outsize;
    CK_RV rv;

    *outl = 0;
    if (!aes_ready(a))
        return 0;
    if (inl == 0)
        return 1;
    if (in == NULL || out == NULL) {
        PROV_RAISE(a->ctx, KW_R_OUT_OF_ORDER, "%s takes no AAD", a->ci->name);
        return 0;
    }
    /* tpm2-pkcs11 1.9.0 does AES-CTR in whole blocks only (hsm/): say so
     * before the token holds bytes back or refuses the end. */
    if (!is_cbc(a) && inl % AES_BLOCK != 0 &&
        (hsm_token_quirks(a->key.pt->tok) & HSM_QUIRK_CTR_WHOLE_BLOCKS)) {
        PROV_RAISE(a->ctx, KW_R_BAD_LENGTH,
                   "%s: token '%s' does AES-CTR in whole %d-byte blocks only "
                   "(tpm2-pkcs11); this part has %zu bytes",
                   a->ci->name, hsm_token_get0_info(a->key.pt->tok)->label,
                   AES_BLOCK, inl);
        return 0;
    }
    if (a->op == NULL && !aes_start(a))
        return 0;
    ERR_set_mark();
    rv = hsm_op_update(a->op, in, inl, out, &n);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        aes_raise(a, rv);
        return 0;
    }
    *outl = n;
    return 1;
}

static int aes_final(void *vctx, unsigned char *out, size_t *outl,
                     size_t outsize)
{
    struct aes *a = vctx;
    size_t n = outsize;
    CK_RV rv;

    *outl = 0;
    if (!aes_ready(a))
        return 0;
    if (a->op == NULL && !aes_start(a))
        return 0;
    ERR_set_mark();
    rv = hsm_op_final(a->op, out, &n);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        aes_raise(a, rv);
        return 0;
    }
    hsm_op_free(a->op);
    a->op = NULL;
    *outl = n;
    return 1;
}

/* EVP_Cipher(): data in, data out; in NULL ends the message. */
static int aes_cipher(void *vctx, unsigned char *out, size_t *outl,
                      size_t outsize, const unsigned char *in, size_t inl)
{
    if (in == NULL)
        return aes_final(vctx, out, outl, outsize);
    return aes_update(vctx, out, outl, outsize, in, inl);
}

static int aes_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct aes *a = vctx;
    struct prov_secret_need need = prov_cipher_need(a->ci);
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if (OSSL_PARAM_locate_const(params, PROV_PARAM_KEY_URI) != NULL) {
        hsm_op_free(a->op);
        a->op = NULL;
        if (!prov_secret_set_params(a->ctx, &a->key, params, &need) ||
            !aes_check_key(a))
            return 0;
    }
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_PADDING)) !=
        NULL) {
        unsigned int pad;

        if (!OSSL_PARAM_get_uint(p, &pad))
            return 0;
        if (a->op != NULL && is_cbc(a) && (pad != 0) != (a->padding != 0)) {
            PROV_RAISE(a->ctx, KW_R_OUT_OF_ORDER,
                       "%s: padding cannot change within a message",
                       a->ci->name);
            return 0;
        }
        a->padding = pad != 0;
    }
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_IVLEN)) !=
        NULL) {
        size_t sz;

        if (!OSSL_PARAM_get_size_t(p, &sz))
            return 0;
        if (sz != AES_BLOCK) {
            PROV_RAISE(a->ctx, KW_R_BAD_LENGTH,
                       "%s: IV length %zu; it takes %d", a->ci->name, sz,
                       AES_BLOCK);
            return 0;
        }
    }
    return 1;
}

static int aes_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct aes *a = vctx;
    OSSL_PARAM *p;

    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, AES_BLOCK))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, a->ci->keybits / 8))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_PADDING)) != NULL &&
        !OSSL_PARAM_set_uint(p, a->padding))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV)) != NULL &&
        (!a->iv_known || !OSSL_PARAM_set_octet_string(p, a->iv, AES_BLOCK)))
        return 0;
    return 1;
}

static const OSSL_PARAM aes_known_gettable_ctx[] = {
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
    OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *aes_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return aes_known_gettable_ctx;
}

static const OSSL_PARAM aes_known_settable_ctx[] = {
    OSSL_PARAM_utf8_string(PROV_PARAM_KEY_URI, NULL, 0),
    OSSL_PARAM_uint(OSSL_CIPHER_PARAM_PADDING, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL), OSSL_PARAM_END};

static const OSSL_PARAM *aes_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return aes_known_settable_ctx;
}

static const OSSL_PARAM *aes_gettable_params(void *provctx)
{
    (void)provctx;
    return prov_cipher_gettable_params();
}

#define AES_DISPATCH(bits, lmode, UMODE, blockbits)                            \
    static const struct prov_cipher_info lmode##bits##_info = {                \
        "KEYWARD-AES-" #bits "-" #UMODE,                                       \
        EVP_CIPH_##UMODE##_MODE,                                               \
        bits,                                                                  \
        blockbits,                                                             \
        128,                                                                   \
        false,                                                                 \
        false};                                                                \
    static OSSL_FUNC_cipher_newctx_fn lmode##bits##_newctx;                    \
    static OSSL_FUNC_cipher_get_params_fn lmode##bits##_get_params;            \
    static void *lmode##bits##_newctx(void *provctx)                           \
    {                                                                          \
        return aes_newctx(provctx, &lmode##bits##_info);                       \
    }                                                                          \
    static int lmode##bits##_get_params(OSSL_PARAM params[])                   \
    {                                                                          \
        return prov_cipher_get_params(&lmode##bits##_info, params);            \
    }                                                                          \
    const OSSL_DISPATCH prov_aes##bits##lmode##_cipher_functions[] = {         \
        {OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))lmode##bits##_newctx},       \
        {OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))aes_freectx},               \
        {OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))aes_dupctx},                 \
        {OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))aes_einit},            \
        {OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))aes_dinit},            \
        {OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))aes_update},                 \
        {OSSL_FUNC_CIPHER_FINAL, (void (*)(void))aes_final},                   \
        {OSSL_FUNC_CIPHER_CIPHER, (void (*)(void))aes_cipher},                 \
        {OSSL_FUNC_CIPHER_GET_PARAMS,                                          \
         (void (*)(void))lmode##bits##_get_params},                            \
        {OSSL_FUNC_CIPHER_GETTABLE_PARAMS,                                     \
         (void (*)(void))aes_gettable_params},                                 \
        {OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))aes_get_ctx_params}, \
        {OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))aes_set_ctx_params}, \
        {OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS,                                 \
         (void (*)(void))aes_gettable_ctx_params},                             \
        {OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS,                                 \
         (void (*)(void))aes_settable_ctx_params},                             \
        PROV_CIPHER_SKEY_DISPATCH(aes){0, NULL}};

AES_DISPATCH(128, ctr, CTR, 8)
AES_DISPATCH(192, ctr, CTR, 8)
AES_DISPATCH(256, ctr, CTR, 8)
AES_DISPATCH(128, cbc, CBC, 128)
AES_DISPATCH(192, cbc, CBC, 128)
AES_DISPATCH(256, cbc, CBC, 128)
