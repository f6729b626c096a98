/* SPDX-License-Identifier: Apache-2.0 */
/* client_internal.h: between the client's transport (gRPC) and its typed calls
 * (nanopb). */
#ifndef KEYWARD_CLIENT_INTERNAL_H
#define KEYWARD_CLIENT_INTERNAL_H

#include "keyward-client.h"

void kwc_set_error(kwc *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
