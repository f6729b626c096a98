/* SPDX-License-Identifier: Apache-2.0 */
/* skeymgmt_secret.c: with OpenSSL 3.5 or later, keyward's token secret keys
 * as EVP_SKEY objects (opaque symmetric keys): imported by URI, exporting
 * nothing secret, for keyward's ciphers and MACs (the *_skey init entry
 * points in cipher_aes_gcm.c, cipher_aes.c and mac_common.c).
 *
 * NOT COMPILED OR TESTED HERE: Debian 12 ships OpenSSL 3.0, which has no
 * EVP_SKEY, and this file is built only against 3.5 headers (prov.h,
 * PROV_HAVE_SKEY). The dispatch numbers and signatures are OpenSSL 3.5's
 * (include/openssl/core_dispatch.h). Kept small on purpose: every line here
 * is untested until a 3.5 build runs it. */
#include "prov.h"

#ifdef PROV_HAVE_SKEY

#include <stdlib.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

/* Accepted at import; each cipher or MAC checks its own needs at init. */
static const struct prov_secret_need skey_any = {
    "KEYWARD-SECRET",
    {CKK_AES, CKK_GENERIC_SECRET, CKK_SHA256_HMAC, CKK_SHA384_HMAC,
     CKK_SHA512_HMAC},
    5,
    0,
    0};

/* What a keyward EVP_SKEY holds: a reference to the token key. */
struct prov_skey {
    struct prov_secret s;
    char *id; /* the URI without any PIN: EVP_SKEY_get0_key_id() */
};

static OSSL_FUNC_skeymgmt_import_fn skey_import;
static OSSL_FUNC_skeymgmt_export_fn skey_export;
static OSSL_FUNC_skeymgmt_free_fn skey_free;
static OSSL_FUNC_skeymgmt_imp_settable_params_fn skey_imp_settable_params;
static OSSL_FUNC_skeymgmt_get_key_id_fn skey_get_key_id;

static void skey_free(void *keydata)
{
    struct prov_skey *k = keydata;

    if (k == NULL)
        return;
    prov_secret_clear(&k->s);
    OPENSSL_free(k->id);
    PROV_CLEAR_FREE(k);
}

/* EVP_SKEY_import(libctx, "KEYWARD-SECRET", "provider=keyward", selection,
 * {"pkcs11_uri": URI}): the key is found in the token; no key bytes. */
static void *skey_import(void *provctx, int selection,
                         const OSSL_PARAM params[])
{
    prov_ctx *ctx = provctx;
    const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, PROV_PARAM_KEY_URI);
    const char *uri = NULL;
    struct prov_skey *k;

    (void)selection;
    if (p == NULL || !OSSL_PARAM_get_utf8_string_ptr(p, &uri)) {
        PROV_RAISE(ctx, KW_R_INVALID_PARAM,
                   "keyward EVP_SKEYs are token keys: import them by URI in "
                   "the \"%s\" parameter (keyward takes no raw key bytes)",
                   PROV_PARAM_KEY_URI);
        return NULL;
    }
    if ((k = calloc(1, sizeof(*k))) == NULL)
        return NULL;
    if (!prov_secret_set(ctx, &k->s, uri, &skey_any) ||
        (k->id = OPENSSL_strdup(prov_uri_redact(uri))) == NULL) {
        skey_free(k);
        return NULL;
    }
    return k;
}

/* Nothing secret leaves: the key bytes stay in the token. */
static int skey_export(void *keydata, int selection, OSSL_CALLBACK *cb,
                       void *cbarg)
{
    struct prov_skey *k = keydata;
    OSSL_PARAM params[] = {OSSL_PARAM_END, OSSL_PARAM_END};
    size_t len = hsm_key_get_bits(k->s.key) / 8;

    if ((selection & OSSL_SKEYMGMT_SELECT_SECRET_KEY) != 0)
        return 0; /* refused: a token key is not exported */
#ifdef OSSL_SKEY_PARAM_KEY_LENGTH
    if (len > 0)
        params[0] = OSSL_PARAM_construct_size_t(OSSL_SKEY_PARAM_KEY_LENGTH,
                                                &len);
#else
    (void)len;
#endif
    return cb(params, cbarg);
}

static const OSSL_PARAM skey_known_settable[] = {
    OSSL_PARAM_utf8_string(PROV_PARAM_KEY_URI, NULL, 0), OSSL_PARAM_END};

static const OSSL_PARAM *skey_imp_settable_params(void *provctx)
{
    (void)provctx;
    return skey_known_settable;
}

static const char *skey_get_key_id(void *keydata)
{
    return ((struct prov_skey *)keydata)->id;
}

int prov_skey_get_secret(prov_ctx *ctx, void *skeydata, struct prov_secret *s,
                         const struct prov_secret_need *need)
{
    struct prov_skey *k = skeydata;

    if (k == NULL)
        return 1; /* no key now: given later, as with EVP_CipherInit_ex2 */
    return prov_secret_adopt(ctx, s, &k->s, need);
}

const OSSL_DISPATCH prov_secret_skeymgmt_functions[] = {
    {OSSL_FUNC_SKEYMGMT_FREE, (void (*)(void))skey_free},
    {OSSL_FUNC_SKEYMGMT_IMPORT, (void (*)(void))skey_import},
    {OSSL_FUNC_SKEYMGMT_EXPORT, (void (*)(void))skey_export},
    {OSSL_FUNC_SKEYMGMT_IMP_SETTABLE_PARAMS,
     (void (*)(void))skey_imp_settable_params},
    {OSSL_FUNC_SKEYMGMT_GET_KEY_ID, (void (*)(void))skey_get_key_id},
    {0, NULL}};

#else
/* OpenSSL before 3.5: nothing (ISO C wants a declaration in every file). */
typedef int prov_skeymgmt_unavailable;
#endif
