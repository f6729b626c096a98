/* SPDX-License-Identifier: Apache-2.0 */
/* keygen.c: key generation and unwrapping in the token, safe by default. */
#include <stdio.h>
#include <string.h>

#include "hsm_internal.h"

const uint8_t *hsm_curve_der(const char *name, size_t *len);

#define KEYGEN_ID_LEN 8
#define TMPL_MAX 24

struct keygen_args {
    CK_MECHANISM mech;
    CK_ATTRIBUTE pub[TMPL_MAX], priv[TMPL_MAX];
    size_t npub, npriv;
    CK_OBJECT_HANDLE hpub, hpriv;
    /* unwrap */
    const uint8_t *wrapped;
    size_t wrapped_len;
};

static CK_RV keypair_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct keygen_args *a = arg;
    (void)h;
    return s->token->mod->fl->C_GenerateKeyPair(s->h, &a->mech, a->pub, a->npub,
                                                a->priv, a->npriv, &a->hpub,
                                                &a->hpriv);
}

static CK_RV secret_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct keygen_args *a = arg;
    (void)h;
    return s->token->mod->fl->C_GenerateKey(s->h, &a->mech, a->priv, a->npriv,
                                            &a->hpriv);
}

static CK_RV unwrap_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct keygen_args *a = arg;
    return s->token->mod->fl->C_UnwrapKey(s->h, &a->mech, h,
                                          (CK_BYTE *)a->wrapped, a->wrapped_len,
                                          a->priv, a->npriv, &a->hpriv);
}

/* Token objects on a pooled session; session objects on the anchor so that
 * they live until the key is freed. */
static CK_RV keygen_run(hsm_token *t, bool token_obj, hsm_run_fn fn,
                        CK_OBJECT_HANDLE h, struct keygen_args *a)
{
    hsm_session *s;
    CK_RV rv;

    if (!token_obj)
        return hsm_run_anchor(t, fn, h, a);
    for (int attempt = 0;; attempt++) {
        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            return rv;
        rv = fn(s, h, a);
        if (rv == CKR_OK || attempt > 0) {
            hsm_session_put(s);
            return rv;
        }
        if (!hsm_recover(t, s, NULL, rv))
            return rv;
    }
}

static CK_RV keygen_wrap_keys(hsm_token *t, struct keygen_args *a,
                              bool pair, hsm_key **priv, hsm_key **pub)
{
    hsm_session *s;
    CK_RV rv;

    if ((rv = hsm_session_get(t, &s)) != CKR_OK)
        return rv;
    rv = hsm_key_from_handle(t, s, a->hpriv, priv);
    if (rv == CKR_OK && pair && pub != NULL &&
        (rv = hsm_key_from_handle(t, s, a->hpub, pub)) != CKR_OK) {
        hsm_key_free(*priv);
        *priv = NULL;
    }
    hsm_session_put(s);
    return rv;
}

/* Attributes every generated key gets: identity and persistence. */
struct keygen_common {
    CK_BBOOL token, yes, no;
    uint8_t id[KEYGEN_ID_LEN];
};

static CK_RV keygen_common(hsm_token *t, const struct hsm_keygen *g,
                           struct keygen_common *c, CK_ATTRIBUTE *tmpl,
                           size_t *n)
{
    CK_RV rv;

    c->token = g->token ? CK_TRUE : CK_FALSE;
    c->yes = CK_TRUE;
    c->no = CK_FALSE;
    tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_TOKEN, &c->token);
    if (g->label != NULL)
        tmpl[(*n)++] = (CK_ATTRIBUTE){CKA_LABEL, (void *)g->label,
                                      strlen(g->label)};
    if (g->id != NULL) {
        tmpl[(*n)++] = (CK_ATTRIBUTE){CKA_ID, (void *)g->id, g->id_len};
    } else {
        if ((rv = hsm_random(t, c->id, sizeof(c->id))) != CKR_OK)
            return rv;
        tmpl[(*n)++] = (CK_ATTRIBUTE){CKA_ID, c->id, sizeof(c->id)};
    }
    return CKR_OK;
}

/* CKA_SENSITIVE and non-extractable unless a test asks otherwise. */
static void keygen_secret_attrs(const struct hsm_keygen *g,
                                struct keygen_common *c, CK_ATTRIBUTE *tmpl,
                                size_t *n)
{
    tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_PRIVATE, &c->yes);
    tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_SENSITIVE,
                                          g->extractable ? &c->no : &c->yes);
    tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_EXTRACTABLE,
                                          g->extractable ? &c->yes : &c->no);
}

