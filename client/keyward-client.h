/* SPDX-License-Identifier: Apache-2.0 */
/* keyward-client.h: the C client library of keywardd (plain C; hides gRPC and
 * protobuf). */
#ifndef KEYWARD_CLIENT_H
#define KEYWARD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every call returns KWC_OK or a gRPC status code (docs/API.md says what
 * each means for each call); kwc_error() then holds the server's message. */
enum kwc_status {
    KWC_OK = 0,
    KWC_INVALID_ARGUMENT = 3,
    KWC_DEADLINE_EXCEEDED = 4,
    KWC_NOT_FOUND = 5,
    KWC_PERMISSION_DENIED = 7,
    KWC_RESOURCE_EXHAUSTED = 8,  /* sessions: a usage limit; call kwc_rekey */
    KWC_FAILED_PRECONDITION = 9, /* sessions: exhausted; establish a new one */
    KWC_UNIMPLEMENTED = 12,
    KWC_INTERNAL = 13,
    KWC_UNAVAILABLE = 14, /* also: cannot reach keywardd */
    KWC_UNAUTHENTICATED = 16,
};

/* Values of keyward.v1.SignatureScheme, Aead and Role. */
enum kwc_scheme {
    KWC_SCHEME_DEFAULT = 0,
    KWC_SCHEME_ECDSA_SHA256 = 1,
    KWC_SCHEME_ECDSA_SHA384 = 2,
    KWC_SCHEME_ECDSA_SHA512 = 3,
    KWC_SCHEME_ED25519 = 4,
    KWC_SCHEME_ED448 = 5,
    KWC_SCHEME_RSA_PKCS1_SHA256 = 6,
    KWC_SCHEME_RSA_PKCS1_SHA384 = 7,
    KWC_SCHEME_RSA_PKCS1_SHA512 = 8,
    KWC_SCHEME_RSA_PSS_SHA256 = 9,
    KWC_SCHEME_RSA_PSS_SHA384 = 10,
    KWC_SCHEME_RSA_PSS_SHA512 = 11,
};
enum kwc_aead {
    KWC_AEAD_DEFAULT = 0,
    KWC_AEAD_AES_256_GCM = 1,
    KWC_AEAD_AES_128_GCM = 2
};
enum kwc_role {
    KWC_ROLE_DEFAULT = 0,
    KWC_ROLE_INITIATOR = 1,
    KWC_ROLE_RESPONDER = 2
};

#define KWC_HANDLE_LEN     16
#define KWC_TAG_LEN        16
#define KWC_MAX_SIGNATURE  1024
#define KWC_DEFAULT_SOCKET "/run/keyward/keywardd.sock"

typedef struct kwc kwc;

/* Connects to keywardd at socket_path (NULL: $KEYWARD_SOCKET, else
 * KWC_DEFAULT_SOCKET). One kwc per thread; each has its own connection.
 * Returns KWC_OK or KWC_UNAVAILABLE. */
int kwc_connect(const char *socket_path, kwc **out);
/* Closes the connection. Accepts NULL. */
void kwc_free(kwc *c);
/* The message of the last failed call (never NULL). */
const char *kwc_error(const kwc *c);
/* Per-call deadline; default 30000 ms. */
void kwc_set_timeout_ms(kwc *c, unsigned ms);

int kwc_version(kwc *c, char *version, size_t len, unsigned *api_version);

/* Operation bits in kwc_key_info.ops (keyward.v1.Operation). */
#define KWC_OP_SIGN        (1u << 1)
#define KWC_OP_VERIFY      (1u << 2)
#define KWC_OP_DECAPSULATE (1u << 3)
#define KWC_OP_ECDH        (1u << 4)
#define KWC_OP_EXPORT      (1u << 5)
#define KWC_OP_PUBLIC      (1u << 6)

