/* SPDX-License-Identifier: Apache-2.0 */
/* test_edhoc_traces.c: RFC 9529 traces 1 and 2 byte for byte, and the section 4
 * invalid messages. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "edhoc.h"
#include "edhoc_testhooks.h"
#include "edhoc_testlib.h"
#include "rfc9529_vectors.h"
#include "testutil.h"
#include "trace_keys.h"

static kw_edhoc_ctx *ctx;

/* Feeds in to s and checks the message it answers with, byte for byte. */
static int step_expect(kw_edhoc *s, const char *in_hex, const char *want_hex)
{
    const uint8_t *in = NULL, *out, *want = NULL;
    size_t in_len = 0, out_len, want_len = 0;
    int rv;

    if (in_hex != NULL)
        in = hx(in_hex, &in_len);
    if (want_hex != NULL)
        want = hx(want_hex, &want_len);
    rv = kw_edhoc_step(s, in, in_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_OK)) {
        fprintf(stderr, "  status: %s\n", kw_edhoc_status_str(rv));
        return 0;
    }
    return TEST_mem_eq(out, out_len, want, want_len);
}

static int expect_hex(const uint8_t *got, size_t got_len, const char *hex)
{
    size_t len;
    const uint8_t *want = hx(hex, &len);

    return TEST_mem_eq(got, got_len, want, len);
}

/* PRK_out, PRK_exporter and the OSCORE master secret and salt. */
static int check_outputs(kw_edhoc *s, const char *prk_out,
                         const char *prk_exporter, const char *ms,
                         const char *salt)
{
    uint8_t prk[32], secret[16], slt[8];
    int rv;

    rv = kw_edhoc_test_get_prk(s, KW_EDHOC_TEST_PRK_OUT, prk);
    if (!TEST_int_eq(rv, 0) || !expect_hex(prk, 32, prk_out))
        return 0;
    rv = kw_edhoc_test_get_prk(s, KW_EDHOC_TEST_PRK_EXPORTER, prk);
    if (!TEST_int_eq(rv, 0) || !expect_hex(prk, 32, prk_exporter))
        return 0;
    rv = kw_edhoc_oscore_secrets(s, secret, sizeof(secret), slt, sizeof(slt));
    return TEST_int_eq(rv, 0) && expect_hex(secret, sizeof(secret), ms) &&
           expect_hex(slt, sizeof(slt), salt);
}

static int key_update(kw_edhoc *s, const char *context_hex)
{
    size_t len;
    const uint8_t *c = hx(context_hex, &len);
    int rv = kw_edhoc_key_update(s, c, len);

    return TEST_int_eq(rv, 0);
}

static int inject(kw_edhoc *s, const char *hex)
{
    size_t len;
    const uint8_t *k = hx(hex, &len);
    int rv = kw_edhoc_test_set_ephemeral(s, k, len);

    return TEST_int_eq(rv, 0);
}

/* ---- trace 1: method 0, suite 0, X.509 identified by x5t -------------- */

struct trace1 {
    EVP_PKEY *sk_i, *sk_r;
    uint8_t cred_i[300], cred_r[300];
    struct tl_creds db;
    kw_edhoc_config ci, cr;
};

