/* SPDX-License-Identifier: Apache-2.0 */
/* svc.h: the whole internal surface of keywardd (everything but the gRPC file
 * sees only this). */
#ifndef KEYWARD_SVC_H
#define KEYWARD_SVC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Status codes: numerically the gRPC status codes (the gRPC file passes them
 * through unchanged, so no other file needs grpc headers). */
enum svc_status {
    SVC_OK = 0,
    SVC_CANCELLED = 1,
    SVC_UNKNOWN = 2,
    SVC_INVALID_ARGUMENT = 3,
    SVC_DEADLINE_EXCEEDED = 4,
    SVC_NOT_FOUND = 5,
    SVC_ALREADY_EXISTS = 6,
    SVC_PERMISSION_DENIED = 7,
    SVC_RESOURCE_EXHAUSTED = 8,
    SVC_FAILED_PRECONDITION = 9,
    SVC_ABORTED = 10,
    SVC_OUT_OF_RANGE = 11,
    SVC_UNIMPLEMENTED = 12,
    SVC_INTERNAL = 13,
    SVC_UNAVAILABLE = 14,
    SVC_DATA_LOSS = 15,
    SVC_UNAUTHENTICATED = 16,
};

#define SVC_VERSION     "0.1.0"
#define SVC_API_VERSION 1
#define SVC_MAX_GROUPS  32

/* Who is calling, as the kernel reported it for the connection. */
struct svc_caller {
    uid_t uid;
    gid_t gid;
    pid_t pid;
    int ngroups; /* supplementary groups (SO_PEERGROUPS), may be 0 */
    gid_t groups[SVC_MAX_GROUPS];
};

/* ---- config.c: the configuration file (libconfig) ---------------------- */

/* Operations a policy rule grants on a key (bit mask; names in config). */
enum svc_op {
    SVC_OP_SIGN = 1u << 0,
    SVC_OP_VERIFY = 1u << 1,
    SVC_OP_DECAPSULATE = 1u << 2,
    SVC_OP_ECDH = 1u << 3,
    SVC_OP_EXPORT = 1u << 4,
    SVC_OP_PUBLIC = 1u << 5,
    SVC_OP_INITIATE = 1u << 6, /* identities: StartAssociation */
    SVC_OP_RESPOND = 1u << 7,  /* identities: AcceptAssociation */
    /* SVC_OP_EXPORT on an identity: ExportOscore */
};
#define SVC_OP_ALL 0xffu

struct svc_token {
    char *name, *uri, *provider;
    const char **caps; /* capability names (static strings) */
    size_t ncaps;
};

struct svc_key {
    char *name, *uri, *token; /* token: configured token name or NULL */
    EVP_PKEY *pkey;           /* private key (or public only: verify) */
    bool has_private;
    uint8_t *spki; /* DER SubjectPublicKeyInfo */
    size_t spki_len;
    uint8_t **certs; /* DER certificates, leaf first */
    size_t *cert_lens, ncerts;
};

struct svc_idset {
    uid_t *uids;
    size_t nuids;
    gid_t *gids;
    size_t ngids;
};

/* A peer credential known by configuration: a CCS (found by its kid) or a
 * certificate (found by x5t). */
struct svc_peer_cred {
    uint8_t *ccs; /* CBOR, or NULL */
    size_t ccs_len;
    const uint8_t *kid; /* borrowed from ccs */
    size_t kid_len;
    uint8_t *cert; /* DER, or NULL */
    size_t cert_len;
};

#define SVC_MAX_SUITES 8
#define SVC_MAX_EAD    8

/* A local EDHOC identity (config_ident.c): a key, the credential peers
 * see, and whom it may associate with. */
struct svc_identity {
    char *name;
    size_t key;              /* index into svc_config.keys */
    uint8_t *cred, *id_cred; /* CRED_x and ID_CRED_x (CBOR) */
    size_t cred_len, id_cred_len;
    X509_STORE *trust; /* trust anchors; NULL: no certificate is trusted */
    struct svc_peer_cred *known;
    size_t nknown;
    char **peers; /* allowed peers: "CN=..." globs, "kid:2b" */
    size_t npeers;
    unsigned methods; /* bit (1u << m) per EDHOC method allowed */
    int method;       /* the initiator's default */
    int suites[SVC_MAX_SUITES];
    size_t nsuites;
    int64_t critical_ead[SVC_MAX_EAD]; /* critical EAD labels passed on */
    size_t ncritical_ead;
    bool message_4;
};

