/* SPDX-License-Identifier: Apache-2.0 */
/* client_pb.c: nanopb encoding and decoding around one call of the client
 * library. */
#include <stdio.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "client_pb.h"

int client_pb_call(kwc *c, const char *method, const pb_msgdesc_t *qf,
                   const void *req, const pb_msgdesc_t *rf, void *resp)
{
    size_t size = 0, outlen = 0;
    uint8_t *buf, *out = NULL;
    pb_ostream_t os;
    pb_istream_t is;
    int rc;

    if (!pb_get_encoded_size(&size, qf, req) ||
        (buf = malloc(size > 0 ? size : 1)) == NULL) {
        kwc_set_error(c, "request too large for the API bounds");
        return KWC_INVALID_ARGUMENT;
    }
    os = pb_ostream_from_buffer(buf, size);
    if (!pb_encode(&os, qf, req)) {
        free(buf);
        kwc_set_error(c, "cannot encode request: %s", PB_GET_ERROR(&os));
        return KWC_INVALID_ARGUMENT;
    }
    rc = kwc_call_raw(c, method, buf, os.bytes_written, &out, &outlen);
    memset(buf, 0, size);
    free(buf);
    if (rc != KWC_OK)
        return rc;
    is = pb_istream_from_buffer(out, outlen);
    if (!pb_decode(&is, rf, resp)) {
        kwc_set_error(c, "malformed response: %s", PB_GET_ERROR(&is));
        rc = KWC_INTERNAL;
    }
    memset(out, 0, outlen);
    free(out);
    return rc;
}

int client_set_bytes(kwc *c, pb_byte_t *dst, pb_size_t *dlen, size_t cap,
                     const uint8_t *src, size_t len, const char *what)
{
    if (len > cap) {
        kwc_set_error(c, "%s of %zu bytes exceeds the API bound of %zu", what,
                      len, cap);
        return KWC_INVALID_ARGUMENT;
    }
    if (len > 0)
        memcpy(dst, src, len);
    *dlen = (pb_size_t)len;
    return KWC_OK;
}
int client_set_str(kwc *c, char *dst, size_t cap, const char *src,
                   const char *what)
{
    if (src == NULL || strlen(src) >= cap) {
        kwc_set_error(c, "%s must be set and shorter than %zu bytes", what,
                      cap);
        return KWC_INVALID_ARGUMENT;
    }
    strcpy(dst, src);
    return KWC_OK;
}
