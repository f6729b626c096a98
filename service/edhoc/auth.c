/* SPDX-License-Identifier: Apache-2.0 */
/* auth.c: MAC_2/MAC_3, Signature_or_MAC_x and peer credential resolution. */
#include <string.h>

#include "edhoc_local.h"

bool edhoc_r_signs(int method)
{
    return method == 0 || method == 2;
}

bool edhoc_i_signs(int method)
{
    return method == 0 || method == 1;
}

/* Does the sender of message msg authenticate with a signature? */
static bool msg_signed(const kw_edhoc *s, int msg)
{
    return msg == 2 ? edhoc_r_signs(s->method) : edhoc_i_signs(s->method);
}

size_t edhoc_sig_or_mac_len(const kw_edhoc *s, int msg)
{
    return msg_signed(s, msg) ? EDHOC_SIG_LEN : s->suite->mac_len;
}

/*
 * MAC_2 = KDF(PRK_3e2m, 2, context_2, mac_length_2),
 *   context_2 = << C_R, ID_CRED_R, TH_2, CRED_R, ? EAD_2 >>
 * MAC_3 = KDF(PRK_4e3m, 6, context_3, mac_length_3),
 *   context_3 = << ID_CRED_I, TH_3, CRED_I, ? EAD_3 >>
 * mac_length is hash_length for a signer, else the suite's MAC length.
 */
static int mac_compute(kw_edhoc *s, int msg, const uint8_t *id_cred,
                       size_t id_cred_len, const uint8_t *cred, size_t cred_len,
                       const uint8_t *ead, size_t ead_len, uint8_t *mac,
                       size_t *mac_len)
{
    kw_cbor_enc c;
    int rv;

    *mac_len = msg_signed(s, msg) ? EDHOC_HASH_LEN : s->suite->mac_len;
    kw_cbor_enc_init(&c);
    if (msg == 2)
        edhoc_put_bstr_id(&c, s->c_r, s->c_r_len);
    kw_cbor_put_raw(&c, id_cred, id_cred_len);
    kw_cbor_put_bstr(&c, s->th, EDHOC_HASH_LEN);
    kw_cbor_put_raw(&c, cred, cred_len);
    kw_cbor_put_raw(&c, ead, ead_len);
    if (kw_cbor_enc_error(&c))
        rv = KW_EDHOC_E_NOMEM;
    else
        rv = edhoc_kdf(s->ctx, msg == 2 ? s->prk_3e2m : s->prk_4e3m,
                       msg == 2 ? 2 : 6, c.buf, c.len, mac, *mac_len);
    kw_cbor_enc_cleanup(&c);
    return rv;
}

/* Sig_structure = [ "Signature1", << ID_CRED_x >>,
 *                   << TH_x, CRED_x, ? EAD_x >>, MAC_x ] */
static int sig_structure(kw_cbor_enc *e, const kw_edhoc *s,
                         const uint8_t *id_cred, size_t id_cred_len,
                         const uint8_t *cred, size_t cred_len,
                         const uint8_t *ead, size_t ead_len, const uint8_t *mac,
                         size_t mac_len)
{
    size_t aad_len = 2 + EDHOC_HASH_LEN + cred_len + ead_len;

    kw_cbor_put_array(e, 4);
    kw_cbor_put_tstr(e, "Signature1", 10);
    kw_cbor_put_bstr(e, id_cred, id_cred_len);
    kw_cbor_put_bstr_head(e, aad_len);
    kw_cbor_put_bstr(e, s->th, EDHOC_HASH_LEN);
    kw_cbor_put_raw(e, cred, cred_len);
    kw_cbor_put_raw(e, ead, ead_len);
    kw_cbor_put_bstr(e, mac, mac_len);
    return kw_cbor_enc_error(e) ? KW_EDHOC_E_NOMEM : KW_EDHOC_OK;
}

/* The key a signer needs for the suite, or the DH key kind otherwise. */
static bool key_fits_sig(const kw_edhoc *s, EVP_PKEY *key)
{
    enum edhoc_key_kind k = edhoc_key_kind(key);

    return s->suite->sig == EDHOC_SIG_ES256 ? k == EDHOC_KEY_P256
                                            : k == EDHOC_KEY_ED25519;
}

