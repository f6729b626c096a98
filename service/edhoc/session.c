/* SPDX-License-Identifier: Apache-2.0 */
/* session.c: EDHOC session lifecycle, the step() state machine and its outputs.
 */
#include <string.h>

#include <openssl/rand.h>

#include "edhoc_local.h"

#define RANDOM_CID_LEN 2

void edhoc_eph_drop(kw_edhoc *s)
{
    EVP_PKEY_free(s->eph);
    EVP_PKEY_free(s->peer_eph);
    s->eph = s->peer_eph = NULL;
}

/* Every secret a failed or finished handshake no longer needs. */
static void wipe_handshake(kw_edhoc *s)
{
    edhoc_eph_drop(s);
    EDHOC_WIPE(s->prk_3e2m);
    EDHOC_WIPE(s->prk_4e3m);
    EDHOC_WIPE(s->test_eph);
    s->test_eph_len = 0;
}

static bool config_ok(const kw_edhoc_config *cfg)
{
    if (cfg == NULL || cfg->ctx == NULL || cfg->local.auth_key == NULL ||
        cfg->suites == NULL || cfg->n_suites == 0 ||
        cfg->n_suites > KW_EDHOC_MAX_SUITES)
        return false;
    if (cfg->role == KW_EDHOC_INITIATOR) {
        if (cfg->method < 0 || cfg->method > 3)
            return false;
    } else if (cfg->role == KW_EDHOC_RESPONDER) {
        if (cfg->methods == 0 || (cfg->methods & ~0xfu) != 0)
            return false;
    } else {
        return false;
    }
    if (cfg->local.cred == NULL || cfg->local.id_cred == NULL ||
        kw_cbor_check_item(cfg->local.cred, cfg->local.cred_len) != 0)
        return false;
    if (cfg->conn_id != NULL && cfg->conn_id_len > KW_EDHOC_MAX_CID)
        return false;
    return true;
}

kw_edhoc *kw_edhoc_new(const kw_edhoc_config *cfg)
{
    kw_edhoc_id_cred id;
    kw_edhoc *s;

    if (!config_ok(cfg) ||
        edhoc_id_cred_parse(cfg->local.id_cred, cfg->local.id_cred_len, &id) !=
            KW_EDHOC_OK)
        return NULL;
    if ((s = OPENSSL_zalloc(sizeof(*s))) == NULL)
        return NULL;
    s->ctx = cfg->ctx;
    s->role = cfg->role;
    s->method = cfg->role == KW_EDHOC_INITIATOR ? cfg->method : -1;
    s->methods = cfg->methods;
    memcpy(s->suites, cfg->suites, cfg->n_suites * sizeof(int));
    s->n_suites = cfg->n_suites;
    s->initial_suite = cfg->initial_suite;
    s->local = cfg->local;
    s->local_kid_only =
        edhoc_id_cred_is_kid_only(cfg->local.id_cred, cfg->local.id_cred_len,
                                  &s->local_kid, &s->local_kid_len);
    s->message_4 = cfg->message_4;
    s->cred_cb = cfg->cred_cb;
    s->cred_arg = cfg->cred_arg;
    s->ead_cb = cfg->ead_cb;
    s->ead_arg = cfg->ead_arg;
    kw_cbor_enc_init(&s->out);
    for (int i = 0; i < 5; i++)
        kw_cbor_enc_init(&s->ead_out[i]);
    if (kw_edhoc_set_conn_id(s, cfg->conn_id, cfg->conn_id_len) != 0)
        goto err;
    if (s->role == KW_EDHOC_INITIATOR) {
        /* the suite to select first: as configured, else the most
         * preferred one this key can do */
        int sel = -1;

        for (size_t i = 0; i < s->n_suites && sel < 0; i++)
            if (cfg->initial_suite < 0 ? edhoc_suite_usable(s, s->suites[i])
                                       : s->suites[i] == cfg->initial_suite)
                sel = s->suites[i];
        if (sel < 0 || (s->suite = edhoc_suite_find(sel)) == NULL)
            goto err;
    }
    s->state = EDHOC_ST_START;
    return s;
err:
    kw_edhoc_free(s);
    return NULL;
}

void kw_edhoc_free(kw_edhoc *s)
{
    if (s == NULL)
        return;
    wipe_handshake(s);
    EVP_PKEY_free(s->peer_pub);
    OPENSSL_free(s->peer_cred);
    OPENSSL_free(s->peer_id_cred);
    OPENSSL_free(s->peer_identity);
    OPENSSL_free(s->peer_err_diag);
    for (int i = 0; i < 5; i++) {
        edhoc_ead_in_clear(&s->ead_in[i]);
        kw_cbor_enc_cleanup(&s->ead_out[i]);
    }
    kw_cbor_enc_cleanup(&s->out);
    OPENSSL_clear_free(s, sizeof(*s)); /* PRK_out, PRK_exporter, TH */
}

