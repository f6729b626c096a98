/* SPDX-License-Identifier: Apache-2.0 */
/* pmsg.h: protected messages after EDHOC: OSCORE-keyed COSE_Encrypt0 with
 * replay window, limits, key update. */
#ifndef KEYWARD_PMSG_H
#define KEYWARD_PMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edhoc.h"

/*
 * The profile is specified in docs/PROTECTED-MESSAGES.md. In short:
 *   - keys: OSCORE security context (RFC 8613 section 3.2) from the EDHOC
 *     exporter (RFC 9528 appendix A.1), Sender/Recipient ID = C_R/C_I;
 *   - container: untagged COSE_Encrypt0 [ h'', { 4: kid, 6: Partial IV,
 *     ? 10: kid context }, ciphertext ], nonce and AAD as OSCORE requests
 *     (RFC 8613 sections 5.2 and 5.4);
 *   - key update: epoch n >= 1 uses PRK_out_n = EDHOC_KDF(PRK_out_{n-1},
 *     11, epoch(n), hash_length) (RFC 9528 appendix H) and carries
 *     epoch(n) as the kid context (= OSCORE ID Context), so a receiver
 *     follows an update from the first message of the new epoch;
 *   - replay window of 64 entries per recipient key (RFC 8613 section 7.4);
 *   - usage limits per key and direction (encryptions, failed decryptions).
 *
 * A kw_pmsg is used by one thread at a time. Every secret is wiped on
 * kw_pmsg_free and as soon as an epoch is superseded.
 */

typedef struct kw_pmsg kw_pmsg;

enum {
    KW_PMSG_OK = 0,
    KW_PMSG_E_PARAM = -1, /* invalid argument */
    KW_PMSG_E_NOMEM = -2,
    KW_PMSG_E_CRYPTO = -3, /* a local crypto operation failed */
    KW_PMSG_E_DECODE = -4, /* not a well-formed container of this profile */
    KW_PMSG_E_KID = -5,    /* kid is not this association's Recipient ID */
    KW_PMSG_E_EPOCH = -6,  /* kid context names an epoch no longer (or
                              not yet) accepted */
    KW_PMSG_E_REPLAY = -7, /* sequence number already received */
    KW_PMSG_E_WINDOW = -8, /* sequence number older than the window */
    KW_PMSG_E_AUTH = -9,   /* decryption failed (counted) */
    KW_PMSG_E_SEAL_LIMIT = -10, /* sender key used q times: key update
                                   needed before sealing again */
    KW_PMSG_E_FAIL_LIMIT = -11, /* v failed decryptions: the association
                                   is closed, run a new EDHOC handshake */
    KW_PMSG_E_TOO_LONG = -12,   /* plaintext over the AEAD's length limit */
    KW_PMSG_E_BUFFER = -13,     /* output buffer too small (*out_len says
                                   how much is needed) */
};

/* Flags returned next to a success. */
#define KW_PMSG_F_REKEY_SOON                                                   \
    0x1 /* sender key past 0.9 q: call                                         \
           kw_pmsg_key_update() */
#define KW_PMSG_F_EPOCH_ADVANCED                                               \
    0x2 /* open: the peer's key update was                                     \
           followed (own sender key too) */
#define KW_PMSG_F_HANDSHAKE_SOON                                               \
    0x4 /* failed decryptions past 0.9 v:                                      \
           plan a new EDHOC handshake */

const char *kw_pmsg_status_str(int status);

/* Usage limits per key and direction; 0 in a field takes the default for
 * the application AEAD (docs/PROTECTED-MESSAGES.md, "Limits"), and so does
 * a value above it: limits can be lowered, never raised. */
typedef struct kw_pmsg_limits {
    uint64_t max_seal;        /* q: encryptions per sender key */
    uint64_t max_fail;        /* v: failed decryptions per recipient key */
    size_t max_plaintext;     /* bytes per message */
    uint32_t max_epoch_ahead; /* epochs a receiver follows at once (8) */
} kw_pmsg_limits;

