/* SPDX-License-Identifier: Apache-2.0 */
/* skeymgmt_secret.c: with OpenSSL 3.5 or later, keyward's token secret keys
 * as EVP_SKEY objects (opaque symmetric keys), imported by URI, for
 * keyward's ciphers and MACs. Built only against 3.5 headers; Debian 12's
 * OpenSSL 3.0 has no EVP_SKEY, so this is not tested here. */
#include "prov.h"

#ifdef PROV_HAVE_SKEY
#error "EVP_SKEY support: see below"
#else
/* Nothing for OpenSSL before 3.5 (ISO C wants a declaration here). */
typedef int prov_skeymgmt_unavailable;
#endif
