/* SPDX-License-Identifier: Apache-2.0 */
/* mac_common.c: what keyward's MACs (HMAC, AES-CMAC) share: the key by URI,
 * the input held back so that a short message costs one C_Sign, and
 * streaming through the token once it grows. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

void *prov_mac_newctx(void *provctx, const struct prov_mac_alg *alg)
{
    struct prov_mac *m = calloc(1, sizeof(*m));

    if (m == NULL)
        return NULL;
    m->ctx = provctx;
    m->alg = alg;
    m->choice = -1;
    return m;
}

static void mac_reset(struct prov_mac *m)
{
    hsm_op_free(m->op);
    m->op = NULL;
    OPENSSL_cleanse(m->buf, m->buflen);
    m->buflen = 0;
}

void prov_mac_freectx(void *vctx)
{
    struct prov_mac *m = vctx;

    if (m == NULL)
        return;
    mac_reset(m);
    prov_secret_clear(&m->key);
    PROV_CLEAR_FREE(m);
}

void *prov_mac_dupctx(void *vctx)
{
    struct prov_mac *src = vctx, *m;

    if (src->op != NULL) {
        PROV_RAISE(src->ctx, KW_R_OUT_OF_ORDER,
                   "%s: a context with a token operation in flight cannot "
                   "be copied",
                   src->alg->name);
        return NULL;
    }
    if ((m = malloc(sizeof(*m))) == NULL)
        return NULL;
    memcpy(m, src, sizeof(*m));
    prov_secret_copy(&m->key, &src->key);
    return m;
}

int prov_mac_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct prov_mac *m = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_MAC_PARAM_KEY)) != NULL)
        return prov_no_raw_key(m->ctx, (const unsigned char *)"", m->alg->name);
    if (!m->alg->set_params(m, params))
        return 0;
    if (OSSL_PARAM_locate_const(params, PROV_PARAM_KEY_URI) != NULL) {
        /* The family's own check (digest, key size) comes at init. */
        mac_reset(m);
        m->inited = false;
        if (!prov_secret_set_params(m->ctx, &m->key, params, &m->alg->key_any))
            return 0;
    }
    return 1;
}

int prov_mac_init(void *vctx, const unsigned char *key, size_t keylen,
                  const OSSL_PARAM params[])
{
    struct prov_mac *m = vctx;
    CK_KEY_TYPE t;

    (void)keylen;
    if (!prov_no_raw_key(m->ctx, key, m->alg->name) ||
        !prov_mac_set_ctx_params(m, params) || !m->alg->resolve(m) ||
        !prov_secret_ready(m->ctx, &m->key, m->cap, m->alg->name))
        return 0;
    /* The key against the family's choice, now that both are known. */
    t = hsm_key_get_type(m->key.key);
    {
        bool ok = false;

        for (size_t i = 0; i < m->need.ntypes; i++)
            ok |= t == m->need.types[i];
        size_t bits = hsm_key_get_bits(m->key.key); /* 0: not recorded */

        if (!ok || (m->need.bits != 0 && bits != 0 && bits != m->need.bits)) {
            PROV_RAISE(m->ctx, KW_R_KEY_UNSUITABLE,
                       "key '%s' (type 0x%lx, %zu bits) does not fit %s as "
                       "configured",
                       prov_secret_label(&m->key), (unsigned long)t,
                       hsm_key_get_bits(m->key.key), m->alg->name);
            return 0;
        }
    }
    if ((hsm_key_get_usage(m->key.key) & HSM_USE_SIGN) == 0) {
        PROV_RAISE(m->ctx, KW_R_KEY_UNSUITABLE,
                   "key '%s' does not allow %s (its CKA_SIGN is false)",
                   prov_secret_label(&m->key), m->alg->name);
        return 0;
    }
    mac_reset(m);
    m->inited = true;
    return 1;
}

#ifdef PROV_HAVE_SKEY
/* OpenSSL 3.5's EVP_MAC_init_SKEY with a keyward EVP_SKEY: untested here
 * (skeymgmt_secret.c). */
int prov_mac_init_skey(void *vctx, void *skeydata, const OSSL_PARAM params[])
{
    struct prov_mac *m = vctx;

    mac_reset(m);
    m->inited = false;
    if (!prov_skey_get_secret(m->ctx, skeydata, &m->key, &m->alg->key_any))
        return 0;
    return prov_mac_init(m, NULL, 0, params);
}
#endif

static int mac_ready(struct prov_mac *m)
{
    if (m->inited)
        return 1;
    PROV_RAISE(m->ctx, KW_R_OUT_OF_ORDER, "%s: not initialised (EVP_MAC_init)",
               m->alg->name);
    return 0;
}

static void mac_mech(const struct prov_mac *m, struct hsm_mech *mech)
{
    memset(mech, 0, sizeof(*mech));
    mech->type = m->mech;
}

