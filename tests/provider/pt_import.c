/* SPDX-License-Identifier: Apache-2.0 */
/* pt_import.c: known keys (test vectors) put into the fixture token through
 * hsm/, so that keyward can be checked against published results. */
#include "pt_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static hsm_module *pi_mod;
static hsm_token *pi_tok;

/* URIs name token objects only (hsm/object.c), so the keys are token
 * objects: labelled "<label>-<pid>" so that tests running at the same time
 * never share a label, and destroyed again by pi_close(). */
static hsm_key **pi_made;
static size_t pi_nmade;

static void made_keep(hsm_key *k)
{
    hsm_key **n = realloc(pi_made, (pi_nmade + 1) * sizeof(*n));

    if (n == NULL) {
        hsm_key_free(k);
        return;
    }
    pi_made = n;
    pi_made[pi_nmade++] = k;
}

/* The label a test's short name becomes in the token (static buffer, one
 * of four in rotation). */
static const char *label_of(const char *name)
{
    static char buf[4][128];
    static int next;
    char *b = buf[next++ % 4];

    snprintf(b, sizeof(buf[0]), "%s-%ld", name, (long)getpid());
    return b;
}

hsm_token *pi_token(void)
{
    hsm_uri *u = NULL;
    const char *pin = tu_var("KW_PIN");
    CK_RV rv;

    if (pi_tok != NULL)
        return pi_tok;
    if ((rv = hsm_module_open(tu_var("KW_MODULE"), NULL, &pi_mod)) != CKR_OK ||
        (rv = hsm_uri_parse(tu_var("KW_TOKEN_URI"), &u)) != CKR_OK ||
        (rv = hsm_token_open(pi_mod, u, &pi_tok)) != CKR_OK ||
        (rv = hsm_token_login(pi_tok, pin, strlen(pin))) != CKR_OK) {
        fprintf(stderr, "  pi_token: %s: %s\n", hsm_rv_name(rv),
                hsm_error_detail());
        hsm_token_free(pi_tok);
        pi_tok = NULL;
    }
    hsm_uri_free(u);
    return pi_tok;
}

void pi_close(void)
{
    for (size_t i = 0; i < pi_nmade; i++) {
        hsm_key_destroy(pi_made[i]);
        hsm_key_free(pi_made[i]);
    }
    free(pi_made);
    pi_made = NULL;
    pi_nmade = 0;
    hsm_token_free(pi_tok);
    hsm_module_free(pi_mod);
    pi_tok = NULL;
    pi_mod = NULL;
}

static const char *uri_for(const char *label)
{
    static char buf[4][512];
    static int next;
    char *b = buf[next++ % 4];

    snprintf(b, sizeof(buf[0]), "%s;object=%s?pin-source=file:%s",
             tu_var("KW_TOKEN_URI"), label, tu_var("KW_PIN_FILE"));
    return b;
}

const char *pi_secret(CK_KEY_TYPE type, const uint8_t *val, size_t len,
                      const char *name, unsigned usage)
{
    const char *label = label_of(name);
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL enc = (usage & HSM_USE_ENCRYPT) != 0,
             dec = (usage & HSM_USE_DECRYPT) != 0,
             sign = (usage & HSM_USE_SIGN) != 0,
             verify = (usage & HSM_USE_VERIFY) != 0,
             unwrap = (usage & HSM_USE_UNWRAP) != 0;
    CK_ATTRIBUTE t[] = {
        {CKA_CLASS, &cls, sizeof(cls)},
        {CKA_KEY_TYPE, &type, sizeof(type)},
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_VALUE, (void *)val, len},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, (void *)label, strlen(label)},
        {CKA_ENCRYPT, &enc, sizeof(enc)},
        {CKA_DECRYPT, &dec, sizeof(dec)},
        {CKA_SIGN, &sign, sizeof(sign)},
        {CKA_VERIFY, &verify, sizeof(verify)},
        {CKA_UNWRAP, &unwrap, sizeof(unwrap)},
    };
    hsm_key *k = NULL;
    CK_RV rv;

    if (pi_token() == NULL)
        return NULL;
    rv = hsm_object_create(pi_tok, t, sizeof(t) / sizeof(t[0]), &k);
    if (rv != CKR_OK) {
        fprintf(stderr, "  pi_secret %s: %s: %s\n", label, hsm_rv_name(rv),
                hsm_error_detail());
        return NULL;
    }
    made_keep(k);
    return uri_for(label);
}

