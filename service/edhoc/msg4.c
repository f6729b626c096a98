/* SPDX-License-Identifier: Apache-2.0 */
/* msg4.c: the optional message_4 (RFC 9528 section 5.5). */
#include <string.h>

#include "edhoc_local.h"

int edhoc_msg4_build(kw_edhoc *s)
{
    const struct edhoc_aead *a = s->suite->aead;
    uint8_t key[EDHOC_MAX_KEY], iv[EDHOC_MAX_NONCE];
    const kw_cbor_enc *ead = &s->ead_out[4];
    kw_cbor_enc aad, *e = &s->out;
    size_t ct_off;
    int rv;

    /* message_4 = ( CIPHERTEXT_4 : bstr ), PLAINTEXT_4 = ( ? EAD_4 ),
     * K_4, IV_4 and A_4 = [ "Encrypt0", h'', TH_4 ] */
    kw_cbor_enc_init(&aad);
    kw_cbor_enc_reset(e);
    kw_cbor_put_bstr_head(e, ead->len + a->tag_len);
    ct_off = e->len;
    kw_cbor_put_raw(e, ead->buf, ead->len);
    kw_cbor_put_raw(e, edhoc_zero_tag, a->tag_len); /* room for the tag */
    if (kw_cbor_enc_error(e) || edhoc_enc_structure(&aad, s->th) != 0) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    if ((rv = edhoc_msg_key_iv(s, 4, key, iv)) == KW_EDHOC_OK)
        rv = edhoc_aead_seal(s->ctx, a, key, iv, aad.buf, aad.len, ead->buf,
                             ead->len, e->buf + ct_off);
    if (rv == KW_EDHOC_OK) {
        EDHOC_WIPE(s->prk_4e3m);
        s->state = EDHOC_ST_DONE;
    }
out:
    kw_cbor_enc_cleanup(&aad);
    EDHOC_WIPE(key);
    EDHOC_WIPE(iv);
    return rv;
}

int edhoc_msg4_process(kw_edhoc *s, const uint8_t *in, size_t len)
{
    uint8_t *pt = NULL;
    size_t pt_len = 0;
    kw_cbor_dec d;
    int rv;

    if ((rv = edhoc_msg_open(s, 4, in, len, &pt, &pt_len)) != KW_EDHOC_OK)
        goto out;
    rv = KW_EDHOC_E_DECODE;
    if (kw_cbor_check_seq(pt, pt_len) != 0)
        goto out;
    kw_cbor_dec_init(&d, pt, pt_len);
    if ((rv = edhoc_ead_parse(&d, &s->ead_in[4])) != KW_EDHOC_OK ||
        (rv = edhoc_ead_deliver(s, 4)) != KW_EDHOC_OK)
        goto out;
    EDHOC_WIPE(s->prk_4e3m);
    s->state = EDHOC_ST_DONE;
out:
    OPENSSL_clear_free(pt, pt_len ? pt_len : 1);
    return rv;
}
