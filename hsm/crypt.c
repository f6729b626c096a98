/* SPDX-License-Identifier: Apache-2.0 */
/* crypt.c: encryption and decryption, single-part and multi-part. */
#include <stdlib.h>

#include "hsm_internal.h"

struct crypt_args {
    struct hsm_ck_mech mech;
    bool encrypt;
    const uint8_t *in;
    size_t inlen;
    uint8_t *out;
    size_t *outlen;
};

/* SoftHSM 2.6 reports a failed AES-GCM tag check as CKR_GENERAL_ERROR (or
 * CKR_FUNCTION_FAILED): for an AEAD decryption the only failure a correct
 * caller can meet is a bad tag, so say so. */
static CK_RV aead_decrypt_rv(CK_MECHANISM_TYPE mech, CK_RV rv)
{
    if (mech == CKM_AES_GCM &&
        (rv == CKR_GENERAL_ERROR || rv == CKR_FUNCTION_FAILED))
        return CKR_ENCRYPTED_DATA_INVALID;
    return rv;
}

static CK_RV crypt_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct crypt_args *a = arg;
    CK_FUNCTION_LIST *fl = s->token->mod->fl;
    CK_ULONG len = *a->outlen;
    CK_RV rv;

    rv = a->encrypt ? fl->C_EncryptInit(s->h, &a->mech.m, h)
                    : fl->C_DecryptInit(s->h, &a->mech.m, h);
    if (rv != CKR_OK)
        return rv;
    s->op_active = true;
    rv = a->encrypt ? fl->C_Encrypt(s->h, (CK_BYTE *)a->in, a->inlen, a->out, &len)
                    : aead_decrypt_rv(a->mech.m.mechanism,
                                      fl->C_Decrypt(s->h, (CK_BYTE *)a->in,
                                                    a->inlen, a->out, &len));
    if (rv != CKR_BUFFER_TOO_SMALL && a->out != NULL)
        s->op_active = false;
    if (rv == CKR_OK)
        *a->outlen = len;
    return rv;
}

static CK_RV crypt_run(hsm_key *k, const struct hsm_mech *m, bool encrypt,
                       const uint8_t *in, size_t inlen, uint8_t *out,
                       size_t *outlen)
{
    struct crypt_args a = {.encrypt = encrypt, .in = in, .inlen = inlen,
                           .out = out, .outlen = outlen};

    CK_RV rv;

    if (out == NULL || outlen == NULL)
        return CKR_ARGUMENTS_BAD;
    if ((rv = hsm_token_check_mech(k->token, m->type,
                                   encrypt ? CKF_ENCRYPT : CKF_DECRYPT)) != CKR_OK)
        return rv;
    hsm_mech_to_ck(m, &a.mech);
    return hsm_run(k, crypt_fn, &a);
}

CK_RV hsm_encrypt(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                  size_t inlen, uint8_t *out, size_t *outlen)
{
    if (k->cls == CKO_PRIVATE_KEY || k->cls == CKO_CERTIFICATE)
        return HSM_RV_KEY_UNSUITABLE;
    return crypt_run(k, m, true, in, inlen, out, outlen);
}

CK_RV hsm_decrypt(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                  size_t inlen, uint8_t *out, size_t *outlen)
{
    if (k->cls == CKO_PUBLIC_KEY || k->cls == CKO_CERTIFICATE)
        return HSM_RV_KEY_UNSUITABLE;
    return crypt_run(k, m, false, in, inlen, out, outlen);
}

struct hsm_op {
    hsm_key *key;
    hsm_session *s;
    enum hsm_op_kind kind;
    struct hsm_ck_mech mech;
};

static CK_RV op_init(hsm_op *op, CK_OBJECT_HANDLE h)
{
    CK_FUNCTION_LIST *fl = op->s->token->mod->fl;
    CK_SESSION_HANDLE sh = op->s->h;

    switch (op->kind) {
    case HSM_OP_ENCRYPT: return fl->C_EncryptInit(sh, &op->mech.m, h);
    case HSM_OP_DECRYPT: return fl->C_DecryptInit(sh, &op->mech.m, h);
    case HSM_OP_SIGN: return fl->C_SignInit(sh, &op->mech.m, h);
    case HSM_OP_VERIFY: return fl->C_VerifyInit(sh, &op->mech.m, h);
    }
    return CKR_ARGUMENTS_BAD;
}

