/* SPDX-License-Identifier: Apache-2.0 */
/* pmsg_refpeer.c: the profile's receiver, re-implemented from its document for
 * cross-checking. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "pmsg_refpeer.h"

static int hkdf(int mode, const uint8_t *key, size_t key_len,
                const uint8_t *salt, size_t salt_len, const uint8_t *info,
                size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM p[6], *q = p;
    int ok;

    *q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key,
                                             key_len);
    if (salt != NULL)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                 (void *)salt, salt_len);
    if (info != NULL)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *)info, info_len);
    *q = OSSL_PARAM_construct_end();
    ok = c != NULL && EVP_KDF_derive(c, out, out_len, p) == 1;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    return ok;
}

/* CBOR head for small values (< 256) of major type mt. */
static size_t head(uint8_t *p, int mt, size_t v)
{
    if (v < 24) {
        p[0] = (uint8_t)(mt << 5 | v);
        return 1;
    }
    p[0] = (uint8_t)(mt << 5 | 24);
    p[1] = (uint8_t)v;
    return 2;
}

/* EDHOC_KDF(prk, label, context, length) with small label and lengths */
static int edhoc_kdf(const uint8_t prk[32], int label, const uint8_t *ctx,
                     size_t ctx_len, uint8_t *out, size_t len)
{
    uint8_t info[64];
    size_t n = head(info, 0, (size_t)label);

    n += head(info + n, 2, ctx_len);
    if (ctx_len > 0)
        memcpy(info + n, ctx, ctx_len);
    n += ctx_len;
    n += head(info + n, 0, len);
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, 32, NULL, 0, info, n, out,
                len);
}

/* OSCORE info = [ id, id_context / nil, 10, type, L ] */
static int oscore_kdf(const uint8_t prk[32], const uint8_t *id, size_t id_len,
                      const uint8_t *idc, size_t idc_len, const char *type,
                      uint8_t *out, size_t len)
{
    uint8_t info[64];
    size_t n = 0, t = strlen(type);

    info[n++] = 0x85;
    n += head(info + n, 2, id_len);
    if (id_len > 0)
        memcpy(info + n, id, id_len);
    n += id_len;
    if (idc_len == 0) {
        info[n++] = 0xf6;
    } else {
        n += head(info + n, 2, idc_len);
        memcpy(info + n, idc, idc_len);
        n += idc_len;
    }
    info[n++] = 0x0a;
    n += head(info + n, 3, t);
    memcpy(info + n, type, t);
    n += t;
    n += head(info + n, 0, len);
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, 32, NULL, 0, info, n, out,
                len);
}

/* Reads a byte string at *p (short heads only). */
static const uint8_t *bstr(const uint8_t **p, const uint8_t *end, size_t *len)
{
    const uint8_t *s = *p;

    if (s >= end || (s[0] >> 5) != 2)
        return NULL;
    if ((s[0] & 0x1f) < 24) {
        *len = s[0] & 0x1f;
        s += 1;
    } else if ((s[0] & 0x1f) == 24 && end - s >= 2) {
        *len = s[1];
        s += 2;
    } else if ((s[0] & 0x1f) == 25 && end - s >= 3) {
        *len = (size_t)s[1] << 8 | s[2];
        s += 3;
    } else {
        return NULL;
    }
    if ((size_t)(end - s) < *len)
        return NULL;
    *p = s + *len;
    return s;
}