struct svc_rule {
    struct svc_idset who;
    size_t *keys; /* indexes into svc_config.keys */
    size_t nkeys;
    size_t *idents; /* indexes into svc_config.identities */
    size_t nidents;
    unsigned ops; /* enum svc_op mask */
};

struct svc_limits {
    unsigned max_sessions, max_sessions_per_uid;
    unsigned lifetime_s;     /* per key epoch: past it, rekey required */
    unsigned idle_timeout_s; /* unused this long: wiped and forgotten */
    uint64_t max_seals;      /* per epoch and direction */
    uint64_t max_open_failures;
    size_t max_message; /* plaintext bytes per Seal */
};

/* Associations (EDHOC): counts, times (seconds) and AEAD limits. */
struct svc_assoc_limits {
    unsigned max, max_per_uid, max_handshakes;
    unsigned handshake_timeout_s;    /* a handshake not finished is wiped */
    unsigned idle_timeout_s;         /* an association unused this long too */
    unsigned rekey_interval_s;       /* a sender key this old is updated */
    unsigned rehandshake_interval_s; /* then a new handshake is advised */
    unsigned max_age_s;              /* and past this, required */
    uint64_t max_seals;              /* q per sender key; 0: the AEAD's */
    uint64_t max_open_failures;      /* v per recipient key; 0: the AEAD's */
};

enum svc_audit_mode { SVC_AUDIT_STDERR, SVC_AUDIT_JOURNAL, SVC_AUDIT_NONE };

struct svc_config {
    atomic_int refs;
    unsigned generation;
    /* The private library context holding the configured providers:
     * created by the first configuration, kept by every reload (owned by
     * svc_state once the service runs). */
    OSSL_LIB_CTX *libctx;
    bool owns_libctx;
    OSSL_PROVIDER *fallback; /* "default", when no provider is configured */
    char *providers_text;    /* what started the providers */
    struct svc_token *tokens;
    size_t ntokens;
    struct svc_key *keys; /* sorted by name */
    size_t nkeys;
    struct svc_identity *identities; /* sorted by name */
    size_t nidentities;
    struct svc_rule *rules;
    size_t nrules;
    struct svc_idset metrics_acl;
    struct svc_limits limits;
    struct svc_assoc_limits assoc_limits;
    enum svc_audit_mode audit;
    /* Read at start only (a reload that changes them logs a notice). */
    char *socket_path, *socket_group;
    unsigned socket_mode;
    unsigned workers;
    unsigned drain_timeout_s;
};

/* Parses and loads a configuration: starts its providers (in a new library
 * context, or uses running on a reload) and loads every key through
 * OSSL_STORE. On failure returns NULL and writes a message a person can
 * act on into err. The result holds one reference. */
struct svc_config *svc_config_load(const char *path, OSSL_LIB_CTX *running,
                                   char *err, size_t errlen);
void svc_config_up_ref(struct svc_config *cfg);
/* Drops one reference; frees on the last. Accepts NULL. */
void svc_config_free(struct svc_config *cfg);
/* Borrowed pointer to the key called name, or NULL. */
const struct svc_key *svc_config_key(const struct svc_config *cfg,
                                     const char *name);

/* Borrowed pointer to the identity called name, or NULL. */
const struct svc_identity *svc_config_identity(const struct svc_config *cfg,
                                               const char *name);

/* ---- policy.c ---------------------------------------------------------- */

/* The operations (enum svc_op mask) the caller may perform on a key. */
unsigned svc_policy_ops(const struct svc_config *cfg,
                        const struct svc_caller *who,
                        const struct svc_key *key);
/* The operations (SVC_OP_INITIATE, _RESPOND, _EXPORT) the caller may
 * perform with an identity. */
unsigned svc_policy_identity_ops(const struct svc_config *cfg,
                                 const struct svc_caller *who,
                                 const struct svc_identity *id);
/* Whether the identity's peer policy admits a peer: its certificate
 * subject or CCS 'sub' (may be NULL) and kid (may be empty). */
