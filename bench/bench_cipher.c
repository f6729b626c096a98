/* SPDX-License-Identifier: Apache-2.0 */
/* bench_cipher.c: the keyward provider's symmetric and KEM paths as
 * applications use them, against the fastest bare PKCS#11 loop on the same
 * token and key: AES-256-GCM seals (64 bytes, 1 KiB) through EVP_CIPHER with
 * the key by "pkcs11_uri", against C_EncryptInit + C_Encrypt on one session
 * and against the default provider in software; DHKEM(P-256)
 * decapsulations against C_DeriveKey(ECDH1-DERIVE) + reading the secret.
 * The bare loops are the baseline, so this benchmark (not Keyward code)
 * calls PKCS#11 directly. Usage: bench_cipher [--vars F] [--seconds S] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include "bench_p11.h"
#include "bench_util.h"

#define ROUNDS  5
#define AAD_LEN 16

static double seconds = 1.0;
static CK_FUNCTION_LIST *fl;
static CK_SLOT_ID slot;
static CK_SESSION_HANDLE sess;

/* What every loop gets: the key each way, the message, and a counter. */
struct job {
    size_t len;
    CK_OBJECT_HANDLE copy;   /* bare: session copy of the token key */
    EVP_CIPHER_CTX *kw, *sw; /* keyward (key by URI) and default */
    EVP_PKEY_CTX *kem;       /* keyward DHKEM, initialised */
    const uint8_t *enc;      /* DHKEM encapsulated key */
    uint64_t seq;
    int errors;
};

static uint8_t msg[1024], aad[AAD_LEN], out[1024 + 16];

/* GCM nonces: a fixed IV XOR a sequence number, as TLS 1.3 does. */
static void nonce_next(struct job *j, uint8_t nonce[12])
{
    uint64_t s = ++j->seq;

    memset(nonce, 0x5a, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(s >> (8 * i));
}

/* ------------------------------------------------------------------ */
/* One operation each way                                               */

static int bare_seal(struct job *j)
{
    uint8_t nonce[12];
    CK_GCM_PARAMS p = {nonce, 12, 96, aad, AAD_LEN, 128};
    CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof(p)};
    CK_ULONG n = sizeof(out);

    nonce_next(j, nonce);
    return fl->C_EncryptInit(sess, &m, j->copy) == CKR_OK &&
           fl->C_Encrypt(sess, msg, j->len, out, &n) == CKR_OK &&
           n == j->len + 16;
}

/* What an application does per message on a context that holds the key:
 * a new IV, the AAD, the data, the end, the tag. */
static int evp_seal(struct job *j, EVP_CIPHER_CTX *c)
{
    uint8_t nonce[12], tag[16];
    int n = 0, m = 0;

    nonce_next(j, nonce);
    return EVP_EncryptInit_ex2(c, NULL, NULL, nonce, NULL) &&
           EVP_EncryptUpdate(c, NULL, &n, aad, AAD_LEN) &&
           EVP_EncryptUpdate(c, out, &n, msg, (int)j->len) &&
           EVP_EncryptFinal_ex(c, out + n, &m) &&
           EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, tag) > 0 &&
           (size_t)(n + m) == j->len;
}

static int kw_seal(struct job *j)
{
    return evp_seal(j, j->kw);
}

static int sw_seal(struct job *j)
{
    return evp_seal(j, j->sw);
}

/* The bare ECDH: derive an extractable session secret, read it, destroy
 * it (what any caller needing the shared secret must do). */
static int bare_ecdh(struct job *j)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG vlen = 32;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
                           {CKA_KEY_TYPE, &type, sizeof(type)},
                           {CKA_TOKEN, &no, sizeof(no)},
                           {CKA_SENSITIVE, &no, sizeof(no)},
                           {CKA_EXTRACTABLE, &yes, sizeof(yes)},
                           {CKA_VALUE_LEN, &vlen, sizeof(vlen)}};
    CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, 65, (CK_BYTE *)j->enc};
    CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p)};
    uint8_t z[32];
    CK_ATTRIBUTE val = {CKA_VALUE, z, sizeof(z)};
    CK_OBJECT_HANDLE h;
    CK_RV rv;

    if (fl->C_DeriveKey(sess, &m, j->copy, tmpl, 6, &h) != CKR_OK)
        return 0;
    rv = fl->C_GetAttributeValue(sess, h, &val, 1);
    fl->C_DestroyObject(sess, h);
    return rv == CKR_OK;
}

