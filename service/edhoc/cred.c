/* SPDX-License-Identifier: Apache-2.0 */
/* cred.c: ID_CRED/CRED builders, x5t, X.509 chain validation and CCS parsing.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "edhoc_local.h"

static int enc_finish(kw_cbor_enc *e, uint8_t **out, size_t *out_len)
{
    if (kw_cbor_enc_error(e)) {
        kw_cbor_enc_cleanup(e);
        return KW_EDHOC_E_NOMEM;
    }
    *out = e->buf; /* ownership moves to the caller */
    *out_len = e->len;
    return KW_EDHOC_OK;
}

int kw_edhoc_id_cred_kid(const uint8_t *kid, size_t kid_len, uint8_t **out,
                         size_t *out_len)
{
    kw_cbor_enc e;

    if (kid == NULL && kid_len > 0)
        return KW_EDHOC_E_PARAM;
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, KW_COSE_HDR_KID);
    kw_cbor_put_bstr(&e, kid, kid_len);
    return enc_finish(&e, out, out_len);
}

/* SHA-256 or its 64-bit truncation (RFC 9054 section 2). */
static int x5t_hash(int alg, const uint8_t *der, size_t len, uint8_t *h,
                    size_t *h_len)
{
    unsigned int n;

    if (alg != KW_COSE_ALG_SHA256 && alg != KW_COSE_ALG_SHA256_64)
        return KW_EDHOC_E_PARAM;
    if (!EVP_Digest(der, len, h, &n, EVP_sha256(), NULL) || n != 32)
        return KW_EDHOC_E_CRYPTO;
    *h_len = alg == KW_COSE_ALG_SHA256 ? 32 : 8;
    return KW_EDHOC_OK;
}

int kw_edhoc_id_cred_x5t(const uint8_t *cert_der, size_t cert_len, int alg,
                         uint8_t **out, size_t *out_len)
{
    uint8_t h[32];
    size_t h_len;
    kw_cbor_enc e;
    int rv;

    if ((rv = x5t_hash(alg, cert_der, cert_len, h, &h_len)) != KW_EDHOC_OK)
        return rv;
    /* { 34 : [ alg, hash ] } */
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, KW_COSE_HDR_X5T);
    kw_cbor_put_array(&e, 2);
    kw_cbor_put_int(&e, alg);
    kw_cbor_put_bstr(&e, h, h_len);
    return enc_finish(&e, out, out_len);
}

bool kw_edhoc_x5t_matches(int alg, const uint8_t *hash, size_t hash_len,
                          const uint8_t *cert_der, size_t cert_len)
{
    uint8_t h[32];
    size_t h_len;

    return x5t_hash(alg, cert_der, cert_len, h, &h_len) == KW_EDHOC_OK &&
           hash_len == h_len && CRYPTO_memcmp(h, hash, h_len) == 0;
}

int kw_edhoc_id_cred_x5chain(const uint8_t *const *certs, const size_t *lens,
                             size_t n, uint8_t **out, size_t *out_len)
{
    kw_cbor_enc e;

    if (certs == NULL || lens == NULL || n == 0 || n > KW_EDHOC_MAX_CHAIN)
        return KW_EDHOC_E_PARAM;
    /* { 33 : bstr } or { 33 : [ 2* bstr ] } (RFC 9360 section 2) */
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, KW_COSE_HDR_X5CHAIN);
    if (n > 1)
        kw_cbor_put_array(&e, n);
    for (size_t i = 0; i < n; i++)
        kw_cbor_put_bstr(&e, certs[i], lens[i]);
    return enc_finish(&e, out, out_len);
}

int kw_edhoc_cred_x509(const uint8_t *cert_der, size_t cert_len, uint8_t **out,
                       size_t *out_len)
{
    kw_cbor_enc e;

    if (cert_der == NULL || cert_len == 0)
        return KW_EDHOC_E_PARAM;
    kw_cbor_enc_init(&e);
    kw_cbor_put_bstr(&e, cert_der, cert_len);
    return enc_finish(&e, out, out_len);
}

static X509 *x509_from_der(const uint8_t *der, size_t len, OSSL_LIB_CTX *libctx,
                           const char *propq)
{
    const uint8_t *p = der;
    X509 *x = X509_new_ex(libctx, propq);

    if (x == NULL)
        return NULL;
    if (d2i_X509(&x, &p, (long)len) == NULL || p != der + len) {
        X509_free(x);
        return NULL;
    }
    return x;
}

