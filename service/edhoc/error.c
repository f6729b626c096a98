/* SPDX-License-Identifier: Apache-2.0 */
/* error.c: EDHOC error messages (RFC 9528 section 6), sent and received. */
#include <string.h>

#include "edhoc_local.h"

const uint8_t edhoc_zero_tag[EDHOC_MAX_TAG];

/* ERR_CODE values (section 6, table 6). */
enum { ERR_SUCCESS = 0, ERR_UNSPECIFIED = 1, ERR_SUITES = 2, ERR_CRED = 3 };

int edhoc_error_build(kw_edhoc *s, int status)
{
    kw_cbor_enc *e = &s->out;
    const char *diag;

    kw_cbor_enc_reset(e);
    if (status == KW_EDHOC_E_UNKNOWN_CRED) {
        /* error = ( 3, true ) */
        kw_cbor_put_int(e, ERR_CRED);
        kw_cbor_put_bool(e, true);
    } else {
        /* error = ( 1, tstr ): a diagnostic in English, no secrets; local
         * failures are not told apart for the peer */
        switch (status) {
        case KW_EDHOC_E_DECODE:
        case KW_EDHOC_E_METHOD:
        case KW_EDHOC_E_PEER_REJECTED:
        case KW_EDHOC_E_AUTH:
        case KW_EDHOC_E_EAD:
            diag = kw_edhoc_status_str(status);
            break;
        default:
            diag = "internal error";
        }
        kw_cbor_put_int(e, ERR_UNSPECIFIED);
        kw_cbor_put_tstr(e, diag, strlen(diag));
    }
    return kw_cbor_enc_error(e) ? KW_EDHOC_E_NOMEM : KW_EDHOC_OK;
}

int edhoc_error_build_suites(kw_edhoc *s, const int *suites, size_t n)
{
    kw_cbor_enc *e = &s->out;

    /* error = ( 2, SUITES_R ) */
    kw_cbor_enc_reset(e);
    kw_cbor_put_int(e, ERR_SUITES);
    return edhoc_put_suites(e, suites, n);
}

bool edhoc_is_error_msg(const uint8_t *in, size_t len)
{
    /* messages 2, 3 and 4 begin with a bstr, an error with an int */
    return in != NULL && len > 0 && (in[0] >> 5) <= 1;
}

/* After error code 2: pick the most preferred own suite in SUITES_R. */
static int take_suites_r(kw_edhoc *s)
{
    for (size_t i = 0; i < s->n_suites; i++) {
        bool offered = false;

        for (size_t k = 0; k < s->n_suites_r; k++)
            offered |= s->suites_r[k] == s->suites[i];
        if (offered && edhoc_suite_usable(s, s->suites[i])) {
            s->suite = edhoc_suite_find(s->suites[i]);
            s->state = EDHOC_ST_NEGOTIATE;
            return KW_EDHOC_E_SUITES_R;
        }
    }
    return KW_EDHOC_E_NO_COMMON_SUITE;
}

int edhoc_error_process(kw_edhoc *s, const uint8_t *in, size_t len)
{
    const char *diag = "";
    size_t diag_len = 0;
    kw_cbor_dec d;
    int64_t code;

    /* error = ( ERR_CODE : int, ERR_INFO : any ) */
    if (kw_cbor_check_seq(in, len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, in, len);
    if (kw_cbor_get_int(&d, &code) != 0)
        return KW_EDHOC_E_DECODE;
    s->peer_err_code = code;
    switch (code) {
    case ERR_UNSPECIFIED:
        if (kw_cbor_get_tstr(&d, &diag, &diag_len) != 0)
            return KW_EDHOC_E_DECODE;
        break;
    case ERR_SUITES:
        if (edhoc_get_suites(&d, s->suites_r, KW_EDHOC_MAX_SUITES,
                             &s->n_suites_r) != 0)
            return KW_EDHOC_E_DECODE;
        break;
    default:
        /* 0 (must not be sent), 3 (true) and unknown codes: any info */
        if (kw_cbor_get_item(&d, NULL, NULL) != 0)
            return KW_EDHOC_E_DECODE;
    }
    if (!kw_cbor_dec_done(&d))
        return KW_EDHOC_E_DECODE;
    OPENSSL_free(s->peer_err_diag);
    if ((s->peer_err_diag = OPENSSL_strndup(diag, diag_len)) == NULL)
        return KW_EDHOC_E_NOMEM;
    /* Code 2 is only meaningful as the answer to message_1. */
    if (code == ERR_SUITES && s->role == KW_EDHOC_INITIATOR &&
        s->state == EDHOC_ST_WAIT_M2)
        return take_suites_r(s);
    return KW_EDHOC_E_PEER_ERROR;
}