int kw_edhoc_set_conn_id(kw_edhoc *s, const uint8_t *id, size_t len)
{
    uint8_t *own = s->role == KW_EDHOC_INITIATOR ? s->c_i : s->c_r;
    size_t *own_len = s->role == KW_EDHOC_INITIATOR ? &s->c_i_len : &s->c_r_len;

    if (s->state != EDHOC_ST_START && s->state != EDHOC_ST_NEGOTIATE)
        return KW_EDHOC_E_STATE;
    if (id == NULL) {
        if (RAND_bytes_ex(s->ctx->libctx, own, RANDOM_CID_LEN, 0) != 1)
            return KW_EDHOC_E_CRYPTO;
        *own_len = RANDOM_CID_LEN;
        s->random_cid = true;
        return KW_EDHOC_OK;
    }
    if (len > KW_EDHOC_MAX_CID)
        return KW_EDHOC_E_PARAM;
    if (len > 0)
        memcpy(own, id, len);
    *own_len = len;
    s->random_cid = false;
    return KW_EDHOC_OK;
}

/* Which statuses put an EDHOC error message in the output. */
static bool status_sends_error(int rv)
{
    switch (rv) {
    case KW_EDHOC_E_PARAM:
    case KW_EDHOC_E_STATE:
    case KW_EDHOC_E_SUITE: /* already built, with SUITES_R */
    case KW_EDHOC_E_PEER_ERROR:
    case KW_EDHOC_E_SUITES_R:
    case KW_EDHOC_E_NO_COMMON_SUITE:
        return false;
    default:
        return true;
    }
}

static int dispatch(kw_edhoc *s, const uint8_t *in, size_t len)
{
    int rv;

    switch (s->state) {
    case EDHOC_ST_START:
        if (s->role == KW_EDHOC_INITIATOR)
            return in == NULL ? edhoc_msg1_build(s) : KW_EDHOC_E_STATE;
        if ((rv = edhoc_msg1_process(s, in, len)) != KW_EDHOC_OK)
            return rv;
        return edhoc_msg2_build(s);
    case EDHOC_ST_WAIT_M2:
        if (edhoc_is_error_msg(in, len))
            return edhoc_error_process(s, in, len);
        if ((rv = edhoc_msg2_process(s, in, len)) != KW_EDHOC_OK)
            return rv;
        return edhoc_msg3_build(s);
    case EDHOC_ST_WAIT_M3:
        if (edhoc_is_error_msg(in, len))
            return edhoc_error_process(s, in, len);
        if ((rv = edhoc_msg3_process(s, in, len)) != KW_EDHOC_OK)
            return rv;
        if (!s->message_4) {
            s->state = EDHOC_ST_DONE;
            return KW_EDHOC_OK;
        }
        return edhoc_msg4_build(s);
    case EDHOC_ST_WAIT_M4:
        if (edhoc_is_error_msg(in, len))
            return edhoc_error_process(s, in, len);
        return edhoc_msg4_process(s, in, len);
    case EDHOC_ST_DONE:
        /* The peer refused our last message (message_3 without message_4,
         * or message_4): the session output is dropped. */
        if (edhoc_is_error_msg(in, len))
            return edhoc_error_process(s, in, len);
        return KW_EDHOC_E_STATE;
    default:
        return KW_EDHOC_E_STATE;
    }
}

int kw_edhoc_step(kw_edhoc *s, const uint8_t *in, size_t in_len,
                  const uint8_t **out, size_t *out_len)
{
    enum edhoc_state before = s->state;
    int rv;

    *out = NULL;
    *out_len = 0;
    kw_cbor_enc_reset(&s->out);
    rv = dispatch(s, in, in_len);
    if (rv == KW_EDHOC_E_STATE && s->state == before) {
        return rv; /* a call out of turn changes nothing */
    } else if (rv != KW_EDHOC_OK) {
        if (status_sends_error(rv))
            edhoc_error_build(s, rv);
        else if (rv != KW_EDHOC_E_SUITE)
            kw_cbor_enc_reset(&s->out);
        wipe_handshake(s);
        EDHOC_WIPE(s->prk_out);
        EDHOC_WIPE(s->prk_exporter);
        if (s->state != EDHOC_ST_NEGOTIATE)
            s->state = EDHOC_ST_ABORTED;
    }
    *out = s->out.len ? s->out.buf : NULL;
    *out_len = s->out.len;
    return rv;
}

int kw_edhoc_initiator_retry(kw_edhoc *s, const uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (s->role != KW_EDHOC_INITIATOR || s->state != EDHOC_ST_NEGOTIATE)
        return KW_EDHOC_E_STATE;
    /* a new session as far as the responder knows: fresh ephemeral key */
    edhoc_ead_in_clear(&s->ead_in[1]);
    OPENSSL_free(s->peer_err_diag);
    s->peer_err_diag = NULL;
    s->peer_err_code = 0;
    s->state = EDHOC_ST_START;
    return kw_edhoc_step(s, NULL, 0, out, out_len);
}

