/* SPDX-License-Identifier: Apache-2.0 */
/* test_ops.c: every hsm/ operation, cross-checked with OpenSSL's default
 * provider on the public key or on a test-only extractable key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "hsmtest.h"

static struct ht h;
static const uint8_t msg[] = "Keyward signs this message in the token.";

static int sign_check(const char *var, const struct hsm_mech *m,
                      const char *md, int pad, int saltlen)
{
    hsm_key *priv = ht_key(&h, var, CKO_PRIVATE_KEY);
    hsm_key *pub = ht_key(&h, var, CKO_PUBLIC_KEY);
    EVP_PKEY *evp = priv ? ht_evp_pub(priv) : NULL;
    uint8_t tbs[64], sig[1024], *der = NULL;
    size_t tbslen = sizeof(msg), siglen = sizeof(sig), derlen = 0;
    const uint8_t *in = msg;
    int ok = 0;

    if (!TEST_ptr(priv) || !TEST_ptr(pub) || !TEST_ptr(evp))
        goto err;
    /* Mechanisms without a built-in hash get the digest (ECDSA, PSS). */
    if (m->type == CKM_ECDSA || m->type == CKM_RSA_PKCS_PSS) {
        unsigned int dlen = 0;
        if (!TEST_true(EVP_Digest(msg, sizeof(msg), tbs, &dlen,
                                  EVP_get_digestbyname(md), NULL)))
            goto err;
        in = tbs;
        tbslen = dlen;
    }
    if (!TEST_rv(hsm_sign(priv, m, in, tbslen, sig, &siglen), CKR_OK))
        goto err;
    /* The token's verify agrees; a flipped bit fails cleanly. */
    if (!TEST_rv(hsm_verify(pub, m, in, tbslen, sig, siglen), CKR_OK))
        goto err;
    sig[siglen / 2] ^= 1;
    if (!TEST_rv(hsm_verify(pub, m, in, tbslen, sig, siglen),
                 CKR_SIGNATURE_INVALID))
        goto err;
    sig[siglen / 2] ^= 1;
    if (m->type == CKM_ECDSA) {
        if (!TEST_ptr(der = ht_ecdsa_der(sig, siglen, &derlen)))
            goto err;
        ok = TEST_true(ht_evp_verify(evp, md, 0, 0, msg, sizeof(msg), der, derlen));
    } else {
        ok = TEST_true(ht_evp_verify(evp, md, pad, saltlen, msg, sizeof(msg),
                                     sig, siglen));
    }
err:
    OPENSSL_free(der);
    EVP_PKEY_free(evp);
    hsm_key_free(priv);
    hsm_key_free(pub);
    return ok;
}

static int test_ecdsa(void)
{
    struct hsm_mech m = {.type = CKM_ECDSA};
    /* Every curve the fixture's token holds keys for (a TPM: P-256). */
    return sign_check("KW_EC256_URI", &m, "SHA256", 0, 0) &&
           (!tu_var_opt("KW_EC384_URI") ||
            sign_check("KW_EC384_URI", &m, "SHA384", 0, 0)) &&
           (!tu_var_opt("KW_EC521_URI") ||
            sign_check("KW_EC521_URI", &m, "SHA512", 0, 0));
}

static int test_eddsa(void)
{
    struct hsm_mech m = {.type = CKM_EDDSA};
    if (!tu_var_opt("KW_ED25519_URI"))
        return tu_skip("this token holds no Ed25519 key (tpm2-pkcs11 has no EdDSA)");
    return sign_check("KW_ED25519_URI", &m, NULL, 0, 0);
}

static int test_rsa_pkcs1(void)
{
    struct hsm_mech m = {.type = CKM_SHA256_RSA_PKCS};
    struct hsm_mech m384 = {.type = CKM_SHA384_RSA_PKCS};
    return sign_check("KW_RSA2048_URI", &m, "SHA256", RSA_PKCS1_PADDING, 0) &&
           sign_check("KW_RSA2048_URI", &m384, "SHA384", RSA_PKCS1_PADDING, 0);
}

