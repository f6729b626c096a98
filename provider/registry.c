/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c: the provider's static algorithm tables, and the token
 * capabilities they need, computed once per token. */
#include <stdio.h>

#include "prov.h"

#define RSA_NAMES     "RSA:rsaEncryption:1.2.840.113549.1.1.1"
#define EC_NAMES      "EC:id-ecPublicKey:1.2.840.10045.2.1"
#define ED25519_NAMES "ED25519:1.3.101.112"

static const OSSL_ALGORITHM keymgmt_algs[] = {
    {RSA_NAMES, PROV_PROPS, prov_rsa_keymgmt_functions,
     "RSA keys held in a PKCS#11 token"},
    {EC_NAMES, PROV_PROPS, prov_ec_keymgmt_functions,
     "EC keys (P-256, P-384, P-521) held in a PKCS#11 token"},
    {ED25519_NAMES, PROV_PROPS, prov_ed25519_keymgmt_functions,
     "Ed25519 keys held in a PKCS#11 token"},
    {NULL, NULL, NULL, NULL}};

static const OSSL_ALGORITHM signature_algs[] = {
    {PROV_SIG_RSA, PROV_PROPS, prov_rsa_signature_functions,
     "RSA PKCS#1 v1.5 and PSS signatures in the token"},
    {PROV_SIG_ECDSA, PROV_PROPS, prov_ecdsa_signature_functions,
     "ECDSA signatures in the token"},
    {PROV_SIG_ED25519, PROV_PROPS, prov_ed25519_signature_functions,
     "Ed25519 signatures in the token"},
    {NULL, NULL, NULL, NULL}};

static const OSSL_ALGORITHM asym_cipher_algs[] = {
    {PROV_ASYM_RSA, PROV_PROPS, prov_rsa_asym_cipher_functions,
     "RSA PKCS#1 v1.5 and OAEP decryption in the token"},
    {NULL, NULL, NULL, NULL}};

static const OSSL_ALGORITHM keyexch_algs[] = {
    {PROV_EXCH_ECDH, PROV_PROPS, prov_ecdh_keyexch_functions,
     "ECDH with the private key in the token"},
    {NULL, NULL, NULL, NULL}};

/*
 * KEMs. Keyward keys hand EVP keyward's own names (keymgmt's
 * query_operation_name). "EC" serves EC public keys of any provider: on
 * OpenSSL 3.0 EVP fetches a KEM by the key's key-management name, and the
 * default provider has no EC KEM before 3.2 (there, select keyward's with a
 * property query; prov_order.c keeps it from answering property-less
 * fetches of "EC").
 */
static const OSSL_ALGORITHM kem_algs[] = {
    {PROV_KEM_DHKEM, PROV_PROPS, prov_dhkem_kem_functions,
     "DHKEM (RFC 9180) with the private key in the token"},
    {"EC", PROV_PROPS, prov_dhkem_kem_functions,
     "DHKEM (RFC 9180) encapsulation to any EC public key"},
    {PROV_KEM_RSASVE, PROV_PROPS, prov_rsasve_kem_functions,
     "RSASVE (SP 800-56B) with the private key in the token"},
    {NULL, NULL, NULL, NULL}};

/* Ciphers and MACs: names of keyward's own (the key is a token object
 * named by URI), so the AES and HMAC fetches PKCS#11 modules make inside
 * the process never find them. */
static const OSSL_ALGORITHM cipher_algs[] = {
    {"KEYWARD-AES-128-GCM", PROV_PROPS, prov_aes128gcm_cipher_functions,
     "AES-128-GCM with a token key"},
    {"KEYWARD-AES-192-GCM", PROV_PROPS, prov_aes192gcm_cipher_functions,
     "AES-192-GCM with a token key"},
    {"KEYWARD-AES-256-GCM", PROV_PROPS, prov_aes256gcm_cipher_functions,
     "AES-256-GCM with a token key"},
    {"KEYWARD-AES-128-CTR", PROV_PROPS, prov_aes128ctr_cipher_functions,
     "AES-128-CTR with a token key"},
    {"KEYWARD-AES-192-CTR", PROV_PROPS, prov_aes192ctr_cipher_functions,
     "AES-192-CTR with a token key"},
    {"KEYWARD-AES-256-CTR", PROV_PROPS, prov_aes256ctr_cipher_functions,
     "AES-256-CTR with a token key"},
    {"KEYWARD-AES-128-CBC", PROV_PROPS, prov_aes128cbc_cipher_functions,
     "AES-128-CBC (PKCS#7 padding unless turned off) with a token key"},
    {"KEYWARD-AES-192-CBC", PROV_PROPS, prov_aes192cbc_cipher_functions,
     "AES-192-CBC (PKCS#7 padding unless turned off) with a token key"},
    {"KEYWARD-AES-256-CBC", PROV_PROPS, prov_aes256cbc_cipher_functions,
     "AES-256-CBC (PKCS#7 padding unless turned off) with a token key"},
    {NULL, NULL, NULL, NULL}};

