/* SPDX-License-Identifier: Apache-2.0 */
/* object.c: finding keys and certificates, their attributes and handles. */
#include <stdlib.h>
#include <string.h>

#include "hsm_internal.h"

#define FIND_BATCH 16

/* Curves by their DER OID (CKA_EC_PARAMS), with key size and point size. */
static const struct {
    const char *name;
    uint8_t der[16];
    size_t der_len;
    size_t bits;
    size_t point_len; /* uncompressed EC point, or raw EdDSA key */
} curves[] = {
    {"P-256", {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 10, 256, 65},
    {"P-384", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, 7, 384, 97},
    {"P-521", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}, 7, 521, 133},
    {"Ed25519", {0x06, 0x03, 0x2b, 0x65, 0x70}, 5, 256, 32},
    {"Ed25519", {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'}, 14, 256, 32},
    {"Ed448", {0x06, 0x03, 0x2b, 0x65, 0x71}, 5, 456, 57},
    {"Ed448", {0x13, 0x0a, 'e', 'd', 'w', 'a', 'r', 'd', 's', '4', '4', '8'}, 12, 456, 57},
};

static int curve_index(const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (curves[i].der_len == len && memcmp(curves[i].der, der, len) == 0)
            return (int)i;
    return -1;
}

/* Exposed to keygen.c through hsm_internal-free lookups. */
const uint8_t *hsm_curve_der(const char *name, size_t *len);
const uint8_t *hsm_curve_der(const char *name, size_t *len)
{
    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (strcmp(curves[i].name, name) == 0) {
            *len = curves[i].der_len;
            return curves[i].der;
        }
    }
    return NULL;
}

static size_t bits_of_bignum(const uint8_t *p, size_t len)
{
    while (len > 0 && *p == 0)
        p++, len--;
    if (len == 0)
        return 0;
    /* clz of a byte widened to 32 bits counts 24 bits of padding. */
    return len * 8 - ((size_t)__builtin_clz((unsigned)*p) - 24);
}

/*
 * Session copies, one per token object and anchor, under t->key_mx: made on
 * the first use of any hsm_key for the object and kept until the anchor
 * closes (it takes them with it), so that keys loaded again and again share
 * one copy and no copy is created and destroyed per use. An entry counts
 * only while its anchor lives (same epoch): handle numbers are reused after
 * a session closes or the module is re-initialised.
 */
static CK_OBJECT_HANDLE copy_lookup(hsm_token *t, CK_OBJECT_HANDLE obj)
{
    for (size_t i = 0; i < t->ncopies; i++)
        if (t->copies[i].obj == obj && t->copies[i].epoch == t->anchor_epoch)
            return t->copies[i].copy;
    return CK_INVALID_HANDLE;
}

static void copy_remember(hsm_token *t, CK_OBJECT_HANDLE obj,
                          CK_OBJECT_HANDLE copy, unsigned epoch)
{
    /* Entries of dead anchors go first. */
    for (size_t i = 0; i < t->ncopies;) {
        if (t->copies[i].epoch != t->anchor_epoch)
            t->copies[i] = t->copies[--t->ncopies];
        else
            i++;
    }
    if (t->ncopies == t->copies_cap) {
        size_t cap = t->copies_cap ? t->copies_cap * 2 : 16;
        struct hsm_copy *n = realloc(t->copies, cap * sizeof(*n));
        if (n == NULL)
            return; /* the copy still works; it will not be shared */
        t->copies = n;
        t->copies_cap = cap;
    }
    t->copies[t->ncopies].obj = obj;
    t->copies[t->ncopies].copy = copy;
    t->copies[t->ncopies].epoch = epoch;
    t->ncopies++;
}

/* Forgets (and returns) the copy of obj; the caller destroys it. */
static CK_OBJECT_HANDLE copy_forget(hsm_token *t, CK_OBJECT_HANDLE obj,
                                    unsigned *epoch)
{
    for (size_t i = 0; i < t->ncopies; i++) {
        if (t->copies[i].obj == obj && t->copies[i].epoch == t->anchor_epoch) {
            CK_OBJECT_HANDLE c = t->copies[i].copy;
            *epoch = t->copies[i].epoch;
            t->copies[i] = t->copies[--t->ncopies];
            return c;
        }
    }
    return CK_INVALID_HANDLE;
}

/* Reads the attributes that describe an object, in two calls. */
static CK_RV key_read(hsm_key *k, hsm_session *s)
{
    CK_FUNCTION_LIST *fl = k->token->mod->fl;
    CK_ULONG cls = 0, type = CK_UNAVAILABLE_INFORMATION, certtype = 0;
    CK_ULONG modbits = 0, valuelen = 0;
    CK_BBOOL tok = 0, sens = 0, extr = 0, sign = 0, verify = 0, enc = 0,
             dec = 0, derive = 0, wrap = 0, unwrap = 0, aauth = 0, copy = 1;
    CK_ATTRIBUTE fixed[] = {
        HSM_ATTR(CKA_CLASS, &cls),        HSM_ATTR(CKA_KEY_TYPE, &type),
        HSM_ATTR(CKA_CERTIFICATE_TYPE, &certtype),
        HSM_ATTR(CKA_TOKEN, &tok),        HSM_ATTR(CKA_SENSITIVE, &sens),
        HSM_ATTR(CKA_EXTRACTABLE, &extr), HSM_ATTR(CKA_SIGN, &sign),
        HSM_ATTR(CKA_VERIFY, &verify),    HSM_ATTR(CKA_ENCRYPT, &enc),
        HSM_ATTR(CKA_DECRYPT, &dec),      HSM_ATTR(CKA_DERIVE, &derive),
        HSM_ATTR(CKA_WRAP, &wrap),        HSM_ATTR(CKA_UNWRAP, &unwrap),
        HSM_ATTR(CKA_ALWAYS_AUTHENTICATE, &aauth),
        HSM_ATTR(CKA_COPYABLE, &copy),    HSM_ATTR(CKA_MODULUS_BITS, &modbits),
        HSM_ATTR(CKA_VALUE_LEN, &valuelen),
        {CKA_LABEL, NULL, 0},             {CKA_ID, NULL, 0},
        {CKA_EC_PARAMS, NULL, 0},         {CKA_MODULUS, NULL, 0},
    };
    enum { N_FIXED = 17, I_LABEL = 17, I_ID, I_PARAMS, I_MOD, N_ALL };
    uint8_t *params = NULL, *mod = NULL;
    CK_RV rv;

    rv = fl->C_GetAttributeValue(s->h, k->handle, fixed, N_ALL);
    if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
        rv != CKR_ATTRIBUTE_SENSITIVE)
        return rv;
    /* Invalid attributes keep the defaults above; their length says so. */
    k->cls = cls;
    k->type = cls == CKO_CERTIFICATE ? certtype : type;
    k->token_object = tok;
    k->sensitive = fixed[4].ulValueLen != CK_UNAVAILABLE_INFORMATION && sens;
    k->extractable = fixed[5].ulValueLen != CK_UNAVAILABLE_INFORMATION && extr;
    k->always_auth = fixed[13].ulValueLen != CK_UNAVAILABLE_INFORMATION && aauth;
    k->copyable = fixed[14].ulValueLen == CK_UNAVAILABLE_INFORMATION || copy;
    k->usage = (sign ? HSM_USE_SIGN : 0) | (verify ? HSM_USE_VERIFY : 0) |
               (enc ? HSM_USE_ENCRYPT : 0) | (dec ? HSM_USE_DECRYPT : 0) |
               (derive ? HSM_USE_DERIVE : 0) | (wrap ? HSM_USE_WRAP : 0) |
               (unwrap ? HSM_USE_UNWRAP : 0);
    for (int i = 6; i <= 12; i++)
        if (fixed[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
            k->usage &= ~(1u << (i - 6));

    /* Second call: the variable-length values. */
    CK_ATTRIBUTE var[4];
    int nvar = 0;
    for (int i = I_LABEL; i < N_ALL; i++) {
        if (fixed[i].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
            fixed[i].ulValueLen == 0)
            continue;
        var[nvar] = fixed[i];
        if ((var[nvar].pValue = malloc(fixed[i].ulValueLen + 1)) == NULL) {
            rv = CKR_HOST_MEMORY;
            goto out;
        }
        nvar++;
    }
    if (nvar > 0) {
        rv = fl->C_GetAttributeValue(s->h, k->handle, var, (CK_ULONG)nvar);
        if (rv != CKR_OK)
            goto out;
    }
    for (int i = 0; i < nvar; i++) {
        uint8_t *v = var[i].pValue;
        size_t len = var[i].ulValueLen;
        switch (var[i].type) {
        case CKA_LABEL:
            v[len] = '\0';
            k->label = (char *)v;
            break;
        case CKA_ID:
            k->id = v;
            k->id_len = len;
            break;
        case CKA_EC_PARAMS:
            params = v;
            if (curve_index(v, len) >= 0)
                k->bits = curves[curve_index(v, len)].bits;
            break;
        case CKA_MODULUS:
            mod = v;
            k->bits = bits_of_bignum(v, len);
            break;
        }
        var[i].pValue = NULL;
    }
    if (modbits != 0 && fixed[15].ulValueLen != CK_UNAVAILABLE_INFORMATION)
        k->bits = modbits;
    if (valuelen != 0 && fixed[16].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
        (cls == CKO_SECRET_KEY))
        k->bits = valuelen * 8;
    rv = CKR_OK;
out:
    for (int i = 0; i < nvar; i++)
        free(var[i].pValue);
    free(params);
    free(mod);
    if (k->label == NULL)
        k->label = calloc(1, 1);
    return k->label == NULL ? CKR_HOST_MEMORY : rv;
}

CK_RV hsm_key_from_handle(hsm_token *t, hsm_session *s, CK_OBJECT_HANDLE h,
                          hsm_key **out)
{
    hsm_key *k = calloc(1, sizeof(*k));
    CK_RV rv;

    *out = NULL;
    if (k == NULL)
        return CKR_HOST_MEMORY;
    atomic_init(&k->refs, 1);
    k->token = t;
    k->handle = h;
    k->fast = CK_INVALID_HANDLE;
    atomic_init(&k->gen, 0); /* first use makes the session copy */
    k->found_gen = atomic_load(&t->gen);
    if ((rv = key_read(k, s)) != CKR_OK) {
        free(k->label);
        free(k->id);
        free(k);
        return rv;
    }
    hsm_token_up_ref(t);
    *out = k;
    return CKR_OK;
}

/* Finds up to max handles matching tmpl on session s. */
static CK_RV find_handles(hsm_session *s, CK_ATTRIBUTE *tmpl, size_t n,
                          CK_OBJECT_HANDLE **out, size_t *count)
{
    CK_FUNCTION_LIST *fl = s->token->mod->fl;
    CK_OBJECT_HANDLE *hs = NULL;
    size_t cap = 0;
    CK_RV rv, rv2;

    *out = NULL;
    *count = 0;
    if ((rv = fl->C_FindObjectsInit(s->h, tmpl, n)) != CKR_OK)
        return rv;
    s->op_active = true;
    for (;;) {
        CK_ULONG got = 0;
        if (*count + FIND_BATCH > cap) {
            CK_OBJECT_HANDLE *nh;
            cap = cap ? cap * 2 : FIND_BATCH;
            if ((nh = realloc(hs, cap * sizeof(*hs))) == NULL) {
                rv = CKR_HOST_MEMORY;
                break;
            }
            hs = nh;
        }
        rv = fl->C_FindObjects(s->h, hs + *count, FIND_BATCH, &got);
        if (rv != CKR_OK || got == 0)
            break;
        *count += got;
    }
    rv2 = fl->C_FindObjectsFinal(s->h);
    if (rv2 == CKR_OK)
        s->op_active = false;
    if (rv == CKR_OK)
        rv = rv2;
    if (rv != CKR_OK) {
        free(hs);
        *count = 0;
        return rv;
    }
    *out = hs;
    return CKR_OK;
}

/* Preference when a URI names no type: what a user most likely means. */
static int class_rank(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_PRIVATE_KEY: return 0;
    case CKO_SECRET_KEY: return 1;
    case CKO_PUBLIC_KEY: return 2;
    case CKO_CERTIFICATE: return 3;
    default: return 4;
    }
}

struct find_ctx {
    const hsm_uri *uri;
    CK_OBJECT_CLASS cls;
    hsm_key *best;
    size_t best_count;
    hsm_key_cb cb;
    void *cb_arg;
    bool stop;
};

static CK_RV find_run(hsm_token *t, const hsm_uri *uri, CK_OBJECT_CLASS cls,
                      int (*each)(struct find_ctx *, hsm_key *),
                      struct find_ctx *fc)
{
    CK_ATTRIBUTE tmpl[8];
    size_t n = 0, nuri, count = 0;
    CK_ATTRIBUTE *ua = hsm_uri_object_attrs(uri, &nuri);
    CK_OBJECT_HANDLE *hs = NULL;
    CK_BBOOL yes = CK_TRUE;
    hsm_session *s;
    CK_RV rv;

    for (size_t i = 0; i < nuri && n < 6; i++) {
        if (ua[i].type == CKA_CLASS && cls != CK_UNAVAILABLE_INFORMATION)
            continue;
        tmpl[n++] = ua[i];
    }
    if (cls != CK_UNAVAILABLE_INFORMATION)
        tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, &cls);
    /* A URI names a persistent object: session objects (our copies, keys
     * other code in this process made) never make it match twice. */
    tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_TOKEN, &yes);

    for (int attempt = 0;; attempt++) {
        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            return rv;
        rv = find_handles(s, tmpl, n, &hs, &count);
        if (rv == CKR_OK || attempt > 0)
            break;
        if (!hsm_recover(t, s, NULL, rv))
            return rv;
    }
    for (size_t i = 0; rv == CKR_OK && i < count && !fc->stop; i++) {
        hsm_key *k;
        CK_RV r = hsm_key_from_handle(t, s, hs[i], &k);
        if (r == CKR_OBJECT_HANDLE_INVALID)
            continue; /* deleted while we looked */
        if (r != CKR_OK) {
            rv = r;
            break;
        }
        if (each(fc, k) != 0)
            fc->stop = true;
    }
    hsm_session_put(s);
    free(hs);
    return rv;
}