static int test_rsa_pss(void)
{
    /* A token without PSS (tpm2-pkcs11 on this swtpm lists none) says so
     * from its mechanism list, before any call. */
    if (!hsm_token_has_mech(h.tok, CKM_RSA_PKCS_PSS, CKF_SIGN, 0)) {
        hsm_key *k = ht_key(&h, "KW_RSA2048_URI", CKO_PRIVATE_KEY);
        struct hsm_mech m = {.type = CKM_RSA_PKCS_PSS,
                             .p.pss = {CKM_SHA256, CKG_MGF1_SHA256, 32}};
        uint8_t sig[512];
        size_t siglen = sizeof(sig);
        int ok = TEST_ptr(k) &&
                 TEST_rv(hsm_sign(k, &m, msg, 32, sig, &siglen),
                         HSM_RV_MECH_UNSUPPORTED) &&
                 TEST_true(strstr(hsm_error_detail(), "CKM_RSA_PKCS_PSS") != NULL);
        hsm_key_free(k);
        return ok;
    }
    /* Explicit parameters: hash, MGF and salt length. */
    struct hsm_mech m = {.type = CKM_RSA_PKCS_PSS,
                         .p.pss = {CKM_SHA256, CKG_MGF1_SHA256, 32}};
    struct hsm_mech m0 = {.type = CKM_RSA_PKCS_PSS,
                          .p.pss = {CKM_SHA256, CKG_MGF1_SHA256, 0}};
    struct hsm_mech mx = {.type = CKM_SHA384_RSA_PKCS_PSS,
                          .p.pss = {CKM_SHA384, CKG_MGF1_SHA384, 48}};
    return sign_check("KW_RSA2048_URI", &m, "SHA256", RSA_PKCS1_PSS_PADDING, 32) &&
           sign_check("KW_RSA2048_URI", &m0, "SHA256", RSA_PKCS1_PSS_PADDING, 0) &&
           sign_check("KW_RSA2048_URI", &mx, "SHA384", RSA_PKCS1_PSS_PADDING, 48);
}

