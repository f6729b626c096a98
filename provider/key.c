/* SPDX-License-Identifier: Apache-2.0 */
/* key.c: keyward's key object: a token key held by handle plus the public
 * half and sizes cached when it is loaded, so operations need no token
 * call beyond the operation itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "prov.h"

/* ------------------------------------------------------------------ */
/* Curves                                                               */

static const uint8_t der_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t der_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t der_p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};

static const struct {
    enum prov_curve c;
    const char *name, *sn, *alias;
    int bits;
    const uint8_t *der;
    size_t der_len;
} curves[] = {
    {PROV_CURVE_P256, "P-256", "prime256v1", "secp256r1", 256, der_p256,
     sizeof(der_p256)},
    {PROV_CURVE_P384, "P-384", "secp384r1", "secp384r1", 384, der_p384,
     sizeof(der_p384)},
    {PROV_CURVE_P521, "P-521", "secp521r1", "secp521r1", 521, der_p521,
     sizeof(der_p521)},
};

enum prov_curve prov_curve_from_name(const char *name)
{
    if (name == NULL)
        return PROV_CURVE_NONE;
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (strcasecmp(name, curves[i].name) == 0 ||
            strcasecmp(name, curves[i].sn) == 0 ||
            strcasecmp(name, curves[i].alias) == 0)
            return curves[i].c;
    return PROV_CURVE_NONE;
}

enum prov_curve prov_curve_from_der(const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (len == curves[i].der_len && memcmp(der, curves[i].der, len) == 0)
            return curves[i].c;
    return PROV_CURVE_NONE;
}

#define CURVE_FIELD(c, f, dflt)                                                \
    ((c) >= PROV_CURVE_P256 && (c) <= PROV_CURVE_P521 ? curves[(c)-1].f        \
                                                      : (dflt))

const char *prov_curve_name(enum prov_curve c)
{
    return CURVE_FIELD(c, name, NULL);
}

const char *prov_curve_sn(enum prov_curve c)
{
    return CURVE_FIELD(c, sn, NULL);
}

int prov_curve_bits(enum prov_curve c)
{
    return CURVE_FIELD(c, bits, 0);
}

const uint8_t *prov_curve_der(enum prov_curve c, size_t *len)
{
    *len = CURVE_FIELD(c, der_len, 0);
    return CURVE_FIELD(c, der, NULL);
}

/* ------------------------------------------------------------------ */
/* Sizes                                                                */

/* Security strength of an RSA modulus: the values SP 800-56B rev 2
 * Appendix D lists for common sizes, its formula otherwise. */
static int rsa_security_bits(int n)
{
    static const int table[][2] = {{2048, 112}, {3072, 128}, {4096, 152},
                                   {6144, 176}, {7680, 192}, {8192, 200},
                                   {15360, 256}};
    double x, e;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i][0] == n)
            return table[i][1];
    if (n < 1024)
        return 0;
    x = n * log(2.0);
    e = (1.923 * cbrt(x) * cbrt(log(x) * log(x)) - 4.69) / log(2.0);
    if (e > 256)
        e = 256;
    return ((int)e) & ~7;
}

