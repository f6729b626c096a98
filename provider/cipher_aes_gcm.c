/* SPDX-License-Identifier: Apache-2.0 */
/* cipher_aes_gcm.c: AES-GCM (EVP_CIPHER "KEYWARD-AES-{128,192,256}-GCM")
 * with the key a token secret key named by URI: encryption streams through
 * the token; decryption has the token check the tag before any plaintext
 * is released. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "prov.h"

#define GCM_IV_MAX  128 /* bytes, as OpenSSL's own AES-GCM */
#define GCM_TAG_MIN 12  /* SP 800-38D 5.2.1.2: 96 to 128 bits */
#define GCM_TAG_MAX 16
#define GCM_ONESHOT_MAX 4096 /* first parts sealed in one token call */

/*
 * The parameters are OpenSSL's AES-GCM ones (ivlen, tag, taglen, iv) plus
 * PROV_PARAM_KEY_URI. Differences, all forced by keeping plaintext and key
 * in the token's hands:
 * - the AAD goes to the token with the IV when the first data arrives, so
 *   it comes before the data (as OpenSSL also requires);
 * - decryption needs the tag before the ciphertext, and takes the whole
 *   ciphertext in one update: the token checks the tag first and releases
 *   plaintext only then (PKCS#11 returns GCM plaintext at C_DecryptFinal),
 *   and EVP gives a stream cipher no room for output at EVP_DecryptFinal;
 * - tags are 12 to 16 bytes; each message needs its own IV (given at
 *   EVP_CipherInit_ex2): after EVP_CipherFinal_ex the IV is spent.
 *
 * Most messages are sealed with one EVP_EncryptUpdate. A first part of up
 * to GCM_ONESHOT_MAX bytes is therefore sealed whole, C_EncryptInit +
 * C_Encrypt (two token calls, not three), its tag kept for
 * EVP_EncryptFinal_ex. If a second part comes instead, the message is run
 * again as a multi-part operation from its start (gcm_replay).
 */
enum gcm_state { GCM_AAD, GCM_DATA, GCM_DONE };

struct gcm {
    prov_ctx *ctx;
    const struct prov_cipher_info *ci;
    struct prov_secret key;
    int enc; /* -1 before the first init */
    uint8_t iv[GCM_IV_MAX];
    size_t ivlen;
    bool iv_known; /* iv holds ivlen bytes */
    bool iv_fresh; /* not used for a message yet */
    uint8_t *aad;
    size_t aadlen, aadcap;
    uint8_t tag[GCM_TAG_MAX];
    size_t taglen;
    bool tag_set; /* decryption: the expected tag; encryption: computed */
    enum gcm_state st;
    bool failed;  /* the message failed: only a new init helps */
    hsm_op *op;   /* encryption in flight */
    uint8_t *buf; /* decryption: ciphertext || tag, then the plaintext;
                   * encryption: scratch */
    size_t bufcap;
    bool oneshot;  /* the first part was sealed whole; tag holds its tag */
    uint8_t *held; /* that part's plaintext, for gcm_replay (wiped) */
    size_t heldlen, heldcap;
};

static OSSL_FUNC_cipher_freectx_fn gcm_freectx;
static OSSL_FUNC_cipher_dupctx_fn gcm_dupctx;
static OSSL_FUNC_cipher_encrypt_init_fn gcm_einit;
static OSSL_FUNC_cipher_decrypt_init_fn gcm_dinit;
static OSSL_FUNC_cipher_update_fn gcm_update;
static OSSL_FUNC_cipher_final_fn gcm_final;
static OSSL_FUNC_cipher_cipher_fn gcm_cipher;
static OSSL_FUNC_cipher_get_ctx_params_fn gcm_get_ctx_params;
static OSSL_FUNC_cipher_set_ctx_params_fn gcm_set_ctx_params;
static OSSL_FUNC_cipher_gettable_ctx_params_fn gcm_gettable_ctx_params;
static OSSL_FUNC_cipher_settable_ctx_params_fn gcm_settable_ctx_params;
static OSSL_FUNC_cipher_gettable_params_fn gcm_gettable_params;

