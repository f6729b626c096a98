/* SPDX-License-Identifier: Apache-2.0 */
/* test_edhoc_handshake.c: in-process handshakes with fresh keys and
 * certificates. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/x509_vfy.h>

#include "cbor.h"
#include "edhoc.h"
#include "edhoc_testlib.h"
#include "pmsg.h"
#include "testcerts.h"
#include "testutil.h"

enum id_kind { ID_X5CHAIN, ID_X5T, ID_KID };

/* One endpoint: its key and certificate, and its CRED/ID_CRED encodings. */
struct party {
    struct tc_cert cert;
    uint8_t kid;
    uint8_t *ccs, *cred_x509, *id_cred[3];
    size_t ccs_len, cred_x509_len, id_cred_len[3];
};

static kw_edhoc_ctx *ctx;
static struct tc_cert ca, rogue_ca;
static struct party alice, bob, mallory; /* mallory: not under our CA */
static X509_STORE *store;

/* CCS = { 2 : sub, 8 : { 1 : COSE_Key } } for a P-256 key. */
static int make_ccs(struct party *p, const char *sub)
{
    BIGNUM *x = NULL, *y = NULL;
    uint8_t bx[32], by[32];
    kw_cbor_enc e;
    int ok;

    if (!EVP_PKEY_get_bn_param(p->cert.key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
        !EVP_PKEY_get_bn_param(p->cert.key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
        BN_bn2binpad(x, bx, 32) != 32 || BN_bn2binpad(y, by, 32) != 32) {
        BN_free(x);
        BN_free(y);
        return 0;
    }
    BN_free(x);
    BN_free(y);
    kw_cbor_enc_init(&e);
    kw_cbor_put_map(&e, 2);
    kw_cbor_put_uint(&e, 2);
    kw_cbor_put_tstr(&e, sub, strlen(sub));
    kw_cbor_put_uint(&e, 8);
    kw_cbor_put_map(&e, 1);
    kw_cbor_put_uint(&e, 1);
    kw_cbor_put_map(&e, 5);
    kw_cbor_put_uint(&e, 1); /* kty: EC2 */
    kw_cbor_put_uint(&e, 2);
    kw_cbor_put_uint(&e, 2); /* kid */
    kw_cbor_put_bstr(&e, &p->kid, 1);
    kw_cbor_put_int(&e, -1); /* crv: P-256 */
    kw_cbor_put_uint(&e, 1);
    kw_cbor_put_int(&e, -2);
    kw_cbor_put_bstr(&e, bx, 32);
    kw_cbor_put_int(&e, -3);
    kw_cbor_put_bstr(&e, by, 32);
    ok = kw_cbor_enc_error(&e) == 0;
    p->ccs = e.buf;
    p->ccs_len = e.len;
    return ok;
}

static int party_make(struct party *p, const char *cn, uint8_t kid,
                      const struct tc_cert *issuer)
{
    const uint8_t *chain[2];
    size_t lens[2];

    memset(p, 0, sizeof(*p));
    p->kid = kid;
    if (!tc_cert_make(&p->cert, cn, issuer, "P-256") || !make_ccs(p, cn))
        return 0;
    chain[0] = p->cert.der;
    lens[0] = p->cert.der_len;
    chain[1] = issuer->der;
    lens[1] = issuer->der_len;
    return kw_edhoc_cred_x509(p->cert.der, p->cert.der_len, &p->cred_x509,
                              &p->cred_x509_len) == 0 &&
           kw_edhoc_id_cred_x5chain(chain, lens, 2, &p->id_cred[ID_X5CHAIN],
                                    &p->id_cred_len[ID_X5CHAIN]) == 0 &&
           kw_edhoc_id_cred_x5t(p->cert.der, p->cert.der_len,
                                KW_COSE_ALG_SHA256, &p->id_cred[ID_X5T],
                                &p->id_cred_len[ID_X5T]) == 0 &&
           kw_edhoc_id_cred_kid(&p->kid, 1, &p->id_cred[ID_KID],
                                &p->id_cred_len[ID_KID]) == 0;
}

static void party_free(struct party *p)
{
    tc_cert_free(&p->cert);
    OPENSSL_free(p->ccs);
    OPENSSL_free(p->cred_x509);
    for (int i = 0; i < 3; i++)
        OPENSSL_free(p->id_cred[i]);
}

/* Everyone our peers may know: kid -> CCS, certificates for x5t, and the
 * CA for x5chain. */
static void db_init(struct tl_creds *db)
{
    const struct party *all[] = {&alice, &bob, &mallory};

    memset(db, 0, sizeof(*db));
    for (size_t i = 0; i < 3; i++) {
        db->c[i].kid = &all[i]->kid;
        db->c[i].kid_len = 1;
        db->c[i].ccs = all[i]->ccs;
        db->c[i].ccs_len = all[i]->ccs_len;
        db->c[i].cert = all[i]->cert.der;
        db->c[i].cert_len = all[i]->cert.der_len;
    }
    db->n = 3;
    db->store = store;
}

static kw_edhoc_config cfg_for(int role, int method, const int *suites,
                               size_t n, const struct party *p,
                               enum id_kind kind, struct tl_creds *db)
{
    kw_edhoc_config c;

    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.role = role;
    c.method = method;
    c.methods = 1u << method;
    c.suites = suites;
    c.n_suites = n;
    c.initial_suite = -1;
    c.local.auth_key = p->cert.key;
    c.local.cred = kind == ID_KID ? p->ccs : p->cred_x509;
    c.local.cred_len = kind == ID_KID ? p->ccs_len : p->cred_x509_len;
    c.local.id_cred = p->id_cred[kind];
    c.local.id_cred_len = p->id_cred_len[kind];
    c.cred_cb = tl_cred_cb;
    c.cred_arg = db;
    return c;
}

/* Both complete, same suite, same exporter output, each knows the other. */
static int check_pair(kw_edhoc *i, kw_edhoc *r, const char *i_name,
                      const char *r_name)
{
    static const uint8_t context[] = {'t', 'e', 's', 't'};
    uint8_t ki[32], kr[32];
    kw_edhoc_peer_info pi, pr;
    const uint8_t *a, *b, *c, *d;
    size_t al, bl, cl, dl;
    int rv1, rv2;

    if (!TEST_true(kw_edhoc_is_complete(i)) ||
        !TEST_true(kw_edhoc_is_complete(r)) ||
        !TEST_int_eq(kw_edhoc_suite(i), kw_edhoc_suite(r)))
        return 0;
    rv1 = kw_edhoc_exporter(i, 2, context, sizeof(context), ki, sizeof(ki));
    rv2 = kw_edhoc_exporter(r, 2, context, sizeof(context), kr, sizeof(kr));
    if (!TEST_int_eq(rv1, 0) || !TEST_int_eq(rv2, 0) ||
        !TEST_mem_eq(ki, sizeof(ki), kr, sizeof(kr)))
        return 0;
    rv1 = kw_edhoc_get0_peer(i, &pi);
    rv2 = kw_edhoc_get0_peer(r, &pr);
    if (!TEST_int_eq(rv1, 0) || !TEST_int_eq(rv2, 0) ||
        !TEST_ptr(pi.identity) || !TEST_ptr(strstr(pi.identity, r_name)) ||
        !TEST_ptr(pr.identity) || !TEST_ptr(strstr(pr.identity, i_name)))
        return 0;
    rv1 = kw_edhoc_get0_conn_ids(i, &a, &al, &b, &bl);
    rv2 = kw_edhoc_get0_conn_ids(r, &c, &cl, &d, &dl);
    return TEST_int_eq(rv1, 0) && TEST_int_eq(rv2, 0) &&
           TEST_mem_eq(a, al, c, cl) && TEST_mem_eq(b, bl, d, dl) &&
           TEST_false(al == bl && memcmp(a, b, al) == 0);
}

static int test_matrix(void)
{
    static const int suites[2][1] = {{2}, {3}};
    struct tl_creds db;
    int ok = 1, n = 0;

    db_init(&db);
    for (int method = 0; method <= 3; method++) {
        for (int s = 0; s < 2; s++) {
            for (int kind = ID_X5CHAIN; kind <= ID_KID; kind++) {
                kw_edhoc_config ci = cfg_for(KW_EDHOC_INITIATOR, method,
                                             suites[s], 1, &alice, kind, &db);
                kw_edhoc_config cr = cfg_for(KW_EDHOC_RESPONDER, method,
                                             suites[s], 1, &bob, kind, &db);
                ci.message_4 = cr.message_4 = (n++ % 2) == 0;
                kw_edhoc *i = kw_edhoc_new(&ci), *r = kw_edhoc_new(&cr);
                int rv = tl_handshake(i, r, 0);

                if (!TEST_int_eq(rv, 0) || !check_pair(i, r, "alice", "bob")) {
                    fprintf(stderr, "  method %d suite %d id kind %d: %s\n",
                            method, suites[s][0], kind,
                            kw_edhoc_status_str(rv));
                    ok = 0;
                }
                kw_edhoc_free(i);
                kw_edhoc_free(r);
            }
        }
    }
    return ok;
}

/* Suite 0 with Ed25519 certificates (signature method). */
static int test_suite0_ed25519(void)
{
    static const int suites[] = {0};
    struct tc_cert ci_cert = {0}, cr_cert = {0};
    struct tl_creds db = {0};
    uint8_t *id_i = NULL, *id_r = NULL, *cred_i = NULL, *cred_r = NULL;
    size_t id_i_len, id_r_len, cred_i_len, cred_r_len;
    kw_edhoc *i = NULL, *r = NULL;
    int rv, ok = 0;

    if (!TEST_true(tc_cert_make(&ci_cert, "ed-alice", &ca, "ED25519")) ||
        !TEST_true(tc_cert_make(&cr_cert, "ed-bob", &ca, "ED25519")))
        goto err;
    if (kw_edhoc_id_cred_x5t(ci_cert.der, ci_cert.der_len,
                             KW_COSE_ALG_SHA256_64, &id_i, &id_i_len) ||
        kw_edhoc_id_cred_x5t(cr_cert.der, cr_cert.der_len,
                             KW_COSE_ALG_SHA256_64, &id_r, &id_r_len) ||
        kw_edhoc_cred_x509(ci_cert.der, ci_cert.der_len, &cred_i,
                           &cred_i_len) ||
        kw_edhoc_cred_x509(cr_cert.der, cr_cert.der_len, &cred_r, &cred_r_len))
        goto err;
    db.c[0].cert = ci_cert.der;
    db.c[0].cert_len = ci_cert.der_len;
    db.c[1].cert = cr_cert.der;
    db.c[1].cert_len = cr_cert.der_len;
    db.n = 2;
    kw_edhoc_config c =
        cfg_for(KW_EDHOC_INITIATOR, 0, suites, 1, &alice, ID_X5T, &db);
    c.local = (kw_edhoc_local){ci_cert.key, cred_i, cred_i_len, id_i, id_i_len};
    i = kw_edhoc_new(&c);
    c.role = KW_EDHOC_RESPONDER;
    c.local = (kw_edhoc_local){cr_cert.key, cred_r, cred_r_len, id_r, id_r_len};
    r = kw_edhoc_new(&c);
    rv = tl_handshake(i, r, 0);
    ok = TEST_int_eq(rv, 0) && check_pair(i, r, "ed-alice", "ed-bob") &&
         TEST_int_eq(kw_edhoc_suite(i), 0);
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    OPENSSL_free(id_i);
    OPENSSL_free(id_r);
    OPENSSL_free(cred_i);
    OPENSSL_free(cred_r);
    tc_cert_free(&ci_cert);
    tc_cert_free(&cr_cert);
    return ok;
}

/* Runs one handshake expected to fail at the receiver of message
 * fail_msg with status want, which must answer with an error message
 * whose ERR_CODE is err_code; the other side then sees that error. */
static int expect_failure(kw_edhoc_config *ci, kw_edhoc_config *cr, int tamper,
                          int fail_msg, int want, int err_code)
{
    kw_edhoc *i = kw_edhoc_new(ci), *r = kw_edhoc_new(cr);
    kw_edhoc *to = r, *from = i;
    const uint8_t *out;
    size_t out_len;
    uint8_t buf[4096], errmsg[256];
    int rv, ok = 0;
    int64_t code;
    const char *diag;

    if (!TEST_ptr(i) || !TEST_ptr(r))
        goto out;
    rv = kw_edhoc_step(i, NULL, 0, &out, &out_len);
    for (int msg = 1; rv == 0 && msg < fail_msg; msg++) {
        memcpy(buf, out, out_len);
        if (msg == tamper)
            buf[out_len - 1] ^= 0x01;
        rv = kw_edhoc_step(to, buf, out_len, &out, &out_len);
        kw_edhoc *t = from;
        from = to;
        to = t;
    }
    if (!TEST_int_eq(rv, 0))
        goto out;
    memcpy(buf, out, out_len);
    if (fail_msg == tamper)
        buf[out_len - 1] ^= 0x01;
    rv = kw_edhoc_step(to, buf, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, want) || !TEST_int_gt(out_len, 1) ||
        !TEST_int_eq(out[0], err_code) ||
        !TEST_false(kw_edhoc_is_complete(to)) || out_len > sizeof(errmsg))
        goto out;
    /* the error message reaches the other side */
    memcpy(errmsg, out, out_len);
    rv = kw_edhoc_step(from, errmsg, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_PEER_ERROR) || !TEST_int_eq(out_len, 0))
        goto out;
    rv = kw_edhoc_peer_error(from, &code, &diag);
    ok = TEST_int_eq(rv, 0) && TEST_int_eq(code, err_code) &&
         TEST_false(kw_edhoc_is_complete(from));
out:
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    return ok;
}

