/* SPDX-License-Identifier: Apache-2.0 */
/* run.c: running a key operation on a pooled session, and recovering once. */
#include "hsm_internal.h"

bool hsm_recover(hsm_token *t, hsm_session *s, hsm_key *k, CK_RV rv)
{
    switch (rv) {
    case CKR_USER_NOT_LOGGED_IN:
        hsm_session_put(s);
        atomic_store(&t->logged_in, false);
        hsm_token_check_anchor(t);
        return hsm_token_relogin(t) == CKR_OK;
    case CKR_OPERATION_ACTIVE:
        /* A token that kept an operation alive after failing it: only
         * closing the session ends it for sure. */
        hsm_session_discard(s);
        return true;
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
        /* If all our sessions were closed, the login and the session
         * copies went with them: the anchor check renews both. */
        hsm_session_discard(s);
        hsm_token_check_anchor(t);
        return true;
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
        hsm_session_put(s);
        if (k == NULL)
            return false;
        hsm_token_check_anchor(t);
        hsm_key_invalidate(k);
        return true;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_DEVICE_ERROR:
        hsm_session_discard(s);
        atomic_store(&t->lost, true);
        return hsm_token_reattach(t) == CKR_OK;
    default:
        hsm_session_put(s);
        return false;
    }
}

CK_RV hsm_run(hsm_key *k, hsm_run_fn fn, void *arg)
{
    hsm_token *t = k->token;

    for (int attempt = 0;; attempt++) {
        CK_OBJECT_HANDLE h;
        hsm_session *s;
        CK_RV rv;

        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            return rv;
        if ((rv = hsm_key_handle(k, &h)) == CKR_OK)
            rv = fn(s, h, arg);
        if (rv == CKR_OK || attempt > 0) {
            hsm_session_put(s);
            return rv;
        }
        if (!hsm_recover(t, s, k, rv)) /* consumes s */
            return rv;
    }
}