struct kwc_key_info {
    char name[64];
    int type;              /* keyward.v1.KeyType */
    const char *type_name; /* "EC", "RSA", "ED25519", ... */
    unsigned bits;
    char group[32]; /* "P-256" for EC keys */
    unsigned ops;   /* KWC_OP_* */
    char token[64];
    bool has_certificate;
};
struct kwc_token_info {
    char name[64];
    char uri[256];
    char provider[64];
    /* "sign:ecdsa", "kem:rsasve", "ecdh", ...: from the token's mechanism
     * list when keywardd has a key of the token loaded (see docs/API.md). */
    char capabilities[32][32];
    size_t ncapabilities;
};
/* The tokens keywardd serves; *tokens is malloc'd (free()). */
int kwc_list_tokens(kwc *c, struct kwc_token_info **tokens, size_t *n);

/* The keys this caller may use; *keys is malloc'd (free()). */
int kwc_list_keys(kwc *c, struct kwc_key_info **keys, size_t *n);

/* The key's SubjectPublicKeyInfo (DER) and, when certs is not NULL, its
 * certificate chain (DER, leaf first). Everything malloc'd: free with
 * kwc_certs_free(). */
int kwc_public_key(kwc *c, const char *key, uint8_t **spki, size_t *spki_len,
                   uint8_t ***certs, size_t **cert_lens, size_t *ncerts);
void kwc_certs_free(uint8_t **certs, size_t *cert_lens, size_t ncerts);

/* Signs a message (or a digest when is_digest). sig has room for
 * KWC_MAX_SIGNATURE bytes; *used receives the scheme the service used. */
int kwc_sign(kwc *c, const char *key, enum kwc_scheme scheme, bool is_digest,
             const uint8_t *data, size_t len, uint8_t *sig, size_t *siglen,
             enum kwc_scheme *used);
/* Signs n digests in one call (n <= 32); sigs[i] has KWC_MAX_SIGNATURE
 * bytes of room. */
int kwc_sign_batch(kwc *c, const char *key, enum kwc_scheme scheme,
                   const uint8_t *const *digests, const size_t *digest_lens,
                   size_t n, uint8_t **sigs, size_t *sig_lens);
/* Verifies with a configured key (key) or any public key (spki). */
int kwc_verify(kwc *c, const char *key, const uint8_t *spki, size_t spki_len,
               enum kwc_scheme scheme, bool is_digest, const uint8_t *data,
               size_t len, const uint8_t *sig, size_t siglen, bool *valid);

/* Key establishment: the shared secret stays in keywardd as a session. */
int kwc_encapsulate(kwc *c, const uint8_t *peer_spki, size_t spki_len,
                    enum kwc_aead aead, enum kwc_role role, uint8_t *ct,
                    size_t *ctlen, uint8_t handle[KWC_HANDLE_LEN]);
int kwc_decapsulate(kwc *c, const char *key, const uint8_t *ct, size_t ctlen,
                    enum kwc_aead aead, enum kwc_role role,
                    uint8_t handle[KWC_HANDLE_LEN]);
int kwc_ecdh(kwc *c, const char *key, const uint8_t *peer_spki, size_t spki_len,
             enum kwc_aead aead, enum kwc_role role,
             uint8_t handle[KWC_HANDLE_LEN]);

/* ct has room for ptlen + KWC_TAG_LEN. rekey_advised may be NULL. */
int kwc_seal(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const uint8_t *pt,
             size_t ptlen, const uint8_t *aad, size_t aadlen, uint8_t *ct,
             size_t *ctlen, uint64_t *seq, uint32_t *epoch,
             bool *rekey_advised);
/* pt has room for ctlen - KWC_TAG_LEN. */
int kwc_open(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], uint64_t seq,
             const uint8_t *ct, size_t ctlen, const uint8_t *aad, size_t aadlen,
             uint8_t *pt, size_t *ptlen, bool *rekey_advised);
int kwc_derive(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const char *label,
               enum kwc_aead aead, uint8_t child[KWC_HANDLE_LEN]);