static const uint8_t *curve_der(const char *curve, size_t *len)
{
    static const uint8_t p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                   0xce, 0x3d, 0x03, 0x01, 0x07};
    static const uint8_t p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    static const uint8_t p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};

    if (strcmp(curve, "P-256") == 0) {
        *len = sizeof(p256);
        return p256;
    }
    if (strcmp(curve, "P-384") == 0) {
        *len = sizeof(p384);
        return p384;
    }
    *len = sizeof(p521);
    return p521;
}

const char *pi_ec(const char *curve, const uint8_t *sk, size_t sklen,
                  const uint8_t *pk, size_t pklen, const char *name)
{
    const char *label = label_of(name);
    CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY, pub = CKO_PUBLIC_KEY;
    CK_KEY_TYPE ec = CKK_EC;
    CK_BBOOL yes = CK_TRUE;
    size_t der_len;
    const uint8_t *der = curve_der(curve, &der_len);
    uint8_t point[4 + 133];
    size_t point_len = 0;
    hsm_key *k = NULL;
    CK_RV rv;

    /* CKA_EC_POINT is the DER OCTET STRING of the point. */
    if (pklen > 133)
        return NULL;
    point[point_len++] = 0x04;
    if (pklen >= 128)
        point[point_len++] = 0x81;
    point[point_len++] = (uint8_t)pklen;
    memcpy(point + point_len, pk, pklen);
    point_len += pklen;
    {
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &priv, sizeof(priv)},
            {CKA_KEY_TYPE, &ec, sizeof(ec)},
            {CKA_TOKEN, &yes, sizeof(yes)},
            {CKA_SENSITIVE, &yes, sizeof(yes)},
            {CKA_EC_PARAMS, (void *)der, der_len},
            {CKA_VALUE, (void *)sk, sklen},
            {CKA_LABEL, (void *)label, strlen(label)},
            {CKA_ID, (void *)label, strlen(label)},
            {CKA_DERIVE, &yes, sizeof(yes)},
            {CKA_SIGN, &yes, sizeof(yes)},
        };
        if (pi_token() == NULL)
            return NULL;
        rv = hsm_object_create(pi_tok, t, sizeof(t) / sizeof(t[0]), &k);
        if (rv == CKR_OK)
            made_keep(k);
        k = NULL;
    }
    if (rv == CKR_OK) {
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &pub, sizeof(pub)},
            {CKA_KEY_TYPE, &ec, sizeof(ec)},
            {CKA_TOKEN, &yes, sizeof(yes)},
            {CKA_EC_PARAMS, (void *)der, der_len},
            {CKA_EC_POINT, point, point_len},
            {CKA_LABEL, (void *)label, strlen(label)},
            {CKA_ID, (void *)label, strlen(label)},
        };
        rv = hsm_object_create(pi_tok, t, sizeof(t) / sizeof(t[0]), &k);
        if (rv == CKR_OK)
            made_keep(k);
    }
    if (rv != CKR_OK) {
        fprintf(stderr, "  pi_ec %s: %s: %s\n", label, hsm_rv_name(rv),
                hsm_error_detail());
        return NULL;
    }
    return uri_for(label);
}

uint8_t *pi_key_value(const char *uri, size_t *len)
{
    hsm_uri *u = NULL;
    hsm_key *k = NULL;
    uint8_t *val = NULL;

    if (pi_token() == NULL || hsm_uri_parse(uri, &u) != CKR_OK)
        return NULL;
    if (hsm_key_find(pi_tok, u, CKO_SECRET_KEY, &k) == CKR_OK)
        hsm_key_get_attr(k, CKA_VALUE, &val, len);
    hsm_key_free(k);
    hsm_uri_free(u);
    return val;
}