static int rsa_encrypt_sw(EVP_PKEY *pub, int pad, const uint8_t *in,
                          size_t inlen, uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    int ok = c && EVP_PKEY_encrypt_init(c) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(c, pad) > 0 &&
             (pad != RSA_PKCS1_OAEP_PADDING ||
              (EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA1", NULL) > 0 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, "SHA1", NULL) > 0)) &&
             EVP_PKEY_encrypt(c, out, outlen, in, inlen) > 0;
    EVP_PKEY_CTX_free(c);
    return ok;
}

static int test_rsa_decrypt(void)
{
    hsm_key *priv = ht_key(&h, "KW_RSA2048_URI", CKO_PRIVATE_KEY);
    EVP_PKEY *pub = priv ? ht_evp_pub(priv) : NULL;
    uint8_t ct[256], pt[256], raw[256];
    size_t ctlen = sizeof(ct), ptlen = sizeof(pt);
    /* SoftHSM 2.6 does OAEP with SHA-1 and an empty label only. */
    struct hsm_mech oaep = {.type = CKM_RSA_PKCS_OAEP,
                            .p.oaep = {CKM_SHA_1, CKG_MGF1_SHA1, NULL, 0}};
    struct hsm_mech pkcs1 = {.type = CKM_RSA_PKCS};
    struct hsm_mech x509 = {.type = CKM_RSA_X_509};
    int ok = 0;

    if (!TEST_ptr(pub))
        goto err;
    /* OAEP: OpenSSL encrypts, the token decrypts. */
    if (!TEST_true(rsa_encrypt_sw(pub, RSA_PKCS1_OAEP_PADDING, msg, sizeof(msg),
                                  ct, &ctlen)) ||
        !TEST_rv(hsm_decrypt(priv, &oaep, ct, ctlen, pt, &ptlen), CKR_OK) ||
        !TEST_mem_eq(pt, ptlen, msg, sizeof(msg)))
        goto err;
    /* PKCS#1 v1.5. */
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    if (!TEST_true(rsa_encrypt_sw(pub, RSA_PKCS1_PADDING, msg, sizeof(msg), ct,
                                  &ctlen)) ||
        !TEST_rv(hsm_decrypt(priv, &pkcs1, ct, ctlen, pt, &ptlen), CKR_OK) ||
        !TEST_mem_eq(pt, ptlen, msg, sizeof(msg)))
        goto err;
    /* Raw RSA (what RSASVE decapsulation needs). */
    RAND_bytes(raw, sizeof(raw));
    raw[0] = 0; /* below the modulus */
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    if (!TEST_true(rsa_encrypt_sw(pub, RSA_NO_PADDING, raw, sizeof(raw), ct,
                                  &ctlen)) ||
        !TEST_rv(hsm_decrypt(priv, &x509, ct, ctlen, pt, &ptlen), CKR_OK) ||
        !TEST_mem_eq(pt + (ptlen - 255), 255, raw + 1, 255))
        goto err;
    /* A corrupted OAEP ciphertext fails without output. */
    ctlen = sizeof(ct);
    rsa_encrypt_sw(pub, RSA_PKCS1_OAEP_PADDING, msg, sizeof(msg), ct, &ctlen);
    ct[10] ^= 0x40;
    ptlen = sizeof(pt);
    ok = TEST_true(hsm_decrypt(priv, &oaep, ct, ctlen, pt, &ptlen) != CKR_OK);
err:
    EVP_PKEY_free(pub);
    hsm_key_free(priv);
    return ok;
}

/* The test-only extractable AES key, and its value for OpenSSL. */
static hsm_key *aes_test_key(uint8_t key[32])
{
    if (!tu_var_opt("KW_AES256X_URI"))
        return NULL;
    hsm_key *k = ht_key(&h, "KW_AES256X_URI", CKO_SECRET_KEY);
    uint8_t *v = NULL;
    size_t vlen = 0;
    if (!k || !TEST_rv(hsm_key_get_attr(k, CKA_VALUE, &v, &vlen), CKR_OK) ||
        !TEST_int_eq(vlen, 32)) {
        hsm_key_free(k);
        free(v);
        return NULL;
    }
    memcpy(key, v, 32);
    OPENSSL_clear_free(v, vlen);
    return k;
}

static int sw_cipher(const char *name, const uint8_t *key, const uint8_t *iv,
                     size_t ivlen, const uint8_t *aad, size_t aadlen,
                     const uint8_t *in, size_t inlen, uint8_t *out,
                     size_t *outlen, uint8_t *tag, int enc, int pad)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0, ok = 0;

    if (!c || !ctx || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL))
        goto err;
    if (ivlen != 0 && EVP_CIPHER_get_mode(c) == EVP_CIPH_GCM_MODE &&
        !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, (int)ivlen, NULL))
        goto err;
    if (!EVP_CipherInit_ex2(ctx, NULL, key, iv, enc, NULL))
        goto err;
    EVP_CIPHER_CTX_set_padding(ctx, pad);
    if (aad && !EVP_CipherUpdate(ctx, NULL, &l1, aad, (int)aadlen))
        goto err;
    if (!enc && tag && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag))
        goto err;
    if (!EVP_CipherUpdate(ctx, out, &l1, in, (int)inlen) ||
        !EVP_CipherFinal_ex(ctx, out + l1, &l2))
        goto err;
    if (enc && tag && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag))
        goto err;
    *outlen = (size_t)(l1 + l2);
    ok = 1;
err:
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return ok;
}

