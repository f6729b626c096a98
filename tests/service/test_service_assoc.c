/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_assoc.c: two keywardd instances associate over EDHOC in both
 * roles, methods 0 and 3, suites 0/2/3, with certificates and kids; they
 * exchange protected messages, update keys, re-handshake, and refuse what
 * they must. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assoc_testlib.h"
#include "testutil.h"

static struct at_pair P;

/* Handshake, then messages both ways (one opened by kid), then close. */
static bool roundtrip(kwc *ci, const char *idi, kwc *cr, const char *idr,
                      int method, unsigned suite, const char *peer_of_i,
                      int kind)
{
    unsigned suites[1] = {suite};
    struct kwc_assoc_opts o = {.method = method,
                               .suites = suite != 99 ? suites : NULL,
                               .nsuites = suite != 99 ? 1 : 0};
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN];
    struct kwc_msg_info info;

    if (!at_associate(ci, idi, &o, cr, idr, hi, hr) ||
        !TEST_int_eq((int)at_si->method, method) ||
        !TEST_int_eq((int)at_sr->method, method) ||
        (suite != 99 && !TEST_int_eq((int)at_si->suite, (int)suite)) ||
        !TEST_int_eq(at_si->peer.kind, kind) ||
        !TEST_int_eq(at_sr->peer.kind, kind) ||
        !TEST_str_eq(at_sr->peer.subject, peer_of_i))
        return false;
    if (!at_send(ci, hi, cr, hr, "reading 1", &info) ||
        !TEST_str_eq(info.peer.subject, peer_of_i) ||
        !at_send(cr, hr, ci, NULL, "ack 1", &info) || /* by kid */
        !TEST_mem_eq(info.handle, KWC_HANDLE_LEN, hi, KWC_HANDLE_LEN) ||
        !at_send(ci, hi, cr, NULL, "reading 2", NULL))
        return false;
    return TEST_rc(kwc_assoc_close(ci, hi), KWC_OK) &&
           TEST_rc(kwc_assoc_close(cr, hr), KWC_OK) &&
           TEST_rc(kwc_assoc_close(cr, hr), KWC_NOT_FOUND);
}

static int test_x509_both_roles(void)
{
    const char *sa = "CN=kw-test-a,O=Keyward Test",
               *sb = "CN=kw-test-b,O=Keyward Test";
    int methods[] = {0, 3};
    unsigned suites[] = {2, 3};

    for (int m = 0; m < 2; m++)
        for (int s = 0; s < 2; s++) {
            if (!roundtrip(P.ca, "x509", P.cb, "x509", methods[m], suites[s],
                           sa, KWC_CRED_X509) ||
                !roundtrip(P.cb, "x509", P.ca, "x509", methods[m], suites[s],
                           sb, KWC_CRED_X509)) {
                fprintf(stderr, "  method %d suite %u\n", methods[m],
                        suites[s]);
                return 0;
            }
        }
    /* mixed methods 1 and 2 are not enabled by default */
    return TEST_rc(kwc_assoc_start(P.ca, "x509",
                                   &(struct kwc_assoc_opts){.method = 1},
                                   at_si),
                   KWC_INVALID_ARGUMENT);
}

static int test_suite0_ed25519(void)
{
    return roundtrip(P.ca, "ed", P.cb, "ed", 0, 0,
                     "CN=kw-test-a-ed,O=Keyward Test", KWC_CRED_X509) &&
           roundtrip(P.cb, "ed", P.ca, "ed", 0, 0,
                     "CN=kw-test-b-ed,O=Keyward Test", KWC_CRED_X509);
}

static int test_ccs_by_kid(void)
{
    return roundtrip(P.ca, "ccs", P.cb, "ccs", 3, 2, "kw-test-a",
                     KWC_CRED_CCS) &&
           TEST_mem_eq(at_sr->peer.kid, at_sr->peer.kid_len, "\xa1", 1) &&
           roundtrip(P.cb, "ccs", P.ca, "ccs", 0, 3, "kw-test-b",
                     KWC_CRED_CCS) &&
           TEST_mem_eq(at_sr->peer.kid, at_sr->peer.kid_len, "\xb2", 1);
}

static int test_x5t(void)
{
    return roundtrip(P.ca, "x5t", P.cb, "x5t", 3, 2,
                     "CN=kw-test-a,O=Keyward Test", KWC_CRED_X509);
}

/* The initiator prefers suite 3; the responder's identity only has 2: it
 * answers with SUITES_R, the initiator's keywardd retries by itself. */
