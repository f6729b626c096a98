/* SPDX-License-Identifier: Apache-2.0 */
/* sig_rsa.c: RSA signatures, PKCS#1 v1.5 and PSS (every salt-length setting
 * OpenSSL accepts, mapped to what the token supports), raw RSA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "prov.h"

#ifndef RSA_PSS_SALTLEN_AUTO_DIGEST_MAX
#define RSA_PSS_SALTLEN_AUTO_DIGEST_MAX -4 /* OpenSSL 3.1 and later */
#endif

static OSSL_FUNC_signature_newctx_fn rsa_newctx;
static OSSL_FUNC_signature_get_ctx_params_fn rsa_get_ctx_params;
static OSSL_FUNC_signature_gettable_ctx_params_fn rsa_gettable_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn rsa_set_ctx_params;
static OSSL_FUNC_signature_settable_ctx_params_fn rsa_settable_ctx_params;

static const struct {
    int mode;
    const char *name;
} pad_names[] = {{RSA_PKCS1_PADDING, OSSL_PKEY_RSA_PAD_MODE_PKCSV15},
                 {RSA_PKCS1_PSS_PADDING, OSSL_PKEY_RSA_PAD_MODE_PSS},
                 {RSA_NO_PADDING, OSSL_PKEY_RSA_PAD_MODE_NONE}};

static const struct {
    int len;
    const char *name;
} salt_names[] = {{RSA_PSS_SALTLEN_DIGEST, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST},
                  {RSA_PSS_SALTLEN_MAX, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX},
                  {RSA_PSS_SALTLEN_AUTO, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO},
                  {RSA_PSS_SALTLEN_AUTO_DIGEST_MAX, "auto-digestmax"}};

/* Largest PSS salt for this key and digest (RFC 8017 section 9.1.1). */
static int pss_max_salt(const struct prov_sig *s, size_t hlen)
{
    int embits = s->key->bits - 1;
    int emlen = (embits + 7) / 8;

    return emlen - (int)hlen - 2;
}

/*
 * The salt length to ask the token for. OpenSSL's sign default is "auto"
 * (meaning the maximum), and some tokens (tpm2-pkcs11) accept only the
 * digest length: where the setting leaves the choice to the signer (auto,
 * max, auto-digestmax), such a token gets the digest length; an explicit
 * length it cannot do is an error.
 */
static int pss_salt(struct prov_sig *s, size_t hlen, bool digest_only,
                    size_t *salt)
{
    int max = pss_max_salt(s, hlen);

    if (max < 0) {
        PROV_RAISE(s->ctx, KW_R_KEY_UNSUITABLE,
                   "%d-bit key too small for PSS with %s", s->key->bits,
                   EVP_MD_get0_name(s->md));
        return 0;
    }
    switch (s->saltlen) {
    case RSA_PSS_SALTLEN_DIGEST:
        *salt = hlen;
        break;
    case RSA_PSS_SALTLEN_AUTO:
    case RSA_PSS_SALTLEN_MAX:
        *salt = digest_only ? hlen : (size_t)max;
        break;
    case RSA_PSS_SALTLEN_AUTO_DIGEST_MAX:
        *salt = (size_t)max < hlen ? (size_t)max : hlen;
        break;
    default:
        if (s->saltlen < 0 || s->saltlen > max) {
            PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                       "PSS salt length %d (at most %d for this key)",
                       s->saltlen, max);
            return 0;
        }
        if (digest_only && (size_t)s->saltlen != hlen) {
            PROV_RAISE(s->ctx, KW_R_MECH_UNSUPPORTED,
                       "PSS salt length %d is not supported by this token "
                       "(it signs with salt = digest length, %zu)",
                       s->saltlen, hlen);
            return 0;
        }
        *salt = (size_t)s->saltlen;
        break;
    }
    if (*salt > (size_t)max)
        *salt = (size_t)max;
    return 1;
}

static bool flexible_salt(const struct prov_sig *s)
{
    return s->saltlen == RSA_PSS_SALTLEN_AUTO ||
           s->saltlen == RSA_PSS_SALTLEN_MAX;
}

