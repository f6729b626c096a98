/* SPDX-License-Identifier: Apache-2.0 */
/* sig_rsa_pss.c: EMSA-PSS encoding in software (RFC 8017 section 9.1.1),
 * for tokens that offer raw RSA (CKM_RSA_X_509) but no CKM_RSA_PKCS_PSS,
 * such as tpm2-pkcs11 on a software TPM: the token then does only the
 * RSA private operation on the encoded message. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "prov.h"

/* MGF1 (RFC 8017 appendix B.2.1): mask of masklen bytes from seed. */
static int mgf1_xor(const EVP_MD *md, const uint8_t *seed, size_t seedlen,
                    uint8_t *out, size_t masklen)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned int blen = 0;
    size_t done = 0;
    int ok = 0;

    if (c == NULL)
        return 0;
    for (uint32_t counter = 0; done < masklen; counter++) {
        uint8_t cnt[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
                          (uint8_t)(counter >> 8), (uint8_t)counter};
        if (!EVP_DigestInit_ex2(c, md, NULL) ||
            !EVP_DigestUpdate(c, seed, seedlen) ||
            !EVP_DigestUpdate(c, cnt, sizeof(cnt)) ||
            !EVP_DigestFinal_ex(c, block, &blen))
            goto out;
        for (unsigned int i = 0; i < blen && done < masklen; i++)
            out[done++] ^= block[i];
    }
    ok = 1;
out:
    OPENSSL_cleanse(block, sizeof(block));
    EVP_MD_CTX_free(c);
    return ok;
}

int prov_pss_encode(const EVP_MD *md, const EVP_MD *mgf1md, size_t modbits,
                    const uint8_t *mhash, size_t hlen, size_t slen,
                    uint8_t *em, size_t emsize)
{
    size_t embits = modbits - 1, emlen = (embits + 7) / 8;
    size_t k = (modbits + 7) / 8, dblen, off = k - emlen;
    static const uint8_t zeros[8];
    uint8_t salt[512], h[EVP_MAX_MD_SIZE], *db;
    unsigned int hl = 0;
    EVP_MD_CTX *c = NULL;
    int ok = 0;

    if (emsize < k || (size_t)EVP_MD_get_size(md) != hlen ||
        emlen < hlen + slen + 2 || slen > sizeof(salt))
        return 0;
    if (slen > 0 && RAND_bytes(salt, (int)slen) <= 0)
        return 0;
    /* H = Hash(00 00 00 00 00 00 00 00 || mHash || salt) */
    if ((c = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(c, md, NULL) ||
        !EVP_DigestUpdate(c, zeros, sizeof(zeros)) ||
        !EVP_DigestUpdate(c, mhash, hlen) || !EVP_DigestUpdate(c, salt, slen) ||
        !EVP_DigestFinal_ex(c, h, &hl))
        goto out;
    /* EM = maskedDB || H || 0xbc, with DB = PS || 0x01 || salt; in a k-byte
     * buffer, after a zero byte when emLen < k. */
    memset(em, 0, k);
    dblen = emlen - hlen - 1;
    db = em + off;
    db[dblen - slen - 1] = 0x01;
    memcpy(db + dblen - slen, salt, slen);
    if (!mgf1_xor(mgf1md, h, hlen, db, dblen))
        goto out;
    db[0] &= (uint8_t)(0xff >> (8 * emlen - embits));
    memcpy(db + dblen, h, hlen);
    db[emlen - 1] = 0xbc;
    ok = 1;
out:
    OPENSSL_cleanse(salt, sizeof(salt));
    OPENSSL_cleanse(h, sizeof(h));
    EVP_MD_CTX_free(c);
    return ok;
}
