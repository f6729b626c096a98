/* SPDX-License-Identifier: Apache-2.0 */
/* client_grpc.c: the client library's transport: one gRPC channel per kwc,
 * unary calls over the unix socket. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "client_internal.h"

#define MAX_MESSAGE (64 * 1024)

struct kwc {
    grpc_channel *channel;
    grpc_completion_queue *cq;
    unsigned timeout_ms;
    char error[320];
};

void kwc_set_error(kwc *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof(c->error), fmt, ap);
    va_end(ap);
}

const char *kwc_error(const kwc *c)
{
    return c != NULL ? c->error : "no connection";
}

void kwc_set_timeout_ms(kwc *c, unsigned ms)
{
    c->timeout_ms = ms;
}

int kwc_connect(const char *socket_path, kwc **out)
{
    kwc *c = calloc(1, sizeof(*c));
    char target[160];
    grpc_channel_credentials *creds;
    grpc_arg args[3];
    grpc_channel_args cargs = {.num_args = 3, .args = args};

    *out = NULL;
    if (c == NULL)
        return KWC_UNAVAILABLE;
    if (socket_path == NULL)
        socket_path = getenv("KEYWARD_SOCKET");
    if (socket_path == NULL)
        socket_path = KWC_DEFAULT_SOCKET;
    snprintf(target, sizeof(target), "unix:%s", socket_path);
    grpc_init();
    /* Each kwc gets its own connection (its own identity and queue). */
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    args[0].value.integer = 1;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[1].value.integer = MAX_MESSAGE;
    args[2].type = GRPC_ARG_INTEGER;
    args[2].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[2].value.integer =
        4 * 1024 * 1024; /* keywardd enforces its own bound */
    creds = grpc_insecure_credentials_create();
    c->channel = grpc_channel_create(target, creds, &cargs);
    grpc_channel_credentials_release(creds);
    c->cq = grpc_completion_queue_create_for_pluck(NULL);
    c->timeout_ms = 30000;
    if (c->channel == NULL || c->cq == NULL) {
        kwc_free(c);
        return KWC_UNAVAILABLE;
    }
    *out = c;
    return KWC_OK;
}

void kwc_free(kwc *c)
{
    if (c == NULL)
        return;
    if (c->channel != NULL)
        grpc_channel_destroy(c->channel);
    if (c->cq != NULL) {
        grpc_completion_queue_shutdown(c->cq);
        while (grpc_completion_queue_pluck(
                   c->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
                   .type != GRPC_QUEUE_SHUTDOWN)
            ;
        grpc_completion_queue_destroy(c->cq);
    }
    free(c);
    grpc_shutdown();
}

int kwc_call_raw(kwc *c, const char *method, const uint8_t *req, size_t reqlen,
                 uint8_t **resp, size_t *resplen)
{
    grpc_slice mslice = grpc_slice_from_static_string(method);
    grpc_slice body = grpc_slice_from_copied_buffer((const char *)req, reqlen);
    grpc_byte_buffer *send = grpc_raw_byte_buffer_create(&body, 1);
    grpc_byte_buffer *recv = NULL;
    grpc_metadata_array initial, trailing;
    grpc_status_code status = GRPC_STATUS_UNKNOWN;
    grpc_slice details = grpc_empty_slice();
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                     gpr_time_from_millis(c->timeout_ms, GPR_TIMESPAN));
    grpc_op ops[6];
    grpc_call *call;
    grpc_event ev;
    int rc;

    *resp = NULL;
    *resplen = 0;
    grpc_slice_unref(body);
    grpc_metadata_array_init(&initial);
    grpc_metadata_array_init(&trailing);
    call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS,
                                    c->cq, mslice, NULL, deadline, NULL);
    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
    ops[5].data.recv_status_on_client.status = &status;
    ops[5].data.recv_status_on_client.status_details = &details;
    if (call == NULL ||
        grpc_call_start_batch(call, ops, 6, c, NULL) != GRPC_CALL_OK) {
        kwc_set_error(c, "cannot start a call");
        rc = KWC_INTERNAL;
        goto out;
    }
    ev = grpc_completion_queue_pluck(c->cq, c,
                                     gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    rc = (int)status;
    if (ev.type != GRPC_OP_COMPLETE) {
        kwc_set_error(c, "call did not complete");
        rc = KWC_INTERNAL;
    } else if (status != GRPC_STATUS_OK) {
        char *d = grpc_slice_to_c_string(details);
        kwc_set_error(c, "%s", d);
        gpr_free(d);
    } else if (recv != NULL) {
        grpc_byte_buffer_reader rd;
        if (grpc_byte_buffer_reader_init(&rd, recv)) {
            grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
            size_t n = GRPC_SLICE_LENGTH(s);
            *resp = malloc(n > 0 ? n : 1);
            if (*resp != NULL) {
                memcpy(*resp, GRPC_SLICE_START_PTR(s), n);
                *resplen = n;
            } else {
                rc = KWC_INTERNAL;
            }
            memset(GRPC_SLICE_START_PTR(s), 0, n);
            grpc_slice_unref(s);
            grpc_byte_buffer_reader_destroy(&rd);
        }
    } else {
        *resp = malloc(1);
        if (*resp == NULL)
            rc = KWC_INTERNAL;
    }
out:
    if (recv != NULL)
        grpc_byte_buffer_destroy(recv);
    grpc_byte_buffer_destroy(send);
    grpc_slice_unref(details);
    grpc_metadata_array_destroy(&initial);
    grpc_metadata_array_destroy(&trailing);
    if (call != NULL)
        grpc_call_unref(call);
    return rc;
}
