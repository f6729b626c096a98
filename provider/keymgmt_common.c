/* SPDX-License-Identifier: Apache-2.0 */
/* keymgmt_common.c: key management shared by RSA, EC and Ed25519 keys:
 * loading by reference, public import and export, parameters, matching. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "prov.h"

#define SEL_PRIV   OSSL_KEYMGMT_SELECT_PRIVATE_KEY
#define SEL_PUB    OSSL_KEYMGMT_SELECT_PUBLIC_KEY
#define SEL_DOMAIN OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS

void *prov_km_load(const void *reference, size_t reference_sz)
{
    const struct prov_keyref *ref = reference;

    if (ref == NULL || reference_sz != sizeof(*ref) ||
        ref->magic != PROV_KEYREF_MAGIC || ref->key == NULL)
        return NULL;
    prov_key_up_ref(ref->key);
    return ref->key;
}

void prov_km_free(void *keydata)
{
    prov_key_free(keydata);
}

int prov_km_has(const void *keydata, int selection)
{
    const prov_key *k = keydata;

    if (k == NULL)
        return 0;
    if ((selection & SEL_PRIV) != 0 && k->priv == NULL)
        return 0;
    if ((selection & SEL_PUB) != 0 && !k->has_pub)
        return 0;
    if ((selection & SEL_DOMAIN) != 0 && k->type == PROV_KEY_EC &&
        k->curve == PROV_CURVE_NONE)
        return 0;
    return 1;
}

static int dup_bytes(uint8_t **dst, size_t *dlen, const uint8_t *src,
                     size_t slen)
{
    *dst = NULL;
    *dlen = 0;
    if (src == NULL)
        return 1;
    if ((*dst = malloc(slen)) == NULL)
        return 0;
    memcpy(*dst, src, slen);
    *dlen = slen;
    return 1;
}

void *prov_km_dup(const void *keydata, int selection)
{
    const prov_key *src = keydata;
    prov_key *k;

    if (src == NULL || (k = prov_key_new(src->ctx, src->type)) == NULL)
        return NULL;
    k->pt = src->pt;
    k->has_pub = src->has_pub && (selection & (SEL_PUB | SEL_PRIV)) != 0;
    k->curve = src->curve;
    k->bits = src->bits;
    k->security_bits = src->security_bits;
    k->max_size = src->max_size;
    if (!dup_bytes(&k->n, &k->n_len, src->n, src->n_len) ||
        !dup_bytes(&k->e, &k->e_len, src->e, src->e_len) ||
        !dup_bytes(&k->point, &k->point_len, src->point, src->point_len))
        goto err;
    if ((selection & SEL_PRIV) != 0 && src->priv != NULL) {
        hsm_key_up_ref(src->priv);
        k->priv = src->priv;
        if (src->uri != NULL && (k->uri = strdup(src->uri)) == NULL)
            goto err;
    }
    return k;
err:
    prov_key_free(k);
    return NULL;
}

/* The public half (and the curve) as OpenSSL's own providers name them,
 * for export and for building the key in software. OSSL_PARAM_free() it. */
OSSL_PARAM *prov_km_public_params(const prov_key *k)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    BIGNUM *n = NULL, *e = NULL;
    int ok = 0;

    if (bld == NULL)
        return NULL;
    switch (k->type) {
    case PROV_KEY_RSA:
        n = BN_bin2bn(k->n, (int)k->n_len, NULL);
        e = BN_bin2bn(k->e, (int)k->e_len, NULL);
        ok = n != NULL && e != NULL &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
        break;
    case PROV_KEY_EC:
        ok = k->curve != PROV_CURVE_NONE &&
             OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                             prov_curve_sn(k->curve), 0) &&
             (!k->has_pub ||
              OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                               k->point, k->point_len));
        break;
    case PROV_KEY_ED25519:
        ok = k->has_pub &&
             OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                              k->point, k->point_len);
        break;
    default:
        break;
    }
    /* The builder refers to n and e until it has made the array. */
    if (ok)
        params = OSSL_PARAM_BLD_to_param(bld);
    BN_free(n);
    BN_free(e);
    OSSL_PARAM_BLD_free(bld);
    return params;
}

