/* SPDX-License-Identifier: Apache-2.0 */
/* oscore.h: OSCORE security context derivation, nonce and AAD (RFC 8613),
 * internal. */
#ifndef KEYWARD_EDHOC_OSCORE_H
#define KEYWARD_EDHOC_OSCORE_H

#include "edhoc_local.h"

#define OSCORE_PIV_MAX 5               /* Partial IV bytes (RFC 8613 6.1) */
#define OSCORE_SEQ_MAX 0xffffffffffULL /* 2^40 - 1 */

struct oscore_keys {
    uint8_t sender_key[EDHOC_MAX_KEY];
    uint8_t recipient_key[EDHOC_MAX_KEY];
    uint8_t common_iv[EDHOC_MAX_NONCE];
};

/* RFC 8613 section 3.2.1: Sender Key, Recipient Key and Common IV from
 * the Master Secret and Master Salt. id_ctx NULL means no ID Context
 * (nil in the info); IDs are at most nonce length - 6 bytes. */
int oscore_derive(const kw_edhoc_ctx *ctx, const struct edhoc_aead *a,
                  const uint8_t *secret, size_t secret_len, const uint8_t *salt,
                  size_t salt_len, const uint8_t *id_ctx, size_t id_ctx_len,
                  const uint8_t *sid, size_t sid_len, const uint8_t *rid,
                  size_t rid_len, struct oscore_keys *k);
/* RFC 8613 section 5.2: nonce from the Common IV, ID_PIV and Partial IV. */
void oscore_nonce(const struct edhoc_aead *a, const uint8_t *common_iv,
                  const uint8_t *id_piv, size_t id_piv_len, uint64_t seq,
                  uint8_t *nonce);
/* RFC 8613 section 5.4: the AEAD additional data, i.e. the Enc_structure
 * [ "Encrypt0", h'', bstr(aad_array) ] with aad_array = [ 1, [ alg ],
 * request_kid, request_piv, h'' ]. */
int oscore_aad(kw_cbor_enc *e, int alg, const uint8_t *kid, size_t kid_len,
               const uint8_t *piv, size_t piv_len);
/* Partial IV: the sequence number in big-endian without leading zeros
 * (one 0x00 byte for 0); returns its length. */
size_t oscore_piv(uint64_t seq, uint8_t piv[OSCORE_PIV_MAX]);

#endif