int edhoc_sig_or_mac_make(kw_edhoc *s, int msg, const uint8_t *ead,
                          size_t ead_len, uint8_t *out, size_t *out_len)
{
    uint8_t mac[EDHOC_HASH_LEN];
    size_t mac_len;
    kw_cbor_enc tbs;
    int rv;

    rv = mac_compute(s, msg, s->local.id_cred, s->local.id_cred_len,
                     s->local.cred, s->local.cred_len, ead, ead_len, mac,
                     &mac_len);
    if (rv != KW_EDHOC_OK)
        goto out;
    if (!msg_signed(s, msg)) {
        memcpy(out, mac, mac_len);
        *out_len = mac_len;
        goto out;
    }
    if (!key_fits_sig(s, s->local.auth_key)) {
        rv = KW_EDHOC_E_PARAM;
        goto out;
    }
    kw_cbor_enc_init(&tbs);
    rv = sig_structure(&tbs, s, s->local.id_cred, s->local.id_cred_len,
                       s->local.cred, s->local.cred_len, ead, ead_len, mac,
                       mac_len);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_sign(s->ctx, s->suite->sig, s->local.auth_key, tbs.buf,
                        tbs.len, out);
    kw_cbor_enc_cleanup(&tbs);
    *out_len = EDHOC_SIG_LEN;
out:
    EDHOC_WIPE(mac);
    return rv;
}

int edhoc_sig_or_mac_verify(kw_edhoc *s, int msg, const uint8_t *ead,
                            size_t ead_len, const uint8_t *sig, size_t sig_len)
{
    uint8_t mac[EDHOC_HASH_LEN];
    size_t mac_len;
    kw_cbor_enc tbs;
    int rv;

    rv = mac_compute(s, msg, s->peer_id_cred, s->peer_id_cred_len, s->peer_cred,
                     s->peer_cred_len, ead, ead_len, mac, &mac_len);
    if (rv != KW_EDHOC_OK)
        goto out;
    if (!msg_signed(s, msg)) {
        rv = sig_len == mac_len && CRYPTO_memcmp(mac, sig, mac_len) == 0
                 ? KW_EDHOC_OK
                 : KW_EDHOC_E_AUTH;
        goto out;
    }
    if (!key_fits_sig(s, s->peer_pub)) {
        rv = KW_EDHOC_E_AUTH;
        goto out;
    }
    kw_cbor_enc_init(&tbs);
    rv = sig_structure(&tbs, s, s->peer_id_cred, s->peer_id_cred_len,
                       s->peer_cred, s->peer_cred_len, ead, ead_len, mac,
                       mac_len);
    if (rv == KW_EDHOC_OK)
        rv = edhoc_verify(s->ctx, s->suite->sig, s->peer_pub, tbs.buf, tbs.len,
                          sig, sig_len);
    kw_cbor_enc_cleanup(&tbs);
out:
    EDHOC_WIPE(mac);
    return rv;
}

int edhoc_peer_cred_resolve(kw_edhoc *s, const uint8_t *id_cred,
                            size_t id_cred_len)
{
    kw_edhoc_id_cred id;
    kw_edhoc_peer_cred pc = {0};
    int rv;

    if ((rv = edhoc_id_cred_parse(id_cred, id_cred_len, &id)) != 0)
        return rv;
    if (s->cred_cb == NULL)
        return KW_EDHOC_E_UNKNOWN_CRED;
    rv = s->cred_cb(s->cred_arg, &id, &pc);
    if (rv != KW_EDHOC_OK) {
        /* a callback must not hand anything back on failure, but be safe */
        OPENSSL_free(pc.cred);
        EVP_PKEY_free(pc.pubkey);
        OPENSSL_free(pc.identity);
        return rv == KW_EDHOC_E_UNKNOWN_CRED ? rv : KW_EDHOC_E_PEER_REJECTED;
    }
    s->peer_cred = pc.cred;
    s->peer_cred_len = pc.cred_len;
    s->peer_pub = pc.pubkey;
    s->peer_identity = pc.identity;
    if ((s->peer_id_cred = OPENSSL_memdup(id_cred, id_cred_len)) == NULL)
        return KW_EDHOC_E_NOMEM;
    s->peer_id_cred_len = id_cred_len;
    /* CRED_x is hashed as one CBOR item: refuse anything else. */
    if (s->peer_cred == NULL || s->peer_pub == NULL ||
        kw_cbor_check_item(s->peer_cred, s->peer_cred_len) != 0)
        return KW_EDHOC_E_PEER_REJECTED;
    return KW_EDHOC_OK;
}
