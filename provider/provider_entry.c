/* SPDX-License-Identifier: Apache-2.0 */
/* provider_entry.c: the one symbol keyward.so exports. */
#include <openssl/core.h>

#include "keyward_provider.h"

__attribute__((visibility("default"))) OSSL_provider_init_fn OSSL_provider_init;

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                       const OSSL_DISPATCH **out, void **provctx)
{
    return keyward_provider_init(handle, in, out, provctx);
}
