/* SPDX-License-Identifier: Apache-2.0 */
/* edhoc.h: EDHOC (RFC 9528) initiator and responder, driven message by message.
 */
#ifndef KEYWARD_EDHOC_H
#define KEYWARD_EDHOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * Overview
 * --------
 * A kw_edhoc_ctx holds what every session shares: the OSSL_LIB_CTX and the
 * property query used for all SOFTWARE operations (ephemeral keys, ECDH
 * with them, SHA-256, HKDF, AES-CCM/GCM, ChaCha20-Poly1305, signature
 * verification). Create one per process (or per library context) and keep
 * it alive while sessions use it; it is read-only after creation and may
 * be shared between threads.
 *
 * A kw_edhoc is one EDHOC session in one role. The application moves
 * opaque messages: it calls kw_edhoc_step() with what the peer sent (NULL
 * for the initiator's first call) and sends whatever comes back in *out.
 *
 *   initiator                               responder
 *   step(NULL)        -> message_1  ----->  step(message_1) -> message_2
 *   step(message_2)   -> message_3  <-----
 *                                   ----->  step(message_3) -> message_4 or
 *                                                              nothing
 *   step(message_4)   -> nothing    <-----  (only when message_4 is used)
 *
 * When a step fails, its return value is negative and *out holds, when the
 * protocol calls for one, an EDHOC error message (RFC 9528 section 6) for
 * the application to send; the session is then aborted. An error message
 * received from the peer makes step() return KW_EDHOC_E_PEER_ERROR, or
 * KW_EDHOC_E_SUITES_R for error code 2 on the initiator, which can then
 * send a new message_1 with kw_edhoc_initiator_retry().
 *
 * Long-term (authentication) keys are EVP_PKEYs that may be provider-backed
 * with the private half in a token. They are used ONLY through
 * EVP_DigestSign (ES256, Ed25519) and EVP_PKEY_derive (static DH), never
 * exported, with the property query NULL so that the key's own provider
 * performs the operation.
 *
 * All buffers passed in are borrowed for the duration of the call unless
 * stated otherwise. Secrets held by a session are wiped when it is freed.
 */

typedef struct kw_edhoc_ctx kw_edhoc_ctx;
typedef struct kw_edhoc kw_edhoc;

/* Status codes: 0 or a negative value. */
enum {
    KW_EDHOC_OK = 0,
    KW_EDHOC_E_PARAM = -1, /* invalid argument or configuration */
    KW_EDHOC_E_STATE = -2, /* call not valid in the session's state */
    KW_EDHOC_E_NOMEM = -3,
    KW_EDHOC_E_CRYPTO = -4,       /* a local crypto operation failed */
    KW_EDHOC_E_DECODE = -5,       /* peer message malformed: not the CDDL, not
                                     deterministic CBOR, wrong field length */
    KW_EDHOC_E_METHOD = -6,       /* method not accepted by this responder */
    KW_EDHOC_E_SUITE = -7,        /* responder: selected suite refused; *out has
                                     an error message with code 2 and SUITES_R */
    KW_EDHOC_E_UNKNOWN_CRED = -8, /* peer credential not found */
    KW_EDHOC_E_PEER_REJECTED = -9, /* credential found, policy says no */
    KW_EDHOC_E_AUTH = -10,         /* MAC, signature, AEAD or peer key check
                                      failed */
    KW_EDHOC_E_EAD = -11,          /* critical EAD item not understood */
    KW_EDHOC_E_PEER_ERROR = -12,   /* the peer sent an EDHOC error message */
    KW_EDHOC_E_SUITES_R = -13,     /* initiator: the peer sent error code 2 with
                                      a suite we support: call
                                      kw_edhoc_initiator_retry() */
    KW_EDHOC_E_NO_COMMON_SUITE = -14, /* initiator: SUITES_R holds nothing
                                         we support */
};

/* A short English description of a status code (static string). */
const char *kw_edhoc_status_str(int status);

/* ---- shared context ----------------------------------------------------- */

/* Fetches the software algorithms from libctx (NULL: default library
 * context) with property query propq (NULL: none; e.g. "provider=default"
 * to keep software operations away from a hardware provider). */
kw_edhoc_ctx *kw_edhoc_ctx_new(OSSL_LIB_CTX *libctx, const char *propq);
void kw_edhoc_ctx_free(kw_edhoc_ctx *ctx);

/* ---- credentials -------------------------------------------------------- */

/* COSE header labels that may appear in ID_CRED_x. */
#define KW_COSE_HDR_KID     4
#define KW_COSE_HDR_KCCS    14
#define KW_COSE_HDR_X5CHAIN 33
#define KW_COSE_HDR_X5T     34
/* COSE hash algorithms for x5t. */
#define KW_COSE_ALG_SHA256_64 (-15)
#define KW_COSE_ALG_SHA256    (-16)

#define KW_EDHOC_MAX_CHAIN 8 /* certificates in an x5chain */
/* bytes in C_I/C_R: the OSCORE ID limit for 13-byte nonces; longer
 * identifiers from a peer are refused */
#define KW_EDHOC_MAX_CID    7
#define KW_EDHOC_MAX_SUITES 8 /* entries in SUITES_I / SUITES_R */
#define KW_EDHOC_MAX_EAD    8 /* EAD items per message */

/* The local identity. All pointers are borrowed and must stay valid for
 * the life of the session. */
typedef struct kw_edhoc_local {
    EVP_PKEY *auth_key;  /* private key: Ed25519 or P-256 (signature
                            methods), X25519 or P-256 (static DH) */
    const uint8_t *cred; /* CRED_x: exactly one CBOR data item, as the
                            peer sees it (bstr of X.509 DER, or a CCS) */
    size_t cred_len;
    const uint8_t *id_cred; /* ID_CRED_x: a CBOR map (see kw_edhoc_id_cred_*) */
    size_t id_cred_len;
} kw_edhoc_local;

/* Builders for the common ID_CRED_x and CRED_x encodings. Each writes to an
 * OPENSSL_malloc'd buffer the caller frees with OPENSSL_free. */
int kw_edhoc_id_cred_kid(const uint8_t *kid, size_t kid_len, uint8_t **out,
                         size_t *out_len);
/* { 34 : [alg, hash] } over cert_der; alg KW_COSE_ALG_SHA256(_64). */
int kw_edhoc_id_cred_x5t(const uint8_t *cert_der, size_t cert_len, int alg,
                         uint8_t **out, size_t *out_len);
/* { 33 : bstr } for one certificate, { 33 : [bstr, ...] } for a chain
 * (leaf first). */
int kw_edhoc_id_cred_x5chain(const uint8_t *const *certs, const size_t *lens,
                             size_t n, uint8_t **out, size_t *out_len);
/* CRED_x for an X.509 certificate: the DER wrapped as a CBOR bstr. */
int kw_edhoc_cred_x509(const uint8_t *cert_der, size_t cert_len, uint8_t **out,
                       size_t *out_len);
/* True if hash (with COSE algorithm alg) is the x5t of cert_der. */
bool kw_edhoc_x5t_matches(int alg, const uint8_t *hash, size_t hash_len,
                          const uint8_t *cert_der, size_t cert_len);

/* The peer's ID_CRED_x as received, decoded. Pointers are valid only
 * during the credential callback. */
typedef struct kw_edhoc_id_cred {
    const uint8_t *raw; /* the ID_CRED_x map as CBOR (also for compact kid) */
    size_t raw_len;
    bool has_kid;
    const uint8_t *kid;
    size_t kid_len;
    bool has_x5t;
    int x5t_alg;
    const uint8_t *x5t;
    size_t x5t_len;
    size_t x5chain_n; /* 0 when absent; leaf first */
    const uint8_t *x5chain[KW_EDHOC_MAX_CHAIN];
    size_t x5chain_len[KW_EDHOC_MAX_CHAIN];
    const uint8_t *kccs; /* a CCS sent by value, or NULL */
    size_t kccs_len;
} kw_edhoc_id_cred;

/* What the credential callback hands back; the session takes ownership of
 * every field (OPENSSL_malloc'd bytes/strings, an EVP_PKEY reference). */
typedef struct kw_edhoc_peer_cred {
    uint8_t *cred; /* CRED_x, one CBOR item (kw_edhoc_cred_x509 or CCS) */
    size_t cred_len;
    EVP_PKEY *pubkey; /* the peer's authentication public key */
    char *identity;   /* for the application: certificate subject, CCS
                         'sub' or kid in hex; may be NULL */
} kw_edhoc_peer_cred;

/*
 * Resolves the peer's credential (the initiator calls it while processing
 * message_2, the responder while processing message_3). It applies the
 * application's trust anchors and policy. Returns KW_EDHOC_OK after filling
 * *out, KW_EDHOC_E_UNKNOWN_CRED (an error message with code 3 goes back to
 * the peer) or KW_EDHOC_E_PEER_REJECTED (code 1). Code 3 is only for a
 * reference to a credential this side lacks (e.g. an unknown kid); an
 * ID_CRED of a type not supported must be refused with
 * KW_EDHOC_E_PEER_REJECTED (RFC 9528 section 6.4). The EAD of the same
 * message has been delivered before, unauthenticated as yet. On failure it
 * must leave *out empty.
 */
typedef int (*kw_edhoc_cred_cb)(void *arg, const kw_edhoc_id_cred *id,
                                kw_edhoc_peer_cred *out);

/* Validates the chain certs[0..n) (leaf first; DER) against the trust
 * anchors in store, at the current time, with OpenSSL's X509_STORE. On
 * success returns the leaf subject (RFC 2253, OPENSSL_malloc'd) and its
 * public key (new reference) when those out pointers are not NULL. */
int kw_edhoc_x509_verify(const uint8_t *const *certs, const size_t *lens,
                         size_t n, X509_STORE *store, OSSL_LIB_CTX *libctx,
                         const char *propq, char **subject, EVP_PKEY **pubkey);

/* Parses a CCS (CWT Claims Set with a COSE_Key in 'cnf'): kid (borrowed
 * pointer into ccs, may be absent: *kid_len = 0), 'sub' (OPENSSL_malloc'd,
 * NULL if absent) and the public key (EC2 P-256, OKP Ed25519/X25519). */
int kw_edhoc_ccs_parse(const uint8_t *ccs, size_t ccs_len, OSSL_LIB_CTX *libctx,
                       const char *propq, const uint8_t **kid, size_t *kid_len,
                       char **sub, EVP_PKEY **pubkey);

/* Builds a CCS for a public key (EC2 P-256, OKP Ed25519 or X25519):
 * { ? 2 : sub, 8 : { 1 : COSE_Key with kid } }, deterministic, in the
 * member order of RFC 9529's CCSs. sub may be NULL. OPENSSL_malloc'd. */
int kw_edhoc_ccs_build(EVP_PKEY *pub, const char *sub, const uint8_t *kid,
                       size_t kid_len, uint8_t **out, size_t *out_len);

/* ---- external authorization data ---------------------------------------- */

typedef struct kw_edhoc_ead_item {
    int64_t label; /* negative: critical */
    bool has_value;
    const uint8_t *value; /* bstr content */
    size_t value_len;
} kw_edhoc_ead_item;

/*
 * Called with the EAD items of each received message (padding, label 0,
 * already removed) before the session goes on; msg is 1..4. It may call
 * kw_edhoc_set_ead() on s to choose the EAD of the next message. Returns 0
 * to accept; anything else aborts with KW_EDHOC_E_EAD. Without a callback
 * every critical item is refused and non-critical items are kept for
 * kw_edhoc_get0_ead().
 */
typedef int (*kw_edhoc_ead_cb)(void *arg, kw_edhoc *s, int msg,
                               const kw_edhoc_ead_item *items, size_t n);

/* ---- sessions ----------------------------------------------------------- */

#define KW_EDHOC_INITIATOR 0
#define KW_EDHOC_RESPONDER 1

typedef struct kw_edhoc_config {
    kw_edhoc_ctx *ctx; /* borrowed; must outlive the session */
    int role;          /* KW_EDHOC_INITIATOR or KW_EDHOC_RESPONDER */
    int method;        /* initiator: the method (0..3) to use */
    unsigned methods;  /* responder: bit (1u << m) per method accepted */
    const int *suites; /* initiator: in order of preference;
                          responder: those supported (0,1,2,3,4,5,6) */
    size_t n_suites;
    int initial_suite; /* initiator: suite to select in the first
                          message_1 (e.g. one remembered from an earlier
                          session); -1 selects the most preferred */
    kw_edhoc_local local;
    const uint8_t *conn_id; /* own C_I / C_R (1..KW_EDHOC_MAX_CID bytes, or
                               the empty string with conn_id_len 0 and a
                               non-NULL pointer); NULL: 2 random bytes */
    size_t conn_id_len;
    bool message_4; /* responder sends / initiator expects message_4 */
    kw_edhoc_cred_cb cred_cb;
    void *cred_arg;
    kw_edhoc_ead_cb ead_cb; /* optional */
    void *ead_arg;
} kw_edhoc_config;

/* Creates a session; cfg is copied (the arrays and buffers it points to
 * are borrowed, except suites, which is copied). NULL on bad config. */
kw_edhoc *kw_edhoc_new(const kw_edhoc_config *cfg);
/* Wipes every secret and frees; NULL is fine. */
void kw_edhoc_free(kw_edhoc *s);

/*
 * Processes in (NULL/0 for the initiator's first call) and returns the next
 * message to send in *out and *out_len (borrowed, valid until the next call on
 * s or kw_edhoc_free; *out_len 0 when there is nothing to send). Returns
 * KW_EDHOC_OK or a negative status; on failure *out may still hold an
 * EDHOC error message to send.
 */
int kw_edhoc_step(kw_edhoc *s, const uint8_t *in, size_t in_len,
                  const uint8_t **out, size_t *out_len);

/* After KW_EDHOC_E_SUITES_R: builds a new message_1 with a fresh ephemeral
 * key, selecting the most preferred suite listed in SUITES_R and listing
 * all more preferred ones before it (RFC 9528 section 5.2.2). The
 * connection identifier may be changed first with kw_edhoc_set_conn_id. */
int kw_edhoc_initiator_retry(kw_edhoc *s, const uint8_t **out, size_t *out_len);
/* Changes the own connection identifier before message_1 (initiator) or
 * message_2 (responder) is built. */
int kw_edhoc_set_conn_id(kw_edhoc *s, const uint8_t *id, size_t len);

/* EAD items to put into outgoing message msg (1..4); copied. Call before
 * the step that builds it (or from the EAD callback). */
int kw_edhoc_set_ead(kw_edhoc *s, int msg, const kw_edhoc_ead_item *items,
                     size_t n);
/* EAD items received in message msg, padding removed; borrowed. */
int kw_edhoc_get0_ead(const kw_edhoc *s, int msg,
                      const kw_edhoc_ead_item **items, size_t *n);

/* True once the session has produced PRK_out: for the initiator after
 * message_3 was built (and message_4 verified, if used), for the responder
 * after message_3 was verified. Without message_4 the initiator has no key
 * confirmation yet: the first protected message opened from the responder
 * gives it (RFC 9528 section 5.4.2). A complete session that is handed an
 * EDHOC error message (the peer refused message_3 or message_4) reports
 * KW_EDHOC_E_PEER_ERROR and drops its keys; any other input after
 * completion returns KW_EDHOC_E_STATE and changes nothing. */
bool kw_edhoc_is_complete(const kw_edhoc *s);
int kw_edhoc_role(const kw_edhoc *s);
int kw_edhoc_method(const kw_edhoc *s);
/* The selected cipher suite, or -1 before there is one. */
int kw_edhoc_suite(const kw_edhoc *s);
/* C_I and C_R as byte strings (borrowed). */
int kw_edhoc_get0_conn_ids(const kw_edhoc *s, const uint8_t **c_i,
                           size_t *c_i_len, const uint8_t **c_r,
                           size_t *c_r_len);

/* The authenticated peer (complete sessions only); all borrowed. */
typedef struct kw_edhoc_peer_info {
    const char *identity; /* from the credential callback; may be NULL */
    const uint8_t *cred;  /* CRED_x */
    size_t cred_len;
    const uint8_t *id_cred; /* ID_CRED_x as a map */
    size_t id_cred_len;
    EVP_PKEY *pubkey;
} kw_edhoc_peer_info;
int kw_edhoc_get0_peer(const kw_edhoc *s, kw_edhoc_peer_info *info);

/* The peer's error message after KW_EDHOC_E_PEER_ERROR / _SUITES_R: its
 * ERR_CODE and, for code 1, the diagnostic text (borrowed, NUL-terminated;
 * "" otherwise). */
int kw_edhoc_peer_error(const kw_edhoc *s, int64_t *code, const char **diag);

/* EDHOC_Exporter(label, context, length) (RFC 9528 section 4.2.1), from
 * the current PRK_out (complete sessions only). length <= 255 * 32. */
int kw_edhoc_exporter(const kw_edhoc *s, uint64_t label, const uint8_t *context,
                      size_t context_len, uint8_t *out, size_t out_len);
/* EDHOC_KeyUpdate(context) (RFC 9528 appendix H): replaces PRK_out with
 * EDHOC_KDF(PRK_out, 11, context, hash_length), wiping the old one, and
 * recomputes PRK_exporter. */
int kw_edhoc_key_update(kw_edhoc *s, const uint8_t *context,
                        size_t context_len);

/* OSCORE Master Secret and Master Salt (RFC 9528 appendix A.1): exporter
 * labels 0 and 1 with context h'', the application AEAD's key length and
 * an 8-byte salt. Sender/Recipient IDs: see kw_edhoc_get0_conn_ids. */
int kw_edhoc_oscore_secrets(const kw_edhoc *s, uint8_t *secret,
                            size_t secret_len, uint8_t *salt, size_t salt_len);

#endif
