/* SPDX-License-Identifier: Apache-2.0 */
/* edhoc_testlib.h: helpers shared by the EDHOC tests (hex arena, credential
 * callback). */
#ifndef KEYWARD_TEST_EDHOC_TESTLIB_H
#define KEYWARD_TEST_EDHOC_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "edhoc.h"

/* Bytes from hex, valid until hx_reset() (which every test calls). */
const uint8_t *hx(const char *hex, size_t *len);
void hx_reset(void);

/* What the credential callback knows: peers by kid (with a CCS) or by
 * certificate (found by x5t, or validated from an x5chain against store). */
struct tl_cred {
    const uint8_t *kid;
    size_t kid_len;
    const uint8_t *ccs;
    size_t ccs_len;
    const uint8_t *cert;
    size_t cert_len;
};

struct tl_creds {
    struct tl_cred c[8];
    size_t n;
    X509_STORE *store;        /* for x5chain; NULL: x5chain refused */
    const char *deny_subject; /* policy: refuse this peer */
    int calls;
};

/* kw_edhoc_cred_cb over a struct tl_creds. */
int tl_cred_cb(void *arg, const kw_edhoc_id_cred *id, kw_edhoc_peer_cred *out);

/* Runs a handshake between two fresh sessions (initiator first) until
 * both are complete or one fails; returns the first failing status. With
 * tamper != 0, the bytes of message number tamper are flipped in transit
 * (the last byte) before delivery. */
int tl_handshake(kw_edhoc *init, kw_edhoc *resp, int tamper);

#endif
