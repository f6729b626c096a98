/* SPDX-License-Identifier: Apache-2.0 */
/* msg2.c: message_2 (RFC 9528 section 5.3): responder builds, initiator
 * verifies. */
#include <string.h>

#include <openssl/rand.h>

#include "edhoc_local.h"

/*
 * KEYSTREAM_2 = EDHOC_KDF(PRK_2e, 0, TH_2, plaintext_length), extended for
 * plaintexts over 255 * hash_length by the labels -1, -2, ... of appendix
 * G; XORed into buf in place (encryption and decryption alike).
 */
static int keystream_xor(kw_edhoc *s, const uint8_t prk_2e[EDHOC_HASH_LEN],
                         const uint8_t th_2[EDHOC_HASH_LEN], uint8_t *buf,
                         size_t len)
{
    const size_t part = 255 * EDHOC_HASH_LEN;
    uint8_t *ks = OPENSSL_malloc(len < part ? len : part);
    int rv = KW_EDHOC_OK;

    if (ks == NULL)
        return KW_EDHOC_E_NOMEM;
    for (size_t off = 0, i = 0; off < len && rv == KW_EDHOC_OK; i++) {
        size_t n = len - off < part ? len - off : part;

        rv =
            edhoc_kdf(s->ctx, prk_2e, -(int64_t)i, th_2, EDHOC_HASH_LEN, ks, n);
        for (size_t k = 0; rv == KW_EDHOC_OK && k < n; k++)
            buf[off + k] ^= ks[k];
        off += n;
    }
    OPENSSL_clear_free(ks, len < part ? len : part);
    return rv;
}

/* TH_2 and PRK_2e = Extract(TH_2, G_XY) with the own ephemeral key. */
static int th2_prk2e(kw_edhoc *s, uint8_t prk_2e[EDHOC_HASH_LEN])
{
    uint8_t g_xy[EDHOC_COORD_LEN];
    int rv;

    if ((rv = edhoc_th2(s)) != KW_EDHOC_OK)
        return rv;
    /* our ephemeral key is sound, so a failure means a bad peer point
     * (e.g. an X25519 point of low order: all-zero output) */
    if (edhoc_ecdh(s->ctx, s->eph, false, s->peer_eph, g_xy) != KW_EDHOC_OK)
        return KW_EDHOC_E_DECODE;
    rv = edhoc_hkdf_extract(s->ctx, s->th, EDHOC_HASH_LEN, g_xy, sizeof(g_xy),
                            prk_2e);
    EDHOC_WIPE(g_xy);
    return rv;
}

static bool cid_equal(const kw_edhoc *s)
{
    return s->c_i_len == s->c_r_len &&
           (s->c_i_len == 0 || memcmp(s->c_i, s->c_r, s->c_i_len) == 0);
}

int edhoc_msg2_build(kw_edhoc *s)
{
    uint8_t prk_2e[EDHOC_HASH_LEN], som[EDHOC_SIG_LEN];
    size_t som_len, ct_off;
    kw_cbor_enc pt;
    kw_cbor_enc *e = &s->out;
    int rv;

    /* C_R must not equal C_I: they become the two OSCORE Recipient IDs
     * (section 3.3.3). A random one is redrawn; a configured one fails. */
    while (cid_equal(s)) {
        if (!s->random_cid)
            return KW_EDHOC_E_PARAM;
        if (RAND_bytes_ex(s->ctx->libctx, s->c_r, s->c_r_len, 0) != 1)
            return KW_EDHOC_E_CRYPTO;
    }
    rv = edhoc_eph_generate(s->ctx, s->suite->curve,
                            s->test_eph_len ? s->test_eph : NULL,
                            s->test_eph_len, &s->eph, s->g_y);
    EDHOC_WIPE(s->test_eph);
    s->test_eph_len = 0;
    if (rv != KW_EDHOC_OK)
        return rv;

    kw_cbor_enc_init(&pt);
    if ((rv = th2_prk2e(s, prk_2e)) != KW_EDHOC_OK ||
        (rv = edhoc_prk_3e2m(s, prk_2e)) != KW_EDHOC_OK ||
        (rv = edhoc_sig_or_mac_make(s, 2, s->ead_out[2].buf, s->ead_out[2].len,
                                    som, &som_len)) != KW_EDHOC_OK)
        goto out;

    /* PLAINTEXT_2 = ( C_R, ID_CRED_R / bstr / -24..23, Signature_or_MAC_2,
     *                 ? EAD_2 ) */
    edhoc_put_bstr_id(&pt, s->c_r, s->c_r_len);
    edhoc_put_id_cred_pt(&pt, s);
    kw_cbor_put_bstr(&pt, som, som_len);
    kw_cbor_put_raw(&pt, s->ead_out[2].buf, s->ead_out[2].len);
    if (kw_cbor_enc_error(&pt)) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    /* message_2 = ( G_Y_CIPHERTEXT_2 : bstr ), CIPHERTEXT_2 = PLAINTEXT_2
     * XOR KEYSTREAM_2, encrypted in place in the output */
    kw_cbor_enc_reset(e);
    kw_cbor_put_bstr_head(e, EDHOC_COORD_LEN + pt.len);
    kw_cbor_put_raw(e, s->g_y, EDHOC_COORD_LEN);
    ct_off = e->len;
    kw_cbor_put_raw(e, pt.buf, pt.len);
    if (kw_cbor_enc_error(e)) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    if ((rv = keystream_xor(s, prk_2e, s->th, e->buf + ct_off, pt.len)) !=
        KW_EDHOC_OK)
        goto out;
    /* TH_3 = H(TH_2, PLAINTEXT_2, CRED_R) */
    rv = edhoc_th_next(s, pt.buf, pt.len, s->local.cred, s->local.cred_len);
    /* G_X has no further use; Y only for G_IY (initiator static DH) */
    EVP_PKEY_free(s->peer_eph);
    s->peer_eph = NULL;
    if (edhoc_i_signs(s->method))
        edhoc_eph_drop(s);
    s->state = EDHOC_ST_WAIT_M3;
out:
    kw_cbor_enc_cleanup(&pt);
    EDHOC_WIPE(prk_2e);
    return rv;
}

