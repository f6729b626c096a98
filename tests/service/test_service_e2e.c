/* SPDX-License-Identifier: Apache-2.0 */
/* test_service_e2e.c: every keywardd RPC end to end over a real unix socket;
 * signatures checked by the openssl CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keyward-client.h"
#include "svc_fixture.h"
#include "testutil.h"

static struct kwt T;
static kwc *C;

static bool write_file(const char *name, const void *p, size_t n)
{
    char path[160];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", T.dir, name);
    f = fopen(path, "we");
    if (f == NULL)
        return false;
    fwrite(p, 1, n, f);
    return fclose(f) == 0;
}

static EVP_PKEY *load_pem(const char *name, bool priv)
{
    char path[160];
    FILE *f;
    EVP_PKEY *pk;
    snprintf(path, sizeof(path), "%s/%s", T.dir, name);
    if ((f = fopen(path, "re")) == NULL)
        return NULL;
    pk = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
              : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return pk;
}

static const uint8_t msg[] = "keyward end-to-end test message";

static int test_version(void)
{
    char v[32];
    unsigned api = 0;
    if (!TEST_rc(kwc_version(C, v, sizeof(v), &api), KWC_OK) ||
        !TEST_str_eq(v, "0.1.0") || !TEST_int_eq(api, 1))
        return 0;
    return 1;
}

static int test_list_tokens(void)
{
    uint8_t *resp = NULL;
    size_t len = 0;
    int ok;
    /* Raw call: the C client has no ListTokens wrapper; the capability
     * names are plain strings in the encoded response. */
    ok = TEST_rc(kwc_call_raw(C, "/keyward.v1.Keyward/ListTokens", NULL, 0,
                              &resp, &len),
                 KWC_OK) &&
         TEST_true(memmem(resp, len, "files", 5) != NULL) &&
         TEST_true(memmem(resp, len, "sign:ecdsa", 10) != NULL) &&
         TEST_true(memmem(resp, len, "kem:rsasve", 10) != NULL) &&
         /* OpenSSL 3.0's default provider has no EC KEM. */
         TEST_true(memmem(resp, len, "kem:dhkem-ec", 12) == NULL);
    free(resp);
    return ok;
}

static int test_list_keys(void)
{
    struct kwc_key_info *k = NULL;
    size_t n = 0;
    int ok = 0;
    if (!TEST_rc(kwc_list_keys(C, &k, &n), KWC_OK) || !TEST_int_eq(n, 5))
        goto err;
    /* Sorted by name: ec256 ec384 ed25519 peer-pub rsa2048. */
    if (!TEST_str_eq(k[0].name, "ec256") ||
        !TEST_str_eq(k[0].type_name, "EC") ||
        !TEST_str_eq(k[0].group, "P-256") || !TEST_true(k[0].has_certificate) ||
        !TEST_str_eq(k[0].token, "files") ||
        !TEST_true(k[0].ops & KWC_OP_SIGN) ||
        !TEST_str_eq(k[1].group, "P-384") ||
        !TEST_str_eq(k[2].type_name, "ED25519") ||
        !TEST_str_eq(k[3].name, "peer-pub") ||
        /* A public-only key can only verify. */
        !TEST_int_eq(k[3].ops, KWC_OP_VERIFY | KWC_OP_PUBLIC) ||
        !TEST_str_eq(k[4].type_name, "RSA") || !TEST_int_eq(k[4].bits, 2048))
        goto err;
    ok = 1;
err:
    free(k);
    return ok;
}