static void *gcm_newctx(void *provctx, const struct prov_cipher_info *ci)
{
    struct gcm *g = calloc(1, sizeof(*g));

    if (g == NULL)
        return NULL;
    g->ctx = provctx;
    g->ci = ci;
    g->enc = -1;
    g->ivlen = ci->ivbits / 8;
    g->taglen = GCM_TAG_MAX;
    return g;
}

static void gcm_drop_held(struct gcm *g)
{
    if (g->held != NULL)
        OPENSSL_cleanse(g->held, g->heldlen);
    g->heldlen = 0;
    g->oneshot = false;
}

/* Ends the message in progress, if any. */
static void gcm_reset(struct gcm *g)
{
    hsm_op_free(g->op);
    g->op = NULL;
    gcm_drop_held(g);
    if (g->aad != NULL)
        OPENSSL_cleanse(g->aad, g->aadlen);
    g->aadlen = 0;
    g->st = GCM_AAD;
    g->failed = false;
}

static void gcm_freectx(void *vctx)
{
    struct gcm *g = vctx;

    if (g == NULL)
        return;
    hsm_op_free(g->op);
    prov_secret_clear(&g->key);
    prov_buf_free(&g->aad, &g->aadcap);
    prov_buf_free(&g->buf, &g->bufcap);
    prov_buf_free(&g->held, &g->heldcap);
    PROV_CLEAR_FREE(g);
}

static void *gcm_dupctx(void *vctx)
{
    struct gcm *src = vctx, *g;

    if (src->op != NULL || src->oneshot) {
        PROV_RAISE(src->ctx, KW_R_OUT_OF_ORDER,
                   "%s: a context with a token operation in flight cannot "
                   "be copied",
                   src->ci->name);
        return NULL;
    }
    if ((g = malloc(sizeof(*g))) == NULL)
        return NULL;
    *g = *src;
    g->aad = g->buf = g->held = NULL;
    g->aadcap = g->bufcap = g->heldcap = g->heldlen = 0;
    prov_secret_copy(&g->key, &src->key);
    if (src->aadlen > 0 &&
        !prov_buf_reserve(&g->aad, &g->aadcap, 0, src->aadlen)) {
        gcm_freectx(g);
        return NULL;
    }
    if (src->aadlen > 0)
        memcpy(g->aad, src->aad, src->aadlen);
    return g;
}

static int gcm_init(struct gcm *g, const unsigned char *key,
                    const unsigned char *iv, size_t ivlen,
                    const OSSL_PARAM params[], int enc)
{
    if (!prov_no_raw_key(g->ctx, key, g->ci->name))
        return 0;
    gcm_reset(g);
    g->enc = enc;
    if (enc == 0)
        g->tag_set = false;
    if (iv != NULL) {
        if (ivlen == 0 || ivlen > GCM_IV_MAX) {
            PROV_RAISE(g->ctx, KW_R_BAD_LENGTH,
                       "%s: IV of %zu bytes; AES-GCM takes 1 to %d (12 "
                       "recommended)",
                       g->ci->name, ivlen, GCM_IV_MAX);
            return 0;
        }
        g->ivlen = ivlen;
        memcpy(g->iv, iv, ivlen);
        g->iv_known = g->iv_fresh = true;
    }
    /* A token without AES-GCM, or a key that may not go this way, is
     * refused here, before any data (tpm2-pkcs11 has no AES-GCM). */
    return gcm_set_ctx_params(g, params) &&
           prov_cipher_check_key(g->ctx, &g->key, PROV_CAP_AES_GCM, g->enc,
                                 g->ci->name);
}

static int gcm_einit(void *vctx, const unsigned char *key, size_t keylen,
                     const unsigned char *iv, size_t ivlen,
                     const OSSL_PARAM params[])
{
    (void)keylen;
    return gcm_init(vctx, key, iv, ivlen, params, 1);
}