bool svc_policy_peer_allowed(const struct svc_identity *id, const char *subject,
                             const uint8_t *kid, size_t kid_len);
bool svc_policy_idset_match(const struct svc_idset *set,
                            const struct svc_caller *who);
/* Parses an operation name ("sign"); returns 0 when unknown. */
unsigned svc_op_from_name(const char *name);

/* ---- metrics.c --------------------------------------------------------- */

#define SVC_METRIC_BUCKETS 13
extern const uint64_t svc_metric_bounds_us[SVC_METRIC_BUCKETS - 1];

struct svc_metric {
    atomic_uint_fast64_t calls, errors;
    atomic_uint_fast64_t buckets[SVC_METRIC_BUCKETS];
};
void svc_metric_record(struct svc_metric *m, int status, uint64_t usec);

/* ---- session.c: session keys on handles -------------------------------- */

#define SVC_HANDLE_LEN 16
#define SVC_PRK_LEN    32 /* HKDF-SHA256 */

enum svc_aead { SVC_AEAD_AES_256_GCM = 1, SVC_AEAD_AES_128_GCM = 2 };
enum svc_role { SVC_ROLE_INITIATOR = 1, SVC_ROLE_RESPONDER = 2 };

struct svc_sessions;

/* Software crypto of session keys (HKDF, AES-GCM) from one library context. */
struct svc_sessions *svc_sessions_new(OSSL_LIB_CTX *libctx);
/* Wipes and frees every session. Accepts NULL. */
void svc_sessions_free(struct svc_sessions *s);
/* Wipes sessions idle longer than their idle timeout. */
void svc_sessions_sweep(struct svc_sessions *s);
unsigned svc_sessions_count(struct svc_sessions *s);

/* Creates a session from a shared secret (the caller wipes its copy). */
int svc_session_create(struct svc_sessions *s, const struct svc_limits *lim,
                       uid_t owner, const char *origin_key,
                       const uint8_t *secret, size_t secret_len,
                       enum svc_aead aead, enum svc_role role,
                       uint8_t handle[static SVC_HANDLE_LEN], char *msg,
                       size_t msglen);

struct svc_seal_out {
    uint64_t sequence;
    uint32_t epoch;
    bool rekey_advised;
};
/* out must have room for ptlen + 16 bytes. */
int svc_session_seal(struct svc_sessions *s, uid_t owner, const uint8_t *handle,
                     size_t handle_len, const uint8_t *pt, size_t ptlen,
                     const uint8_t *aad, size_t aadlen, uint8_t *out,
                     struct svc_seal_out *info, char *msg, size_t msglen);
/* out must have room for ctlen - 16 bytes. */
int svc_session_open(struct svc_sessions *s, uid_t owner, const uint8_t *handle,
                     size_t handle_len, uint64_t seq, const uint8_t *ct,
                     size_t ctlen, const uint8_t *aad, size_t aadlen,
                     uint8_t *out, bool *rekey_advised, char *msg,
                     size_t msglen);
int svc_session_derive(struct svc_sessions *s, const struct svc_limits *lim,
                       uid_t owner, const uint8_t *handle, size_t handle_len,
                       const char *label, enum svc_aead aead,
                       uint8_t child[static SVC_HANDLE_LEN], char *msg,
                       size_t msglen);
int svc_session_rekey(struct svc_sessions *s, uid_t owner,
                      const uint8_t *handle, size_t handle_len, uint32_t *epoch,
                      char *msg, size_t msglen);
/* Copies the session's origin key name (to check export policy). */
int svc_session_origin(struct svc_sessions *s, uid_t owner,
                       const uint8_t *handle, size_t handle_len, char *origin,
                       size_t originlen, char *msg, size_t msglen);
int svc_session_export(struct svc_sessions *s, uid_t owner,
                       const uint8_t *handle, size_t handle_len,
                       const char *label, uint8_t *out, size_t outlen,
                       char *msg, size_t msglen);
int svc_session_close(struct svc_sessions *s, uid_t owner,
                      const uint8_t *handle, size_t handle_len, char *msg,
                      size_t msglen);

/* ---- session_kdf.c: HKDF and AES-GCM for session keys ------------------ */

int svc_kdf_extract(OSSL_LIB_CTX *libctx, const uint8_t *secret, size_t len,
                    uint8_t prk[static SVC_PRK_LEN]);