static int test_public_key(void)
{
    uint8_t *spki = NULL, **certs = NULL;
    size_t spki_len = 0, *lens = NULL, n = 0;
    EVP_PKEY *want = load_pem("ec256-pub.pem", false);
    unsigned char *der = NULL;
    int dlen, ok = 0;

    if (!TEST_ptr(want) || !TEST_rc(kwc_public_key(C, "ec256", &spki, &spki_len,
                                                   &certs, &lens, &n),
                                    KWC_OK))
        goto err;
    dlen = i2d_PUBKEY(want, &der);
    if (!TEST_mem_eq(spki, spki_len, der, (size_t)dlen) || !TEST_int_eq(n, 2))
        goto err;
    /* The chain verifies with the openssl CLI: leaf signed by the CA. */
    if (!TEST_true(write_file("got-leaf.der", certs[0], lens[0])) ||
        !TEST_true(write_file("got-ca.der", certs[1], lens[1])) ||
        !TEST_rc(
            kwt_sh(&T,
                   "cd $KW_DIR && "
                   "openssl x509 -inform DER -in got-ca.der -out got-ca.pem && "
                   "openssl x509 -inform DER -in got-leaf.der -out "
                   "got-leaf.pem && "
                   "openssl verify -CAfile got-ca.pem got-leaf.pem >/dev/null"),
            0))
        goto err;
    ok = 1;
err:
    OPENSSL_free(der);
    free(spki);
    kwc_certs_free(certs, lens, n);
    EVP_PKEY_free(want);
    return ok;
}

struct sigcase {
    const char *key;
    enum kwc_scheme scheme;
    bool digest;
    const char *verify; /* shell: verifies $KW_DIR/sig over $KW_DIR/msg */
};

static const struct sigcase sigcases[] = {
    {"ec256", KWC_SCHEME_DEFAULT, false,
     "openssl dgst -sha256 -verify ec256-pub.pem -signature sig msg"},
    {"ec256", KWC_SCHEME_ECDSA_SHA256, true,
     "openssl dgst -sha256 -verify ec256-pub.pem -signature sig msg"},
    {"ec384", KWC_SCHEME_DEFAULT, false, /* PIN-protected PEM */
     "openssl pkey -in ec384.pem -passin file:pin -pubout -out p.pem && "
     "openssl dgst -sha384 -verify p.pem -signature sig msg"},
    {"ed25519", KWC_SCHEME_DEFAULT, false,
     "openssl pkey -in ed25519.pem -pubout -out p.pem && openssl pkeyutl "
     "-verify -pubin -inkey p.pem -rawin -in msg -sigfile sig"},
    {"rsa2048", KWC_SCHEME_RSA_PKCS1_SHA256, false,
     "openssl pkey -in rsa2048.pem -pubout -out p.pem && "
     "openssl dgst -sha256 -verify p.pem -signature sig msg"},
    {"rsa2048", KWC_SCHEME_RSA_PKCS1_SHA384, true,
     "openssl pkey -in rsa2048.pem -pubout -out p.pem && "
     "openssl dgst -sha384 -verify p.pem -signature sig msg"},
    {"rsa2048", KWC_SCHEME_DEFAULT, false, /* PSS-SHA256, salt = 32 */
     "openssl pkey -in rsa2048.pem -pubout -out p.pem && openssl dgst -sha256 "
     "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify p.pem "
     "-signature sig msg"},
    {"rsa2048", KWC_SCHEME_RSA_PSS_SHA512, true,
     "openssl pkey -in rsa2048.pem -pubout -out p.pem && openssl dgst -sha512 "
     "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:64 -verify p.pem "
     "-signature sig msg"},
};

static const char *md_of(const struct sigcase *sc)
{
    if (strstr(sc->verify, "-sha384"))
        return "SHA384";
    if (strstr(sc->verify, "-sha512"))
        return "SHA512";
    return "SHA256";
}