int kw_edhoc_x509_verify(const uint8_t *const *certs, const size_t *lens,
                         size_t n, X509_STORE *store, OSSL_LIB_CTX *libctx,
                         const char *propq, char **subject, EVP_PKEY **pubkey)
{
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *vctx = NULL;
    X509 *leaf = NULL;
    BIO *bio = NULL;
    int rv = KW_EDHOC_E_PEER_REJECTED;

    if (certs == NULL || lens == NULL || n == 0 || store == NULL)
        return KW_EDHOC_E_PARAM;
    if ((untrusted = sk_X509_new_null()) == NULL ||
        (vctx = X509_STORE_CTX_new_ex(libctx, propq)) == NULL) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    if ((leaf = x509_from_der(certs[0], lens[0], libctx, propq)) == NULL)
        goto out;
    for (size_t i = 1; i < n; i++) {
        X509 *x = x509_from_der(certs[i], lens[i], libctx, propq);

        if (x == NULL || !sk_X509_push(untrusted, x)) {
            X509_free(x);
            goto out;
        }
    }
    if (!X509_STORE_CTX_init(vctx, store, leaf, untrusted) ||
        X509_verify_cert(vctx) != 1)
        goto out;
    if (subject != NULL) {
        BUF_MEM *mem;

        if ((bio = BIO_new(BIO_s_mem())) == NULL ||
            X509_NAME_print_ex(bio, X509_get_subject_name(leaf), 0,
                               XN_FLAG_RFC2253) < 0 ||
            BIO_get_mem_ptr(bio, &mem) <= 0 ||
            (*subject = OPENSSL_strndup(mem->data, mem->length)) == NULL) {
            rv = KW_EDHOC_E_NOMEM;
            goto out;
        }
    }
    if (pubkey != NULL && (*pubkey = X509_get_pubkey(leaf)) == NULL) {
        if (subject != NULL) {
            OPENSSL_free(*subject);
            *subject = NULL;
        }
        goto out;
    }
    rv = KW_EDHOC_OK;
out:
    BIO_free(bio);
    X509_STORE_CTX_free(vctx);
    sk_X509_pop_free(untrusted, X509_free);
    X509_free(leaf);
    return rv;
}

/* COSE_Key (RFC 9052 section 7, RFC 9053 section 7) of type EC2 P-256 or
 * OKP Ed25519/X25519 into a public EVP_PKEY. */
enum {
    COSE_KEY_KTY = 1,
    COSE_KEY_KID = 2,
    COSE_KEY_CRV = -1,
    COSE_KEY_X = -2,
    COSE_KEY_Y = -3,
    KTY_OKP = 1,
    KTY_EC2 = 2,
    CRV_P256 = 1,
    CRV_X25519 = 4,
    CRV_ED25519 = 6,
};

static int cose_key_parse(kw_cbor_dec *d, OSSL_LIB_CTX *libctx,
                          const char *propq, const uint8_t **kid,
                          size_t *kid_len, EVP_PKEY **pub)
{
    int64_t kty = 0, crv = 0, label;
    const uint8_t *x = NULL, *y = NULL;
    size_t n, x_len = 0, y_len = 0;
    uint8_t point[65];
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *pctx;
    EVP_PKEY *k = NULL;

    if (kw_cbor_get_map(d, &n) != 0)
        return KW_EDHOC_E_DECODE;
    for (size_t i = 0; i < n; i++) {
        if (kw_cbor_peek(d) == KW_CBOR_TSTR) {
            if (kw_cbor_get_item(d, NULL, NULL) != 0 ||
                kw_cbor_get_item(d, NULL, NULL) != 0)
                return KW_EDHOC_E_DECODE;
            continue;
        }
        if (kw_cbor_get_int(d, &label) != 0)
            return KW_EDHOC_E_DECODE;
        int rv = 0;
        switch (label) {
        case COSE_KEY_KTY:
            rv = kw_cbor_get_int(d, &kty);
            break;
        case COSE_KEY_KID:
            rv = kw_cbor_get_bstr(d, kid, kid_len);
            break;
        case COSE_KEY_CRV:
            rv = kw_cbor_get_int(d, &crv);
            break;
        case COSE_KEY_X:
            rv = kw_cbor_get_bstr(d, &x, &x_len);
            break;
        case COSE_KEY_Y: /* bstr; a bool (compressed sign) is not used */
            rv = kw_cbor_get_bstr(d, &y, &y_len);
            break;
        default:
            rv = kw_cbor_get_item(d, NULL, NULL);
        }
        if (rv != 0)
            return KW_EDHOC_E_DECODE;
    }
    if (x == NULL || x_len != 32)
        return KW_EDHOC_E_DECODE;
    if (kty == KTY_OKP && (crv == CRV_ED25519 || crv == CRV_X25519)) {
        k = EVP_PKEY_new_raw_public_key_ex(
            libctx, crv == CRV_ED25519 ? "ED25519" : "X25519", propq, x, 32);
    } else if (kty == KTY_EC2 && crv == CRV_P256 && y != NULL && y_len == 32) {
        point[0] = 0x04;
        memcpy(point + 1, x, 32);
        memcpy(point + 33, y, 32);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                     (char *)"P-256", 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                      point, sizeof(point));
        params[2] = OSSL_PARAM_construct_end();
        pctx = EVP_PKEY_CTX_new_from_name(libctx, "EC", propq);
        if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) <= 0 ||
            EVP_PKEY_fromdata(pctx, &k, EVP_PKEY_PUBLIC_KEY, params) <= 0)
            k = NULL;
        EVP_PKEY_CTX_free(pctx);
    } else {
        return KW_EDHOC_E_DECODE;
    }
    if (k == NULL)
        return KW_EDHOC_E_DECODE;
    *pub = k;
    return KW_EDHOC_OK;
}