static int test_tampered(void)
{
    static const int suites[] = {2};
    struct tl_creds db;

    db_init(&db);
    for (int method = 0; method <= 3; method += 3) {
        kw_edhoc_config ci =
            cfg_for(KW_EDHOC_INITIATOR, method, suites, 1, &alice, ID_KID, &db);
        kw_edhoc_config cr =
            cfg_for(KW_EDHOC_RESPONDER, method, suites, 1, &bob, ID_KID, &db);
        /* message_2: the last byte is in Signature_or_MAC_2 */
        if (!expect_failure(&ci, &cr, 2, 2, KW_EDHOC_E_AUTH, 1))
            return 0;
        /* message_3: the last byte is in the AEAD tag */
        if (!expect_failure(&ci, &cr, 3, 3, KW_EDHOC_E_AUTH, 1))
            return 0;
    }
    return 1;
}

static int test_unknown_kid(void)
{
    static const int suites[] = {2};
    struct tl_creds db, partial;
    kw_edhoc_config ci, cr;

    db_init(&db);
    db_init(&partial);
    partial.c[0].kid_len = 0; /* the responder does not know alice's kid */
    ci = cfg_for(KW_EDHOC_INITIATOR, 3, suites, 1, &alice, ID_KID, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 3, suites, 1, &bob, ID_KID, &partial);
    /* error code 3 (unknown credential referenced), ERR_INFO true */
    if (!expect_failure(&ci, &cr, 0, 3, KW_EDHOC_E_UNKNOWN_CRED, 3) ||
        !TEST_int_eq(partial.calls, 1))
        return 0;
    return 1;
}

