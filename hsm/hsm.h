/* SPDX-License-Identifier: Apache-2.0 */
/* hsm.h: the whole public surface of hsm/, Keyward's only PKCS#11 layer. */
#ifndef KEYWARD_HSM_H
#define KEYWARD_HSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

/*
 * Conventions
 * - Every function that can fail returns a CK_RV. Keyward's own conditions
 *   use the vendor range below; hsm_rv_name() names both kinds.
 * - When a call fails, hsm_error_detail() gives one line of context for the
 *   calling thread (a path, a label, the URI attribute at fault). It never
 *   contains a PIN.
 * - Objects are reference counted and thread-safe: _free() drops a
 *   reference and accepts NULL; _up_ref() adds one.
 * - hsm/ never prints, never aborts and never calls exit().
 */

/* Keyward's own return values ("KW" in the vendor-defined range). */
#define HSM_RV_BASE             (CKR_VENDOR_DEFINED | 0x4b570000UL)
#define HSM_RV_MODULE_NOT_FOUND (HSM_RV_BASE + 1)  /* path missing/unloadable */
#define HSM_RV_NOT_A_MODULE     (HSM_RV_BASE + 2)  /* no PKCS#11 entry point */
#define HSM_RV_TOKEN_NOT_FOUND  (HSM_RV_BASE + 3)  /* no token matches */
#define HSM_RV_TOKEN_AMBIGUOUS  (HSM_RV_BASE + 4)  /* several tokens match */
#define HSM_RV_OBJECT_NOT_FOUND (HSM_RV_BASE + 5)  /* no object matches */
#define HSM_RV_OBJECT_AMBIGUOUS (HSM_RV_BASE + 6)  /* several objects match */
#define HSM_RV_URI_INVALID      (HSM_RV_BASE + 7)  /* not an RFC 7512 URI */
#define HSM_RV_PIN_MISSING      (HSM_RV_BASE + 8)  /* login needs a PIN */
#define HSM_RV_PIN_SOURCE       (HSM_RV_BASE + 9)  /* pin-source unreadable */
#define HSM_RV_MECH_UNSUPPORTED (HSM_RV_BASE + 10) /* token lacks mechanism */
#define HSM_RV_KEY_UNSUITABLE   (HSM_RV_BASE + 11) /* wrong key for the op */

/* "CKR_PIN_INCORRECT", "HSM_RV_TOKEN_NOT_FOUND", or "CKR_0x..." (static). */
const char *hsm_rv_name(CK_RV rv);
/* A one-line English explanation of rv for error messages (static). */
const char *hsm_rv_text(CK_RV rv);
/* Context of the calling thread's last failure, or "" (thread-local). */
const char *hsm_error_detail(void);

/* ------------------------------------------------------------------ */
/* RFC 7512 pkcs11: URIs (parsed by p11-kit)                            */

typedef struct hsm_uri hsm_uri;

/* Parses s. Unknown path attributes are refused (HSM_RV_URI_INVALID);
 * unknown query attributes are ignored as RFC 7512 section 2.3 allows. */
CK_RV hsm_uri_parse(const char *s, hsm_uri **out);
void hsm_uri_free(hsm_uri *u);

/* Borrowed views; NULL or CK_UNAVAILABLE_INFORMATION when absent. */
const char *hsm_uri_get0_object(const hsm_uri *u);
const uint8_t *hsm_uri_get0_id(const hsm_uri *u, size_t *len);
CK_OBJECT_CLASS hsm_uri_get_class(const hsm_uri *u);
const char *hsm_uri_get0_module_path(const hsm_uri *u);
bool hsm_uri_has_pin(const hsm_uri *u);
/* True when the URI names at least one object attribute (object/id/type). */
bool hsm_uri_names_object(const hsm_uri *u);

/* The PIN from pin-value or pin-source (a file path or file: URI), as a
 * NUL-terminated string the caller wipes with hsm_pin_free(). */
CK_RV hsm_uri_get_pin(const hsm_uri *u, char **pin, size_t *len);
/* Reads a PIN file (trailing newline removed). */
CK_RV hsm_pin_read_file(const char *path, char **pin, size_t *len);
void hsm_pin_free(char *pin, size_t len);

/* ------------------------------------------------------------------ */
/* Modules                                                              */

typedef struct hsm_module hsm_module;

/*
 * Loads (or shares, when already loaded in this process) the PKCS#11 module
 * at path: C_GetInterface for 3.x modules, C_GetFunctionList otherwise, and
 * C_Initialize with CKF_OS_LOCKING_OK. init_args (may be NULL) is passed as
 * pReserved, as NSS-style modules expect. After fork() the child
 * re-initialises the module on first use.
 */
CK_RV hsm_module_open(const char *path, const char *init_args,
                      hsm_module **out);
