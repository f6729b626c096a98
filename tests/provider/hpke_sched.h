/* SPDX-License-Identifier: Apache-2.0 */
/* hpke_sched.h: the HPKE key schedule (RFC 9180 section 5.1, base mode)
 * and single-shot seal/open in software, for tests that check a KEM shared
 * secret all the way to an HPKE message. */
#ifndef KEYWARD_HPKE_SCHED_H
#define KEYWARD_HPKE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The suites the tests use: DHKEM on the curve, HKDF with the KEM's hash,
 * AES-128-GCM for P-256 and AES-256-GCM otherwise ("P-256", "P-384",
 * "P-521"). */
struct hs_suite {
    const char *curve;
    uint16_t kem_id, kdf_id, aead_id;
    const char *md;
    size_t nk; /* AEAD key bytes */
};
const struct hs_suite *hs_suite(const char *curve);

/* KeySchedule in base mode: key (nk bytes) and base_nonce (12). */
bool hs_key_schedule(const struct hs_suite *s, const uint8_t *ss, size_t sslen,
                     const uint8_t *info, size_t infolen, uint8_t *key,
                     uint8_t nonce[12]);
/* The first message (sequence number 0): ct = pt || tag. */
bool hs_seal(const struct hs_suite *s, const uint8_t *key,
             const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
             const uint8_t *pt, size_t ptlen, uint8_t *ct);
bool hs_open(const struct hs_suite *s, const uint8_t *key,
             const uint8_t nonce[12], const uint8_t *aad, size_t aadlen,
             const uint8_t *ct, size_t ctlen, uint8_t *pt);

#endif
