/* SPDX-License-Identifier: Apache-2.0 */
/* keyward_provider.h: the provider's init function, for programs that add
 * it as a built-in provider (OSSL_PROVIDER_add_builtin) instead of loading
 * keyward.so. */
#ifndef KEYWARD_PROVIDER_H
#define KEYWARD_PROVIDER_H

#include <openssl/core.h>

int keyward_provider_init(const OSSL_CORE_HANDLE *handle,
                          const OSSL_DISPATCH *in, const OSSL_DISPATCH **out,
                          void **provctx);

#endif
