/* SPDX-License-Identifier: Apache-2.0 */
/* rpc_grpc.c: the only file of keywardd that includes gRPC: server, one shared
 * completion queue, worker pool, drain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "svc.h"

#define SLOTS_PER_METHOD 4
#define MAX_MESSAGE      (64 * 1024)

enum tag_kind { TAG_REGISTERED, TAG_GENERIC, TAG_SHUTDOWN };
enum call_state { ST_REQUESTED, ST_FINISHING };

struct rpc_call {
    enum tag_kind kind;
    enum call_state state;
    size_t method; /* index into svc_methods, TAG_REGISTERED only */
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array md;
    grpc_call_details details; /* TAG_GENERIC only */
    grpc_byte_buffer *payload, *reply;
    grpc_slice status_details;
    int cancelled;
};

struct svc_rpc {
    struct svc_state *st;
    grpc_server *server;
    grpc_completion_queue *cq;
    grpc_server_credentials *creds;
    void **registered; /* per method */
    pthread_t *workers;
    unsigned nworkers;
    struct rpc_call shutdown_tag;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned pending; /* posted slots plus live calls */
    bool stopping, shutdown_done;
};

static void pending_add(struct svc_rpc *r, int d)
{
    pthread_mutex_lock(&r->lock);
    r->pending = (unsigned)((int)r->pending + d);
    if (r->pending == 0)
        pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* Posts one request slot; false once the server stops accepting. */
static bool post_slot(struct svc_rpc *r, enum tag_kind kind, size_t method)
{
    struct rpc_call *c = calloc(1, sizeof(*c));
    grpc_call_error e;
    bool stopping;

    if (c == NULL)
        return false;
    c->kind = kind;
    c->method = method;
    grpc_metadata_array_init(&c->md);
    pthread_mutex_lock(&r->lock);
    stopping = r->stopping;
    if (!stopping)
        r->pending++;
    pthread_mutex_unlock(&r->lock);
    if (stopping) {
        grpc_metadata_array_destroy(&c->md);
        free(c);
        return false;
    }
    if (kind == TAG_REGISTERED) {
        e = grpc_server_request_registered_call(
            r->server, r->registered[method], &c->call, &c->deadline, &c->md,
            &c->payload, r->cq, r->cq, c);
    } else {
        grpc_call_details_init(&c->details);
        e = grpc_server_request_call(r->server, &c->call, &c->details, &c->md,
                                     r->cq, r->cq, c);
    }
    if (e != GRPC_CALL_OK) {
        svc_log("cannot post a request slot (grpc error %d)", (int)e);
        if (kind == TAG_GENERIC)
            grpc_call_details_destroy(&c->details);
        grpc_metadata_array_destroy(&c->md);
        free(c);
        pending_add(r, -1);
        return false;
    }
    return true;
}

static void call_free(struct rpc_call *c)
{
    if (c->kind == TAG_GENERIC)
        grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->md);
    if (c->payload != NULL)
        grpc_byte_buffer_destroy(c->payload);
    if (c->reply != NULL)
        grpc_byte_buffer_destroy(c->reply);
    if (c->call != NULL)
        grpc_call_unref(c->call);
    grpc_slice_unref(c->status_details);
    free(c);
}

/* Reads the whole request payload into malloc'd memory. */
static uint8_t *payload_bytes(grpc_byte_buffer *bb, size_t *len)
{
    grpc_byte_buffer_reader rd;
    grpc_slice s;
    uint8_t *p;
    if (bb == NULL || !grpc_byte_buffer_reader_init(&rd, bb))
        return NULL;
    s = grpc_byte_buffer_reader_readall(&rd);
    grpc_byte_buffer_reader_destroy(&rd);
    *len = GRPC_SLICE_LENGTH(s);
    p = malloc(*len > 0 ? *len : 1);
    if (p != NULL)
        memcpy(p, GRPC_SLICE_START_PTR(s), *len);
    /* The slice may hold plaintext or key material: wipe it. */
    memset(GRPC_SLICE_START_PTR(s), 0, *len);
    grpc_slice_unref(s);
    return p;
}

