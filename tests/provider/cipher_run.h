/* SPDX-License-Identifier: Apache-2.0 */
/* cipher_run.h: one message through an EVP_CIPHER, either keyward's (key by
 * URI) or the default provider's (key bytes), the same way for both. */
#ifndef KEYWARD_CIPHER_RUN_H
#define KEYWARD_CIPHER_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cr_msg {
    const char *alg;    /* "KEYWARD-AES-256-GCM" or "AES-256-GCM" */
    const char *uri;    /* keyward: the key's URI */
    const uint8_t *key; /* default provider: the key bytes */
    const uint8_t *iv;
    size_t ivlen; /* GCM: set as "ivlen" when not 12 */
    const uint8_t *aad;
    size_t aadlen;
    const uint8_t *in;
    size_t inlen;
    size_t chunk; /* data per update; 0: all at once */
    bool enc;
    int padding;  /* CBC: 0 off, 1 on; -1 leave the default */
    uint8_t *tag; /* GCM: out when encrypting, in when decrypting */
    size_t taglen;
};

/* Runs m; the output goes to out (room for inlen + 16), its length to
 * *outlen. Errors stay on OpenSSL's queue. */
bool cr_run(const struct cr_msg *m, uint8_t *out, size_t *outlen);

#endif