static void keygen_usage(unsigned usage, struct keygen_common *c,
                         CK_ATTRIBUTE *tmpl, size_t *n, bool public_half)
{
    static const struct {
        unsigned use;
        CK_ATTRIBUTE_TYPE priv, pub;
    } map[] = {
        {HSM_USE_SIGN, CKA_SIGN, CKA_VERIFY},
        {HSM_USE_VERIFY, CKA_VERIFY, CKA_VERIFY},
        {HSM_USE_ENCRYPT, CKA_ENCRYPT, CKA_ENCRYPT},
        {HSM_USE_DECRYPT, CKA_DECRYPT, CKA_ENCRYPT},
        {HSM_USE_DERIVE, CKA_DERIVE, CKA_DERIVE},
        {HSM_USE_WRAP, CKA_WRAP, CKA_WRAP},
        {HSM_USE_UNWRAP, CKA_UNWRAP, CKA_WRAP},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        CK_ATTRIBUTE_TYPE type = public_half ? map[i].pub : map[i].priv;
        bool dup = false;
        if (!(usage & map[i].use))
            continue;
        for (size_t j = 0; j < *n; j++)
            dup |= tmpl[j].type == type;
        if (!dup)
            tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(type, &c->yes);
    }
}

/* A secret key may do what it was made for and nothing else: the usages
 * not asked for are set false (tokens default some of them to true). */
static void keygen_usage_deny(unsigned usage, struct keygen_common *c,
                              CK_ATTRIBUTE *tmpl, size_t *n)
{
    static const struct {
        unsigned use;
        CK_ATTRIBUTE_TYPE type;
    } map[] = {
        {HSM_USE_SIGN, CKA_SIGN},       {HSM_USE_VERIFY, CKA_VERIFY},
        {HSM_USE_ENCRYPT, CKA_ENCRYPT}, {HSM_USE_DECRYPT, CKA_DECRYPT},
        {HSM_USE_DERIVE, CKA_DERIVE},   {HSM_USE_WRAP, CKA_WRAP},
        {HSM_USE_UNWRAP, CKA_UNWRAP},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!(usage & map[i].use))
            tmpl[(*n)++] = (CK_ATTRIBUTE)HSM_ATTR(map[i].type, &c->no);
}

static CK_RV keygen_check_mech(hsm_token *t, CK_MECHANISM_TYPE m, CK_FLAGS f,
                               size_t bits, const char *what)
{
    if (hsm_token_has_mech(t, m, f, bits))
        return CKR_OK;
    hsm_set_detail("token '%s' cannot generate %s (%s)", t->info.label, what,
                   hsm_mech_name(m));
    return HSM_RV_MECH_UNSUPPORTED;
}

static CK_RV keygen_pair(hsm_token *t, CK_MECHANISM_TYPE mech,
                         CK_KEY_TYPE type, const CK_ATTRIBUTE *extra_pub,
                         size_t nextra, const struct hsm_keygen *g,
                         unsigned def_usage, hsm_key **priv, hsm_key **pub)
{
    struct keygen_args a = {.mech = {mech, NULL, 0}};
    struct keygen_common c;
    CK_OBJECT_CLASS cpub = CKO_PUBLIC_KEY, cpriv = CKO_PRIVATE_KEY;
    unsigned usage = g->usage ? g->usage : def_usage;
    CK_RV rv;

    hsm_clear_detail();
    *priv = NULL;
    if (pub != NULL)
        *pub = NULL;
    a.pub[a.npub++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, &cpub);
    a.pub[a.npub++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_KEY_TYPE, &type);
    a.priv[a.npriv++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, &cpriv);
    a.priv[a.npriv++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_KEY_TYPE, &type);
    if ((rv = keygen_common(t, g, &c, a.priv, &a.npriv)) != CKR_OK)
        return rv;
    /* The public half shares token/label/id with the private half. */
    for (size_t i = 2; i < a.npriv; i++)
        a.pub[a.npub++] = a.priv[i];
    for (size_t i = 0; i < nextra; i++)
        a.pub[a.npub++] = extra_pub[i];
    keygen_secret_attrs(g, &c, a.priv, &a.npriv);
    keygen_usage(usage, &c, a.priv, &a.npriv, false);
    keygen_usage(usage, &c, a.pub, &a.npub, true);
    if ((rv = keygen_run(t, g->token, keypair_fn, CK_INVALID_HANDLE, &a)) !=
        CKR_OK) {
        hsm_set_detail("key pair generation in token '%s' failed",
                       t->info.label);
        return rv;
    }
    return keygen_wrap_keys(t, &a, true, priv, pub);
}

