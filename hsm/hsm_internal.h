/* SPDX-License-Identifier: Apache-2.0 */
/* hsm_internal.h: structures shared by the files of hsm/, nowhere else. */
#ifndef KEYWARD_HSM_INTERNAL_H
#define KEYWARD_HSM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "hsm.h"

/* PKCS#11 3.0 pieces that p11-kit 0.24's 2.40 header does not have. */
typedef struct {
    CK_UTF8CHAR *name;
    void *function_list;
    CK_FLAGS flags;
} hsm_ck_interface;
typedef CK_RV (*hsm_ck_get_interface_fn)(CK_UTF8CHAR *name, CK_VERSION *ver,
                                         hsm_ck_interface **iface,
                                         CK_FLAGS flags);
/* A 3.0 function list starts with the 2.40 one. */
struct hsm_ck_function_list_3_0 {
    CK_FUNCTION_LIST v2;
    void *C_GetInterfaceList;
    void *C_GetInterface;
    void *C_LoginUser;
    CK_RV (*C_SessionCancel)(CK_SESSION_HANDLE session, CK_FLAGS flags);
};
#define HSM_CKF_SESSION_CANCEL_ALL 0x3ff0UL /* every operation flag */

struct hsm_module {
    atomic_int refs;
    char *path;
    char *init_args;
    void *dl;
    CK_FUNCTION_LIST *fl;
    CK_RV (*session_cancel)(CK_SESSION_HANDLE session, CK_FLAGS flags);
    unsigned version;       /* major * 100 + minor */
    bool finalize_at_free;  /* we initialised it, so we finalize it */
    /* tpm2-pkcs11 1.9.0 crashes (SEGV in tpm_sign) when one process signs
     * on several sessions at once: such modules get one pooled session per
     * token, re-entrant for the thread holding it, and anchor operations
     * take it too, so every call is serialised. A TPM runs one command at
     * a time anyway. */
    bool serial;
    /* tpm2-pkcs11 picks the TPM hash from the length of a CKM_ECDSA input,
     * so only 20, 32, 48 and 64 bytes work (a SHA-224 digest fails). */
    bool ecdsa_digest_lengths;
    /* tpm2-pkcs11 1.9.0 lists CKM_AES_CBC_PAD with CKF_DECRYPT, but its
     * decryption fails (CKR_GENERAL_ERROR, seen on swtpm): the flag is
     * taken away when the mechanism info is read (token.c), so callers
     * refuse it from the mechanism list. */
    bool cbc_pad_decrypt_broken;
    /* tpm2-pkcs11 1.9.0 creates no AES or HMAC key through PKCS#11:
     * C_GenerateKey answers CKR_FUNCTION_NOT_SUPPORTED although the list
     * has CKM_AES_KEY_GEN, and there is no AES-KEY-WRAP to unwrap with;
     * only its own tool (tpm2_ptool addkey) makes them. */
    bool no_secret_create;
    /* tpm2-pkcs11 1.9.0 runs AES-CTR like a block mode: data in whole
     * 16-byte blocks only (C_Encrypt of 20 bytes is CKR_DATA_LEN_RANGE),
     * C_EncryptUpdate holds partial blocks back. Callers are told
     * (HSM_QUIRK_CTR_WHOLE_BLOCKS). */
    bool ctr_whole_blocks;
    /* tpm2-pkcs11 1.9.0 HMACs at most 4096 bytes per message, single- or
     * multi-part; past that C_Sign/C_SignFinal answer
     * CKR_BUFFER_TOO_SMALL whatever the room (HSM_QUIRK_HMAC_4096). */
    bool hmac_4096;
    atomic_uint fork_gen;   /* hsm_fork_gen the module state belongs to */
    pthread_mutex_t lock;   /* tokens list, re-initialisation */
    struct hsm_token *tokens;
    struct hsm_module *next;
};

enum { HSM_SLOT_EMPTY, HSM_SLOT_FREE, HSM_SLOT_BUSY };

struct hsm_session {
    hsm_token *token;
    atomic_int state;        /* HSM_SLOT_* */
    pthread_t owner;         /* serial modules: the holding thread */
    unsigned depth;          /* serial modules: nested gets by the owner */
    CK_SESSION_HANDLE h;
    unsigned gen;            /* token generation the session belongs to */
    bool op_active;          /* an operation started and not finished */
};

struct hsm_mechinfo {
    CK_MECHANISM_TYPE type;
    atomic_int state;        /* 0: not read yet, 1: read, 2: unreadable */
    CK_MECHANISM_INFO info;  /* read on first query, under t->lock */
};

struct hsm_token {
    atomic_int refs;
    hsm_module *mod;
    struct hsm_token_info info;
    CK_FLAGS ck_flags;

    /* Login and recovery: slow paths under lock. Lock order: key_mx, lock,
     * pool_mx (module.c takes them in this order around fork). */
    pthread_mutex_t key_mx;   /* key handle refresh */
    pthread_mutex_t lock;
    atomic_uint gen;          /* bumped when handles become invalid */
    atomic_bool logged_in;
    atomic_bool lost;         /* removed; find it again before use */
    atomic_bool has_pin;      /* pin below is set */
    char *pin;                /* secure heap; wiped on free */
    size_t pin_len;
    CK_SESSION_HANDLE anchor; /* holds the login and our session objects */
    bool anchor_open;
    /* Bumped (under lock) when the anchor opens and dies; atomic because
     * object.c reads it under key_mx to tell live session copies. */
    atomic_uint anchor_epoch;

    /* Session pool: lock-free get/put, mutex only to wait when full. */
    struct hsm_session *slots;
    size_t nslots;
    pthread_mutex_t pool_mx;
    pthread_cond_t pool_cv;
    atomic_int waiters;

