/* SPDX-License-Identifier: Apache-2.0 */
/* sign.c: signatures and their verification with a key in the token. */
#include "hsm_internal.h"

struct sign_args {
    struct hsm_ck_mech mech;
    const uint8_t *in;
    size_t inlen;
    uint8_t *sig;
    size_t *siglen;
    const uint8_t *csig; /* verify */
    hsm_key *key;
};

/* CKA_ALWAYS_AUTHENTICATE keys want the PIN again after each SignInit. */
static CK_RV context_login(hsm_session *s, hsm_key *k)
{
    hsm_token *t = s->token;
    CK_RV rv;

    pthread_mutex_lock(&t->lock);
    rv = t->pin == NULL ? HSM_RV_PIN_MISSING
                        : t->mod->fl->C_Login(s->h, CKU_CONTEXT_SPECIFIC,
                                              (CK_UTF8CHAR *)t->pin, t->pin_len);
    pthread_mutex_unlock(&t->lock);
    (void)k;
    return rv;
}

/* The hot path: exactly C_SignInit and C_Sign. */
static CK_RV sign_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct sign_args *a = arg;
    CK_FUNCTION_LIST *fl = s->token->mod->fl;
    CK_ULONG len = *a->siglen;
    CK_RV rv;

    if ((rv = fl->C_SignInit(s->h, &a->mech.m, h)) != CKR_OK)
        return rv;
    s->op_active = true;
    if (a->key->always_auth && (rv = context_login(s, a->key)) != CKR_OK)
        return rv;
    rv = fl->C_Sign(s->h, (CK_BYTE *)a->in, a->inlen, a->sig, &len);
    if (rv != CKR_BUFFER_TOO_SMALL)
        s->op_active = false;
    if (rv == CKR_OK)
        *a->siglen = len;
    return rv;
}

CK_RV hsm_sign(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
               size_t inlen, uint8_t *sig, size_t *siglen)
{
    struct sign_args a = {.in = in, .inlen = inlen, .sig = sig,
                          .siglen = siglen, .key = k};

    if (sig == NULL || siglen == NULL)
        return CKR_ARGUMENTS_BAD;
    CK_RV rv;

    if (k->cls != CKO_PRIVATE_KEY && k->cls != CKO_SECRET_KEY)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_token_check_mech(k->token, m->type, CKF_SIGN)) != CKR_OK)
        return rv;
    hsm_mech_to_ck(m, &a.mech);
    return hsm_run(k, sign_fn, &a);
}

static CK_RV verify_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct sign_args *a = arg;
    CK_FUNCTION_LIST *fl = s->token->mod->fl;
    CK_RV rv;

    if ((rv = fl->C_VerifyInit(s->h, &a->mech.m, h)) != CKR_OK)
        return rv;
    s->op_active = true;
    rv = fl->C_Verify(s->h, (CK_BYTE *)a->in, a->inlen, (CK_BYTE *)a->csig,
                      *a->siglen);
    s->op_active = false;
    return rv;
}

CK_RV hsm_verify(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                 size_t inlen, const uint8_t *sig, size_t siglen)
{
    struct sign_args a = {.in = in, .inlen = inlen, .csig = sig,
                          .siglen = &siglen, .key = k};

    CK_RV rv;

    if (k->cls == CKO_PRIVATE_KEY || k->cls == CKO_CERTIFICATE)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_token_check_mech(k->token, m->type, CKF_VERIFY)) != CKR_OK)
        return rv;
    hsm_mech_to_ck(m, &a.mech);
    return hsm_run(k, verify_fn, &a);
}