static int trace1_setup(struct trace1 *t)
{
    static const int suites[] = {0};
    static const uint8_t c_i = 0x2d, c_r = 0x18;
    size_t n_ski, n_skr, n_ci, n_cr, n_idi, n_idr;
    const uint8_t *ski = hx(T1_SK_I, &n_ski), *skr = hx(T1_SK_R, &n_skr);
    const uint8_t *cert_i = hx(T1_CERT_I, &n_ci),
                  *cert_r = hx(T1_CERT_R, &n_cr);
    uint8_t *cred_i = NULL, *cred_r = NULL, *x5t = NULL;
    size_t cred_i_len, cred_r_len, x5t_len;
    int rv;

    memset(t, 0, sizeof(*t));
    t->sk_i =
        trace_key_load("trace1-I", TRACE_KEY_ED25519, ski, n_ski, NULL, 0);
    t->sk_r =
        trace_key_load("trace1-R", TRACE_KEY_ED25519, skr, n_skr, NULL, 0);
    if (!TEST_ptr(t->sk_i) || !TEST_ptr(t->sk_r))
        return 0;
    /* The credential helpers must produce the trace's ID_CRED_x and CRED_x
     * (the CRED is the DER certificate as a bstr). */
    rv = kw_edhoc_id_cred_x5t(cert_i, n_ci, KW_COSE_ALG_SHA256_64, &x5t,
                              &x5t_len);
    if (!TEST_int_eq(rv, 0) || !expect_hex(x5t, x5t_len, T1_ID_CRED_I))
        goto err;
    OPENSSL_free(x5t);
    x5t = NULL;
    if (kw_edhoc_cred_x509(cert_i, n_ci, &cred_i, &cred_i_len) != 0 ||
        kw_edhoc_cred_x509(cert_r, n_cr, &cred_r, &cred_r_len) != 0)
        goto err;
    /* the sessions borrow CRED_x: keep copies for the test's lifetime */
    if (!TEST_true(cred_i_len <= sizeof(t->cred_i) &&
                   cred_r_len <= sizeof(t->cred_r)))
        goto err;
    memcpy(t->cred_i, cred_i, cred_i_len);
    memcpy(t->cred_r, cred_r, cred_r_len);
    t->ci.local.cred = t->cred_i;
    t->ci.local.cred_len = cred_i_len;
    t->cr.local.cred = t->cred_r;
    t->cr.local.cred_len = cred_r_len;
    OPENSSL_free(cred_i);
    OPENSSL_free(cred_r);
    cred_i = cred_r = NULL;

    t->db.c[0].cert = cert_i;
    t->db.c[0].cert_len = n_ci;
    t->db.c[1].cert = cert_r;
    t->db.c[1].cert_len = n_cr;
    t->db.n = 2;

    t->ci.ctx = t->cr.ctx = ctx;
    t->ci.role = KW_EDHOC_INITIATOR;
    t->ci.method = 0;
    t->cr.role = KW_EDHOC_RESPONDER;
    t->cr.methods = 1u << 0;
    t->ci.suites = t->cr.suites = suites;
    t->ci.n_suites = t->cr.n_suites = 1;
    t->ci.initial_suite = t->cr.initial_suite = -1;
    t->ci.local.auth_key = t->sk_i;
    t->ci.local.id_cred = hx(T1_ID_CRED_I, &n_idi);
    t->ci.local.id_cred_len = n_idi;
    t->cr.local.auth_key = t->sk_r;
    t->cr.local.id_cred = hx(T1_ID_CRED_R, &n_idr);
    t->cr.local.id_cred_len = n_idr;
    t->ci.conn_id = &c_i;
    t->ci.conn_id_len = 1;
    t->cr.conn_id = &c_r;
    t->cr.conn_id_len = 1;
    t->ci.message_4 = t->cr.message_4 = true;
    t->ci.cred_cb = t->cr.cred_cb = tl_cred_cb;
    t->ci.cred_arg = t->cr.cred_arg = &t->db;
    return 1;
err:
    OPENSSL_free(x5t);
    OPENSSL_free(cred_i);
    OPENSSL_free(cred_r);
    return 0;
}

static void trace1_cleanup(struct trace1 *t)
{
    EVP_PKEY_free(t->sk_i);
    EVP_PKEY_free(t->sk_r);
}