static int test_aes_gcm(void)
{
    uint8_t key[32], iv[12], aad[20], ct[128], sw[128], tag[16], pt[128];
    size_t ctlen = sizeof(ct), swlen = 0, ptlen = sizeof(pt);
    hsm_key *k = aes_test_key(key);
    struct hsm_mech m = {.type = CKM_AES_GCM};
    int ok = 0;

    if (!tu_var_opt("KW_AES256X_URI"))
        return tu_skip("no AES test key (tpm2-pkcs11 cannot create one through PKCS#11)");
    if (!TEST_ptr(k))
        return 0;
    RAND_bytes(iv, sizeof(iv));
    RAND_bytes(aad, sizeof(aad));
    m.p.gcm.iv = iv;
    m.p.gcm.iv_len = sizeof(iv);
    m.p.gcm.aad = aad;
    m.p.gcm.aad_len = sizeof(aad);
    m.p.gcm.tag_bits = 128;
    if (!TEST_rv(hsm_encrypt(k, &m, msg, sizeof(msg), ct, &ctlen), CKR_OK) ||
        !TEST_int_eq(ctlen, sizeof(msg) + 16))
        goto err;
    if (!TEST_true(sw_cipher("AES-256-GCM", key, iv, sizeof(iv), aad, sizeof(aad),
                             msg, sizeof(msg), sw, &swlen, tag, 1, 0)) ||
        !TEST_mem_eq(ct, ctlen - 16, sw, swlen) ||
        !TEST_mem_eq(ct + ctlen - 16, 16, tag, 16))
        goto err;
    if (!TEST_rv(hsm_decrypt(k, &m, ct, ctlen, pt, &ptlen), CKR_OK) ||
        !TEST_mem_eq(pt, ptlen, msg, sizeof(msg)))
        goto err;
    /* A wrong tag: an error, and no plaintext. */
    ct[ctlen - 1] ^= 1;
    memset(pt, 0, sizeof(pt));
    ptlen = sizeof(pt);
    if (!TEST_rv(hsm_decrypt(k, &m, ct, ctlen, pt, &ptlen),
                 CKR_ENCRYPTED_DATA_INVALID))
        goto err;
    for (size_t i = 0; i < sizeof(pt); i++)
        if (pt[i] != 0)
            goto err;
    ok = 1;
err:
    OPENSSL_cleanse(key, sizeof(key));
    hsm_key_free(k);
    return ok;
}

static int test_aes_ctr_cbc(void)
{
    uint8_t key[32], iv[16], ct[128], sw[128], pt[128];
    size_t ctlen, swlen, ptlen;
    hsm_key *k = aes_test_key(key);
    struct hsm_mech ctr = {.type = CKM_AES_CTR};
    struct hsm_mech cbc = {.type = CKM_AES_CBC_PAD};
    int ok = 0;

    if (!tu_var_opt("KW_AES256X_URI"))
        return tu_skip("no AES test key (tpm2-pkcs11 cannot create one through PKCS#11)");
    if (!TEST_ptr(k))
        return 0;
    RAND_bytes(iv, sizeof(iv));
    memcpy(ctr.p.ctr.cb, iv, 16);
    ctr.p.ctr.counter_bits = 128;
    ctlen = sizeof(ct);
    if (!TEST_rv(hsm_encrypt(k, &ctr, msg, sizeof(msg), ct, &ctlen), CKR_OK) ||
        !TEST_true(sw_cipher("AES-256-CTR", key, iv, 16, NULL, 0, msg,
                             sizeof(msg), sw, &swlen, NULL, 1, 0)) ||
        !TEST_mem_eq(ct, ctlen, sw, swlen))
        goto err;
    memcpy(cbc.p.cbc.iv, iv, 16);
    ctlen = sizeof(ct);
    ptlen = sizeof(pt);
    if (!TEST_rv(hsm_encrypt(k, &cbc, msg, sizeof(msg), ct, &ctlen), CKR_OK) ||
        !TEST_true(sw_cipher("AES-256-CBC", key, iv, 16, NULL, 0, msg,
                             sizeof(msg), sw, &swlen, NULL, 1, 1)) ||
        !TEST_mem_eq(ct, ctlen, sw, swlen) ||
        !TEST_rv(hsm_decrypt(k, &cbc, ct, ctlen, pt, &ptlen), CKR_OK) ||
        !TEST_mem_eq(pt, ptlen, msg, sizeof(msg)))
        goto err;
    ok = 1;
err:
    OPENSSL_cleanse(key, sizeof(key));
    hsm_key_free(k);
    return ok;
}

