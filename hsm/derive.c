/* SPDX-License-Identifier: Apache-2.0 */
/* derive.c: ECDH1-DERIVE with a private key in the token. */
#include <string.h>

#include <openssl/crypto.h>

#include "hsm_internal.h"

struct derive_args {
    CK_ECDH1_DERIVE_PARAMS params;
    CK_MECHANISM mech;
    CK_ATTRIBUTE *tmpl;
    size_t ntmpl;
    CK_OBJECT_HANDLE obj;
    uint8_t *secret;     /* hsm_derive_ecdh: where the value goes */
    size_t *secret_len;
};

static void derive_setup(struct derive_args *a, const uint8_t *peer,
                         size_t peer_len)
{
    a->params.kdf = CKD_NULL;
    a->params.pPublicData = (CK_BYTE *)peer;
    a->params.ulPublicDataLen = peer_len;
    a->mech.mechanism = CKM_ECDH1_DERIVE;
    a->mech.pParameter = &a->params;
    a->mech.ulParameterLen = sizeof(a->params);
}

/* Derives an extractable session secret, reads it and destroys it, all on
 * one session, so that it never outlives this call in the token. */
static CK_RV derive_out_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct derive_args *a = arg;
    CK_FUNCTION_LIST *fl = s->token->mod->fl;
    CK_ATTRIBUTE val = {CKA_VALUE, a->secret, *a->secret_len};
    CK_RV rv;

    rv = fl->C_DeriveKey(s->h, &a->mech, h, a->tmpl, a->ntmpl, &a->obj);
    if (rv != CKR_OK)
        return rv;
    rv = fl->C_GetAttributeValue(s->h, a->obj, &val, 1);
    fl->C_DestroyObject(s->h, a->obj);
    if (rv == CKR_OK)
        *a->secret_len = val.ulValueLen;
    return rv;
}

static size_t field_bytes(const hsm_key *k)
{
    return (k->bits + 7) / 8;
}

CK_RV hsm_derive_ecdh(hsm_key *priv, const uint8_t *peer, size_t peer_len,
                      uint8_t *secret, size_t *secret_len)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG len = field_bytes(priv);
    CK_ATTRIBUTE tmpl[] = {
        HSM_ATTR(CKA_CLASS, &cls),        HSM_ATTR(CKA_KEY_TYPE, &type),
        HSM_ATTR(CKA_TOKEN, &no),         HSM_ATTR(CKA_SENSITIVE, &no),
        HSM_ATTR(CKA_EXTRACTABLE, &yes),  HSM_ATTR(CKA_VALUE_LEN, &len),
    };
    struct derive_args a = {.tmpl = tmpl, .ntmpl = 6, .secret = secret,
                            .secret_len = secret_len};
    CK_RV rv;

    if (priv->cls != CKO_PRIVATE_KEY || priv->type != CKK_EC)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_token_check_mech(priv->token, CKM_ECDH1_DERIVE, CKF_DERIVE)) !=
        CKR_OK)
        return rv;
    if (secret == NULL || secret_len == NULL || *secret_len < len)
        return CKR_BUFFER_TOO_SMALL;
    derive_setup(&a, peer, peer_len);
    rv = hsm_run(priv, derive_out_fn, &a);
    if (rv != CKR_OK)
        OPENSSL_cleanse(secret, len);
    return rv;
}

static CK_RV derive_key_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct derive_args *a = arg;
    return s->token->mod->fl->C_DeriveKey(s->h, &a->mech, h, a->tmpl, a->ntmpl,
                                          &a->obj);
}

CK_RV hsm_derive_ecdh_key(hsm_key *priv, const uint8_t *peer, size_t peer_len,
                          CK_KEY_TYPE type, size_t len, hsm_key **out)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG vlen = len;
    bool aes = type == CKK_AES;
    CK_ATTRIBUTE tmpl[] = {
        HSM_ATTR(CKA_CLASS, &cls),       HSM_ATTR(CKA_KEY_TYPE, &type),
        HSM_ATTR(CKA_TOKEN, &no),        HSM_ATTR(CKA_SENSITIVE, &yes),
        HSM_ATTR(CKA_EXTRACTABLE, &no),  HSM_ATTR(CKA_VALUE_LEN, &vlen),
        HSM_ATTR(aes ? CKA_ENCRYPT : CKA_SIGN, &yes),
        HSM_ATTR(aes ? CKA_DECRYPT : CKA_VERIFY, &yes),
    };
    struct derive_args a = {.tmpl = tmpl, .ntmpl = 8};
    CK_OBJECT_HANDLE h;
    hsm_session *s;
    CK_RV rv;

    *out = NULL;
    if (priv->cls != CKO_PRIVATE_KEY || priv->type != CKK_EC)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_token_check_mech(priv->token, CKM_ECDH1_DERIVE, CKF_DERIVE)) !=
        CKR_OK)
        return rv;
    derive_setup(&a, peer, peer_len);
    if ((rv = hsm_session_get(priv->token, &s)) != CKR_OK)
        return rv;
    rv = hsm_key_handle(priv, &h);
    hsm_session_put(s);
    if (rv != CKR_OK)
        return rv;
    /* On the anchor: the key must outlive any pooled session. */
    if ((rv = hsm_run_anchor(priv->token, derive_key_fn, h, &a)) != CKR_OK)
        return rv;
    if ((rv = hsm_session_get(priv->token, &s)) != CKR_OK)
        return rv;
    rv = hsm_key_from_handle(priv->token, s, a.obj, out);
    hsm_session_put(s);
    return rv;
}