static int test_trace1(void)
{
    struct trace1 t;
    kw_edhoc *i = NULL, *r = NULL;
    kw_edhoc_peer_info peer;
    const uint8_t *ci, *cr;
    size_t ci_len, cr_len;
    int ok = 0;

    if (!trace1_setup(&t))
        goto err;
    i = kw_edhoc_new(&t.ci);
    r = kw_edhoc_new(&t.cr);
    if (!TEST_ptr(i) || !TEST_ptr(r) || !inject(i, T1_X) || !inject(r, T1_Y))
        goto err;
    /* Each side gets the trace's messages, not the other side's output, so
     * each is checked on its own against the RFC. */
    if (!step_expect(i, NULL, T1_M1) || !step_expect(r, T1_M1, T1_M2) ||
        !step_expect(i, T1_M2, T1_M3) || !step_expect(r, T1_M3, T1_M4) ||
        !step_expect(i, T1_M4, NULL))
        goto err;
    if (!TEST_true(kw_edhoc_is_complete(i)) ||
        !TEST_true(kw_edhoc_is_complete(r)) ||
        !TEST_int_eq(kw_edhoc_suite(i), 0))
        goto err;
    if (!check_outputs(i, T1_PRK_OUT, T1_PRK_EXPORTER, T1_MS, T1_SALT) ||
        !check_outputs(r, T1_PRK_OUT, T1_PRK_EXPORTER, T1_MS, T1_SALT))
        goto err;
    /* OSCORE Sender IDs: client (initiator) 0x18 = C_R, server 0x2d = C_I */
    if (!TEST_int_eq(kw_edhoc_get0_conn_ids(i, &ci, &ci_len, &cr, &cr_len),
                     0) ||
        !expect_hex(cr, cr_len, "18") || !expect_hex(ci, ci_len, "2d"))
        goto err;
    if (!TEST_int_eq(kw_edhoc_get0_peer(i, &peer), 0) ||
        !TEST_ptr(strstr(peer.identity, "EDHOC Responder Ed25519")) ||
        !TEST_int_eq(kw_edhoc_get0_peer(r, &peer), 0) ||
        !TEST_ptr(strstr(peer.identity, "EDHOC Initiator Ed25519")))
        goto err;
    /* Key update (RFC 9528 appendix H) with the trace's context */
    if (!key_update(i, T1_KU_CONTEXT) || !key_update(r, T1_KU_CONTEXT) ||
        !check_outputs(i, T1_KU_PRK_OUT, T1_KU_PRK_EXPORTER, T1_KU_MS,
                       T1_KU_SALT) ||
        !check_outputs(r, T1_KU_PRK_OUT, T1_KU_PRK_EXPORTER, T1_KU_MS,
                       T1_KU_SALT))
        goto err;
    ok = 1;
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    trace1_cleanup(&t);
    hx_reset();
    return ok;
}

/* ---- trace 2: method 3, suite 2 after negotiation, CCS by kid ---------- */

struct trace2 {
    EVP_PKEY *sk_i, *sk_r;
    uint8_t id_i[8], id_r[8];
    struct tl_creds db;
    kw_edhoc_config ci, cr;
};

static const int t2_suites_i[] = {6, 2};
static const int t2_suites_r[] = {2};