static int test_untrusted_and_denied(void)
{
    static const int suites[] = {3};
    struct tl_creds db;
    kw_edhoc_config ci, cr;

    db_init(&db);
    /* mallory's chain ends at a CA the responder does not trust */
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, suites, 1, &mallory, ID_X5CHAIN, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, suites, 1, &bob, ID_X5CHAIN, &db);
    if (!expect_failure(&ci, &cr, 0, 3, KW_EDHOC_E_PEER_REJECTED, 1))
        return 0;
    /* alice is valid, but the initiator's policy refuses bob */
    db.deny_subject = "bob";
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, suites, 1, &alice, ID_X5CHAIN, &db);
    return expect_failure(&ci, &cr, 0, 2, KW_EDHOC_E_PEER_REJECTED, 1);
}

static int test_method_refused(void)
{
    static const int suites[] = {2};
    struct tl_creds db;
    kw_edhoc_config ci, cr;

    db_init(&db);
    ci = cfg_for(KW_EDHOC_INITIATOR, 3, suites, 1, &alice, ID_KID, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, suites, 1, &bob, ID_KID, &db);
    return expect_failure(&ci, &cr, 0, 1, KW_EDHOC_E_METHOD, 1);
}

static int test_negotiation(void)
{
    static const int i_suites[] = {2, 3}, r_suites[] = {3}, i_only2[] = {2};
    struct tl_creds db;
    kw_edhoc_config ci, cr;
    kw_edhoc *i = NULL, *r1 = NULL, *r2 = NULL;
    const uint8_t *out;
    size_t out_len;
    uint8_t m[256];
    int rv, ok = 0;

    db_init(&db);
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, i_suites, 2, &alice, ID_X5T, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, r_suites, 1, &bob, ID_X5T, &db);
    i = kw_edhoc_new(&ci);
    r1 = kw_edhoc_new(&cr);
    r2 = kw_edhoc_new(&cr);
    if (!TEST_ptr(i) || !TEST_ptr(r1) || !TEST_ptr(r2))
        goto err;
    /* the initiator selects its favourite, suite 2: SUITES_I = 2 */
    rv = kw_edhoc_step(i, NULL, 0, &out, &out_len);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(out[1], 0x02))
        goto err;
    memcpy(m, out, out_len);
    /* the responder only has 3: error ( 2, 3 ) */
    rv = kw_edhoc_step(r1, m, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_SUITE) ||
        !TEST_mem_eq(out, out_len, "\x02\x03", 2))
        goto err;
    memcpy(m, out, out_len);
    rv = kw_edhoc_step(i, m, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_SUITES_R))
        goto err;
    /* retry: SUITES_I = [2, 3] */
    rv = kw_edhoc_initiator_retry(i, &out, &out_len);
    if (!TEST_int_eq(rv, 0) || !TEST_mem_eq(out + 1, 3, "\x82\x02\x03", 3))
        goto err;
    memcpy(m, out, out_len);
    rv = kw_edhoc_step(r2, m, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, 0))
        goto err;
    /* finish the handshake by hand */
    uint8_t m2[1024];
    size_t m2_len = out_len;
    memcpy(m2, out, out_len);
    rv = kw_edhoc_step(i, m2, m2_len, &out, &out_len);
    if (!TEST_int_eq(rv, 0))
        goto err;
    memcpy(m2, out, out_len);
    rv = kw_edhoc_step(r2, m2, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, 0) || !check_pair(i, r2, "alice", "bob") ||
        !TEST_int_eq(kw_edhoc_suite(i), 3))
        goto err;
    kw_edhoc_free(i);
    kw_edhoc_free(r1);
    i = r1 = NULL;

    /* a responder supporting a suite the initiator prefers to the selected
     * one names it: I has [3, 2] but selects 2, R has [2, 3] -> ( 2, 3 ) */
    static const int i_32[] = {3, 2}, r_23[] = {2, 3};
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, i_32, 2, &alice, ID_X5T, &db);
    ci.initial_suite = 2;
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, r_23, 2, &bob, ID_X5T, &db);
    i = kw_edhoc_new(&ci);
    r1 = kw_edhoc_new(&cr);
    rv = kw_edhoc_step(i, NULL, 0, &out, &out_len);
    if (!TEST_int_eq(rv, 0))
        goto err;
    memcpy(m, out, out_len);
    rv = kw_edhoc_step(r1, m, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_SUITE) ||
        !TEST_mem_eq(out, out_len, "\x02\x03", 2))
        goto err;
    kw_edhoc_free(i);
    kw_edhoc_free(r1);
    i = r1 = NULL;

    /* nothing in common: the initiator gives up */
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, i_only2, 1, &alice, ID_X5T, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, r_suites, 1, &bob, ID_X5T, &db);
    i = kw_edhoc_new(&ci);
    r1 = kw_edhoc_new(&cr);
    rv = kw_edhoc_step(i, NULL, 0, &out, &out_len);
    memcpy(m, out, out_len);
    rv = kw_edhoc_step(r1, m, out_len, &out, &out_len);
    memcpy(m, out, out_len);
    rv = kw_edhoc_step(i, m, out_len, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_NO_COMMON_SUITE) ||
        !TEST_int_eq(out_len, 0))
        goto err;
    rv = kw_edhoc_initiator_retry(i, &out, &out_len);
    ok = TEST_int_eq(rv, KW_EDHOC_E_STATE);
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r1);
    kw_edhoc_free(r2);
    return ok;
}

