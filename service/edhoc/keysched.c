/* SPDX-License-Identifier: Apache-2.0 */
/* keysched.c: EDHOC transcript hashes and key schedule (RFC 9528 section 4). */
#include <string.h>

#include "edhoc_local.h"

int edhoc_th2(kw_edhoc *s)
{
    kw_cbor_enc e;
    int rv;

    /* TH_2 = H( G_Y, H(message_1) ), a CBOR sequence of two bstr */
    kw_cbor_enc_init(&e);
    kw_cbor_put_bstr(&e, s->g_y, EDHOC_COORD_LEN);
    kw_cbor_put_bstr(&e, s->h_msg1, EDHOC_HASH_LEN);
    rv = kw_cbor_enc_error(&e) ? KW_EDHOC_E_NOMEM
                               : edhoc_hash(s->ctx, e.buf, e.len, s->th);
    kw_cbor_enc_cleanup(&e);
    return rv;
}

int edhoc_th_next(kw_edhoc *s, const uint8_t *plaintext, size_t pt_len,
                  const uint8_t *cred, size_t cred_len)
{
    kw_cbor_enc e;
    int rv;

    /* TH_3 = H( TH_2, PLAINTEXT_2, CRED_R ); TH_4 = H( TH_3, PLAINTEXT_3,
     * CRED_I ): the plaintext and credential are already CBOR. */
    kw_cbor_enc_init(&e);
    kw_cbor_put_bstr(&e, s->th, EDHOC_HASH_LEN);
    kw_cbor_put_raw(&e, plaintext, pt_len);
    kw_cbor_put_raw(&e, cred, cred_len);
    rv = kw_cbor_enc_error(&e) ? KW_EDHOC_E_NOMEM
                               : edhoc_hash(s->ctx, e.buf, e.len, s->th);
    kw_cbor_enc_cleanup(&e);
    return rv;
}

int edhoc_prk_exporter(const kw_edhoc_ctx *ctx,
                       const uint8_t prk_out[EDHOC_HASH_LEN],
                       uint8_t prk_exporter[EDHOC_HASH_LEN])
{
    return edhoc_kdf(ctx, prk_out, 10, NULL, 0, prk_exporter, EDHOC_HASH_LEN);
}

int edhoc_prk_out(kw_edhoc *s)
{
    int rv = edhoc_kdf(s->ctx, s->prk_4e3m, 7, s->th, EDHOC_HASH_LEN,
                       s->prk_out, EDHOC_HASH_LEN);

    if (rv != KW_EDHOC_OK)
        return rv;
    return edhoc_prk_exporter(s->ctx, s->prk_out, s->prk_exporter);
}

int edhoc_msg_key_iv(kw_edhoc *s, int msg, uint8_t *key, uint8_t *iv)
{
    const struct edhoc_aead *a = s->suite->aead;
    const uint8_t *prk = msg == 3 ? s->prk_3e2m : s->prk_4e3m;
    int label = msg == 3 ? 3 : 8;
    int rv;

    /* K_3 = KDF(PRK_3e2m, 3, TH_3), IV_3 = KDF(PRK_3e2m, 4, TH_3);
     * K_4 = KDF(PRK_4e3m, 8, TH_4), IV_4 = KDF(PRK_4e3m, 9, TH_4) */
    rv = edhoc_kdf(s->ctx, prk, label, s->th, EDHOC_HASH_LEN, key, a->key_len);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_kdf(s->ctx, prk, label + 1, s->th, EDHOC_HASH_LEN, iv,
                       a->nonce_len);
    return rv;
}

int edhoc_enc_structure(kw_cbor_enc *e, const uint8_t th[EDHOC_HASH_LEN])
{
    /* Enc_structure = [ "Encrypt0", protected: h'', external_aad: TH ] */
    kw_cbor_put_array(e, 3);
    kw_cbor_put_tstr(e, "Encrypt0", 8);
    kw_cbor_put_bstr(e, NULL, 0);
    kw_cbor_put_bstr(e, th, EDHOC_HASH_LEN);
    return kw_cbor_enc_error(e) ? KW_EDHOC_E_NOMEM : KW_EDHOC_OK;
}

