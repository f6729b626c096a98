/* SPDX-License-Identifier: Apache-2.0 */
/* pt_import.h: known keys (test vectors) put into the fixture token through
 * hsm/ as token objects, then named by URI for the keyward provider. */
#ifndef KEYWARD_PT_IMPORT_H
#define KEYWARD_PT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "hsm.h"

/* The fixture token, opened and logged in once (the same module and token
 * objects keyward's own hsm/ calls use in this process). pi_close()
 * destroys the keys pi_secret() and pi_ec() made. */
hsm_token *pi_token(void);
void pi_close(void);

/* A secret key (CKK_AES, CKK_GENERIC_SECRET...) with value val and the
 * given HSM_USE_* flags, sensitive and never extractable like a real one,
 * labelled "<name>-<pid>". Returns "pkcs11:token=...;object=<label>?
 * pin-source=..." (static buffer, one of four in rotation), or NULL. */
const char *pi_secret(CK_KEY_TYPE type, const uint8_t *val, size_t len,
                      const char *name, unsigned usage);

/* An EC key pair from its private scalar and uncompressed public point
 * (curve "P-256", "P-384", "P-521"); CKA_DERIVE and CKA_SIGN allowed.
 * Returns the private key's URI as pi_secret() does. */
const char *pi_ec(const char *curve, const uint8_t *sk, size_t sklen,
                  const uint8_t *pk, size_t pklen, const char *name);

/* The value of an extractable, non-sensitive key (test-only keys such as
 * the fixture's aes256-test-extractable); malloc'd. */
uint8_t *pi_key_value(const char *uri, size_t *len);

#endif
