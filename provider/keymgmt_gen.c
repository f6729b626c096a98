/* SPDX-License-Identifier: Apache-2.0 */
/* keymgmt_gen.c: key pair generation in the token (EVP_PKEY_keygen, openssl
 * genpkey), common to RSA, EC and Ed25519. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "prov.h"

/* Generation parameters of our own (names as pkcs11-provider's). */
#define GEN_PARAM_URI   "pkcs11_uri"
#define GEN_PARAM_LABEL "pkcs11_label"

struct prov_gen {
    prov_ctx *ctx;
    enum prov_keytype type;
    int selection;
    char *uri;
    char *label;
    enum prov_curve curve;
    size_t bits;
};

void prov_gen_free(struct prov_gen *g)
{
    if (g == NULL)
        return;
    free(g->uri);
    free(g->label);
    PROV_CLEAR_FREE(g);
}

struct prov_gen *prov_gen_new(prov_ctx *ctx, enum prov_keytype type,
                              int selection, const OSSL_PARAM params[])
{
    struct prov_gen *g = calloc(1, sizeof(*g));

    if (g == NULL)
        return NULL;
    g->ctx = ctx;
    g->type = type;
    g->selection = selection;
    g->bits = 2048;
    if (!prov_gen_set_params(g, params)) {
        prov_gen_free(g);
        return NULL;
    }
    return g;
}

static int set_string(char **dst, const OSSL_PARAM *p)
{
    const char *s = NULL;

    if (!OSSL_PARAM_get_utf8_string_ptr(p, &s))
        return 0;
    free(*dst);
    *dst = strdup(s);
    return *dst != NULL;
}

int prov_gen_set_params(struct prov_gen *g, const OSSL_PARAM params[])
{
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if ((p = OSSL_PARAM_locate_const(params, GEN_PARAM_URI)) != NULL &&
        !set_string(&g->uri, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, GEN_PARAM_LABEL)) != NULL &&
        !set_string(&g->label, p))
        return 0;
    if (g->type == PROV_KEY_EC &&
        (p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME)) !=
            NULL) {
        const char *name = NULL;

        if (!OSSL_PARAM_get_utf8_string_ptr(p, &name))
            return 0;
        if ((g->curve = prov_curve_from_name(name)) == PROV_CURVE_NONE) {
            PROV_RAISE(g->ctx, KW_R_INVALID_PARAM,
                       "curve %s: keyward generates P-256, P-384 and P-521 "
                       "keys",
                       name);
            return 0;
        }
    }
    if (g->type == PROV_KEY_RSA) {
        if ((p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_BITS)) !=
                NULL &&
            !OSSL_PARAM_get_size_t(p, &g->bits))
            return 0;
        if ((p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E)) !=
            NULL) {
            BIGNUM *e = NULL;
            int f4;

            if (!OSSL_PARAM_get_BN(p, &e))
                return 0;
            f4 = BN_is_word(e, 65537);
            BN_free(e);
            if (!f4) {
                PROV_RAISE(g->ctx, KW_R_INVALID_PARAM,
                           "keyward generates RSA keys with e = 65537 only");
                return 0;
            }
        }
    }
    return 1;
}

static const OSSL_PARAM settable_ec[] = {
    OSSL_PARAM_utf8_string(GEN_PARAM_URI, NULL, 0),
    OSSL_PARAM_utf8_string(GEN_PARAM_LABEL, NULL, 0),
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
    OSSL_PARAM_END};
static const OSSL_PARAM settable_rsa[] = {
    OSSL_PARAM_utf8_string(GEN_PARAM_URI, NULL, 0),
    OSSL_PARAM_utf8_string(GEN_PARAM_LABEL, NULL, 0),
    OSSL_PARAM_size_t(OSSL_PKEY_PARAM_RSA_BITS, NULL),
    OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0), OSSL_PARAM_END};
static const OSSL_PARAM settable_ed[] = {
    OSSL_PARAM_utf8_string(GEN_PARAM_URI, NULL, 0),
    OSSL_PARAM_utf8_string(GEN_PARAM_LABEL, NULL, 0), OSSL_PARAM_END};

const OSSL_PARAM *prov_gen_settable_params(enum prov_keytype type)
{
    return type == PROV_KEY_EC    ? settable_ec
           : type == PROV_KEY_RSA ? settable_rsa
                                  : settable_ed;
}