static int trace2_setup(struct trace2 *t)
{
    static const uint8_t c_i = 0x0e, c_r = 0x27;
    static const uint8_t kid_i = 0x2b, kid_r = 0x32;
    size_t n1, n2, n3, n4;
    const uint8_t *p1, *p2, *p3, *p4;
    uint8_t pub[64];
    uint8_t *id_i = NULL, *id_r = NULL;
    size_t id_i_len, id_r_len;

    memset(t, 0, sizeof(*t));
    p1 = hx(T2_PK_I_X, &n1);
    p2 = hx(T2_PK_I_Y, &n2);
    memcpy(pub, p1, 32);
    memcpy(pub + 32, p2, 32);
    p3 = hx(T2_SK_I, &n3);
    t->sk_i = trace_key_load("trace2-I", TRACE_KEY_P256, p3, n3, pub, 64);
    p1 = hx(T2_PK_R_X, &n1);
    p2 = hx(T2_PK_R_Y, &n2);
    memcpy(pub, p1, 32);
    memcpy(pub + 32, p2, 32);
    p4 = hx(T2_SK_R, &n4);
    t->sk_r = trace_key_load("trace2-R", TRACE_KEY_P256, p4, n4, pub, 64);
    if (!TEST_ptr(t->sk_i) || !TEST_ptr(t->sk_r))
        return 0;
    /* ID_CRED_x = { 4 : kid } (a1 04 41 xx) */
    if (kw_edhoc_id_cred_kid(&kid_i, 1, &id_i, &id_i_len) != 0 ||
        kw_edhoc_id_cred_kid(&kid_r, 1, &id_r, &id_r_len) != 0)
        return 0;
    if (!expect_hex(id_r, id_r_len, "a1044132")) {
        OPENSSL_free(id_i);
        OPENSSL_free(id_r);
        return 0;
    }
    memcpy(t->id_i, id_i, id_i_len);
    memcpy(t->id_r, id_r, id_r_len);
    OPENSSL_free(id_i);
    OPENSSL_free(id_r);

    t->db.c[0].kid = &kid_i;
    t->db.c[0].kid_len = 1;
    t->db.c[0].ccs = hx(T2_CRED_I, &t->db.c[0].ccs_len);
    t->db.c[1].kid = &kid_r;
    t->db.c[1].kid_len = 1;
    t->db.c[1].ccs = hx(T2_CRED_R, &t->db.c[1].ccs_len);
    t->db.n = 2;

    t->ci.ctx = t->cr.ctx = ctx;
    t->ci.role = KW_EDHOC_INITIATOR;
    t->ci.method = 3;
    t->cr.role = KW_EDHOC_RESPONDER;
    t->cr.methods = 1u << 3;
    t->ci.suites = t2_suites_i;
    t->ci.n_suites = 2;
    t->cr.suites = t2_suites_r;
    t->cr.n_suites = 1;
    t->ci.initial_suite = 6; /* the initiator first guesses suite 6 */
    t->cr.initial_suite = -1;
    t->ci.local.auth_key = t->sk_i;
    t->ci.local.cred = t->db.c[0].ccs;
    t->ci.local.cred_len = t->db.c[0].ccs_len;
    t->ci.local.id_cred = t->id_i;
    t->ci.local.id_cred_len = id_i_len;
    t->cr.local.auth_key = t->sk_r;
    t->cr.local.cred = t->db.c[1].ccs;
    t->cr.local.cred_len = t->db.c[1].ccs_len;
    t->cr.local.id_cred = t->id_r;
    t->cr.local.id_cred_len = id_r_len;
    t->ci.conn_id = &c_i;
    t->ci.conn_id_len = 1;
    t->cr.conn_id = &c_r;
    t->cr.conn_id_len = 1;
    t->ci.message_4 = t->cr.message_4 = true;
    t->ci.cred_cb = t->cr.cred_cb = tl_cred_cb;
    t->ci.cred_arg = t->cr.cred_arg = &t->db;
    return 1;
}

static void trace2_cleanup(struct trace2 *t)
{
    EVP_PKEY_free(t->sk_i);
    EVP_PKEY_free(t->sk_r);
}

/* The X25519 public key of a private key, computed by OpenSSL directly. */
static int x25519_pub(const char *priv_hex, uint8_t pub[32])
{
    size_t len = 32, n;
    const uint8_t *priv = hx(priv_hex, &n);
    EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, n);
    int ok = k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1;

    EVP_PKEY_free(k);
    return ok;
}

