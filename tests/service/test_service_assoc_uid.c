/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_assoc_uid.c: an association belongs to the uid that made it:
 * another uid (setpriv) presenting its handle, or a message for it, gets
 * NOT_FOUND; identity policy per uid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assoc_testlib.h"
#include "testutil.h"

static struct at_pair P;
static char probe[128];

/* Runs svc_probe against instance a as uid/gid 65534, no groups. */
static int as_nobody(const char *op, const char *arg)
{
    return kwt_sh(&P.a,
                  "setpriv --reuid=65534 --regid=65534 --clear-groups "
                  "'%s' '%s' %s %s 2>>'%s/probe.err'",
                  probe, P.a.sock, op, arg, P.dir);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static int test_other_uid_handle(void)
{
    uint8_t hi[KWC_HANDLE_LEN], hr[KWC_HANDLE_LEN], m[256];
    size_t mlen = sizeof(m);
    char h[2 * KWC_HANDLE_LEN + 1], mh[2 * sizeof(m) + 1];
    int ok = 0;

    if (!at_associate(P.ca, "x509", NULL, P.cb, "x509", hi, hr) ||
        !TEST_rc(kwc_assoc_seal(P.cb, hr, (const uint8_t *)"for a", 5, m, &mlen,
                                NULL),
                 KWC_OK))
        goto err;
    hex(hi, sizeof(hi), h);
    hex(m, mlen, mh);
    if (!TEST_rc(as_nobody("assoc-seal", h), KWC_NOT_FOUND) ||
        !TEST_rc(as_nobody("assoc-info", h), KWC_NOT_FOUND) ||
        !TEST_rc(as_nobody("assoc-close", h), KWC_NOT_FOUND) ||
        /* a message for root's association, found by kid: not for nobody */
        !TEST_rc(as_nobody("assoc-open", mh), KWC_NOT_FOUND))
        goto err;
    /* the owner still has all of it, and the message was not consumed */
    ok = TEST_rc(kwc_assoc_open(P.ca, NULL, m, mlen, m, &mlen, NULL), KWC_OK) &&
         at_send(P.ca, hi, P.cb, hr, "still mine", NULL);
err:
    kwc_assoc_close(P.ca, hi);
    kwc_assoc_close(P.cb, hr);
    return ok;
}

static int test_identity_policy(void)
{
    /* nobody may respond with "x509" but not initiate; "ccs" is not there
     * for it at all */
    return TEST_rc(as_nobody("assoc-start", "x509"), KWC_PERMISSION_DENIED) &&
           TEST_rc(as_nobody("assoc-start", "ccs"), KWC_NOT_FOUND);
}

int main(int argc, char **argv)
{
    const char *bld = getenv("KW_BUILD_DIR");
    int rc;

    if (geteuid() != 0)
        return tu_skip("needs root to run a client as uid 65534 with setpriv");
    if (system("command -v setpriv >/dev/null") != 0)
        return tu_skip("setpriv (util-linux) not installed");
    if (!at_start(&P, NULL)) {
        at_stop(&P);
        return 1;
    }
    snprintf(probe, sizeof(probe), "%s/svc_probe", P.dir);
    if (kwt_sh(&P.a, "cp '%s/tests/service/svc_probe' '%s' && chmod 755 '%s'",
               bld ? bld : ".", probe, probe) != 0) {
        at_stop(&P);
        return 1;
    }
    ADD_TEST(test_other_uid_handle);
    ADD_TEST(test_identity_policy);
    rc = tu_run(argc, argv);
    if (rc != 0)
        kwt_sh(&P.a, "cat '%s/probe.err' >&2", P.dir);
    if (!at_stop(&P))
        rc = 1;
    return rc;
}