/* Runs the call and starts the batch that answers it. */
static void call_handle(struct svc_rpc *r, struct rpc_call *c)
{
    grpc_op ops[4];
    size_t nops = 0;
    int status;
    char msg[256] = "";
    uint8_t *out = NULL;
    size_t outlen = 0;

    if (c->kind == TAG_GENERIC) {
        char *m = grpc_slice_to_c_string(c->details.method);
        snprintf(msg, sizeof(msg), "unknown method %s (see keyward.proto)", m);
        gpr_free(m);
        status = SVC_UNIMPLEMENTED;
    } else {
        struct svc_caller who;
        char *peer = grpc_call_get_peer(c->call);
        bool known = svc_peers_lookup(peer, &who);
        gpr_free(peer);
        if (!known) {
            status = SVC_UNAUTHENTICATED;
            snprintf(msg, sizeof(msg),
                     "caller identity unknown (connect "
                     "through keywardd's unix socket)");
        } else if (c->payload == NULL) {
            status = SVC_INVALID_ARGUMENT;
            snprintf(msg, sizeof(msg), "missing request message");
        } else {
            size_t inlen = 0;
            uint8_t *in = payload_bytes(c->payload, &inlen);
            if (in == NULL) {
                status = SVC_RESOURCE_EXHAUSTED;
                snprintf(msg, sizeof(msg), "cannot read the request");
            } else {
                status = svc_dispatch(r->st, c->method, &who, in, inlen, &out,
                                      &outlen, msg, sizeof(msg));
                svc_dispatch_free(in, inlen);
            }
        }
    }
    memset(ops, 0, sizeof(ops));
    ops[nops].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[nops++].data.send_initial_metadata.count = 0;
    if (status == SVC_OK) {
        grpc_slice s = grpc_slice_from_copied_buffer((const char *)out, outlen);
        c->reply = grpc_raw_byte_buffer_create(&s, 1);
        grpc_slice_unref(s);
        ops[nops].op = GRPC_OP_SEND_MESSAGE;
        ops[nops++].data.send_message.send_message = c->reply;
    }
    svc_dispatch_free(out, outlen);
    c->status_details = grpc_slice_from_copied_string(msg);
    ops[nops].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[nops].data.send_status_from_server.status = (grpc_status_code)status;
    ops[nops++].data.send_status_from_server.status_details =
        status == SVC_OK ? NULL : &c->status_details;
    ops[nops].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[nops++].data.recv_close_on_server.cancelled = &c->cancelled;
    c->state = ST_FINISHING;
    if (grpc_call_start_batch(c->call, ops, nops, c, NULL) != GRPC_CALL_OK) {
        svc_log("cannot answer a call");
        call_free(c);
        pending_add(r, -1);
    }
}

