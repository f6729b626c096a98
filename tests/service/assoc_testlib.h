/* SPDX-License-Identifier: Apache-2.0 */
/* assoc_testlib.h: two keywardd instances that associate with each other, and
 * the message carrying between them, for the association tests. */
#ifndef KEYWARD_ASSOC_TESTLIB_H
#define KEYWARD_ASSOC_TESTLIB_H

#include "keyward-client.h"
#include "svc_fixture.h"

struct at_pair {
    char dir[64]; /* assoc-fixture.sh output: dir/a, dir/b, dir/pki */
    struct kwt a, b;
    kwc *ca, *cb; /* clients of a and b */
};

/* Makes the fixture (associations: body of the associations group, may be
 * NULL) and starts both instances. */
bool at_start(struct at_pair *p, const char *associations);
/* Stops both (each must exit 0) and removes the directory. */
bool at_stop(struct at_pair *p);

/* Steps are large: the tests keep two of them here. */
extern struct kwc_hs_step *at_si, *at_sr;

/* Runs a handshake: initiator ci with identity idi (options o may be
 * NULL), responder cr with idr; carries every message, error messages
 * included, until nobody has anything to send. The last step of each side
 * is in at_si / at_sr. Returns false when a call (not the handshake)
 * failed. */
bool at_handshake(kwc *ci, const char *idi, const struct kwc_assoc_opts *o,
                  kwc *cr, const char *idr);
/* at_handshake that must end ESTABLISHED on both sides; copies handles. */
bool at_associate(kwc *ci, const char *idi, const struct kwc_assoc_opts *o,
                  kwc *cr, const char *idr, uint8_t hi[KWC_HANDLE_LEN],
                  uint8_t hr[KWC_HANDLE_LEN]);

/* Seals text on (from, hf), opens it on to (by handle ht, or by kid when
 * ht is NULL) and checks the plaintext; info receives the open's. */
bool at_send(kwc *from, const uint8_t *hf, kwc *to, const uint8_t *ht,
             const char *text, struct kwc_msg_info *info);

#endif