/* The responder's EAD callback: records EAD_1 and answers in EAD_2. */
struct ead_log {
    int calls[5];
    int64_t label[5];
    uint8_t value[5][16];
    size_t value_len[5];
};

static int ead_cb(void *arg, kw_edhoc *s, int msg,
                  const kw_edhoc_ead_item *items, size_t n)
{
    struct ead_log *log = arg;
    static const uint8_t reply[] = {'o', 'k'};
    kw_edhoc_ead_item answer = {7, true, reply, sizeof(reply)};

    log->calls[msg]++;
    if (n != 1 || items[0].value_len > 16)
        return n == 0 ? 0 : -1;
    log->label[msg] = items[0].label;
    memcpy(log->value[msg], items[0].value, items[0].value_len);
    log->value_len[msg] = items[0].value_len;
    if (msg == 1)
        return kw_edhoc_set_ead(s, 2, &answer, 1);
    return 0;
}

static int test_ead(void)
{
    static const int suites[] = {2};
    static const uint8_t hello[] = {'h', 'i'};
    const kw_edhoc_ead_item ead1[] = {
        {0, false, NULL, 0},              /* padding: dropped on receipt */
        {5, true, hello, sizeof(hello)}}; /* non-critical */
    const kw_edhoc_ead_item critical = {-9, true, hello, sizeof(hello)};
    struct tl_creds db;
    struct ead_log rlog = {0}, ilog = {0};
    kw_edhoc_config ci, cr;
    const kw_edhoc_ead_item *got;
    size_t n;
    kw_edhoc *i, *r;
    int rv, ok = 0;

    db_init(&db);
    ci = cfg_for(KW_EDHOC_INITIATOR, 3, suites, 1, &alice, ID_KID, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 3, suites, 1, &bob, ID_KID, &db);
    cr.ead_cb = ead_cb;
    cr.ead_arg = &rlog;
    ci.ead_cb = ead_cb;
    ci.ead_arg = &ilog;
    i = kw_edhoc_new(&ci);
    r = kw_edhoc_new(&cr);
    rv = kw_edhoc_set_ead(i, 1, ead1, 2);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_edhoc_set_ead(i, 2, ead1, 2); /* EAD_2 is the responder's */
    if (!TEST_int_eq(rv, KW_EDHOC_E_PARAM))
        goto err;
    rv = tl_handshake(i, r, 0);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(rlog.calls[1], 1) ||
        !TEST_int_eq(rlog.label[1], 5) ||
        !TEST_mem_eq(rlog.value[1], rlog.value_len[1], "hi", 2) ||
        !TEST_int_eq(ilog.calls[2], 1) || !TEST_int_eq(ilog.label[2], 7) ||
        !TEST_mem_eq(ilog.value[2], ilog.value_len[2], "ok", 2))
        goto err;
    rv = kw_edhoc_get0_ead(r, 1, &got, &n);
    if (!TEST_int_eq(rv, 0) || !TEST_int_eq(n, 1) ||
        !TEST_int_eq(got[0].label, 5))
        goto err;
    kw_edhoc_free(i);
    kw_edhoc_free(r);

    /* without a callback, a critical item is refused with an error */
    cr.ead_cb = NULL;
    i = kw_edhoc_new(&ci);
    r = kw_edhoc_new(&cr);
    rv = kw_edhoc_set_ead(i, 1, &critical, 1);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = tl_handshake(i, r, 0);
    ok = TEST_int_eq(rv, KW_EDHOC_E_EAD);
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    return ok;
}