static int rsa_sign(struct prov_sig *s, const uint8_t *tbs, size_t tbslen,
                    uint8_t *sig, size_t *siglen, size_t sigsize)
{
    struct hsm_mech mech = {.type = CKM_RSA_PKCS};
    uint8_t buf[19 + EVP_MAX_MD_SIZE], em[1024];
    const uint8_t *in = tbs;
    size_t inlen = tbslen, k = (size_t)s->key->max_size, len = sigsize;
    struct prov_token *pt = s->key->pt;
    CK_RV rv;

    if (sigsize < k) {
        PROV_RAISE(s->ctx, KW_R_BUFFER_TOO_SMALL,
                   "signature buffer of %zu bytes, %zu needed", sigsize, k);
        return 0;
    }
    switch (s->pad) {
    case RSA_PKCS1_PADDING:
        if (s->md != NULL) {
            size_t dlen;
            const uint8_t *di = prov_md_digestinfo(s->md, &dlen);

            if (di == NULL) {
                PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "no DigestInfo for %s",
                           EVP_MD_get0_name(s->md));
                return 0;
            }
            memcpy(buf, di, dlen);
            memcpy(buf + dlen, tbs, tbslen);
            in = buf;
            inlen = dlen + tbslen;
        }
        break;
    case RSA_PKCS1_PSS_PADDING:
        if (s->md == NULL) {
            PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "PSS needs a digest");
            return 0;
        }
        if (pt != NULL && !(pt->caps & (1ULL << PROV_CAP_RSA_PSS)) &&
            (pt->caps & (1ULL << PROV_CAP_RSA_X509)) && k <= sizeof(em)) {
            /* No PSS in the token but raw RSA (tpm2-pkcs11): encode in
             * software, any salt length, and sign the encoding raw. */
            size_t salt;
            if (!pss_salt(s, tbslen, false, &salt) ||
                !prov_pss_encode(s->md, s->mgf1 != NULL ? s->mgf1 : s->md,
                                 (size_t)s->key->bits, tbs, tbslen, salt, em,
                                 sizeof(em))) {
                PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "PSS encoding failed");
                return 0;
            }
            mech.type = CKM_RSA_X_509;
            in = em;
            inlen = k;
            break;
        }
        if (!prov_cap_check(s->ctx, pt, PROV_CAP_RSA_PSS, "RSA-PSS signature"))
            return 0;
        mech.type = CKM_RSA_PKCS_PSS;
        mech.p.pss.hash = prov_md_mech(s->md);
        mech.p.pss.mgf = prov_md_mgf(s->mgf1 != NULL ? s->mgf1 : s->md);
        if (!pss_salt(s, tbslen,
                      pt != NULL && atomic_load(&pt->pss_digest_salt_only),
                      &mech.p.pss.salt_len))
            return 0;
        break;
    case RSA_NO_PADDING:
        if (tbslen != k) {
            PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                       "raw RSA input must be %zu bytes", k);
            return 0;
        }
        if (!prov_cap_check(s->ctx, pt, PROV_CAP_RSA_X509, "raw RSA"))
            return 0;
        mech.type = CKM_RSA_X_509;
        break;
    default:
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "RSA padding mode %d", s->pad);
        return 0;
    }
    ERR_set_mark();
    rv = hsm_sign(s->key->priv, &mech, in, inlen, sig, &len);
    ERR_pop_to_mark();
    if ((rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) &&
        mech.type == CKM_RSA_PKCS_PSS && flexible_salt(s) &&
        mech.p.pss.salt_len != tbslen && pt != NULL) {
        /* Learnt once per token: it only signs with salt = digest length. */
        atomic_store(&pt->pss_digest_salt_only, true);
        mech.p.pss.salt_len = tbslen;
        len = sigsize;
        ERR_set_mark();
        rv = hsm_sign(s->key->priv, &mech, in, inlen, sig, &len);
        ERR_pop_to_mark();
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    OPENSSL_cleanse(em, sizeof(em));
    if (rv != CKR_OK) {
        PROV_RAISE_RV(s->ctx, rv, "RSA signature with key '%s'",
                      hsm_key_get0_label(s->key->priv));
        return 0;
    }
    *siglen = len;
    return 1;
}

static int rsa_verify_setup(struct prov_sig *s, EVP_PKEY_CTX *vctx)
{
    if (EVP_PKEY_CTX_set_rsa_padding(vctx, s->pad) <= 0)
        return 0;
    if (s->pad != RSA_PKCS1_PSS_PADDING)
        return 1;
    return EVP_PKEY_CTX_set_rsa_pss_saltlen(vctx, s->saltlen) > 0 &&
           (s->mgf1 == NULL || EVP_PKEY_CTX_set_rsa_mgf1_md(vctx, s->mgf1) > 0);
}

/* sha*WithRSAEncryption (RFC 8017 appendix A.2.4). */
static int rsa_algorithm_id(struct prov_sig *s, uint8_t *out, size_t *len)
{
    uint8_t aid[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                     0xf7, 0x0d, 0x01, 0x01, 0x00, 0x05, 0x00};

    if (s->pad != RSA_PKCS1_PADDING || s->md == NULL)
        return 0; /* PSS: OpenSSL's RSA ASN.1 method writes the parameters */
    switch (EVP_MD_get_type(s->md)) {
    case NID_sha1:
        aid[12] = 0x05;
        break;
    case NID_sha256:
        aid[12] = 0x0b;
        break;
    case NID_sha384:
        aid[12] = 0x0c;
        break;
    case NID_sha512:
        aid[12] = 0x0d;
        break;
    case NID_sha224:
        aid[12] = 0x0e;
        break;
    default:
        return 0;
    }
    if (*len < sizeof(aid))
        return 0;
    memcpy(out, aid, sizeof(aid));
    *len = sizeof(aid);
    return 1;
}

static const struct prov_sig_alg rsa_alg = {
    .type = PROV_KEY_RSA,
    .cap = PROV_CAP_RSA_PKCS,
    .what = "RSA signature",
    .prehash = true,
    .sign = rsa_sign,
    .verify_setup = rsa_verify_setup,
    .algorithm_id = rsa_algorithm_id,
    .set_params = rsa_set_ctx_params,
};

