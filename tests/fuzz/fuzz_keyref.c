/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_keyref.c: libFuzzer harness for the key-reference DER parser: what it
 * accepts must re-encode to the same URI and decode again to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *uri = NULL, *again = NULL;
    uint8_t *der = NULL;
    size_t len = 0;

    if (!keyref_der_decode(data, size, &uri))
        return 0;
    if (strncmp(uri, "pkcs11:", 7) != 0 || strlen(uri) > KEYREF_URI_MAX ||
        !keyref_der_encode(uri, &der, &len) ||
        !keyref_der_decode(der, len, &again) || strcmp(uri, again) != 0)
        abort();
    free(uri);
    free(again);
    free(der);
    return 0;
}
