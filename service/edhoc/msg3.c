/* SPDX-License-Identifier: Apache-2.0 */
/* msg3.c: message_3 (RFC 9528 section 5.4): initiator builds, responder
 * verifies. */
#include <string.h>

#include "edhoc_local.h"

int edhoc_msg3_build(kw_edhoc *s)
{
    const struct edhoc_aead *a = s->suite->aead;
    uint8_t som[EDHOC_SIG_LEN], key[EDHOC_MAX_KEY], iv[EDHOC_MAX_NONCE];
    size_t som_len, ct_off;
    kw_cbor_enc pt, aad, *e = &s->out;
    int rv;

    kw_cbor_enc_init(&pt);
    kw_cbor_enc_init(&aad);
    if ((rv = edhoc_prk_4e3m(s)) != KW_EDHOC_OK ||
        (rv = edhoc_sig_or_mac_make(s, 3, s->ead_out[3].buf, s->ead_out[3].len,
                                    som, &som_len)) != KW_EDHOC_OK)
        goto out;
    /* PLAINTEXT_3 = ( ID_CRED_I / bstr / -24..23, Signature_or_MAC_3,
     *                 ? EAD_3 ) */
    edhoc_put_id_cred_pt(&pt, s);
    kw_cbor_put_bstr(&pt, som, som_len);
    kw_cbor_put_raw(&pt, s->ead_out[3].buf, s->ead_out[3].len);
    if (kw_cbor_enc_error(&pt) || edhoc_enc_structure(&aad, s->th) != 0) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    /* message_3 = ( CIPHERTEXT_3 : bstr ), COSE_Encrypt0 with K_3, IV_3
     * and A_3 = [ "Encrypt0", h'', TH_3 ] */
    kw_cbor_enc_reset(e);
    kw_cbor_put_bstr_head(e, pt.len + a->tag_len);
    ct_off = e->len;
    kw_cbor_put_raw(e, pt.buf, pt.len); /* room for the ciphertext ... */
    kw_cbor_put_raw(e, edhoc_zero_tag, a->tag_len); /* room for the tag */
    if (kw_cbor_enc_error(e)) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    if ((rv = edhoc_msg_key_iv(s, 3, key, iv)) != KW_EDHOC_OK ||
        (rv = edhoc_aead_seal(s->ctx, a, key, iv, aad.buf, aad.len, pt.buf,
                              pt.len, e->buf + ct_off)) != KW_EDHOC_OK)
        goto out;
    /* TH_4 = H(TH_3, PLAINTEXT_3, CRED_I); then PRK_out */
    if ((rv = edhoc_th_next(s, pt.buf, pt.len, s->local.cred,
                            s->local.cred_len)) != KW_EDHOC_OK ||
        (rv = edhoc_prk_out(s)) != KW_EDHOC_OK)
        goto out;
    edhoc_eph_drop(s);
    EDHOC_WIPE(s->prk_3e2m);
    if (s->message_4) {
        s->state = EDHOC_ST_WAIT_M4;
    } else {
        EDHOC_WIPE(s->prk_4e3m);
        s->state = EDHOC_ST_DONE;
    }
out:
    kw_cbor_enc_cleanup(&pt);
    kw_cbor_enc_cleanup(&aad);
    EDHOC_WIPE(som);
    EDHOC_WIPE(key);
    EDHOC_WIPE(iv);
    return rv;
}

int edhoc_msg3_process(kw_edhoc *s, const uint8_t *in, size_t len)
{
    uint8_t *pt = NULL, *id_cred = NULL;
    const uint8_t *som, *ead;
    size_t pt_len = 0, som_len, ead_len, id_cred_len = 0;
    kw_cbor_dec d;
    int rv;

    if ((rv = edhoc_msg_open(s, 3, in, len, &pt, &pt_len)) != KW_EDHOC_OK)
        goto out;

    /* PLAINTEXT_3 = ( ID_CRED_I, Signature_or_MAC_3, ? EAD_3 ) */
    rv = KW_EDHOC_E_DECODE;
    if (kw_cbor_check_seq(pt, pt_len) != 0)
        goto out;
    kw_cbor_dec_init(&d, pt, pt_len);
    if ((rv = edhoc_get_id_cred_pt(&d, &id_cred, &id_cred_len)) != 0)
        goto out;
    if (kw_cbor_get_bstr(&d, &som, &som_len) != 0 ||
        som_len != edhoc_sig_or_mac_len(s, 3)) {
        rv = KW_EDHOC_E_DECODE;
        goto out;
    }
    ead = d.p;
    ead_len = (size_t)(d.end - d.p);
    if ((rv = edhoc_ead_parse(&d, &s->ead_in[3])) != KW_EDHOC_OK ||
        (rv = edhoc_ead_deliver(s, 3)) != KW_EDHOC_OK ||
        (rv = edhoc_peer_cred_resolve(s, id_cred, id_cred_len)) !=
            KW_EDHOC_OK ||
        (rv = edhoc_prk_4e3m(s)) != KW_EDHOC_OK ||
        (rv = edhoc_sig_or_mac_verify(s, 3, ead, ead_len, som, som_len)) !=
            KW_EDHOC_OK)
        goto out;
    if ((rv = edhoc_th_next(s, pt, pt_len, s->peer_cred, s->peer_cred_len)) !=
            KW_EDHOC_OK ||
        (rv = edhoc_prk_out(s)) != KW_EDHOC_OK)
        goto out;
    edhoc_eph_drop(s);
    EDHOC_WIPE(s->prk_3e2m);
out:
    OPENSSL_free(id_cred);
    OPENSSL_clear_free(pt, pt_len ? pt_len : 1);
    return rv;
}
