/* SPDX-License-Identifier: Apache-2.0 */
/* prov.h: what the files of provider/ share (never installed, never used
 * outside provider/). */
#ifndef KEYWARD_PROV_H
#define KEYWARD_PROV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/param_build.h>

#include "hsm.h"

#define PROV_NAME  "keyward"
#define PROV_PROPS "provider=keyward"

/* ------------------------------------------------------------------ */
/* Reason codes (prov_err.c): given to OpenSSL through                */
/* OSSL_FUNC_PROVIDER_GET_REASON_STRINGS.                              */

enum prov_reason {
    KW_R_NO_MODULE = 1, /* no PKCS#11 module configured */
    KW_R_MODULE_LOAD,   /* module cannot be loaded/initialised */
    KW_R_TOKEN_NOT_FOUND,
    KW_R_TOKEN_AMBIGUOUS,
    KW_R_OBJECT_NOT_FOUND,
    KW_R_OBJECT_AMBIGUOUS,
    KW_R_URI_INVALID,
    KW_R_PIN_MISSING,
    KW_R_PIN_INCORRECT,
    KW_R_PIN_SOURCE,
    KW_R_PIN_LOCKED,
    KW_R_MECH_UNSUPPORTED, /* not supported by this token */
    KW_R_KEY_UNSUITABLE,   /* wrong key for the operation */
    KW_R_NO_PRIVATE_KEY,   /* public-only key asked to sign/decrypt */
    KW_R_TOKEN_ERROR,      /* any other CK_RV */
    KW_R_INVALID_PARAM,    /* an OpenSSL parameter we cannot honour */
    KW_R_BUFFER_TOO_SMALL,
    KW_R_BAD_ENCODING,     /* malformed signature, key-reference file... */
    KW_R_OPERATION_FAILED, /* a software step (digest, encoding) failed */
    KW_R_VERIFY_FAILED,
    KW_R_DECRYPT_FAILED,
    KW_R_KEYGEN_FAILED,
    KW_R_MALLOC,
    KW_R_OUT_OF_ORDER, /* a cipher or MAC call in the wrong order */
    KW_R_BAD_LENGTH,   /* IV, tag or KEM ciphertext of a wrong length */
};

typedef struct prov_ctx prov_ctx;

