/* SPDX-License-Identifier: Apache-2.0 */
/* kem_ec.c: DHKEM(P-256, HKDF-SHA256), DHKEM(P-384, HKDF-SHA384) and
 * DHKEM(P-521, HKDF-SHA512) exactly as RFC 9180 section 4.1 defines them:
 * decapsulation is ECDH1-DERIVE in the token then the labeled KDF in
 * software; encapsulation (to a token key or any EC public key) is all
 * software on public values and an ephemeral key. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include "prov.h"

/* OpenSSL 3.2's name for the deterministic-encapsulation input. */
#ifndef OSSL_KEM_PARAM_IKME
#define OSSL_KEM_PARAM_IKME "ikme"
#endif
#define DHKEM_OP "DHKEM"

#define NSK_MAX  66
#define NENC_MAX 133
#define NH_MAX   64

/* RFC 9180 section 7.1, table 2. */
struct dhkem_suite {
    enum prov_curve curve;
    int nid;
    uint16_t kem_id;
    const char *md;   /* the HKDF hash */
    size_t nh;        /* its output size */
    size_t nsecret;   /* shared secret */
    size_t nenc, npk; /* uncompressed points */
    size_t nsk, ndh;  /* scalar and x-coordinate */
    uint8_t bitmask;  /* DeriveKeyPair, section 7.1.3 */
    const char *name;
};

static const struct dhkem_suite suites[] = {
    {PROV_CURVE_P256, NID_X9_62_prime256v1, 0x0010, "SHA256", 32, 32, 65, 65,
     32, 32, 0xff, "DHKEM(P-256, HKDF-SHA256)"},
    {PROV_CURVE_P384, NID_secp384r1, 0x0011, "SHA384", 48, 48, 97, 97, 48, 48,
     0xff, "DHKEM(P-384, HKDF-SHA384)"},
    {PROV_CURVE_P521, NID_secp521r1, 0x0012, "SHA512", 64, 64, 133, 133, 66, 66,
     0x01, "DHKEM(P-521, HKDF-SHA512)"},
};

static const struct dhkem_suite *suite_for(enum prov_curve c)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].curve == c)
            return &suites[i];
    return NULL;
}

struct dhkem {
    prov_ctx *ctx;
    prov_key *key;
    const struct dhkem_suite *s;
    int op;        /* EVP_PKEY_OP_ENCAPSULATE / _DECAPSULATE */
    uint8_t *ikme; /* deterministic encapsulation (tests, RFC vectors) */
    size_t ikme_len;
};

/* ------------------------------------------------------------------ */
/* Objects made once per provider context: HKDF and the curve groups.   */

void prov_kem_cache_free(prov_ctx *ctx)
{
    EVP_KDF_free(atomic_exchange(&ctx->hkdf, NULL));
    for (size_t i = 0; i < sizeof(ctx->ec_groups) / sizeof(ctx->ec_groups[0]);
         i++)
        EC_GROUP_free(atomic_exchange(&ctx->ec_groups[i], NULL));
}

static EVP_KDF *hkdf_get(prov_ctx *ctx)
{
    EVP_KDF *k = atomic_load(&ctx->hkdf), *expected = NULL;

    if (k != NULL)
        return k;
    prov_child_enter();
    k = EVP_KDF_fetch(ctx->libctx, OSSL_KDF_NAME_HKDF, NULL);
    prov_child_leave();
    if (k == NULL) {
        PROV_RAISE(ctx, KW_R_OPERATION_FAILED, "HKDF is not available");
        return NULL;
    }
    if (!atomic_compare_exchange_strong(&ctx->hkdf, &expected, k)) {
        EVP_KDF_free(k);
        k = expected;
    }
    return k;
}

static const EC_GROUP *group_get(prov_ctx *ctx, const struct dhkem_suite *s)
{
    _Atomic(EC_GROUP *) *slot = &ctx->ec_groups[s->curve - PROV_CURVE_P256];
    EC_GROUP *g = atomic_load(slot), *expected = NULL;

    if (g != NULL)
        return g;
    prov_child_enter();
    g = EC_GROUP_new_by_curve_name_ex(ctx->libctx, NULL, s->nid);
    prov_child_leave();
    if (g == NULL) {
        PROV_RAISE(ctx, KW_R_OPERATION_FAILED, "curve %s is not available",
                   prov_curve_name(s->curve));
        return NULL;
    }
    if (!atomic_compare_exchange_strong(slot, &expected, g)) {
        EC_GROUP_free(g);
        g = expected;
    }
    return g;
}

