/* SPDX-License-Identifier: Apache-2.0 */
/* prov_secret.c: secret keys (AES, HMAC) named by a pkcs11: URI given as a
 * cipher or MAC parameter: opened once per provider and URI, then checked
 * against what the operation needs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

/*
 * Applications often make a cipher context per message and give the URI
 * each time; searching the token (and making the session copy) per message
 * would cost more than the operation. Keys already opened are kept here by
 * URI string, a handful at most, the oldest going first.
 */
#define CACHE_SLOTS 16

struct cache_ent {
    char *uri; /* may hold a pin-value: wiped when dropped */
    size_t uri_len;
    hsm_key *key;
    struct prov_token *pt;
};

struct prov_secret_cache {
    pthread_mutex_t mx;
    struct cache_ent ents[CACHE_SLOTS];
    size_t next; /* slot the next insertion replaces */
};

static struct prov_secret_cache *cache_get(prov_ctx *ctx)
{
    struct prov_secret_cache *c = atomic_load(&ctx->secrets), *expected = NULL;

    if (c != NULL)
        return c;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    pthread_mutex_init(&c->mx, NULL);
    if (!atomic_compare_exchange_strong(&ctx->secrets, &expected, c)) {
        pthread_mutex_destroy(&c->mx);
        free(c);
        c = expected;
    }
    return c;
}

static void ent_clear(struct cache_ent *e)
{
    if (e->uri != NULL)
        OPENSSL_clear_free(e->uri, e->uri_len + 1);
    hsm_key_free(e->key);
    memset(e, 0, sizeof(*e));
}

void prov_secret_cache_free(prov_ctx *ctx)
{
    struct prov_secret_cache *c = atomic_exchange(&ctx->secrets, NULL);

    if (c == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        ent_clear(&c->ents[i]);
    pthread_mutex_destroy(&c->mx);
    free(c);
}

/* A new reference to the cached key for uri, or NULL. */
static hsm_key *cache_find(struct prov_secret_cache *c, const char *uri,
                           struct prov_token **pt)
{
    hsm_key *k = NULL;

    pthread_mutex_lock(&c->mx);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (c->ents[i].uri != NULL && strcmp(c->ents[i].uri, uri) == 0) {
            k = c->ents[i].key;
            hsm_key_up_ref(k);
            *pt = c->ents[i].pt;
            break;
        }
    pthread_mutex_unlock(&c->mx);
    return k;
}

static void cache_add(struct prov_secret_cache *c, const char *uri, hsm_key *k,
                      struct prov_token *pt)
{
    size_t len = strlen(uri);
    char *copy = OPENSSL_malloc(len + 1);
    struct cache_ent *e;

    if (copy == NULL)
        return; /* not cached: the next lookup searches again */
    memcpy(copy, uri, len + 1);
    pthread_mutex_lock(&c->mx);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (c->ents[i].uri != NULL && strcmp(c->ents[i].uri, uri) == 0) {
            pthread_mutex_unlock(&c->mx); /* another thread was first */
            OPENSSL_clear_free(copy, len + 1);
            return;
        }
    e = &c->ents[c->next];
    c->next = (c->next + 1) % CACHE_SLOTS;
    ent_clear(e);
    e->uri = copy;
    e->uri_len = len;
    hsm_key_up_ref(k);
    e->key = k;
    e->pt = pt;
    pthread_mutex_unlock(&c->mx);
}

static const char *class_name(CK_OBJECT_CLASS cls)
{
    switch (cls) {
    case CKO_PRIVATE_KEY:
        return "a private key";
    case CKO_PUBLIC_KEY:
        return "a public key";
    case CKO_CERTIFICATE:
        return "a certificate";
    default:
        return "an object";
    }
}

/* Searches the token: the secret key uri names, logged in as needed. */
static int secret_open(prov_ctx *ctx, const char *uri_str, const char *what,
                       hsm_key **out, struct prov_token **ptout)
{
    hsm_uri *uri = NULL;
    struct prov_token *pt = NULL;
    CK_OBJECT_CLASS cls;
    CK_RV rv;
    int ok = 0;

    ERR_set_mark();
    rv = hsm_uri_parse(uri_str, &uri);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "%s key %s", what, prov_uri_redact(uri_str));
        return 0;
    }
    cls = hsm_uri_get_class(uri);
    if (cls != CK_UNAVAILABLE_INFORMATION && cls != CKO_SECRET_KEY) {
        PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
                   "%s needs a secret key; %s names %s (type=)", what,
                   prov_uri_redact(uri_str), class_name(cls));
        goto out;
    }
    if (!hsm_uri_names_object(uri)) {
        PROV_RAISE(ctx, KW_R_OBJECT_NOT_FOUND,
                   "%s key %s names no object: add object= or id=", what,
                   prov_uri_redact(uri_str));
        goto out;
    }
    if (!prov_token_open(ctx, uri, &pt) ||
        !prov_token_login(ctx, pt, uri, NULL, NULL))
        goto out;
    ERR_set_mark();
    rv = hsm_key_find(pt->tok, uri, CKO_SECRET_KEY, out);
    ERR_pop_to_mark();
    if (rv == HSM_RV_OBJECT_NOT_FOUND) {
        /* Say what the URI names instead, when it names something. */
        hsm_key *other = NULL;

        ERR_set_mark();
        if (hsm_key_find(pt->tok, uri, CKO_PRIVATE_KEY, &other) == CKR_OK ||
            hsm_key_find(pt->tok, uri, CKO_PUBLIC_KEY, &other) == CKR_OK) {
            ERR_pop_to_mark();
            PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
                       "%s needs a secret key; %s names %s", what,
                       prov_uri_redact(uri_str),
                       class_name(hsm_key_get_class(other)));
            hsm_key_free(other);
            goto out;
        }
        ERR_pop_to_mark();
    }
    if (rv != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "%s key %s", what, prov_uri_redact(uri_str));
        goto out;
    }
    *ptout = pt;
    ok = 1;