static int gcm_dinit(void *vctx, const unsigned char *key, size_t keylen,
                     const unsigned char *iv, size_t ivlen,
                     const OSSL_PARAM params[])
{
    (void)keylen;
    return gcm_init(vctx, key, iv, ivlen, params, 0);
}

#ifdef PROV_HAVE_SKEY
/* OpenSSL 3.5's EVP_CipherInit_SKEY with a keyward EVP_SKEY: untested here
 * (skeymgmt_secret.c). */
static OSSL_FUNC_cipher_encrypt_skey_init_fn gcm_einit_skey;
static OSSL_FUNC_cipher_decrypt_skey_init_fn gcm_dinit_skey;

static int gcm_skey_init(struct gcm *g, void *skeydata,
                         const unsigned char *iv, size_t ivlen,
                         const OSSL_PARAM params[], int enc)
{
    struct prov_secret_need need = prov_cipher_need(g->ci);

    gcm_reset(g);
    if (!prov_skey_get_secret(g->ctx, skeydata, &g->key, &need))
        return 0;
    return gcm_init(g, NULL, iv, ivlen, params, enc);
}

static int gcm_einit_skey(void *vctx, void *skeydata, const unsigned char *iv,
                          size_t ivlen, const OSSL_PARAM params[])
{
    return gcm_skey_init(vctx, skeydata, iv, ivlen, params, 1);
}

static int gcm_dinit_skey(void *vctx, void *skeydata, const unsigned char *iv,
                          size_t ivlen, const OSSL_PARAM params[])
{
    return gcm_skey_init(vctx, skeydata, iv, ivlen, params, 0);
}
#endif

/* Everything a message needs before its data. */
static int gcm_ready(struct gcm *g)
{
    if (!prov_secret_ready(g->ctx, &g->key, PROV_CAP_AES_GCM, g->ci->name))
        return 0;
    if (g->enc < 0) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER, "%s: not initialised",
                   g->ci->name);
        return 0;
    }
    if (!prov_cipher_check_usage(g->ctx, &g->key, g->enc == 1, g->ci->name))
        return 0;
    if (g->failed) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s: the message failed; start again with "
                   "EVP_CipherInit_ex2 and a new IV",
                   g->ci->name);
        return 0;
    }
    if (g->st == GCM_AAD && !g->iv_fresh) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s: no IV for this message; give one in "
                   "EVP_CipherInit_ex2 (an IV serves one message only)",
                   g->ci->name);
        return 0;
    }
    return 1;
}

static void gcm_mech(const struct gcm *g, struct hsm_mech *m, size_t tagbytes)
{
    memset(m, 0, sizeof(*m));
    m->type = CKM_AES_GCM;
    m->p.gcm.iv = g->iv;
    m->p.gcm.iv_len = g->ivlen;
    m->p.gcm.aad = g->aadlen > 0 ? g->aad : NULL;
    m->p.gcm.aad_len = g->aadlen;
    m->p.gcm.tag_bits = tagbytes * 8;
}

static void gcm_fail(struct gcm *g)
{
    hsm_op_free(g->op);
    g->op = NULL;
    gcm_drop_held(g);
    g->failed = true;
    g->iv_fresh = false;
}

static int gcm_add_aad(struct gcm *g, const unsigned char *in, size_t inl,
                       size_t *outl)
{
    if (g->st != GCM_AAD) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s: AAD must come before the data", g->ci->name);
        return 0;
    }
    if (inl > SIZE_MAX - g->aadlen ||
        !prov_buf_reserve(&g->aad, &g->aadcap, g->aadlen, g->aadlen + inl)) {
        PROV_RAISE(g->ctx, KW_R_MALLOC, "%s: AAD buffer", g->ci->name);
        return 0;
    }
    memcpy(g->aad + g->aadlen, in, inl);
    g->aadlen += inl;
    *outl = inl;
    return 1;
}

