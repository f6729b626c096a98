/* SPDX-License-Identifier: Apache-2.0 */
/* hsmtest.c: the SoftHSM fixture through hsm/, and OpenSSL cross-checks. */
#include "hsmtest.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

bool ht_open(struct ht *h, const char *module_path)
{
    hsm_uri *u = NULL;
    const char *pin;
    CK_RV rv;

    memset(h, 0, sizeof(*h));
    if (!tu_vars_load())
        return false;
    rv = hsm_module_open(module_path ? module_path : tu_var("KW_MODULE"), NULL,
                         &h->mod);
    if (!TEST_rv(rv, CKR_OK))
        goto err;
    if (!TEST_rv(hsm_uri_parse(tu_var("KW_TOKEN_URI"), &u), CKR_OK))
        goto err;
    if (!TEST_rv(hsm_token_open(h->mod, u, &h->tok), CKR_OK))
        goto err;
    pin = tu_var("KW_PIN");
    if (!TEST_rv(hsm_token_login(h->tok, pin, strlen(pin)), CKR_OK))
        goto err;
    hsm_uri_free(u);
    return true;
err:
    fprintf(stderr, "  detail: %s\n", hsm_error_detail());
    hsm_uri_free(u);
    ht_close(h);
    return false;
}

void ht_close(struct ht *h)
{
    hsm_token_free(h->tok);
    hsm_module_free(h->mod);
    memset(h, 0, sizeof(*h));
}

hsm_key *ht_key(struct ht *h, const char *var, CK_OBJECT_CLASS cls)
{
    hsm_uri *u = NULL;
    hsm_key *k = NULL;
    if (TEST_rv(hsm_uri_parse(tu_var(var), &u), CKR_OK) &&
        !TEST_rv(hsm_key_find(h->tok, u, cls, &k), CKR_OK))
        fprintf(stderr, "  %s: %s\n", var, hsm_error_detail());
    hsm_uri_free(u);
    return k;
}

static const char *group_of(const uint8_t *der, size_t len)
{
    static const struct {
        const char *name;
        uint8_t der[10];
        size_t len;
    } g[] = {
        {"P-256", {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 10},
        {"P-384", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, 7},
        {"P-521", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}, 7},
    };
    for (size_t i = 0; i < 3; i++)
        if (g[i].len == len && memcmp(g[i].der, der, len) == 0)
            return g[i].name;
    return NULL;
}

EVP_PKEY *ht_evp_pub(hsm_key *k)
{
    struct hsm_pubkey pub;
    OSSL_PARAM_BLD *b = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    BIGNUM *n = NULL, *e = NULL;
    const char *type = NULL;

    if (!TEST_rv(hsm_key_get_pubkey(k, &pub), CKR_OK))
        return NULL;
    if (pub.type == CKK_EC_EDWARDS) {
        pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub.point,
                                              pub.point_len);
        goto out;
    }
    if ((b = OSSL_PARAM_BLD_new()) == NULL)
        goto out;
    if (pub.type == CKK_RSA) {
        type = "RSA";
        n = BN_bin2bn(pub.n, (int)pub.n_len, NULL);
        e = BN_bin2bn(pub.e, (int)pub.e_len, NULL);
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
    } else {
        const char *grp = group_of(pub.params, pub.params_len);
        if (!TEST_ptr(grp))
            goto out;
        type = "EC";
        OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, grp, 0);
        OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub.point,
                                         pub.point_len);
    }
    if ((params = OSSL_PARAM_BLD_to_param(b)) == NULL ||
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
        EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
out:
    TEST_ptr(pkey);
    BN_free(n);
    BN_free(e);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(ctx);
    hsm_pubkey_clear(&pub);
    return pkey;
}

uint8_t *ht_ecdsa_der(const uint8_t *raw, size_t rawlen, size_t *derlen)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)rawlen / 2, NULL);
    BIGNUM *s = BN_bin2bn(raw + rawlen / 2, (int)rawlen / 2, NULL);
    uint8_t *der = NULL;
    int len;

    if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return NULL;
    }
    len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    *derlen = len > 0 ? (size_t)len : 0;
    return len > 0 ? der : NULL;
}

bool ht_evp_verify(EVP_PKEY *pub, const char *md, int pad, int saltlen,
                   const uint8_t *msg, size_t msglen, const uint8_t *sig,
                   size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    bool ok = false;

    if (ctx == NULL ||
        EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pub, NULL) <= 0)
        goto out;
    if (pad != 0 && EVP_PKEY_CTX_set_rsa_padding(pctx, pad) <= 0)
        goto out;
    if (pad == RSA_PKCS1_PSS_PADDING &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) <= 0)
        goto out;
    ok = EVP_DigestVerify(ctx, sig, siglen, msg, msglen) == 1;
out:
    EVP_MD_CTX_free(ctx);
    return ok;
}

const char *ht_fault_module(void)
{
    return KWFAULT_PATH;
}

void *ht_fault_sym(const char *name)
{
    void *dl = dlopen(KWFAULT_PATH, RTLD_NOW | RTLD_NOLOAD);
    void *sym = dl ? dlsym(dl, name) : NULL;
    if (dl)
        dlclose(dl);
    return sym;
}
