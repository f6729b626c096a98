/* SPDX-License-Identifier: Apache-2.0 */
/* hsmtest.h: the SoftHSM fixture through hsm/, and OpenSSL cross-checks. */
#ifndef KEYWARD_HSMTEST_H
#define KEYWARD_HSMTEST_H

#include <openssl/evp.h>

#include "hsm.h"
#include "testutil.h"

struct ht {
    hsm_module *mod;
    hsm_token *tok;
};

/* Opens module_path (NULL: the fixture's module), the fixture token, and
 * logs in with the fixture PIN. */
bool ht_open(struct ht *h, const char *module_path);
void ht_close(struct ht *h);
/* The key named by fixture variable var (a URI), of class cls. */
hsm_key *ht_key(struct ht *h, const char *var, CK_OBJECT_CLASS cls);
/* The public half of k as an OpenSSL key (default provider). */
EVP_PKEY *ht_evp_pub(hsm_key *k);
/* raw r||s to a DER ECDSA-Sig-Value; returns malloc'd DER. */
uint8_t *ht_ecdsa_der(const uint8_t *raw, size_t rawlen, size_t *derlen);
/* Verifies sig over msg with pub using md ("SHA256", or NULL for EdDSA);
 * pad is RSA_PKCS1_PADDING/RSA_PKCS1_PSS_PADDING or 0. */
bool ht_evp_verify(EVP_PKEY *pub, const char *md, int pad, int saltlen,
                   const uint8_t *msg, size_t msglen, const uint8_t *sig,
                   size_t siglen);
/* The path of the fault-injection module (tests/fixtures/pkcs11_fault.c). */
const char *ht_fault_module(void);
/* A symbol of the fault module, once hsm/ has loaded it. */
void *ht_fault_sym(const char *name);

#endif
