/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: the OSSL_STORE loader for pkcs11: URIs: private keys, public keys
 * and certificates; a URI naming only a token lists its objects. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "prov.h"

static OSSL_FUNC_store_open_fn store_open;
static OSSL_FUNC_store_settable_ctx_params_fn store_settable_ctx_params;
static OSSL_FUNC_store_set_ctx_params_fn store_set_ctx_params;
static OSSL_FUNC_store_load_fn store_load;
static OSSL_FUNC_store_eof_fn store_eof;
static OSSL_FUNC_store_close_fn store_close;

/* What one load collects: token objects in the order they are returned
 * (private keys, then public keys, then certificates). */
struct collect {
    prov_ctx *ctx;
    struct prov_token *pt;
    hsm_key **objs;
    size_t n, cap;
    bool single; /* the URI selects one object per class */
};

static void collect_clear(struct collect *c)
{
    for (size_t i = 0; i < c->n; i++)
        hsm_key_free(c->objs[i]);
    free(c->objs);
    c->objs = NULL;
    c->n = c->cap = 0;
}

static int collect_add(struct collect *c, hsm_key *k)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        hsm_key **o = realloc(c->objs, cap * sizeof(*o));

        if (o == NULL)
            return 0;
        c->objs = o;
        c->cap = cap;
    }
    hsm_key_up_ref(k);
    c->objs[c->n++] = k;
    return 1;
}

static bool class_wanted(CK_OBJECT_CLASS cls, unsigned want)
{
    return (cls == CKO_PRIVATE_KEY && (want & 1)) ||
           (cls == CKO_PUBLIC_KEY && (want & 2)) ||
           (cls == CKO_CERTIFICATE && (want & 4));
}

struct foreach_arg {
    struct collect *c;
    unsigned want;
    bool oom;
};

/* hsm_key_foreach() callback: 0 goes on, non-zero stops. */
static int foreach_cb(void *arg, hsm_key *k)
{
    struct foreach_arg *a = arg;
    CK_KEY_TYPE t = hsm_key_get_type(k);

    if (!class_wanted(hsm_key_get_class(k), a->want))
        return 0;
    if (hsm_key_get_class(k) != CKO_CERTIFICATE && t != CKK_RSA &&
        t != CKK_EC && t != CKK_EC_EDWARDS)
        return 0; /* a key type keyward does not offer */
    if (!collect_add(a->c, k)) {
        a->oom = true;
        return 1;
    }
    return 0;
}

static int class_rank(const hsm_key *k)
{
    CK_OBJECT_CLASS cls = hsm_key_get_class(k);

    return cls == CKO_PRIVATE_KEY ? 0 : cls == CKO_PUBLIC_KEY ? 1 : 2;
}

static int rank_cmp(const void *a, const void *b)
{
    return class_rank(*(hsm_key *const *)a) - class_rank(*(hsm_key *const *)b);
}

/* Which classes: the URI's type= wins; else what the caller expects. */
static unsigned classes_for(const hsm_uri *uri, int expect)
{
    switch (hsm_uri_get_class(uri)) {
    case CKO_PRIVATE_KEY:
        return 1;
    case CKO_PUBLIC_KEY:
        return 2;
    case CKO_CERTIFICATE:
        return 4;
    default:
        break;
    }
    switch (expect) {
    case OSSL_STORE_INFO_PKEY:
        return 1;
    case OSSL_STORE_INFO_PUBKEY:
        return 2;
    case OSSL_STORE_INFO_CERT:
        return 4;
    default:
        return 7;
    }
}

/* Is there a public key where a private key was asked for? */
static bool public_exists(struct prov_token *pt, const hsm_uri *uri)
{
    hsm_key *k = NULL;
    CK_RV rv;

    if (hsm_uri_get_class(uri) == CKO_PRIVATE_KEY)
        return false;
    ERR_set_mark();
    rv = hsm_key_find(pt->tok, uri, CKO_PUBLIC_KEY, &k);
    ERR_pop_to_mark();
    hsm_key_free(k);
    return rv == CKR_OK || rv == HSM_RV_OBJECT_AMBIGUOUS;
}

/*
 * A URI with object= or id= selects one object per class: a second match
 * is an error (a silent pick would sign with the wrong key). A URI naming
 * no object lists every key and certificate of the token.
 */