static void *worker(void *arg)
{
    struct svc_rpc *r = arg;
    for (;;) {
        grpc_event ev = grpc_completion_queue_next(
            r->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
        struct rpc_call *c;
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        c = ev.tag;
        if (c->kind == TAG_SHUTDOWN) {
            pthread_mutex_lock(&r->lock);
            r->shutdown_done = true;
            pthread_cond_broadcast(&r->cond);
            pthread_mutex_unlock(&r->lock);
            continue;
        }
        if (c->state == ST_FINISHING) {
            call_free(c);
            pending_add(r, -1);
            continue;
        }
        if (!ev.success) { /* a slot the stopping server will never fill */
            call_free(c);
            pending_add(r, -1);
            continue;
        }
        /* Keep the method served while this call runs. */
        post_slot(r, c->kind, c->method);
        call_handle(r, c);
    }
    return NULL;
}

int svc_rpc_global_init(void)
{
    grpc_init();
    return 0;
}

void svc_rpc_global_shutdown(void)
{
    grpc_shutdown();
}

int svc_rpc_start(struct svc_state *st, unsigned workers, struct svc_rpc **out)
{
    struct svc_rpc *r = calloc(1, sizeof(*r));
    grpc_arg args[2];
    grpc_channel_args cargs = {.num_args = 2, .args = args};

    if (r == NULL)
        return -ENOMEM;
    r->st = st;
    r->shutdown_tag.kind = TAG_SHUTDOWN;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = MAX_MESSAGE;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[1].value.integer = MAX_MESSAGE;
    r->server = grpc_server_create(&cargs, NULL);
    r->cq = grpc_completion_queue_create_for_next(NULL);
    r->creds = grpc_insecure_server_credentials_create();
    r->registered = calloc(svc_nmethods, sizeof(*r->registered));
    r->workers = calloc(workers, sizeof(*r->workers));
    if (r->registered == NULL || r->workers == NULL)
        goto err;
    grpc_server_register_completion_queue(r->server, r->cq, NULL);
    for (size_t m = 0; m < svc_nmethods; m++) {
        r->registered[m] = grpc_server_register_method(
            r->server, svc_methods[m].path, NULL,
            GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
        if (r->registered[m] == NULL)
            goto err;
    }
    grpc_server_start(r->server);
    for (size_t m = 0; m < svc_nmethods; m++)
        for (int i = 0; i < SLOTS_PER_METHOD; i++)
            post_slot(r, TAG_REGISTERED, m);
    /* Unknown methods land here and get UNIMPLEMENTED. */
    post_slot(r, TAG_GENERIC, 0);
    for (r->nworkers = 0; r->nworkers < workers; r->nworkers++)
        if (pthread_create(&r->workers[r->nworkers], NULL, worker, r) != 0)
            break;
    if (r->nworkers == 0)
        goto err;
    *out = r;
    return 0;
err:
    svc_log("cannot start the gRPC server");
    free(r->registered);
    free(r->workers);
    free(r);
    return -1;
}

void svc_rpc_adopt(void *rpc, int fd)
{
    struct svc_rpc *r = rpc;
    grpc_server_add_channel_from_fd(r->server, fd, r->creds);
}

/* Waits for cond to hold, at most until deadline (CLOCK_REALTIME). */
static bool wait_until(struct svc_rpc *r, bool shutdown_or_idle,
                       const struct timespec *deadline)
{
    bool ok;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        ok = shutdown_or_idle ? r->shutdown_done : r->pending == 0;
        if (ok ||
            pthread_cond_timedwait(&r->cond, &r->lock, deadline) == ETIMEDOUT) {
            ok = shutdown_or_idle ? r->shutdown_done : r->pending == 0;
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

int svc_rpc_stop(struct svc_rpc *r, unsigned grace_s)
{
    struct timespec deadline;
    int rc = 0;

    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_mutex_unlock(&r->lock);
    /* Stop taking calls; calls in flight run to completion. */
    grpc_server_shutdown_and_notify(r->server, r->cq, &r->shutdown_tag);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += grace_s;
    if (!wait_until(r, true, &deadline)) {
        svc_log("calls still running after %u s: cancelling them", grace_s);
        grpc_server_cancel_all_calls(r->server);
    }
    /* A cancelled call's handler may still be in a key operation: the
     * queue may shut down only when no call context is left. */
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += grace_s + 5;
    if (!wait_until(r, true, &deadline) || !wait_until(r, false, &deadline)) {
        svc_log("a key operation is stuck: exiting without cleanup");
        return -1;
    }
    grpc_completion_queue_shutdown(r->cq);
    for (unsigned i = 0; i < r->nworkers; i++)
        pthread_join(r->workers[i], NULL);
    grpc_server_destroy(r->server);
    grpc_completion_queue_destroy(r->cq);
    grpc_server_credentials_release(r->creds);
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->lock);
    free(r->registered);
    free(r->workers);
    free(r);
    return rc;
}