static int test_sign_verified_by_openssl(void)
{
    for (size_t i = 0; i < sizeof(sigcases) / sizeof(sigcases[0]); i++) {
        const struct sigcase *sc = &sigcases[i];
        uint8_t sig[KWC_MAX_SIGNATURE], dg[64];
        size_t siglen = 0;
        unsigned dglen = 0;
        bool valid = false;
        const uint8_t *data = msg;
        size_t len = sizeof(msg) - 1;

        if (sc->digest) {
            EVP_Digest(msg, sizeof(msg) - 1, dg, &dglen,
                       EVP_get_digestbyname(md_of(sc)), NULL);
            data = dg;
            len = dglen;
        }
        if (!TEST_rc(kwc_sign(C, sc->key, sc->scheme, sc->digest, data, len,
                              sig, &siglen, NULL),
                     KWC_OK) ||
            !TEST_true(write_file("msg", msg, sizeof(msg) - 1)) ||
            !TEST_true(write_file("sig", sig, siglen)) ||
            !TEST_rc(kwt_sh(&T, "cd $KW_DIR && %s >/dev/null", sc->verify),
                     0)) {
            fprintf(stderr, "  case %zu (%s): %s\n", i, sc->key, kwc_error(C));
            return 0;
        }
        /* The service's own Verify agrees, and rejects a flipped bit. */
        if (!TEST_rc(kwc_verify(C, sc->key, NULL, 0, sc->scheme, sc->digest,
                                data, len, sig, siglen, &valid),
                     KWC_OK) ||
            !TEST_true(valid))
            return 0;
        sig[siglen / 2] ^= 1;
        if (!TEST_rc(kwc_verify(C, sc->key, NULL, 0, sc->scheme, sc->digest,
                                data, len, sig, siglen, &valid),
                     KWC_OK) ||
            !TEST_false(valid))
            return 0;
    }
    return 1;
}

static int test_sign_errors(void)
{
    uint8_t sig[KWC_MAX_SIGNATURE], dg[32] = {0};
    size_t siglen;
    /* EdDSA refuses digests; a wrong digest length; a scheme for another
     * key type; an unknown key. */
    return TEST_rc(kwc_sign(C, "ed25519", 0, true, dg, 32, sig, &siglen, NULL),
                   KWC_INVALID_ARGUMENT) &&
           TEST_rc(kwc_sign(C, "ec256", 0, true, dg, 20, sig, &siglen, NULL),
                   KWC_INVALID_ARGUMENT) &&
           TEST_rc(kwc_sign(C, "ec256", KWC_SCHEME_RSA_PSS_SHA256, false, msg,
                            4, sig, &siglen, NULL),
                   KWC_INVALID_ARGUMENT) &&
           TEST_rc(kwc_sign(C, "nope", 0, false, msg, 4, sig, &siglen, NULL),
                   KWC_NOT_FOUND) &&
           TEST_rc(
               kwc_sign(C, "peer-pub", 0, false, msg, 4, sig, &siglen, NULL),
               KWC_PERMISSION_DENIED);
}

static int test_verify_spki_and_batch(void)
{
    uint8_t dgs[3][32], sigbuf[3][KWC_MAX_SIGNATURE];
    const uint8_t *dp[3] = {dgs[0], dgs[1], dgs[2]};
    uint8_t *sp[3] = {sigbuf[0], sigbuf[1], sigbuf[2]};
    size_t dl[3] = {32, 32, 32}, sl[3];
    uint8_t *spki = NULL;
    size_t spki_len = 0;
    bool valid = false;
    int ok = 0;

    for (int i = 0; i < 3; i++)
        memset(dgs[i], 'a' + i, 32);
    if (!TEST_rc(kwc_sign_batch(C, "ec256", 0, dp, dl, 3, sp, sl), KWC_OK) ||
        !TEST_rc(kwc_public_key(C, "ec256", &spki, &spki_len, NULL, NULL, NULL),
                 KWC_OK))
        goto err;
    for (int i = 0; i < 3; i++)
        if (!TEST_rc(kwc_verify(C, NULL, spki, spki_len,
                                KWC_SCHEME_ECDSA_SHA256, true, dgs[i], 32,
                                sigbuf[i], sl[i], &valid),
                     KWC_OK) ||
            !TEST_true(valid))
            goto err;
    ok = 1;
err:
    free(spki);
    return ok;
}

