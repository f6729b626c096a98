/* SPDX-License-Identifier: Apache-2.0 */
/* exch_ecdh.c: ECDH (EVP_PKEY_derive) with the private key in the token:
 * CKM_ECDH1_DERIVE with the peer's point, the shared x-coordinate out. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "prov.h"

static OSSL_FUNC_keyexch_newctx_fn ecdh_newctx;
static OSSL_FUNC_keyexch_init_fn ecdh_init;
static OSSL_FUNC_keyexch_set_peer_fn ecdh_set_peer;
static OSSL_FUNC_keyexch_derive_fn ecdh_derive;
static OSSL_FUNC_keyexch_freectx_fn ecdh_freectx;
static OSSL_FUNC_keyexch_dupctx_fn ecdh_dupctx;
static OSSL_FUNC_keyexch_set_ctx_params_fn ecdh_set_ctx_params;
static OSSL_FUNC_keyexch_settable_ctx_params_fn ecdh_settable_ctx_params;
static OSSL_FUNC_keyexch_get_ctx_params_fn ecdh_get_ctx_params;
static OSSL_FUNC_keyexch_gettable_ctx_params_fn ecdh_gettable_ctx_params;

struct ecdh {
    prov_ctx *ctx;
    prov_key *key, *peer;
};

static void *ecdh_newctx(void *provctx)
{
    struct ecdh *c = calloc(1, sizeof(*c));

    if (c != NULL)
        c->ctx = provctx;
    return c;
}

static void ecdh_freectx(void *vctx)
{
    struct ecdh *c = vctx;

    if (c == NULL)
        return;
    prov_key_free(c->key);
    prov_key_free(c->peer);
    PROV_CLEAR_FREE(c);
}

static void *ecdh_dupctx(void *vctx)
{
    struct ecdh *src = vctx, *c = malloc(sizeof(*c));

    if (c == NULL)
        return NULL;
    *c = *src;
    if (c->key != NULL)
        prov_key_up_ref(c->key);
    if (c->peer != NULL)
        prov_key_up_ref(c->peer);
    return c;
}

static int ecdh_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
    struct ecdh *c = vctx;
    prov_key *k = keydata;

    if (k == NULL || k->type != PROV_KEY_EC) {
        PROV_RAISE(c->ctx, KW_R_KEY_UNSUITABLE, "ECDH needs an EC key");
        return 0;
    }
    /* The token first: if it has no ECDH at all, that is the message. */
    if (!prov_cap_check(c->ctx, k->pt, PROV_CAP_ECDH, "ECDH") ||
        !prov_key_check_private(k, HSM_USE_DERIVE, "ECDH"))
        return 0;
    prov_key_up_ref(k);
    prov_key_free(c->key);
    c->key = k;
    return ecdh_set_ctx_params(c, params);
}

static int ecdh_set_peer(void *vctx, void *peerdata)
{
    struct ecdh *c = vctx;
    prov_key *p = peerdata;

    if (p == NULL || p->type != PROV_KEY_EC || !p->has_pub) {
        PROV_RAISE(c->ctx, KW_R_KEY_UNSUITABLE, "ECDH peer has no EC point");
        return 0;
    }
    if (c->key != NULL && p->curve != c->key->curve) {
        PROV_RAISE(c->ctx, KW_R_KEY_UNSUITABLE,
                   "ECDH peer is on %s, the key on %s",
                   prov_curve_name(p->curve), prov_curve_name(c->key->curve));
        return 0;
    }
    prov_key_up_ref(p);
    prov_key_free(c->peer);
    c->peer = p;
    return 1;
}