static int test_negotiation(void)
{
    unsigned pref[] = {3, 2};
    struct kwc_assoc_opts o = {.method = 0, .suites = pref, .nsuites = 2};
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN];

    return at_associate(P.ca, "x509", &o, P.cb, "only2", hi, hr) &&
           TEST_int_eq((int)at_si->suite, 2) &&
           at_send(P.ca, hi, P.cb, hr, "negotiated", NULL) &&
           TEST_rc(kwc_assoc_close(P.ca, hi), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, hr), KWC_OK);
}

/* Key update without a round trip; a late message of the old epoch still
 * opens; then the responder answers in the new epoch. */
static int test_key_update(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m0[256], pt[256];
    size_t m0len = sizeof(m0), ptlen = sizeof(pt);
    struct kwc_msg_info info;
    struct kwc_assoc_info ai;
    uint32_t epoch = 0;
    int ok = 0;

    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) ||
        !TEST_rc(kwc_assoc_seal(P.ca, hi, (const uint8_t *)"old", 3, m0, &m0len,
                                &info),
                 KWC_OK) ||
        !TEST_int_eq((int)info.epoch, 0) ||
        !TEST_rc(kwc_assoc_update_keys(P.ca, hi, &epoch), KWC_OK) ||
        !TEST_int_eq((int)epoch, 1) ||
        !at_send(P.ca, hi, P.cb, hr, "new", &info) ||
        !TEST_true(info.key_updated) || !TEST_int_eq((int)info.epoch, 1) ||
        !TEST_rc(kwc_assoc_open(P.cb, hr, m0, m0len, pt, &ptlen, &info),
                 KWC_OK) ||
        !TEST_mem_eq(pt, ptlen, "old", 3) ||
        !at_send(P.cb, hr, P.ca, hi, "answer", &info) ||
        !TEST_int_eq((int)info.epoch, 1) || !TEST_false(info.key_updated))
        goto err;
    /* two more updates on the responder's side: the initiator follows */
    if (!TEST_rc(kwc_assoc_update_keys(P.cb, hr, &epoch), KWC_OK) ||
        !TEST_rc(kwc_assoc_update_keys(P.cb, hr, &epoch), KWC_OK) ||
        !TEST_int_eq((int)epoch, 3) ||
        !at_send(P.cb, hr, P.ca, hi, "jump", &info) ||
        !TEST_int_eq((int)info.epoch, 3) || !TEST_true(info.key_updated) ||
        !TEST_rc(kwc_assoc_info(P.ca, hi, &ai), KWC_OK) ||
        !TEST_int_eq((int)ai.epoch, 3) || !TEST_int_eq((int)ai.key_updates, 2))
        goto err;
    ok = 1;
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

/* A new handshake beside the running association (the longer schedule):
 * both work independently, then the old one is closed and gone. */
static int test_rehandshake(void)
{
    uint8_t h1i[KWC_HANDLE_LEN], h1r[KWC_HANDLE_LEN], h2i[KWC_HANDLE_LEN],
        h2r[KWC_HANDLE_LEN], m[256];
    size_t mlen = sizeof(m);

    return at_associate(P.ca, "x509", NULL, P.cb, "x509", h1i, h1r) &&
           at_send(P.ca, h1i, P.cb, h1r, "first", NULL) &&
           at_associate(P.ca, "x509", NULL, P.cb, "x509", h2i, h2r) &&
           TEST_int_ne(memcmp(h1i, h2i, KWC_HANDLE_LEN), 0) &&
           at_send(P.ca, h2i, P.cb, NULL, "second", NULL) &&
           at_send(P.ca, h1i, P.cb, NULL, "still first", NULL) &&
           TEST_rc(kwc_assoc_close(P.ca, h1i), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, h1r), KWC_OK) &&
           TEST_rc(kwc_assoc_seal(P.ca, h1i, (const uint8_t *)"x", 1, m, &mlen,
                                  NULL),
                   KWC_NOT_FOUND) &&
           at_send(P.cb, h2r, P.ca, h2i, "after", NULL) &&
           TEST_rc(kwc_assoc_close(P.ca, h2i), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, h2r), KWC_OK);
}

