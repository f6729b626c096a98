/* SPDX-License-Identifier: Apache-2.0 */
/* kem_run.h: one KEM operation through EVP as an application makes it
 * (DHKEM for EC keys, RSASVE for RSA keys), and EC public keys of the
 * default provider, for the KEM tests. */
#ifndef KEYWARD_KEM_RUN_H
#define KEYWARD_KEM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Encapsulates to pk (propq: the KEM's property query, or NULL); ikme,
 * when given, makes DHKEM deterministic (test vectors). */
bool kr_encap(EVP_PKEY *pk, const char *propq, const uint8_t *ikme,
              size_t ikmelen, uint8_t *enc, size_t *enclen, uint8_t *ss,
              size_t *sslen);
bool kr_decap(EVP_PKEY *pk, const uint8_t *enc, size_t enclen, uint8_t *ss,
              size_t *sslen);
/* An EC public key of the default provider from its encoded point, on the
 * named group ("prime256v1"...). NULL on failure. */
EVP_PKEY *kr_default_ec_pub(const char *group, const uint8_t *pt,
                            size_t ptlen);

#endif