static int test_misuse(void)
{
    static const int suites[] = {2};
    struct tl_creds db;
    kw_edhoc_config ci, cr;
    kw_edhoc *i, *r;
    const uint8_t *out;
    size_t out_len;
    uint8_t k[16];
    int rv, ok = 0;

    db_init(&db);
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, suites, 1, &alice, ID_KID, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, suites, 1, &bob, ID_KID, &db);
    i = kw_edhoc_new(&ci);
    r = kw_edhoc_new(&cr);
    rv = kw_edhoc_exporter(i, 0, NULL, 0, k, sizeof(k));
    if (!TEST_int_eq(rv, KW_EDHOC_E_STATE))
        goto err;
    rv = tl_handshake(i, r, 0);
    if (!TEST_int_eq(rv, 0))
        goto err;
    /* a late message changes nothing and sends no error */
    rv = kw_edhoc_step(r, (const uint8_t *)"\x41\x00", 2, &out, &out_len);
    if (!TEST_int_eq(rv, KW_EDHOC_E_STATE) || !TEST_int_eq(out_len, 0) ||
        !TEST_true(kw_edhoc_is_complete(r)))
        goto err;
    /* a bad config is refused */
    cr.n_suites = 0;
    if (!TEST_ptr_null(kw_edhoc_new(&cr)))
        goto err;
    ci.method = 4;
    ok = TEST_ptr_null(kw_edhoc_new(&ci));