static int test_random(void)
{
    uint8_t a[64], b[64];
    uint8_t big[2000];
    return TEST_rc(kwc_random(C, a, sizeof(a)), KWC_OK) &&
           TEST_rc(kwc_random(C, b, sizeof(b)), KWC_OK) &&
           TEST_true(memcmp(a, b, sizeof(a)) != 0) &&
           TEST_rc(kwc_random(C, big, sizeof(big)), KWC_INVALID_ARGUMENT);
}

/* HKDF-SHA256 steps of the documented key schedule, computed here. */
static bool hkdf(const char *mode, const uint8_t *key, size_t keylen,
                 const char *info, uint8_t *out, size_t outlen)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
    OSSL_PARAM p[5], *q = p;
    bool ok;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *)"SHA256", 0);
    *q++ =
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)mode, 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key,
                                             keylen);
    if (strcmp(mode, "EXTRACT_ONLY") == 0)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                 (void *)"keyward/v1", 10);
    else
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                 (void *)info, strlen(info));
    *q = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(k, out, outlen, p) == 1;
    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    return ok;
}

/* Seals with a and opens with b, and the other way round. */
static int pair_works(const uint8_t a[16], const uint8_t b[16])
{
    uint8_t ct[256], pt[256];
    size_t ctlen, ptlen;
    uint64_t seq;
    return TEST_rc(kwc_seal(C, a, msg, sizeof(msg), (const uint8_t *)"hdr", 3,
                            ct, &ctlen, &seq, NULL, NULL),
                   KWC_OK) &&
           TEST_rc(kwc_open(C, b, seq, ct, ctlen, (const uint8_t *)"hdr", 3, pt,
                            &ptlen, NULL),
                   KWC_OK) &&
           TEST_mem_eq(pt, ptlen, msg, sizeof(msg)) &&
           TEST_rc(
               kwc_seal(C, b, msg, 5, NULL, 0, ct, &ctlen, &seq, NULL, NULL),
               KWC_OK) &&
           TEST_rc(kwc_open(C, a, seq, ct, ctlen, NULL, 0, pt, &ptlen, NULL),
                   KWC_OK) &&
           TEST_mem_eq(pt, ptlen, msg, 5);
}

static int test_kem_rsa_sessions(void)
{
    uint8_t *spki = NULL, ct[1024], a[16], b[16], secret[512], prk[32];
    uint8_t want[32], got[32];
    size_t spki_len, ctlen = 0, slen = sizeof(secret);
    EVP_PKEY *rsa = load_pem("rsa2048.pem", true);
    EVP_PKEY_CTX *pc = NULL;
    int ok = 0;

    if (!TEST_ptr(rsa) ||
        !TEST_rc(
            kwc_public_key(C, "rsa2048", &spki, &spki_len, NULL, NULL, NULL),
            KWC_OK) ||
        !TEST_rc(kwc_encapsulate(C, spki, spki_len, 0, 0, ct, &ctlen, a),
                 KWC_OK) ||
        !TEST_int_eq(ctlen, 256) ||
        !TEST_rc(kwc_decapsulate(C, "rsa2048", ct, ctlen, 0, 0, b), KWC_OK) ||
        !pair_works(a, b))
        goto err;
    /* The service's secret is what EVP (default provider) decapsulates
     * in-process: the exported value follows the documented schedule. */
    pc = EVP_PKEY_CTX_new(rsa, NULL);
    if (!TEST_true(EVP_PKEY_decapsulate_init(pc, NULL) == 1 &&
                   EVP_PKEY_CTX_set_kem_op(pc, "RSASVE") == 1 &&
                   EVP_PKEY_decapsulate(pc, secret, &slen, ct, ctlen) == 1) ||
        !TEST_true(hkdf("EXTRACT_ONLY", secret, slen, NULL, prk, 32)) ||
        !TEST_true(
            hkdf("EXPAND_ONLY", prk, 32, "keyward/v1 export app", want, 32)) ||
        !TEST_rc(kwc_export(C, b, "app", got, 32), KWC_OK) ||
        !TEST_mem_eq(got, 32, want, 32))
        goto err;
    /* Sessions from Encapsulate have no key of ours: never exportable. */
    if (!TEST_rc(kwc_export(C, a, "app", got, 32), KWC_PERMISSION_DENIED))
        goto err;
    ok = kwc_close_session(C, a) == KWC_OK && kwc_close_session(C, b) == KWC_OK;
err:
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(rsa);
    free(spki);
    return ok;
}

