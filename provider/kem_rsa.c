/* SPDX-License-Identifier: Apache-2.0 */
/* kem_rsa.c: RSASVE (NIST SP 800-56B rev 2, section 7.2.1) with the RSA
 * private key in the token: decapsulation is one raw RSA operation
 * (CKM_RSA_X_509); encapsulation runs in software on the public key. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

#define RSASVE_OP "RSASVE"

struct rsasve {
    prov_ctx *ctx;
    prov_key *key;
    int op;
};

static OSSL_FUNC_kem_newctx_fn rsasve_newctx;
static OSSL_FUNC_kem_freectx_fn rsasve_freectx;
static OSSL_FUNC_kem_dupctx_fn rsasve_dupctx;
static OSSL_FUNC_kem_encapsulate_init_fn rsasve_encapsulate_init;
static OSSL_FUNC_kem_encapsulate_fn rsasve_encapsulate;
static OSSL_FUNC_kem_decapsulate_init_fn rsasve_decapsulate_init;
static OSSL_FUNC_kem_decapsulate_fn rsasve_decapsulate;
static OSSL_FUNC_kem_set_ctx_params_fn rsasve_set_ctx_params;
static OSSL_FUNC_kem_settable_ctx_params_fn rsasve_settable_ctx_params;

static void *rsasve_newctx(void *provctx)
{
    struct rsasve *r = calloc(1, sizeof(*r));

    if (r != NULL)
        r->ctx = provctx;
    return r;
}

static void rsasve_freectx(void *vctx)
{
    struct rsasve *r = vctx;

    if (r == NULL)
        return;
    prov_key_free(r->key);
    PROV_CLEAR_FREE(r);
}

static void *rsasve_dupctx(void *vctx)
{
    struct rsasve *src = vctx, *r = malloc(sizeof(*r));

    if (r == NULL)
        return NULL;
    *r = *src;
    if (r->key != NULL)
        prov_key_up_ref(r->key);
    return r;
}

static int rsasve_init(struct rsasve *r, prov_key *key, int op,
                       const OSSL_PARAM params[])
{
    if (key == NULL || key->type != PROV_KEY_RSA || !key->has_pub) {
        PROV_RAISE(r->ctx, KW_R_KEY_UNSUITABLE, "RSASVE needs an RSA key");
        return 0;
    }
    /* The token first: without raw RSA, that is the message. */
    if (op == EVP_PKEY_OP_DECAPSULATE &&
        (!prov_cap_check(r->ctx, key->pt, PROV_CAP_RSA_X509,
                         "RSASVE decapsulation") ||
         !prov_key_check_private(key, HSM_USE_DECRYPT,
                                 "RSASVE decapsulation")))
        return 0;
    prov_key_up_ref(key);
    prov_key_free(r->key);
    r->key = key;
    r->op = op;
    return rsasve_set_ctx_params(r, params);
}

static int rsasve_encapsulate_init(void *vctx, void *key,
                                   const OSSL_PARAM params[])
{
    return rsasve_init(vctx, key, EVP_PKEY_OP_ENCAPSULATE, params);
}

static int rsasve_decapsulate_init(void *vctx, void *key,
                                   const OSSL_PARAM params[])
{
    return rsasve_init(vctx, key, EVP_PKEY_OP_DECAPSULATE, params);
}

static size_t nlen(const struct rsasve *r)
{
    return (size_t)(r->key->bits + 7) / 8;
}

/* Public-key work: OpenSSL's own RSASVE on the public half. */
static int rsasve_encapsulate(void *vctx, unsigned char *out, size_t *outlen,
                              unsigned char *secret, size_t *secretlen)
{
    struct rsasve *r = vctx;
    EVP_PKEY *sw;
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    if (r->key == NULL || r->op != EVP_PKEY_OP_ENCAPSULATE) {
        PROV_RAISE(r->ctx, KW_R_OUT_OF_ORDER,
                   "RSASVE: not initialised for encapsulation");
        return 0;
    }
    if (out == NULL) {
        if (outlen != NULL)
            *outlen = nlen(r);
        if (secretlen != NULL)
            *secretlen = nlen(r);
        return outlen != NULL || secretlen != NULL;
    }
    if (secret == NULL || outlen == NULL || secretlen == NULL)
        return 0;
    if (*outlen < nlen(r) || *secretlen < nlen(r)) {
        PROV_RAISE(r->ctx, KW_R_BUFFER_TOO_SMALL,
                   "RSASVE gives %zu + %zu bytes; buffers of %zu and %zu",
                   nlen(r), nlen(r), *outlen, *secretlen);
        return 0;
    }
    if ((sw = prov_key_get0_sw(r->key)) == NULL)
        return 0;
    prov_child_enter();
    pctx = EVP_PKEY_CTX_new_from_pkey(r->ctx->libctx, sw, NULL);
    ok = pctx != NULL && EVP_PKEY_encapsulate_init(pctx, NULL) > 0 &&
         EVP_PKEY_CTX_set_kem_op(pctx, RSASVE_OP) > 0 &&
         EVP_PKEY_encapsulate(pctx, out, outlen, secret, secretlen) > 0;
    EVP_PKEY_CTX_free(pctx);
    prov_child_leave();
    if (!ok)
        PROV_RAISE(r->ctx, KW_R_OPERATION_FAILED,
                   "RSASVE encapsulation failed");
    return ok;
}