/* PLAINTEXT_2 = ( C_R, ID_CRED_R, Signature_or_MAC_2, ? EAD_2 ) */
static int parse_plaintext_2(kw_edhoc *s, const uint8_t *pt, size_t len,
                             uint8_t **id_cred, size_t *id_cred_len,
                             const uint8_t **som, size_t *som_len,
                             const uint8_t **ead, size_t *ead_len)
{
    kw_cbor_dec d;
    int rv;

    if (kw_cbor_check_seq(pt, len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, pt, len);
    if (edhoc_get_bstr_id(&d, s->c_r, sizeof(s->c_r), &s->c_r_len) != 0)
        return KW_EDHOC_E_DECODE;
    if ((rv = edhoc_get_id_cred_pt(&d, id_cred, id_cred_len)) != KW_EDHOC_OK)
        return rv;
    if (kw_cbor_get_bstr(&d, som, som_len) != 0 ||
        *som_len != edhoc_sig_or_mac_len(s, 2))
        return KW_EDHOC_E_DECODE;
    *ead = d.p;
    *ead_len = (size_t)(d.end - d.p);
    if ((rv = edhoc_ead_parse(&d, &s->ead_in[2])) != KW_EDHOC_OK)
        return rv;
    /* the same connection identifier twice breaks the OSCORE mapping */
    return cid_equal(s) ? KW_EDHOC_E_DECODE : KW_EDHOC_OK;
}

int edhoc_msg2_process(kw_edhoc *s, const uint8_t *in, size_t len)
{
    uint8_t prk_2e[EDHOC_HASH_LEN], *pt = NULL, *id_cred = NULL;
    const uint8_t *gyct, *som, *ead;
    size_t gyct_len, pt_len = 0, som_len, ead_len, id_cred_len = 0;
    kw_cbor_dec d;
    int rv;

    /* message_2 = ( G_Y_CIPHERTEXT_2 : bstr ): exactly one item */
    if (in == NULL || kw_cbor_check_seq(in, len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, in, len);
    if (kw_cbor_get_bstr(&d, &gyct, &gyct_len) != 0 || !kw_cbor_dec_done(&d) ||
        gyct_len <= EDHOC_COORD_LEN)
        return KW_EDHOC_E_DECODE;
    memcpy(s->g_y, gyct, EDHOC_COORD_LEN);
    if ((rv = edhoc_pub_from_x(s->ctx, s->suite->curve, s->g_y,
                               &s->peer_eph)) != KW_EDHOC_OK)
        return rv;
    if ((rv = th2_prk2e(s, prk_2e)) != KW_EDHOC_OK)
        goto out;
    pt_len = gyct_len - EDHOC_COORD_LEN;
    if ((pt = OPENSSL_memdup(gyct + EDHOC_COORD_LEN, pt_len)) == NULL) {
        rv = KW_EDHOC_E_NOMEM;
        goto out;
    }
    if ((rv = keystream_xor(s, prk_2e, s->th, pt, pt_len)) != KW_EDHOC_OK ||
        (rv = parse_plaintext_2(s, pt, pt_len, &id_cred, &id_cred_len, &som,
                                &som_len, &ead, &ead_len)) != KW_EDHOC_OK ||
        (rv = edhoc_ead_deliver(s, 2)) != KW_EDHOC_OK)
        goto out;
    if ((rv = edhoc_peer_cred_resolve(s, id_cred, id_cred_len)) !=
            KW_EDHOC_OK ||
        (rv = edhoc_prk_3e2m(s, prk_2e)) != KW_EDHOC_OK ||
        (rv = edhoc_sig_or_mac_verify(s, 2, ead, ead_len, som, som_len)) !=
            KW_EDHOC_OK)
        goto out;
    rv = edhoc_th_next(s, pt, pt_len, s->peer_cred, s->peer_cred_len);
    /* X has no further use: G_RX is done and G_IY uses I and G_Y */
    if (s->eph != NULL) {
        EVP_PKEY_free(s->eph);
        s->eph = NULL;
    }
out:
    OPENSSL_free(id_cred);
    OPENSSL_clear_free(pt, pt_len);
    EDHOC_WIPE(prk_2e);
    return rv;
}