static int find_pick(struct find_ctx *fc, hsm_key *k)
{
    if (fc->best == NULL || class_rank(k->cls) < class_rank(fc->best->cls)) {
        hsm_key_free(fc->best);
        fc->best = k;
        fc->best_count = 1;
    } else if (class_rank(k->cls) == class_rank(fc->best->cls)) {
        fc->best_count++;
        hsm_key_free(k);
    } else {
        hsm_key_free(k);
    }
    return 0;
}

static const char *class_name(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_PRIVATE_KEY: return "private key";
    case CKO_PUBLIC_KEY: return "public key";
    case CKO_SECRET_KEY: return "secret key";
    case CKO_CERTIFICATE: return "certificate";
    default: return "object";
    }
}

CK_RV hsm_key_find(hsm_token *t, const hsm_uri *uri, CK_OBJECT_CLASS cls,
                   hsm_key **out)
{
    struct find_ctx fc = {.uri = uri, .cls = cls};
    CK_OBJECT_CLASS ucls = hsm_uri_get_class(uri);
    const char *label = hsm_uri_get0_object(uri);
    CK_RV rv;

    *out = NULL;
    hsm_clear_detail();
    if (cls != CK_UNAVAILABLE_INFORMATION && ucls != CK_UNAVAILABLE_INFORMATION &&
        ucls != cls) {
        hsm_set_detail("the URI names a %s, a %s is needed", class_name(ucls),
                       class_name(cls));
        return HSM_RV_KEY_UNSUITABLE;
    }
    if (cls == CK_UNAVAILABLE_INFORMATION)
        cls = ucls;
    if ((rv = find_run(t, uri, cls, find_pick, &fc)) != CKR_OK) {
        hsm_key_free(fc.best);
        return rv;
    }
    if (fc.best == NULL) {
        if (t->info.login_required && !atomic_load(&t->logged_in) &&
            cls != CKO_PUBLIC_KEY && cls != CKO_CERTIFICATE) {
            hsm_set_detail("token '%s' is not logged in: give a PIN to see "
                           "private objects", t->info.label);
            return HSM_RV_PIN_MISSING;
        }
        hsm_set_detail("no %s%s%s%s in token '%s'", class_name(cls),
                       label ? " labelled '" : "", label ? label : "",
                       label ? "'" : "", t->info.label);
        return HSM_RV_OBJECT_NOT_FOUND;
    }
    if (fc.best_count > 1) {
        hsm_set_detail("%zu %ss match%s%s%s in token '%s'; add id= to the URI",
                       fc.best_count, class_name(fc.best->cls),
                       label ? " label '" : "", label ? label : "",
                       label ? "'" : "", t->info.label);
        hsm_key_free(fc.best);
        return HSM_RV_OBJECT_AMBIGUOUS;
    }
    *out = fc.best;
    return CKR_OK;
}