CK_RV hsm_keygen_ec(hsm_token *t, const char *curve,
                    const struct hsm_keygen *g, hsm_key **priv, hsm_key **pub)
{
    size_t der_len = 0;
    const uint8_t *der = curve ? hsm_curve_der(curve, &der_len) : NULL;
    CK_ATTRIBUTE params = {CKA_EC_PARAMS, (void *)der, der_len};
    CK_RV rv;

    if (der == NULL || strncmp(curve, "P-", 2) != 0) {
        hsm_set_detail("unknown curve '%s' (P-256, P-384, P-521)",
                       curve ? curve : "");
        return CKR_CURVE_NOT_SUPPORTED;
    }
    if ((rv = keygen_check_mech(t, CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR,
                                0, "EC keys")) != CKR_OK)
        return rv;
    return keygen_pair(t, CKM_EC_KEY_PAIR_GEN, CKK_EC, &params, 1, g,
                       HSM_USE_SIGN | HSM_USE_DERIVE, priv, pub);
}

CK_RV hsm_keygen_rsa(hsm_token *t, size_t bits, const struct hsm_keygen *g,
                     hsm_key **priv, hsm_key **pub)
{
    static const uint8_t f4[] = {0x01, 0x00, 0x01};
    CK_ULONG modbits = bits;
    CK_ATTRIBUTE extra[] = {
        HSM_ATTR(CKA_MODULUS_BITS, &modbits),
        {CKA_PUBLIC_EXPONENT, (void *)f4, sizeof(f4)},
    };
    CK_RV rv;

    if (bits < 2048 || bits > 16384 || bits % 8 != 0) {
        hsm_set_detail("RSA key size %zu: use 2048 to 16384 bits", bits);
        return CKR_KEY_SIZE_RANGE;
    }
    if ((rv = keygen_check_mech(t, CKM_RSA_PKCS_KEY_PAIR_GEN,
                                CKF_GENERATE_KEY_PAIR, bits,
                                "RSA keys of this size")) != CKR_OK)
        return rv;
    return keygen_pair(t, CKM_RSA_PKCS_KEY_PAIR_GEN, CKK_RSA, extra, 2, g,
                       HSM_USE_SIGN | HSM_USE_DECRYPT, priv, pub);
}

CK_RV hsm_keygen_ed25519(hsm_token *t, const struct hsm_keygen *g,
                         hsm_key **priv, hsm_key **pub)
{
    /* PKCS#11 3.0 names the curve by printable string or OID; the OID
     * (1.3.101.112) is what SoftHSM and most tokens take. */
    size_t der_len = 0;
    const uint8_t *der = hsm_curve_der("Ed25519", &der_len);
    CK_ATTRIBUTE params = {CKA_EC_PARAMS, (void *)der, der_len};
    CK_RV rv;

    if ((rv = keygen_check_mech(t, CKM_EC_EDWARDS_KEY_PAIR_GEN,
                                CKF_GENERATE_KEY_PAIR, 0,
                                "Ed25519 keys")) != CKR_OK)
        return rv;
    return keygen_pair(t, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, &params,
                       1, g, HSM_USE_SIGN, priv, pub);
}

static CK_RV secret_template(hsm_token *t, CK_KEY_TYPE type, size_t len,
                             const struct hsm_keygen *g,
                             struct keygen_common *c, CK_OBJECT_CLASS *cls,
                             CK_KEY_TYPE *ktype, CK_ULONG *vlen,
                             struct keygen_args *a, bool with_len)
{
    unsigned def = type == CKK_AES ? HSM_USE_ENCRYPT | HSM_USE_DECRYPT
                                   : HSM_USE_SIGN | HSM_USE_VERIFY;
    CK_RV rv;

    *cls = CKO_SECRET_KEY;
    *ktype = type;
    *vlen = len;
    a->priv[a->npriv++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, cls);
    a->priv[a->npriv++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_KEY_TYPE, ktype);
    if (with_len)
        a->priv[a->npriv++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_VALUE_LEN, vlen);
    if ((rv = keygen_common(t, g, c, a->priv, &a->npriv)) != CKR_OK)
        return rv;
    keygen_secret_attrs(g, c, a->priv, &a->npriv);
    keygen_usage(g->usage ? g->usage : def, c, a->priv, &a->npriv, false);
    keygen_usage_deny(g->usage ? g->usage : def, c, a->priv, &a->npriv);
    return CKR_OK;
}