/* DHKEM decapsulation on a context initialised once (the provider's share
 * at its smallest: ECDH1-DERIVE in the token, point check and HKDF). */
static int kw_decap(struct job *j)
{
    uint8_t ss[32];
    size_t sslen = sizeof(ss);

    return EVP_PKEY_decapsulate(j->kem, ss, &sslen, j->enc, 65) > 0;
}

/* ------------------------------------------------------------------ */
/* Timing: rounds of each way in turn, medians                          */

typedef int (*op_fn)(struct job *);

static double rate(op_fn fn, struct job *j)
{
    double t0 = bench_now(), t;
    unsigned long n = 0;

    do {
        for (int i = 0; i < 64; i++) {
            if (!fn(j)) {
                j->errors++;
                return 0;
            }
        }
        n += 64;
    } while ((t = bench_now() - t0) < seconds);
    return (double)n / t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double v[ROUNDS])
{
    qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
    return v[ROUNDS / 2];
}

/* Rounds of bare, keyward and (when given) software, back to back; prints
 * the median rates and the median of the per-round ratios. */
static int measure(const char *name, struct job *j, op_fn bare, op_fn kw,
                   op_fn sw)
{
    double b[ROUNDS], k[ROUNDS], s[ROUNDS], r[ROUNDS];

    for (int i = 0; i < ROUNDS; i++) {
        b[i] = rate(bare, j);
        k[i] = rate(kw, j);
        s[i] = sw != NULL ? rate(sw, j) : 0;
        r[i] = b[i] > 0 ? k[i] / b[i] : 0;
    }
    if (j->errors) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "%s: %d errors\n", name, j->errors);
        return 0;
    }
    printf("%-22s %10.0f %10.0f %7.3f", name, median(b), median(k), median(r));
    if (sw != NULL)
        printf(" %12.0f", median(s));
    printf("\n");
    return 1;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                               */

static bool providers_load(void)
{
    setenv("KEYWARD_PKCS11_MODULE", bench_var("KW_MODULE"), 1);
    if (OSSL_PROVIDER_load(NULL, "default") == NULL ||
        OSSL_PROVIDER_load(NULL, "keyward") == NULL) {
        ERR_print_errors_fp(stderr);
        return false;
    }
    return true;
}

static const char *uri_pin(const char *var)
{
    static char buf[2][1024];
    static int next;
    char *b = buf[next++ % 2];

    snprintf(b, sizeof(buf[0]), "%s?pin-source=file:%s", bench_var(var),
             bench_var("KW_PIN_FILE"));
    return b;
}

