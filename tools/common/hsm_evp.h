/* SPDX-License-Identifier: Apache-2.0 */
/* hsm_evp.h: OpenSSL views of hsm/ objects, for tools and tests. */
#ifndef KEYWARD_HSM_EVP_H
#define KEYWARD_HSM_EVP_H

#include <openssl/evp.h>

#include "hsm.h"

/* The public half of k as an OpenSSL key of the default provider, or NULL. */
EVP_PKEY *kw_hsm_evp_pubkey(hsm_key *k);
/* raw r||s (as CKM_ECDSA gives it) to a DER ECDSA-Sig-Value (OPENSSL_free). */
uint8_t *kw_ecdsa_raw_to_der(const uint8_t *raw, size_t rawlen, size_t *derlen);
/* "P-256" for a DER curve OID, or NULL. */
const char *kw_ec_group_name(const uint8_t *der, size_t len);

#endif
