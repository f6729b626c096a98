/* SPDX-License-Identifier: Apache-2.0 */
/* sig_common.c: the signature context the three families share: digest in
 * software, the private operation in the token, verification in software
 * on the cached public half. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "prov.h"

void *prov_sig_newctx(void *provctx, const struct prov_sig_alg *alg)
{
    struct prov_sig *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->alg = alg;
    s->ctx = provctx;
    s->pad = RSA_PKCS1_PADDING;
    s->saltlen = RSA_PSS_SALTLEN_AUTO;
    return s;
}

void prov_sig_freectx(void *vctx)
{
    struct prov_sig *s = vctx;

    if (s == NULL)
        return;
    prov_key_free(s->key);
    EVP_MD_free(s->md);
    EVP_MD_free(s->mgf1);
    EVP_MD_CTX_free(s->mdctx);
    PROV_CLEAR_FREE(s);
}

/* Copies, re-acquires every owned pointer, and on failure frees through
 * the real freectx, which copes with a half-built context. */
void *prov_sig_dupctx(void *vctx)
{
    struct prov_sig *src = vctx, *s = malloc(sizeof(*s));

    if (s == NULL)
        return NULL;
    *s = *src;
    s->key = NULL;
    s->md = NULL;
    s->mgf1 = NULL;
    s->mdctx = NULL;
    if (src->key != NULL) {
        prov_key_up_ref(src->key);
        s->key = src->key;
    }
    if (src->md != NULL) {
        if (!EVP_MD_up_ref(src->md))
            goto err;
        s->md = src->md;
    }
    if (src->mgf1 != NULL) {
        if (!EVP_MD_up_ref(src->mgf1))
            goto err;
        s->mgf1 = src->mgf1;
    }
    if (src->mdctx != NULL && ((s->mdctx = EVP_MD_CTX_new()) == NULL ||
                               !EVP_MD_CTX_copy_ex(s->mdctx, src->mdctx)))
        goto err;
    return s;
err:
    prov_sig_freectx(s);
    return NULL;
}

size_t prov_sig_mdsize(const struct prov_sig *s)
{
    return s->md != NULL ? (size_t)EVP_MD_get_size(s->md) : 0;
}

int prov_sig_set_md(struct prov_sig *s, const char *name)
{
    EVP_MD *md;

    if (name == NULL || name[0] == '\0')
        return 1;
    if (!s->alg->prehash) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "%s takes no separate digest (got %s)", s->alg->what, name);
        return 0;
    }
    if (s->md_locked) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "digest cannot change once data was signed");
        return 0;
    }
    if ((md = prov_md_fetch(s->ctx, name)) == NULL)
        return 0;
    if (prov_md_mech(md) == 0) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "digest %s has no PKCS#11 equivalent", name);
        EVP_MD_free(md);
        return 0;
    }
    EVP_MD_free(s->md);
    s->md = md;
    return 1;
}

static int sig_init(struct prov_sig *s, void *keydata,
                    const OSSL_PARAM params[], int operation)
{
    prov_key *k = keydata;

    if (k == NULL && s->key == NULL) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "no key");
        return 0;
    }
    if (k != NULL) {
        if (k->type != s->alg->type) {
            PROV_RAISE(s->ctx, KW_R_KEY_UNSUITABLE, "%s needs another key type",
                       s->alg->what);
            return 0;
        }
        prov_key_up_ref(k);
        prov_key_free(s->key);
        s->key = k;
    }
    s->operation = operation;
    s->md_locked = false;
    if (s->mdctx != NULL)
        EVP_MD_CTX_reset(s->mdctx);
    if (operation == EVP_PKEY_OP_SIGN &&
        (!prov_key_check_private(s->key, HSM_USE_SIGN, s->alg->what) ||
         !prov_cap_check(s->ctx, s->key->pt, s->alg->cap, s->alg->what)))
        return 0;
    if (operation == EVP_PKEY_OP_VERIFY && !s->key->has_pub) {
        PROV_RAISE(s->ctx, KW_R_KEY_UNSUITABLE, "no public key to verify with");
        return 0;
    }
    return params == NULL || s->alg->set_params(s, params);
}

int prov_sig_sign_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
    return sig_init(vctx, keydata, params, EVP_PKEY_OP_SIGN);
}

