/* SPDX-License-Identifier: Apache-2.0 */
/* testcerts.h: P-256 keys and X.509 certificates made at test time. */
#ifndef KEYWARD_TEST_TESTCERTS_H
#define KEYWARD_TEST_TESTCERTS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tc_cert {
    EVP_PKEY *key; /* private key (software) */
    X509 *x509;
    uint8_t *der; /* DER encoding (OPENSSL_malloc'd) */
    size_t der_len;
};

/* A self-signed CA (issuer NULL) or a leaf signed by issuer; keytype is
 * "P-256" or "ED25519". 1 on success. */
int tc_cert_make(struct tc_cert *c, const char *cn,
                 const struct tc_cert *issuer, const char *keytype);
void tc_cert_free(struct tc_cert *c);

#endif