/* AES-256-GCM open in the test, with the documented nonce: IV xor seq. */
static bool gcm_open(const uint8_t key[32], const uint8_t iv[12], uint64_t seq,
                     const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
    uint8_t nonce[12];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n;
    bool ok;
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
    ok = EVP_DecryptInit_ex2(c, EVP_aes_256_gcm(), key, nonce, NULL) == 1 &&
         EVP_DecryptUpdate(c, pt, &n, ct, (int)ctlen - 16) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16,
                             (void *)(ct + ctlen - 16)) == 1 &&
         EVP_DecryptFinal_ex(c, pt + n, &n) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

static int test_kem_ec_needs_provider(void)
{
    /* OpenSSL 3.0's default provider has no EC KEM (DHKEM comes with the
     * Keyward provider): a clear UNIMPLEMENTED, for both directions. */
    EVP_PKEY *peer = load_pem("peer.pem", true);
    unsigned char *der = NULL;
    uint8_t ct[1024], h[16];
    size_t ctlen;
    int dlen = i2d_PUBKEY(peer, &der), ok;
    ok = TEST_int_gt(dlen, 0) &&
         TEST_rc(kwc_encapsulate(C, der, (size_t)dlen, 0, 0, ct, &ctlen, h),
                 KWC_UNIMPLEMENTED) &&
         TEST_rc(kwc_decapsulate(C, "ec256", ct, 65, 0, 0, h),
                 KWC_UNIMPLEMENTED) &&
         TEST_true(strstr(kwc_error(C), "cannot decapsulate") != NULL) &&
         /* A truncated RSA ciphertext is the caller's mistake. */
         TEST_rc(kwc_decapsulate(C, "rsa2048", ct, 100, 0, 0, h),
                 KWC_INVALID_ARGUMENT);
    OPENSSL_free(der);
    EVP_PKEY_free(peer);
    return ok;
}