static int gcm_start_encrypt(struct gcm *g)
{
    struct hsm_mech m;
    CK_RV rv;

    gcm_mech(g, &m, GCM_TAG_MAX); /* the tag asked for is its prefix */
    ERR_set_mark();
    rv = hsm_op_start(g->key.key, &m, HSM_OP_ENCRYPT, &g->op);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        gcm_fail(g);
        PROV_RAISE_RV(g->ctx, rv, "%s encryption with key '%s'", g->ci->name,
                      prov_secret_label(&g->key));
        return 0;
    }
    g->st = GCM_DATA;
    g->iv_fresh = false;
    return 1;
}

/* The first part, sealed whole: ciphertext out, tag kept, plaintext held
 * in case a second part comes. */
static int gcm_encrypt_oneshot(struct gcm *g, unsigned char *out, size_t *outl,
                               size_t outsize, const unsigned char *in,
                               size_t inl)
{
    struct hsm_mech m;
    size_t n = inl + GCM_TAG_MAX;
    CK_RV rv;

    if (outsize < inl) {
        PROV_RAISE(g->ctx, KW_R_BUFFER_TOO_SMALL,
                   "%s: %zu bytes of ciphertext, buffer of %zu", g->ci->name,
                   inl, outsize);
        return 0;
    }
    if (!prov_buf_reserve(&g->buf, &g->bufcap, 0, n) ||
        !prov_buf_reserve(&g->held, &g->heldcap, 0, inl)) {
        PROV_RAISE(g->ctx, KW_R_MALLOC, "%s: encryption buffer", g->ci->name);
        return 0;
    }
    gcm_mech(g, &m, GCM_TAG_MAX); /* the tag asked for is its prefix */
    g->st = GCM_DATA;
    g->iv_fresh = false;
    ERR_set_mark();
    rv = hsm_encrypt(g->key.key, &m, in, inl, g->buf, &n);
    ERR_pop_to_mark();
    if (rv == CKR_OK && n != inl + GCM_TAG_MAX)
        rv = CKR_GENERAL_ERROR;
    if (rv != CKR_OK) {
        OPENSSL_cleanse(g->buf, g->bufcap);
        gcm_fail(g);
        PROV_RAISE_RV(g->ctx, rv, "%s encryption with key '%s'", g->ci->name,
                      prov_secret_label(&g->key));
        return 0;
    }
    memcpy(out, g->buf, inl);
    memcpy(g->tag, g->buf + inl, GCM_TAG_MAX);
    OPENSSL_cleanse(g->buf, n);
    memcpy(g->held, in, inl);
    g->heldlen = inl;
    g->oneshot = true;
    *outl = inl;
    return 1;
}

/*
 * A second part after a first sealed whole: the token's operation is over,
 * so the message runs again as a multi-part operation from its start. The
 * same key, IV, AAD and first part give the same ciphertext, released
 * already and dropped now; the first part's own tag is dropped unseen.
 */
static int gcm_replay(struct gcm *g)
{
    size_t n = g->heldlen;
    CK_RV rv;

    if (!prov_buf_reserve(&g->buf, &g->bufcap, 0, g->heldlen)) {
        gcm_fail(g);
        PROV_RAISE(g->ctx, KW_R_MALLOC, "%s: encryption buffer", g->ci->name);
        return 0;
    }
    if (!gcm_start_encrypt(g))
        return 0;
    ERR_set_mark();
    rv = hsm_op_update(g->op, g->held, g->heldlen, g->buf, &n);
    ERR_pop_to_mark();
    OPENSSL_cleanse(g->buf, g->heldlen);
    OPENSSL_cleanse(g->tag, sizeof(g->tag));
    if (rv == CKR_OK && n != g->heldlen) {
        /* A token that held data back: EVP has no room for it later. */
        gcm_fail(g);
        PROV_RAISE(g->ctx, KW_R_TOKEN_ERROR,
                   "%s: the token cannot stream AES-GCM; seal each message "
                   "with one EVP_EncryptUpdate",
                   g->ci->name);
        return 0;
    }
    if (rv != CKR_OK) {
        gcm_fail(g);
        PROV_RAISE_RV(g->ctx, rv, "%s encryption with key '%s'", g->ci->name,
                      prov_secret_label(&g->key));
        return 0;
    }
    gcm_drop_held(g);
    return 1;
}