static int bench_gcm(void)
{
    EVP_CIPHER *kwc = EVP_CIPHER_fetch(NULL, "KEYWARD-AES-256-GCM", NULL);
    EVP_CIPHER *swc = EVP_CIPHER_fetch(NULL, "AES-256-GCM", "provider=default");
    OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(
                          "pkcs11_uri", (char *)uri_pin("KW_AES256_URI"), 0),
                      OSSL_PARAM_construct_end()};
    static const uint8_t swkey[32] = {1, 2, 3};
    struct job j = {0};
    int ok;

    j.kw = EVP_CIPHER_CTX_new();
    j.sw = EVP_CIPHER_CTX_new();
    j.copy = bench_p11_copy(fl, sess, "aes256", CKO_SECRET_KEY);
    ok = kwc != NULL && swc != NULL && j.kw != NULL && j.sw != NULL &&
         j.copy != CK_INVALID_HANDLE &&
         EVP_EncryptInit_ex2(j.kw, kwc, NULL, NULL, p) &&
         EVP_EncryptInit_ex2(j.sw, swc, swkey, NULL, NULL);
    if (!ok) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "AES-256-GCM: set-up failed\n");
    }
    printf("# AES-256-GCM seal (%d-byte AAD), SoftHSM; bare: C_EncryptInit +\n"
           "# C_Encrypt on one session and a session copy of the key;\n"
           "# keyward: EVP on a context holding the key (new IV, AAD, data,\n"
           "# final, tag per message); software: the default provider.\n"
           "# %d rounds of %.1f s each way in turn: median rates, median of\n"
           "# the per-round ratios\n",
           AAD_LEN, ROUNDS, seconds);
    printf("%-22s %10s %10s %7s %12s\n", "message", "bare/s", "keyward/s",
           "ratio", "software/s");
    for (size_t len = 64; ok && len <= 1024; len *= 16) {
        char name[32];

        j.len = len;
        snprintf(name, sizeof(name), "AES-256-GCM %zu B", len);
        ok = measure(name, &j, bare_seal, kw_seal, sw_seal);
    }
    if (j.copy != CK_INVALID_HANDLE)
        fl->C_DestroyObject(sess, j.copy);
    EVP_CIPHER_CTX_free(j.kw);
    EVP_CIPHER_CTX_free(j.sw);
    EVP_CIPHER_free(kwc);
    EVP_CIPHER_free(swc);
    return ok;
}

static int bench_dhkem(void)
{
    EVP_PKEY *key = bench_token_key("KW_EC256_URI", "");
    EVP_PKEY_CTX *e = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    uint8_t enc[65], ss[32];
    size_t enclen = sizeof(enc), sslen = sizeof(ss);
    struct job j = {.enc = enc};
    int ok;

    j.copy = bench_p11_copy(fl, sess, "ec256", CKO_PRIVATE_KEY);
    j.kem = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
    ok = e != NULL && j.kem != NULL && j.copy != CK_INVALID_HANDLE &&
         EVP_PKEY_encapsulate_init(e, NULL) > 0 &&
         EVP_PKEY_CTX_set_kem_op(e, "DHKEM") > 0 &&
         EVP_PKEY_encapsulate(e, enc, &enclen, ss, &sslen) > 0 &&
         EVP_PKEY_decapsulate_init(j.kem, NULL) > 0 &&
         EVP_PKEY_CTX_set_kem_op(j.kem, "DHKEM") > 0;
    if (!ok) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "DHKEM: set-up failed\n");
    }
    printf(
        "\n# DHKEM(P-256, HKDF-SHA256) decapsulation, SoftHSM; bare:\n"
        "# C_DeriveKey(ECDH1-DERIVE) + C_GetAttributeValue + C_DestroyObject\n"
        "# on one session and a session copy of the key; keyward:\n"
        "# EVP_PKEY_decapsulate on a context initialised once (the point\n"
        "# check and the HKDF steps in software are keyward's share)\n");
    printf("%-22s %10s %10s %7s\n", "operation", "bare/s", "keyward/s",
           "ratio");
    ok = ok && measure("DHKEM(P-256) decap", &j, bare_ecdh, kw_decap, NULL);
    if (j.copy != CK_INVALID_HANDLE)
        fl->C_DestroyObject(sess, j.copy);
    EVP_PKEY_CTX_free(e);
    EVP_PKEY_CTX_free(j.kem);
    EVP_PKEY_free(key);
    return ok;
}

int main(int argc, char **argv)
{
    if (!bench_init(argc, argv, &seconds))
        return 2;
    memset(msg, 0x42, sizeof(msg));
    memset(aad, 0x17, sizeof(aad));
    if (!providers_load() ||
        !bench_p11_open(bench_var("KW_MODULE"), bench_var("KW_TOKEN_LABEL"),
                        bench_var("KW_PIN"), &fl, &slot, &sess)) {
        fprintf(stderr, "cannot set up the providers or the token\n");
        return 1;
    }
    return bench_gcm() && bench_dhkem() ? 0 : 1;
}