static int test_multipart(void)
{
    uint8_t key[32], iv[16], ct[256], sw[256], out[64];
    size_t n = 0, total = 0, swlen, outlen;
    hsm_key *k, *mac;

    if (!tu_var_opt("KW_AES256X_URI") || !tu_var_opt("KW_HMAC256_URI"))
        return tu_skip("no AES/HMAC keys (tpm2-pkcs11 cannot create them through PKCS#11)");
    k = aes_test_key(key);
    mac = ht_key(&h, "KW_HMAC256_URI", CKO_SECRET_KEY);
    struct hsm_mech ctr = {.type = CKM_AES_CTR};
    struct hsm_mech hmac = {.type = CKM_SHA256_HMAC};
    hsm_op *op = NULL;
    int ok = 0;

    if (!TEST_ptr(k) || !TEST_ptr(mac))
        goto err;
    RAND_bytes(iv, sizeof(iv));
    memcpy(ctr.p.ctr.cb, iv, 16);
    ctr.p.ctr.counter_bits = 128;
    /* Streaming encryption in three uneven pieces. */
    if (!TEST_rv(hsm_op_start(k, &ctr, HSM_OP_ENCRYPT, &op), CKR_OK))
        goto err;
    for (size_t off = 0; off < sizeof(msg); off += 17) {
        size_t len = sizeof(msg) - off < 17 ? sizeof(msg) - off : 17;
        n = sizeof(ct) - total;
        if (!TEST_rv(hsm_op_update(op, msg + off, len, ct + total, &n), CKR_OK))
            goto err;
        total += n;
    }
    n = sizeof(ct) - total;
    if (!TEST_rv(hsm_op_final(op, ct + total, &n), CKR_OK))
        goto err;
    total += n;
    hsm_op_free(op);
    op = NULL;
    if (!TEST_true(sw_cipher("AES-256-CTR", key, iv, 16, NULL, 0, msg,
                             sizeof(msg), sw, &swlen, NULL, 1, 0)) ||
        !TEST_mem_eq(ct, total, sw, swlen))
        goto err;
    /* HMAC in pieces; verify in the token, and a wrong MAC fails. */
    if (!TEST_rv(hsm_op_start(mac, &hmac, HSM_OP_SIGN, &op), CKR_OK) ||
        !TEST_rv(hsm_op_update(op, msg, 10, NULL, NULL), CKR_OK) ||
        !TEST_rv(hsm_op_update(op, msg + 10, sizeof(msg) - 10, NULL, NULL), CKR_OK))
        goto err;
    outlen = sizeof(out);
    if (!TEST_rv(hsm_op_final(op, out, &outlen), CKR_OK) || !TEST_int_eq(outlen, 32))
        goto err;
    hsm_op_free(op);
    op = NULL;
    if (!TEST_rv(hsm_op_start(mac, &hmac, HSM_OP_VERIFY, &op), CKR_OK) ||
        !TEST_rv(hsm_op_update(op, msg, sizeof(msg), NULL, NULL), CKR_OK) ||
        !TEST_rv(hsm_op_final(op, out, &outlen), CKR_OK))
        goto err;
    hsm_op_free(op);
    op = NULL;
    out[0] ^= 1;
    if (!TEST_rv(hsm_op_start(mac, &hmac, HSM_OP_VERIFY, &op), CKR_OK) ||
        !TEST_rv(hsm_op_update(op, msg, sizeof(msg), NULL, NULL), CKR_OK) ||
        !TEST_rv(hsm_op_final(op, out, &outlen), CKR_SIGNATURE_INVALID))
        goto err;
    /* An abandoned operation gives its session back in a usable state. */
    hsm_op_free(op);
    op = NULL;
    if (!TEST_rv(hsm_op_start(k, &ctr, HSM_OP_ENCRYPT, &op), CKR_OK))
        goto err;
    hsm_op_free(op);
    op = NULL;
    n = sizeof(ct);
    ok = TEST_rv(hsm_encrypt(k, &ctr, msg, sizeof(msg), ct, &n), CKR_OK);
err:
    hsm_op_free(op);
    OPENSSL_cleanse(key, sizeof(key));
    hsm_key_free(k);
    hsm_key_free(mac);
    return ok;
}