static int gcm_encrypt_update(struct gcm *g, unsigned char *out, size_t *outl,
                              size_t outsize, const unsigned char *in,
                              size_t inl)
{
    size_t n = outsize;
    CK_RV rv;

    if (g->op == NULL && !g->oneshot && inl <= GCM_ONESHOT_MAX)
        return gcm_encrypt_oneshot(g, out, outl, outsize, in, inl);
    if (g->oneshot && !gcm_replay(g))
        return 0;
    if (g->op == NULL && !gcm_start_encrypt(g))
        return 0;
    ERR_set_mark();
    rv = hsm_op_update(g->op, in, inl, out, &n);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        gcm_fail(g);
        PROV_RAISE_RV(g->ctx, rv, "%s encryption with key '%s'", g->ci->name,
                      prov_secret_label(&g->key));
        return 0;
    }
    *outl = n;
    return 1;
}

/* One call into the token: ciphertext || tag in, plaintext out only when
 * the tag matched. */
static int gcm_decrypt_all(struct gcm *g, unsigned char *out, size_t *outl,
                           size_t outsize, const unsigned char *in, size_t inl)
{
    struct hsm_mech m;
    size_t total, n;
    uint8_t *pt;
    CK_RV rv;

    if (!g->tag_set) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s decryption needs the tag before the ciphertext (the "
                   "\"tag\" parameter or EVP_CTRL_AEAD_SET_TAG): the token "
                   "releases no plaintext before checking it",
                   g->ci->name);
        return 0;
    }
    if (g->st != GCM_AAD) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s decryption takes the whole ciphertext in one update "
                   "(the tag is checked in the token before any plaintext "
                   "is released)",
                   g->ci->name);
        gcm_fail(g);
        return 0;
    }
    if (out != NULL && outsize < inl) {
        PROV_RAISE(g->ctx, KW_R_BUFFER_TOO_SMALL,
                   "%s: %zu bytes of plaintext, buffer of %zu", g->ci->name,
                   inl, outsize);
        return 0;
    }
    if (inl > (SIZE_MAX - 2 * GCM_TAG_MAX) / 2 ||
        !prov_buf_reserve(&g->buf, &g->bufcap, 0, 2 * (inl + g->taglen))) {
        PROV_RAISE(g->ctx, KW_R_MALLOC, "%s: decryption buffer", g->ci->name);
        return 0;
    }
    total = inl + g->taglen;
    if (inl > 0)
        memcpy(g->buf, in, inl);
    memcpy(g->buf + inl, g->tag, g->taglen);
    pt = g->buf + total;
    n = total;
    gcm_mech(g, &m, g->taglen);
    g->st = GCM_DONE;
    g->iv_fresh = false;
    g->tag_set = false; /* each message brings its own */
    ERR_set_mark();
    rv = hsm_decrypt(g->key.key, &m, g->buf, total, pt, &n);
    ERR_pop_to_mark();
    if (rv == CKR_OK && n != inl)
        rv = CKR_GENERAL_ERROR;
    if (rv != CKR_OK) {
        OPENSSL_cleanse(g->buf, 2 * total);
        gcm_fail(g);
        if (rv == CKR_ENCRYPTED_DATA_INVALID)
            PROV_RAISE(g->ctx, KW_R_DECRYPT_FAILED,
                       "%s with key '%s': the tag does not match (wrong "
                       "key, IV, AAD, ciphertext or tag); no plaintext was "
                       "released",
                       g->ci->name, prov_secret_label(&g->key));
        else
            PROV_RAISE_RV(g->ctx, rv, "%s decryption with key '%s'",
                          g->ci->name, prov_secret_label(&g->key));
        return 0;
    }
    if (n > 0)
        memcpy(out, pt, n);
    OPENSSL_cleanse(g->buf, 2 * total);
    *outl = n;
    return 1;
}

