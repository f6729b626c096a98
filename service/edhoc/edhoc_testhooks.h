/* SPDX-License-Identifier: Apache-2.0 */
/* edhoc_testhooks.h: deterministic hooks for reproducing RFC 9529 traces (tests
 * only). */
#ifndef KEYWARD_EDHOC_TESTHOOKS_H
#define KEYWARD_EDHOC_TESTHOOKS_H

#include "edhoc.h"

/*
 * These functions exist only in the kw_edhoc_testhooks library, which the
 * tests link instead of kw_edhoc. The production library has no such
 * symbols: a production caller that tried to use them would fail to link.
 */

/* The private key bytes (32) of the NEXT ephemeral key the session makes
 * (message_1, a retried message_1, or message_2); used once. */
int kw_edhoc_test_set_ephemeral(kw_edhoc *s, const uint8_t *priv, size_t len);

#define KW_EDHOC_TEST_PRK_OUT      0
#define KW_EDHOC_TEST_PRK_EXPORTER 1
/* Copies PRK_out or PRK_exporter (32 bytes) of a complete session. */
int kw_edhoc_test_get_prk(const kw_edhoc *s, int which, uint8_t out[32]);

#endif