static EVP_PKEY *sw_ec_key(const char *group)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
}

static int test_ecdh(void)
{
    hsm_key *priv = ht_key(&h, "KW_EC256_URI", CKO_PRIVATE_KEY);

    /* tpm2-pkcs11 1.9.0 has no ECDH1-DERIVE: a clear error, no call made. */
    if (priv && !hsm_token_has_mech(h.tok, CKM_ECDH1_DERIVE, CKF_DERIVE, 0)) {
        uint8_t pt[65] = {4}, z[32];
        size_t zlen = sizeof(z);
        hsm_key *d = NULL;
        int ok = TEST_rv(hsm_derive_ecdh(priv, pt, sizeof(pt), z, &zlen),
                         HSM_RV_MECH_UNSUPPORTED) &&
                 TEST_str_eq(hsm_rv_text(HSM_RV_MECH_UNSUPPORTED),
                             "not supported by this token") &&
                 TEST_rv(hsm_derive_ecdh_key(priv, pt, sizeof(pt), CKK_AES, 32, &d),
                         HSM_RV_MECH_UNSUPPORTED);
        hsm_key_free(priv);
        return ok;
    }
    EVP_PKEY *tokpub = priv ? ht_evp_pub(priv) : NULL;
    EVP_PKEY *peer = sw_ec_key("P-256");
    EVP_PKEY_CTX *dctx = NULL;
    uint8_t point[133], z1[66], z2[66], key[32], ct[64], sw[64];
    size_t plen = 0, z1len = sizeof(z1), z2len = sizeof(z2), ctlen, swlen;
    hsm_key *derived = NULL;
    struct hsm_mech ctr = {.type = CKM_AES_CTR};
    int ok = 0;

    if (!TEST_ptr(tokpub) || !TEST_ptr(peer) ||
        !TEST_true(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_PUB_KEY,
                                                   point, sizeof(point), &plen)))
        goto err;
    /* Token side: the token's private key with the peer's point. */
    if (!TEST_rv(hsm_derive_ecdh(priv, point, plen, z1, &z1len), CKR_OK))
        goto err;
    /* Software side: the peer's private key with the token's public key. */
    if (!TEST_ptr(dctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)) ||
        EVP_PKEY_derive_init(dctx) <= 0 ||
        EVP_PKEY_derive_set_peer(dctx, tokpub) <= 0 ||
        EVP_PKEY_derive(dctx, z2, &z2len) <= 0 ||
        !TEST_mem_eq(z1, z1len, z2, z2len))
        goto err;
    /* Kept in the token as an AES-256 key: it encrypts as z would. */
    if (!TEST_rv(hsm_derive_ecdh_key(priv, point, plen, CKK_AES, 32, &derived),
                 CKR_OK) ||
        !TEST_true(hsm_key_is_sensitive(derived)) ||
        !TEST_false(hsm_key_is_extractable(derived)))
        goto err;
    memcpy(key, z2, 32);
    memset(ctr.p.ctr.cb, 0x42, 16);
    ctr.p.ctr.counter_bits = 128;
    ctlen = sizeof(ct);
    if (!TEST_rv(hsm_encrypt(derived, &ctr, msg, sizeof(msg), ct, &ctlen), CKR_OK) ||
        !TEST_true(sw_cipher("AES-256-CTR", key, ctr.p.ctr.cb, 16, NULL, 0, msg,
                             sizeof(msg), sw, &swlen, NULL, 1, 0)) ||
        !TEST_mem_eq(ct, ctlen, sw, swlen))
        goto err;
    /* A point not on the curve is refused. */
    point[plen - 1] ^= 1;
    z1len = sizeof(z1);
    ok = TEST_true(hsm_derive_ecdh(priv, point, plen, z1, &z1len) != CKR_OK);