/* Raises an OpenSSL error for the provider: reason plus a message. */
void prov_raise(prov_ctx *ctx, const char *file, int line, const char *func,
                int reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Translates a CK_RV (the one translation point): "what: text (NAME)" plus
 * hsm_error_detail() when there is one. */
void prov_raise_rv(prov_ctx *ctx, const char *file, int line, const char *func,
                   CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
#define PROV_RAISE(ctx, reason, ...)                                           \
    prov_raise((ctx), __FILE__, __LINE__, __func__, (reason), __VA_ARGS__)
#define PROV_RAISE_RV(ctx, rv, ...)                                            \
    prov_raise_rv((ctx), __FILE__, __LINE__, __func__, (rv), __VA_ARGS__)
const OSSL_ITEM *prov_reason_strings(void);
/* Copies uri with any pin-value replaced, for messages (static buffer per
 * thread; never contains a PIN). */
const char *prov_uri_redact(const char *uri);

/* ------------------------------------------------------------------ */
/* Provider context (provider.c, prov_token.c)                          */

struct prov_token;

struct prov_ctx {
    const OSSL_CORE_HANDLE *handle;
    OSSL_LIB_CTX *libctx; /* child: software digests and public-key ops */

    OSSL_FUNC_core_new_error_fn *core_new_error;
    OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
    OSSL_FUNC_core_vset_error_fn *core_vset_error;
    OSSL_FUNC_provider_name_fn *core_provider_name;
    OSSL_FUNC_provider_register_child_cb_fn *core_register_child_cb;
    OSSL_FUNC_provider_deregister_child_cb_fn *core_deregister_child_cb;

    /* Configuration (openssl.cnf or environment), read at init. */
    char *module_path;
    char *init_args;
    char *pin_spec; /* "file:/path" or a literal PIN (secure heap) */
    size_t pin_spec_len;

    /* Opened on first use, under lock. */
    void *lock; /* CRYPTO_RWLOCK */
    hsm_module *module;
    struct prov_token *tokens;

    /* Provider order as the core sees it (prov_order.c). */
    struct prov_order *order;

    /* Digests fetched once from the child context (prov_util.c). */
    _Atomic(EVP_MD *) md_cache[8];
    /* HKDF and the curves' groups for the KEMs, made once (kem_dhkem.c). */
    _Atomic(EVP_KDF *) hkdf;
    _Atomic(EC_GROUP *) ec_groups[3];
    /* Secret keys already opened by URI (prov_secret.c). */
    _Atomic(struct prov_secret_cache *) secrets;

    /* Live contexts, for the exit handler (provider.c). */
    struct prov_ctx *next_live;
    bool exited; /* token state released at exit: open nothing more */
};

/* Releases the HKDF and curve objects the KEMs keep (kem_ec.c). */
void prov_kem_cache_free(prov_ctx *ctx);

/* Called once a PKCS#11 module is loaded: registers the exit handler that
 * releases token state while the module can still take calls (see
 * provider.c). */
void prov_exit_register(void);

/* Per-token state the provider keeps: capabilities computed once. */
struct prov_token {
    hsm_token *tok;
    uint64_t caps;                    /* PROV_CAP_* bits, see registry.c */
    atomic_bool pss_digest_salt_only; /* learned: token refuses other salts */
    struct prov_token *next;
};

/* Opens (once) the module named by uri's module-path or the configuration,
 * and the token uri selects. Borrowed result, valid while ctx is. */
int prov_token_open(prov_ctx *ctx, const hsm_uri *uri, struct prov_token **out);
/* Makes sure the token is logged in when private objects are needed: PIN
 * from the URI, the configuration, or the passphrase callback (may be NULL).
 * Returns 1 on success (or when no login is needed). */
int prov_token_login(prov_ctx *ctx, struct prov_token *pt, const hsm_uri *uri,
                     OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg);
void prov_tokens_free(prov_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Registry (registry.c): the algorithm tables and the token capabilities */

enum prov_cap {
    PROV_CAP_RSA_PKCS = 0, /* CKM_RSA_PKCS sign (and decrypt) */
    PROV_CAP_RSA_PSS,
    PROV_CAP_RSA_OAEP,
    PROV_CAP_RSA_X509, /* raw RSA */
    PROV_CAP_ECDSA,
    PROV_CAP_ECDH,
    PROV_CAP_EDDSA,
    PROV_CAP_RSA_KEYGEN,
    PROV_CAP_EC_KEYGEN,
    PROV_CAP_ED_KEYGEN,
    PROV_CAP_AES_GCM,
    PROV_CAP_AES_CTR,
    PROV_CAP_AES_CBC,
    PROV_CAP_AES_CBC_PAD,
    PROV_CAP_AES_CBC_PAD_DEC, /* decryption: not on tpm2-pkcs11 (hsm/) */
    PROV_CAP_AES_CMAC,
    PROV_CAP_HMAC_SHA256,
    PROV_CAP_HMAC_SHA384,
    PROV_CAP_HMAC_SHA512,
    PROV_CAP_COUNT
};
uint64_t prov_caps_compute(const hsm_token *t);
/* The PKCS#11 mechanism behind a capability, for messages. */
CK_MECHANISM_TYPE prov_cap_mech(enum prov_cap cap);
/* The mechanisms behind caps, as space-separated PKCS#11 names with the use
 * ("CKM_ECDSA:sign CKM_ECDH1_DERIVE:derive ..."); 0 when buf is too small. */
int prov_caps_names(uint64_t caps, char *buf, size_t len);
/* Checks cap on the key's token; raises "not supported by this token". */
int prov_cap_check(prov_ctx *ctx, const struct prov_token *pt,
                   enum prov_cap cap, const char *what);
const OSSL_ALGORITHM *prov_algorithms(int operation_id);

/* ------------------------------------------------------------------ */
/* Provider order (prov_order.c): keyward's standard-named algorithms are */
/* registered only after every provider the core iterates before or      */
/* after it has registered its own, so that a query with no properties   */
/* never lands in keyward (see docs/ARCHITECTURE-provider.md).          */

int prov_order_init(prov_ctx *ctx, bool have_parent, OSSL_LIB_CTX *parent);
void prov_order_free(prov_ctx *ctx);
/* For query_operation: 1 gives keyward's table for operation_id in this
 * construction round, 0 gives nothing (*no_cache set as the core needs). */
int prov_order_query(prov_ctx *ctx, int operation_id, int *no_cache);
/* Called by keymgmt's query_operation_name with its standard name (see
 * prov_order.c): keeps OpenSSL's fetch cache answering that name with
 * another provider's key management. */
void prov_order_touch(const char *name);

/* Calls into the child library context run between these two, so that the
 * core's construction rounds in it never see keyward's own algorithms. */
void prov_child_enter(void);
void prov_child_leave(void);
bool prov_in_child(void);

/* ------------------------------------------------------------------ */
/* Keys held by handle (key.c)                                          */

enum prov_keytype {
    PROV_KEY_NONE = 0,
    PROV_KEY_RSA,
    PROV_KEY_EC,
    PROV_KEY_ED25519
};

enum prov_curve {
    PROV_CURVE_NONE = 0,
    PROV_CURVE_P256,
    PROV_CURVE_P384,
    PROV_CURVE_P521
};

typedef struct prov_key {
    atomic_int refs;
    prov_ctx *ctx;
    enum prov_keytype type;
    struct prov_token *pt; /* NULL for keys imported from outside */
    hsm_key *priv;         /* private key in the token, or NULL */
    char *uri;             /* names priv (for the key-reference file) */

    /* The public half, always present once a key is usable. */
    bool has_pub;
    int bits, security_bits, max_size;
    uint8_t *n, *e; /* RSA, big-endian, no leading zeros */
    size_t n_len, e_len;
    enum prov_curve curve;
    uint8_t *point; /* EC: uncompressed point; Ed25519: 32 bytes */
    size_t point_len;

    /* Built on first use in the child context: public operations. */
    _Atomic(EVP_PKEY *) sw;
} prov_key;

prov_key *prov_key_new(prov_ctx *ctx, enum prov_keytype type);
void prov_key_up_ref(prov_key *k);
void prov_key_free(prov_key *k);
/* Fills a fresh key from a token object (private or public): caches the
 * public half and sizes. Takes a reference on hk. */
int prov_key_from_hsm(prov_key *k, struct prov_token *pt, hsm_key *hk);
/* Sizes (bits, security bits, max signature size) from the public half. */
int prov_key_finish(prov_key *k);
bool prov_key_has_private(const prov_key *k);
/* The key in software (public half only), for public-key operations. */
EVP_PKEY *prov_key_get0_sw(prov_key *k);
/* Checks the key can do a private operation; raises otherwise. */
int prov_key_check_private(prov_key *k, unsigned usage, const char *what);

enum prov_curve prov_curve_from_name(const char *name);
enum prov_curve prov_curve_from_der(const uint8_t *der, size_t len);
const char *prov_curve_name(enum prov_curve c); /* "P-256" */
const char *prov_curve_sn(enum prov_curve c);   /* "prime256v1" */
int prov_curve_bits(enum prov_curve c);
/* DER of the named-curve OID (CKA_EC_PARAMS). */
const uint8_t *prov_curve_der(enum prov_curve c, size_t *len);

/* Keymgmt pieces shared by the three key types (keymgmt_common.c). */
void *prov_km_load(const void *reference, size_t reference_sz);
void prov_km_free(void *keydata);
int prov_km_has(const void *keydata, int selection);
void *prov_km_dup(const void *keydata, int selection);
int prov_km_export(void *keydata, int selection, OSSL_CALLBACK *cb,
                   void *cbarg);
int prov_km_import(void *keydata, int selection, const OSSL_PARAM params[]);
int prov_km_get_params(void *keydata, OSSL_PARAM params[]);
int prov_km_match(const void *k1, const void *k2, int selection);
OSSL_PARAM *prov_km_public_params(const prov_key *k);

/* Key generation common to the types (keymgmt_gen.c). */
struct prov_gen;
struct prov_gen *prov_gen_new(prov_ctx *ctx, enum prov_keytype type,
                              int selection, const OSSL_PARAM params[]);
int prov_gen_set_params(struct prov_gen *g, const OSSL_PARAM params[]);
const OSSL_PARAM *prov_gen_settable_params(enum prov_keytype type);
void *prov_gen_run(struct prov_gen *g);
void prov_gen_free(struct prov_gen *g);

/* The reference an OSSL_STORE loader or decoder hands to keymgmt load():
 * the address of a prov_key the loader keeps alive during the callback. */
struct prov_keyref {
    uint32_t magic;
    prov_key *key;
};
#define PROV_KEYREF_MAGIC 0x4b57726bu /* "KWrk" */

/* Dispatch tables (one file each). */
extern const OSSL_DISPATCH prov_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH prov_ec_keymgmt_functions[];
extern const OSSL_DISPATCH prov_ed25519_keymgmt_functions[];
extern const OSSL_DISPATCH prov_ecdsa_signature_functions[];
extern const OSSL_DISPATCH prov_rsa_signature_functions[];
extern const OSSL_DISPATCH prov_ed25519_signature_functions[];
extern const OSSL_DISPATCH prov_rsa_asym_cipher_functions[];
extern const OSSL_DISPATCH prov_ecdh_keyexch_functions[];
extern const OSSL_DISPATCH prov_dhkem_kem_functions[];
extern const OSSL_DISPATCH prov_rsasve_kem_functions[];
extern const OSSL_DISPATCH prov_aes128gcm_cipher_functions[];
extern const OSSL_DISPATCH prov_aes192gcm_cipher_functions[];
extern const OSSL_DISPATCH prov_aes256gcm_cipher_functions[];
extern const OSSL_DISPATCH prov_aes128ctr_cipher_functions[];
extern const OSSL_DISPATCH prov_aes192ctr_cipher_functions[];
extern const OSSL_DISPATCH prov_aes256ctr_cipher_functions[];
extern const OSSL_DISPATCH prov_aes128cbc_cipher_functions[];
extern const OSSL_DISPATCH prov_aes192cbc_cipher_functions[];
extern const OSSL_DISPATCH prov_aes256cbc_cipher_functions[];
extern const OSSL_DISPATCH prov_hmac_mac_functions[];
extern const OSSL_DISPATCH prov_cmac_mac_functions[];
extern const OSSL_DISPATCH prov_pkcs11_store_functions[];
extern const OSSL_DISPATCH prov_keyref_pem_decoder_functions[];
extern const OSSL_DISPATCH prov_rsa_keyref_decoder_functions[];
extern const OSSL_DISPATCH prov_ec_keyref_decoder_functions[];
extern const OSSL_DISPATCH prov_ed25519_keyref_decoder_functions[];
extern const OSSL_DISPATCH prov_keyref_encoder_functions[];

/* Operation names keymgmt hands to EVP (query_operation_name): keyward's
 * own, so a fetch by a standard name never finds keyward. */
#define PROV_SIG_RSA     "KEYWARD-RSA-SIGN"
#define PROV_SIG_ECDSA   "KEYWARD-ECDSA"
#define PROV_SIG_ED25519 "KEYWARD-ED25519"
#define PROV_ASYM_RSA    "KEYWARD-RSA-DECRYPT"
#define PROV_EXCH_ECDH   "KEYWARD-ECDH"
#define PROV_KEM_DHKEM   "KEYWARD-DHKEM"
#define PROV_KEM_RSASVE  "KEYWARD-RSASVE"

/* ------------------------------------------------------------------ */
/* Signatures (sig_common.c): one context shape for the three families. */

struct prov_sig;
struct prov_sig_alg {
    enum prov_keytype type;
    enum prov_cap cap; /* what signing needs from the token */
    const char *what;  /* "ECDSA signature", for messages */
    bool prehash;      /* digest in software, then the private op */
    /* The private operation on tbs (a digest, or the message for EdDSA). */
    int (*sign)(struct prov_sig *s, const uint8_t *tbs, size_t tbslen,
                uint8_t *sig, size_t *siglen, size_t sigsize);
    /* Configures a software verification context (padding, salt...). */
    int (*verify_setup)(struct prov_sig *s, EVP_PKEY_CTX *vctx);
    /* The DER AlgorithmIdentifier of the signature, for X.509. */
    int (*algorithm_id)(struct prov_sig *s, uint8_t *out, size_t *len);
    /* The family's set_ctx_params (init passes its params through). */
    int (*set_params)(void *vctx, const OSSL_PARAM params[]);
};

struct prov_sig {
    const struct prov_sig_alg *alg;
    prov_ctx *ctx;
    prov_key *key;
    int operation;     /* EVP_PKEY_OP_SIGN or EVP_PKEY_OP_VERIFY */
    EVP_MD *md;        /* NULL: none set (raw input) */
    EVP_MD_CTX *mdctx; /* digest_sign_update accumulation */
    bool md_locked;    /* digest fixed once data went in */
    /* RSA only */
    int pad;      /* RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING... */
    int saltlen;  /* RSA_PSS_SALTLEN_* or a length */
    EVP_MD *mgf1; /* NULL: same as md */
};

void *prov_sig_newctx(void *provctx, const struct prov_sig_alg *alg);
OSSL_FUNC_signature_freectx_fn prov_sig_freectx;
OSSL_FUNC_signature_dupctx_fn prov_sig_dupctx;
OSSL_FUNC_signature_sign_init_fn prov_sig_sign_init;
OSSL_FUNC_signature_verify_init_fn prov_sig_verify_init;
OSSL_FUNC_signature_sign_fn prov_sig_sign;
OSSL_FUNC_signature_verify_fn prov_sig_verify;
OSSL_FUNC_signature_digest_sign_init_fn prov_sig_digest_sign_init;
OSSL_FUNC_signature_digest_verify_init_fn prov_sig_digest_verify_init;
OSSL_FUNC_signature_digest_sign_update_fn prov_sig_digest_update;
OSSL_FUNC_signature_digest_sign_final_fn prov_sig_digest_sign_final;
OSSL_FUNC_signature_digest_verify_final_fn prov_sig_digest_verify_final;
OSSL_FUNC_signature_digest_sign_fn prov_sig_digest_sign;
OSSL_FUNC_signature_digest_verify_fn prov_sig_digest_verify;
/* Parameters every family shares (digest, algorithm-id). */
int prov_sig_get_common(struct prov_sig *s, OSSL_PARAM params[]);
int prov_sig_set_common(struct prov_sig *s, const OSSL_PARAM params[]);
int prov_sig_set_md(struct prov_sig *s, const char *name);
size_t prov_sig_mdsize(const struct prov_sig *s);

/* Loading one object by URI (store.c), shared with the key-ref decoder. */
typedef int (*prov_object_cb)(void *arg, const OSSL_PARAM params[]);
int prov_store_load_uri(prov_ctx *ctx, const char *uri_str, int expect,
                        OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg,
                        prov_object_cb cb, void *cbarg);

/* ------------------------------------------------------------------ */
/* Secret keys by URI (prov_secret.c), for ciphers and MACs              */

/* The parameter that names a cipher's or MAC's key (OSSL_PARAM utf8). */
#define PROV_PARAM_KEY_URI "pkcs11_uri"
/* Key parameter (gettable, UTF-8): what the token that holds the key can
 * do, as prov_caps_names() spells it. Absent for keys not in a token. */
#define PROV_PARAM_TOKEN_MECHS "keyward-token-mechanisms"

/* A secret key in the token, as a cipher or MAC context holds it. */
struct prov_secret {
    hsm_key *key;          /* owned reference; NULL: no key yet */
    struct prov_token *pt; /* borrowed: lives as long as the provider */
};

/* What an operation needs from the key it is given. */
struct prov_secret_need {
    const char *what;      /* "KEYWARD-AES-256-GCM", for messages */
    CK_KEY_TYPE types[5];  /* accepted key types; types[0] names them */
    size_t ntypes;
    size_t bits;           /* exact size, 0: any */
    unsigned usage;        /* HSM_USE_* the key must allow, 0: checked later */
};

/* Opens the secret key uri names (cached per provider context: a context
 * per message costs no token search), checks it against need, and replaces
 * s's key with it. 1 on success; raises a keyward error otherwise. */
int prov_secret_set(prov_ctx *ctx, struct prov_secret *s, const char *uri,
                    const struct prov_secret_need *need);
/* Takes the URI from params[PROV_PARAM_KEY_URI] if present (1 when absent). */
int prov_secret_set_params(prov_ctx *ctx, struct prov_secret *s,
                           const OSSL_PARAM params[],
                           const struct prov_secret_need *need);
/* Copies src's key reference into dst (dupctx). */
void prov_secret_copy(struct prov_secret *dst, const struct prov_secret *src);
void prov_secret_clear(struct prov_secret *s);
/* Raises "no key" unless s holds one; checks the token offers cap. */
int prov_secret_ready(prov_ctx *ctx, const struct prov_secret *s,
                      enum prov_cap cap, const char *what);
/* The key's label for messages. */
const char *prov_secret_label(const struct prov_secret *s);
/* Releases the cache (token state: before the tokens are freed). */
void prov_secret_cache_free(prov_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Ciphers (cipher_common.c), shared by cipher_aes_gcm.c, cipher_aes.c   */

/* The constant parameters of a cipher (EVP_CIPHER_get_params). */
struct prov_cipher_info {
    const char *name; /* "KEYWARD-AES-256-GCM" */
    unsigned mode;    /* EVP_CIPH_GCM_MODE... */
    size_t keybits, blockbits, ivbits;
    bool aead, custom_iv;
};
int prov_cipher_get_params(const struct prov_cipher_info *ci,
                           OSSL_PARAM params[]);
const OSSL_PARAM *prov_cipher_gettable_params(void);
/* The key need of a cipher: an AES key of its size. */
struct prov_secret_need prov_cipher_need(const struct prov_cipher_info *ci);
/* EVP_SKEY (OpenSSL 3.5 and later): the same token keys as opaque
 * symmetric keys (skeymgmt_secret.c). Compiled only against 3.5 headers,
 * never here (Debian 12 has 3.0): untested. */
#if OPENSSL_VERSION_NUMBER >= 0x30500000L && defined(OSSL_FUNC_SKEYMGMT_IMPORT)
#define PROV_HAVE_SKEY 1
#define PROV_SKEYMGMT_NAME "KEYWARD-SECRET"
extern const OSSL_DISPATCH prov_secret_skeymgmt_functions[];
/* Points s at the key a keyward EVP_SKEY holds (skeydata NULL: leaves s
 * as it is), checked against need. 1 on success; raises otherwise. */
int prov_skey_get_secret(prov_ctx *ctx, void *skeydata, struct prov_secret *s,
                         const struct prov_secret_need *need);
/* Points s at from's key after checking it against need (prov_secret.c). */
int prov_secret_adopt(prov_ctx *ctx, struct prov_secret *s,
                      const struct prov_secret *from,
                      const struct prov_secret_need *need);
#define PROV_CIPHER_SKEY_DISPATCH(pfx)                                         \
    {OSSL_FUNC_CIPHER_ENCRYPT_SKEY_INIT, (void (*)(void))pfx##_einit_skey},    \
        {OSSL_FUNC_CIPHER_DECRYPT_SKEY_INIT,                                   \
         (void (*)(void))pfx##_dinit_skey},
OSSL_FUNC_mac_init_skey_fn prov_mac_init_skey;
#define PROV_MAC_SKEY_DISPATCH                                                 \
    {OSSL_FUNC_MAC_INIT_SKEY, (void (*)(void))prov_mac_init_skey},
#else
#define PROV_CIPHER_SKEY_DISPATCH(pfx)
#define PROV_MAC_SKEY_DISPATCH
#endif

/* Once a cipher knows its key and direction (enc 1/0; -1: not yet):
 * checks the token offers cap and the key allows the direction, so that a
 * gap shows at init, before any data. 1 when the key is not known yet. */
int prov_cipher_check_key(prov_ctx *ctx, const struct prov_secret *s,
                          enum prov_cap cap, int enc, const char *what);
/* Raises unless key is NULL: keyward ciphers and MACs take no key bytes. */
int prov_no_raw_key(prov_ctx *ctx, const unsigned char *key,
                    const char *what);
/* Checks the key allows the direction (CKA_ENCRYPT / CKA_DECRYPT). */
int prov_cipher_check_usage(prov_ctx *ctx, const struct prov_secret *s,
                            bool enc, const char *what);
/* Grows a buffer (wiping the old one) to hold at least need bytes. */
int prov_buf_reserve(uint8_t **buf, size_t *cap, size_t used, size_t need);
void prov_buf_free(uint8_t **buf, size_t *cap);

/* ------------------------------------------------------------------ */
/* MACs (mac_common.c), shared by mac_hmac.c and mac_cmac.c              */

#define PROV_MAC_BUF 4096 /* input held for a single-part C_Sign */

struct prov_mac;
struct prov_mac_alg {
    const char *name; /* "KEYWARD-HMAC" */
    /* The family's own parameters (digest, cipher); 1 when none given. */
    int (*set_params)(struct prov_mac *m, const OSSL_PARAM params[]);
    /* Fills mech, size, block, cap and the key types once the family's
     * choice is made; raises when it is not. */
    int (*resolve)(struct prov_mac *m);
    const OSSL_PARAM *settable;
    /* Keys accepted before the family's choice is known. */
    struct prov_secret_need key_any;
};

struct prov_mac {
    prov_ctx *ctx;
    const struct prov_mac_alg *alg;
    struct prov_secret key;
    int choice;                 /* the family's (digest, key size); -1: none */
    CK_MECHANISM_TYPE mech;     /* set by resolve() */
    size_t size, block;
    enum prov_cap cap;
    struct prov_secret_need need;
    bool inited;
    hsm_op *op;                 /* when the input outgrew buf */
    size_t buflen;
    uint8_t buf[PROV_MAC_BUF];
};

void *prov_mac_newctx(void *provctx, const struct prov_mac_alg *alg);
OSSL_FUNC_mac_freectx_fn prov_mac_freectx;
OSSL_FUNC_mac_dupctx_fn prov_mac_dupctx;
OSSL_FUNC_mac_init_fn prov_mac_init;
OSSL_FUNC_mac_update_fn prov_mac_update;
OSSL_FUNC_mac_final_fn prov_mac_final;
OSSL_FUNC_mac_get_ctx_params_fn prov_mac_get_ctx_params;
OSSL_FUNC_mac_set_ctx_params_fn prov_mac_set_ctx_params;
const OSSL_PARAM *prov_mac_gettable_ctx_params(void *vctx, void *provctx);

/* ------------------------------------------------------------------ */
/* Small helpers (prov_util.c)                                          */

/* A digest from the child context by name (cached for the common ones);
 * the caller owns the returned reference. NULL (and an error) if unknown. */
EVP_MD *prov_md_fetch(prov_ctx *ctx, const char *name);
void prov_md_cache_free(prov_ctx *ctx);
/* The PKCS#11 hash mechanism and MGF1 generator for a digest; 0 if none. */
CK_MECHANISM_TYPE prov_md_mech(const EVP_MD *md);
CK_RSA_PKCS_MGF_TYPE prov_md_mgf(const EVP_MD *md);
/* DER DigestInfo prefix of a digest (RFC 8017 section 9.2), or NULL. */
const uint8_t *prov_md_digestinfo(const EVP_MD *md, size_t *len);

/* sig_rsa_pss.c: EMSA-PSS (RFC 8017 9.1.1) of a digest into em, as the
 * k-byte input of a raw RSA private operation (k = modulus bytes). */
int prov_pss_encode(const EVP_MD *md, const EVP_MD *mgf1md, size_t modbits,
                    const uint8_t *mhash, size_t hlen, size_t slen,
                    uint8_t *em, size_t emsize);
/* Converts raw r||s (two equal halves) into a DER ECDSA-Sig-Value. */
int prov_ecdsa_raw_to_der(const uint8_t *raw, size_t rawlen, uint8_t *der,
                          size_t *derlen, size_t dersize);
/* Wipe-and-free wrapper for sizeof-sized objects. */
#define PROV_CLEAR_FREE(p) OPENSSL_clear_free((p), sizeof(*(p)))

#endif /* KEYWARD_PROV_H */
