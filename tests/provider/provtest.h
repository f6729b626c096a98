/* SPDX-License-Identifier: Apache-2.0 */
/* provtest.h: the keyward provider in-process over the SoftHSM fixture, and
 * cross-checks with OpenSSL's default provider. */
#ifndef KEYWARD_PROVTEST_H
#define KEYWARD_PROVTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/store.h>

#include "testutil.h"

/* Loads the fixture variables, points KEYWARD_PKCS11_MODULE at module_path
 * (NULL: the fixture's module) and activates default then keyward in the
 * default library context (keyward as a built-in provider). */
bool pt_init(const char *module_path);
void pt_fini(void);

/* "URI?pin-source=file:<fixture PIN file>" for a fixture variable (static
 * buffer, per call site use only). */
const char *pt_uri_pin(const char *uri_var);
/* Loads the first object of type expect (OSSL_STORE_INFO_PKEY, _PUBKEY,
 * _CERT, or 0) a URI names, through OSSL_STORE. */
EVP_PKEY *pt_load_key(const char *uri, int expect);
/* A PEM public key file read with the default provider only. */
EVP_PKEY *pt_file_pub(const char *path);
EVP_PKEY *pt_file_key(const char *path);
/* True when the key is held by the keyward provider. */
bool pt_is_keyward(const EVP_PKEY *pkey);

/* Signs msg with EVP_DigestSign (md NULL for EdDSA; pad 0 for the key's
 * default, else RSA_PKCS1_PADDING / RSA_PKCS1_PSS_PADDING with saltlen). */
bool pt_sign(EVP_PKEY *key, const char *md, int pad, int saltlen,
             const uint8_t *msg, size_t msglen, uint8_t *sig, size_t *siglen);
/* Verifies with the default provider on pub (never keyward). */
bool pt_verify_default(EVP_PKEY *pub, const char *md, int pad, int saltlen,
                       const uint8_t *msg, size_t msglen, const uint8_t *sig,
                       size_t siglen);
/* Verifies with whatever provider holds key (keyward for token keys). */
bool pt_verify(EVP_PKEY *key, const char *md, int pad, int saltlen,
               const uint8_t *msg, size_t msglen, const uint8_t *sig,
               size_t siglen);

/* True when the fixture says its token lacks what (a word of KW_TOKEN_LACKS:
 * "CKM_ECDH1_DERIVE", or "CKM_AES_CBC_PAD:decrypt" for one use only). */
bool pt_token_lacks(const char *what);

/* True when an error on OpenSSL's queue mentions text (lib, reason or
 * data); prints and clears the queue either way. */
bool pt_error_has(const char *text);
/* Prints and clears the queue. */
void pt_errors(void);

#endif