static int foreach_each(struct find_ctx *fc, hsm_key *k)
{
    int r = fc->cb(fc->cb_arg, k);
    hsm_key_free(k);
    return r;
}

CK_RV hsm_key_foreach(hsm_token *t, const hsm_uri *uri, hsm_key_cb cb,
                      void *arg)
{
    struct find_ctx fc = {.uri = uri, .cb = cb, .cb_arg = arg};
    hsm_clear_detail();
    return find_run(t, uri, uri ? hsm_uri_get_class(uri)
                                : CK_UNAVAILABLE_INFORMATION,
                    foreach_each, &fc);
}

/* Finds the one object matching tmpl on a pooled session. */
static CK_RV find_one(hsm_token *t, CK_ATTRIBUTE *tmpl, size_t n,
                      CK_OBJECT_HANDLE *h, size_t *count)
{
    CK_OBJECT_HANDLE *hs = NULL;
    hsm_session *s;
    CK_RV rv;

    if ((rv = hsm_session_get(t, &s)) != CKR_OK)
        return rv;
    rv = find_handles(s, tmpl, n, &hs, count);
    hsm_session_put(s);
    if (rv == CKR_OK && *count >= 1)
        *h = hs[0];
    free(hs);
    return rv;
}

CK_RV hsm_key_find_peer(hsm_key *k, CK_OBJECT_CLASS cls, hsm_key **out)
{
    CK_ATTRIBUTE tmpl[4];
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_BBOOL tok = k->token_object ? CK_TRUE : CK_FALSE;
    size_t n = 0, count = 0;
    hsm_session *s;
    CK_RV rv;

    *out = NULL;
    tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, &cls);
    tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_TOKEN, &tok);
    if (k->id_len > 0)
        tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, k->id, k->id_len};
    else if (k->label[0] != '\0')
        tmpl[n++] = (CK_ATTRIBUTE){CKA_LABEL, k->label, strlen(k->label)};
    else
        return HSM_RV_OBJECT_NOT_FOUND;
    if (cls != CKO_CERTIFICATE)
        tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_KEY_TYPE, &k->type);
    if ((rv = find_one(k->token, tmpl, n, &h, &count)) != CKR_OK)
        return rv;
    if (count != 1) {
        hsm_set_detail("%zu %ss share the id of '%s'", count, class_name(cls),
                       k->label);
        return count == 0 ? HSM_RV_OBJECT_NOT_FOUND : HSM_RV_OBJECT_AMBIGUOUS;
    }
    if ((rv = hsm_session_get(k->token, &s)) != CKR_OK)
        return rv;
    rv = hsm_key_from_handle(k->token, s, h, out);
    hsm_session_put(s);
    return rv;
}

