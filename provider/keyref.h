/* SPDX-License-Identifier: Apache-2.0 */
/* keyref.h: the key-reference file, a PEM block that carries a pkcs11: URI
 * instead of a key; the same format pkcs11-provider writes, so files work
 * with either provider. Used by the provider and the keyward tool. */
#ifndef KEYWARD_KEYREF_H
#define KEYWARD_KEYREF_H

#include <stddef.h>
#include <stdint.h>

/* -----BEGIN PKCS#11 PROVIDER URI----- around the DER of
 *   SEQUENCE { desc VisibleString "PKCS#11 Provider URI v1.0",
 *              uri UTF8String } */
#define KEYREF_PEM_NAME "PKCS#11 PROVIDER URI"
#define KEYREF_DESC     "PKCS#11 Provider URI v1.0"
#define KEYREF_URI_MAX  4096
/* The data structure name OpenSSL decoders pass the DER along with. */
#define KEYREF_STRUCTURE "pk11-uri"

/* DER for uri (malloc'd; the caller frees). Returns 1 or 0. */
int keyref_der_encode(const char *uri, uint8_t **der, size_t *len);
/* Parses exactly the two strings above and nothing after (long-form
 * lengths accepted), the URI starting with "pkcs11:", no NUL, at most
 * KEYREF_URI_MAX bytes. *uri is malloc'd. Returns 1 or 0. */
int keyref_der_decode(const uint8_t *der, size_t len, char **uri);

#endif
