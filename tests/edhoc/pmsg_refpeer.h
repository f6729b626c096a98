/* SPDX-License-Identifier: Apache-2.0 */
/* pmsg_refpeer.h: a second, independent receiver of the protected-message
 * profile. */
#ifndef KEYWARD_TEST_PMSG_REFPEER_H
#define KEYWARD_TEST_PMSG_REFPEER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Written from docs/PROTECTED-MESSAGES.md with OpenSSL calls and hand-made
 * CBOR only (none of kw_edhoc's code): opens one container sealed with
 * AES-CCM-16-64-128 by the endpoint whose Sender ID is the container's
 * kid, given the handshake's PRK_out. Returns the plaintext length, or -1.
 */
int ref_open(const uint8_t prk_out0[32], const uint8_t *msg, size_t msg_len,
             uint8_t *out, size_t out_cap);

#endif