/*
 * Only the public half ever leaves: asked for the private key of a token
 * key, export fails (quietly: EVP then uses keyward's own operations), so
 * no other provider is handed a key it would believe it can sign with.
 */
int prov_km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
    prov_key *k = keydata;
    OSSL_PARAM *params;
    int ok = 0;

    if (k == NULL || ((selection & SEL_PRIV) != 0 && k->priv != NULL))
        return 0;
    if ((selection & (SEL_PUB | SEL_DOMAIN)) == 0)
        return 0;
    if ((params = prov_km_public_params(k)) != NULL)
        ok = cb(params, cbarg);
    OSSL_PARAM_free(params);
    return ok;
}

static int get_bn_bytes(const OSSL_PARAM *p, uint8_t **out, size_t *len)
{
    BIGNUM *bn = NULL;
    int n, ok = 0;

    if (!OSSL_PARAM_get_BN(p, &bn))
        return 0;
    n = BN_num_bytes(bn);
    if (n > 0 && (*out = malloc((size_t)n)) != NULL) {
        BN_bn2bin(bn, *out);
        *len = (size_t)n;
        ok = 1;
    }
    BN_free(bn);
    return ok;
}

/* An EC point as given (possibly compressed) to uncompressed form, with the
 * software EC implementation of the child context. */
static int ec_point_uncompressed(prov_key *k, const uint8_t *pt, size_t len)
{
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;
    uint8_t buf[1 + 2 * 66];
    size_t out = 0;
    int ok = 0;

    if (len > 0 && pt[0] == 0x04)
        return dup_bytes(&k->point, &k->point_len, pt, len);
    prov_child_enter();
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                         prov_curve_sn(k->curve), 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                          len) ||
        !OSSL_PARAM_BLD_push_utf8_string(
            bld, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "uncompressed",
            0) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    pctx = EVP_PKEY_CTX_new_from_name(k->ctx->libctx, "EC", NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0 ||
        !EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf,
                                         sizeof(buf), &out))
        goto out;
    ok = dup_bytes(&k->point, &k->point_len, buf, out);
out:
    prov_child_leave();
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return ok;
}

/*
 * Public keys (and EC domain parameters) come in, for example the peer of
 * an ECDH exchange or a certificate's key being matched. Private key
 * material never does: keyward keys live in the token. A key pair coming
 * in (OpenSSL hands over whole keys: an ECDH peer that is a software key
 * pair, EVP_PKEY_eq() across providers) keeps its public half only; a
 * private key alone is refused.
 */
int prov_km_import(void *keydata, int selection, const OSSL_PARAM params[])
{
    prov_key *k = keydata;
    const OSSL_PARAM *p;

    if (k == NULL || k->priv != NULL || k->has_pub)
        return 0;
    if ((selection & (SEL_PUB | SEL_DOMAIN)) == 0 &&
        (selection & SEL_PRIV) != 0) {
        PROV_RAISE(k->ctx, KW_R_KEY_UNSUITABLE,
                   "keyward holds private keys only in the token; import "
                   "the key into the token instead");
        return 0;
    }
    switch (k->type) {
    case PROV_KEY_RSA:
        if ((selection & (SEL_PUB | SEL_PRIV)) == 0)
            return 1;
        p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_N);
        if (p == NULL || !get_bn_bytes(p, &k->n, &k->n_len))
            return 0;
        p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
        if (p == NULL || !get_bn_bytes(p, &k->e, &k->e_len))
            return 0;
        break;
    case PROV_KEY_EC: {
        const char *group = NULL;
        const void *pt = NULL;
        size_t len = 0;

        p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
        if (p == NULL || !OSSL_PARAM_get_utf8_string_ptr(p, &group))
            return 0;
        if ((k->curve = prov_curve_from_name(group)) == PROV_CURVE_NONE) {
            PROV_RAISE(k->ctx, KW_R_INVALID_PARAM,
                       "curve %s is not one keyward supports", group);
            return 0;
        }
        if ((selection & (SEL_PUB | SEL_PRIV)) == 0) {
            k->bits = prov_curve_bits(k->curve);
            return 1;
        }
        p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
        if (p == NULL || !OSSL_PARAM_get_octet_string_ptr(p, &pt, &len) ||
            !ec_point_uncompressed(k, pt, len))
            return 0;
        break;
    }
    case PROV_KEY_ED25519: {
        const void *pt = NULL;
        size_t len = 0;

        if ((selection & (SEL_PUB | SEL_PRIV)) == 0)
            return 1;
        p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
        if (p == NULL || !OSSL_PARAM_get_octet_string_ptr(p, &pt, &len) ||
            len != 32 || !dup_bytes(&k->point, &k->point_len, pt, len))
            return 0;
        break;
    }
    default:
        return 0;
    }
    k->has_pub = true;
    return prov_key_finish(k);
}