int kwc_rekey(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], uint32_t *epoch);
/* Key material for another protocol, where the policy allows it. */
int kwc_export(kwc *c, const uint8_t handle[KWC_HANDLE_LEN], const char *label,
               uint8_t *out, size_t len);
int kwc_close_session(kwc *c, const uint8_t handle[KWC_HANDLE_LEN]);

int kwc_random(kwc *c, uint8_t *buf, size_t len);

/* ---- Associations: EDHOC handshakes and protected messages -------------
 *
 * keywardd runs EDHOC (RFC 9528) with a configured local identity; the
 * application carries the opaque messages to the peer and back:
 *
 *   initiator                                  responder
 *   kwc_assoc_start()    -> message_1  ----->  kwc_assoc_accept()
 *   kwc_assoc_continue() <- message_2  <-----     -> message_2
 *      -> message_3 (established)      ----->  kwc_assoc_continue()
 *                                                  (established)
 * Each step says what to do next (step.state) and what to send
 * (step.message, which may be empty). A FAILED step may still carry an
 * EDHOC error message to send; its handle is gone. */
enum kwc_hs_state {
    KWC_HS_IN_PROGRESS = 1,
    KWC_HS_ESTABLISHED = 2,
    KWC_HS_FAILED = 3,
};
/* Values of keyward.v1.HandshakeFailure. */
enum kwc_hs_failure {
    KWC_HS_MALFORMED = 1,
    KWC_HS_AUTHENTICATION = 2,
    KWC_HS_UNKNOWN_CREDENTIAL = 3,
    KWC_HS_PEER_NOT_ALLOWED = 4,
    KWC_HS_NO_COMMON_SUITE = 5,
    KWC_HS_METHOD = 6,
    KWC_HS_EAD = 7,
    KWC_HS_PEER_ERROR = 8,
    KWC_HS_LOCAL = 9,
    KWC_HS_SUITE_OFFERED = 10,
};
#define KWC_CRED_X509 1 /* kwc_peer.kind */
#define KWC_CRED_CCS  2

#define KWC_MAX_EDHOC_MESSAGE 8192
#define KWC_MAX_EAD           8
#define KWC_MAX_EAD_VALUE     256
#define KWC_MAX_PROTECTED     16448 /* a protected message */
#define KWC_MAX_PLAINTEXT     16384

struct kwc_ead {
    int64_t label; /* negative: critical */
    bool has_value;
    uint8_t value[KWC_MAX_EAD_VALUE];
    size_t value_len;
};

struct kwc_peer {
    int kind;          /* KWC_CRED_X509 or KWC_CRED_CCS */
    char subject[256]; /* certificate subject (RFC 2253) or CCS 'sub' */
    uint8_t kid[16];   /* the kid a CCS was found by */
    size_t kid_len;
};

struct kwc_hs_step {
    uint8_t handle[KWC_HANDLE_LEN];
    int state; /* enum kwc_hs_state */
    uint8_t message[KWC_MAX_EDHOC_MESSAGE];
    size_t message_len;
    struct kwc_ead peer_ead[KWC_MAX_EAD];
    size_t npeer_ead;
    struct kwc_peer peer; /* ESTABLISHED */
    unsigned method, suite;
    int failure;      /* enum kwc_hs_failure, FAILED only */
    char reason[256]; /* FAILED: for a person */
    unsigned edhoc_error_code;
};

/* Options of kwc_assoc_start; NULL takes the identity's defaults. */
struct kwc_assoc_opts {
    int method;             /* 0..3, or -1 for the identity's default */
    const unsigned *suites; /* preference order, or NULL */
    size_t nsuites;
    const struct kwc_ead *ead; /* EAD_1 */
    size_t nead;
};

/* Steps are large (~12 KiB): allocate them, do not put them on a small
 * stack. */
int kwc_assoc_start(kwc *c, const char *identity,
                    const struct kwc_assoc_opts *opts,
                    struct kwc_hs_step *step);