err:
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    return ok;
}

/* EDHOC then protected messages, both roles from the sessions. */
static int test_protected_after_handshake(void)
{
    static const int suites[] = {3};
    struct tl_creds db;
    kw_edhoc_config ci, cr;
    kw_edhoc *i, *r;
    kw_pmsg *pi = NULL, *pr = NULL;
    uint8_t m[128], out[64];
    size_t m_len = sizeof(m), out_len = sizeof(out);
    unsigned flags;
    int rv, ok = 0;

    db_init(&db);
    ci = cfg_for(KW_EDHOC_INITIATOR, 0, suites, 1, &alice, ID_X5CHAIN, &db);
    cr = cfg_for(KW_EDHOC_RESPONDER, 0, suites, 1, &bob, ID_X5CHAIN, &db);
    i = kw_edhoc_new(&ci);
    r = kw_edhoc_new(&cr);
    rv = tl_handshake(i, r, 0);
    if (!TEST_int_eq(rv, 0))
        goto err;
    pi = kw_pmsg_new_from_edhoc(i, NULL);
    pr = kw_pmsg_new_from_edhoc(r, NULL);
    /* the handshake state is no longer needed */
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    i = r = NULL;
    if (!TEST_ptr(pi) || !TEST_ptr(pr))
        goto err;
    rv = kw_pmsg_seal(pr, (const uint8_t *)"reading 21.5", 12, m, &m_len,
                      &flags);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_pmsg_open(pi, m, m_len, out, &out_len, &flags);
    if (!TEST_int_eq(rv, 0) || !TEST_mem_eq(out, out_len, "reading 21.5", 12))
        goto err;
    rv = kw_pmsg_key_update(pi);
    m_len = sizeof(m);
    if (!TEST_int_eq(rv, 0))
        goto err;
    rv = kw_pmsg_seal(pi, (const uint8_t *)"ack", 3, m, &m_len, &flags);
    if (!TEST_int_eq(rv, 0))
        goto err;
    out_len = sizeof(out);
    rv = kw_pmsg_open(pr, m, m_len, out, &out_len, &flags);
    ok = TEST_int_eq(rv, 0) && TEST_mem_eq(out, out_len, "ack", 3) &&
         TEST_true(flags & KW_PMSG_F_EPOCH_ADVANCED);
err:
    kw_pmsg_free(pi);
    kw_pmsg_free(pr);
    kw_edhoc_free(i);
    kw_edhoc_free(r);
    return ok;
}