int kw_edhoc_ccs_build(EVP_PKEY *pub, const char *sub, const uint8_t *kid,
                       size_t kid_len, uint8_t **out, size_t *out_len)
{
    uint8_t pt[65];
    size_t pt_len;
    bool ec2 = EVP_PKEY_is_a(pub, "EC");
    int crv = CRV_P256;
    kw_cbor_enc e;

    if (kid == NULL || kid_len == 0)
        return KW_EDHOC_E_PARAM;
    if (ec2) {
        char group[16];
        if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), NULL) ||
            (strcmp(group, "P-256") != 0 && strcmp(group, "prime256v1") != 0))
            return KW_EDHOC_E_PARAM;
        BIGNUM *x = NULL, *y = NULL;
        bool ok = EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
                  EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
                  BN_bn2binpad(x, pt + 1, 32) == 32 &&
                  BN_bn2binpad(y, pt + 33, 32) == 32;
        BN_free(x);
        BN_free(y);
        if (!ok)
            return KW_EDHOC_E_PARAM;
    } else {
        pt_len = 32;
        crv = EVP_PKEY_is_a(pub, "ED25519")  ? CRV_ED25519
              : EVP_PKEY_is_a(pub, "X25519") ? CRV_X25519
                                             : 0;
        if (crv == 0 || !EVP_PKEY_get_raw_public_key(pub, pt + 1, &pt_len) ||
            pt_len != 32)
            return KW_EDHOC_E_PARAM;
    }
    /* { ? 2 : sub, 8 : { 1 : COSE_Key } }, keys in RFC 9529's order (the
     * deterministic one) */
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, sub != NULL ? 2 : 1);
    if (sub != NULL) {
        kw_cbor_put_uint(&e, 2);
        kw_cbor_put_tstr(&e, sub, strlen(sub));
    }
    kw_cbor_put_uint(&e, 8);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, 1);
    kw_cbor_put_map(&e, ec2 ? 5 : 4);
    kw_cbor_put_int(&e, COSE_KEY_KTY);
    kw_cbor_put_int(&e, ec2 ? KTY_EC2 : KTY_OKP);
    kw_cbor_put_int(&e, COSE_KEY_KID);
    kw_cbor_put_bstr(&e, kid, kid_len);
    kw_cbor_put_int(&e, COSE_KEY_CRV);
    kw_cbor_put_int(&e, crv);
    kw_cbor_put_int(&e, COSE_KEY_X);
    kw_cbor_put_bstr(&e, pt + 1, 32);
    if (ec2) {
        kw_cbor_put_int(&e, COSE_KEY_Y);
        kw_cbor_put_bstr(&e, pt + 33, 32);
    }
    return enc_finish(&e, out, out_len);
}

int kw_edhoc_ccs_parse(const uint8_t *ccs, size_t ccs_len, OSSL_LIB_CTX *libctx,
                       const char *propq, const uint8_t **kid, size_t *kid_len,
                       char **sub, EVP_PKEY **pubkey)
{
    const char *s = NULL;
    size_t n, s_len = 0;
    EVP_PKEY *k = NULL;
    kw_cbor_dec d;
    int64_t label;
    int rv = KW_EDHOC_E_DECODE;

    *kid = NULL;
    *kid_len = 0;
    if (sub != NULL)
        *sub = NULL;
    /* CCS = { ? 2 : sub tstr, 8 : { 1 : COSE_Key }, * other claims } */
    if (kw_cbor_check_item(ccs, ccs_len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, ccs, ccs_len);
    if (kw_cbor_get_map(&d, &n) != 0)
        return KW_EDHOC_E_DECODE;
    for (size_t i = 0; i < n; i++) {
        size_t m;
        int64_t conf;

        if (kw_cbor_peek(&d) == KW_CBOR_TSTR || kw_cbor_get_int(&d, &label)) {
            if (kw_cbor_get_item(&d, NULL, NULL) != 0 ||
                kw_cbor_get_item(&d, NULL, NULL) != 0)
                goto out;
            continue;
        }
        if (label == 2) { /* sub */
            if (kw_cbor_get_tstr(&d, &s, &s_len) != 0)
                goto out;
        } else if (label == 8 && k == NULL) { /* cnf: { 1 : COSE_Key } */
            if (kw_cbor_get_map(&d, &m) != 0 || m != 1 ||
                kw_cbor_get_int(&d, &conf) != 0 || conf != 1 ||
                cose_key_parse(&d, libctx, propq, kid, kid_len, &k) != 0)
                goto out;
        } else if (kw_cbor_get_item(&d, NULL, NULL) != 0) {
            goto out;
        }
    }
    if (k == NULL)
        goto out;
    if (sub != NULL && s != NULL &&
        (*sub = OPENSSL_strndup(s, s_len)) == NULL) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    *pubkey = k;
    k = NULL;
    rv = KW_EDHOC_OK;
out:
    EVP_PKEY_free(k);
    return rv;
}