/* ------------------------------------------------------------------ */
/* RFC 9180 section 4: LabeledExtract and LabeledExpand                 */

#define HPKE_V1 "HPKE-v1"

/* "HPKE-v1" || suite_id || label, suite_id = "KEM" || I2OSP(kem_id, 2). */
static size_t label_prefix(const struct dhkem_suite *s, const char *label,
                           uint8_t *out)
{
    size_t n = 0, ll = strlen(label);

    memcpy(out, HPKE_V1, 7);
    n += 7;
    memcpy(out + n, "KEM", 3);
    n += 3;
    out[n++] = (uint8_t)(s->kem_id >> 8);
    out[n++] = (uint8_t)s->kem_id;
    memcpy(out + n, label, ll);
    return n + ll;
}

static int hkdf_run(prov_ctx *ctx, const struct dhkem_suite *s, bool extract,
                    const uint8_t *key, size_t keylen, const uint8_t *data,
                    size_t datalen, uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = hkdf_get(ctx);
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[5], *p = params;
    int ok = 0;

    if (kdf == NULL)
        return 0;
    static char mode_extract[] = "EXTRACT_ONLY", mode_expand[] = "EXPAND_ONLY";

    *p++ = OSSL_PARAM_construct_utf8_string(
        OSSL_KDF_PARAM_MODE, extract ? mode_extract : mode_expand, 0);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)s->md, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key,
                                             keylen);
    if (datalen > 0)
        *p++ = OSSL_PARAM_construct_octet_string(extract ? OSSL_KDF_PARAM_SALT
                                                         : OSSL_KDF_PARAM_INFO,
                                                 (void *)data, datalen);
    *p = OSSL_PARAM_construct_end();
    prov_child_enter();
    kctx = EVP_KDF_CTX_new(kdf);
    ok = kctx != NULL && EVP_KDF_derive(kctx, out, outlen, params) > 0;
    EVP_KDF_CTX_free(kctx);
    prov_child_leave();
    if (!ok)
        PROV_RAISE(ctx, KW_R_OPERATION_FAILED, "HKDF-%s failed", s->md);
    return ok;
}

/* LabeledExtract("", label, ikm) into prk[nh]; the salt is always empty
 * in the KEM (HKDF's zero salt). */
static int labeled_extract(prov_ctx *ctx, const struct dhkem_suite *s,
                           const char *label, const uint8_t *ikm, size_t ikmlen,
                           uint8_t *prk)
{
    uint8_t buf[32 + 2 * NSK_MAX];
    size_t n = label_prefix(s, label, buf);
    int ok;

    if (ikmlen > sizeof(buf) - n)
        return 0;
    memcpy(buf + n, ikm, ikmlen);
    ok = hkdf_run(ctx, s, true, buf, n + ikmlen, NULL, 0, prk, s->nh);
    OPENSSL_cleanse(buf, sizeof(buf));
    return ok;
}

/* LabeledExpand(prk, label, info, L). */
static int labeled_expand(prov_ctx *ctx, const struct dhkem_suite *s,
                          const uint8_t *prk, const char *label,
                          const uint8_t *info, size_t infolen, uint8_t *out,
                          size_t len)
{
    uint8_t buf[2 + 32 + 2 * NENC_MAX];
    size_t n;

    if (infolen > sizeof(buf) - 34)
        return 0;
    buf[0] = (uint8_t)(len >> 8);
    buf[1] = (uint8_t)len;
    n = 2 + label_prefix(s, label, buf + 2);
    memcpy(buf + n, info, infolen);
    return hkdf_run(ctx, s, false, prk, s->nh, buf, n + infolen, out, len);
}

/* ExtractAndExpand(dh, kem_context) with kem_context = enc || pkRm. */
static int extract_and_expand(prov_ctx *ctx, const struct dhkem_suite *s,
                              const uint8_t *dh, const uint8_t *enc,
                              const uint8_t *pkrm, uint8_t *secret)
{
    uint8_t prk[NH_MAX], kem_context[2 * NENC_MAX];
    int ok;

    memcpy(kem_context, enc, s->nenc);
    memcpy(kem_context + s->nenc, pkrm, s->npk);
    ok = labeled_extract(ctx, s, "eae_prk", dh, s->ndh, prk) &&
         labeled_expand(ctx, s, prk, "shared_secret", kem_context,
                        s->nenc + s->npk, secret, s->nsecret);
    OPENSSL_cleanse(prk, sizeof(prk));
    return ok;
}

