/* SPDX-License-Identifier: Apache-2.0 */
/* assoc_testlib.c: two keywardd instances that associate with each other, and
 * the message carrying between them, for the association tests. */
#include "assoc_testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct kwc_hs_step *at_si, *at_sr;

bool at_start(struct at_pair *p, const char *associations)
{
    const char *src = getenv("KW_SOURCE_DIR");
    char sub[96];

    memset(p, 0, sizeof(*p));
    if (at_si == NULL) {
        at_si = calloc(1, sizeof(*at_si));
        at_sr = calloc(1, sizeof(*at_sr));
    }
    snprintf(p->dir, sizeof(p->dir), "/tmp/kwa-XXXXXX");
    if (at_si == NULL || at_sr == NULL || mkdtemp(p->dir) == NULL)
        return false;
    snprintf(p->a.dir, sizeof(p->a.dir), "%s", p->dir); /* for kwt_sh */
    if (kwt_sh(&p->a, "sh '%s/tests/service/assoc-fixture.sh' '%s' '%s'",
               src != NULL ? src : ".", p->dir,
               associations != NULL ? associations : "") != 0) {
        fprintf(stderr, "assoc-fixture.sh failed\n");
        return false;
    }
    snprintf(sub, sizeof(sub), "%s/a", p->dir);
    if (!kwt_run(&p->a, sub))
        return false;
    snprintf(sub, sizeof(sub), "%s/b", p->dir);
    if (!kwt_run(&p->b, sub))
        return false;
    return kwc_connect(p->a.sock, &p->ca) == KWC_OK &&
           kwc_connect(p->b.sock, &p->cb) == KWC_OK;
}

bool at_stop(struct at_pair *p)
{
    bool ok = true;

    kwc_free(p->ca);
    kwc_free(p->cb);
    p->ca = p->cb = NULL;
    if (p->a.pid > 0)
        ok &= kwt_stop(&p->a) == 0;
    if (p->b.pid > 0)
        ok &= kwt_stop(&p->b) == 0;
    if (p->dir[0] != '\0' && getenv("KW_KEEP_TMP") == NULL)
        kwt_sh(&p->a, "rm -rf '%s'", p->dir);
    free(at_si);
    free(at_sr);
    at_si = at_sr = NULL;
    return ok;
}

static bool call_ok(int rc, kwc *c, const char *what)
{
    if (rc == KWC_OK)
        return true;
    fprintf(stderr, "  %s: status %d: %s\n", what, rc, kwc_error(c));
    return false;
}

bool at_handshake(kwc *ci, const char *idi, const struct kwc_assoc_opts *o,
                  kwc *cr, const char *idr)
{
    static uint8_t msg[KWC_MAX_EDHOC_MESSAGE];
    size_t len;
    bool to_r = true, r_started = false;

    memset(at_sr, 0, sizeof(*at_sr));
    if (!call_ok(kwc_assoc_start(ci, idi, o, at_si), ci, "StartAssociation"))
        return false;
    len = at_si->message_len;
    memcpy(msg, at_si->message, len);
    for (int hops = 0; len > 0 && hops < 16; hops++) {
        if (to_r) {
            int rc;
            if (!r_started || at_sr->state == KWC_HS_FAILED)
                rc = kwc_assoc_accept(cr, idr, msg, len, NULL, 0, at_sr);
            else if (at_sr->state == KWC_HS_IN_PROGRESS)
                rc = kwc_assoc_continue(cr, at_sr->handle, msg, len, NULL, 0,
                                        at_sr);
            else
                break;
            if (!call_ok(rc, cr, "responder step"))
                return false;
            r_started = true;
            len = at_sr->message_len;
            memcpy(msg, at_sr->message, len);
        } else {
            if (at_si->state == KWC_HS_FAILED)
                break;
            if (!call_ok(kwc_assoc_continue(ci, at_si->handle, msg, len, NULL,
                                            0, at_si),
                         ci, "initiator step"))
                return false;
            len = at_si->message_len;
            memcpy(msg, at_si->message, len);
        }
        to_r = !to_r;
    }
    return true;
}

bool at_associate(kwc *ci, const char *idi, const struct kwc_assoc_opts *o,
                  kwc *cr, const char *idr, uint8_t hi[KWC_HANDLE_LEN],
                  uint8_t hr[KWC_HANDLE_LEN])
{
    if (!at_handshake(ci, idi, o, cr, idr))
        return false;
    if (at_si->state != KWC_HS_ESTABLISHED ||
        at_sr->state != KWC_HS_ESTABLISHED) {
        fprintf(stderr,
                "  %s -> %s: initiator state %d (%s), responder state %d "
                "(%s)\n",
                idi, idr, at_si->state, at_si->reason, at_sr->state,
                at_sr->reason);
        return false;
    }
    memcpy(hi, at_si->handle, KWC_HANDLE_LEN);
    memcpy(hr, at_sr->handle, KWC_HANDLE_LEN);
    return true;
}

bool at_send(kwc *from, const uint8_t *hf, kwc *to, const uint8_t *ht,
             const char *text, struct kwc_msg_info *info)
{
    uint8_t m[512], pt[512];
    size_t mlen = sizeof(m), ptlen = sizeof(pt);
    struct kwc_msg_info local;

    if (!call_ok(kwc_assoc_seal(from, hf, (const uint8_t *)text, strlen(text),
                                m, &mlen, NULL),
                 from, "SealMessage") ||
        !call_ok(kwc_assoc_open(to, ht, m, mlen, pt, &ptlen,
                                info != NULL ? info : &local),
                 to, "OpenMessage"))
        return false;
    return TEST_mem_eq(pt, ptlen, text, strlen(text));
}
