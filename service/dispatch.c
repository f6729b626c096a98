/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch.c: the method table; decodes a request, runs its handler, encodes
 * the response, audits and counts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <stdbool.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <pb_decode.h>
#include <pb_encode.h>

#include "keyward/v1/keyward.pb.h"
#include "svc.h"

#define M(name, fn)                                                            \
    {                                                                          \
#name, "/keyward.v1.Keyward/" #name,                                   \
            keyward_v1_##name##Request_fields,                                 \
            keyward_v1_##name##Response_fields,                                \
            sizeof(keyward_v1_##name##Request),                                \
            sizeof(keyward_v1_##name##Response), fn                            \
    }

const struct svc_method svc_methods[] = {
    M(GetVersion, svc_op_get_version),
    M(ListTokens, svc_op_list_tokens),
    M(ListKeys, svc_op_list_keys),
    M(GetPublicKey, svc_op_get_public_key),
    M(Sign, svc_op_sign),
    M(SignBatch, svc_op_sign_batch),
    M(Verify, svc_op_verify),
    M(Encapsulate, svc_op_encapsulate),
    M(Decapsulate, svc_op_decapsulate),
    M(Ecdh, svc_op_ecdh),
    M(Seal, svc_op_seal),
    M(Open, svc_op_open),
    M(DeriveSession, svc_op_derive_session),
    M(Rekey, svc_op_rekey),
    M(ExportSession, svc_op_export_session),
    M(CloseSession, svc_op_close_session),
    M(GetRandom, svc_op_get_random),
    M(GetMetrics, svc_op_get_metrics),
    /* Appended: the fuzz corpus picks methods by index. */
    M(StartAssociation, svc_op_start_association),
    M(AcceptAssociation, svc_op_accept_association),
    M(ContinueAssociation, svc_op_continue_association),
    M(SealMessage, svc_op_seal_message),
    M(OpenMessage, svc_op_open_message),
    M(UpdateKeys, svc_op_update_keys),
    M(ExportOscore, svc_op_export_oscore),
    M(GetAssociation, svc_op_get_association),
    M(CloseAssociation, svc_op_close_association),
};
const size_t svc_nmethods = sizeof(svc_methods) / sizeof(svc_methods[0]);

int svc_fail(struct svc_call *c, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    return status;
}

int svc_fail_ossl(struct svc_call *c, int status, const char *what)
{
    const char *data = NULL;
    int flags = 0;
    unsigned long e = ERR_peek_last_error_data(&data, &flags);
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
    /* The provider's own words ("... the token is not present") say what
     * to do; providers keep PINs out of them (docs/SECURITY.md). */
    bool detail = data != NULL && *data != '\0' && (flags & ERR_TXT_STRING);
    int rc = svc_fail(c, status, "%s: %s%s%s", what,
                      reason != NULL ? reason : "no detail from OpenSSL",
                      detail ? ": " : "", detail ? data : "");
    ERR_clear_error();
    return rc;
}

EVP_PKEY *svc_pubkey_from_spki(struct svc_call *c, const uint8_t *der,
                               size_t len)
{
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_PUBKEY_ex(NULL, &p, (long)len, c->cfg->libctx, NULL);
    if (pk == NULL || p != der + len) {
        EVP_PKEY_free(pk);
        svc_fail_ossl(c, SVC_INVALID_ARGUMENT,
                      "not a DER SubjectPublicKeyInfo");
        return NULL;
    }
    return pk;
}

int svc_key_for(struct svc_call *c, const char *name, unsigned op,
                const struct svc_key **key)
{
    const struct svc_key *k = svc_config_key(c->cfg, name);
    unsigned ops;
    snprintf(c->key, sizeof(c->key), "%s", name);
    ops = k != NULL ? svc_policy_ops(c->cfg, c->who, k) : 0;
    if (ops == 0)
        return svc_fail(c, SVC_NOT_FOUND, "no key '%s' for this user", name);
    if (!(ops & op))
        return svc_fail(c, SVC_PERMISSION_DENIED,
                        "policy does not allow this operation on key '%s' "
                        "for uid %u",
                        name, (unsigned)c->who->uid);
    *key = k;
    return SVC_OK;
}

static int encode(const struct svc_method *m, const void *resp, uint8_t **out,
                  size_t *outlen)
{
    size_t size = 0;
    pb_ostream_t os;
    if (!pb_get_encoded_size(&size, m->resp_fields, resp))
        return -1;
    *out = malloc(size > 0 ? size : 1);
    if (*out == NULL)
        return -1;
    os = pb_ostream_from_buffer(*out, size);
    if (!pb_encode(&os, m->resp_fields, resp)) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *outlen = os.bytes_written;
    return 0;
}

int svc_dispatch(struct svc_state *st, size_t m, const struct svc_caller *who,
                 const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen,
                 char *msg, size_t msglen)
{
    const struct svc_method *meth = &svc_methods[m];
    uint64_t t0 = svc_now_us(), usec;
    struct svc_call c = {.st = st, .who = who};
    void *req = calloc(1, meth->req_size);
    void *resp = calloc(1, meth->resp_size);
    pb_istream_t is = pb_istream_from_buffer(in, inlen);
    int rc;

    *out = NULL;
    *outlen = 0;
    c.cfg = svc_state_config_get1(st);
    if (req == NULL || resp == NULL) {
        rc = svc_fail(&c, SVC_RESOURCE_EXHAUSTED, "out of memory");
        goto done;
    }
    if (!pb_decode(&is, meth->req_fields, req)) {
        rc = svc_fail(&c, SVC_INVALID_ARGUMENT,
                      "malformed or oversized %s request: %s (see the "
                      "bounds in keyward.options)",
                      meth->name, PB_GET_ERROR(&is));
        goto done;
    }
    rc = meth->fn(&c, req, resp);
    if (rc == SVC_OK && encode(meth, resp, out, outlen) < 0)
        rc = svc_fail(&c, SVC_INTERNAL, "cannot encode the %s response",
                      meth->name);
done:
    usec = svc_now_us() - t0;
    svc_metric_record(&st->metrics[m], rc, usec);
    svc_audit(c.cfg->audit, who, meth->name, c.key[0] ? c.key : NULL, rc, usec);
    snprintf(msg, msglen, "%s", rc == SVC_OK ? "" : c.msg);
    /* Requests and responses may carry plaintext or key material. */
    OPENSSL_clear_free(req, meth->req_size);
    OPENSSL_clear_free(resp, meth->resp_size);
    svc_config_free(c.cfg);
    return rc;
}

void svc_dispatch_free(uint8_t *out, size_t outlen)
{
    OPENSSL_clear_free(out, outlen);
}