/* ------------------------------------------------------------------ */
/* Encapsulation: ephemeral key and DH in software                      */

/* DeriveKeyPair(ikm), section 7.1.3: the scalar only. */
static int derive_scalar(prov_ctx *ctx, const struct dhkem_suite *s,
                         const EC_GROUP *grp, const uint8_t *ikm, size_t ikmlen,
                         BIGNUM *sk)
{
    uint8_t prk[NH_MAX], bytes[NSK_MAX];
    const BIGNUM *order = EC_GROUP_get0_order(grp);
    int ok = 0;

    if (!labeled_extract(ctx, s, "dkp_prk", ikm, ikmlen, prk))
        return 0;
    for (unsigned counter = 0; counter < 256; counter++) {
        uint8_t c = (uint8_t)counter;

        if (!labeled_expand(ctx, s, prk, "candidate", &c, 1, bytes, s->nsk))
            goto out;
        bytes[0] &= s->bitmask;
        if (BN_bin2bn(bytes, (int)s->nsk, sk) == NULL)
            goto out;
        if (!BN_is_zero(sk) && BN_cmp(sk, order) < 0) {
            ok = 1;
            goto out;
        }
    }
    PROV_RAISE(ctx, KW_R_OPERATION_FAILED, "%s: DeriveKeyPair found no key",
               s->name);
out:
    OPENSSL_cleanse(prk, sizeof(prk));
    OPENSSL_cleanse(bytes, sizeof(bytes));
    return ok;
}

static int random_scalar(const EC_GROUP *grp, BIGNUM *sk, BN_CTX *bnctx)
{
    do {
        if (!BN_priv_rand_range_ex(sk, EC_GROUP_get0_order(grp), 0, bnctx))
            return 0;
    } while (BN_is_zero(sk));
    return 1;
}

/* enc = SerializePublicKey(sk * G); dh = x(sk * pkR), Ndh bytes. */
static int ephemeral_dh(prov_ctx *ctx, const struct dhkem_suite *s,
                        const EC_GROUP *grp, const BIGNUM *sk,
                        const uint8_t *pkrm, uint8_t *enc, uint8_t *dh,
                        BN_CTX *bnctx)
{
    EC_POINT *pke = EC_POINT_new(grp), *pkr = EC_POINT_new(grp),
             *z = EC_POINT_new(grp);
    BIGNUM *x = BN_CTX_get(bnctx);
    int ok = 0;

    if (pke == NULL || pkr == NULL || z == NULL || x == NULL)
        goto out;
    if (!EC_POINT_oct2point(grp, pkr, pkrm, s->npk, bnctx) ||
        EC_POINT_is_on_curve(grp, pkr, bnctx) != 1) {
        PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
                   "%s: the recipient's public key is not a point on %s",
                   s->name, prov_curve_name(s->curve));
        goto out;
    }
    if (!EC_POINT_mul(grp, pke, sk, NULL, NULL, bnctx) ||
        EC_POINT_point2oct(grp, pke, POINT_CONVERSION_UNCOMPRESSED, enc,
                           s->nenc, bnctx) != s->nenc ||
        !EC_POINT_mul(grp, z, NULL, pkr, sk, bnctx) ||
        EC_POINT_is_at_infinity(grp, z) ||
        !EC_POINT_get_affine_coordinates(grp, z, x, NULL, bnctx) ||
        BN_bn2binpad(x, dh, (int)s->ndh) != (int)s->ndh) {
        PROV_RAISE(ctx, KW_R_OPERATION_FAILED, "%s: ECDH failed", s->name);
        goto out;
    }
    ok = 1;
out:
    BN_clear(x);
    EC_POINT_clear_free(z);
    EC_POINT_free(pkr);
    EC_POINT_free(pke);
    return ok;
}