int kw_edhoc_set_ead(kw_edhoc *s, int msg, const kw_edhoc_ead_item *items,
                     size_t n)
{
    kw_cbor_enc *e;

    if (msg < 1 || msg > 4 || (items == NULL && n > 0) || n > KW_EDHOC_MAX_EAD)
        return KW_EDHOC_E_PARAM;
    /* the initiator sends EAD_1 and EAD_3, the responder EAD_2 and EAD_4 */
    if ((msg % 2 == 1) != (s->role == KW_EDHOC_INITIATOR))
        return KW_EDHOC_E_PARAM;
    e = &s->ead_out[msg];
    kw_cbor_enc_reset(e);
    for (size_t i = 0; i < n; i++) {
        kw_cbor_put_int(e, items[i].label);
        if (items[i].has_value)
            kw_cbor_put_bstr(e, items[i].value, items[i].value_len);
    }
    return kw_cbor_enc_error(e) ? KW_EDHOC_E_NOMEM : KW_EDHOC_OK;
}

int kw_edhoc_get0_ead(const kw_edhoc *s, int msg,
                      const kw_edhoc_ead_item **items, size_t *n)
{
    if (msg < 1 || msg > 4)
        return KW_EDHOC_E_PARAM;
    *items = s->ead_in[msg].items;
    *n = s->ead_in[msg].n;
    return KW_EDHOC_OK;
}

bool kw_edhoc_is_complete(const kw_edhoc *s)
{
    return s->state == EDHOC_ST_DONE;
}

int kw_edhoc_role(const kw_edhoc *s)
{
    return s->role;
}

int kw_edhoc_method(const kw_edhoc *s)
{
    return s->method;
}

int kw_edhoc_suite(const kw_edhoc *s)
{
    return s->suite != NULL ? s->suite->id : -1;
}

int kw_edhoc_get0_conn_ids(const kw_edhoc *s, const uint8_t **c_i,
                           size_t *c_i_len, const uint8_t **c_r,
                           size_t *c_r_len)
{
    if (s->state != EDHOC_ST_DONE && s->state != EDHOC_ST_WAIT_M4)
        return KW_EDHOC_E_STATE;
    *c_i = s->c_i;
    *c_i_len = s->c_i_len;
    *c_r = s->c_r;
    *c_r_len = s->c_r_len;
    return KW_EDHOC_OK;
}

int kw_edhoc_get0_peer(const kw_edhoc *s, kw_edhoc_peer_info *info)
{
    if (s->state != EDHOC_ST_DONE)
        return KW_EDHOC_E_STATE;
    info->identity = s->peer_identity;
    info->cred = s->peer_cred;
    info->cred_len = s->peer_cred_len;
    info->id_cred = s->peer_id_cred;
    info->id_cred_len = s->peer_id_cred_len;
    info->pubkey = s->peer_pub;
    return KW_EDHOC_OK;
}

int kw_edhoc_peer_error(const kw_edhoc *s, int64_t *code, const char **diag)
{
    if (s->peer_err_diag == NULL)
        return KW_EDHOC_E_STATE;
    *code = s->peer_err_code;
    *diag = s->peer_err_diag;
    return KW_EDHOC_OK;
}

int kw_edhoc_exporter(const kw_edhoc *s, uint64_t label, const uint8_t *context,
                      size_t context_len, uint8_t *out, size_t out_len)
{
    if (s->state != EDHOC_ST_DONE)
        return KW_EDHOC_E_STATE;
    if (label > INT64_MAX || out == NULL || out_len == 0 ||
        out_len > 255 * EDHOC_HASH_LEN || (context == NULL && context_len))
        return KW_EDHOC_E_PARAM;
    return edhoc_kdf(s->ctx, s->prk_exporter, (int64_t)label, context,
                     context_len, out, out_len);
}

int kw_edhoc_key_update(kw_edhoc *s, const uint8_t *context, size_t context_len)
{
    uint8_t next[EDHOC_HASH_LEN];
    int rv;

    if (s->state != EDHOC_ST_DONE)
        return KW_EDHOC_E_STATE;
    if (context == NULL && context_len > 0)
        return KW_EDHOC_E_PARAM;
    rv = edhoc_kdf(s->ctx, s->prk_out, 11, context, context_len, next,
                   sizeof(next));
    if (rv == KW_EDHOC_OK) {
        memcpy(s->prk_out, next, sizeof(next));
        rv = edhoc_prk_exporter(s->ctx, s->prk_out, s->prk_exporter);
    }
    EDHOC_WIPE(next);
    return rv;
}

int kw_edhoc_oscore_secrets(const kw_edhoc *s, uint8_t *secret,
                            size_t secret_len, uint8_t *salt, size_t salt_len)
{
    int rv = kw_edhoc_exporter(s, 0, NULL, 0, secret, secret_len);

    if (rv == KW_EDHOC_OK)
        rv = kw_edhoc_exporter(s, 1, NULL, 0, salt, salt_len);
    if (rv != KW_EDHOC_OK && secret != NULL && secret_len > 0)
        OPENSSL_cleanse(secret, secret_len);
    return rv;
}