void hsm_key_up_ref(hsm_key *k)
{
    atomic_fetch_add(&k->refs, 1);
}

static CK_RV destroy_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    (void)arg;
    return s->token->mod->fl->C_DestroyObject(s->h, h);
}

/* Destroys a session copy if the anchor it lives in is still the current
 * one; runs on the anchor, under t->lock, so the check cannot go stale. */
static CK_RV destroy_copy_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    if (s->token->anchor_epoch != *(unsigned *)arg)
        return CKR_OK; /* it died with its anchor */
    return s->token->mod->fl->C_DestroyObject(s->h, h);
}

void hsm_key_free(hsm_key *k)
{
    hsm_token *t;

    if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
        return;
    t = k->token;
    /* Its session copy stays for other keys of the same object. */
    free(k->label);
    free(k->id);
    free(k);
    hsm_token_free(t);
}

hsm_token *hsm_key_get0_token(const hsm_key *k) { return k->token; }
CK_OBJECT_CLASS hsm_key_get_class(const hsm_key *k) { return k->cls; }
CK_KEY_TYPE hsm_key_get_type(const hsm_key *k) { return k->type; }
size_t hsm_key_get_bits(const hsm_key *k) { return k->bits; }
const char *hsm_key_get0_label(const hsm_key *k) { return k->label; }
bool hsm_key_is_token_object(const hsm_key *k) { return k->token_object; }
bool hsm_key_is_sensitive(const hsm_key *k) { return k->sensitive; }
bool hsm_key_is_extractable(const hsm_key *k) { return k->extractable; }
unsigned hsm_key_get_usage(const hsm_key *k) { return k->usage; }