static int test_trace2(void)
{
    static const uint8_t c_i_retry = 0x37;
    struct trace2 t;
    kw_edhoc *i = NULL, *r1 = NULL, *r = NULL;
    const uint8_t *out, *m1;
    size_t out_len, m1_len, n;
    uint8_t gx[32];
    int rv, ok = 0;

    if (!trace2_setup(&t))
        goto err;
    i = kw_edhoc_new(&t.ci);
    r1 = kw_edhoc_new(&t.cr);
    r = kw_edhoc_new(&t.cr);
    if (!TEST_ptr(i) || !TEST_ptr(r1) || !TEST_ptr(r))
        goto err;

    /* The responder supports only suite 2: the trace's first message_1
     * (suite 6) gets error code 2 with SUITES_R = 2, byte for byte. */
    m1 = hx(T2_M1_FIRST, &m1_len);
    rv = kw_edhoc_step(r1, m1, m1_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_SUITE) ||
        !expect_hex(out, out_len, T2_ERROR))
        goto err;

    /*
     * The initiator's first message_1 selects suite 6. Suite 6 uses X25519,
     * but the trace's G_X there (741a13d7...) is the P-256 x-coordinate of
     * X; no conforming suite-6 initiator sends that, so G_X is checked to be
     * the X25519 public key of X instead, and every other byte against the
     * trace.
     */
    if (!inject(i, T2_X_FIRST))
        goto err;
    rv = kw_edhoc_step(i, NULL, 0, &out, &out_len);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(out_len, m1_len) ||
        !TEST_mem_eq(out, 4, m1, 4) || !TEST_mem_eq(out + 36, 1, m1 + 36, 1) ||
        !x25519_pub(T2_X_FIRST, gx) || !TEST_mem_eq(out + 4, 32, gx, 32))
        goto err;
    /* The error makes it select suite 2 and list 6 before it: [6, 2] */
    m1 = hx(T2_ERROR, &n);
    rv = kw_edhoc_step(i, m1, n, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_SUITES_R) || !TEST_int_eq(out_len, 0) ||
        !TEST_int_eq(kw_edhoc_suite(i), 2))
        goto err;
    rv = kw_edhoc_set_conn_id(i, &c_i_retry, 1);
    if (!TEST_int_eq(rv, 0) || !inject(i, T2_X))
        goto err;
    rv = kw_edhoc_initiator_retry(i, &out, &out_len);
    if (!TEST_int_eq(rv, 0) || !expect_hex(out, out_len, T2_M1))
        goto err;

    /* The rest of the trace, each side fed the trace's messages */
    if (!inject(r, T2_Y) || !step_expect(r, T2_M1, T2_M2) ||
        !step_expect(i, T2_M2, T2_M3) || !step_expect(r, T2_M3, T2_M4) ||
        !step_expect(i, T2_M4, NULL))
        goto err;
    if (!check_outputs(i, T2_PRK_OUT, T2_PRK_EXPORTER, T2_MS, T2_SALT) ||
        !check_outputs(r, T2_PRK_OUT, T2_PRK_EXPORTER, T2_MS, T2_SALT))
        goto err;
    if (!key_update(i, T2_KU_CONTEXT) || !key_update(r, T2_KU_CONTEXT) ||
        !check_outputs(i, T2_KU_PRK_OUT, T2_KU_PRK_EXPORTER, T2_KU_MS,
                       T2_KU_SALT) ||
        !check_outputs(r, T2_KU_PRK_OUT, T2_KU_PRK_EXPORTER, T2_KU_MS,
                       T2_KU_SALT))
        goto err;
    ok = 1;
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r1);
    kw_edhoc_free(r);
    trace2_cleanup(&t);
    hx_reset();
    return ok;
}

/* ---- RFC 9529 section 4: invalid messages ------------------------------ */

/* A responder that must refuse msg_hex with want (and answer with an
 * EDHOC error message), then be unusable. */
static int responder_refuses(const kw_edhoc_config *cfg, const char *msg_hex,
                             int want)
{
    kw_edhoc *r = kw_edhoc_new(cfg);
    const uint8_t *in, *out;
    size_t in_len, out_len;
    int rv, ok = 0;

    if (!TEST_ptr(r))
        return 0;
    in = hx(msg_hex, &in_len);
    rv = kw_edhoc_step(r, in, in_len, &out, &out_len);
    if (!TEST_int_eq(rv, want)) {
        fprintf(stderr, "  message %s: %s\n", msg_hex, kw_edhoc_status_str(rv));
        goto out;
    }
    /* an error message: ERR_CODE 1 (tstr) or 2 (suites) */
    if (!TEST_int_gt(out_len, 1) ||
        !TEST_true(out[0] == 0x01 || out[0] == 0x02) ||
        !TEST_false(kw_edhoc_is_complete(r)))
        goto out;
    rv = kw_edhoc_step(r, in, in_len, &out, &out_len);
    ok = TEST_int_eq(rv, KW_EDHOC_E_STATE);
out:
    kw_edhoc_free(r);
    return ok;
}

