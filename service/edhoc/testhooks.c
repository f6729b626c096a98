/* SPDX-License-Identifier: Apache-2.0 */
/* testhooks.c: test-only access to the ephemeral key and PRKs
 * (kw_edhoc_testhooks). */
#include <string.h>

#include "edhoc_local.h"
#include "edhoc_testhooks.h"

int kw_edhoc_test_set_ephemeral(kw_edhoc *s, const uint8_t *priv, size_t len)
{
    if (priv == NULL || len != sizeof(s->test_eph))
        return KW_EDHOC_E_PARAM;
    memcpy(s->test_eph, priv, len);
    s->test_eph_len = len;
    return KW_EDHOC_OK;
}

int kw_edhoc_test_get_prk(const kw_edhoc *s, int which, uint8_t out[32])
{
    if (!kw_edhoc_is_complete(s))
        return KW_EDHOC_E_STATE;
    memcpy(out, which == KW_EDHOC_TEST_PRK_OUT ? s->prk_out : s->prk_exporter,
           EDHOC_HASH_LEN);
    return KW_EDHOC_OK;
}