const uint8_t *hsm_key_get0_id(const hsm_key *k, size_t *len)
{
    *len = k->id_len;
    return k->id;
}

char *hsm_key_uri(const hsm_key *k)
{
    return hsm_uri_format_object(&k->token->info, k->label, k->id, k->id_len,
                                 k->cls);
}

struct copy_args {
    CK_OBJECT_HANDLE copy;
    unsigned epoch; /* of the anchor the copy lives in */
};

static CK_RV copy_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct copy_args *a = arg;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {HSM_ATTR(CKA_TOKEN, &no)};
    a->epoch = s->token->anchor_epoch; /* run_anchor holds t->lock */
    return s->token->mod->fl->C_CopyObject(s->h, h, tmpl, 1, &a->copy);
}

/*
 * Refresh after the token's generation moved (first use, fork, removal,
 * lost anchor): find the object again when its handle is stale, and make
 * the session copy that private and secret keys are used through. SoftHSM
 * decrypts token objects on every use; a session copy avoids that, and the
 * copy keeps CKA_SENSITIVE and non-extractability, and dies with the
 * anchor session.
 */
static CK_RV key_refresh(hsm_key *k, CK_OBJECT_HANDLE *h)
{
    hsm_token *t = k->token;
    unsigned tg;
    CK_RV rv = CKR_OK;

    pthread_mutex_lock(&t->key_mx);
    tg = atomic_load(&t->gen);
    if (atomic_load(&k->gen) == tg)
        goto out;
    if (k->found_gen != tg) {
        CK_ATTRIBUTE tmpl[5];
        CK_OBJECT_HANDLE nh = CK_INVALID_HANDLE;
        CK_BBOOL tok = k->token_object ? CK_TRUE : CK_FALSE;
        size_t n = 0, count = 0;
        tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_CLASS, &k->cls);
        tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_TOKEN, &tok);
        if (k->id_len > 0)
            tmpl[n++] = (CK_ATTRIBUTE){CKA_ID, k->id, k->id_len};
        if (k->label[0] != '\0')
            tmpl[n++] = (CK_ATTRIBUTE){CKA_LABEL, k->label, strlen(k->label)};
        if (k->cls != CKO_CERTIFICATE)
            tmpl[n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_KEY_TYPE, &k->type);
        if ((rv = find_one(t, tmpl, n, &nh, &count)) != CKR_OK)
            goto out;
        if (count != 1) {
            hsm_set_detail("key '%s' is %s in token '%s'", k->label,
                           count ? "no longer unique" : "gone", t->info.label);
            rv = count ? HSM_RV_OBJECT_AMBIGUOUS : HSM_RV_OBJECT_NOT_FOUND;
            goto out;
        }
        k->handle = nh;
        k->found_gen = tg;
    }
    /* The shared session copy of the object, made on first use. No copies
     * on serial modules (tpm2-pkcs11): nothing to gain there. */
    k->fast = CK_INVALID_HANDLE;
    if ((k->cls == CKO_PRIVATE_KEY || k->cls == CKO_SECRET_KEY) &&
        k->token_object && k->copyable && !t->mod->serial) {
        CK_OBJECT_HANDLE c = copy_lookup(t, k->handle);
        if (c == CK_INVALID_HANDLE) {
            struct copy_args a = {CK_INVALID_HANDLE, 0};
            if (hsm_run_anchor(t, copy_fn, k->handle, &a) == CKR_OK) {
                copy_remember(t, k->handle, a.copy, a.epoch);
                c = a.copy;
            }
        }
        k->fast = c;
    }
    atomic_store_explicit(&k->gen, tg, memory_order_release);