/* KEYSTREAM_2 from the trace's PRK_2e and TH_2, computed here with
 * OpenSSL's HKDF directly, XORed over a plaintext: message_2 for it. */
static int build_message_2(const char *pt_hex, uint8_t *m2, size_t *m2_len)
{
    size_t n_prk, n_th, n_pt, n_m2;
    const uint8_t *prk = hx(T2_PRK_2E, &n_prk), *th = hx(T2_TH_2, &n_th);
    const uint8_t *pt = hx(pt_hex, &n_pt), *trace_m2 = hx(T2_M2, &n_m2);
    uint8_t info[64], ks[64];
    size_t info_len = 0;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY, ok;
    OSSL_PARAM params[5];

    /* info = ( 0, h'TH_2', plaintext_length ) */
    info[info_len++] = 0x00;
    info[info_len++] = 0x58;
    info[info_len++] = 0x20;
    memcpy(info + info_len, th, 32);
    info_len += 32;
    info[info_len++] = (uint8_t)n_pt; /* < 24 here */
    params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)prk, n_prk);
    params[3] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len);
    params[4] = OSSL_PARAM_construct_end();
    ok = kctx != NULL && EVP_KDF_derive(kctx, ks, n_pt, params) == 1;
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    if (!TEST_true(ok))
        return 0;
    /* bstr( G_Y || CIPHERTEXT_2 ); G_Y from the trace's message_2 */
    m2[0] = 0x58;
    m2[1] = (uint8_t)(32 + n_pt);
    memcpy(m2 + 2, trace_m2 + 2, 32);
    for (size_t k = 0; k < n_pt; k++)
        m2[34 + k] = pt[k] ^ ks[k];
    *m2_len = 34 + n_pt;
    return 1;
}

/* An initiator in the state of trace 2 after its second message_1. */
static kw_edhoc *trace2_initiator(struct trace2 *t)
{
    static const uint8_t c_i = 0x37;
    kw_edhoc_config cfg = t->ci;
    const uint8_t *out;
    size_t out_len;
    kw_edhoc *i;

    cfg.initial_suite = 2;
    cfg.conn_id = &c_i;
    if ((i = kw_edhoc_new(&cfg)) == NULL || !inject(i, T2_X) ||
        kw_edhoc_step(i, NULL, 0, &out, &out_len) != 0 ||
        !expect_hex(out, out_len, T2_M1)) {
        kw_edhoc_free(i);
        return NULL;
    }
    return i;
}

static int initiator_refuses(struct trace2 *t, const uint8_t *m2, size_t len,
                             int want)
{
    kw_edhoc *i = trace2_initiator(t);
    const uint8_t *out;
    size_t out_len;
    int rv, ok = 0;

    if (!TEST_ptr(i))
        return 0;
    rv = kw_edhoc_step(i, m2, len, &out, &out_len);
    if (TEST_int_eq(rv, want) && TEST_int_gt(out_len, 1) &&
        TEST_int_eq(out[0], 0x01) && TEST_false(kw_edhoc_is_complete(i)))
        ok = 1;
    kw_edhoc_free(i);
    return ok;
}

