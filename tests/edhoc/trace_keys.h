/* SPDX-License-Identifier: Apache-2.0 */
/* trace_keys.h: how the RFC 9529 trace tests obtain the long-term keys. */
#ifndef KEYWARD_TEST_TRACE_KEYS_H
#define KEYWARD_TEST_TRACE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/*
 * The trace tests get every long-term (authentication) private key through
 * trace_key_load() and nothing else. trace_keys_soft.c builds software
 * EVP_PKEYs from the raw bytes; a token variant can import the same bytes
 * into SoftHSM and return the key loaded through the provider (OSSL_STORE,
 * a pkcs11: URI), linking its own trace_keys_*.c instead.
 */
enum trace_key_type {
    TRACE_KEY_ED25519, /* priv: 32-byte seed */
    TRACE_KEY_P256,    /* priv: 32-byte scalar; pub: x || y (64 bytes) */
};

/* Once before any key is loaded; 0 on success, 77 to skip the test. */
int trace_keys_init(void);
/* label names the key uniquely ("trace1-I", "trace2-R", ...). Returns a new
 * reference, or NULL. */
EVP_PKEY *trace_key_load(const char *label, enum trace_key_type type,
                         const uint8_t *priv, size_t priv_len,
                         const uint8_t *pub, size_t pub_len);
void trace_keys_cleanup(void);

#endif