static int setup(void)
{
    if (!tc_cert_make(&ca, "test CA", NULL, "P-256") ||
        !tc_cert_make(&rogue_ca, "rogue CA", NULL, "P-256") ||
        !party_make(&alice, "alice", 0x0a, &ca) ||
        !party_make(&bob, "bob", 0x2b, &ca) ||
        !party_make(&mallory, "mallory", 0x13, &rogue_ca))
        return 0;
    if ((store = X509_STORE_new()) == NULL ||
        !X509_STORE_add_cert(store, ca.x509))
        return 0;
    return (ctx = kw_edhoc_ctx_new(NULL, "provider=default")) != NULL;
}

int main(int argc, char **argv)
{
    int rv;

    if (!setup()) {
        fprintf(stderr, "test setup failed\n");
        return 1;
    }
    ADD_TEST(test_matrix);
    ADD_TEST(test_suite0_ed25519);
    ADD_TEST(test_tampered);
    ADD_TEST(test_unknown_kid);
    ADD_TEST(test_untrusted_and_denied);
    ADD_TEST(test_method_refused);
    ADD_TEST(test_negotiation);
    ADD_TEST(test_ead);
    ADD_TEST(test_misuse);
    ADD_TEST(test_protected_after_handshake);
    rv = tu_run(argc, argv);
    kw_edhoc_ctx_free(ctx);
    X509_STORE_free(store);
    party_free(&alice);
    party_free(&bob);
    party_free(&mallory);
    tc_cert_free(&ca);
    tc_cert_free(&rogue_ca);
    return rv;
}
