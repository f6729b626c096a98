/* SPDX-License-Identifier: Apache-2.0 */
/* sign.c: signatures and their verification with a key in the token. */
#include <string.h>

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

/*
 * ECDSA reads its input as an integer (the leftmost bits of the digest, as
 * many as the order has), so zeros in front change nothing while the padded
 * length fits the curve. For tokens that accept only some input lengths,
 * pad to the next one they take; longer inputs they truncate themselves.
 */
static const uint8_t *ecdsa_pad(const hsm_key *k, const uint8_t *in,
                                size_t *inlen, uint8_t buf[64])
{
    static const size_t ok_lens[] = {20, 32, 48, 64};
    size_t field = (k->bits + 7) / 8;

    for (size_t i = 0; i < sizeof(ok_lens) / sizeof(ok_lens[0]); i++) {
        if (*inlen == ok_lens[i])
            return in;
        if (*inlen < ok_lens[i] && ok_lens[i] <= field) {
            memset(buf, 0, ok_lens[i] - *inlen);
            memcpy(buf + ok_lens[i] - *inlen, in, *inlen);
            *inlen = ok_lens[i];
            return buf;
        }
    }
    return in;
}

CK_RV hsm_sign(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
               size_t inlen, uint8_t *sig, size_t *siglen)
{
    struct sign_args a = {.in = in, .inlen = inlen, .sig = sig,
                          .siglen = siglen, .key = k};
    uint8_t padded[64];
    CK_RV rv;

    if (sig == NULL || siglen == NULL)
        return CKR_ARGUMENTS_BAD;
    if (k->cls != CKO_PRIVATE_KEY && k->cls != CKO_SECRET_KEY)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_token_check_mech(k->token, m->type, CKF_SIGN)) != CKR_OK)
        return rv;
    if (__builtin_expect(k->token->mod->ecdsa_digest_lengths, 0) &&
        m->type == CKM_ECDSA && inlen < 64)
        a.in = ecdsa_pad(k, in, &a.inlen, padded);
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