static void *rsa_newctx(void *provctx, const char *propq)
{
    (void)propq;
    return prov_sig_newctx(provctx, &rsa_alg);
}

static int rsa_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    struct prov_sig *s = vctx;
    OSSL_PARAM *p;

    if (!prov_sig_get_common(s, params))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) !=
        NULL) {
        if (p->data_type == OSSL_PARAM_INTEGER) {
            if (!OSSL_PARAM_set_int(p, s->pad))
                return 0;
        } else {
            const char *name = NULL;

            for (size_t i = 0; i < sizeof(pad_names) / sizeof(pad_names[0]);
                 i++)
                if (pad_names[i].mode == s->pad)
                    name = pad_names[i].name;
            if (name == NULL || !OSSL_PARAM_set_utf8_string(p, name))
                return 0;
        }
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) !=
        NULL) {
        if (p->data_type == OSSL_PARAM_INTEGER) {
            if (!OSSL_PARAM_set_int(p, s->saltlen))
                return 0;
        } else {
            char num[16];
            const char *name = NULL;

            for (size_t i = 0; i < sizeof(salt_names) / sizeof(salt_names[0]);
                 i++)
                if (salt_names[i].len == s->saltlen)
                    name = salt_names[i].name;
            if (name == NULL) {
                snprintf(num, sizeof(num), "%d", s->saltlen);
                name = num;
            }
            if (!OSSL_PARAM_set_utf8_string(p, name))
                return 0;
        }
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) !=
        NULL) {
        const EVP_MD *m = s->mgf1 != NULL ? s->mgf1 : s->md;

        if (!OSSL_PARAM_set_utf8_string(p,
                                        m != NULL ? EVP_MD_get0_name(m) : ""))
            return 0;
    }
    return 1;
}

static const OSSL_PARAM gettable[] = {
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
    OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
    OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *rsa_gettable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return gettable;
}

static int set_pad(struct prov_sig *s, const OSSL_PARAM *p)
{
    int mode = -1;

    if (p->data_type == OSSL_PARAM_INTEGER) {
        if (!OSSL_PARAM_get_int(p, &mode))
            return 0;
    } else {
        const char *name = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
            return 0;
        for (size_t i = 0; i < sizeof(pad_names) / sizeof(pad_names[0]); i++)
            if (strcasecmp(name, pad_names[i].name) == 0)
                mode = pad_names[i].mode;
    }
    if (mode != RSA_PKCS1_PADDING && mode != RSA_PKCS1_PSS_PADDING &&
        mode != RSA_NO_PADDING) {
        PROV_RAISE(s->ctx, KW_R_INVALID_PARAM,
                   "RSA padding mode %d: keyward signs with pkcs1, pss or "
                   "none",
                   mode);
        return 0;
    }
    s->pad = mode;
    return 1;
}

static int set_saltlen(struct prov_sig *s, const OSSL_PARAM *p)
{
    int len = 0;

    if (p->data_type == OSSL_PARAM_INTEGER)
        return OSSL_PARAM_get_int(p, &s->saltlen);
    {
        const char *name = NULL;
        char *end = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
            return 0;
        for (size_t i = 0; i < sizeof(salt_names) / sizeof(salt_names[0]); i++)
            if (strcmp(name, salt_names[i].name) == 0) {
                s->saltlen = salt_names[i].len;
                return 1;
            }
        len = (int)strtol(name, &end, 10);
        if (end == name || *end != '\0' || len < 0) {
            PROV_RAISE(s->ctx, KW_R_INVALID_PARAM, "PSS salt length '%s'",
                       name);
            return 0;
        }
        s->saltlen = len;
        return 1;
    }
}

static int rsa_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct prov_sig *s = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if (!prov_sig_set_common(s, params))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) !=
            NULL &&
        !set_pad(s, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL &&
        !set_saltlen(s, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(
             params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL) {
        const char *name = NULL;
        EVP_MD *md;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) ||
            (md = prov_md_fetch(s->ctx, name)) == NULL)
            return 0;
        EVP_MD_free(s->mgf1);
        s->mgf1 = md;
    }
    return 1;
}

static const OSSL_PARAM settable[] = {
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, NULL, 0),
    OSSL_PARAM_END};

static const OSSL_PARAM *rsa_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return settable;
}

const OSSL_DISPATCH prov_rsa_signature_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))rsa_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))prov_sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))prov_sig_dupctx},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))prov_sig_sign_init},
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))prov_sig_sign},
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))prov_sig_verify_init},
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))prov_sig_verify},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT,
     (void (*)(void))prov_sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE,
     (void (*)(void))prov_sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL,
     (void (*)(void))prov_sig_digest_sign_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))prov_sig_digest_sign},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT,
     (void (*)(void))prov_sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE,
     (void (*)(void))prov_sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL,
     (void (*)(void))prov_sig_digest_verify_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))prov_sig_digest_verify},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))rsa_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS,
     (void (*)(void))rsa_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))rsa_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS,
     (void (*)(void))rsa_settable_ctx_params},
    {0, NULL}};