out:
    *h = k->fast != CK_INVALID_HANDLE ? k->fast : k->handle;
    pthread_mutex_unlock(&t->key_mx);
    return rv;
}

CK_RV hsm_key_handle(hsm_key *k, CK_OBJECT_HANDLE *h)
{
    if (__builtin_expect(atomic_load_explicit(&k->gen, memory_order_acquire) ==
                             atomic_load_explicit(&k->token->gen,
                                                  memory_order_relaxed),
                         1)) {
        *h = k->fast != CK_INVALID_HANDLE ? k->fast : k->handle;
        return CKR_OK;
    }
    return key_refresh(k, h);
}

void hsm_key_invalidate(hsm_key *k)
{
    pthread_mutex_lock(&k->token->key_mx);
    k->found_gen = 0;
    atomic_store(&k->gen, 0);
    pthread_mutex_unlock(&k->token->key_mx);
}

CK_RV hsm_key_get_attr(hsm_key *k, CK_ATTRIBUTE_TYPE type, uint8_t **val,
                       size_t *len)
{
    CK_ATTRIBUTE a = {type, NULL, 0};
    CK_FUNCTION_LIST *fl = k->token->mod->fl;
    CK_OBJECT_HANDLE h;
    hsm_session *s;
    CK_RV rv;

    *val = NULL;
    *len = 0;
    if ((rv = hsm_session_get(k->token, &s)) != CKR_OK)
        return rv;
    if ((rv = hsm_key_handle(k, &h)) != CKR_OK)
        goto out;
    h = k->handle; /* attributes are read from the object as found */
    if ((rv = fl->C_GetAttributeValue(s->h, h, &a, 1)) != CKR_OK)
        goto out;
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        rv = CKR_ATTRIBUTE_TYPE_INVALID;
        goto out;
    }
    if ((a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1)) == NULL) {
        rv = CKR_HOST_MEMORY;
        goto out;
    }
    if ((rv = fl->C_GetAttributeValue(s->h, h, &a, 1)) != CKR_OK) {
        free(a.pValue);
        goto out;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
out:
    hsm_session_put(s);
    return rv;
}