out:
    hsm_uri_free(uri);
    return ok;
}

static const char *key_type_name(CK_KEY_TYPE t)
{
    switch (t) {
    case CKK_AES:
        return "an AES key";
    case CKK_GENERIC_SECRET:
        return "a generic secret";
    case CKK_SHA256_HMAC:
    case CKK_SHA384_HMAC:
    case CKK_SHA512_HMAC:
        return "an HMAC key";
    default:
        return "a secret key of another type";
    }
}

static const char *usage_name(unsigned usage)
{
    if (usage & HSM_USE_ENCRYPT)
        return "ENCRYPT";
    if (usage & HSM_USE_DECRYPT)
        return "DECRYPT";
    if (usage & HSM_USE_SIGN)
        return "SIGN";
    return "usage";
}

/* The key's type, size and usage against what the operation needs. */
static int check_need(prov_ctx *ctx, hsm_key *k,
                      const struct prov_secret_need *need)
{
    CK_KEY_TYPE t = hsm_key_get_type(k);
    size_t bits = hsm_key_get_bits(k);
    bool type_ok = false;

    for (size_t i = 0; i < need->ntypes; i++)
        type_ok |= t == need->types[i];
    if (!type_ok) {
        PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE, "key '%s' is %s; %s needs %s",
                   hsm_key_get0_label(k), key_type_name(t), need->what,
                   key_type_name(need->types[0]));
        return 0;
    }
    /* bits 0: the token records no size (SoftHSM 2.6 leaves CKA_VALUE_LEN
     * at 0 for unwrapped keys); the key is taken for the size the
     * application names, and the token uses it as it is. */
    if (need->bits != 0 && bits != 0 && bits != need->bits) {
        PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
                   "key '%s' has %zu bits; %s needs a %zu-bit key",
                   hsm_key_get0_label(k), bits, need->what, need->bits);
        return 0;
    }
    if (need->usage != 0 && (hsm_key_get_usage(k) & need->usage) == 0) {
        PROV_RAISE(ctx, KW_R_KEY_UNSUITABLE,
                   "key '%s' does not allow %s (its CKA_%s is false)",
                   hsm_key_get0_label(k), need->what, usage_name(need->usage));
        return 0;
    }
    return 1;
}

int prov_secret_set(prov_ctx *ctx, struct prov_secret *s, const char *uri,
                    const struct prov_secret_need *need)
{
    struct prov_secret_cache *c = cache_get(ctx);
    struct prov_token *pt = NULL;
    hsm_key *k = NULL;

    if (uri == NULL || uri[0] == '\0') {
        PROV_RAISE(ctx, KW_R_INVALID_PARAM, "%s: empty %s", need->what,
                   PROV_PARAM_KEY_URI);
        return 0;
    }
    if (c != NULL)
        k = cache_find(c, uri, &pt);
    if (k == NULL) {
        if (!secret_open(ctx, uri, need->what, &k, &pt))
            return 0;
        if (c != NULL)
            cache_add(c, uri, k, pt);
    }
    if (!check_need(ctx, k, need)) {
        hsm_key_free(k);
        return 0;
    }
    hsm_key_free(s->key);
    s->key = k;
    s->pt = pt;
    return 1;
}

#ifdef PROV_HAVE_SKEY
/* OpenSSL 3.5's EVP_SKEY (skeymgmt_secret.c): untested here. */
int prov_secret_adopt(prov_ctx *ctx, struct prov_secret *s,
                      const struct prov_secret *from,
                      const struct prov_secret_need *need)
{
    if (!check_need(ctx, from->key, need))
        return 0;
    hsm_key_up_ref(from->key);
    hsm_key_free(s->key);
    s->key = from->key;
    s->pt = from->pt;
    return 1;
}
#endif

int prov_secret_set_params(prov_ctx *ctx, struct prov_secret *s,
                           const OSSL_PARAM params[],
                           const struct prov_secret_need *need)
{
    const OSSL_PARAM *p;
    const char *uri = NULL;

    if (params == NULL ||
        (p = OSSL_PARAM_locate_const(params, PROV_PARAM_KEY_URI)) == NULL)
        return 1;
    if (!OSSL_PARAM_get_utf8_string_ptr(p, &uri)) {
        PROV_RAISE(ctx, KW_R_INVALID_PARAM, "%s: %s must be a UTF-8 string",
                   need->what, PROV_PARAM_KEY_URI);
        return 0;
    }
    return prov_secret_set(ctx, s, uri, need);
}

void prov_secret_copy(struct prov_secret *dst, const struct prov_secret *src)
{
    *dst = *src;
    if (dst->key != NULL)
        hsm_key_up_ref(dst->key);
}

void prov_secret_clear(struct prov_secret *s)
{
    hsm_key_free(s->key);
    s->key = NULL;
    s->pt = NULL;
}

int prov_secret_ready(prov_ctx *ctx, const struct prov_secret *s,
                      enum prov_cap cap, const char *what)
{
    if (s->key == NULL) {
        PROV_RAISE(ctx, KW_R_INVALID_PARAM,
                   "%s has no key: give the key's URI in the \"%s\" "
                   "parameter (keyward takes no raw key bytes)",
                   what, PROV_PARAM_KEY_URI);
        return 0;
    }
    return prov_cap_check(ctx, s->pt, cap, what);
}

const char *prov_secret_label(const struct prov_secret *s)
{
    return s->key != NULL ? hsm_key_get0_label(s->key) : "";
}