err:
    OPENSSL_cleanse(z1, sizeof(z1));
    OPENSSL_cleanse(z2, sizeof(z2));
    OPENSSL_cleanse(key, sizeof(key));
    hsm_key_free(derived);
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(tokpub);
    hsm_key_free(priv);
    return ok;
}

static int test_random(void)
{
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    return TEST_rv(hsm_random(h.tok, a, sizeof(a)), CKR_OK) &&
           TEST_rv(hsm_random(h.tok, b, sizeof(b)), CKR_OK) &&
           TEST_true(memcmp(a, b, 32) != 0) && TEST_true(memcmp(a, zero, 32) != 0);
}

static int test_wrong_key_for_op(void)
{
    hsm_key *pub = ht_key(&h, "KW_EC256_URI", CKO_PUBLIC_KEY);
    hsm_key *rsa = ht_key(&h, "KW_RSA2048_URI", CKO_PRIVATE_KEY);
    hsm_key *ed = tu_var_opt("KW_ED25519_URI")
                      ? ht_key(&h, "KW_ED25519_URI", CKO_PRIVATE_KEY) : NULL;
    struct hsm_mech m = {.type = CKM_ECDSA};
    uint8_t sig[512], z[64];
    size_t siglen = sizeof(sig), zlen = sizeof(z);
    int ok = TEST_ptr(pub) && TEST_ptr(rsa) &&
             /* Public keys cannot sign; RSA keys cannot do ECDH1. */
             TEST_rv(hsm_sign(pub, &m, msg, 32, sig, &siglen), HSM_RV_KEY_UNSUITABLE) &&
             TEST_rv(hsm_derive_ecdh(rsa, msg, 32, z, &zlen), HSM_RV_KEY_UNSUITABLE) &&
             /* ECDSA with an RSA key: the token's own error. */
             TEST_true(hsm_sign(rsa, &m, msg, 32, sig, &siglen) != CKR_OK) &&
             (ed == NULL ||
              TEST_rv(hsm_derive_ecdh(ed, msg, 32, z, &zlen), HSM_RV_KEY_UNSUITABLE));
    hsm_key_free(rsa);
    hsm_key_free(pub);
    hsm_key_free(ed);
    return ok;
}

int main(int argc, char **argv)
{
    int rc;
    if (!ht_open(&h, NULL))
        return 1;
    ADD_TEST(test_ecdsa);
    ADD_TEST(test_eddsa);
    ADD_TEST(test_rsa_pkcs1);
    ADD_TEST(test_rsa_pss);
    ADD_TEST(test_rsa_decrypt);
    ADD_TEST(test_aes_gcm);
    ADD_TEST(test_aes_ctr_cbc);
    ADD_TEST(test_multipart);
    ADD_TEST(test_ecdh);
    ADD_TEST(test_random);
    ADD_TEST(test_wrong_key_for_op);
    rc = tu_run(argc, argv);
    ht_close(&h);
    return rc;
}