static int dhkem_encap(struct dhkem *k, uint8_t *enc, uint8_t *secret)
{
    const struct dhkem_suite *s = k->s;
    const EC_GROUP *grp = group_get(k->ctx, s);
    uint8_t dh[NSK_MAX];
    BN_CTX *bnctx = NULL;
    BIGNUM *sk = NULL;
    int ok = 0;

    if (grp == NULL)
        return 0;
    prov_child_enter();
    if ((bnctx = BN_CTX_secure_new_ex(k->ctx->libctx)) == NULL ||
        (sk = BN_secure_new()) == NULL)
        goto out;
    BN_set_flags(sk, BN_FLG_CONSTTIME);
    BN_CTX_start(bnctx);
    if (k->ikme != NULL
            ? !derive_scalar(k->ctx, s, grp, k->ikme, k->ikme_len, sk)
            : !random_scalar(grp, sk, bnctx))
        goto out_end;
    if (!ephemeral_dh(k->ctx, s, grp, sk, k->key->point, enc, dh, bnctx))
        goto out_end;
    ok = extract_and_expand(k->ctx, s, dh, enc, k->key->point, secret);
out_end:
    BN_CTX_end(bnctx);
out:
    prov_child_leave();
    OPENSSL_cleanse(dh, sizeof(dh));
    BN_clear_free(sk);
    BN_CTX_free(bnctx);
    if (!ok)
        PROV_RAISE(k->ctx, KW_R_OPERATION_FAILED, "%s encapsulation failed",
                   s->name);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Decapsulation: ECDH1-DERIVE in the token                             */

/* enc must be an uncompressed point on the curve (section 7.1.4). */
static int check_enc(struct dhkem *k, const uint8_t *in, size_t inlen)
{
    const struct dhkem_suite *s = k->s;
    const EC_GROUP *grp;
    EC_POINT *pt = NULL;
    BN_CTX *bnctx = NULL;
    int ok = 0;

    if (inlen != s->nenc || in[0] != 0x04) {
        PROV_RAISE(k->ctx,
                   inlen != s->nenc ? KW_R_BAD_LENGTH : KW_R_BAD_ENCODING,
                   "%s: encapsulated key of %zu bytes%s; it takes %zu (an "
                   "uncompressed point)",
                   s->name, inlen,
                   inlen == s->nenc ? " not starting with 0x04" : "", s->nenc);
        return 0;
    }
    if ((grp = group_get(k->ctx, s)) == NULL)
        return 0;
    prov_child_enter();
    bnctx = BN_CTX_new_ex(k->ctx->libctx);
    pt = EC_POINT_new(grp);
    ERR_set_mark();
    ok = bnctx != NULL && pt != NULL &&
         EC_POINT_oct2point(grp, pt, in, inlen, bnctx) &&
         EC_POINT_is_on_curve(grp, pt, bnctx) == 1 &&
         !EC_POINT_is_at_infinity(grp, pt);
    ERR_pop_to_mark();
    prov_child_leave();
    EC_POINT_free(pt);
    BN_CTX_free(bnctx);
    if (!ok)
        PROV_RAISE(k->ctx, KW_R_BAD_ENCODING,
                   "%s: the encapsulated key is not a point on %s", s->name,
                   prov_curve_name(s->curve));
    return ok;
}

static int dhkem_decap(struct dhkem *k, const uint8_t *in, size_t inlen,
                       uint8_t *secret)
{
    const struct dhkem_suite *s = k->s;
    uint8_t dh[NSK_MAX];
    size_t dhlen = sizeof(dh);
    CK_RV rv;
    int ok;

    if (!check_enc(k, in, inlen))
        return 0;
    ERR_set_mark();
    rv = hsm_derive_ecdh(k->key->priv, in, inlen, dh, &dhlen);
    ERR_pop_to_mark();
    if (rv != CKR_OK || dhlen != s->ndh) {
        OPENSSL_cleanse(dh, sizeof(dh));
        PROV_RAISE_RV(k->ctx, rv == CKR_OK ? CKR_GENERAL_ERROR : rv,
                      "%s decapsulation with key '%s'", s->name,
                      hsm_key_get0_label(k->key->priv));
        return 0;
    }
    ok = extract_and_expand(k->ctx, s, dh, in, k->key->point, secret);
    OPENSSL_cleanse(dh, sizeof(dh));
    return ok;
}

/* ------------------------------------------------------------------ */
/* The KEM dispatch                                                     */

static OSSL_FUNC_kem_newctx_fn dhkem_newctx;
static OSSL_FUNC_kem_freectx_fn dhkem_freectx;
static OSSL_FUNC_kem_dupctx_fn dhkem_dupctx;
static OSSL_FUNC_kem_encapsulate_init_fn dhkem_encapsulate_init;
static OSSL_FUNC_kem_encapsulate_fn dhkem_encapsulate;
static OSSL_FUNC_kem_decapsulate_init_fn dhkem_decapsulate_init;
static OSSL_FUNC_kem_decapsulate_fn dhkem_decapsulate;
static OSSL_FUNC_kem_set_ctx_params_fn dhkem_set_ctx_params;
static OSSL_FUNC_kem_settable_ctx_params_fn dhkem_settable_ctx_params;

static void *dhkem_newctx(void *provctx)
{
    struct dhkem *k = calloc(1, sizeof(*k));

    if (k != NULL)
        k->ctx = provctx;
    return k;
}

static void dhkem_freectx(void *vctx)
{
    struct dhkem *k = vctx;

    if (k == NULL)
        return;
    prov_key_free(k->key);
    if (k->ikme != NULL)
        OPENSSL_clear_free(k->ikme, k->ikme_len);
    PROV_CLEAR_FREE(k);
}

static void *dhkem_dupctx(void *vctx)
{
    struct dhkem *src = vctx, *k = malloc(sizeof(*k));

    if (k == NULL)
        return NULL;
    *k = *src;
    k->ikme = NULL;
    if (src->ikme != NULL &&
        (k->ikme = OPENSSL_memdup(src->ikme, src->ikme_len)) == NULL) {
        free(k);
        return NULL;
    }
    if (k->key != NULL)
        prov_key_up_ref(k->key);
    return k;
}

static int dhkem_init(struct dhkem *k, prov_key *key, int op,
                      const OSSL_PARAM params[])
{
    const struct dhkem_suite *s;

    if (key == NULL || key->type != PROV_KEY_EC || !key->has_pub ||
        (s = suite_for(key->curve)) == NULL) {
        PROV_RAISE(k->ctx, KW_R_KEY_UNSUITABLE,
                   "DHKEM needs an EC key on P-256, P-384 or P-521");
        return 0;
    }
    /* The token first: if it has no ECDH at all (tpm2-pkcs11 1.9.0), that
     * is the message, whatever the key allows. */
    if (op == EVP_PKEY_OP_DECAPSULATE &&
        (!prov_cap_check(k->ctx, key->pt, PROV_CAP_ECDH,
                         "DHKEM decapsulation") ||
         !prov_key_check_private(key, HSM_USE_DERIVE, "DHKEM decapsulation")))
        return 0;
    prov_key_up_ref(key);
    prov_key_free(k->key);
    k->key = key;
    k->s = s;
    k->op = op;
    if (k->ikme != NULL)
        OPENSSL_clear_free(k->ikme, k->ikme_len);
    k->ikme = NULL;
    k->ikme_len = 0;
    return dhkem_set_ctx_params(k, params);
}

static int dhkem_encapsulate_init(void *vctx, void *key,
                                  const OSSL_PARAM params[])
{
    return dhkem_init(vctx, key, EVP_PKEY_OP_ENCAPSULATE, params);
}

static int dhkem_decapsulate_init(void *vctx, void *key,
                                  const OSSL_PARAM params[])
{
    return dhkem_init(vctx, key, EVP_PKEY_OP_DECAPSULATE, params);
}

static int dhkem_ready(struct dhkem *k, int op)
{
    if (k->key != NULL && k->op == op)
        return 1;
    PROV_RAISE(k->ctx, KW_R_INVALID_PARAM, "DHKEM: not initialised for %s",
               op == EVP_PKEY_OP_ENCAPSULATE ? "encapsulation"
                                             : "decapsulation");
    return 0;
}

static int dhkem_encapsulate(void *vctx, unsigned char *out, size_t *outlen,
                             unsigned char *secret, size_t *secretlen)
{
    struct dhkem *k = vctx;

    if (!dhkem_ready(k, EVP_PKEY_OP_ENCAPSULATE))
        return 0;
    if (out == NULL) {
        if (outlen != NULL)
            *outlen = k->s->nenc;
        if (secretlen != NULL)
            *secretlen = k->s->nsecret;
        return outlen != NULL || secretlen != NULL;
    }
    if (secret == NULL || outlen == NULL || secretlen == NULL)
        return 0;
    if (*outlen < k->s->nenc || *secretlen < k->s->nsecret) {
        PROV_RAISE(k->ctx, KW_R_BUFFER_TOO_SMALL,
                   "%s gives %zu + %zu bytes; buffers of %zu and %zu",
                   k->s->name, k->s->nenc, k->s->nsecret, *outlen, *secretlen);
        return 0;
    }
    if (!dhkem_encap(k, out, secret)) {
        OPENSSL_cleanse(secret, k->s->nsecret);
        return 0;
    }
    *outlen = k->s->nenc;
    *secretlen = k->s->nsecret;
    return 1;
}

static int dhkem_decapsulate(void *vctx, unsigned char *out, size_t *outlen,
                             const unsigned char *in, size_t inlen)
{
    struct dhkem *k = vctx;

    if (!dhkem_ready(k, EVP_PKEY_OP_DECAPSULATE) || outlen == NULL)
        return 0;
    if (out == NULL) {
        *outlen = k->s->nsecret;
        return 1;
    }
    if (*outlen < k->s->nsecret) {
        PROV_RAISE(k->ctx, KW_R_BUFFER_TOO_SMALL,
                   "%s gives a %zu-byte secret; buffer of %zu", k->s->name,
                   k->s->nsecret, *outlen);
        return 0;
    }
    if (in == NULL || !dhkem_decap(k, in, inlen, out)) {
        OPENSSL_cleanse(out, k->s->nsecret);
        return 0;
    }
    *outlen = k->s->nsecret;
    return 1;
}

static int dhkem_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    struct dhkem *k = vctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_KEM_PARAM_OPERATION);
    if (p != NULL) {
        const char *op = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &op))
            return 0;
        if (strcasecmp(op, DHKEM_OP) != 0) {
            PROV_RAISE(k->ctx, KW_R_INVALID_PARAM,
                       "KEM operation %s: EC keys do %s", op, DHKEM_OP);
            return 0;
        }
    }
    p = OSSL_PARAM_locate_const(params, OSSL_KEM_PARAM_IKME);
    if (p != NULL) {
        const void *v = NULL;
        size_t len = 0;

        if (!OSSL_PARAM_get_octet_string_ptr(p, &v, &len))
            return 0;
        if (k->s == NULL || len < k->s->nsk) {
            PROV_RAISE(k->ctx, KW_R_INVALID_PARAM,
                       "DHKEM: ikme of %zu bytes; it needs at least Nsk "
                       "(%zu)",
                       len, k->s != NULL ? k->s->nsk : (size_t)0);
            return 0;
        }
        if (k->ikme != NULL)
            OPENSSL_clear_free(k->ikme, k->ikme_len);
        k->ikme_len = 0;
        if ((k->ikme = OPENSSL_memdup(v, len)) == NULL)
            return 0;
        k->ikme_len = len;
    }
    return 1;
}

