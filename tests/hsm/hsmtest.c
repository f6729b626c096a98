/* SPDX-License-Identifier: Apache-2.0 */
/* hsmtest.c: the SoftHSM fixture through hsm/, and OpenSSL cross-checks. */
#include "hsmtest.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "hsm_evp.h"

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

EVP_PKEY *ht_evp_pub(hsm_key *k)
{
    EVP_PKEY *pkey = kw_hsm_evp_pubkey(k);
    TEST_ptr(pkey);
    return pkey;
}

uint8_t *ht_ecdsa_der(const uint8_t *raw, size_t rawlen, size_t *derlen)
{
    return kw_ecdsa_raw_to_der(raw, rawlen, derlen);
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