int svc_kdf_expand(OSSL_LIB_CTX *libctx, const uint8_t prk[static SVC_PRK_LEN],
                   const char *label, const char *suffix, uint8_t *out,
                   size_t outlen);

/* ---- assoc.c: associations (EDHOC handshakes, protected messages) ------ */

struct svc_assocs;

/* The association table; EDHOC's software operations use libctx. */
struct svc_assocs *svc_assocs_new(OSSL_LIB_CTX *libctx);
/* Wipes and frees every association. Accepts NULL. */
void svc_assocs_free(struct svc_assocs *t);
/* Wipes handshakes past handshake_timeout and associations idle past
 * idle_timeout or older than max_age. */
void svc_assocs_sweep(struct svc_assocs *t);

struct svc_assoc_counts {
    unsigned established, handshakes;
    uint64_t completed, failed, key_updates, sealed, opened, rejected;
};
void svc_assocs_counts(struct svc_assocs *t, struct svc_assoc_counts *c);

/* ---- state.c: the running service -------------------------------------- */

struct svc_state {
    pthread_mutex_t lock; /* guards cfg pointer swaps */
    struct svc_config *cfg;
    OSSL_LIB_CTX *crypto_ctx; /* default provider: HKDF, AES-GCM, DRBG */
    OSSL_PROVIDER *crypto_prov;
    OSSL_LIB_CTX *libctx; /* the configurations' (see svc_config) */
    OSSL_PROVIDER *libctx_fallback;
    struct svc_sessions *sessions;
    struct svc_assocs *assocs;
    struct svc_metric *metrics; /* one per method, svc_nmethods */
    uint64_t started;           /* CLOCK_MONOTONIC seconds */
};

/* Takes cfg's reference and its library context. */
int svc_state_init(struct svc_state *st, struct svc_config *cfg);
void svc_state_cleanup(struct svc_state *st);
/* The configuration in force, with a reference for the caller. */
struct svc_config *svc_state_config_get1(struct svc_state *st);
/* Installs cfg (takes its reference) and drops the old one. */
void svc_state_config_set(struct svc_state *st, struct svc_config *cfg);

/* ---- dispatch.c: decoding, policy, handlers, encoding ------------------ */

struct svc_call {
    struct svc_state *st;
    struct svc_config *cfg; /* held for the whole call */
    const struct svc_caller *who;
    char key[64];  /* for the audit line, may be empty */
    char msg[256]; /* status message for errors */
};

typedef int (*svc_handler_fn)(struct svc_call *c, const void *req, void *resp);

struct svc_method {
    const char *name;                     /* "Sign" */
    const char *path;                     /* "/keyward.v1.Keyward/Sign" */
    const void *req_fields, *resp_fields; /* pb_msgdesc_t */
    size_t req_size, resp_size;
    svc_handler_fn fn;
};
extern const struct svc_method svc_methods[];
extern const size_t svc_nmethods;

/* Decodes one request for method index m, runs it for who, encodes the
 * response into *out (malloc'd, wiped by svc_dispatch_free). Returns the
 * status; msg receives the message for a status other than OK. */
int svc_dispatch(struct svc_state *st, size_t m, const struct svc_caller *who,
                 const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen,
                 char *msg, size_t msglen);
void svc_dispatch_free(uint8_t *out, size_t outlen);

