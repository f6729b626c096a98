/* SPDX-License-Identifier: Apache-2.0 */
/* trace_keys_softhsm.c: the trace long-term keys imported into the SoftHSM
 * fixture token (hsm_object_create) and loaded back through the keyward
 * provider by pkcs11: URI (OSSL_STORE), as keywardd loads them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/provider.h>
#include <openssl/store.h>

#include "hsm.h"
#include "keyward_provider.h"
#include "testutil.h"
#include "trace_keys.h"

static hsm_module *mod;
static hsm_token *tok;
static OSSL_PROVIDER *prov_default, *prov_keyward;
/* Keys already imported, by label: a test may ask for one twice. */
static struct {
    char label[32];
    EVP_PKEY *pkey;
} cache[8];

/* DER OIDs for CKA_EC_PARAMS. */
static const uint8_t OID_P256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_ED25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

int trace_keys_init(void)
{
    hsm_uri *uri = NULL;
    char *pin = NULL;
    size_t pinlen = 0;
    CK_RV rv;
    int ok = 0;

    if (!tu_vars_load())
        return 1;
    setenv("KEYWARD_PKCS11_MODULE", tu_var("KW_MODULE"), 1);
    if (!TEST_true(OSSL_PROVIDER_add_builtin(NULL, "keyward",
                                             keyward_provider_init)) ||
        !TEST_ptr(prov_default = OSSL_PROVIDER_load(NULL, "default")) ||
        !TEST_ptr(prov_keyward = OSSL_PROVIDER_load(NULL, "keyward")))
        return 1;
    rv = hsm_module_open(tu_var("KW_MODULE"), NULL, &mod);
    if (TEST_rv(rv, CKR_OK))
        rv = hsm_uri_parse(tu_var("KW_TOKEN_URI"), &uri);
    if (rv == CKR_OK && TEST_rv(rv, CKR_OK))
        rv = hsm_token_open(mod, uri, &tok);
    if (rv == CKR_OK && TEST_rv(rv, CKR_OK))
        rv = hsm_pin_read_file(tu_var("KW_PIN_FILE"), &pin, &pinlen);
    if (rv == CKR_OK && TEST_rv(rv, CKR_OK))
        rv = hsm_token_login(tok, pin, pinlen);
    ok = rv == CKR_OK && TEST_rv(rv, CKR_OK);
    if (pin != NULL)
        OPENSSL_clear_free(pin, pinlen);
    hsm_uri_free(uri);
    return ok ? 0 : 1;
}

void trace_keys_cleanup(void)
{
    for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
        EVP_PKEY_free(cache[i].pkey);
        cache[i].pkey = NULL;
    }
    hsm_token_free(tok);
    hsm_module_free(mod);
    tok = NULL;
    mod = NULL;
    OSSL_PROVIDER_unload(prov_keyward);
    OSSL_PROVIDER_unload(prov_default);
}

/* The public point as CKA_EC_POINT wants it: a DER OCTET STRING. */
static size_t ec_point(enum trace_key_type type, const uint8_t *priv,
                       size_t priv_len, const uint8_t *pub, size_t pub_len,
                       uint8_t out[2 + 65])
{
    if (type == TRACE_KEY_P256) {
        if (pub_len != 64)
            return 0;
        out[0] = 0x04, out[1] = 65, out[2] = 0x04;
        memcpy(out + 3, pub, 64);
        return 67;
    } else {
        EVP_PKEY *k = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL,
                                                      priv, priv_len);
        size_t n = 32;
        int ok =
            k != NULL && EVP_PKEY_get_raw_public_key(k, out + 2, &n) && n == 32;
        EVP_PKEY_free(k);
        out[0] = 0x04, out[1] = 32;
        return ok ? 34 : 0;
    }
}

