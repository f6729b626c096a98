/* SPDX-License-Identifier: Apache-2.0 */
/* prov_util.c: digests for the signature code (fetched once from the child
 * context, mapped to PKCS#11 names) and the DER of ECDSA signatures. */
#include <string.h>

#include <openssl/obj_mac.h>

#include "prov.h"

static const char *const md_cached_names[] = {"SHA1",     "SHA224",  "SHA256",
                                              "SHA384",   "SHA512",  "SHA3-256",
                                              "SHA3-384", "SHA3-512"};

EVP_MD *prov_md_fetch(prov_ctx *ctx, const char *name)
{
    size_t n = sizeof(md_cached_names) / sizeof(md_cached_names[0]);
    EVP_MD *md = NULL, *expected = NULL;
    size_t slot = n;

    for (size_t i = 0; i < n; i++)
        if (strcmp(name, md_cached_names[i]) == 0)
            slot = i;
    if (slot < n && (md = atomic_load(&ctx->md_cache[slot])) != NULL)
        return EVP_MD_up_ref(md) ? md : NULL;
    prov_child_enter();
    md = EVP_MD_fetch(ctx->libctx, name, NULL);
    prov_child_leave();
    if (md == NULL) {
        PROV_RAISE(ctx, KW_R_INVALID_PARAM, "unknown digest %s", name);
        return NULL;
    }
    /* Cache under the canonical name too ("SHA2-256" -> "SHA256"). */
    if (slot == n)
        for (size_t i = 0; i < n; i++)
            if (EVP_MD_is_a(md, md_cached_names[i]))
                slot = i;
    if (slot < n && EVP_MD_up_ref(md) &&
        !atomic_compare_exchange_strong(&ctx->md_cache[slot], &expected, md))
        EVP_MD_free(md); /* another thread cached it first */
    return md;
}

void prov_md_cache_free(prov_ctx *ctx)
{
    for (size_t i = 0; i < sizeof(ctx->md_cache) / sizeof(ctx->md_cache[0]);
         i++)
        EVP_MD_free(atomic_exchange(&ctx->md_cache[i], NULL));
}

CK_MECHANISM_TYPE prov_md_mech(const EVP_MD *md)
{
    switch (md == NULL ? NID_undef : EVP_MD_get_type(md)) {
    case NID_sha1:
        return CKM_SHA_1;
    case NID_sha224:
        return CKM_SHA224;
    case NID_sha256:
        return CKM_SHA256;
    case NID_sha384:
        return CKM_SHA384;
    case NID_sha512:
        return CKM_SHA512;
    case NID_sha3_256:
        return 0x2b0UL; /* CKM_SHA3_256 */
    case NID_sha3_384:
        return 0x2c0UL; /* CKM_SHA3_384 */
    case NID_sha3_512:
        return 0x2d0UL; /* CKM_SHA3_512 */
    default:
        return 0;
    }
}

CK_RSA_PKCS_MGF_TYPE prov_md_mgf(const EVP_MD *md)
{
    switch (md == NULL ? NID_undef : EVP_MD_get_type(md)) {
    case NID_sha1:
        return CKG_MGF1_SHA1;
    case NID_sha224:
        return CKG_MGF1_SHA224;
    case NID_sha256:
        return CKG_MGF1_SHA256;
    case NID_sha384:
        return CKG_MGF1_SHA384;
    case NID_sha512:
        return CKG_MGF1_SHA512;
    case NID_sha3_256:
        return 0x7UL; /* CKG_MGF1_SHA3_256 */
    case NID_sha3_384:
        return 0x8UL;
    case NID_sha3_512:
        return 0x9UL;
    default:
        return 0;
    }
}

/* DigestInfo prefixes: RFC 8017 section 9.2 note 1, and the NIST OIDs
 * 2.16.840.1.101.3.4.2.{1,2,3,4,8,9,10} for the others. */
#define DI_SHA2(len, last, hlen)                                               \
    {                                                                          \
        0x30, (len), 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,     \
            0x03, 0x04, 0x02, (last), 0x05, 0x00, 0x04, (hlen)                 \
    }
static const uint8_t di_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06,
                                  0x05, 0x2b, 0x0e, 0x03, 0x02,
                                  0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t di_sha224[] = DI_SHA2(0x2d, 0x04, 0x1c);
static const uint8_t di_sha256[] = DI_SHA2(0x31, 0x01, 0x20);
static const uint8_t di_sha384[] = DI_SHA2(0x41, 0x02, 0x30);
static const uint8_t di_sha512[] = DI_SHA2(0x51, 0x03, 0x40);
static const uint8_t di_sha3_256[] = DI_SHA2(0x31, 0x08, 0x20);
static const uint8_t di_sha3_384[] = DI_SHA2(0x41, 0x09, 0x30);
static const uint8_t di_sha3_512[] = DI_SHA2(0x51, 0x0a, 0x40);

const uint8_t *prov_md_digestinfo(const EVP_MD *md, size_t *len)
{
#define DI(a) (*len = sizeof(a), a)
    switch (md == NULL ? NID_undef : EVP_MD_get_type(md)) {
    case NID_sha1:
        return DI(di_sha1);
    case NID_sha224:
        return DI(di_sha224);
    case NID_sha256:
        return DI(di_sha256);
    case NID_sha384:
        return DI(di_sha384);
    case NID_sha512:
        return DI(di_sha512);
    case NID_sha3_256:
        return DI(di_sha3_256);
    case NID_sha3_384:
        return DI(di_sha3_384);
    case NID_sha3_512:
        return DI(di_sha3_512);
    default:
        *len = 0;
        return NULL;
    }
#undef DI
}

static size_t put_len(uint8_t *p, size_t n)
{
    if (n < 0x80) {
        p[0] = (uint8_t)n;
        return 1;
    }
    p[0] = 0x81;
    p[1] = (uint8_t)n;
    return 2;
}

/* One big-endian unsigned integer as a minimal DER INTEGER. */
static size_t put_uint(uint8_t *p, const uint8_t *v, size_t vlen)
{
    size_t i = 0, len, off = 0;
    bool pad;

    while (i + 1 < vlen && v[i] == 0)
        i++;
    pad = (v[i] & 0x80) != 0;
    len = vlen - i + (pad ? 1 : 0);
    p[off++] = 0x02;
    off += put_len(p + off, len);
    if (pad)
        p[off++] = 0x00;
    memcpy(p + off, v + i, vlen - i);
    return off + vlen - i;
}

int prov_ecdsa_raw_to_der(const uint8_t *raw, size_t rawlen, uint8_t *der,
                          size_t *derlen, size_t dersize)
{
    uint8_t body[2 * (2 + 1 + 67)];
    size_t half = rawlen / 2, blen = 0, off = 0;

    if (rawlen == 0 || rawlen % 2 != 0 || half > 66)
        return 0;
    blen += put_uint(body + blen, raw, half);
    blen += put_uint(body + blen, raw + half, half);
    if (dersize < 1 + (blen < 0x80 ? 1 : 2) + blen)
        return 0;
    der[off++] = 0x30;
    off += put_len(der + off, blen);
    memcpy(der + off, body, blen);
    *derlen = off + blen;
    return 1;
}