static const OSSL_ALGORITHM mac_algs[] = {
    {"KEYWARD-HMAC", PROV_PROPS, prov_hmac_mac_functions,
     "HMAC-SHA256/384/512 with a token key"},
    {"KEYWARD-CMAC", PROV_PROPS, prov_cmac_mac_functions,
     "AES-CMAC with a token key"},
    {NULL, NULL, NULL, NULL}};

#ifdef PROV_HAVE_SKEY
/* OpenSSL 3.5's EVP_SKEY: token secret keys imported by URI (untested here,
 * see skeymgmt_secret.c). */
static const OSSL_ALGORITHM skeymgmt_algs[] = {
    {PROV_SKEYMGMT_NAME, PROV_PROPS, prov_secret_skeymgmt_functions,
     "AES and HMAC keys held in a PKCS#11 token, by URI"},
    {NULL, NULL, NULL, NULL}};
#endif

static const OSSL_ALGORITHM store_algs[] = {{"pkcs11", PROV_PROPS,
                                             prov_pkcs11_store_functions,
                                             "pkcs11: URIs (RFC 7512)"},
                                            {NULL, NULL, NULL, NULL}};

#define DECODER_PROPS PROV_PROPS ",input=der,structure=pk11-uri"
static const OSSL_ALGORITHM decoder_algs[] = {
    {"DER", PROV_PROPS ",input=pem", prov_keyref_pem_decoder_functions,
     "key-reference PEM file to its DER"},
    {RSA_NAMES, DECODER_PROPS, prov_rsa_keyref_decoder_functions,
     "key-reference PEM file naming an RSA key by URI"},
    {EC_NAMES, DECODER_PROPS, prov_ec_keyref_decoder_functions,
     "key-reference PEM file naming an EC key by URI"},
    {ED25519_NAMES, DECODER_PROPS, prov_ed25519_keyref_decoder_functions,
     "key-reference PEM file naming an Ed25519 key by URI"},
    {NULL, NULL, NULL, NULL}};

/* Private keys "written" as PrivateKeyInfo PEM become key-reference files:
 * what `openssl genpkey` and PEM_write_bio_PrivateKey() produce. */
#define ENCODER_PROPS PROV_PROPS ",output=pem,structure=PrivateKeyInfo"
static const OSSL_ALGORITHM encoder_algs[] = {
    {RSA_NAMES, ENCODER_PROPS, prov_keyref_encoder_functions,
     "key-reference PEM file for a token RSA key"},
    {EC_NAMES, ENCODER_PROPS, prov_keyref_encoder_functions,
     "key-reference PEM file for a token EC key"},
    {ED25519_NAMES, ENCODER_PROPS, prov_keyref_encoder_functions,
     "key-reference PEM file for a token Ed25519 key"},
    {NULL, NULL, NULL, NULL}};

const OSSL_ALGORITHM *prov_algorithms(int operation_id)
{
    switch (operation_id) {
    case OSSL_OP_KEYMGMT:
        return keymgmt_algs;
    case OSSL_OP_SIGNATURE:
        return signature_algs;
    case OSSL_OP_ASYM_CIPHER:
        return asym_cipher_algs;
    case OSSL_OP_KEYEXCH:
        return keyexch_algs;
    case OSSL_OP_KEM:
        return kem_algs;
    case OSSL_OP_CIPHER:
        return cipher_algs;
    case OSSL_OP_MAC:
        return mac_algs;
    case OSSL_OP_STORE:
        return store_algs;
#ifdef PROV_HAVE_SKEY
    case OSSL_OP_SKEYMGMT:
        return skeymgmt_algs;
#endif
    case OSSL_OP_DECODER:
        return decoder_algs;
    case OSSL_OP_ENCODER:
        return encoder_algs;
    default:
        return NULL;
    }
}