void hsm_pubkey_clear(struct hsm_pubkey *pub)
{
    free(pub->n);
    free(pub->e);
    free(pub->params);
    free(pub->point);
    memset(pub, 0, sizeof(*pub));
}

/* CKA_EC_POINT is a DER OCTET STRING by the standard, raw in some tokens;
 * the expected raw length for the curve decides. */
static CK_RV point_unwrap(struct hsm_pubkey *pub)
{
    int ci = curve_index(pub->params, pub->params_len);
    size_t want = ci >= 0 ? curves[ci].point_len : 0;
    uint8_t *p = pub->point;
    size_t len = pub->point_len, hdr, inner;

    if (want != 0 && len == want)
        return CKR_OK; /* raw */
    if (len < 2 || p[0] != 0x04)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    /* tpm2-pkcs11 1.9.0 writes a P-521 point (133 bytes) as 04 85 04 ...:
     * the length in short form although it is over 127, which DER forbids.
     * Accept exactly that: the byte equals what follows and the curve's
     * point length. */
    if (p[1] >= 0x80 && want != 0 && p[1] == want && len == 2 + want) {
        memmove(p, p + 2, want);
        pub->point_len = want;
        return CKR_OK;
    }
    if (p[1] < 0x80) {
        hdr = 2;
        inner = p[1];
    } else if (p[1] == 0x81 && len >= 3) {
        hdr = 3;
        inner = p[2];
    } else {
        return CKR_ATTRIBUTE_VALUE_INVALID;
    }
    if (hdr + inner != len || (want != 0 && inner != want))
        return CKR_ATTRIBUTE_VALUE_INVALID;
    memmove(p, p + hdr, inner);
    pub->point_len = inner;
    return CKR_OK;
}

CK_RV hsm_key_get_pubkey(hsm_key *k, struct hsm_pubkey *pub)
{
    hsm_key *src = k, *peer = NULL;
    CK_RV rv;

    memset(pub, 0, sizeof(*pub));
    pub->type = k->type;
    if (k->cls != CKO_PUBLIC_KEY && k->cls != CKO_PRIVATE_KEY)
        return HSM_RV_KEY_UNSUITABLE;
    if (k->type == CKK_RSA) {
        rv = hsm_key_get_attr(k, CKA_MODULUS, &pub->n, &pub->n_len);
        if (rv == CKR_OK)
            rv = hsm_key_get_attr(k, CKA_PUBLIC_EXPONENT, &pub->e, &pub->e_len);
        if (rv == CKR_OK || k->cls == CKO_PUBLIC_KEY)
            goto out;
        hsm_pubkey_clear(pub);
        pub->type = k->type;
        if ((rv = hsm_key_find_peer(k, CKO_PUBLIC_KEY, &peer)) != CKR_OK)
            goto out;
        rv = hsm_key_get_attr(peer, CKA_MODULUS, &pub->n, &pub->n_len);
        if (rv == CKR_OK)
            rv = hsm_key_get_attr(peer, CKA_PUBLIC_EXPONENT, &pub->e,
                                  &pub->e_len);
        goto out;
    }
    if (k->type != CKK_EC && k->type != CKK_EC_EDWARDS)
        return HSM_RV_KEY_UNSUITABLE;
    if ((rv = hsm_key_get_attr(k, CKA_EC_PARAMS, &pub->params,
                               &pub->params_len)) != CKR_OK)
        goto out;
    rv = hsm_key_get_attr(k, CKA_EC_POINT, &pub->point, &pub->point_len);
    if (rv != CKR_OK && k->cls == CKO_PRIVATE_KEY) {
        /* Most tokens keep the point on the public key object only. */
        if ((rv = hsm_key_find_peer(k, CKO_PUBLIC_KEY, &peer)) != CKR_OK) {
            hsm_set_detail("no public key object shares the id of '%s'",
                           k->label);
            goto out;
        }
        src = peer;
        rv = hsm_key_get_attr(src, CKA_EC_POINT, &pub->point, &pub->point_len);
    }
    if (rv == CKR_OK)
        rv = point_unwrap(pub);
out:
    hsm_key_free(peer);
    if (rv != CKR_OK)
        hsm_pubkey_clear(pub);
    return rv;
}

