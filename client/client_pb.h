/* SPDX-License-Identifier: Apache-2.0 */
/* client_pb.h: nanopb helpers shared by the client library's typed calls. */
#ifndef KEYWARD_CLIENT_PB_H
#define KEYWARD_CLIENT_PB_H

#include <stdlib.h>
#include <string.h>

#include <pb.h>

#include "client_internal.h"
#include "keyward/v1/keyward.pb.h"

#define PATH(m) "/keyward.v1.Keyward/" #m

/* Encodes req, calls method, decodes into resp. Request and response
 * structs are on the heap (some are ~35 KiB), wiped when done. */
int client_pb_call(kwc *c, const char *method, const pb_msgdesc_t *qf,
                   const void *req, const pb_msgdesc_t *rf, void *resp);
/* Copies src into a bytes field of capacity cap (INVALID_ARGUMENT if over). */
int client_set_bytes(kwc *c, pb_byte_t *dst, pb_size_t *dlen, size_t cap,
                     const uint8_t *src, size_t len, const char *what);
int client_set_str(kwc *c, char *dst, size_t cap, const char *src,
                   const char *what);

/* Allocates a zeroed request and response pair for one call. */
#define CALL_BEGIN(Name)                                                       \
    keyward_v1_##Name##Request *q = calloc(1, sizeof(*q));                     \
    keyward_v1_##Name##Response *r = calloc(1, sizeof(*r));                    \
    int rc;                                                                    \
    if (q == NULL || r == NULL) {                                              \
        rc = KWC_INTERNAL;                                                     \
        kwc_set_error(c, "out of memory");                                     \
        goto out;                                                              \
    }
#define CALL_DO(Name)                                                          \
    client_pb_call(c, PATH(Name), keyward_v1_##Name##Request_fields, q,        \
                   keyward_v1_##Name##Response_fields, r)
#define CALL_END                                                               \
    out:                                                                       \
    if (q != NULL)                                                             \
        memset(q, 0, sizeof(*q));                                              \
    if (r != NULL)                                                             \
        memset(r, 0, sizeof(*r));                                              \
    free(q);                                                                   \
    free(r);                                                                   \
    return rc;

#define SET_BYTES(f, src, len, what)                                           \
    client_set_bytes(c, (f).bytes, &(f).size, sizeof((f).bytes), (src), (len), \
                     (what))

#define SET_STR(f, src, what) client_set_str(c, (f), sizeof(f), (src), (what))

#endif