static int test_ecdh_schedule(void)
{
    EVP_PKEY *peer = load_pem("peer.pem", true),
             *ours = load_pem("ec256-pub.pem", false);
    uint8_t *pspki = NULL, h[16], secret[66], prk[32], key[32], iv[12];
    uint8_t ct[128], pt[128];
    unsigned char *der = NULL;
    size_t slen = sizeof(secret), ctlen;
    uint64_t seq = 0;
    EVP_PKEY_CTX *pc = NULL;
    int dlen, ok = 0;

    dlen = i2d_PUBKEY(peer, &der);
    if (!TEST_int_gt(dlen, 0) ||
        !TEST_rc(kwc_ecdh(C, "ec256", der, (size_t)dlen, 0, 0, h),
                 KWC_INVALID_ARGUMENT) ||
        !TEST_rc(
            kwc_ecdh(C, "ec256", der, (size_t)dlen, 0, KWC_ROLE_INITIATOR, h),
            KWC_OK))
        goto err;
    /* Two seals under one key use sequences 0 and 1 (nonces never repeat). */
    if (!TEST_rc(kwc_seal(C, h, msg, 10, NULL, 0, ct, &ctlen, &seq, NULL, NULL),
                 KWC_OK) ||
        !TEST_int_eq(seq, 0) ||
        !TEST_rc(kwc_seal(C, h, msg, 10, NULL, 0, ct, &ctlen, &seq, NULL, NULL),
                 KWC_OK) ||
        !TEST_int_eq(seq, 1))
        goto err;
    /* The peer (here: the test with peer.pem) derives the same keys. */
    pc = EVP_PKEY_CTX_new(peer, NULL);
    if (!TEST_true(EVP_PKEY_derive_init(pc) == 1 &&
                   EVP_PKEY_derive_set_peer(pc, ours) == 1 &&
                   EVP_PKEY_derive(pc, secret, &slen) == 1) ||
        !TEST_true(hkdf("EXTRACT_ONLY", secret, slen, NULL, prk, 32)) ||
        !TEST_true(
            hkdf("EXPAND_ONLY", prk, 32, "keyward/v1 key i2r", key, 32)) ||
        !TEST_true(hkdf("EXPAND_ONLY", prk, 32, "keyward/v1 iv i2r", iv, 12)) ||
        !TEST_true(gcm_open(key, iv, seq, ct, ctlen, pt)) ||
        !TEST_mem_eq(pt, 10, msg, 10))
        goto err;
    /* Wrong peer key type for ECDH. */
    (void)pspki;
    ok = TEST_rc(kwc_close_session(C, h), KWC_OK);
err:
    EVP_PKEY_CTX_free(pc);
    OPENSSL_free(der);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(ours);
    return ok;
}