/* A label as a URI path value (RFC 7512: percent-encoded bytes). */
static void pct_encode(char *out, size_t outsz, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in != '\0' && o + 4 < outsz; in++) {
        unsigned char c = (unsigned char)*in;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

/* Refuses a label that already names a key: it would make URIs by label
 * ambiguous (as the "twin" keys of the test token are). */
static int label_is_free(prov_ctx *ctx, struct prov_token *pt,
                         const char *label)
{
    char enc[3 * 100 + 1], buf[400];
    hsm_uri *u = NULL;
    hsm_key *k = NULL;
    CK_RV rv;

    if (label == NULL)
        return 1;
    pct_encode(enc, sizeof(enc), label);
    snprintf(buf, sizeof(buf), "pkcs11:object=%s;type=private", enc);
    if (hsm_uri_parse(buf, &u) != CKR_OK)
        return 1; /* a label a URI cannot carry: let the token judge */
    ERR_set_mark();
    rv = hsm_key_find(pt->tok, u, CKO_PRIVATE_KEY, &k);
    ERR_pop_to_mark();
    hsm_uri_free(u);
    hsm_key_free(k);
    if (rv == CKR_OK || rv == HSM_RV_OBJECT_AMBIGUOUS) {
        PROV_RAISE(ctx, KW_R_KEYGEN_FAILED,
                   "token '%s' already holds a key labelled '%s'; choose "
                   "another pkcs11_label",
                   hsm_token_get0_info(pt->tok)->label, label);
        return 0;
    }
    return 1;
}

void *prov_gen_run(struct prov_gen *g)
{
    static const enum prov_cap caps[] = {[PROV_KEY_RSA] = PROV_CAP_RSA_KEYGEN,
                                         [PROV_KEY_EC] = PROV_CAP_EC_KEYGEN,
                                         [PROV_KEY_ED25519] =
                                             PROV_CAP_ED_KEYGEN};
    struct hsm_keygen kg = {.token = true};
    struct prov_token *pt = NULL;
    hsm_uri *uri = NULL;
    hsm_key *priv = NULL, *pub = NULL;
    prov_key *k = NULL;
    CK_RV rv;

    if ((g->selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0) {
        PROV_RAISE(g->ctx, KW_R_INVALID_PARAM,
                   "keyward generates key pairs only");
        return NULL;
    }
    if (g->type == PROV_KEY_EC && g->curve == PROV_CURVE_NONE) {
        PROV_RAISE(g->ctx, KW_R_INVALID_PARAM,
                   "no curve: give -pkeyopt group:P-256 (or P-384, P-521)");
        return NULL;
    }
    rv = hsm_uri_parse(g->uri != NULL ? g->uri : "pkcs11:", &uri);
    if (rv != CKR_OK) {
        PROV_RAISE_RV(g->ctx, rv, "pkcs11_uri %s", prov_uri_redact(g->uri));
        return NULL;
    }
    if (!prov_token_open(g->ctx, uri, &pt) ||
        !prov_cap_check(g->ctx, pt, caps[g->type], "key generation") ||
        !prov_token_login(g->ctx, pt, uri, NULL, NULL))
        goto out;
    kg.label = g->label != NULL ? g->label : hsm_uri_get0_object(uri);
    kg.id = hsm_uri_get0_id(uri, &kg.id_len);
    if (!label_is_free(g->ctx, pt, kg.label))
        goto out;
    switch (g->type) {
    case PROV_KEY_EC:
        ERR_set_mark();
        rv =
            hsm_keygen_ec(pt->tok, prov_curve_name(g->curve), &kg, &priv, &pub);
        ERR_pop_to_mark();
        break;
    case PROV_KEY_RSA:
        ERR_set_mark();
        rv = hsm_keygen_rsa(pt->tok, g->bits, &kg, &priv, &pub);
        ERR_pop_to_mark();
        break;
    case PROV_KEY_ED25519:
        ERR_set_mark();
        rv = hsm_keygen_ed25519(pt->tok, &kg, &priv, &pub);
        ERR_pop_to_mark();
        break;
    default:
        rv = CKR_GENERAL_ERROR;
        break;
    }
    if (rv != CKR_OK) {
        PROV_RAISE_RV(g->ctx, rv, "key generation in token '%s'",
                      hsm_token_get0_info(pt->tok)->label);
        goto out;
    }
    if ((k = prov_key_new(g->ctx, g->type)) == NULL ||
        !prov_key_from_hsm(k, pt, priv)) {
        prov_key_free(k);
        k = NULL;
    }
out:
    hsm_key_free(priv);
    hsm_key_free(pub);
    hsm_uri_free(uri);
    return k;
}