static int collect_objects(prov_ctx *ctx, const char *uri_str,
                           const hsm_uri *uri, int expect,
                           OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg,
                           struct collect *c)
{
    static const CK_OBJECT_CLASS order[] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
                                            CKO_CERTIFICATE};
    size_t idlen = 0;
    bool single = hsm_uri_get0_object(uri) != NULL ||
                  hsm_uri_get0_id(uri, &idlen) != NULL;
    unsigned want = classes_for(uri, expect);
    CK_RV rv;

    c->ctx = ctx;
    c->single = single;
    if (!prov_token_open(ctx, uri, &c->pt))
        return 0;
    if ((want & 1) && !prov_token_login(ctx, c->pt, uri, pw_cb, pw_cbarg))
        return 0;
    if (!single) {
        struct foreach_arg a = {.c = c, .want = want};

        ERR_set_mark();
        rv = hsm_key_foreach(c->pt->tok, uri, foreach_cb, &a);
        ERR_pop_to_mark();
        if (rv != CKR_OK || a.oom) {
            PROV_RAISE_RV(ctx, a.oom ? CKR_HOST_MEMORY : rv, "listing %s",
                          prov_uri_redact(uri_str));
            return 0;
        }
        qsort(c->objs, c->n, sizeof(c->objs[0]), rank_cmp);
        return 1;
    }
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        hsm_key *k = NULL;

        if (!class_wanted(order[i], want))
            continue;
        ERR_set_mark();
        rv = hsm_key_find(c->pt->tok, uri, order[i], &k);
        ERR_pop_to_mark();
        if (rv == HSM_RV_OBJECT_NOT_FOUND || rv == HSM_RV_KEY_UNSUITABLE)
            continue;
        if (rv != CKR_OK) {
            PROV_RAISE_RV(ctx, rv, "%s", prov_uri_redact(uri_str));
            return 0;
        }
        if (!collect_add(c, k)) {
            hsm_key_free(k);
            return 0;
        }
        hsm_key_free(k);
    }
    if (c->n == 0 && want == 1 && public_exists(c->pt, uri)) {
        PROV_RAISE(ctx, KW_R_NO_PRIVATE_KEY,
                   "%s names a public key only: token '%s' holds no private "
                   "key for it",
                   prov_uri_redact(uri_str),
                   hsm_token_get0_info(c->pt->tok)->label);
        return 0;
    }
    return 1;
}

static const char *data_type(CK_KEY_TYPE t)
{
    return t == CKK_RSA ? "RSA" : t == CKK_EC ? "EC" : "ED25519";
}

static enum prov_keytype key_type(CK_KEY_TYPE t)
{
    return t == CKK_RSA  ? PROV_KEY_RSA
           : t == CKK_EC ? PROV_KEY_EC
                         : PROV_KEY_ED25519;
}

/* Hands one object to OpenSSL: keys by reference to a keyward key,
 * certificates as DER. */
static int emit_object(prov_ctx *ctx, struct prov_token *pt, hsm_key *hk,
                       prov_object_cb cb, void *cbarg)
{
    OSSL_PARAM params[4];
    int objtype, ok = 0;

    if (hsm_key_get_class(hk) == CKO_CERTIFICATE) {
        uint8_t *der = NULL;
        size_t len = 0;
        CK_RV rv;

        ERR_set_mark();
        rv = hsm_key_get_attr(hk, CKA_VALUE, &der, &len);
        ERR_pop_to_mark();

        if (rv != CKR_OK) {
            PROV_RAISE_RV(ctx, rv, "certificate '%s'", hsm_key_get0_label(hk));
            return 0;
        }
        objtype = OSSL_OBJECT_CERT;
        params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &objtype);
        params[1] =
            OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der, len);
        params[2] = OSSL_PARAM_construct_end();
        ok = cb(cbarg, params);
        free(der);
        return ok;
    } else {
        prov_key *k = prov_key_new(ctx, key_type(hsm_key_get_type(hk)));
        struct prov_keyref ref = {PROV_KEYREF_MAGIC, k};

        if (k == NULL || !prov_key_from_hsm(k, pt, hk)) {
            prov_key_free(k);
            return 0;
        }
        objtype = OSSL_OBJECT_PKEY;
        params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &objtype);
        params[1] = OSSL_PARAM_construct_utf8_string(
            OSSL_OBJECT_PARAM_DATA_TYPE,
            (char *)data_type(hsm_key_get_type(hk)), 0);
        params[2] = OSSL_PARAM_construct_octet_string(
            OSSL_OBJECT_PARAM_REFERENCE, &ref, sizeof(ref));
        params[3] = OSSL_PARAM_construct_end();
        ok = cb(cbarg, params);
        prov_key_free(k); /* keymgmt load() took its own reference */
        return ok;
    }
}