static int set_octets(OSSL_PARAM *p, const uint8_t *b, size_t len)
{
    return p == NULL || OSSL_PARAM_set_octet_string(p, b, len);
}

static int set_bn(OSSL_PARAM *p, const uint8_t *b, size_t len)
{
    BIGNUM *bn;
    int ok;

    if (p == NULL)
        return 1;
    if ((bn = BN_bin2bn(b, (int)len, NULL)) == NULL)
        return 0;
    ok = OSSL_PARAM_set_BN(p, bn);
    BN_free(bn);
    return ok;
}

static int set_utf8(OSSL_PARAM *p, const char *s)
{
    return p == NULL || OSSL_PARAM_set_utf8_string(p, s);
}

int prov_km_get_params(void *keydata, OSSL_PARAM params[])
{
    prov_key *k = keydata;
    OSSL_PARAM *p;

    if (k == NULL)
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) != NULL &&
        !OSSL_PARAM_set_int(p, k->bits))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) !=
            NULL &&
        !OSSL_PARAM_set_int(p, k->security_bits))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) != NULL &&
        !OSSL_PARAM_set_int(p, k->max_size))
        return 0;
    if ((p = OSSL_PARAM_locate(params, PROV_PARAM_TOKEN_MECHS)) != NULL &&
        k->pt != NULL) {
        char names[1024];
        if (!prov_caps_names(k->pt->caps, names, sizeof(names)) ||
            !OSSL_PARAM_set_utf8_string(p, names))
            return 0;
    }
    switch (k->type) {
    case PROV_KEY_RSA:
        return set_utf8(
                   OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST),
                   "SHA256") &&
               (!k->has_pub ||
                (set_bn(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_N), k->n,
                        k->n_len) &&
                 set_bn(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_E), k->e,
                        k->e_len)));
    case PROV_KEY_EC:
        if (!set_utf8(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST),
                      "SHA256") ||
            !set_utf8(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_GROUP_NAME),
                      prov_curve_sn(k->curve)) ||
            !set_utf8(OSSL_PARAM_locate(
                          params, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT),
                      "uncompressed") ||
            !set_utf8(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_EC_FIELD_TYPE),
                      "prime-field"))
            return 0;
        if (!k->has_pub)
            return 1;
        return set_octets(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY),
                          k->point, k->point_len) &&
               set_octets(OSSL_PARAM_locate(params,
                                            OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY),
                          k->point, k->point_len);
    case PROV_KEY_ED25519:
        if (!set_utf8(
                OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MANDATORY_DIGEST),
                ""))
            return 0;
        if (!k->has_pub)
            return 1;
        return set_octets(OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY),
                          k->point, k->point_len) &&
               set_octets(OSSL_PARAM_locate(params,
                                            OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY),
                          k->point, k->point_len);
    default:
        return 0;
    }
}

static bool bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b,
                     size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

int prov_km_match(const void *v1, const void *v2, int selection)
{
    const prov_key *a = v1, *b = v2;

    if (a == NULL || b == NULL || a->type != b->type)
        return 0;
    if (a->type == PROV_KEY_EC && (selection & SEL_DOMAIN) != 0 &&
        a->curve != b->curve)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0) {
        /* Same token object, or the same public half. */
        if (a->priv != NULL && a->priv == b->priv)
            return 1;
        if (!a->has_pub || !b->has_pub)
            return 0;
        if (a->type == PROV_KEY_RSA)
            return bytes_eq(a->n, a->n_len, b->n, b->n_len) &&
                   bytes_eq(a->e, a->e_len, b->e, b->e_len);
        return bytes_eq(a->point, a->point_len, b->point, b->point_len);
    }
    return 1;
}