int ref_open(const uint8_t prk_out0[32], const uint8_t *msg, size_t msg_len,
             uint8_t *out, size_t out_cap)
{
    const uint8_t *p = msg, *end = msg + msg_len;
    const uint8_t *kid = NULL, *piv = NULL, *idc = NULL, *ct, *v;
    size_t kid_len = 0, piv_len = 0, idc_len = 0, ct_len, vl, pairs;
    uint8_t prk[32], next[32], exporter[32], ms[16], salt[8], hk[32];
    uint8_t key[16], iv[13], nonce[13], aad[64], arr[32];
    uint32_t epoch = 0;
    uint64_t seq = 0;
    size_t n;
    EVP_CIPHER_CTX *c = NULL;
    int len = -1, outl;

    /* [ h'', { 4: kid, 6: piv, ? 10: kid context }, ciphertext ] */
    if (msg_len < 3 || p[0] != 0x83 || p[1] != 0x40)
        return -1;
    p += 2;
    if (*p != 0xa2 && *p != 0xa3)
        return -1;
    pairs = *p++ & 0x1f;
    for (size_t i = 0; i < pairs; i++) {
        uint8_t label = *p++;
        if ((v = bstr(&p, end, &vl)) == NULL)
            return -1;
        if (label == 0x04)
            kid = v, kid_len = vl;
        else if (label == 0x06)
            piv = v, piv_len = vl;
        else if (label == 0x0a)
            idc = v, idc_len = vl;
        else
            return -1;
    }
    if (kid == NULL || piv == NULL || (ct = bstr(&p, end, &ct_len)) == NULL ||
        p != end || ct_len < 8 || ct_len - 8 > out_cap)
        return -1;
    for (size_t i = 0; i < piv_len; i++)
        seq = seq << 8 | piv[i];
    for (size_t i = 0; i < idc_len; i++)
        epoch = epoch << 8 | idc[i];

    /* PRK_out_n = EDHOC_KDF(PRK_out_{n-1}, 11, epoch(n), 32) */
    memcpy(prk, prk_out0, 32);
    for (uint32_t e = 1; e <= epoch; e++) {
        uint8_t eb[4];
        size_t el = e > 0xffffff ? 4 : e > 0xffff ? 3 : e > 0xff ? 2 : 1;
        for (size_t i = 0; i < el; i++)
            eb[el - 1 - i] = (uint8_t)(e >> (8 * i));
        if (!edhoc_kdf(prk, 11, eb, el, next, 32))
            return -1;
        memcpy(prk, next, 32);
    }
    /* PRK_exporter, Master Secret (label 0), Master Salt (label 1) */
    if (!edhoc_kdf(prk, 10, NULL, 0, exporter, 32) ||
        !edhoc_kdf(exporter, 0, NULL, 0, ms, 16) ||
        !edhoc_kdf(exporter, 1, NULL, 0, salt, 8))
        return -1;
    /* RFC 8613 3.2.1: the sender's key (id = kid) and the Common IV */
    if (!hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ms, 16, salt, 8, NULL, 0, hk,
              32) ||
        !oscore_kdf(hk, kid, kid_len, idc, idc_len, "Key", key, 16) ||
        !oscore_kdf(hk, NULL, 0, idc, idc_len, "IV", iv, 13))
        return -1;
    /* RFC 8613 5.2 nonce */
    memset(nonce, 0, sizeof(nonce));
    nonce[0] = (uint8_t)kid_len;
    memcpy(nonce + 1 + (7 - kid_len), kid, kid_len);
    for (int i = 0; i < 5; i++)
        nonce[12 - i] = (uint8_t)(seq >> (8 * i));
    for (int i = 0; i < 13; i++)
        nonce[i] ^= iv[i];
    /* RFC 8613 5.4 AAD: [ "Encrypt0", h'', << [1, [10], kid, piv, h''] >> ] */
    n = 0;
    arr[n++] = 0x85;
    arr[n++] = 0x01;
    arr[n++] = 0x81;
    arr[n++] = 0x0a;
    n += head(arr + n, 2, kid_len);
    memcpy(arr + n, kid, kid_len);
    n += kid_len;
    n += head(arr + n, 2, piv_len);
    memcpy(arr + n, piv, piv_len);
    n += piv_len;
    arr[n++] = 0x40;
    memcpy(aad,
           "\x83\x68"
           "Encrypt0"
           "\x40",
           11);
    size_t aad_len = 11 + head(aad + 11, 2, n);
    memcpy(aad + aad_len, arr, n);
    aad_len += n;

    /* AES-CCM-16-64-128 */
    if ((c = EVP_CIPHER_CTX_new()) == NULL ||
        !EVP_DecryptInit_ex2(c, EVP_aes_128_ccm(), NULL, NULL, NULL) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL) ||
        !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 8,
                             (void *)(ct + ct_len - 8)) ||
        !EVP_DecryptInit_ex2(c, NULL, key, nonce, NULL) ||
        !EVP_DecryptUpdate(c, NULL, &outl, NULL, (int)(ct_len - 8)) ||
        !EVP_DecryptUpdate(c, NULL, &outl, aad, (int)aad_len))
        goto out;
    if (EVP_DecryptUpdate(c, out, &outl, ct_len > 8 ? ct : aad,
                          (int)(ct_len - 8)) == 1)
        len = (int)(ct_len - 8);
out:
    EVP_CIPHER_CTX_free(c);
    return len;
}