/* Largest container overhead (header fields and tag) in bytes. */
#define KW_PMSG_MAX_OVERHEAD 48

/* From a complete EDHOC session: copies its PRK_out (epoch 0), the
 * suite's application AEAD, the connection identifiers and the role. The
 * session may be freed afterwards. limits may be NULL. NULL on error
 * (incomplete session, identifiers longer than nonce length - 6). */
kw_pmsg *kw_pmsg_new_from_edhoc(const kw_edhoc *s,
                                const kw_pmsg_limits *limits);
/* The same from raw inputs (role KW_EDHOC_INITIATOR/RESPONDER). */
kw_pmsg *kw_pmsg_new(kw_edhoc_ctx *ctx, int role, int suite,
                     const uint8_t prk_out[32], const uint8_t *c_i,
                     size_t c_i_len, const uint8_t *c_r, size_t c_r_len,
                     const kw_pmsg_limits *limits);
void kw_pmsg_free(kw_pmsg *p);

/* Seals pt into out (capacity *out_len on entry; length on return, or the
 * size needed with KW_PMSG_E_BUFFER). *flags may get KW_PMSG_F_*. */
int kw_pmsg_seal(kw_pmsg *p, const uint8_t *pt, size_t pt_len, uint8_t *out,
                 size_t *out_len, unsigned *flags);
/* Opens msg into out (capacity *out_len; plaintext length on return).
 * Refused messages change no state except the failure counter (for
 * KW_PMSG_E_AUTH). */
int kw_pmsg_open(kw_pmsg *p, const uint8_t *msg, size_t msg_len, uint8_t *out,
                 size_t *out_len, unsigned *flags);
/* Starts the next epoch for sending (EDHOC_KeyUpdate with context
 * epoch(n)); the previous epoch's recipient key is kept so that messages
 * the peer sent before it noticed still open. */
int kw_pmsg_key_update(kw_pmsg *p);

/* The kid (the sender's Sender ID = our Recipient ID) of a container,
 * borrowed from msg, to find the association it belongs to. */
int kw_pmsg_peek_kid(const uint8_t *msg, size_t msg_len, const uint8_t **kid,
                     size_t *kid_len);

/* The OSCORE Security Context inputs (RFC 8613 section 3.2) of the current
 * epoch, for an application that runs its own OSCORE stack: Master Secret
 * and Master Salt from PRK_out_n as in RFC 9528 appendix A.1, ID Context
 * epoch(n) (empty in epoch 0), Sender and Recipient ID. The caller wipes
 * it (OPENSSL_cleanse) after use. Whoever holds these keys must not seal
 * with this kw_pmsg any more: two senders would reuse nonces. */
typedef struct kw_pmsg_oscore {
    uint8_t master_secret[32];
    size_t master_secret_len; /* the application AEAD's key length */
    uint8_t master_salt[8];
    size_t master_salt_len;
    uint8_t id_context[4];
    size_t id_context_len;
    uint8_t sender_id[KW_EDHOC_MAX_CID], recipient_id[KW_EDHOC_MAX_CID];
    size_t sender_id_len, recipient_id_len;
    int aead_alg; /* COSE algorithm of the application AEAD */
} kw_pmsg_oscore;
int kw_pmsg_oscore_export(const kw_pmsg *p, kw_pmsg_oscore *out);

typedef struct kw_pmsg_stats {
    uint32_t epoch;              /* current epoch (0 after the handshake) */
    uint64_t sealed;             /* encryptions with the current sender key */
    uint64_t failed;             /* failed decryptions, current recipient key */
    uint64_t opened;             /* messages opened, all epochs */
    uint64_t rejected;           /* messages refused, all reasons */
    uint64_t max_seal, max_fail; /* the limits in force */
    bool closed;                 /* the failure limit was reached */
} kw_pmsg_stats;
int kw_pmsg_get_stats(const kw_pmsg *p, kw_pmsg_stats *st);

#endif