void hsm_module_up_ref(hsm_module *m);
/* Drops a reference; the last one finalizes and unloads the module. */
void hsm_module_free(hsm_module *m);
const char *hsm_module_get0_path(const hsm_module *m);
/* Cryptoki version the module reports, as major * 100 + minor. */
unsigned hsm_module_version(const hsm_module *m);

/* ------------------------------------------------------------------ */
/* Tokens                                                               */

typedef struct hsm_token hsm_token;

struct hsm_token_info {
    CK_SLOT_ID slot;
    char label[33];        /* blank padding removed, NUL-terminated */
    char manufacturer[33];
    char model[17];
    char serial[17];
    bool login_required;
    bool write_protected;
    size_t max_sessions;   /* the pool bound actually used */
};

/* Calls cb for each present, initialised token that matches uri (NULL:
 * all). A non-zero return from cb stops the walk. */
typedef int (*hsm_token_cb)(void *arg, const struct hsm_token_info *info);
CK_RV hsm_token_foreach(hsm_module *m, const hsm_uri *uri, hsm_token_cb cb,
                        void *arg);

/*
 * Opens the one token that uri selects (token, manufacturer, serial, model,
 * slot-id). Tokens are shared: opening the same token twice returns the same
 * object with one more reference. No login happens here.
 */
CK_RV hsm_token_open(hsm_module *m, const hsm_uri *uri, hsm_token **out);
void hsm_token_up_ref(hsm_token *t);
void hsm_token_free(hsm_token *t);
const struct hsm_token_info *hsm_token_get0_info(const hsm_token *t);
hsm_module *hsm_token_get0_module(const hsm_token *t);

/*
 * Logs the user in once for the whole process. The PIN is copied (and wiped
 * when the token is freed) so that the layer can log in again by itself after
 * CKR_USER_NOT_LOGGED_IN or after the token comes back. A wrong PIN returns
 * CKR_PIN_INCORRECT and is forgotten: no retry happens with it.
 * Logging in to a token that is already logged in (by us or another user of
 * the module in this process) succeeds.
 */
CK_RV hsm_token_login(hsm_token *t, const char *pin, size_t pinlen);
bool hsm_token_is_logged_in(hsm_token *t);
/* True when operations on private objects need a PIN we do not have. */
bool hsm_token_needs_pin(hsm_token *t);

/* Mechanism cache: the list is read when the token is opened, each
 * mechanism's info on its first query. */
bool hsm_token_has_mech(const hsm_token *t, CK_MECHANISM_TYPE mech,
                        CK_FLAGS flags, CK_ULONG key_bits);
/* CKR_OK when secret keys (AES, HMAC) can be generated or unwrapped in
 * the token through PKCS#11; HSM_RV_MECH_UNSUPPORTED with a detail saying
 * how to make them otherwise (tpm2-pkcs11). */
CK_RV hsm_token_check_secret_create(const hsm_token *t);
/* Limits of the token's module a caller must respect before calling, as
 * HSM_QUIRK_* bits (both: tpm2-pkcs11 1.9.0).
 * HSM_QUIRK_CTR_WHOLE_BLOCKS: AES-CTR data (each part and the whole) in
 * whole 16-byte blocks only.
 * HSM_QUIRK_HMAC_4096: HMAC input of at most 4096 bytes per message. */
#define HSM_QUIRK_CTR_WHOLE_BLOCKS (1u << 0)
#define HSM_QUIRK_HMAC_4096        (1u << 1)
unsigned hsm_token_quirks(const hsm_token *t);
/* Borrowed list of mechanisms, sorted; valid while t is. */
const CK_MECHANISM_TYPE *hsm_token_get0_mechs(const hsm_token *t, size_t *n);
/* "CKM_ECDSA", "CKM_0x..." (static). */
const char *hsm_mech_name(CK_MECHANISM_TYPE mech);