static size_t der_len_len(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

/* Largest DER ECDSA-Sig-Value for a curve of this many bits. */
static int ecdsa_der_max(int bits)
{
    /* A leading zero byte only when the top bit of the top byte can be
     * set: P-256 and P-384, not P-521. */
    size_t ilen = (size_t)(bits + 7) / 8 + (bits % 8 == 0 ? 1 : 0);
    size_t itlv = 1 + der_len_len(ilen) + ilen;

    return (int)(1 + der_len_len(2 * itlv) + 2 * itlv);
}

int prov_key_finish(prov_key *k)
{
    switch (k->type) {
    case PROV_KEY_RSA: {
        size_t i = 0;
        int bits;

        while (i < k->n_len && k->n[i] == 0)
            i++;
        if (i == k->n_len)
            return 0;
        bits = (int)(k->n_len - i) * 8;
        for (uint8_t top = k->n[i]; (top & 0x80) == 0; top <<= 1)
            bits--;
        k->bits = bits;
        k->security_bits = rsa_security_bits(bits);
        k->max_size = (bits + 7) / 8;
        return 1;
    }
    case PROV_KEY_EC:
        if (k->curve == PROV_CURVE_NONE)
            return 0;
        k->bits = prov_curve_bits(k->curve);
        k->security_bits = k->bits >= 512 ? 256 : k->bits / 2;
        k->max_size = ecdsa_der_max(k->bits);
        return 1;
    case PROV_KEY_ED25519:
        k->bits = 256; /* as OpenSSL reports Ed25519 keys */
        k->security_bits = 128;
        k->max_size = 64;
        return 1;
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                           */

prov_key *prov_key_new(prov_ctx *ctx, enum prov_keytype type)
{
    prov_key *k = calloc(1, sizeof(*k));

    if (k == NULL)
        return NULL;
    atomic_init(&k->refs, 1);
    atomic_init(&k->sw, NULL);
    k->ctx = ctx;
    k->type = type;
    return k;
}

void prov_key_up_ref(prov_key *k)
{
    atomic_fetch_add(&k->refs, 1);
}

void prov_key_free(prov_key *k)
{
    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    hsm_key_free(k->priv);
    free(k->uri);
    free(k->n);
    free(k->e);
    free(k->point);
    EVP_PKEY_free(atomic_load(&k->sw));
    PROV_CLEAR_FREE(k);
}

bool prov_key_has_private(const prov_key *k)
{
    return k->priv != NULL;
}

static enum prov_keytype type_from_ck(CK_KEY_TYPE t)
{
    switch (t) {
    case CKK_RSA:
        return PROV_KEY_RSA;
    case CKK_EC:
        return PROV_KEY_EC;
    case CKK_EC_EDWARDS:
        return PROV_KEY_ED25519;
    default:
        return PROV_KEY_NONE;
    }
}

static int copy_bytes(uint8_t **dst, size_t *dlen, const uint8_t *src,
                      size_t slen)
{
    if (src == NULL || slen == 0)
        return 0;
    if ((*dst = malloc(slen)) == NULL)
        return 0;
    memcpy(*dst, src, slen);
    *dlen = slen;
    return 1;
}

int prov_key_from_hsm(prov_key *k, struct prov_token *pt, hsm_key *hk)
{
    struct hsm_pubkey pub = {0};
    CK_OBJECT_CLASS cls = hsm_key_get_class(hk);
    CK_RV rv;
    int ok = 0;

    if (type_from_ck(hsm_key_get_type(hk)) != k->type)
        return 0;
    ERR_set_mark();
    rv = hsm_key_get_pubkey(hk, &pub);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(k->ctx, rv, "public half of key '%s'",
                      hsm_key_get0_label(hk));
        return 0;
    }
    switch (k->type) {
    case PROV_KEY_RSA:
        if (!copy_bytes(&k->n, &k->n_len, pub.n, pub.n_len) ||
            !copy_bytes(&k->e, &k->e_len, pub.e, pub.e_len))
            goto out;
        break;
    case PROV_KEY_EC:
        k->curve = prov_curve_from_der(pub.params, pub.params_len);
        if (k->curve == PROV_CURVE_NONE) {
            PROV_RAISE(k->ctx, KW_R_KEY_UNSUITABLE,
                       "key '%s' is on a curve keyward does not support "
                       "(P-256, P-384 and P-521 are)",
                       hsm_key_get0_label(hk));
            goto out;
        }
        if (pub.point_len < 1 || pub.point[0] != 0x04 ||
            !copy_bytes(&k->point, &k->point_len, pub.point, pub.point_len))
            goto out;
        break;
    case PROV_KEY_ED25519:
        if (pub.point_len != 32) {
            PROV_RAISE(k->ctx, KW_R_KEY_UNSUITABLE,
                       "key '%s' is an EdDSA key but not Ed25519",
                       hsm_key_get0_label(hk));
            goto out;
        }
        if (!copy_bytes(&k->point, &k->point_len, pub.point, pub.point_len))
            goto out;
        break;
    default:
        goto out;
    }
    k->has_pub = true;
    if (!prov_key_finish(k))
        goto out;
    k->pt = pt;
    if (cls == CKO_PRIVATE_KEY) {
        hsm_key_up_ref(hk);
        k->priv = hk;
        k->uri = hsm_key_uri(hk);
    }
    ok = 1;
out:
    hsm_pubkey_clear(&pub);
    return ok;
}

int prov_key_check_private(prov_key *k, unsigned usage, const char *what)
{
    if (k->priv == NULL) {
        PROV_RAISE(k->ctx, KW_R_NO_PRIVATE_KEY,
                   "%s needs a private key in the token; this key is public "
                   "only (load it with type=private, or without type=)",
                   what);
        return 0;
    }
    if (usage != 0 && (hsm_key_get_usage(k->priv) & usage) == 0) {
        PROV_RAISE(k->ctx, KW_R_KEY_UNSUITABLE,
                   "key '%s' does not allow %s (its CKA_%s is false)",
                   hsm_key_get0_label(k->priv), what,
                   usage == HSM_USE_SIGN      ? "SIGN"
                   : usage == HSM_USE_DECRYPT ? "DECRYPT"
                   : usage == HSM_USE_DERIVE  ? "DERIVE"
                                              : "usage");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* The public half in software (child context)                          */

static EVP_PKEY *sw_from_params(prov_key *k, const char *type)
{
    OSSL_PARAM *params = prov_km_public_params(k);
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;

    if (params == NULL)
        goto out;
    pctx = EVP_PKEY_CTX_new_from_name(k->ctx->libctx, type, NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
out:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    return pkey;
}

EVP_PKEY *prov_key_get0_sw(prov_key *k)
{
    EVP_PKEY *pkey = atomic_load(&k->sw), *expected = NULL;

    if (pkey != NULL)
        return pkey;
    if (!k->has_pub)
        return NULL;
    prov_child_enter();
    switch (k->type) {
    case PROV_KEY_RSA:
        pkey = sw_from_params(k, "RSA");
        break;
    case PROV_KEY_EC:
        pkey = sw_from_params(k, "EC");
        break;
    case PROV_KEY_ED25519:
        pkey = EVP_PKEY_new_raw_public_key_ex(k->ctx->libctx, "ED25519", NULL,
                                              k->point, k->point_len);
        break;
    default:
        break;
    }
    prov_child_leave();
    if (pkey == NULL) {
        PROV_RAISE(k->ctx, KW_R_OPERATION_FAILED,
                   "cannot use the public key in software");
        return NULL;
    }
    if (!atomic_compare_exchange_strong(&k->sw, &expected, pkey)) {
        EVP_PKEY_free(pkey); /* another thread was first */
        pkey = expected;
    }
    return pkey;
}
