/* SPDX-License-Identifier: Apache-2.0 */
/* edhoc_local.h: definitions shared by the EDHOC library's files (not public).
 */
#ifndef KEYWARD_EDHOC_LOCAL_H
#define KEYWARD_EDHOC_LOCAL_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "cbor.h"
#include "edhoc.h"

#define EDHOC_HASH_LEN  32 /* SHA-256: every supported suite */
#define EDHOC_COORD_LEN 32 /* X25519 and P-256 x-coordinates */
#define EDHOC_SIG_LEN   64 /* Ed25519 and ES256 (r||s) */
#define EDHOC_MAX_KEY   32
#define EDHOC_MAX_NONCE 13
#define EDHOC_MAX_TAG   16

/* Placeholder bytes reserved in an output before the AEAD writes a tag. */
extern const uint8_t edhoc_zero_tag[EDHOC_MAX_TAG];

/* Wipes a fixed-size object; the size comes from the object itself. */
#define EDHOC_WIPE(x) OPENSSL_cleanse(&(x), sizeof(x))

enum edhoc_curve { EDHOC_CURVE_X25519, EDHOC_CURVE_P256 };
enum edhoc_sig { EDHOC_SIG_EDDSA, EDHOC_SIG_ES256 };
enum edhoc_cipher { EDHOC_CIPHER_CCM, EDHOC_CIPHER_GCM, EDHOC_CIPHER_CHACHA };

/* An AEAD as COSE names it (RFC 9053). */
struct edhoc_aead {
    int cose_alg;
    enum edhoc_cipher cipher;
    size_t key_len, nonce_len, tag_len;
};

/* A cipher suite (RFC 9528 section 10.2); the hash is SHA-256 in all. */
struct edhoc_suite {
    int id;
    const struct edhoc_aead *aead; /* EDHOC AEAD */
    size_t mac_len;                /* EDHOC MAC length (static DH) */
    enum edhoc_curve curve;
    enum edhoc_sig sig;
    const struct edhoc_aead *app_aead; /* application AEAD */
};

const struct edhoc_suite *edhoc_suite_find(int id);
const struct edhoc_aead *edhoc_aead_find(int cose_alg);

struct kw_edhoc_ctx {
    OSSL_LIB_CTX *libctx;
    char *propq; /* NULL or an OPENSSL_strdup'd query */
    EVP_MD *sha256;
    EVP_KDF *hkdf;
    EVP_CIPHER *cipher[3]; /* by enum edhoc_cipher; NULL if unavailable */
};

/* ---- software crypto (all through EVP, fetched from ctx) ---------------- */

int edhoc_hash(const kw_edhoc_ctx *ctx, const uint8_t *in, size_t len,
               uint8_t out[EDHOC_HASH_LEN]);
int edhoc_hkdf_extract(const kw_edhoc_ctx *ctx, const uint8_t *salt,
                       size_t salt_len, const uint8_t *ikm, size_t ikm_len,
                       uint8_t prk[EDHOC_HASH_LEN]);
int edhoc_hkdf_expand(const kw_edhoc_ctx *ctx, const uint8_t *prk,
                      size_t prk_len, const uint8_t *info, size_t info_len,
                      uint8_t *out, size_t out_len);
/* EDHOC_KDF(PRK, label, context, length) (RFC 9528 section 4.1.2). */
int edhoc_kdf(const kw_edhoc_ctx *ctx, const uint8_t prk[EDHOC_HASH_LEN],
              int64_t label, const uint8_t *context, size_t context_len,
              uint8_t *out, size_t out_len);

/* out receives pt_len + tag_len bytes. */
int edhoc_aead_seal(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                    const uint8_t *key, const uint8_t *nonce,
                    const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                    size_t pt_len, uint8_t *out);
/* out receives ct_len - tag_len bytes; KW_EDHOC_E_AUTH on a bad tag. */
int edhoc_aead_open(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                    const uint8_t *key, const uint8_t *nonce,
                    const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                    size_t ct_len, uint8_t *out);