    /* Our session copies, one per token object (under key_mx; object.c). */
    struct hsm_copy {
        CK_OBJECT_HANDLE obj, copy;
        unsigned epoch;
    } *copies;
    size_t ncopies, copies_cap;

    struct hsm_mechinfo *mechs; /* sorted by type */
    CK_MECHANISM_TYPE *mech_types;
    size_t nmechs;

    struct hsm_token *next;   /* in mod->tokens */
};

struct hsm_key {
    atomic_int refs;
    hsm_token *token;
    /* Handles change under token->key_mx; the hot path reads them after
     * seeing gen equal to the token's. */
    atomic_uint gen;           /* token generation of the handles below */
    unsigned found_gen;        /* token generation handle was found in */
    _Atomic(CK_OBJECT_HANDLE) handle; /* the object as found */
    _Atomic(CK_OBJECT_HANDLE) fast;   /* session copy, or CK_INVALID_HANDLE */
    CK_OBJECT_CLASS cls;
    CK_KEY_TYPE type;          /* CKK_* or CKC_* for certificates */
    size_t bits;
    char *label;
    uint8_t *id;
    size_t id_len;
    unsigned usage;
    bool token_object, sensitive, extractable, always_auth, copyable;
};

/* Fork generation, bumped in the child by a pthread_atfork handler. */
extern atomic_uint hsm_fork_gen;

/* True when calls into m are allowed in teardown: same process as the one
 * that initialised it, and the process is not exiting (at exit, a module's
 * own destructors may already have run: SoftHSM's C++ objects are gone
 * before OpenSSL's atexit handler frees providers). */
bool hsm_module_usable(const hsm_module *m);

typedef CK_RV (*hsm_run_fn)(hsm_session *s, CK_OBJECT_HANDLE h, void *arg);

/* rv.c */
void hsm_set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hsm_clear_detail(void);

/* uri.c */
bool hsm_uri_match_module(const hsm_uri *u, CK_INFO *info);
bool hsm_uri_match_token(const hsm_uri *u, CK_SLOT_ID slot, CK_SLOT_INFO *si,
                         CK_TOKEN_INFO *ti);
/* The object attributes (class, label, id) as a find template. */
CK_ATTRIBUTE *hsm_uri_object_attrs(const hsm_uri *u, size_t *n);
/* A pkcs11: URI for an object on a token (malloc'd). */
char *hsm_uri_format_object(const struct hsm_token_info *ti, const char *label,
                            const uint8_t *id, size_t id_len,
                            CK_OBJECT_CLASS cls);

/* module.c */
/* Re-initialises the module in a child after fork; cheap when not needed. */
CK_RV hsm_module_check_fork(hsm_module *m);
void hsm_module_lock_all(void);
void hsm_module_unlock_all(void);

/* token.c */
CK_RV hsm_token_relogin(hsm_token *t);
CK_RV hsm_token_reattach(hsm_token *t);
/* Checks the anchor session; reopens it (and logs in, and bumps the
 * generation) when the token closed it. */
void hsm_token_check_anchor(hsm_token *t);
/* Runs fn on the anchor session under t->lock: for objects that must
 * outlive pooled sessions (session keys, copies). Recovers once. */
CK_RV hsm_run_anchor(hsm_token *t, hsm_run_fn fn, CK_OBJECT_HANDLE h,
                     void *arg);
/* Marks every handle of t stale after the module was re-initialised. */
void hsm_token_reset_after_fork(hsm_token *t);
/* Copies a token-space string (blank padded, not NUL-terminated). */
void hsm_copy_padded(char *dst, size_t dstsz, const CK_UTF8CHAR *src,
                     size_t srclen);

/* Refuses a mechanism the token's list lacks, with HSM_RV_MECH_UNSUPPORTED
 * and a detail naming both; CKR_OK otherwise. */
CK_RV hsm_token_check_mech(const hsm_token *t, CK_MECHANISM_TYPE mech,
                           CK_FLAGS flags);

/* pool.c */
CK_RV hsm_pool_init(hsm_token *t, size_t max);
void hsm_pool_free(hsm_token *t);
/* Closes every idle session; busy ones are closed when put back. */
void hsm_pool_drain(hsm_token *t, bool close_sessions);
/* Closes s and empties its slot (the session is broken). */
void hsm_session_discard(hsm_session *s);

/* object.c */
CK_RV hsm_key_from_handle(hsm_token *t, hsm_session *s, CK_OBJECT_HANDLE h,
                          hsm_key **out);
/* The handle to use now: the session copy if any; refreshes stale ones. */
CK_RV hsm_key_handle(hsm_key *k, CK_OBJECT_HANDLE *h);
/* Forces the next hsm_key_handle() to find the object again. */
void hsm_key_invalidate(hsm_key *k);

/* run.c: run fn on a pooled session with the key's current handle, and
 * recover once from a lost login, a dead session or a removed token. */
CK_RV hsm_run(hsm_key *k, hsm_run_fn fn, void *arg);
/* The recovery step alone (for callers holding a session across calls).
 * Consumes s. Returns true when retrying makes sense. */
bool hsm_recover(hsm_token *t, hsm_session *s, hsm_key *k, CK_RV rv);

/* mech.c */
struct hsm_ck_mech {
    CK_MECHANISM m;
    union {
        CK_RSA_PKCS_PSS_PARAMS pss;
        CK_RSA_PKCS_OAEP_PARAMS oaep;
        CK_GCM_PARAMS gcm;
        CK_AES_CTR_PARAMS ctr;
    } u;
};
void hsm_mech_to_ck(const struct hsm_mech *in, struct hsm_ck_mech *out);

/* Attribute helpers shared by object.c and keygen.c */
#define HSM_ATTR(t, v) {(t), (void *)(v), sizeof(*(v))}

#endif