static const OSSL_PARAM dhkem_settable[] = {
    OSSL_PARAM_utf8_string(OSSL_KEM_PARAM_OPERATION, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_KEM_PARAM_IKME, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *dhkem_settable_ctx_params(void *vctx, void *provctx)
{
    (void)vctx;
    (void)provctx;
    return dhkem_settable;
}

const OSSL_DISPATCH prov_dhkem_kem_functions[] = {
    {OSSL_FUNC_KEM_NEWCTX, (void (*)(void))dhkem_newctx},
    {OSSL_FUNC_KEM_FREECTX, (void (*)(void))dhkem_freectx},
    {OSSL_FUNC_KEM_DUPCTX, (void (*)(void))dhkem_dupctx},
    {OSSL_FUNC_KEM_ENCAPSULATE_INIT, (void (*)(void))dhkem_encapsulate_init},
    {OSSL_FUNC_KEM_ENCAPSULATE, (void (*)(void))dhkem_encapsulate},
    {OSSL_FUNC_KEM_DECAPSULATE_INIT, (void (*)(void))dhkem_decapsulate_init},
    {OSSL_FUNC_KEM_DECAPSULATE, (void (*)(void))dhkem_decapsulate},
    {OSSL_FUNC_KEM_SET_CTX_PARAMS, (void (*)(void))dhkem_set_ctx_params},
    {OSSL_FUNC_KEM_SETTABLE_CTX_PARAMS,
     (void (*)(void))dhkem_settable_ctx_params},
    {0, NULL}};