/* Ephemeral key for curve; fixed (the test hook) selects the private key
 * bytes, otherwise it is random. pub_x is the compact public key. */
int edhoc_eph_generate(const kw_edhoc_ctx *ctx, enum edhoc_curve curve,
                       const uint8_t *fixed, size_t fixed_len, EVP_PKEY **key,
                       uint8_t pub_x[EDHOC_COORD_LEN]);
/* A validated public key from a compact (x-only) encoding. */
int edhoc_pub_from_x(const kw_edhoc_ctx *ctx, enum edhoc_curve curve,
                     const uint8_t x[EDHOC_COORD_LEN], EVP_PKEY **key);
/* ECDH; long_term selects the key's own provider (property query NULL). */
int edhoc_ecdh(const kw_edhoc_ctx *ctx, EVP_PKEY *own, bool long_term,
               EVP_PKEY *peer, uint8_t secret[EDHOC_COORD_LEN]);
/* What a key can be used for: by curve, and whether it is an EdDSA key. */
enum edhoc_key_kind {
    EDHOC_KEY_OTHER,
    EDHOC_KEY_P256,
    EDHOC_KEY_X25519,
    EDHOC_KEY_ED25519
};
enum edhoc_key_kind edhoc_key_kind(EVP_PKEY *key);
/* COSE signature over tbs with a long-term key (its own provider). */
int edhoc_sign(const kw_edhoc_ctx *ctx, enum edhoc_sig alg, EVP_PKEY *key,
               const uint8_t *tbs, size_t tbs_len, uint8_t sig[EDHOC_SIG_LEN]);
int edhoc_verify(const kw_edhoc_ctx *ctx, enum edhoc_sig alg, EVP_PKEY *pub,
                 const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                 size_t sig_len);

/* ---- sessions ----------------------------------------------------------- */

enum edhoc_state {
    EDHOC_ST_START,     /* initiator: nothing sent; responder: no message_1 */
    EDHOC_ST_WAIT_M2,   /* initiator sent message_1 */
    EDHOC_ST_WAIT_M3,   /* responder sent message_2 */
    EDHOC_ST_WAIT_M4,   /* initiator sent message_3 and expects message_4 */
    EDHOC_ST_DONE,      /* PRK_out established */
    EDHOC_ST_NEGOTIATE, /* initiator: SUITES_R received, retry possible */
    EDHOC_ST_ABORTED,
};

struct edhoc_ead_in {
    uint8_t *raw; /* the EAD sequence as received (copy) */
    size_t raw_len;
    kw_edhoc_ead_item items[KW_EDHOC_MAX_EAD]; /* padding removed */
    size_t n;
};

struct kw_edhoc {
    kw_edhoc_ctx *ctx;
    int role, method;
    enum edhoc_state state;
    unsigned methods;
    int suites[KW_EDHOC_MAX_SUITES]; /* own list */
    size_t n_suites;
    int initial_suite;
    const struct edhoc_suite *suite;   /* selected */
    int suites_r[KW_EDHOC_MAX_SUITES]; /* initiator: from error code 2 */
    size_t n_suites_r;
    kw_edhoc_local local;
    bool local_kid_only; /* own ID_CRED is { 4 : kid }: compact encoding */
    const uint8_t *local_kid;
    size_t local_kid_len;
    bool message_4;
    kw_edhoc_cred_cb cred_cb;
    void *cred_arg;
    kw_edhoc_ead_cb ead_cb;
    void *ead_arg;

    uint8_t c_i[KW_EDHOC_MAX_CID], c_r[KW_EDHOC_MAX_CID];
    size_t c_i_len, c_r_len;
    bool random_cid; /* own identifier was drawn, not configured */