/* Tampered, replayed and out-of-window messages are refused and counted. */
static int test_rejections(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m[70][64], pt[64];
    size_t mlen[70], ptlen;
    struct kwc_assoc_info ai;
    struct kwc_metrics met;
    int ok = 0;

    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr))
        return 0;
    for (int i = 0; i < 70; i++) {
        mlen[i] = sizeof(m[i]);
        if (!TEST_rc(kwc_assoc_seal(P.ca, hi, (const uint8_t *)"data", 4, m[i],
                                    &mlen[i], NULL),
                     KWC_OK))
            goto err;
    }
    ptlen = sizeof(pt);
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[0], mlen[0], pt, &ptlen, NULL),
                 KWC_OK))
        goto err;
    ptlen = sizeof(pt);
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[0], mlen[0], pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT)) /* replayed */
        goto err;
    m[1][mlen[1] - 1] ^= 0x01; /* tampered tag */
    ptlen = sizeof(pt);
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[1], mlen[1], pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT))
        goto err;
    m[1][mlen[1] - 1] ^= 0x01; /* the genuine one still opens once */
    ptlen = sizeof(pt);
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[1], mlen[1], pt, &ptlen, NULL),
                 KWC_OK))
        goto err;
    ptlen = sizeof(pt);
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[69], mlen[69], pt, &ptlen, NULL),
                 KWC_OK))
        goto err;
    ptlen = sizeof(pt); /* 67 below the highest: out of the window */
    if (!TEST_rc(kwc_assoc_open(P.cb, hr, m[2], mlen[2], pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT) ||
        !TEST_rc(kwc_assoc_info(P.cb, hr, &ai), KWC_OK) ||
        !TEST_int_eq((int)ai.rejected, 3) || !TEST_int_eq((int)ai.replays, 2) ||
        !TEST_int_eq((int)ai.failed_decryptions, 1) ||
        !TEST_int_eq((int)ai.opened, 3) ||
        !TEST_rc(kwc_metrics(P.cb, &met), KWC_OK) ||
        !TEST_int_ge((int)met.messages_rejected, 3))
        goto err;
    /* a message for another association: its kid is nobody's here */
    ptlen = sizeof(pt);
    m[3][5] ^= 0x40;
    if (!TEST_true(kwc_assoc_open(P.cb, NULL, m[3], mlen[3], pt, &ptlen,
                                  NULL) != KWC_OK))
        goto err;
    ok = 1;
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

/* The responder's identity does not admit the initiator: it refuses
 * message_3 with an error message, which ends the initiator's association
 * too. The other way round, the initiator refuses the responder. */
static int test_peer_refused(void)
{
    uint8_t m[64];
    size_t mlen = sizeof(m);

    if (!at_handshake(P.ca, "x509", NULL, P.cb, "picky") ||
        !TEST_int_eq(at_sr->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_sr->failure, KWC_HS_PEER_NOT_ALLOWED) ||
        !TEST_int_eq((int)at_sr->edhoc_error_code, 1) ||
        !TEST_true(strstr(at_sr->reason, "CN=kw-test-a") != NULL) ||
        !TEST_int_eq(at_si->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_si->failure, KWC_HS_PEER_ERROR) ||
        !TEST_rc(kwc_assoc_seal(P.ca, at_si->handle, (const uint8_t *)"x", 1, m,
                                &mlen, NULL),
                 KWC_NOT_FOUND))
        return 0;
    if (!at_handshake(P.ca, "picky", NULL, P.cb, "x509") ||
        !TEST_int_eq(at_si->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_si->failure, KWC_HS_PEER_NOT_ALLOWED) ||
        !TEST_int_eq(at_sr->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_sr->failure, KWC_HS_PEER_ERROR))
        return 0;
    /* a certificate from another CA */
    if (!at_handshake(P.ca, "rogue", NULL, P.cb, "x509") ||
        !TEST_int_eq(at_sr->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_sr->failure, KWC_HS_PEER_NOT_ALLOWED) ||
        !TEST_true(strstr(at_sr->reason, "trust anchors") != NULL))
        return 0;
    /* a kid nobody configured: error code 3 */
    return at_handshake(P.ca, "stranger", NULL, P.cb, "ccs") &&
           TEST_int_eq(at_sr->state, KWC_HS_FAILED) &&
           TEST_int_eq(at_sr->failure, KWC_HS_UNKNOWN_CREDENTIAL) &&
           TEST_int_eq((int)at_sr->edhoc_error_code, 3) &&
           TEST_int_eq(at_si->failure, KWC_HS_PEER_ERROR) &&
           TEST_int_eq((int)at_si->edhoc_error_code, 3);
}

/* Not a valid message_1; another identity's method; unknown identity. */
static int test_bad_input(void)
{
    static const uint8_t junk[] = {0x03, 0x02, 0x58, 0x20, 0x01};
    uint8_t h[KWC_HANDLE_LEN] = {0};
    struct kwc_assoc_opts m3 = {.method = 3};

    return TEST_rc(kwc_assoc_accept(P.cb, "x509", junk, sizeof(junk), NULL, 0,
                                    at_sr),
                   KWC_OK) &&
           TEST_int_eq(at_sr->state, KWC_HS_FAILED) &&
           TEST_int_eq(at_sr->failure, KWC_HS_MALFORMED) &&
           TEST_rc(kwc_assoc_start(P.ca, "nonesuch", NULL, at_si),
                   KWC_NOT_FOUND) &&
           TEST_rc(kwc_assoc_start(P.ca, "ed", &m3, at_si),
                   KWC_INVALID_ARGUMENT) &&
           TEST_rc(
               kwc_assoc_continue(P.ca, h, junk, sizeof(junk), NULL, 0, at_si),
               KWC_NOT_FOUND) &&
           /* a responder that accepts method 0 only refuses method 3 */
           at_handshake(P.ca, "ccs", &m3, P.cb, "ed") &&
           TEST_int_eq(at_sr->state, KWC_HS_FAILED);
}

/* EAD goes through; a critical item the identity does not list fails. */
static int test_ead(void)
{
    struct kwc_ead e[2] = {{.label = 5, .has_value = true, .value_len = 5},
                           {.label = -7, .has_value = false}};
    struct kwc_assoc_opts o = {.method = 0, .ead = e, .nead = 1};

    memcpy(e[0].value, "hello", 5);
    if (!TEST_rc(kwc_assoc_start(P.ca, "x509", &o, at_si), KWC_OK) ||
        !TEST_rc(kwc_assoc_accept(P.cb, "picky", at_si->message,
                                  at_si->message_len, NULL, 0, at_sr),
                 KWC_OK) ||
        !TEST_int_eq(at_sr->state, KWC_HS_IN_PROGRESS) ||
        !TEST_int_eq((int)at_sr->npeer_ead, 1) ||
        !TEST_int_eq((int)at_sr->peer_ead[0].label, 5) ||
        !TEST_mem_eq(at_sr->peer_ead[0].value, at_sr->peer_ead[0].value_len,
                     "hello", 5))
        return 0;
    kwc_assoc_close(P.ca, at_si->handle);
    kwc_assoc_close(P.cb, at_sr->handle);
    o.nead = 2; /* critical -7: "ead" lists it, "x509" does not */
    if (!TEST_rc(kwc_assoc_start(P.ca, "x509", &o, at_si), KWC_OK) ||
        !TEST_rc(kwc_assoc_accept(P.cb, "x509", at_si->message,
                                  at_si->message_len, NULL, 0, at_sr),
                 KWC_OK) ||
        !TEST_int_eq(at_sr->state, KWC_HS_FAILED) ||
        !TEST_int_eq(at_sr->failure, KWC_HS_EAD))
        return 0;
    kwc_assoc_close(P.ca, at_si->handle);
    return TEST_rc(kwc_assoc_start(P.ca, "x509", &o, at_si), KWC_OK) &&
           TEST_rc(kwc_assoc_accept(P.cb, "ead", at_si->message,
                                    at_si->message_len, NULL, 0, at_sr),
                   KWC_OK) &&
           TEST_int_eq(at_sr->state, KWC_HS_IN_PROGRESS) &&
           TEST_int_eq((int)at_sr->npeer_ead, 2) &&
           TEST_rc(kwc_assoc_close(P.ca, at_si->handle), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, at_sr->handle), KWC_OK);
}