static int ecdh_derive(void *vctx, unsigned char *secret, size_t *secretlen,
                       size_t outlen)
{
    struct ecdh *c = vctx;
    size_t need, len;
    CK_RV rv;

    if (c->key == NULL || c->peer == NULL) {
        PROV_RAISE(c->ctx, KW_R_INVALID_PARAM, "ECDH needs a key and a peer");
        return 0;
    }
    need = (size_t)(c->key->bits + 7) / 8;
    if (secret == NULL) {
        *secretlen = need;
        return 1;
    }
    if (outlen < need) {
        PROV_RAISE(c->ctx, KW_R_BUFFER_TOO_SMALL,
                   "shared secret of %zu bytes, buffer of %zu", need, outlen);
        return 0;
    }
    len = outlen;
    ERR_set_mark();
    rv = hsm_derive_ecdh(c->key->priv, c->peer->point, c->peer->point_len,
                         secret, &len);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(c->ctx, rv, "ECDH with key '%s'",
                      hsm_key_get0_label(c->key->priv));
        return 0;
    }
    *secretlen = len;
    return 1;
}

/* No KDF: the raw shared secret, as OpenSSL's ECDH gives by default. */
static int ecdh_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct ecdh *c = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_EXCHANGE_PARAM_KDF_TYPE);
    if (p != NULL) {
        const char *name = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
            return 0;
        if (name[0] != '\0') {
            PROV_RAISE(c->ctx, KW_R_INVALID_PARAM,
                       "ECDH KDF %s: keyward gives the raw shared secret; "
                       "apply the KDF to it",
                       name);
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params,
                                OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE);
    if (p != NULL) {
        int mode = 0;

        /* Cofactor 1 on every curve keyward supports: both modes agree. */
        if (!OSSL_PARAM_get_int(p, &mode) || mode < -1 || mode > 1)
            return 0;
    }
    return 1;
}

static const OSSL_PARAM settable[] = {
    OSSL_PARAM_utf8_string(OSSL_EXCHANGE_PARAM_KDF_TYPE, NULL, 0),
    OSSL_PARAM_int(OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE, NULL),
    OSSL_PARAM_END};

static const OSSL_PARAM *ecdh_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return settable;
}

static int ecdh_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)vctx;
    p = OSSL_PARAM_locate(params, OSSL_EXCHANGE_PARAM_KDF_TYPE);
    if (p != NULL && !OSSL_PARAM_set_utf8_string(p, ""))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE);
    if (p != NULL && !OSSL_PARAM_set_int(p, 0))
        return 0;
    return 1;
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_utf8_string(OSSL_EXCHANGE_PARAM_KDF_TYPE, NULL, 0),
    OSSL_PARAM_int(OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE, NULL),
    OSSL_PARAM_END};

static const OSSL_PARAM *ecdh_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gettable;
}

const OSSL_DISPATCH prov_ecdh_keyexch_functions[] = {
    {OSSL_FUNC_KEYEXCH_NEWCTX, (void (*)(void))ecdh_newctx},
    {OSSL_FUNC_KEYEXCH_INIT, (void (*)(void))ecdh_init},
    {OSSL_FUNC_KEYEXCH_SET_PEER, (void (*)(void))ecdh_set_peer},
    {OSSL_FUNC_KEYEXCH_DERIVE, (void (*)(void))ecdh_derive},
    {OSSL_FUNC_KEYEXCH_FREECTX, (void (*)(void))ecdh_freectx},
    {OSSL_FUNC_KEYEXCH_DUPCTX, (void (*)(void))ecdh_dupctx},
    {OSSL_FUNC_KEYEXCH_SET_CTX_PARAMS, (void (*)(void))ecdh_set_ctx_params},
    {OSSL_FUNC_KEYEXCH_SETTABLE_CTX_PARAMS,
     (void (*)(void))ecdh_settable_ctx_params},
    {OSSL_FUNC_KEYEXCH_GET_CTX_PARAMS, (void (*)(void))ecdh_get_ctx_params},
    {OSSL_FUNC_KEYEXCH_GETTABLE_CTX_PARAMS,
     (void (*)(void))ecdh_gettable_ctx_params},
    {0, NULL}};
