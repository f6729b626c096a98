/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_identity.c: a client running as another uid (setpriv) is refused
 * keys and other users' handles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyward-client.h"
#include "svc_fixture.h"
#include "testutil.h"

static struct kwt T;
static kwc *C;
static char probe[128];

/* Runs svc_probe as uid/gid 65534 with no supplementary groups. */
static int as_nobody(const char *args)
{
    return kwt_sh(&T,
                  "setpriv --reuid=65534 --regid=65534 --clear-groups "
                  "'%s' '%s' %s 2>>'%s/probe.err' >'%s/probe.out'",
                  probe, T.sock, args, T.dir, T.dir);
}

static int test_other_uid_keys(void)
{
    /* nobody may read ec256's public key but not sign with it; keys it has
     * no grant on do not exist for it. */
    return TEST_rc(as_nobody("pubkey ec256"), KWC_OK) &&
           TEST_rc(as_nobody("sign ec256"), KWC_PERMISSION_DENIED) &&
           TEST_rc(as_nobody("sign ed25519"), KWC_NOT_FOUND) &&
           TEST_rc(as_nobody("pubkey ed25519"), KWC_NOT_FOUND) &&
           TEST_rc(as_nobody("keys"), KWC_OK) &&
           TEST_rc(
               kwt_sh(&T,
                      "printf 'ec256\\nrsa2048\\n' | cmp -s - '%s/probe.out'",
                      T.dir),
               0);
}

static int test_other_uid_handle(void)
{
    uint8_t *spki = NULL, ct[512], h[KWC_HANDLE_LEN];
    size_t spki_len = 0, ctlen = 0;
    char hex[2 * KWC_HANDLE_LEN + 1], args[64];
    int ok = 0;

    if (!TEST_rc(
            kwc_public_key(C, "rsa2048", &spki, &spki_len, NULL, NULL, NULL),
            KWC_OK) ||
        !TEST_rc(kwc_encapsulate(C, spki, spki_len, 0, 0, ct, &ctlen, h),
                 KWC_OK))
        goto err;
    for (int i = 0; i < KWC_HANDLE_LEN; i++)
        sprintf(hex + 2 * i, "%02x", h[i]);
    snprintf(args, sizeof(args), "seal %s", hex);
    /* A valid handle presented by another user: NOT_FOUND. */
    if (!TEST_rc(as_nobody(args), KWC_NOT_FOUND))
        goto err;
    /* The owner still uses it, from a separate process too. */
    if (!TEST_rc(kwt_sh(&T, "'%s' '%s' %s", probe, T.sock, args), KWC_OK))
        goto err;
    ok = TEST_rc(kwc_close_session(C, h), KWC_OK);
err:
    free(spki);
    return ok;
}

static int test_socket_mode_and_group(void)
{
    struct kwt g;
    struct stat sb;
    char cmd[512];
    int ok = 0;

    /* Mode 0660, group nogroup (65534): uid 65534 with primary group 65534
     * gets in; the same uid in group 100 is refused by the kernel. */
    if (!kwt_start_with(&g, NULL, "mode = \"0660\"; group = \"nogroup\";"))
        goto err;
    if (!TEST_rc(stat(g.sock, &sb), 0) ||
        !TEST_int_eq(sb.st_mode & 0777, 0660) ||
        !TEST_int_eq(sb.st_gid, 65534) || !TEST_rc(stat(T.sock, &sb), 0) ||
        !TEST_int_eq(sb.st_mode & 0777, 0666))
        goto err;
    snprintf(cmd, sizeof(cmd),
             "setpriv --reuid=65534 --regid=65534 --clear-groups "
             "'%s' '%s' pubkey ec256 2>/dev/null",
             probe, g.sock);
    if (!TEST_rc(kwt_sh(&g, "%s", cmd), KWC_OK))
        goto err;
    snprintf(cmd, sizeof(cmd),
             "setpriv --reuid=65534 --regid=100 --clear-groups "
             "'%s' '%s' pubkey ec256 2>/dev/null",
             probe, g.sock);
    ok = TEST_rc(kwt_sh(&g, "%s", cmd), KWC_UNAVAILABLE);
err:
    kwt_cleanup(&g);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;
    const char *bld = getenv("KW_BUILD_DIR");
    if (geteuid() != 0)
        return tu_skip("needs root to run a client as uid 65534 with setpriv");
    if (system("command -v setpriv >/dev/null") != 0)
        return tu_skip("setpriv (util-linux) not installed");
    if (!kwt_start(&T, NULL) || kwc_connect(T.sock, &C) != KWC_OK) {
        kwt_cleanup(&T);
        return 1;
    }
    /* The probe runs from the test directory: the build tree may not be
     * reachable by uid 65534. */
    snprintf(probe, sizeof(probe), "%s/svc_probe", T.dir);
    if (kwt_sh(&T, "cp '%s/tests/service/svc_probe' '%s' && chmod 755 '%s'",
               bld ? bld : ".", probe, probe) != 0) {
        kwt_cleanup(&T);
        return 1;
    }
    ADD_TEST(test_other_uid_keys);
    ADD_TEST(test_other_uid_handle);
    ADD_TEST(test_socket_mode_and_group);
    rc = tu_run(argc, argv);
    if (rc != 0)
        kwt_sh(&T, "cat '%s/probe.err' >&2", T.dir);
    kwc_free(C);
    if (kwt_stop(&T) != 0)
        rc = 1;
    kwt_cleanup(&T);
    return rc;
}