/* Sets c->msg and returns status (handlers: return svc_fail(c, ...)). */
int svc_fail(struct svc_call *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* svc_fail with OpenSSL's last error reason appended (clears the queue). */
int svc_fail_ossl(struct svc_call *c, int status, const char *what);
/* Decodes a DER SubjectPublicKeyInfo in the configuration's library context. */
EVP_PKEY *svc_pubkey_from_spki(struct svc_call *c, const uint8_t *der,
                               size_t len);
/* Maps the API's Aead and Role enums (0 picks the default given). */
int svc_aead_from_pb(struct svc_call *c, int pb, enum svc_aead *out);
int svc_role_from_pb(struct svc_call *c, int pb, enum svc_role dflt,
                     enum svc_role *out);
/* Looks a key up for an operation: NOT_FOUND when the key does not exist
 * or the caller may do nothing with it, PERMISSION_DENIED when the caller
 * may use it but not for op. */
int svc_key_for(struct svc_call *c, const char *name, unsigned op,
                const struct svc_key **key);

/* Handlers (op_*.c): req and resp are the nanopb structs of the method. */
int svc_op_get_version(struct svc_call *c, const void *req, void *resp);
int svc_op_list_tokens(struct svc_call *c, const void *req, void *resp);
int svc_op_list_keys(struct svc_call *c, const void *req, void *resp);
int svc_op_get_public_key(struct svc_call *c, const void *req, void *resp);
int svc_op_get_random(struct svc_call *c, const void *req, void *resp);
int svc_op_get_metrics(struct svc_call *c, const void *req, void *resp);
int svc_op_sign(struct svc_call *c, const void *req, void *resp);
int svc_op_sign_batch(struct svc_call *c, const void *req, void *resp);
int svc_op_verify(struct svc_call *c, const void *req, void *resp);
int svc_op_encapsulate(struct svc_call *c, const void *req, void *resp);
int svc_op_decapsulate(struct svc_call *c, const void *req, void *resp);
int svc_op_ecdh(struct svc_call *c, const void *req, void *resp);
int svc_op_seal(struct svc_call *c, const void *req, void *resp);
int svc_op_open(struct svc_call *c, const void *req, void *resp);
int svc_op_derive_session(struct svc_call *c, const void *req, void *resp);
int svc_op_rekey(struct svc_call *c, const void *req, void *resp);
int svc_op_export_session(struct svc_call *c, const void *req, void *resp);
int svc_op_close_session(struct svc_call *c, const void *req, void *resp);
int svc_op_start_association(struct svc_call *c, const void *req, void *resp);
int svc_op_accept_association(struct svc_call *c, const void *req, void *resp);
int svc_op_continue_association(struct svc_call *c, const void *req,
                                void *resp);
int svc_op_seal_message(struct svc_call *c, const void *req, void *resp);
int svc_op_open_message(struct svc_call *c, const void *req, void *resp);
int svc_op_update_keys(struct svc_call *c, const void *req, void *resp);
int svc_op_export_oscore(struct svc_call *c, const void *req, void *resp);
int svc_op_get_association(struct svc_call *c, const void *req, void *resp);
int svc_op_close_association(struct svc_call *c, const void *req, void *resp);

/* ---- audit.c ----------------------------------------------------------- */

void svc_audit(enum svc_audit_mode mode, const struct svc_caller *who,
               const char *op, const char *key, int status, uint64_t usec);
/* Service log line (not audit): to stderr, or the journal's stderr. */
void svc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *svc_status_name(int status);

/* ---- peers.c: identity of connections, by fd --------------------------- */

int svc_peers_init(void);
void svc_peers_cleanup(void);
/* Records the peer credentials of a freshly accepted connection. */
int svc_peers_add(int fd);
/* Looks up the caller behind a "fd:N" peer string; false if unknown or
 * the fd no longer names the same socket. */
bool svc_peers_lookup(const char *peer, struct svc_caller *who);

/* ---- listener.c: the unix socket ---------------------------------------- */

struct svc_listener;
typedef void (*svc_adopt_fn)(void *arg, int fd);
/* Takes a systemd-activated socket when there is one, else creates
 * path with mode and group. Starts the accept thread. */
int svc_listener_start(const struct svc_config *cfg, svc_adopt_fn adopt,
                       void *arg, struct svc_listener **out);
/* What the listener listens on, for log lines. */
const char *svc_listener_name(const struct svc_listener *l);
/* Stops accepting, joins the thread, closes and unlinks the socket. */
void svc_listener_stop(struct svc_listener *l);

/* ---- rpc_grpc.c: the only file that includes gRPC headers -------------- */

struct svc_rpc;
int svc_rpc_global_init(void);
void svc_rpc_global_shutdown(void);
int svc_rpc_start(struct svc_state *st, unsigned workers, struct svc_rpc **out);
/* Hands an accepted, non-blocking connection to gRPC. */
void svc_rpc_adopt(void *rpc, int fd);
/* Drains calls in flight (grace_s), cancels the rest, stops the workers. */
int svc_rpc_stop(struct svc_rpc *r, unsigned grace_s);

uint64_t svc_now_us(void);

#endif
