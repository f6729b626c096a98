/* SPDX-License-Identifier: Apache-2.0 */
/* msg1.c: message_1 (RFC 9528 section 5.2) and cipher suite negotiation. */
#include <string.h>

#include "edhoc_local.h"

/* Can this session run suite id in its role, for the method? */
static bool suite_usable(const kw_edhoc *s, int id, int method)
{
    const struct edhoc_suite *su = edhoc_suite_find(id);
    bool signs, listed = false;
    enum edhoc_key_kind k;

    for (size_t i = 0; i < s->n_suites; i++)
        listed |= s->suites[i] == id;
    if (!listed || su == NULL || s->ctx->cipher[su->aead->cipher] == NULL ||
        s->ctx->cipher[su->app_aead->cipher] == NULL)
        return false;
    signs = s->role == KW_EDHOC_INITIATOR ? edhoc_i_signs(method)
                                          : edhoc_r_signs(method);
    k = edhoc_key_kind(s->local.auth_key);
    if (signs)
        return su->sig == EDHOC_SIG_ES256 ? k == EDHOC_KEY_P256
                                          : k == EDHOC_KEY_ED25519;
    return su->curve == EDHOC_CURVE_P256 ? k == EDHOC_KEY_P256
                                         : k == EDHOC_KEY_X25519;
}

bool edhoc_suite_usable(const kw_edhoc *s, int id)
{
    return suite_usable(s, id, s->method);
}

int edhoc_msg1_build(kw_edhoc *s)
{
    kw_cbor_enc *e = &s->out;
    size_t n_sel = 0;
    int rv;

    /* SUITES_I: own suites in order of preference, up to and including
     * the selected one (section 5.2.2) */
    while (n_sel < s->n_suites && s->suites[n_sel] != s->suite->id)
        n_sel++;
    if (n_sel == s->n_suites)
        return KW_EDHOC_E_PARAM;
    n_sel++;

    rv = edhoc_eph_generate(s->ctx, s->suite->curve,
                            s->test_eph_len ? s->test_eph : NULL,
                            s->test_eph_len, &s->eph, s->g_x);
    EDHOC_WIPE(s->test_eph);
    s->test_eph_len = 0;
    if (rv != KW_EDHOC_OK)
        return rv;

    kw_cbor_enc_reset(e);
    kw_cbor_put_int(e, s->method);
    edhoc_put_suites(e, s->suites, n_sel);
    kw_cbor_put_bstr(e, s->g_x, EDHOC_COORD_LEN);
    edhoc_put_bstr_id(e, s->c_i, s->c_i_len);
    kw_cbor_put_raw(e, s->ead_out[1].buf, s->ead_out[1].len);
    if (kw_cbor_enc_error(e))
        return KW_EDHOC_E_NOMEM;
    if ((rv = edhoc_hash(s->ctx, e->buf, e->len, s->h_msg1)) != KW_EDHOC_OK)
        return rv;
    s->state = EDHOC_ST_WAIT_M2;
    return KW_EDHOC_OK;
}

/*
 * Section 5.2.3 / 6.3: accept only if the selected (last) suite is the
 * first suite in SUITES_I that the responder supports; otherwise answer
 * with error code 2 and SUITES_R.
 */
static int negotiate(kw_edhoc *s, int method, const int *suites_i, size_t n)
{
    int sel = suites_i[n - 1], suites_r[KW_EDHOC_MAX_SUITES];
    size_t n_r = 0;

    for (size_t i = 0; i < n; i++) {
        if (!suite_usable(s, suites_i[i], method))
            continue;
        if (suites_i[i] == sel) {
            s->suite = edhoc_suite_find(sel);
            return KW_EDHOC_OK;
        }
        /* a suite the initiator prefers is supported: name just that one */
        suites_r[n_r++] = suites_i[i];
        break;
    }
    if (n_r == 0)
        for (size_t i = 0; i < s->n_suites; i++)
            if (suite_usable(s, s->suites[i], method))
                suites_r[n_r++] = s->suites[i];
    if (n_r == 0)
        return KW_EDHOC_E_METHOD; /* nothing fits this method's keys */
    if (edhoc_error_build_suites(s, suites_r, n_r) != KW_EDHOC_OK)
        return KW_EDHOC_E_NOMEM;
    return KW_EDHOC_E_SUITE;
}

int edhoc_msg1_process(kw_edhoc *s, const uint8_t *in, size_t len)
{
    int suites_i[KW_EDHOC_MAX_SUITES];
    size_t n_suites, g_x_len;
    const uint8_t *g_x;
    kw_cbor_dec d;
    int64_t method;
    int rv;

    /* message_1 = ( METHOD, SUITES_I, G_X, C_I, ? EAD_1 ) */
    if (in == NULL || kw_cbor_check_seq(in, len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, in, len);
    if (kw_cbor_get_int(&d, &method) != 0 ||
        edhoc_get_suites(&d, suites_i, KW_EDHOC_MAX_SUITES, &n_suites) != 0 ||
        kw_cbor_get_bstr(&d, &g_x, &g_x_len) != 0 ||
        edhoc_get_bstr_id(&d, s->c_i, sizeof(s->c_i), &s->c_i_len) != 0)
        return KW_EDHOC_E_DECODE;
    if ((rv = edhoc_ead_parse(&d, &s->ead_in[1])) != KW_EDHOC_OK)
        return rv;
    if (method < 0 || method > 3 || !(s->methods & (1u << method)))
        return KW_EDHOC_E_METHOD;
    s->method = (int)method;
    if ((rv = negotiate(s, s->method, suites_i, n_suites)) != KW_EDHOC_OK)
        return rv;
    /* G_X: the x-coordinate, exactly as long as the curve says (3.7) */
    if (g_x_len != EDHOC_COORD_LEN)
        return KW_EDHOC_E_DECODE;
    memcpy(s->g_x, g_x, EDHOC_COORD_LEN);
    if ((rv = edhoc_pub_from_x(s->ctx, s->suite->curve, s->g_x,
                               &s->peer_eph)) != KW_EDHOC_OK)
        return rv;
    if ((rv = edhoc_hash(s->ctx, in, len, s->h_msg1)) != KW_EDHOC_OK)
        return rv;
    return edhoc_ead_deliver(s, 1);
}