static int gcm_update(void *vctx, unsigned char *out, size_t *outl,
                      size_t outsize, const unsigned char *in, size_t inl)
{
    struct gcm *g = vctx;

    *outl = 0;
    if (!gcm_ready(g))
        return 0;
    if (g->st == GCM_DONE) {
        PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                   "%s: the message is complete; start the next with "
                   "EVP_CipherInit_ex2 and a new IV",
                   g->ci->name);
        return 0;
    }
    if (inl == 0)
        return 1;
    if (in == NULL)
        return 0;
    if (out == NULL)
        return gcm_add_aad(g, in, inl, outl);
    if (g->enc == 1)
        return gcm_encrypt_update(g, out, outl, outsize, in, inl);
    return gcm_decrypt_all(g, out, outl, outsize, in, inl);
}

static int gcm_encrypt_final(struct gcm *g)
{
    uint8_t fin[2 * GCM_TAG_MAX];
    size_t n = sizeof(fin);
    CK_RV rv;

    if (g->oneshot) {
        /* The message was its first part: the tag is there already. */
        gcm_drop_held(g);
        g->st = GCM_DONE;
        g->tag_set = true;
        return 1;
    }
    if (g->op == NULL && !gcm_start_encrypt(g))
        return 0;
    ERR_set_mark();
    rv = hsm_op_final(g->op, fin, &n);
    ERR_pop_to_mark();
    hsm_op_free(g->op);
    g->op = NULL;
    g->st = GCM_DONE;
    if (rv == CKR_OK && n != GCM_TAG_MAX) {
        /* A token that held back ciphertext: EVP has no room for it. */
        OPENSSL_cleanse(fin, sizeof(fin));
        g->failed = true;
        PROV_RAISE(g->ctx, KW_R_TOKEN_ERROR,
                   "%s: the token returned %zu bytes at the end of the "
                   "message, not the %d-byte tag; it cannot stream AES-GCM",
                   g->ci->name, n, GCM_TAG_MAX);
        return 0;
    }
    if (rv != CKR_OK) {
        g->failed = true;
        PROV_RAISE_RV(g->ctx, rv, "%s encryption with key '%s'", g->ci->name,
                      prov_secret_label(&g->key));
        return 0;
    }
    memcpy(g->tag, fin, GCM_TAG_MAX);
    OPENSSL_cleanse(fin, sizeof(fin));
    g->tag_set = true;
    return 1;
}

static int gcm_final(void *vctx, unsigned char *out, size_t *outl,
                     size_t outsize)
{
    struct gcm *g = vctx;

    (void)out;
    (void)outsize;
    *outl = 0;
    if (!gcm_ready(g))
        return 0;
    if (g->enc == 1) {
        if (g->st == GCM_DONE) {
            PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                       "%s: the message is already complete", g->ci->name);
            return 0;
        }
        return gcm_encrypt_final(g);
    }
    if (g->st == GCM_DONE)
        return 1; /* the tag was checked with the ciphertext */
    /* No ciphertext: the tag authenticates the AAD alone. */
    return gcm_decrypt_all(g, NULL, outl, 0, NULL, 0);
}

/* EVP_Cipher(): OpenSSL's AES-GCM convention (out NULL: AAD; in NULL: the
 * end of the message). */
static int gcm_cipher(void *vctx, unsigned char *out, size_t *outl,
                      size_t outsize, const unsigned char *in, size_t inl)
{
    if (in == NULL)
        return gcm_final(vctx, out, outl, outsize);
    return gcm_update(vctx, out, outl, outsize, in, inl);
}