EVP_PKEY *trace_key_load(const char *label, enum trace_key_type type,
                         const uint8_t *priv, size_t priv_len,
                         const uint8_t *pub, size_t pub_len)
{
    CK_OBJECT_CLASS cpriv = CKO_PRIVATE_KEY, cpub = CKO_PUBLIC_KEY;
    CK_KEY_TYPE kt = type == TRACE_KEY_P256 ? CKK_EC : CKK_EC_EDWARDS;
    CK_BBOOL yes = CK_TRUE, derive = type == TRACE_KEY_P256;
    const uint8_t *oid = type == TRACE_KEY_P256 ? OID_P256 : OID_ED25519;
    size_t oid_len =
        type == TRACE_KEY_P256 ? sizeof(OID_P256) : sizeof(OID_ED25519);
    uint8_t point[2 + 65];
    size_t point_len = ec_point(type, priv, priv_len, pub, pub_len, point);
    CK_ATTRIBUTE tpriv[] = {
        {CKA_CLASS, &cpriv, sizeof(cpriv)},
        {CKA_KEY_TYPE, &kt, sizeof(kt)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)label, strlen(label)},
        {CKA_EC_PARAMS, (void *)oid, oid_len},
        {CKA_VALUE, (void *)priv, priv_len},
        {CKA_SIGN, &yes, sizeof(yes)},
        {CKA_DERIVE, &derive, sizeof(derive)},
    };
    CK_ATTRIBUTE tpub[] = {
        {CKA_CLASS, &cpub, sizeof(cpub)},
        {CKA_KEY_TYPE, &kt, sizeof(kt)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)label, strlen(label)},
        {CKA_EC_PARAMS, (void *)oid, oid_len},
        {CKA_EC_POINT, point, point_len},
        {CKA_VERIFY, &yes, sizeof(yes)},
    };
    hsm_key *k = NULL;
    char uri[512];
    OSSL_STORE_CTX *st;
    EVP_PKEY *pkey = NULL;
    size_t slot;

    for (slot = 0; slot < sizeof(cache) / sizeof(cache[0]); slot++) {
        if (cache[slot].pkey == NULL)
            break;
        if (strcmp(cache[slot].label, label) == 0) {
            EVP_PKEY_up_ref(cache[slot].pkey);
            return cache[slot].pkey;
        }
    }
    if (slot == sizeof(cache) / sizeof(cache[0]) || strlen(label) >= 32)
        return NULL;
    if (point_len == 0 ||
        !TEST_rv(
            hsm_object_create(tok, tpriv, sizeof(tpriv) / sizeof(tpriv[0]), &k),
            CKR_OK))
        return NULL;
    hsm_key_free(k);
    k = NULL;
    if (!TEST_rv(
            hsm_object_create(tok, tpub, sizeof(tpub) / sizeof(tpub[0]), &k),
            CKR_OK))
        return NULL;
    hsm_key_free(k);
    /* As keywardd loads a key: OSSL_STORE with the URI, PIN from a file. */
    snprintf(uri, sizeof(uri), "%s;object=%s;type=private?pin-source=file:%s",
             tu_var("KW_TOKEN_URI"), label, tu_var("KW_PIN_FILE"));
    st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    while (st != NULL && pkey == NULL && !OSSL_STORE_eof(st)) {
        OSSL_STORE_INFO *i = OSSL_STORE_load(st);
        if (i != NULL && OSSL_STORE_INFO_get_type(i) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(i);
        OSSL_STORE_INFO_free(i);
    }
    OSSL_STORE_close(st);
    if (!TEST_ptr(pkey))
        return NULL;
    /* The key must really be the token's, not a software copy. */
    if (!TEST_str_eq(OSSL_PROVIDER_get0_name(EVP_PKEY_get0_provider(pkey)),
                     "keyward")) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    snprintf(cache[slot].label, sizeof(cache[slot].label), "%s", label);
    EVP_PKEY_up_ref(pkey);
    cache[slot].pkey = pkey;
    return pkey;
}