int prov_sig_verify_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
    return sig_init(vctx, keydata, params, EVP_PKEY_OP_VERIFY);
}

/* EVP_PKEY_sign: tbs is already a digest (or raw input). */
int prov_sig_sign(void *vctx, unsigned char *sig, size_t *siglen,
                  size_t sigsize, const unsigned char *tbs, size_t tbslen)
{
    struct prov_sig *s = vctx;

    if (s->key == NULL || s->operation != EVP_PKEY_OP_SIGN) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "not initialised to sign");
        return 0;
    }
    if (sig == NULL) {
        *siglen = (size_t)s->key->max_size;
        return 1;
    }
    if (s->md != NULL && tbslen != prov_sig_mdsize(s)) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "input is %zu bytes, the %s digest is %zu", tbslen,
                   EVP_MD_get0_name(s->md), prov_sig_mdsize(s));
        return 0;
    }
    return s->alg->sign(s, tbs, tbslen, sig, siglen, sigsize);
}

/* Verification runs in software (the child context) on the public half. */
static int verify_sw(struct prov_sig *s, const unsigned char *sig,
                     size_t siglen, const unsigned char *tbs, size_t tbslen)
{
    EVP_PKEY *pkey = prov_key_get0_sw(s->key);
    EVP_PKEY_CTX *vctx = NULL;
    int rc = 0;

    if (pkey == NULL)
        return 0;
    prov_child_enter();
    vctx = EVP_PKEY_CTX_new_from_pkey(s->ctx->libctx, pkey, NULL);
    if (vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0 ||
        (s->md != NULL && EVP_PKEY_CTX_set_signature_md(vctx, s->md) <= 0) ||
        (s->alg->verify_setup != NULL && !s->alg->verify_setup(s, vctx))) {
        PROV_RAISE(s->ctx, KW_R_OPERATION_FAILED,
                   "cannot set up %s verification", s->alg->what);
        goto out;
    }
    rc = EVP_PKEY_verify(vctx, sig, siglen, tbs, tbslen) == 1;
out:
    EVP_PKEY_CTX_free(vctx);
    prov_child_leave();
    return rc;
}

int prov_sig_verify(void *vctx, const unsigned char *sig, size_t siglen,
                    const unsigned char *tbs, size_t tbslen)
{
    struct prov_sig *s = vctx;

    if (s->key == NULL || s->operation != EVP_PKEY_OP_VERIFY) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "not initialised to verify");
        return 0;
    }
    return verify_sw(s, sig, siglen, tbs, tbslen);
}

/* ------------------------------------------------------------------ */
/* Digest-and-sign                                                      */

static int digest_init(struct prov_sig *s, const char *mdname, void *keydata,
                       const OSSL_PARAM params[], int operation)
{
    if (!sig_init(s, keydata, NULL, operation))
        return 0;
    if (s->alg->prehash) {
        if ((mdname == NULL || mdname[0] == '\0') && s->md == NULL)
            mdname = "SHA256";
        if (mdname != NULL && mdname[0] != '\0' && !prov_sig_set_md(s, mdname))
            return 0;
    } else if (mdname != NULL && mdname[0] != '\0') {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "%s takes no separate digest (got %s)", s->alg->what,
                   mdname);
        return 0;
    }
    return params == NULL || s->alg->set_params(s, params);
}

int prov_sig_digest_sign_init(void *vctx, const char *mdname, void *keydata,
                              const OSSL_PARAM params[])
{
    return digest_init(vctx, mdname, keydata, params, EVP_PKEY_OP_SIGN);
}

int prov_sig_digest_verify_init(void *vctx, const char *mdname, void *keydata,
                                const OSSL_PARAM params[])
{
    return digest_init(vctx, mdname, keydata, params, EVP_PKEY_OP_VERIFY);
}

int prov_sig_digest_update(void *vctx, const unsigned char *data,
                           size_t datalen)
{
    struct prov_sig *s = vctx;

    if (!s->alg->prehash || s->md == NULL) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "%s signs the whole message at once", s->alg->what);
        return 0;
    }
    if (!s->md_locked) {
        if (s->mdctx == NULL && (s->mdctx = EVP_MD_CTX_new()) == NULL)
            return 0;
        if (!EVP_DigestInit_ex(s->mdctx, s->md, NULL))
            return 0;
        s->md_locked = true;
    }
    return EVP_DigestUpdate(s->mdctx, data, datalen);
}

