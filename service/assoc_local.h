/* SPDX-License-Identifier: Apache-2.0 */
/* assoc_local.h: the association record and table, shared by assoc*.c only. */
#ifndef KEYWARD_ASSOC_LOCAL_H
#define KEYWARD_ASSOC_LOCAL_H

#include "edhoc.h"
#include "pmsg.h"
#include "svc.h"

#define ASSOC_KID_MAX 16 /* peer kid kept for the API (PeerIdentity.kid) */

enum assoc_state {
    ASSOC_HANDSHAKE,   /* EDHOC in progress */
    ASSOC_ESTABLISHED, /* protected messages */
    ASSOC_DEAD,        /* keys wiped (failed decryptions, max_age): only
                          GetAssociation and Close still work */
};

/*
 * One association. The table lock guards next, cid_next, refs and linked;
 * the record's own lock guards everything else. Lock order: a record's
 * lock, then the table's (the sweeper only try-locks records).
 */
struct assoc {
    struct assoc *next;     /* handle bucket chain */
    struct assoc *cid_next; /* connection-identifier bucket chain */
    unsigned refs;          /* the table's (while linked) + callers' */
    bool linked;
    uint8_t handle[SVC_HANDLE_LEN];
    uint8_t cid[KW_EDHOC_MAX_CID]; /* own C_I/C_R = Recipient ID */
    uint8_t cid_len;
    uid_t owner;

    pthread_mutex_t lock;
    enum assoc_state state;
    bool initiator;
    bool rehandshake; /* advised by the failed-decryption count */
    bool update_due;  /* 0.9 q sealed: update before the next seal */
    int8_t method, suite;
    uint8_t next_in; /* number of the EDHOC message expected next */
    char *ident;     /* local identity name (copy) */
    /* Held while hs exists: hs borrows the identity's key and credential. */
    struct svc_config *cfg;
    const struct svc_identity *id;
    kw_edhoc *hs; /* the handshake; an initiator keeps it until the first
                     message from the responder opens (key confirmation) */
    kw_pmsg *pm;  /* established: the protected-message keys */
    struct svc_assoc_limits lim;

    int peer_kind; /* keyward.v1.CredentialKind */
    char *peer_subject;
    uint8_t peer_kid[ASSOC_KID_MAX];
    uint8_t peer_kid_len;
    char *why; /* why a callback refused (assoc_why), during the handshake */

    uint64_t created_ms, established_ms, epoch_ms, used_ms;
    uint64_t sealed, opened, rejected, replays;
    uint32_t key_updates;
};

struct svc_assocs {
    pthread_mutex_t lock;
    kw_edhoc_ctx *edhoc;
    OSSL_LIB_CTX *libctx;
    struct assoc **by_handle, **by_cid; /* ASSOC_BUCKETS each */
    unsigned count, handshakes;
    struct assoc_uid {
        uid_t uid;
        unsigned n;
    } * uids;
    size_t nuids;
    atomic_uint_fast64_t completed, failed, key_updates, sealed, opened,
        rejected;
};

uint64_t assoc_now_ms(void);

/* A new record in state ASSOC_HANDSHAKE, linked, with a unique connection
 * identifier, returned locked with a reference for the caller; it holds a
 * reference on cfg. */
int assoc_create(struct svc_assocs *t, struct svc_config *cfg,
                 const struct svc_identity *id, uid_t owner, bool initiator,
                 struct assoc **out, char *msg, size_t msglen);
/* Draws another connection identifier for a (responder whose C_R came out
 * equal to the peer's C_I). Record locked. */
int assoc_new_cid(struct svc_assocs *t, struct assoc *a);
/* The caller's record for handle (or for own connection identifier cid),
 * locked, with a reference; NOT_FOUND otherwise. */
int assoc_get(struct svc_assocs *t, uid_t owner, const uint8_t *handle,
              size_t handle_len, struct assoc **out, char *msg, size_t msglen);
int assoc_get_by_cid(struct svc_assocs *t, uid_t owner, const uint8_t *cid,
                     size_t cid_len, struct assoc **out, char *msg,
                     size_t msglen);
/* Past max_age: keys to be wiped, a new handshake required. */
bool assoc_too_old(const struct assoc *a, uint64_t now);
/* Unlocks and drops the caller's reference (frees after an unlink). */
void assoc_put(struct svc_assocs *t, struct assoc *a);
/* Removes a locked record from the table; wiped on its last reference. */
void assoc_unlink(struct svc_assocs *t, struct assoc *a);
/* Ends the handshake part: frees hs and drops the configuration. */
void assoc_drop_handshake(struct svc_assocs *t, struct assoc *a);
/* Wipes the keys of a record that may not protect messages any more. */
void assoc_kill(struct svc_assocs *t, struct assoc *a);
/* The record moves from ASSOC_HANDSHAKE to ASSOC_ESTABLISHED (counts). */
void assoc_mark_established(struct svc_assocs *t, struct assoc *a);

/* op_assoc_hs.c: the peer of a record as the API's PeerIdentity. */
struct _keyward_v1_PeerIdentity;
void assoc_peer_fill(const struct assoc *a, struct _keyward_v1_PeerIdentity *p);

/* Records why a callback refused the peer (kept until the handshake ends). */
void assoc_why(struct assoc *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* assoc_cred.c: the EDHOC callbacks (arg: the struct assoc). */
int assoc_cred_cb(void *arg, const kw_edhoc_id_cred *idc,
                  kw_edhoc_peer_cred *out);
int assoc_ead_cb(void *arg, kw_edhoc *s, int msg,
                 const kw_edhoc_ead_item *items, size_t n);

#endif