static int test_invalid_traces(void)
{
    static const int suite0[] = {0};
    struct trace2 t;
    kw_edhoc_config x25519_r;
    EVP_PKEY *x25519 = NULL;
    uint8_t m2[64];
    size_t m2_len, n;
    const uint8_t *p;
    int ok = 0;

    if (!trace2_setup(&t))
        goto err;
    /* message_1 refused by the trace-2 responder (method 3, suite 2) */
    static const struct {
        const char *hex;
        int want;
    } m1_cases[] = {
        {INVALID_0, KW_EDHOC_E_DECODE},  /* array instead of sequence */
        {INVALID_1, KW_EDHOC_E_DECODE},  /* C_I 41 0e instead of 0e */
        {INVALID_2, KW_EDHOC_E_DECODE},  /* SUITES_I 81 02 */
        {INVALID_3, KW_EDHOC_E_DECODE},  /* G_X as a text string */
        {INVALID_7, KW_EDHOC_E_SUITE},   /* selects suite 24: refused */
        {INVALID_8, KW_EDHOC_E_DECODE},  /* x >= p */
        {INVALID_9, KW_EDHOC_E_DECODE},  /* x not on P-256 */
        {INVALID_12, KW_EDHOC_E_DECODE}, /* 31-byte G_X */
        {INVALID_13, KW_EDHOC_E_DECODE}, /* METHOD as 19 00 03 */
        {INVALID_14, KW_EDHOC_E_DECODE}, /* indefinite-length array */
    };
    for (size_t k = 0; k < sizeof(m1_cases) / sizeof(m1_cases[0]); k++)
        if (!responder_refuses(&t.cr, m1_cases[k].hex, m1_cases[k].want))
            goto err;

    /* The low-order X25519 point needs a responder for method 3, suite 0 */
    x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    x25519_r = t.cr;
    x25519_r.local.auth_key = x25519;
    x25519_r.suites = suite0;
    x25519_r.n_suites = 1;
    if (!TEST_ptr(x25519) ||
        !responder_refuses(&x25519_r, INVALID_10, KW_EDHOC_E_DECODE))
        goto err;

    /* message_2 with two elements instead of one */
    p = hx(INVALID_4, &n);
    if (!initiator_refuses(&t, p, n, KW_EDHOC_E_DECODE))
        goto err;
    /* First check that the test's own keystream reproduces the trace's
     * message_2 from its PLAINTEXT_2; then the invalid plaintexts. */
    if (!build_message_2(T2_PLAINTEXT_2, m2, &m2_len) ||
        !expect_hex(m2, m2_len, T2_M2))
        goto err;
    static const char *const pt_cases[] = {INVALID_5, INVALID_6, INVALID_11};
    for (size_t k = 0; k < 3; k++)
        if (!build_message_2(pt_cases[k], m2, &m2_len) ||
            !initiator_refuses(&t, m2, m2_len, KW_EDHOC_E_DECODE))
            goto err;
    ok = 1;
err:
    EVP_PKEY_free(x25519);
    trace2_cleanup(&t);
    hx_reset();
    return ok;
}

/* kw_edhoc_ccs_build rebuilds trace 2's CCSs byte for byte from what
 * kw_edhoc_ccs_parse reads out of them (sub, kid, public key). */
static int ccs_rebuilds(const char *hex)
{
    size_t n, kid_len = 0, out_len = 0;
    const uint8_t *ccs = hx(hex, &n), *kid = NULL;
    char *sub = NULL;
    EVP_PKEY *pub = NULL;
    uint8_t *out = NULL;
    int ok =
        TEST_int_eq(
            kw_edhoc_ccs_parse(ccs, n, NULL, NULL, &kid, &kid_len, &sub, &pub),
            KW_EDHOC_OK) &&
        TEST_int_eq(kw_edhoc_ccs_build(pub, sub, kid, kid_len, &out, &out_len),
                    KW_EDHOC_OK) &&
        TEST_mem_eq(out, out_len, ccs, n);

    OPENSSL_free(out);
    OPENSSL_free(sub);
    EVP_PKEY_free(pub);
    return ok;
}

static int test_ccs_build(void)
{
    int ok = ccs_rebuilds(T2_CRED_R) && ccs_rebuilds(T2_CRED_I);

    hx_reset();
    return ok;
}

int main(int argc, char **argv)
{
    int rv = trace_keys_init();

    if (rv != 0)
        return rv == TU_SKIP_CODE ? tu_skip("trace keys unavailable") : 1;
    if ((ctx = kw_edhoc_ctx_new(NULL, "provider=default")) == NULL) {
        fprintf(stderr, "kw_edhoc_ctx_new failed\n");
        return 1;
    }
    ADD_TEST(test_trace1);
    ADD_TEST(test_trace2);
    ADD_TEST(test_invalid_traces);
    ADD_TEST(test_ccs_build);
    rv = tu_run(argc, argv);
    kw_edhoc_ctx_free(ctx);
    trace_keys_cleanup();
    return rv;
}