int kwc_assoc_accept(kwc *c, const char *identity, const uint8_t *msg1,
                     size_t len, const struct kwc_ead *ead, size_t nead,
                     struct kwc_hs_step *step);
int kwc_assoc_continue(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                       const uint8_t *msg, size_t len,
                       const struct kwc_ead *ead, size_t nead,
                       struct kwc_hs_step *step);

struct kwc_msg_info {
    uint32_t epoch;                 /* key epoch of the message */
    bool key_updated;               /* keys were updated in this call */
    bool rehandshake_advised;       /* start a new handshake soon */
    uint8_t handle[KWC_HANDLE_LEN]; /* open: the association */
    struct kwc_peer peer;           /* open: who sent it */
};
/* out has room for *out_len bytes (KWC_MAX_PROTECTED suffices); info may
 * be NULL. */
int kwc_assoc_seal(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   const uint8_t *pt, size_t ptlen, uint8_t *out,
                   size_t *out_len, struct kwc_msg_info *info);
/* handle NULL: the caller's association the message's kid names. pt has
 * room for *pt_len bytes. */
int kwc_assoc_open(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   const uint8_t *msg, size_t len, uint8_t *pt, size_t *pt_len,
                   struct kwc_msg_info *info);
int kwc_assoc_update_keys(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                          uint32_t *epoch);

struct kwc_oscore {
    uint8_t master_secret[32], master_salt[8];
    size_t master_secret_len, master_salt_len;
    uint8_t sender_id[7], recipient_id[7], id_context[4];
    size_t sender_id_len, recipient_id_len, id_context_len;
    int aead_alg, hkdf_alg; /* COSE algorithms */
};
/* Ends the association: the keys go to the caller's OSCORE stack. Wipe
 * *o when done. */
int kwc_assoc_export_oscore(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                            struct kwc_oscore *o);

struct kwc_assoc_info {
    int state; /* enum kwc_hs_state (FAILED: keys wiped) */
    char identity[64];
    bool initiator;
    struct kwc_peer peer;
    unsigned method, suite;
    uint32_t epoch, key_updates;
    uint64_t age_seconds, epoch_age_seconds;
    uint64_t sealed, opened, rejected, failed_decryptions, replays;
    bool rehandshake_advised;
    uint8_t connection_id[7];
    size_t connection_id_len;
};
int kwc_assoc_info(kwc *c, const uint8_t handle[KWC_HANDLE_LEN],
                   struct kwc_assoc_info *info);
int kwc_assoc_close(kwc *c, const uint8_t handle[KWC_HANDLE_LEN]);

#define KWC_METRIC_BUCKETS 16
#define KWC_METRIC_METHODS 32
struct kwc_method_metrics {
    char method[24];
    uint64_t calls, errors;
    uint64_t buckets[KWC_METRIC_BUCKETS];
    size_t nbuckets;
};
struct kwc_metrics {
    struct kwc_method_metrics methods[KWC_METRIC_METHODS];
    size_t nmethods;
    uint64_t bounds_us[KWC_METRIC_BUCKETS];
    size_t nbounds;
    unsigned sessions_open, config_generation;
    uint64_t uptime_seconds;
    unsigned associations_open, handshakes_open;
    uint64_t handshakes_completed, handshakes_failed, key_updates;
    uint64_t messages_sealed, messages_opened, messages_rejected;
    uint64_t secure_heap_used; /* bytes */
};
int kwc_metrics(kwc *c, struct kwc_metrics *m);

/* Sends an already encoded request to method ("/keyward.v1.Keyward/Sign")
 * and returns the encoded response (malloc'd). For clients that bring their
 * own protobuf code, and for tests. */
int kwc_call_raw(kwc *c, const char *method, const uint8_t *req, size_t reqlen,
                 uint8_t **resp, size_t *resplen);

#ifdef __cplusplus
}
#endif
#endif