CK_RV hsm_op_start(hsm_key *k, const struct hsm_mech *m, enum hsm_op_kind kind,
                   hsm_op **out)
{
    hsm_op *op;
    CK_RV rv;

    static const CK_FLAGS need[] = {CKF_ENCRYPT, CKF_DECRYPT, CKF_SIGN, CKF_VERIFY};

    *out = NULL;
    if ((rv = hsm_token_check_mech(k->token, m->type, need[kind])) != CKR_OK)
        return rv;
    if ((op = calloc(1, sizeof(*op))) == NULL)
        return CKR_HOST_MEMORY;
    op->kind = kind;
    hsm_mech_to_ck(m, &op->mech);
    for (int attempt = 0;; attempt++) {
        CK_OBJECT_HANDLE h;
        if ((rv = hsm_session_get(k->token, &op->s)) != CKR_OK)
            break;
        if ((rv = hsm_key_handle(k, &h)) == CKR_OK)
            rv = op_init(op, h);
        if (rv == CKR_OK) {
            op->s->op_active = true;
            hsm_key_up_ref(k);
            op->key = k;
            *out = op;
            return CKR_OK;
        }
        if (attempt > 0) {
            hsm_session_put(op->s);
            break;
        }
        if (!hsm_recover(k->token, op->s, k, rv))
            break;
    }
    free(op);
    return rv;
}

/* A failed update or final ends the operation in the token. */
static CK_RV op_done(hsm_op *op, CK_RV rv)
{
    if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
        op->s->op_active = false;
    return rv;
}

CK_RV hsm_op_update(hsm_op *op, const uint8_t *in, size_t inlen, uint8_t *out,
                    size_t *outlen)
{
    CK_FUNCTION_LIST *fl = op->s->token->mod->fl;
    CK_SESSION_HANDLE sh = op->s->h;
    CK_ULONG len = outlen ? *outlen : 0;
    CK_RV rv;

    if (!op->s->op_active)
        return CKR_OPERATION_NOT_INITIALIZED;
    switch (op->kind) {
    case HSM_OP_ENCRYPT:
        rv = fl->C_EncryptUpdate(sh, (CK_BYTE *)in, inlen, out, &len);
        break;
    case HSM_OP_DECRYPT:
        rv = fl->C_DecryptUpdate(sh, (CK_BYTE *)in, inlen, out, &len);
        break;
    case HSM_OP_SIGN:
        rv = fl->C_SignUpdate(sh, (CK_BYTE *)in, inlen);
        len = 0;
        break;
    default:
        rv = fl->C_VerifyUpdate(sh, (CK_BYTE *)in, inlen);
        len = 0;
        break;
    }
    if (rv == CKR_OK && outlen != NULL)
        *outlen = len;
    return op_done(op, rv);
}

CK_RV hsm_op_final(hsm_op *op, uint8_t *out, size_t *outlen)
{
    CK_FUNCTION_LIST *fl = op->s->token->mod->fl;
    CK_SESSION_HANDLE sh = op->s->h;
    CK_ULONG len = outlen ? *outlen : 0;
    CK_RV rv;

    if (!op->s->op_active)
        return CKR_OPERATION_NOT_INITIALIZED;
    switch (op->kind) {
    case HSM_OP_ENCRYPT:
        rv = fl->C_EncryptFinal(sh, out, &len);
        break;
    case HSM_OP_DECRYPT:
        rv = aead_decrypt_rv(op->mech.m.mechanism,
                             fl->C_DecryptFinal(sh, out, &len));
        break;
    case HSM_OP_SIGN:
        rv = fl->C_SignFinal(sh, out, &len);
        break;
    default:
        rv = fl->C_VerifyFinal(sh, out, len);
        op->s->op_active = false;
        return rv;
    }
    if (out == NULL && rv == CKR_OK) {
        /* A length query leaves the operation active. */
        *outlen = len;
        return rv;
    }
    if (rv == CKR_OK) {
        *outlen = len;
        op->s->op_active = false;
    }
    return op_done(op, rv);
}

void hsm_op_free(hsm_op *op)
{
    if (op == NULL)
        return;
    hsm_session_put(op->s);
    hsm_key_free(op->key);
    free(op);
}