CK_RV hsm_random(hsm_token *t, uint8_t *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Sessions: a lock-free pool per token, bounded by ulMaxSessionCount.  */

typedef struct hsm_session hsm_session;

/* Hands out an open session (waits when the pool is exhausted). */
CK_RV hsm_session_get(hsm_token *t, hsm_session **out);
/* Returns s to the pool; a session with an operation left in flight is
 * closed instead of reused. */
void hsm_session_put(hsm_session *s);
/* Pool statistics, for tests: sessions currently open. */
size_t hsm_token_sessions_open(hsm_token *t);

/* ------------------------------------------------------------------ */
/* Objects: keys and certificates                                       */

typedef struct hsm_key hsm_key;

/*
 * Finds the one persistent (token) object that uri selects (object, id,
 * type) of class cls (CK_UNAVAILABLE_INFORMATION: the URI's type, else any
 * key class). Session objects are not named by URIs: neither Keyward's own
 * session copies nor keys other code in the process made.
 * HSM_RV_OBJECT_NOT_FOUND / HSM_RV_OBJECT_AMBIGUOUS otherwise.
 * For private keys on tokens that allow it, a session copy is made
 * (C_CopyObject, CKA_TOKEN=FALSE) for speed; the key never leaves the token.
 */
CK_RV hsm_key_find(hsm_token *t, const hsm_uri *uri, CK_OBJECT_CLASS cls,
                   hsm_key **out);
/* Calls cb with each token object uri matches (borrowed; up_ref to keep).
 * A non-zero return from cb stops the walk. */
typedef int (*hsm_key_cb)(void *arg, hsm_key *k);
CK_RV hsm_key_foreach(hsm_token *t, const hsm_uri *uri, hsm_key_cb cb,
                      void *arg);
/* The public key (or certificate) object that goes with a private key: same
 * CKA_ID, else same label. */
CK_RV hsm_key_find_peer(hsm_key *k, CK_OBJECT_CLASS cls, hsm_key **out);

void hsm_key_up_ref(hsm_key *k);
void hsm_key_free(hsm_key *k);
hsm_token *hsm_key_get0_token(const hsm_key *k);
CK_OBJECT_CLASS hsm_key_get_class(const hsm_key *k);
CK_KEY_TYPE hsm_key_get_type(const hsm_key *k);   /* CKK_*, or cert type */
size_t hsm_key_get_bits(const hsm_key *k);        /* 0 when unknown */
const char *hsm_key_get0_label(const hsm_key *k); /* "" when none */
const uint8_t *hsm_key_get0_id(const hsm_key *k, size_t *len);
bool hsm_key_is_token_object(const hsm_key *k);
bool hsm_key_is_sensitive(const hsm_key *k);
bool hsm_key_is_extractable(const hsm_key *k);

/* Usage flags read from the object (CKA_SIGN, CKA_DECRYPT, ...). */
#define HSM_USE_SIGN    0x01u
#define HSM_USE_VERIFY  0x02u
#define HSM_USE_ENCRYPT 0x04u
#define HSM_USE_DECRYPT 0x08u
#define HSM_USE_DERIVE  0x10u
#define HSM_USE_WRAP    0x20u
#define HSM_USE_UNWRAP  0x40u
unsigned hsm_key_get_usage(const hsm_key *k);

/* A fresh pkcs11: URI naming this object (token, object, id, type); the
 * caller frees it with free(). No PIN is included. */
char *hsm_key_uri(const hsm_key *k);

/* Reads one attribute into a malloc'd buffer (free()). */
CK_RV hsm_key_get_attr(hsm_key *k, CK_ATTRIBUTE_TYPE type, uint8_t **val,
                       size_t *len);

/* What OpenSSL needs to build the public half of a key. */
struct hsm_pubkey {
    CK_KEY_TYPE type;  /* CKK_RSA, CKK_EC or CKK_EC_EDWARDS */
    uint8_t *n, *e;    /* RSA, big-endian */
    size_t n_len, e_len;
    uint8_t *params;   /* EC/EdDSA: CKA_EC_PARAMS as stored (DER) */
    size_t params_len;
    uint8_t *point;    /* EC: uncompressed point; EdDSA: 32 raw bytes */
    size_t point_len;
};
/* From k itself or, for a private key, from its public key object. */
CK_RV hsm_key_get_pubkey(hsm_key *k, struct hsm_pubkey *pub);
void hsm_pubkey_clear(struct hsm_pubkey *pub);

/* Creates an object from a raw template (import of a key, a certificate).
 * For private and secret keys CKA_SENSITIVE=TRUE and CKA_EXTRACTABLE=FALSE
 * are added unless the template says otherwise. */
CK_RV hsm_object_create(hsm_token *t, const CK_ATTRIBUTE *tmpl, size_t n,
                        hsm_key **out);
/* Destroys the object in the token (token objects are gone for good). */
CK_RV hsm_key_destroy(hsm_key *k);

/* ------------------------------------------------------------------ */
/* Mechanisms with their parameters                                     */

struct hsm_mech {
    CK_MECHANISM_TYPE type;
    union {
        struct {
            CK_MECHANISM_TYPE hash;
            CK_RSA_PKCS_MGF_TYPE mgf;
            size_t salt_len;
        } pss;
        struct {
            CK_MECHANISM_TYPE hash;
            CK_RSA_PKCS_MGF_TYPE mgf;
            const uint8_t *label;
            size_t label_len;
        } oaep;
        struct {
            const uint8_t *iv;
            size_t iv_len;
            const uint8_t *aad;
            size_t aad_len;
            size_t tag_bits;
        } gcm;
        struct {
            uint8_t cb[16];
            size_t counter_bits;
        } ctr;
        struct {
            uint8_t iv[16];
        } cbc;
    } p;
};

/* ------------------------------------------------------------------ */
/* Single-part operations. Each recovers by itself from a lost login, a   */
/* closed session or a token that was removed and came back, once.       */

/* ECDSA gives raw r||s, EdDSA R||S, RSA the big-endian signature. */
CK_RV hsm_sign(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
               size_t inlen, uint8_t *sig, size_t *siglen);
/* CKR_SIGNATURE_INVALID (or _LEN_RANGE) when the signature does not verify. */
CK_RV hsm_verify(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                 size_t inlen, const uint8_t *sig, size_t siglen);
CK_RV hsm_encrypt(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                  size_t inlen, uint8_t *out, size_t *outlen);
CK_RV hsm_decrypt(hsm_key *k, const struct hsm_mech *m, const uint8_t *in,
                  size_t inlen, uint8_t *out, size_t *outlen);

/* Multi-part operations (ciphers and MACs) hold one session until freed. */
typedef struct hsm_op hsm_op;
enum hsm_op_kind { HSM_OP_ENCRYPT, HSM_OP_DECRYPT, HSM_OP_SIGN, HSM_OP_VERIFY };
CK_RV hsm_op_start(hsm_key *k, const struct hsm_mech *m, enum hsm_op_kind kind,
                   hsm_op **out);
/* ENCRYPT/DECRYPT: out/outlen as C_EncryptUpdate; SIGN/VERIFY: out NULL. */
CK_RV hsm_op_update(hsm_op *op, const uint8_t *in, size_t inlen, uint8_t *out,
                    size_t *outlen);
/* ENCRYPT/DECRYPT/SIGN: the final output; VERIFY: out is the MAC to check. */
CK_RV hsm_op_final(hsm_op *op, uint8_t *out, size_t *outlen);
/* Ends an unfinished operation and returns the session. Accepts NULL. */
void hsm_op_free(hsm_op *op);

/* ------------------------------------------------------------------ */
/* Key derivation                                                       */

/*
 * ECDH1-DERIVE (CKD_NULL) with a private key and the peer's uncompressed
 * point. hsm_derive_ecdh() returns the shared secret x-coordinate to the
 * caller (an extractable session secret, destroyed at once), for KDFs the
 * token lacks. hsm_derive_ecdh_key() keeps it in the token as a session
 * secret key of the given type and length.
 */
CK_RV hsm_derive_ecdh(hsm_key *priv, const uint8_t *peer, size_t peer_len,
                      uint8_t *secret, size_t *secret_len);
CK_RV hsm_derive_ecdh_key(hsm_key *priv, const uint8_t *peer, size_t peer_len,
                          CK_KEY_TYPE type, size_t len, hsm_key **out);

/* ------------------------------------------------------------------ */
/* Key generation: private and secret keys are CKA_SENSITIVE and never    */
/* extractable unless a test asks for extractable explicitly.           */

struct hsm_keygen {
    const char *label;     /* CKA_LABEL; NULL for none */
    const uint8_t *id;     /* CKA_ID; NULL: a random 16-byte id */
    size_t id_len;
    bool token;            /* CKA_TOKEN: persistent object */
    bool extractable;      /* only for tests that compare with software */
    unsigned usage;        /* HSM_USE_*; 0: the natural default for the type */
};

/* curve: "P-256", "P-384", "P-521". */
CK_RV hsm_keygen_ec(hsm_token *t, const char *curve,
                    const struct hsm_keygen *g, hsm_key **priv, hsm_key **pub);
CK_RV hsm_keygen_rsa(hsm_token *t, size_t bits, const struct hsm_keygen *g,
                     hsm_key **priv, hsm_key **pub);
CK_RV hsm_keygen_ed25519(hsm_token *t, const struct hsm_keygen *g,
                         hsm_key **priv, hsm_key **pub);
/* type: CKK_AES (16/24/32 bytes) or CKK_GENERIC_SECRET (HMAC keys). */
CK_RV hsm_keygen_secret(hsm_token *t, CK_KEY_TYPE type, size_t len,
                        const struct hsm_keygen *g, hsm_key **out);

/* Unwraps wrapped (CKM_AES_KEY_WRAP or _PAD) under wrapping_key into a new
 * secret key of type/len. The key is never in the clear on the host. */
CK_RV hsm_key_unwrap(hsm_key *wrapping_key, CK_MECHANISM_TYPE mech,
                     const uint8_t *wrapped, size_t wrapped_len,
                     CK_KEY_TYPE type, const struct hsm_keygen *g,
                     hsm_key **out);

#endif /* KEYWARD_HSM_H */