static int test_session_lifecycle(void)
{
    uint8_t *spki = NULL, ct[1024], a[16], b[16], ca[16], cb[16], ct2[128],
            pt[128];
    size_t spki_len, ctlen, ct2len, ptlen;
    uint64_t seq;
    uint32_t ea = 0, eb = 0;
    int ok = 0;

    if (!TEST_rc(
            kwc_public_key(C, "rsa2048", &spki, &spki_len, NULL, NULL, NULL),
            KWC_OK) ||
        !TEST_rc(kwc_encapsulate(C, spki, spki_len, KWC_AEAD_AES_128_GCM, 0, ct,
                                 &ctlen, a),
                 KWC_OK) ||
        !TEST_rc(kwc_decapsulate(C, "rsa2048", ct, ctlen, KWC_AEAD_AES_128_GCM,
                                 0, b),
                 KWC_OK))
        goto err;
    /* Replay and tampering are refused. */
    if (!TEST_rc(
            kwc_seal(C, a, msg, 8, NULL, 0, ct2, &ct2len, &seq, NULL, NULL),
            KWC_OK) ||
        !TEST_rc(kwc_open(C, b, seq, ct2, ct2len, NULL, 0, pt, &ptlen, NULL),
                 KWC_OK) ||
        !TEST_rc(kwc_open(C, b, seq, ct2, ct2len, NULL, 0, pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT))
        goto err;
    if (!TEST_rc(
            kwc_seal(C, a, msg, 8, NULL, 0, ct2, &ct2len, &seq, NULL, NULL),
            KWC_OK))
        goto err;
    ct2[0] ^= 1;
    if (!TEST_rc(kwc_open(C, b, seq, ct2, ct2len, NULL, 0, pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT))
        goto err;
    ct2[0] ^= 1;
    /* Rekey both sides: new epoch; the old epoch's ciphertext no longer opens.
     */
    if (!TEST_rc(kwc_rekey(C, a, &ea), KWC_OK) || !TEST_int_eq(ea, 1) ||
        !TEST_rc(kwc_rekey(C, b, &eb), KWC_OK) || !TEST_int_eq(eb, 1) ||
        !TEST_rc(kwc_open(C, b, seq, ct2, ct2len, NULL, 0, pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT) ||
        !pair_works(a, b))
        goto err;
    /* Child keys: same label on both sides interoperate, another does not. */
    if (!TEST_rc(kwc_derive(C, a, "telemetry", 0, ca), KWC_OK) ||
        !TEST_rc(kwc_derive(C, b, "telemetry", 0, cb), KWC_OK) ||
        !pair_works(ca, cb) || !TEST_rc(kwc_close_session(C, cb), KWC_OK) ||
        !TEST_rc(kwc_derive(C, b, "control", 0, cb), KWC_OK) ||
        !TEST_rc(
            kwc_seal(C, ca, msg, 8, NULL, 0, ct2, &ct2len, &seq, NULL, NULL),
            KWC_OK) ||
        !TEST_rc(kwc_open(C, cb, seq, ct2, ct2len, NULL, 0, pt, &ptlen, NULL),
                 KWC_INVALID_ARGUMENT))
        goto err;
    /* Closed handles are gone. */
    if (!TEST_rc(kwc_close_session(C, a), KWC_OK) ||
        !TEST_rc(
            kwc_seal(C, a, msg, 8, NULL, 0, ct2, &ct2len, &seq, NULL, NULL),
            KWC_NOT_FOUND) ||
        !TEST_rc(kwc_close_session(C, a), KWC_NOT_FOUND))
        goto err;
    ok = kwc_close_session(C, b) == KWC_OK &&
         kwc_close_session(C, ca) == KWC_OK &&
         kwc_close_session(C, cb) == KWC_OK;
err:
    free(spki);
    return ok;
}

static int test_metrics(void)
{
    struct kwc_metrics m;
    bool found = false;
    if (!TEST_rc(kwc_metrics(C, &m), KWC_OK) || !TEST_int_eq(m.nbounds, 12))
        return 0;
    for (size_t i = 0; i < m.nmethods; i++) {
        uint64_t sum = 0;
        for (size_t b = 0; b < m.methods[i].nbuckets; b++)
            sum += m.methods[i].buckets[b];
        if (!TEST_int_eq(sum, m.methods[i].calls))
            return 0;
        if (strcmp(m.methods[i].method, "Sign") == 0) {
            found = true;
            if (!TEST_int_ge(m.methods[i].calls, 8) ||
                !TEST_int_ge(m.methods[i].errors, 4))
                return 0;
        }
    }
    return TEST_true(found) && TEST_int_eq(m.sessions_open, 0) &&
           TEST_int_eq(m.config_generation, 1);
}

static int test_audit_lines(void)
{
    /* One audit line per operation, never with secrets. */
    return TEST_int_gt(kwt_log_count(&T, "op=Sign key=ec256 result=OK"), 0) &&
           TEST_int_gt(kwt_log_count(
                           &T, "op=Sign key=peer-pub result=PERMISSION_DENIED"),
                       0) &&
           TEST_int_eq(kwt_log_count(&T, "test-pin-"), 0);
}

int main(int argc, char **argv)
{
    int rc;
    if (!kwt_start(&T, NULL) || kwc_connect(T.sock, &C) != KWC_OK) {
        kwt_cleanup(&T);
        return 1;
    }
    ADD_TEST(test_version);
    ADD_TEST(test_list_tokens);
    ADD_TEST(test_list_keys);
    ADD_TEST(test_public_key);
    ADD_TEST(test_sign_verified_by_openssl);
    ADD_TEST(test_sign_errors);
    ADD_TEST(test_verify_spki_and_batch);
    ADD_TEST(test_random);
    ADD_TEST(test_kem_rsa_sessions);
    ADD_TEST(test_kem_ec_needs_provider);
    ADD_TEST(test_ecdh_schedule);
    ADD_TEST(test_session_lifecycle);
    ADD_TEST(test_metrics);
    ADD_TEST(test_audit_lines);
    rc = tu_run(argc, argv);
    kwc_free(C);
    if (kwt_stop(&T) != 0) {
        fprintf(stderr, "FAIL: keywardd did not exit cleanly\n");
        rc = 1;
    }
    kwt_cleanup(&T);
    return rc;
}