static int gcm_set_key(struct gcm *g, const OSSL_PARAM params[])
{
    struct prov_secret_need need = prov_cipher_need(g->ci);

    if (OSSL_PARAM_locate_const(params, PROV_PARAM_KEY_URI) == NULL)
        return 1;
    gcm_reset(g);
    return prov_secret_set_params(g->ctx, &g->key, params, &need) &&
           prov_cipher_check_key(g->ctx, &g->key, PROV_CAP_AES_GCM, g->enc,
                                 g->ci->name);
}

static int gcm_set_tag(struct gcm *g, const OSSL_PARAM *p)
{
    size_t sz = p->data_size;

    if (p->data_type != OSSL_PARAM_OCTET_STRING)
        return 0;
    if (sz < GCM_TAG_MIN || sz > GCM_TAG_MAX) {
        PROV_RAISE(g->ctx, KW_R_BAD_LENGTH,
                   "%s: tag of %zu bytes; keyward takes AES-GCM tags of %d "
                   "to %d bytes (SP 800-38D, 96 to 128 bits)",
                   g->ci->name, sz, GCM_TAG_MIN, GCM_TAG_MAX);
        return 0;
    }
    if (p->data != NULL) {
        if (g->enc == 1) {
            PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                       "%s: the tag is an output of encryption", g->ci->name);
            return 0;
        }
        memcpy(g->tag, p->data, sz);
        g->tag_set = true;
    }
    g->taglen = sz;
    return 1;
}

static int gcm_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct gcm *g = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if (!gcm_set_key(g, params))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_IVLEN)) !=
        NULL) {
        size_t sz;

        if (!OSSL_PARAM_get_size_t(p, &sz))
            return 0;
        if (sz == 0 || sz > GCM_IV_MAX) {
            PROV_RAISE(g->ctx, KW_R_BAD_LENGTH,
                       "%s: IV length %zu; AES-GCM takes 1 to %d bytes (12 "
                       "recommended)",
                       g->ci->name, sz, GCM_IV_MAX);
            return 0;
        }
        if (g->st != GCM_AAD || g->aadlen > 0) {
            PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                       "%s: the IV length cannot change within a message",
                       g->ci->name);
            return 0;
        }
        if (sz != g->ivlen) {
            g->ivlen = sz;
            g->iv_known = g->iv_fresh = false;
        }
    }
    if ((p = OSSL_PARAM_locate_const(params, OSSL_CIPHER_PARAM_AEAD_TAG)) !=
            NULL &&
        !gcm_set_tag(g, p))
        return 0;
    return 1;
}

static int gcm_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct gcm *g = vctx;
    OSSL_PARAM *p;

    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IVLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, g->ivlen))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_KEYLEN)) != NULL &&
        !OSSL_PARAM_set_size_t(p, g->ci->keybits / 8))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAGLEN)) !=
            NULL &&
        !OSSL_PARAM_set_size_t(p, g->taglen))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_IV)) != NULL &&
        (!g->iv_known || !OSSL_PARAM_set_octet_string(p, g->iv, g->ivlen)))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_UPDATED_IV)) != NULL &&
        (!g->iv_known || !OSSL_PARAM_set_octet_string(p, g->iv, g->ivlen)))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_CIPHER_PARAM_AEAD_TAG)) != NULL) {
        size_t sz = p->data_size;

        if (g->enc != 1 || g->st != GCM_DONE || !g->tag_set) {
            PROV_RAISE(g->ctx, KW_R_OUT_OF_ORDER,
                       "%s: the tag is there after EVP_EncryptFinal_ex",
                       g->ci->name);
            return 0;
        }
        if (sz < GCM_TAG_MIN || sz > GCM_TAG_MAX) {
            PROV_RAISE(g->ctx, KW_R_BAD_LENGTH,
                       "%s: tag of %zu bytes asked; keyward gives %d to %d",
                       g->ci->name, sz, GCM_TAG_MIN, GCM_TAG_MAX);
            return 0;
        }
        if (!OSSL_PARAM_set_octet_string(p, g->tag, sz))
            return 0;
    }
    return 1;
}

