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

#define KWC_METRIC_BUCKETS 16
struct kwc_method_metrics {
    char method[24];
    uint64_t calls, errors;
    uint64_t buckets[KWC_METRIC_BUCKETS];
    size_t nbuckets;
};
struct kwc_metrics {
    struct kwc_method_metrics methods[24];
    size_t nmethods;
    uint64_t bounds_us[KWC_METRIC_BUCKETS];
    size_t nbounds;
    unsigned sessions_open, config_generation;
    uint64_t uptime_seconds;
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