/* OSCORE export: both sides get the same context (sender and recipient
 * swapped); the association ends with it; not after messages; not where
 * the policy does not allow it. */
static int test_export(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN];
    struct kwc_oscore oi, or ;
    int ok = 0;

    if (!at_associate(P.ca, "export", NULL, P.cb, "export", hi, hr) ||
        !TEST_rc(kwc_assoc_export_oscore(P.ca, hi, &oi), KWC_OK) ||
        !TEST_rc(kwc_assoc_export_oscore(P.cb, hr, & or), KWC_OK) ||
        !TEST_mem_eq(oi.master_secret, oi.master_secret_len, or.master_secret,
                     or.master_secret_len) ||
        !TEST_int_eq((int)oi.master_secret_len, 16) ||
        !TEST_mem_eq(oi.master_salt, oi.master_salt_len, or.master_salt,
                     or.master_salt_len) ||
        !TEST_mem_eq(oi.sender_id, oi.sender_id_len, or.recipient_id,
                     or.recipient_id_len) ||
        !TEST_int_eq(oi.aead_alg, 10) || !TEST_int_eq(oi.hkdf_alg, -10) ||
        !TEST_rc(kwc_assoc_info(P.ca, hi, &(struct kwc_assoc_info){0}),
                 KWC_NOT_FOUND))
        goto err;
    if (!at_associate(P.ca, "export", NULL, P.cb, "export", hi, hr) ||
        !at_send(P.ca, hi, P.cb, hr, "used", NULL) ||
        !TEST_rc(kwc_assoc_export_oscore(P.ca, hi, &oi),
                 KWC_FAILED_PRECONDITION))
        goto err;
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    ok = at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) &&
         TEST_rc(kwc_assoc_export_oscore(P.ca, hi, &oi), KWC_PERMISSION_DENIED);
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
err:
    memset(&oi, 0, sizeof(oi));
    memset(& or, 0, sizeof(or));
    return ok;
}