/* SP 800-56B RSADP, step 1: 1 < c < n - 1. */
static int check_range(struct rsasve *r, const uint8_t *in, size_t inlen)
{
    BIGNUM *c = BN_bin2bn(in, (int)inlen, NULL);
    BIGNUM *n = BN_bin2bn(r->key->n, (int)r->key->n_len, NULL);
    int ok = c != NULL && n != NULL && BN_sub_word(n, 1) &&
             BN_cmp(c, BN_value_one()) > 0 && BN_cmp(c, n) < 0;

    BN_free(c);
    BN_free(n);
    if (!ok)
        PROV_RAISE(r->ctx, KW_R_BAD_ENCODING,
                   "RSASVE: the ciphertext is out of range (1 < c < n - 1)");
    return ok;
}

static int rsasve_decapsulate(void *vctx, unsigned char *out, size_t *outlen,
                              const unsigned char *in, size_t inlen)
{
    struct rsasve *r = vctx;
    struct hsm_mech m = {.type = CKM_RSA_X_509};
    size_t need, zlen;
    uint8_t *z;
    CK_RV rv;

    if (r->key == NULL || r->op != EVP_PKEY_OP_DECAPSULATE || outlen == NULL) {
        PROV_RAISE(r->ctx, KW_R_OUT_OF_ORDER,
                   "RSASVE: not initialised for decapsulation");
        return 0;
    }
    need = nlen(r);
    if (out == NULL) {
        *outlen = need;
        return 1;
    }
    if (*outlen < need) {
        PROV_RAISE(r->ctx, KW_R_BUFFER_TOO_SMALL,
                   "RSASVE gives a %zu-byte secret; buffer of %zu", need,
                   *outlen);
        return 0;
    }
    if (in == NULL || inlen != need) {
        PROV_RAISE(r->ctx, KW_R_BAD_LENGTH,
                   "RSASVE ciphertext of %zu bytes; this %d-bit key takes "
                   "%zu",
                   inlen, r->key->bits, need);
        return 0;
    }
    if (!check_range(r, in, inlen))
        return 0;
    if ((z = OPENSSL_secure_malloc(need)) == NULL)
        return 0;
    zlen = need;
    ERR_set_mark();
    rv = hsm_decrypt(r->key->priv, &m, in, inlen, z, &zlen);
    ERR_pop_to_mark();
    if (rv != CKR_OK || zlen > need) {
        OPENSSL_secure_clear_free(z, need);
        PROV_RAISE_RV(r->ctx, rv == CKR_OK ? CKR_GENERAL_ERROR : rv,
                      "RSASVE decapsulation with key '%s'",
                      hsm_key_get0_label(r->key->priv));
        return 0;
    }
    /* Z = I2BS(z, nLen): the token may drop leading zero bytes. */
    memset(out, 0, need - zlen);
    memcpy(out + need - zlen, z, zlen);
    OPENSSL_secure_clear_free(z, need);
    *outlen = need;
    return 1;
}

static int rsasve_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct rsasve *r = vctx;
    const OSSL_PARAM *p;
    const char *op = NULL;

    if (params == NULL ||
        (p = OSSL_PARAM_locate_const(params, OSSL_KEM_PARAM_OPERATION)) == NULL)
        return 1;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &op))
        return 0;
    if (strcasecmp(op, RSASVE_OP) != 0) {
        PROV_RAISE(r->ctx, KW_R_INVALID_PARAM,
                   "KEM operation %s: RSA keys do %s", op, RSASVE_OP);
        return 0;
    }
    return 1;
}

static const OSSL_PARAM rsasve_settable[] = {
    OSSL_PARAM_utf8_string(OSSL_KEM_PARAM_OPERATION, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *rsasve_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return rsasve_settable;
}

const OSSL_DISPATCH prov_rsasve_kem_functions[] = {
    {OSSL_FUNC_KEM_NEWCTX, (void (*)(void))rsasve_newctx},
    {OSSL_FUNC_KEM_FREECTX, (void (*)(void))rsasve_freectx},
    {OSSL_FUNC_KEM_DUPCTX, (void (*)(void))rsasve_dupctx},
    {OSSL_FUNC_KEM_ENCAPSULATE_INIT, (void (*)(void))rsasve_encapsulate_init},
    {OSSL_FUNC_KEM_ENCAPSULATE, (void (*)(void))rsasve_encapsulate},
    {OSSL_FUNC_KEM_DECAPSULATE_INIT, (void (*)(void))rsasve_decapsulate_init},
    {OSSL_FUNC_KEM_DECAPSULATE, (void (*)(void))rsasve_decapsulate},
    {OSSL_FUNC_KEM_SET_CTX_PARAMS, (void (*)(void))rsasve_set_ctx_params},
    {OSSL_FUNC_KEM_SETTABLE_CTX_PARAMS,
     (void (*)(void))rsasve_settable_ctx_params},
    {0, NULL}};
