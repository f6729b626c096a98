/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_badinput.c: malformed and oversized requests, unknown methods
 * and handles, usage limits: each a clear status, and keywardd keeps serving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "keyward-client.h"
#include "svc_fixture.h"
#include "testutil.h"

static struct kwt T, L;
static kwc *C, *CL;

static bool still_serving(kwc *c)
{
    char v[32];
    return TEST_rc(kwc_version(c, v, sizeof(v), NULL), KWC_OK);
}

static int raw(const char *method, const uint8_t *req, size_t len)
{
    uint8_t *resp = NULL;
    size_t rlen = 0;
    int rc = kwc_call_raw(C, method, req, len, &resp, &rlen);
    free(resp);
    return rc;
}

static int test_malformed_protobuf(void)
{
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t truncated[] = {0x0a, 0x20, 'e', 'c'};
    static const uint8_t wrong_wire[] = {0x0d, 1, 2, 3, 4}; /* key as fixed32 */
    return TEST_rc(raw("/keyward.v1.Keyward/Sign", junk, sizeof(junk)),
                   KWC_INVALID_ARGUMENT) &&
           TEST_rc(
               raw("/keyward.v1.Keyward/Sign", truncated, sizeof(truncated)),
               KWC_INVALID_ARGUMENT) &&
           TEST_rc(
               raw("/keyward.v1.Keyward/Seal", wrong_wire, sizeof(wrong_wire)),
               KWC_INVALID_ARGUMENT) &&
           TEST_true(strstr(kwc_error(C), "malformed") != NULL) &&
           still_serving(C);
}

static int test_oversized_fields(void)
{
    size_t n = 40000 + 4;
    uint8_t *big = calloc(1, 70000), name[2 + 100];
    int ok;
    /* message (field 3) of 40000 bytes: over its bound of 32768. */
    big[0] = 0x1a;
    big[1] = 0xc0;
    big[2] = 0xb8;
    big[3] = 0x02;
    /* key name (field 1) of 100 bytes: over its bound of 63. */
    name[0] = 0x0a;
    name[1] = 100;
    memset(name + 2, 'k', 100);
    ok = TEST_rc(raw("/keyward.v1.Keyward/Sign", big, n),
                 KWC_INVALID_ARGUMENT) &&
         TEST_rc(raw("/keyward.v1.Keyward/Sign", name, sizeof(name)),
                 KWC_INVALID_ARGUMENT) &&
         /* A message over 64 KiB is refused by the transport itself. */
         TEST_rc(raw("/keyward.v1.Keyward/Sign", big, 70000),
                 KWC_RESOURCE_EXHAUSTED) &&
         still_serving(C);
    free(big);
    return ok;
}

static int test_unknown_method(void)
{
    return TEST_rc(raw("/keyward.v1.Keyward/Nope", NULL, 0),
                   KWC_UNIMPLEMENTED) &&
           TEST_rc(raw("/other.Service/Sign", NULL, 0), KWC_UNIMPLEMENTED) &&
           TEST_true(strstr(kwc_error(C), "unknown method") != NULL) &&
           still_serving(C);
}

static int test_empty_and_unknown_key(void)
{
    uint8_t sig[KWC_MAX_SIGNATURE];
    size_t n;
    /* An empty (valid) request names no key. */
    return TEST_rc(raw("/keyward.v1.Keyward/Sign", NULL, 0), KWC_NOT_FOUND) &&
           TEST_rc(kwc_sign(C, "no-such-key", 0, false, (const uint8_t *)"x", 1,
                            sig, &n, NULL),
                   KWC_NOT_FOUND) &&
           still_serving(C);
}