/* A reload between two steps: the handshake finishes on the configuration
 * it started with (the association holds it), and the next one uses the
 * new one. */
static int test_reload_mid_handshake(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN];
    struct timespec ts = {0, 20 * 1000 * 1000};
    int before = kwt_log_count(&P.b, "configuration reloaded");

    if (!TEST_rc(kwc_assoc_start(P.ca, "x509", NULL, at_si), KWC_OK) ||
        !TEST_rc(kwc_assoc_accept(P.cb, "x509", at_si->message,
                                  at_si->message_len, NULL, 0, at_sr),
                 KWC_OK) ||
        !TEST_true(kwt_signal(&P.b, SIGHUP)))
        return 0;
    for (int i = 0;
         i < 500 && kwt_log_count(&P.b, "configuration reloaded") == before;
         i++)
        nanosleep(&ts, NULL);
    if (!TEST_int_gt(kwt_log_count(&P.b, "configuration reloaded"), before) ||
        !TEST_rc(kwc_assoc_continue(P.ca, at_si->handle, at_sr->message,
                                    at_sr->message_len, NULL, 0, at_si),
                 KWC_OK) ||
        !TEST_rc(kwc_assoc_continue(P.cb, at_sr->handle, at_si->message,
                                    at_si->message_len, NULL, 0, at_sr),
                 KWC_OK) ||
        !TEST_int_eq(at_sr->state, KWC_HS_ESTABLISHED))
        return 0;
    memcpy(hi, at_si->handle, sizeof(hi));
    memcpy(hr, at_sr->handle, sizeof(hr));
    return at_send(P.ca, hi, P.cb, hr, "after reload", NULL) &&
           TEST_rc(kwc_assoc_close(P.ca, hi), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, hr), KWC_OK) &&
           at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) &&
           TEST_rc(kwc_assoc_close(P.ca, hi), KWC_OK) &&
           TEST_rc(kwc_assoc_close(P.cb, hr), KWC_OK);
}

static int test_metrics(void)
{
    struct kwc_metrics m;

    return TEST_rc(kwc_metrics(P.ca, &m), KWC_OK) &&
           TEST_int_ge((int)m.handshakes_completed, 20) &&
           TEST_int_ge((int)m.handshakes_failed, 4) &&
           TEST_int_ge((int)m.messages_sealed, 50) &&
           TEST_int_ge((int)m.key_updates, 2) &&
           TEST_int_eq((int)m.associations_open, 0) &&
           TEST_int_eq((int)m.handshakes_open, 0);
}

int main(int argc, char **argv)
{
    int rc = 1;

    if (!at_start(&P, NULL)) {
        at_stop(&P);
        return 1;
    }
    ADD_TEST(test_x509_both_roles);
    ADD_TEST(test_suite0_ed25519);
    ADD_TEST(test_ccs_by_kid);
    ADD_TEST(test_x5t);
    ADD_TEST(test_negotiation);
    ADD_TEST(test_key_update);
    ADD_TEST(test_rehandshake);
    ADD_TEST(test_rejections);
    ADD_TEST(test_peer_refused);
    ADD_TEST(test_bad_input);
    ADD_TEST(test_ead);
    ADD_TEST(test_export);
    ADD_TEST(test_reload_mid_handshake);
    ADD_TEST(test_metrics);
    rc = tu_run(argc, argv);
    if (!at_stop(&P))
        rc = 1;
    return rc;
}