    EVP_PKEY *eph;      /* own ephemeral key, freed once no longer needed */
    EVP_PKEY *peer_eph; /* G_X (responder) or G_Y (initiator) */
    uint8_t g_x[EDHOC_COORD_LEN], g_y[EDHOC_COORD_LEN];
    uint8_t h_msg1[EDHOC_HASH_LEN];
    uint8_t th[EDHOC_HASH_LEN]; /* TH_2, then TH_3, then TH_4 */
    uint8_t prk_3e2m[EDHOC_HASH_LEN], prk_4e3m[EDHOC_HASH_LEN];
    uint8_t prk_out[EDHOC_HASH_LEN], prk_exporter[EDHOC_HASH_LEN];

    uint8_t *peer_cred, *peer_id_cred;
    size_t peer_cred_len, peer_id_cred_len;
    EVP_PKEY *peer_pub;
    char *peer_identity;

    struct edhoc_ead_in ead_in[5]; /* index = message number */
    kw_cbor_enc ead_out[5];

    kw_cbor_enc out; /* the message handed to the application */
    int64_t peer_err_code;
    char *peer_err_diag;

    /* Test hook only (kw_edhoc_test_set_ephemeral): fixed private key for
     * the next ephemeral key pair. Nothing else sets it. */
    uint8_t test_eph[EDHOC_COORD_LEN];
    size_t test_eph_len;
};

bool edhoc_r_signs(int method);
bool edhoc_i_signs(int method);

/* ---- encoding helpers (encode.c) ---------------------------------------- */

/* A byte-string identifier (C_x, compact kid) in its RFC 9528 section
 * 3.3.2 representation: a one-byte CBOR int when the byte string is one,
 * else a bstr. */
int edhoc_put_bstr_id(kw_cbor_enc *e, const uint8_t *id, size_t len);
/* The reverse, refusing a bstr that should have been an int. */
int edhoc_get_bstr_id(kw_cbor_dec *d, uint8_t *id, size_t max, size_t *len);
/* Decodes an ID_CRED_x map (raw CBOR) into id; pointers borrow raw. */
int edhoc_id_cred_parse(const uint8_t *raw, size_t raw_len,
                        kw_edhoc_id_cred *id);
/* EAD: parses the rest of a decoder as EAD items into in (copying). */
int edhoc_ead_parse(kw_cbor_dec *d, struct edhoc_ead_in *in);
void edhoc_ead_in_clear(struct edhoc_ead_in *in);
/* Hands received EAD of message msg to the application. */
int edhoc_ead_deliver(kw_edhoc *s, int msg);
/* ID_CRED_x inside PLAINTEXT_2/3: compact kid or the map. */
int edhoc_put_id_cred_pt(kw_cbor_enc *e, const kw_edhoc *s);
/* Reads it back as a map (OPENSSL_malloc'd *raw), refusing a map that
 * holds only a kid (that MUST be sent compact). */
int edhoc_get_id_cred_pt(kw_cbor_dec *d, uint8_t **raw, size_t *raw_len);
/* True if raw is exactly { 4 : kid }; *kid borrows raw. */
bool edhoc_id_cred_is_kid_only(const uint8_t *raw, size_t raw_len,
                               const uint8_t **kid, size_t *kid_len);
/* Suites as int or array (RFC 9528 section 5.2.2). */
int edhoc_put_suites(kw_cbor_enc *e, const int *suites, size_t n);
int edhoc_get_suites(kw_cbor_dec *d, int *suites, size_t max, size_t *n);

/* ---- key schedule and authentication (keysched.c, auth.c) --------------- */

/* TH_2 = H(G_Y, H(message_1)) */
int edhoc_th2(kw_edhoc *s);
/* TH_3 = H(TH_2, PLAINTEXT_2, CRED_R) and TH_4 = H(TH_3, PLAINTEXT_3,
 * CRED_I): replaces s->th. */
int edhoc_th_next(kw_edhoc *s, const uint8_t *plaintext, size_t pt_len,
                  const uint8_t *cred, size_t cred_len);