struct create_args {
    CK_ATTRIBUTE *tmpl;
    size_t n;
    CK_OBJECT_HANDLE obj;
};

static CK_RV create_fn(hsm_session *s, CK_OBJECT_HANDLE h, void *arg)
{
    struct create_args *a = arg;
    (void)h;
    return s->token->mod->fl->C_CreateObject(s->h, a->tmpl, a->n, &a->obj);
}

static bool tmpl_has(const CK_ATTRIBUTE *tmpl, size_t n, CK_ATTRIBUTE_TYPE t,
                     const void **val)
{
    for (size_t i = 0; i < n; i++) {
        if (tmpl[i].type == t) {
            if (val)
                *val = tmpl[i].pValue;
            return true;
        }
    }
    return false;
}

CK_RV hsm_object_create(hsm_token *t, const CK_ATTRIBUTE *tmpl, size_t n,
                        hsm_key **out)
{
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    const void *clsp = NULL, *tokp = NULL;
    struct create_args a = {0};
    hsm_session *s;
    CK_RV rv;

    *out = NULL;
    if ((a.tmpl = calloc(n + 2, sizeof(*a.tmpl))) == NULL)
        return CKR_HOST_MEMORY;
    memcpy(a.tmpl, tmpl, n * sizeof(*tmpl));
    a.n = n;
    if (tmpl_has(tmpl, n, CKA_CLASS, &clsp) &&
        (*(const CK_OBJECT_CLASS *)clsp == CKO_PRIVATE_KEY ||
         *(const CK_OBJECT_CLASS *)clsp == CKO_SECRET_KEY)) {
        if (!tmpl_has(tmpl, n, CKA_SENSITIVE, NULL))
            a.tmpl[a.n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_SENSITIVE, &yes);
        if (!tmpl_has(tmpl, n, CKA_EXTRACTABLE, NULL))
            a.tmpl[a.n++] = (CK_ATTRIBUTE)HSM_ATTR(CKA_EXTRACTABLE, &no);
    }
    /* Session objects are made on the anchor so that they outlive pooled
     * sessions; token objects on any session. */
    if (tmpl_has(tmpl, n, CKA_TOKEN, &tokp) && *(const CK_BBOOL *)tokp) {
        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            goto out;
        rv = create_fn(s, CK_INVALID_HANDLE, &a);
        hsm_session_put(s);
    } else {
        rv = hsm_run_anchor(t, create_fn, CK_INVALID_HANDLE, &a);
    }
    if (rv != CKR_OK)
        goto out;
    if ((rv = hsm_session_get(t, &s)) != CKR_OK)
        goto out;
    rv = hsm_key_from_handle(t, s, a.obj, out);
    hsm_session_put(s);
out:
    free(a.tmpl);
    return rv;
}

CK_RV hsm_key_destroy(hsm_key *k)
{
    hsm_token *t = k->token;
    CK_OBJECT_HANDLE h;
    CK_RV rv;

    if ((rv = hsm_key_handle(k, &h)) != CKR_OK)
        return rv;
    pthread_mutex_lock(&t->key_mx);
    if (k->token_object) {
        unsigned epoch = 0;
        CK_OBJECT_HANDLE c = copy_forget(t, k->handle, &epoch);
        if (c != CK_INVALID_HANDLE)
            hsm_run_anchor(t, destroy_copy_fn, c, &epoch);
    }
    k->fast = CK_INVALID_HANDLE;
    pthread_mutex_unlock(&t->key_mx);
    if (k->token_object) {
        hsm_session *s;
        if ((rv = hsm_session_get(t, &s)) != CKR_OK)
            return rv;
        rv = destroy_fn(s, k->handle, NULL);
        hsm_session_put(s);
    } else {
        rv = hsm_run_anchor(t, destroy_fn, k->handle, NULL);
    }
    return rv;
}
