/* SPDX-License-Identifier: Apache-2.0 */
/* config_ident.c: the 'identities' of the configuration: local EDHOC
 * identities, their credentials, trust anchors, known peers and peer policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "config_internal.h"
#include "edhoc.h"

#define FILE_MAX (64 * 1024)

/* Reads a whole small file (OPENSSL_malloc'd). */
static int read_file(const config_setting_t *at, const char *path,
                     uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rbe");
    uint8_t *buf;
    size_t n;

    if (f == NULL)
        return cfg_error(err, errlen, at, "cannot read %s", path);
    buf = OPENSSL_malloc(FILE_MAX);
    n = buf != NULL ? fread(buf, 1, FILE_MAX, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0 || n == FILE_MAX) {
        OPENSSL_free(buf);
        return cfg_error(err, errlen, at,
                         "%s: empty, unreadable or over %d "
                         "bytes",
                         path, FILE_MAX);
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static bool is_pem(const uint8_t *buf, size_t len)
{
    return len > 10 && memcmp(buf, "-----BEGIN", 10) == 0;
}

/* A list of strings; *out NULL-terminated, strdup'd. */
static int get_strings(const config_setting_t *s, const char *name, char ***out,
                       size_t *n, char *err, size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(s, name);
    int len;

    *out = NULL;
    *n = 0;
    if (m == NULL)
        return 0;
    if (!config_setting_is_aggregate(m))
        return cfg_error(err, errlen, m, "'%s' must be a list of strings",
                         name);
    len = config_setting_length(m);
    if ((*out = calloc((size_t)len + 1, sizeof(**out))) == NULL)
        return cfg_error(err, errlen, m, "out of memory");
    for (int i = 0; i < len; i++) {
        const char *v = config_setting_get_string_elem(m, i);
        if (v == NULL)
            return cfg_error(err, errlen, m, "'%s' must be a list of strings",
                             name);
        if (((*out)[i] = strdup(v)) == NULL)
            return cfg_error(err, errlen, m, "out of memory");
        (*n)++;
    }
    return 0;
}

/* A list of small integers into out[max]. */
static int get_ints(const config_setting_t *s, const char *name, long lo,
                    long hi, int64_t *out, size_t max, size_t *n, char *err,
                    size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(s, name);

    if (m == NULL)
        return 0; /* keep the default */
    if (!config_setting_is_aggregate(m) ||
        (size_t)config_setting_length(m) > max)
        return cfg_error(err, errlen, m,
                         "'%s' must be a list of at most %zu "
                         "integers",
                         name, max);
    *n = 0;
    for (int i = 0; i < config_setting_length(m); i++) {
        const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
        long long v;
        if (config_setting_type(e) != CONFIG_TYPE_INT)
            return cfg_error(err, errlen, m, "'%s' must list integers", name);
        v = config_setting_get_int64(e);
        if (v < lo || v > hi)
            return cfg_error(err, errlen, m, "'%s': %lld is not in %ld..%ld",
                             name, v, lo, hi);
        out[(*n)++] = v;
    }
    return 0;
}

static int load_trust(struct svc_config *cfg, struct svc_identity *id,
                      const config_setting_t *s, char *err, size_t errlen)
{
    char **files = NULL;
    size_t n = 0;
    int rc = -1;

    if (get_strings(s, "trust_anchors", &files, &n, err, errlen) < 0)
        goto out;
    if (n > 0 && (id->trust = X509_STORE_new()) == NULL) {
        cfg_error(err, errlen, s, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (X509_STORE_load_file_ex(id->trust, files[i], cfg->libctx, NULL) !=
            1) {
            ERR_clear_error();
            cfg_error(err, errlen, s,
                      "identity '%s': cannot load trust anchors from %s "
                      "(PEM certificates)",
                      id->name, files[i]);
            goto out;
        }
    rc = 0;
out:
    for (size_t i = 0; files != NULL && i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

/* One peer_credentials file: a PEM certificate (for x5t) or a CCS. */
static int load_peer(struct svc_config *cfg, struct svc_peer_cred *pc,
                     const config_setting_t *at, const char *path, char *err,
                     size_t errlen)
{
    uint8_t *buf;
    size_t len;
    EVP_PKEY *pub = NULL;

    if (read_file(at, path, &buf, &len, err, errlen) < 0)
        return -1;
    if (is_pem(buf, len)) {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);
        X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        unsigned char *der = NULL;
        int dlen = x != NULL ? i2d_X509(x, &der) : -1;
        X509_free(x);
        BIO_free(bio);
        OPENSSL_free(buf);
        ERR_clear_error();
        if (dlen <= 0)
            return cfg_error(err, errlen, at, "%s: not a PEM certificate",
                             path);
        pc->cert = der;
        pc->cert_len = (size_t)dlen;
        return 0;
    }
    pc->ccs = buf;
    pc->ccs_len = len;
    if (kw_edhoc_ccs_parse(buf, len, cfg->libctx, NULL, &pc->kid, &pc->kid_len,
                           NULL, &pub) != KW_EDHOC_OK ||
        pc->kid_len == 0) {
        EVP_PKEY_free(pub);
        return cfg_error(err, errlen, at,
                         "%s: neither a PEM certificate nor a CCS with a kid "
                         "(CBOR; 'keyward ccs' makes one)",
                         path);
    }
    EVP_PKEY_free(pub);
    return 0;
}

static int load_peers(struct svc_config *cfg, struct svc_identity *id,
                      const config_setting_t *s, char *err, size_t errlen)
{
    char **files = NULL;
    size_t n = 0;
    int rc = -1;

    if (get_strings(s, "peer_credentials", &files, &n, err, errlen) < 0)
        goto out;
    if (n > 0 && (id->known = calloc(n, sizeof(*id->known))) == NULL) {
        cfg_error(err, errlen, s, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        id->nknown++; /* counted first: cleanup frees a half-loaded one */
        if (load_peer(cfg, &id->known[i], s, files[i], err, errlen) < 0)
            goto out;
    }
    if (get_strings(s, "peers", &id->peers, &id->npeers, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < id->npeers; i++)
        if (strncmp(id->peers[i], "kid:", 4) == 0 &&
            strspn(id->peers[i] + 4, "0123456789abcdef*?[]") !=
                strlen(id->peers[i] + 4)) {
            cfg_error(err, errlen, s,
                      "identity '%s': peer '%s': a kid is lowercase hex, "
                      "e.g. \"kid:2b\"",
                      id->name, id->peers[i]);
            goto out;
        }
    rc = 0;
out:
    for (size_t i = 0; files != NULL && i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

/* CRED_x and ID_CRED_x from the key's certificate chain or a CCS file. */
static int load_credential(struct svc_config *cfg, struct svc_identity *id,
                           const config_setting_t *s, char *err, size_t errlen)
{
    const struct svc_key *key = &cfg->keys[id->key];
    char *kind = NULL, *ccs_file = NULL;
    EVP_PKEY *pub = NULL;
    const uint8_t *kid;
    size_t kid_len;
    int rc = -1, rv;

    if (cfg_get_str(s, "credential", false, &kind, err, errlen) < 0 ||
        cfg_get_str(s, "ccs", false, &ccs_file, err, errlen) < 0)
        goto out;
    if (kind == NULL &&
        (kind = strdup(ccs_file != NULL ? "ccs" : "x5chain")) == NULL) {
        cfg_error(err, errlen, s, "out of memory");
        goto out;
    }
    if (strcmp(kind, "ccs") == 0) {
        if (ccs_file == NULL) {
            cfg_error(err, errlen, s,
                      "identity '%s': credential \"ccs\" needs ccs = \"FILE\"",
                      id->name);
            goto out;
        }
        if (read_file(s, ccs_file, &id->cred, &id->cred_len, err, errlen) < 0)
            goto out;
        if (kw_edhoc_ccs_parse(id->cred, id->cred_len, cfg->libctx, NULL, &kid,
                               &kid_len, NULL, &pub) != KW_EDHOC_OK ||
            kid_len == 0 || EVP_PKEY_eq(pub, key->pkey) != 1) {
            cfg_error(err, errlen, s,
                      "identity '%s': %s is not a CCS with a kid for the "
                      "public key of key '%s'",
                      id->name, ccs_file, key->name);
            goto out;
        }
        rv = kw_edhoc_id_cred_kid(kid, kid_len, &id->id_cred, &id->id_cred_len);
    } else if (strcmp(kind, "x5chain") == 0 || strcmp(kind, "x5t") == 0) {
        if (key->ncerts == 0) {
            cfg_error(err, errlen, s,
                      "identity '%s': key '%s' has no certificate (add "
                      "certificate = \"file:...\" to the key)",
                      id->name, key->name);
            goto out;
        }
        rv = kw_edhoc_cred_x509(key->certs[0], key->cert_lens[0], &id->cred,
                                &id->cred_len);
        if (rv == KW_EDHOC_OK && kind[2] == 'c')
            rv = kw_edhoc_id_cred_x5chain((const uint8_t *const *)key->certs,
                                          key->cert_lens, key->ncerts,
                                          &id->id_cred, &id->id_cred_len);
        else if (rv == KW_EDHOC_OK)
            rv = kw_edhoc_id_cred_x5t(key->certs[0], key->cert_lens[0],
                                      KW_COSE_ALG_SHA256_64, &id->id_cred,
                                      &id->id_cred_len);
    } else {
        cfg_error(err, errlen, s,
                  "identity '%s': credential must be \"x5chain\", \"x5t\" or "
                  "\"ccs\"",
                  id->name);
        goto out;
    }
    if (rv != KW_EDHOC_OK) {
        cfg_error(err, errlen, s, "identity '%s': cannot encode its credential",
                  id->name);
        goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    EVP_PKEY_free(pub);
    free(kind);
    free(ccs_file);
    return rc;
}

/* Methods and suites: as configured, else what the key type does. */
static int load_algorithms(struct svc_config *cfg, struct svc_identity *id,
                           const config_setting_t *s, char *err, size_t errlen)
{
    EVP_PKEY *pk = cfg->keys[id->key].pkey;
    int64_t v[SVC_MAX_SUITES];
    size_t n = 0;
    int cfgbool;

    char group[16] = "";

    if (EVP_PKEY_is_a(pk, "EC") &&
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof(group), NULL) &&
        (strcmp(group, "P-256") == 0 || strcmp(group, "prime256v1") == 0)) {
        v[0] = 0, v[1] = 3, n = 2;
        id->suites[0] = 2, id->suites[1] = 3, id->nsuites = 2;
    } else if (EVP_PKEY_is_a(pk, "ED25519")) {
        v[0] = 0, n = 1;
        id->suites[0] = 0, id->suites[1] = 1, id->nsuites = 2;
    } else if (EVP_PKEY_is_a(pk, "X25519")) {
        v[0] = 3, n = 1;
        id->suites[0] = 0, id->suites[1] = 1, id->nsuites = 2;
    } else {
        return cfg_error(err, errlen, s,
                         "identity '%s': key '%s' must be P-256, Ed25519 or "
                         "X25519",
                         id->name, cfg->keys[id->key].name);
    }
    if (get_ints(s, "methods", 0, 3, v, 4, &n, err, errlen) < 0)
        return -1;
    if (n == 0)
        return cfg_error(err, errlen, s, "identity '%s': no methods", id->name);
    id->method = (int)v[0];
    for (size_t i = 0; i < n; i++)
        id->methods |= 1u << v[i];
    n = 0;
    if (get_ints(s, "suites", 0, 6, v, SVC_MAX_SUITES, &n, err, errlen) < 0)
        return -1;
    if (config_setting_get_member(s, "suites") != NULL) {
        if (n == 0)
            return cfg_error(err, errlen, s, "identity '%s': no suites",
                             id->name);
        for (size_t i = 0; i < n; i++)
            id->suites[i] = (int)v[i];
        id->nsuites = n;
    }
    if (get_ints(s, "critical_ead", -65535, -1, id->critical_ead, SVC_MAX_EAD,
                 &id->ncritical_ead, err, errlen) < 0)
        return -1;
    if (config_setting_lookup_bool(s, "message_4", &cfgbool))
        id->message_4 = cfgbool;
    return 0;
}

static int cmp_ident(const void *a, const void *b)
{
    return strcmp(((const struct svc_identity *)a)->name,
                  ((const struct svc_identity *)b)->name);
}

const struct svc_identity *svc_config_identity(const struct svc_config *cfg,
                                               const char *name)
{
    struct svc_identity probe = {.name = (char *)name};
    if (cfg->nidentities == 0)
        return NULL;
    return bsearch(&probe, cfg->identities, cfg->nidentities,
                   sizeof(*cfg->identities), cmp_ident);
}

int cfg_identities_load(const config_t *cf, struct svc_config *cfg, char *err,
                        size_t errlen)
{
    const config_setting_t *l = config_lookup(cf, "identities");
    int n;

    if (l == NULL)
        return 0;
    if (!config_setting_is_list(l))
        return cfg_error(err, errlen, l,
                         "'identities' must be a list ( { name = ...; key = "
                         "...; } )");
    n = config_setting_length(l);
    if ((cfg->identities = calloc((size_t)n + 1, sizeof(*cfg->identities))) ==
        NULL)
        return cfg_error(err, errlen, l, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(l, (unsigned)i);
        struct svc_identity *id = &cfg->identities[i];
        const struct svc_key *key;
        char *keyname = NULL;

        cfg->nidentities++;
        if (cfg_get_str(s, "name", true, &id->name, err, errlen) < 0 ||
            cfg_get_str(s, "key", true, &keyname, err, errlen) < 0)
            return -1;
        key = svc_config_key(cfg, keyname);
        if (key == NULL || !key->has_private) {
            cfg_error(err, errlen, s,
                      "identity '%s': '%s' is not a configured private key",
                      id->name, keyname);
            free(keyname);
            return -1;
        }
        free(keyname);
        if (strlen(id->name) == 0 || strlen(id->name) > 63)
            return cfg_error(err, errlen, s,
                             "identity name must be 1..63 bytes");
        id->key = (size_t)(key - cfg->keys);
        if (load_algorithms(cfg, id, s, err, errlen) < 0 ||
            load_credential(cfg, id, s, err, errlen) < 0 ||
            load_trust(cfg, id, s, err, errlen) < 0 ||
            load_peers(cfg, id, s, err, errlen) < 0)
            return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(cfg->identities[j].name, id->name) == 0)
                return cfg_error(err, errlen, s, "identity '%s' defined twice",
                                 id->name);
    }
    qsort(cfg->identities, cfg->nidentities, sizeof(*cfg->identities),
          cmp_ident);
    return 0;
}

void cfg_identity_cleanup(struct svc_identity *id)
{
    free(id->name);
    OPENSSL_free(id->cred);
    OPENSSL_free(id->id_cred);
    X509_STORE_free(id->trust);
    for (size_t i = 0; i < id->nknown; i++) {
        OPENSSL_free(id->known[i].ccs);
        OPENSSL_free(id->known[i].cert);
    }
    free(id->known);
    for (size_t i = 0; i < id->npeers; i++)
        free(id->peers[i]);
    free(id->peers);
}