static int digest_final(struct prov_sig *s, uint8_t *md, size_t *mdlen)
{
    unsigned int n = 0;

    if (!s->md_locked && !prov_sig_digest_update(s, NULL, 0))
        return 0;
    if (!EVP_DigestFinal_ex(s->mdctx, md, &n))
        return 0;
    s->md_locked = false;
    *mdlen = n;
    return 1;
}

int prov_sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen,
                               size_t sigsize)
{
    struct prov_sig *s = vctx;
    uint8_t md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    int ok;

    if (sig == NULL) {
        *siglen = (size_t)s->key->max_size;
        return 1;
    }
    if (!digest_final(s, md, &mdlen))
        return 0;
    ok = s->alg->sign(s, md, mdlen, sig, siglen, sigsize);
    OPENSSL_cleanse(md, sizeof(md));
    return ok;
}

int prov_sig_digest_verify_final(void *vctx, const unsigned char *sig,
                                 size_t siglen)
{
    struct prov_sig *s = vctx;
    uint8_t md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;

    if (!digest_final(s, md, &mdlen))
        return 0;
    return verify_sw(s, sig, siglen, md, mdlen);
}

/* One-shot EVP_DigestSign(): no context duplication on the hot path. */
int prov_sig_digest_sign(void *vctx, unsigned char *sig, size_t *siglen,
                         size_t sigsize, const unsigned char *tbs,
                         size_t tbslen)
{
    struct prov_sig *s = vctx;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok;

    if (s->key == NULL || s->operation != EVP_PKEY_OP_SIGN) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "not initialised to sign");
        return 0;
    }
    if (sig == NULL) {
        *siglen = (size_t)s->key->max_size;
        return 1;
    }
    if (!s->alg->prehash)
        return s->alg->sign(s, tbs, tbslen, sig, siglen, sigsize);
    if (!EVP_Digest(tbs, tbslen, md, &mdlen, s->md, NULL))
        return 0;
    ok = s->alg->sign(s, md, mdlen, sig, siglen, sigsize);
    OPENSSL_cleanse(md, sizeof(md));
    return ok;
}

int prov_sig_digest_verify(void *vctx, const unsigned char *sig, size_t siglen,
                           const unsigned char *tbs, size_t tbslen)
{
    struct prov_sig *s = vctx;
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY *pkey;
    int rc = 0;

    if (s->key == NULL || s->operation != EVP_PKEY_OP_VERIFY) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "not initialised to verify");
        return 0;
    }
    if (s->alg->prehash) {
        if (!EVP_Digest(tbs, tbslen, md, &mdlen, s->md, NULL))
            return 0;
        return verify_sw(s, sig, siglen, md, mdlen);
    }
    /* EdDSA: the message itself, in software. */
    if ((pkey = prov_key_get0_sw(s->key)) == NULL)
        return 0;
    prov_child_enter();
    if ((mctx = EVP_MD_CTX_new()) != NULL &&
        EVP_DigestVerifyInit_ex(mctx, NULL, NULL, s->ctx->libctx, NULL, pkey,
                                NULL) == 1)
        rc = EVP_DigestVerify(mctx, sig, siglen, tbs, tbslen) == 1;
    EVP_MD_CTX_free(mctx);
    prov_child_leave();
    return rc;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */

int prov_sig_get_common(struct prov_sig *s, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != NULL && !OSSL_PARAM_set_utf8_string(
                         p, s->md != NULL ? EVP_MD_get0_name(s->md) : ""))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE);
    if (p != NULL && !OSSL_PARAM_set_size_t(p, prov_sig_mdsize(s)))
        return 0;
    p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
    if (p != NULL) {
        uint8_t aid[128];
        size_t len = sizeof(aid);

        if (s->alg->algorithm_id == NULL || !s->alg->algorithm_id(s, aid, &len))
            return 0;
        if (!OSSL_PARAM_set_octet_string(p, aid, len))
            return 0;
    }
    return 1;
}

int prov_sig_set_common(struct prov_sig *s, const OSSL_PARAM params[])
{
    const OSSL_PARAM *p;

    p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
    if (p != NULL) {
        const char *name = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) ||
            !prov_sig_set_md(s, name))
            return 0;
    }
    return 1;
}