CK_RV hsm_keygen_secret(hsm_token *t, CK_KEY_TYPE type, size_t len,
                        const struct hsm_keygen *g, hsm_key **out)
{
    struct keygen_args a = {0};
    struct keygen_common c;
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE ktype;
    CK_ULONG vlen;
    CK_RV rv;

    hsm_clear_detail();
    *out = NULL;
    if ((rv = hsm_token_check_secret_create(t)) != CKR_OK)
        return rv;
    if (type == CKK_AES) {
        if (len != 16 && len != 24 && len != 32) {
            hsm_set_detail("AES key length %zu: use 16, 24 or 32 bytes", len);
            return CKR_KEY_SIZE_RANGE;
        }
        a.mech.mechanism = CKM_AES_KEY_GEN;
    } else if (type == CKK_GENERIC_SECRET) {
        if (len < 16 || len > 128) {
            hsm_set_detail("secret length %zu: use 16 to 128 bytes", len);
            return CKR_KEY_SIZE_RANGE;
        }
        a.mech.mechanism = CKM_GENERIC_SECRET_KEY_GEN;
    } else {
        hsm_set_detail("secret key type 0x%lx: use CKK_AES or "
                       "CKK_GENERIC_SECRET", (unsigned long)type);
        return CKR_KEY_TYPE_INCONSISTENT;
    }
    if ((rv = keygen_check_mech(t, a.mech.mechanism, CKF_GENERATE, len * 8,
                                type == CKK_AES ? "AES keys of this size"
                                                : "generic secrets")) != CKR_OK)
        return rv;
    if ((rv = secret_template(t, type, len, g, &c, &cls, &ktype, &vlen, &a,
                              true)) != CKR_OK)
        return rv;
    if ((rv = keygen_run(t, g->token, secret_fn, CK_INVALID_HANDLE, &a)) !=
        CKR_OK)
        return rv;
    return keygen_wrap_keys(t, &a, false, out, NULL);
}

CK_RV hsm_key_unwrap(hsm_key *wrapping_key, CK_MECHANISM_TYPE mech,
                     const uint8_t *wrapped, size_t wrapped_len,
                     CK_KEY_TYPE type, const struct hsm_keygen *g,
                     hsm_key **out)
{
    hsm_token *t = wrapping_key->token;
    struct keygen_args a = {.mech = {mech, NULL, 0}, .wrapped = wrapped,
                            .wrapped_len = wrapped_len};
    struct keygen_common c;
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE ktype;
    CK_ULONG vlen;
    CK_OBJECT_HANDLE h;
    hsm_session *s;
    CK_RV rv;

    hsm_clear_detail();
    *out = NULL;
    if ((rv = hsm_token_check_secret_create(t)) != CKR_OK)
        return rv;
    if (mech != CKM_AES_KEY_WRAP && mech != CKM_AES_KEY_WRAP_PAD)
        return CKR_MECHANISM_INVALID;
    if (wrapping_key->cls != CKO_SECRET_KEY ||
        !(wrapping_key->usage & HSM_USE_UNWRAP)) {
        hsm_set_detail("key '%s' is not an unwrapping key",
                       wrapping_key->label);
        return HSM_RV_KEY_UNSUITABLE;
    }
    if ((rv = keygen_check_mech(t, mech, CKF_UNWRAP, 0, "unwrap")) != CKR_OK)
        return rv;
    /* The length comes from the wrapped value: no CKA_VALUE_LEN. */
    if ((rv = secret_template(t, type, 0, g, &c, &cls, &ktype, &vlen, &a,
                              false)) != CKR_OK)
        return rv;
    if ((rv = hsm_session_get(t, &s)) != CKR_OK)
        return rv;
    rv = hsm_key_handle(wrapping_key, &h);
    hsm_session_put(s);
    if (rv != CKR_OK)
        return rv;
    if ((rv = keygen_run(t, g->token, unwrap_fn, h, &a)) != CKR_OK) {
        hsm_set_detail("unwrapping into token '%s' failed", t->info.label);
        return rv;
    }
    return keygen_wrap_keys(t, &a, false, out, NULL);
}