static int test_unknown_handles(void)
{
    uint8_t h[KWC_HANDLE_LEN], ct[64];
    size_t ctlen;
    uint64_t seq;
    static const uint8_t short_handle[] = {0x0a, 3, 1, 2, 3, 0x12, 1, 'x'};
    memset(h, 0x5a, sizeof(h));
    return TEST_rc(kwc_seal(C, h, (const uint8_t *)"x", 1, NULL, 0, ct, &ctlen,
                            &seq, NULL, NULL),
                   KWC_NOT_FOUND) &&
           TEST_rc(kwc_rekey(C, h, NULL), KWC_NOT_FOUND) &&
           TEST_rc(raw("/keyward.v1.Keyward/Seal", short_handle,
                       sizeof(short_handle)),
                   KWC_NOT_FOUND) &&
           still_serving(C);
}

static int test_garbage_connections(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int idle = socket(AF_UNIX, SOCK_STREAM, 0),
        bad = socket(AF_UNIX, SOCK_STREAM, 0);
    bool ok;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", T.sock);
    /* One peer speaks no HTTP/2, another connects and says nothing. */
    ok = TEST_rc(connect(bad, (struct sockaddr *)&sa, sizeof(sa)), 0) &&
         TEST_rc(connect(idle, (struct sockaddr *)&sa, sizeof(sa)), 0) &&
         TEST_true(write(bad, "GET / HTTP/1.0\r\n\r\n\x00\x01\x02", 21) == 21);
    close(bad);
    ok = ok && still_serving(C);
    close(idle);
    return ok;
}

/* Two sessions that talk to each other (RSASVE KEM on rsa2048). */
static bool pair(kwc *c, uint8_t a[16], uint8_t b[16])
{
    uint8_t *spki = NULL, ct[512];
    size_t spki_len, ctlen;
    bool ok =
        TEST_rc(
            kwc_public_key(c, "rsa2048", &spki, &spki_len, NULL, NULL, NULL),
            KWC_OK) &&
        TEST_rc(kwc_encapsulate(c, spki, spki_len, 0, 0, ct, &ctlen, a),
                KWC_OK) &&
        TEST_rc(kwc_decapsulate(c, "rsa2048", ct, ctlen, 0, 0, b), KWC_OK);
    free(spki);
    return ok;
}

static int seal1(kwc *c, const uint8_t *h, bool *advised, uint64_t *seq,
                 uint8_t *ct, size_t *ctlen)
{
    return kwc_seal(c, h, (const uint8_t *)"payload", 7, NULL, 0, ct, ctlen,
                    seq, NULL, advised);
}

static int test_limit_encryptions(void)
{
    uint8_t a[16], b[16], ct[64];
    size_t ctlen;
    uint64_t seq;
    bool advised = false;
    uint32_t epoch;
    if (!pair(CL, a, b))
        return 0;
    /* max_seals = 10: advice from 90%, refusal after 10, Rekey resets. */
    for (int i = 0; i < 10; i++)
        if (!TEST_rc(seal1(CL, a, &advised, &seq, ct, &ctlen), KWC_OK) ||
            !TEST_int_eq(advised, i >= 8))
            return 0;
    if (!TEST_rc(seal1(CL, a, &advised, &seq, ct, &ctlen),
                 KWC_RESOURCE_EXHAUSTED) ||
        !TEST_true(strstr(kwc_error(CL), "Rekey") != NULL) ||
        !TEST_rc(kwc_rekey(CL, a, &epoch), KWC_OK) ||
        !TEST_rc(seal1(CL, a, &advised, &seq, ct, &ctlen), KWC_OK) ||
        !TEST_int_eq(seq, 0))
        return 0;
    return kwc_close_session(CL, a) == KWC_OK &&
           kwc_close_session(CL, b) == KWC_OK;
}

static int test_limit_failed_decryptions(void)
{
    uint8_t a[16], b[16], ct[64], pt[64];
    size_t ctlen, ptlen;
    uint64_t seq;
    if (!pair(CL, a, b) ||
        !TEST_rc(seal1(CL, a, NULL, &seq, ct, &ctlen), KWC_OK))
        return 0;
    ct[0] ^= 1;
    /* max_open_failures = 3: then the session is dead for good. */
    for (int i = 0; i < 3; i++)
        if (!TEST_rc(kwc_open(CL, b, seq, ct, ctlen, NULL, 0, pt, &ptlen, NULL),
                     KWC_INVALID_ARGUMENT))
            return 0;
    ct[0] ^= 1;
    return TEST_rc(kwc_open(CL, b, seq, ct, ctlen, NULL, 0, pt, &ptlen, NULL),
                   KWC_FAILED_PRECONDITION) &&
           TEST_rc(kwc_rekey(CL, b, NULL), KWC_FAILED_PRECONDITION) &&
           TEST_rc(kwc_close_session(CL, b), KWC_OK) &&
           TEST_rc(kwc_close_session(CL, a), KWC_OK);
}