int edhoc_msg_open(kw_edhoc *s, int msg, const uint8_t *in, size_t len,
                   uint8_t **pt, size_t *pt_len)
{
    const struct edhoc_aead *a = s->suite->aead;
    uint8_t key[EDHOC_MAX_KEY], iv[EDHOC_MAX_NONCE];
    const uint8_t *ct;
    size_t ct_len;
    kw_cbor_enc aad;
    kw_cbor_dec d;
    int rv;

    *pt = NULL;
    *pt_len = 0;
    /* message_x = ( CIPHERTEXT_x : bstr ): exactly one item */
    if (in == NULL || kw_cbor_check_seq(in, len) != 0)
        return KW_EDHOC_E_DECODE;
    kw_cbor_dec_init(&d, in, len);
    if (kw_cbor_get_bstr(&d, &ct, &ct_len) != 0 || !kw_cbor_dec_done(&d) ||
        ct_len < a->tag_len)
        return KW_EDHOC_E_DECODE;
    kw_cbor_enc_init(&aad);
    *pt_len = ct_len - a->tag_len;
    if ((*pt = OPENSSL_malloc(*pt_len ? *pt_len : 1)) == NULL ||
        edhoc_enc_structure(&aad, s->th) != 0)
        rv = KW_EDHOC_E_NOMEM;
    else if ((rv = edhoc_msg_key_iv(s, msg, key, iv)) == KW_EDHOC_OK)
        rv = edhoc_aead_open(s->ctx, a, key, iv, aad.buf, aad.len, ct, ct_len,
                             *pt);
    kw_cbor_enc_cleanup(&aad);
    EDHOC_WIPE(key);
    EDHOC_WIPE(iv);
    return rv;
}

/* Whose key is the static DH key in PRK_3e2m (responder's) and PRK_4e3m
 * (initiator's); the other side of each ECDH is an ephemeral key. */
static int static_dh(kw_edhoc *s, bool responder_key,
                     uint8_t secret[EDHOC_COORD_LEN])
{
    bool own_static = (s->role == KW_EDHOC_RESPONDER) == responder_key;
    enum edhoc_key_kind want =
        s->suite->curve == EDHOC_CURVE_P256 ? EDHOC_KEY_P256 : EDHOC_KEY_X25519;

    if (own_static) {
        /* own long-term key with the peer's ephemeral key */
        if (edhoc_key_kind(s->local.auth_key) != want)
            return KW_EDHOC_E_PARAM;
        return edhoc_ecdh(s->ctx, s->local.auth_key, true, s->peer_eph, secret);
    }
    /* own ephemeral key with the peer's long-term key */
    if (edhoc_key_kind(s->peer_pub) != want)
        return KW_EDHOC_E_AUTH;
    if (edhoc_ecdh(s->ctx, s->eph, false, s->peer_pub, secret) != 0)
        return KW_EDHOC_E_AUTH;
    return KW_EDHOC_OK;
}

int edhoc_prk_3e2m(kw_edhoc *s, const uint8_t prk_2e[EDHOC_HASH_LEN])
{
    uint8_t salt[EDHOC_HASH_LEN], g_rx[EDHOC_COORD_LEN];
    int rv;

    if (edhoc_r_signs(s->method)) {
        memcpy(s->prk_3e2m, prk_2e, EDHOC_HASH_LEN);
        return KW_EDHOC_OK;
    }
    /* SALT_3e2m = KDF(PRK_2e, 1, TH_2, hash_length);
     * PRK_3e2m = Extract(SALT_3e2m, G_RX) */
    rv =
        edhoc_kdf(s->ctx, prk_2e, 1, s->th, EDHOC_HASH_LEN, salt, sizeof(salt));
    if (rv == KW_EDHOC_OK)
        rv = static_dh(s, true, g_rx);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_hkdf_extract(s->ctx, salt, sizeof(salt), g_rx, sizeof(g_rx),
                                s->prk_3e2m);
    EDHOC_WIPE(salt);
    EDHOC_WIPE(g_rx);
    return rv;
}

int edhoc_prk_4e3m(kw_edhoc *s)
{
    uint8_t salt[EDHOC_HASH_LEN], g_iy[EDHOC_COORD_LEN];
    int rv;

    if (edhoc_i_signs(s->method)) {
        memcpy(s->prk_4e3m, s->prk_3e2m, EDHOC_HASH_LEN);
        return KW_EDHOC_OK;
    }
    /* SALT_4e3m = KDF(PRK_3e2m, 5, TH_3, hash_length);
     * PRK_4e3m = Extract(SALT_4e3m, G_IY) */
    rv = edhoc_kdf(s->ctx, s->prk_3e2m, 5, s->th, EDHOC_HASH_LEN, salt,
                   sizeof(salt));
    if (rv == KW_EDHOC_OK)
        rv = static_dh(s, false, g_iy);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_hkdf_extract(s->ctx, salt, sizeof(salt), g_iy, sizeof(g_iy),
                                s->prk_4e3m);
    EDHOC_WIPE(salt);
    EDHOC_WIPE(g_iy);
    return rv;
}