static int mac_fail(struct prov_mac *m, CK_RV rv)
{
    mac_reset(m);
    m->inited = false;
    if (rv == CKR_KEY_SIZE_RANGE)
        /* Tokens bound key sizes per mechanism (SoftHSM: HMAC keys at
         * least as long as the digest). */
        PROV_RAISE(m->ctx, KW_R_KEY_UNSUITABLE,
                   "key '%s' has %zu bits, a size token '%s' refuses for %s",
                   prov_secret_label(&m->key), hsm_key_get_bits(m->key.key),
                   hsm_token_get0_info(m->key.pt->tok)->label,
                   hsm_mech_name(m->mech));
    else
        PROV_RAISE_RV(m->ctx, rv, "%s with key '%s'", m->alg->name,
                      prov_secret_label(&m->key));
    return 0;
}

/* The input outgrew the buffer: from now on it streams to the token. */
static int mac_start_stream(struct prov_mac *m)
{
    struct hsm_mech mech;
    CK_RV rv;

    mac_mech(m, &mech);
    ERR_set_mark();
    rv = hsm_op_start(m->key.key, &mech, HSM_OP_SIGN, &m->op);
    if (rv == CKR_OK && m->buflen > 0)
        rv = hsm_op_update(m->op, m->buf, m->buflen, NULL, NULL);
    ERR_pop_to_mark();
    if (rv != CKR_OK)
        return mac_fail(m, rv);
    OPENSSL_cleanse(m->buf, m->buflen);
    m->buflen = 0;
    return 1;
}

int prov_mac_update(void *vctx, const unsigned char *in, size_t inl)
{
    struct prov_mac *m = vctx;
    CK_RV rv;

    if (!mac_ready(m))
        return 0;
    if (inl == 0)
        return 1;
    /* tpm2-pkcs11 1.9.0 MACs at most 4096 bytes (hsm/), the size of buf:
     * say so rather than let it fail the end with a wrong reason. */
    _Static_assert(PROV_MAC_BUF == 4096, "the tpm2-pkcs11 HMAC limit");
    if (inl > sizeof(m->buf) - m->buflen &&
        (hsm_token_quirks(m->key.pt->tok) & HSM_QUIRK_HMAC_4096)) {
        PROV_RAISE(m->ctx, KW_R_BAD_LENGTH,
                   "%s: token '%s' MACs at most 4096 bytes per message "
                   "(tpm2-pkcs11); this one has %zu so far",
                   m->alg->name, hsm_token_get0_info(m->key.pt->tok)->label,
                   m->buflen + inl);
        return 0;
    }
    if (m->op == NULL && inl <= sizeof(m->buf) - m->buflen) {
        memcpy(m->buf + m->buflen, in, inl);
        m->buflen += inl;
        return 1;
    }
    if (m->op == NULL && !mac_start_stream(m))
        return 0;
    ERR_set_mark();
    rv = hsm_op_update(m->op, in, inl, NULL, NULL);
    ERR_pop_to_mark();
    return rv == CKR_OK ? 1 : mac_fail(m, rv);
}

int prov_mac_final(void *vctx, unsigned char *out, size_t *outl, size_t outsize)
{
    struct prov_mac *m = vctx;
    struct hsm_mech mech;
    size_t n = outsize;
    CK_RV rv;

    *outl = 0;
    if (!mac_ready(m))
        return 0;
    if (outsize < m->size) {
        PROV_RAISE(m->ctx, KW_R_BUFFER_TOO_SMALL,
                   "%s: MAC of %zu bytes, buffer of %zu", m->alg->name, m->size,
                   outsize);
        return 0;
    }
    ERR_set_mark();
    if (m->op != NULL) {
        rv = hsm_op_final(m->op, out, &n);
    } else {
        mac_mech(m, &mech);
        rv = hsm_sign(m->key.key, &mech, m->buf, m->buflen, out, &n);
    }
    ERR_pop_to_mark();
    if (rv != CKR_OK)
        return mac_fail(m, rv);
    mac_reset(m);
    m->inited = false; /* EVP_MAC_init again for the next message */
    *outl = n;
    return 1;
}

int prov_mac_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct prov_mac *m = vctx;
    OSSL_PARAM *p;

    /* The sizes follow the family's choice (0 until it is made). */
    ERR_set_mark();
    if (!m->alg->resolve(m))
        m->size = m->block = 0;
    ERR_pop_to_mark();
    if ((p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_SIZE)) != NULL &&
        !OSSL_PARAM_set_size_t(p, m->size))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_BLOCK_SIZE)) != NULL &&
        !OSSL_PARAM_set_size_t(p, m->block))
        return 0;
    return 1;
}

static const OSSL_PARAM mac_known_gettable_ctx[] = {
    OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, NULL),
    OSSL_PARAM_size_t(OSSL_MAC_PARAM_BLOCK_SIZE, NULL), OSSL_PARAM_END};

const OSSL_PARAM *prov_mac_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return mac_known_gettable_ctx;
}