static int test_limit_sessions_per_user(void)
{
    uint8_t a[8][16], b[8][16], x[16], *spki = NULL, ct[512];
    size_t spki_len = 0, ctlen;
    int ok = 1;
    /* max_per_uid = 16: 8 pairs fill it. */
    for (int i = 0; i < 8 && ok; i++)
        ok = pair(CL, a[i], b[i]);
    ok = ok &&
         TEST_rc(
             kwc_public_key(CL, "rsa2048", &spki, &spki_len, NULL, NULL, NULL),
             KWC_OK) &&
         TEST_rc(kwc_encapsulate(CL, spki, spki_len, 0, 0, ct, &ctlen, x),
                 KWC_RESOURCE_EXHAUSTED) &&
         TEST_true(strstr(kwc_error(CL), "too many open sessions") != NULL);
    free(spki);
    for (int i = 0; i < 8; i++) {
        kwc_close_session(CL, a[i]);
        kwc_close_session(CL, b[i]);
    }
    return ok;
}

static int test_lifetime_and_expiry(void)
{
    uint8_t a[16], b[16], ct[64];
    size_t ctlen;
    uint64_t seq;
    struct timespec ts = {.tv_sec = 2, .tv_nsec = 200 * 1000 * 1000};
    if (!pair(CL, a, b))
        return 0;
    /* lifetime = 2 s: past it, seal asks for a rekey. */
    nanosleep(&ts, NULL);
    if (!TEST_rc(seal1(CL, a, NULL, &seq, ct, &ctlen),
                 KWC_RESOURCE_EXHAUSTED) ||
        !TEST_rc(kwc_rekey(CL, a, NULL), KWC_OK) ||
        !TEST_rc(seal1(CL, a, NULL, &seq, ct, &ctlen), KWC_OK))
        return 0;
    /* idle_timeout = 3 s: b, unused since its creation, is wiped. */
    ts.tv_sec = 1;
    nanosleep(&ts, NULL);
    return TEST_rc(kwc_rekey(CL, b, NULL), KWC_NOT_FOUND) &&
           TEST_rc(kwc_close_session(CL, a), KWC_OK) && still_serving(CL);
}

int main(int argc, char **argv)
{
    int rc;
    if (!kwt_start(&T, NULL) || kwc_connect(T.sock, &C) != KWC_OK ||
        !kwt_start(&L, "max_seals = 10; max_open_failures = 3; lifetime = 2; "
                       "idle_timeout = 3; max_per_uid = 16;") ||
        kwc_connect(L.sock, &CL) != KWC_OK) {
        kwt_cleanup(&T);
        kwt_cleanup(&L);
        return 1;
    }
    ADD_TEST(test_malformed_protobuf);
    ADD_TEST(test_oversized_fields);
    ADD_TEST(test_unknown_method);
    ADD_TEST(test_empty_and_unknown_key);
    ADD_TEST(test_unknown_handles);
    ADD_TEST(test_garbage_connections);
    ADD_TEST(test_limit_encryptions);
    ADD_TEST(test_limit_failed_decryptions);
    ADD_TEST(test_limit_sessions_per_user);
    ADD_TEST(test_lifetime_and_expiry);
    rc = tu_run(argc, argv);
    kwc_free(C);
    kwc_free(CL);
    if (kwt_stop(&T) != 0 || kwt_stop(&L) != 0)
        rc = 1;
    kwt_cleanup(&T);
    kwt_cleanup(&L);
    return rc;
}