/* PRK_out and PRK_exporter from PRK_4e3m and TH_4. */
int edhoc_prk_out(kw_edhoc *s);
/* PRK_exporter = EDHOC_KDF(PRK_out, 10, h'', hash_length) */
int edhoc_prk_exporter(const kw_edhoc_ctx *ctx,
                       const uint8_t prk_out[EDHOC_HASH_LEN],
                       uint8_t prk_exporter[EDHOC_HASH_LEN]);
/* K_x / IV_x for message 3 (labels 3, 4) or 4 (labels 8, 9). */
int edhoc_msg_key_iv(kw_edhoc *s, int msg, uint8_t *key, uint8_t *iv);
/* A_x = [ "Encrypt0", h'', TH_x ] */
int edhoc_enc_structure(kw_cbor_enc *e, const uint8_t th[EDHOC_HASH_LEN]);
/* Decodes message_3 or message_4 (one CIPHERTEXT_x bstr, nothing else) and
 * opens it with K_x/IV_x under A_x: *pt (OPENSSL_malloc'd, at least 1
 * byte; the caller clears and frees it) holds PLAINTEXT_x. */
int edhoc_msg_open(kw_edhoc *s, int msg, const uint8_t *in, size_t len,
                   uint8_t **pt, size_t *pt_len);

/* Signature_or_MAC_2 (msg 2) or _3 (msg 3) for the local identity. */
int edhoc_sig_or_mac_make(kw_edhoc *s, int msg, const uint8_t *ead,
                          size_t ead_len, uint8_t *out, size_t *out_len);
/* Verifies the peer's Signature_or_MAC_x with s->peer_* set. */
int edhoc_sig_or_mac_verify(kw_edhoc *s, int msg, const uint8_t *ead,
                            size_t ead_len, const uint8_t *sig, size_t sig_len);
/* Length Signature_or_MAC_x must have for message msg. */
size_t edhoc_sig_or_mac_len(const kw_edhoc *s, int msg);
/* Resolves the peer credential through the callback (id_cred raw map). */
int edhoc_peer_cred_resolve(kw_edhoc *s, const uint8_t *id_cred,
                            size_t id_cred_len);
/* PRK_3e2m (responder authenticates with static DH: SALT_3e2m, G_RX). */
int edhoc_prk_3e2m(kw_edhoc *s, const uint8_t prk_2e[EDHOC_HASH_LEN]);
/* PRK_4e3m (initiator authenticates with static DH: SALT_4e3m, G_IY). */
int edhoc_prk_4e3m(kw_edhoc *s);

/* Whether suite id is in the own list, implemented, and fits the local
 * key for the session's method and role. */
bool edhoc_suite_usable(const kw_edhoc *s, int id);

/* ---- messages ----------------------------------------------------------- */

int edhoc_msg1_build(kw_edhoc *s);
int edhoc_msg1_process(kw_edhoc *s, const uint8_t *in, size_t len);
int edhoc_msg2_build(kw_edhoc *s);
int edhoc_msg2_process(kw_edhoc *s, const uint8_t *in, size_t len);
int edhoc_msg3_build(kw_edhoc *s);
int edhoc_msg3_process(kw_edhoc *s, const uint8_t *in, size_t len);
int edhoc_msg4_build(kw_edhoc *s);
int edhoc_msg4_process(kw_edhoc *s, const uint8_t *in, size_t len);

/* Error messages (RFC 9528 section 6), built into s->out. */
int edhoc_error_build(kw_edhoc *s, int status);
int edhoc_error_build_suites(kw_edhoc *s, const int *suites, size_t n);
/* True when in starts like an error message (an int where the expected
 * message starts with a bstr). */
bool edhoc_is_error_msg(const uint8_t *in, size_t len);
/* Records the peer's error message; returns the status for step(). */
int edhoc_error_process(kw_edhoc *s, const uint8_t *in, size_t len);

/* Frees the ephemeral keys (after their last use). */
void edhoc_eph_drop(kw_edhoc *s);

#endif