static const OSSL_PARAM gcm_known_gettable_ctx[] = {
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_KEYLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_IVLEN, NULL),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_TAGLEN, NULL),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_IV, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_UPDATED_IV, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *gcm_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gcm_known_gettable_ctx;
}

static const OSSL_PARAM gcm_known_settable_ctx[] = {
    OSSL_PARAM_utf8_string(PROV_PARAM_KEY_URI, NULL, 0),
    OSSL_PARAM_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, NULL),
    OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *gcm_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gcm_known_settable_ctx;
}

static const OSSL_PARAM *gcm_gettable_params(void *provctx)
{
    (void)provctx;
    return prov_cipher_gettable_params();
}

#define GCM_DISPATCH(bits)                                                     \
    static const struct prov_cipher_info gcm##bits##_info = {                  \
        "KEYWARD-AES-" #bits "-GCM",                                           \
        EVP_CIPH_GCM_MODE,                                                     \
        bits,                                                                  \
        8,                                                                     \
        96,                                                                    \
        true,                                                                  \
        true};                                                                 \
    static OSSL_FUNC_cipher_newctx_fn gcm##bits##_newctx;                      \
    static OSSL_FUNC_cipher_get_params_fn gcm##bits##_get_params;              \
    static void *gcm##bits##_newctx(void *provctx)                             \
    {                                                                          \
        return gcm_newctx(provctx, &gcm##bits##_info);                         \
    }                                                                          \
    static int gcm##bits##_get_params(OSSL_PARAM params[])                     \
    {                                                                          \
        return prov_cipher_get_params(&gcm##bits##_info, params);              \
    }                                                                          \
    const OSSL_DISPATCH prov_aes##bits##gcm_cipher_functions[] = {             \
        {OSSL_FUNC_CIPHER_NEWCTX, (void (*)(void))gcm##bits##_newctx},         \
        {OSSL_FUNC_CIPHER_FREECTX, (void (*)(void))gcm_freectx},               \
        {OSSL_FUNC_CIPHER_DUPCTX, (void (*)(void))gcm_dupctx},                 \
        {OSSL_FUNC_CIPHER_ENCRYPT_INIT, (void (*)(void))gcm_einit},            \
        {OSSL_FUNC_CIPHER_DECRYPT_INIT, (void (*)(void))gcm_dinit},            \
        {OSSL_FUNC_CIPHER_UPDATE, (void (*)(void))gcm_update},                 \
        {OSSL_FUNC_CIPHER_FINAL, (void (*)(void))gcm_final},                   \
        {OSSL_FUNC_CIPHER_CIPHER, (void (*)(void))gcm_cipher},                 \
        {OSSL_FUNC_CIPHER_GET_PARAMS, (void (*)(void))gcm##bits##_get_params}, \
        {OSSL_FUNC_CIPHER_GETTABLE_PARAMS,                                     \
         (void (*)(void))gcm_gettable_params},                                 \
        {OSSL_FUNC_CIPHER_GET_CTX_PARAMS, (void (*)(void))gcm_get_ctx_params}, \
        {OSSL_FUNC_CIPHER_SET_CTX_PARAMS, (void (*)(void))gcm_set_ctx_params}, \
        {OSSL_FUNC_CIPHER_GETTABLE_CTX_PARAMS,                                 \
         (void (*)(void))gcm_gettable_ctx_params},                             \
        {OSSL_FUNC_CIPHER_SETTABLE_CTX_PARAMS,                                 \
         (void (*)(void))gcm_settable_ctx_params},                             \
        PROV_CIPHER_SKEY_DISPATCH(gcm){0, NULL}};

GCM_DISPATCH(128)
GCM_DISPATCH(192)
GCM_DISPATCH(256)