/* What each capability needs from the token's mechanism list. */
static const struct {
    CK_MECHANISM_TYPE mech;
    CK_FLAGS flags;
} cap_table[PROV_CAP_COUNT] = {
    [PROV_CAP_RSA_PKCS] = {CKM_RSA_PKCS, CKF_SIGN},
    [PROV_CAP_RSA_PSS] = {CKM_RSA_PKCS_PSS, CKF_SIGN},
    [PROV_CAP_RSA_OAEP] = {CKM_RSA_PKCS_OAEP, CKF_DECRYPT},
    [PROV_CAP_RSA_X509] = {CKM_RSA_X_509, CKF_DECRYPT},
    [PROV_CAP_ECDSA] = {CKM_ECDSA, CKF_SIGN},
    [PROV_CAP_ECDH] = {CKM_ECDH1_DERIVE, CKF_DERIVE},
    [PROV_CAP_EDDSA] = {CKM_EDDSA, CKF_SIGN},
    [PROV_CAP_RSA_KEYGEN] = {CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR},
    [PROV_CAP_EC_KEYGEN] = {CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR},
    [PROV_CAP_ED_KEYGEN] = {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR},
    [PROV_CAP_AES_GCM] = {CKM_AES_GCM, CKF_ENCRYPT},
    [PROV_CAP_AES_CTR] = {CKM_AES_CTR, CKF_ENCRYPT},
    [PROV_CAP_AES_CBC] = {CKM_AES_CBC, CKF_ENCRYPT},
    [PROV_CAP_AES_CBC_PAD] = {CKM_AES_CBC_PAD, CKF_ENCRYPT},
    [PROV_CAP_AES_CBC_PAD_DEC] = {CKM_AES_CBC_PAD, CKF_DECRYPT},
    [PROV_CAP_AES_CMAC] = {CKM_AES_CMAC, CKF_SIGN},
    [PROV_CAP_HMAC_SHA256] = {CKM_SHA256_HMAC, CKF_SIGN},
    [PROV_CAP_HMAC_SHA384] = {CKM_SHA384_HMAC, CKF_SIGN},
    [PROV_CAP_HMAC_SHA512] = {CKM_SHA512_HMAC, CKF_SIGN},
};

uint64_t prov_caps_compute(const hsm_token *t)
{
    uint64_t caps = 0;

    for (int i = 0; i < PROV_CAP_COUNT; i++)
        if (hsm_token_has_mech(t, cap_table[i].mech, cap_table[i].flags, 0))
            caps |= UINT64_C(1) << i;
    return caps;
}

CK_MECHANISM_TYPE prov_cap_mech(enum prov_cap cap)
{
    return cap_table[cap].mech;
}

static const char *use_name(CK_FLAGS flags)
{
    switch (flags) {
    case CKF_SIGN:
        return "signing";
    case CKF_ENCRYPT:
        return "encryption";
    case CKF_DECRYPT:
        return "decryption";
    case CKF_DERIVE:
        return "key derivation";
    default:
        return "key generation";
    }
}

/* One word per use, for prov_caps_names(). */
static const char *use_word(CK_FLAGS flags)
{
    switch (flags) {
    case CKF_SIGN:
        return "sign";
    case CKF_ENCRYPT:
        return "encrypt";
    case CKF_DECRYPT:
        return "decrypt";
    case CKF_DERIVE:
        return "derive";
    default:
        return "generate";
    }
}

int prov_caps_names(uint64_t caps, char *buf, size_t len)
{
    size_t off = 0;

    if (len == 0)
        return 0;
    buf[0] = '\0';
    for (int i = 0; i < PROV_CAP_COUNT; i++) {
        int n;
        if (!(caps & (UINT64_C(1) << i)))
            continue;
        n = snprintf(buf + off, len - off, "%s%s:%s", off ? " " : "",
                     hsm_mech_name(cap_table[i].mech),
                     use_word(cap_table[i].flags));
        if (n < 0 || (size_t)n >= len - off)
            return 0;
        off += (size_t)n;
    }
    return 1;
}

int prov_cap_check(prov_ctx *ctx, const struct prov_token *pt,
                   enum prov_cap cap, const char *what)
{
    if (pt == NULL || (pt->caps & (UINT64_C(1) << cap)) != 0)
        return 1;
    PROV_RAISE(ctx, KW_R_MECH_UNSUPPORTED,
               "%s needs %s for %s, which token '%s' does not offer", what,
               hsm_mech_name(cap_table[cap].mech),
               use_name(cap_table[cap].flags),
               hsm_token_get0_info(pt->tok)->label);
    return 0;
}