int prov_store_load_uri(prov_ctx *ctx, const char *uri_str, int expect,
                        OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg,
                        prov_object_cb cb, void *cbarg)
{
    struct collect c = {0};
    hsm_uri *uri = NULL;
    CK_RV rv;
    int ok = 0;

    if ((rv = hsm_uri_parse(uri_str, &uri)) != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "%s", prov_uri_redact(uri_str));
        return 0;
    }
    if (!collect_objects(ctx, uri_str, uri, expect, pw_cb, pw_cbarg, &c))
        goto out;
    if (c.n == 0) {
        PROV_RAISE(ctx, KW_R_OBJECT_NOT_FOUND,
                   "nothing in token '%s' matches "
                   "%s",
                   hsm_token_get0_info(c.pt->tok)->label,
                   prov_uri_redact(uri_str));
        goto out;
    }
    ok = emit_object(ctx, c.pt, c.objs[0], cb, cbarg);
out:
    collect_clear(&c);
    hsm_uri_free(uri);
    return ok;
}

/* ------------------------------------------------------------------ */
/* The loader                                                           */

struct store {
    prov_ctx *ctx;
    char *uri_str;
    hsm_uri *uri;
    int expect;
    bool collected, failed;
    struct collect c;
    size_t next;
};

static void *store_open(void *provctx, const char *uri)
{
    prov_ctx *ctx = provctx;
    struct store *s = calloc(1, sizeof(*s));
    CK_RV rv;

    if (s == NULL)
        return NULL;
    s->ctx = ctx;
    if ((s->uri_str = strdup(uri)) == NULL)
        goto err;
    if ((rv = hsm_uri_parse(uri, &s->uri)) != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "%s", prov_uri_redact(uri));
        goto err;
    }
    return s;
err:
    store_close(s);
    return NULL;
}

static const OSSL_PARAM settable[] = {
    OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL), OSSL_PARAM_END};

static const OSSL_PARAM *store_settable_ctx_params(void *provctx)
{
    (void)provctx;
    return settable;
}

static int store_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
    struct store *s = loaderctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
    if (p != NULL && !OSSL_PARAM_get_int(p, &s->expect))
        return 0;
    return 1;
}

struct emit_arg {
    OSSL_CALLBACK *cb;
    void *cbarg;
};

static int emit_to_core(void *arg, const OSSL_PARAM params[])
{
    struct emit_arg *a = arg;

    return a->cb(params, a->cbarg);
}

static int store_load(void *loaderctx, OSSL_CALLBACK *object_cb,
                      void *object_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb,
                      void *pw_cbarg)
{
    struct store *s = loaderctx;
    struct emit_arg a = {object_cb, object_cbarg};

    if (s->failed)
        return 0;
    if (!s->collected) {
        s->collected = true;
        if (!collect_objects(s->ctx, s->uri_str, s->uri, s->expect, pw_cb,
                             pw_cbarg, &s->c)) {
            s->failed = true;
            return 0;
        }
        if (s->c.n == 0) {
            PROV_RAISE(s->ctx, KW_R_OBJECT_NOT_FOUND,
                       "nothing in token '%s' matches %s",
                       hsm_token_get0_info(s->c.pt->tok)->label,
                       prov_uri_redact(s->uri_str));
            s->failed = true;
            return 0;
        }
    }
    if (s->next >= s->c.n)
        return 0;
    return emit_object(s->ctx, s->c.pt, s->c.objs[s->next++], emit_to_core, &a);
}

static int store_eof(void *loaderctx)
{
    struct store *s = loaderctx;

    return s->failed || (s->collected && s->next >= s->c.n);
}

static int store_close(void *loaderctx)
{
    struct store *s = loaderctx;

    if (s == NULL)
        return 1;
    collect_clear(&s->c);
    hsm_uri_free(s->uri);
    free(s->uri_str);
    free(s);
    return 1;
}

const OSSL_DISPATCH prov_pkcs11_store_functions[] = {
    {OSSL_FUNC_STORE_OPEN, (void (*)(void))store_open},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS,
     (void (*)(void))store_settable_ctx_params},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))store_set_ctx_params},
    {OSSL_FUNC_STORE_LOAD, (void (*)(void))store_load},
    {OSSL_FUNC_STORE_EOF, (void (*)(void))store_eof},
    {OSSL_FUNC_STORE_CLOSE, (void (*)(void))store_close},
    {0, NULL}};
