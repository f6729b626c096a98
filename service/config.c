/* SPDX-License-Identifier: Apache-2.0 */
/* config.c: parses keywardd's configuration file (libconfig) into struct
 * svc_config. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include "config_internal.h"
#include "svc.h"

int cfg_error(char *err, size_t errlen, const config_setting_t *at,
              const char *fmt, ...)
{
    char text[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (at != NULL && config_setting_source_file(at) != NULL)
        snprintf(err, errlen, "%s:%u: %s", config_setting_source_file(at),
                 config_setting_source_line(at), text);
    else
        snprintf(err, errlen, "%s", text);
    return -1;
}

int cfg_get_str(const config_setting_t *s, const char *name, bool required,
                char **out, char *err, size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(s, name);
    *out = NULL;
    if (m == NULL) {
        if (required)
            return cfg_error(err, errlen, s, "missing setting '%s'", name);
        return 0;
    }
    if (config_setting_type(m) != CONFIG_TYPE_STRING)
        return cfg_error(err, errlen, m, "'%s' must be a string", name);
    *out = strdup(config_setting_get_string(m));
    return *out != NULL ? 0 : cfg_error(err, errlen, m, "out of memory");
}

int cfg_get_uint(const config_setting_t *s, const char *name,
                 unsigned long long min, unsigned long long max,
                 unsigned long long *out, char *err, size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(s, name);
    long long v;
    if (m == NULL)
        return 0; /* keep the default */
    if (config_setting_type(m) != CONFIG_TYPE_INT &&
        config_setting_type(m) != CONFIG_TYPE_INT64)
        return cfg_error(err, errlen, m, "'%s' must be an integer", name);
    v = config_setting_get_int64(m);
    if (v < 0 || (unsigned long long)v < min || (unsigned long long)v > max)
        return cfg_error(err, errlen, m, "'%s' must be between %llu and %llu",
                         name, min, max);
    *out = (unsigned long long)v;
    return 0;
}

static int resolve_id(const config_setting_t *e, bool group, unsigned *out,
                      char *err, size_t errlen)
{
    char buf[4096];
    const char *name;
    int rc;

    if (config_setting_type(e) == CONFIG_TYPE_INT) {
        int v = config_setting_get_int(e);
        if (v < 0)
            return cfg_error(err, errlen, e, "negative id");
        *out = (unsigned)v;
        return 0;
    }
    if (config_setting_type(e) != CONFIG_TYPE_STRING)
        return cfg_error(err, errlen, e, "a %s must be a number or a name",
                         group ? "group" : "user");
    name = config_setting_get_string(e);
    if (group) {
        struct group gr, *res = NULL;
        rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
        if (rc == 0 && res != NULL) {
            *out = res->gr_gid;
            return 0;
        }
    } else {
        struct passwd pw, *res = NULL;
        rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
        if (rc == 0 && res != NULL) {
            *out = res->pw_uid;
            return 0;
        }
    }
    return cfg_error(err, errlen, e, "unknown %s '%s'",
                     group ? "group" : "user", name);
}

static int get_ids(const config_setting_t *s, const char *name, bool group,
                   unsigned **out, size_t *n, char *err, size_t errlen)
{
    const config_setting_t *m = config_setting_get_member(s, name);
    int len;
    *out = NULL;
    *n = 0;
    if (m == NULL)
        return 0;
    if (!config_setting_is_aggregate(m))
        return cfg_error(err, errlen, m, "'%s' must be a list, e.g. [ 1000 ]",
                         name);
    len = config_setting_length(m);
    if (len == 0)
        return 0;
    *out = calloc((size_t)len, sizeof(**out));
    if (*out == NULL)
        return cfg_error(err, errlen, m, "out of memory");
    for (int i = 0; i < len; i++)
        if (resolve_id(config_setting_get_elem(m, (unsigned)i), group,
                       &(*out)[i], err, errlen) < 0)
            return -1;
    *n = (size_t)len;
    return 0;
}

static int parse_idset(const config_setting_t *s, struct svc_idset *set,
                       char *err, size_t errlen)
{
    if (get_ids(s, "uids", false, (unsigned **)&set->uids, &set->nuids, err,
                errlen) < 0 ||
        get_ids(s, "gids", true, (unsigned **)&set->gids, &set->ngids, err,
                errlen) < 0)
        return -1;
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct svc_key *)a)->name,
                  ((const struct svc_key *)b)->name);
}

const struct svc_key *svc_config_key(const struct svc_config *cfg,
                                     const char *name)
{
    struct svc_key probe = {.name = (char *)name};
    return bsearch(&probe, cfg->keys, cfg->nkeys, sizeof(*cfg->keys), cmp_key);
}

static int parse_tokens(const config_t *cf, struct svc_config *cfg,
                        char ***pin_files, char *err, size_t errlen)
{
    const config_setting_t *l = config_lookup(cf, "tokens");
    int n;
    if (l == NULL)
        return 0;
    if (!config_setting_is_list(l))
        return cfg_error(err, errlen, l, "'tokens' must be a list ( {...} )");
    n = config_setting_length(l);
    cfg->tokens = calloc((size_t)n + 1, sizeof(*cfg->tokens));
    *pin_files = calloc((size_t)n + 1, sizeof(**pin_files));
    if (cfg->tokens == NULL || *pin_files == NULL)
        return cfg_error(err, errlen, l, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *t = config_setting_get_elem(l, (unsigned)i);
        struct svc_token *tok = &cfg->tokens[i];
        cfg->ntokens++;
        if (cfg_get_str(t, "name", true, &tok->name, err, errlen) < 0 ||
            cfg_get_str(t, "uri", true, &tok->uri, err, errlen) < 0 ||
            cfg_get_str(t, "provider", false, &tok->provider, err, errlen) <
                0 ||
            cfg_get_str(t, "pin_file", false, &(*pin_files)[i], err, errlen) <
                0)
            return -1;
        for (size_t j = 0; j + 1 < cfg->ntokens; j++)
            if (strcmp(cfg->tokens[j].name, tok->name) == 0)
                return cfg_error(err, errlen, t, "token '%s' defined twice",
                                 tok->name);
    }
    return 0;
}

static int parse_keys(const config_t *cf, struct svc_config *cfg,
                      char *const *tok_pins, char ***pin_files,
                      char ***cert_uris, char *err, size_t errlen)
{
    const config_setting_t *l = config_lookup(cf, "keys");
    int n;
    if (l == NULL || !config_setting_is_list(l))
        return cfg_error(
            err, errlen, l,
            "'keys' must be a list ( { name = ...; uri = ...; } )");
    n = config_setting_length(l);
    cfg->keys = calloc((size_t)n + 1, sizeof(*cfg->keys));
    *pin_files = calloc((size_t)n + 1, sizeof(**pin_files));
    *cert_uris = calloc((size_t)n + 1, sizeof(**cert_uris));
    if (cfg->keys == NULL || *pin_files == NULL || *cert_uris == NULL)
        return cfg_error(err, errlen, l, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *k = config_setting_get_elem(l, (unsigned)i);
        struct svc_key *key = &cfg->keys[i];
        cfg->nkeys++;
        if (cfg_get_str(k, "name", true, &key->name, err, errlen) < 0 ||
            cfg_get_str(k, "uri", true, &key->uri, err, errlen) < 0 ||
            cfg_get_str(k, "token", false, &key->token, err, errlen) < 0 ||
            cfg_get_str(k, "pin_file", false, &(*pin_files)[i], err, errlen) <
                0 ||
            cfg_get_str(k, "certificate", false, &(*cert_uris)[i], err,
                        errlen) < 0)
            return -1;
        if (strlen(key->name) == 0 || strlen(key->name) > 63)
            return cfg_error(err, errlen, k, "key name must be 1..63 bytes");
        if (key->token != NULL) {
            size_t t;
            for (t = 0; t < cfg->ntokens; t++)
                if (strcmp(cfg->tokens[t].name, key->token) == 0)
                    break;
            if (t == cfg->ntokens)
                return cfg_error(err, errlen, k, "key '%s': unknown token '%s'",
                                 key->name, key->token);
            /* A key without its own PIN file uses its token's. */
            if ((*pin_files)[i] == NULL && tok_pins != NULL &&
                tok_pins[t] != NULL &&
                ((*pin_files)[i] = strdup(tok_pins[t])) == NULL)
                return cfg_error(err, errlen, k, "out of memory");
        }
        for (size_t j = 0; j + 1 < cfg->nkeys; j++)
            if (strcmp(cfg->keys[j].name, key->name) == 0)
                return cfg_error(err, errlen, k, "key '%s' defined twice",
                                 key->name);
    }
    return 0;
}

static int parse_policy(const config_t *cf, struct svc_config *cfg, char *err,
                        size_t errlen)
{
    const config_setting_t *l = config_lookup(cf, "policy");
    int n;
    if (l == NULL)
        return 0; /* default deny: nobody may use any key */
    if (!config_setting_is_list(l))
        return cfg_error(err, errlen, l, "'policy' must be a list ( {...} )");
    n = config_setting_length(l);
    cfg->rules = calloc((size_t)n + 1, sizeof(*cfg->rules));
    if (cfg->rules == NULL)
        return cfg_error(err, errlen, l, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *r = config_setting_get_elem(l, (unsigned)i);
        const config_setting_t *keys = config_setting_get_member(r, "keys");
        const config_setting_t *ops =
            config_setting_get_member(r, "operations");
        const config_setting_t *idents =
            config_setting_get_member(r, "identities");
        struct svc_rule *rule = &cfg->rules[i];
        cfg->nrules++;
        if (parse_idset(r, &rule->who, err, errlen) < 0)
            return -1;
        if ((keys == NULL && idents == NULL) ||
            (keys != NULL && !config_setting_is_aggregate(keys)) ||
            (idents != NULL && !config_setting_is_aggregate(idents)) ||
            ops == NULL || !config_setting_is_aggregate(ops))
            return cfg_error(err, errlen, r,
                             "a rule needs 'keys' or 'identities', and "
                             "'operations' lists");
        rule->keys =
            calloc((size_t)(keys != NULL ? config_setting_length(keys) : 0) + 1,
                   sizeof(*rule->keys));
        rule->idents = calloc(
            (size_t)(idents != NULL ? config_setting_length(idents) : 0) + 1,
            sizeof(*rule->idents));
        if (rule->keys == NULL || rule->idents == NULL)
            return cfg_error(err, errlen, r, "out of memory");
        for (int j = 0; keys != NULL && j < config_setting_length(keys); j++) {
            const char *name = config_setting_get_string_elem(keys, j);
            const struct svc_key *key =
                name != NULL ? svc_config_key(cfg, name) : NULL;
            if (key == NULL)
                return cfg_error(err, errlen, keys, "unknown key '%s'",
                                 name != NULL ? name : "(not a string)");
            rule->keys[rule->nkeys++] = (size_t)(key - cfg->keys);
        }
        for (int j = 0; idents != NULL && j < config_setting_length(idents);
             j++) {
            const char *name = config_setting_get_string_elem(idents, j);
            const struct svc_identity *id =
                name != NULL ? svc_config_identity(cfg, name) : NULL;
            if (id == NULL)
                return cfg_error(err, errlen, idents, "unknown identity '%s'",
                                 name != NULL ? name : "(not a string)");
            rule->idents[rule->nidents++] = (size_t)(id - cfg->identities);
        }
        for (int j = 0; j < config_setting_length(ops); j++) {
            const char *name = config_setting_get_string_elem(ops, j);
            unsigned op = name != NULL ? svc_op_from_name(name) : 0;
            if (op == 0)
                return cfg_error(err, errlen, ops,
                                 "unknown operation '%s' (sign, verify, "
                                 "decapsulate, ecdh, export, public, "
                                 "initiate, respond, all)",
                                 name != NULL ? name : "(not a string)");
            rule->ops |= op;
        }
    }
    return 0;
}

static int parse_globals(const config_t *cf, struct svc_config *cfg, char *err,
                         size_t errlen)
{
    const config_setting_t *root = config_root_setting(cf);
    const config_setting_t *sock = config_lookup(cf, "socket");
    const config_setting_t *sess = config_lookup(cf, "sessions");
    const config_setting_t *met = config_lookup(cf, "metrics");
    struct svc_limits *lim = &cfg->limits;
    unsigned long long v;
    char *audit = NULL, *mode = NULL;

    cfg->socket_mode = 0660;
    cfg->workers = 8;
    cfg->drain_timeout_s = 10;
    lim->max_sessions = 4096;
    lim->max_sessions_per_uid = 256;
    lim->lifetime_s = 3600;
    lim->idle_timeout_s = 600;
    lim->max_seals = 1ull << 23; /* AES-GCM cap, standards.md */
    lim->max_open_failures = 1ull << 20;
    lim->max_message = 16384;

    if (sock == NULL || !config_setting_is_group(sock))
        return cfg_error(err, errlen, root,
                         "missing 'socket = { path = ...; };'");
    if (cfg_get_str(sock, "path", true, &cfg->socket_path, err, errlen) < 0 ||
        cfg_get_str(sock, "group", false, &cfg->socket_group, err, errlen) <
            0 ||
        cfg_get_str(sock, "mode", false, &mode, err, errlen) < 0)
        return -1;
    if (strlen(cfg->socket_path) >= 108)
        return cfg_error(err, errlen, sock,
                         "socket path longer than 107 bytes");
    if (mode != NULL) {
        char *end;
        unsigned long m = strtoul(mode, &end, 8);
        bool bad = *mode == '\0' || *end != '\0' || m > 0777;
        free(mode);
        if (bad)
            return cfg_error(err, errlen, sock,
                             "socket mode must be octal, e.g. \"0660\"");
        cfg->socket_mode = (unsigned)m;
    }
    v = cfg->workers;
    if (cfg_get_uint(root, "workers", 1, 256, &v, err, errlen) < 0)
        return -1;
    cfg->workers = (unsigned)v;
    v = cfg->drain_timeout_s;
    if (cfg_get_uint(root, "drain_timeout", 0, 3600, &v, err, errlen) < 0)
        return -1;
    cfg->drain_timeout_s = (unsigned)v;

    if (cfg_get_str(root, "audit", false, &audit, err, errlen) < 0)
        return -1;
    cfg->audit = SVC_AUDIT_STDERR;
    if (audit != NULL) {
        if (strcmp(audit, "journal") == 0)
            cfg->audit = SVC_AUDIT_JOURNAL;
        else if (strcmp(audit, "none") == 0)
            cfg->audit = SVC_AUDIT_NONE;
        else if (strcmp(audit, "stderr") != 0) {
            free(audit);
            return cfg_error(
                err, errlen, root,
                "audit must be \"stderr\", \"journal\" or \"none\"");
        }
        free(audit);
    }
    if (met != NULL && parse_idset(met, &cfg->metrics_acl, err, errlen) < 0)
        return -1;

    if (sess != NULL) {
        struct {
            const char *name;
            unsigned long long min, max;
        } f[] = {{"max", 1, 8192}, /* the secure heap holds 8192 */
                 {"max_per_uid", 1, 8192},
                 {"lifetime", 1, 7 * 86400},
                 {"idle_timeout", 1, 7 * 86400},
                 {"max_seals", 1, 1ull << 23},
                 {"max_open_failures", 1, 1ull << 36},
                 {"max_message", 1, 16384}};
        unsigned long long vals[] = {
            lim->max_sessions, lim->max_sessions_per_uid,
            lim->lifetime_s,   lim->idle_timeout_s,
            lim->max_seals,    lim->max_open_failures,
            lim->max_message};
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
            if (cfg_get_uint(sess, f[i].name, f[i].min, f[i].max, &vals[i], err,
                             errlen) < 0)
                return -1;
        lim->max_sessions = (unsigned)vals[0];
        lim->max_sessions_per_uid = (unsigned)vals[1];
        lim->lifetime_s = (unsigned)vals[2];
        lim->idle_timeout_s = (unsigned)vals[3];
        lim->max_seals = vals[4];
        lim->max_open_failures = vals[5];
        lim->max_message = (size_t)vals[6];
    }
    return 0;
}

static int parse_associations(const config_t *cf, struct svc_config *cfg,
                              char *err, size_t errlen)
{
    const config_setting_t *a = config_lookup(cf, "associations");
    struct svc_assoc_limits *l = &cfg->assoc_limits;
    struct {
        const char *name;
        unsigned long long min, max, val;
    } f[] = {
        /* the secure heap holds 16384 associations' keys */
        {"max", 1, 16384, 16384},
        {"max_per_uid", 1, 16384, 16384},
        {"max_handshakes", 1, 16384, 1024},
        {"handshake_timeout", 1, 3600, 60},
        {"idle_timeout", 1, 30 * 86400, 86400},
        {"rekey_interval", 1, 7 * 86400, 3600},
        {"rehandshake_interval", 1, 30 * 86400, 86400},
        {"max_age", 1, 60 * 86400, 2 * 86400},
        {"max_seals", 0, 1ull << 23, 0},
        {"max_open_failures", 0, 1ull << 20, 0},
    };

    for (size_t i = 0; a != NULL && i < sizeof(f) / sizeof(f[0]); i++)
        if (cfg_get_uint(a, f[i].name, f[i].min, f[i].max, &f[i].val, err,
                         errlen) < 0)
            return -1;
    if (a != NULL && !config_setting_is_group(a))
        return cfg_error(err, errlen, a,
                         "'associations' must be a group { ... }");
    l->max = (unsigned)f[0].val;
    l->max_per_uid = (unsigned)f[1].val;
    l->max_handshakes = (unsigned)f[2].val;
    l->handshake_timeout_s = (unsigned)f[3].val;
    l->idle_timeout_s = (unsigned)f[4].val;
    l->rekey_interval_s = (unsigned)f[5].val;
    l->rehandshake_interval_s = (unsigned)f[6].val;
    l->max_age_s = (unsigned)f[7].val;
    l->max_seals = f[8].val;
    l->max_open_failures = f[9].val;
    if (l->max_age_s < l->rehandshake_interval_s)
        return cfg_error(err, errlen, a,
                         "associations: max_age must be at least "
                         "rehandshake_interval");
    return 0;
}

static void free_strv(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static atomic_uint cfg_generation;

struct svc_config *svc_config_load(const char *path, OSSL_LIB_CTX *running,
                                   char *err, size_t errlen)
{
    config_t cf;
    struct svc_config *cfg = calloc(1, sizeof(*cfg));
    char **tok_pins = NULL, **key_pins = NULL, **cert_uris = NULL;
    int ok = -1;

    if (cfg == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&cfg->refs, 1);
    config_init(&cf);
    if (config_read_file(&cf, path) != CONFIG_TRUE) {
        if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        else
            snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cf),
                     config_error_text(&cf));
        goto out;
    }
    if (parse_globals(&cf, cfg, err, errlen) < 0 ||
        parse_associations(&cf, cfg, err, errlen) < 0 ||
        parse_tokens(&cf, cfg, &tok_pins, err, errlen) < 0)
        goto out;
    if (parse_keys(&cf, cfg, tok_pins, &key_pins, &cert_uris, err, errlen) < 0)
        goto out;
    if (cfg_providers_load(&cf, cfg, running, err, errlen) < 0 ||
        cfg_keys_load(cfg, key_pins, cert_uris, err, errlen) < 0)
        goto out;
    if (cfg_tokens_probe(cfg) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* Sorted by name for lookups; the policy refers to keys by index. */
    qsort(cfg->keys, cfg->nkeys, sizeof(*cfg->keys), cmp_key);
    if (cfg_identities_load(&cf, cfg, err, errlen) < 0 ||
        parse_policy(&cf, cfg, err, errlen) < 0)
        goto out;
    cfg->generation = atomic_fetch_add(&cfg_generation, 1) + 1;
    ok = 0;
out:
    free_strv(tok_pins, cfg->ntokens);
    free_strv(key_pins, cfg->nkeys);
    free_strv(cert_uris, cfg->nkeys);
    config_destroy(&cf);
    if (ok < 0) {
        svc_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void svc_config_up_ref(struct svc_config *cfg)
{
    atomic_fetch_add(&cfg->refs, 1);
}

static void free_idset(struct svc_idset *s)
{
    free(s->uids);
    free(s->gids);
}

void svc_config_free(struct svc_config *cfg)
{
    if (cfg == NULL || atomic_fetch_sub(&cfg->refs, 1) != 1)
        return;
    for (size_t i = 0; i < cfg->ntokens; i++) {
        free(cfg->tokens[i].name);
        free(cfg->tokens[i].uri);
        free(cfg->tokens[i].provider);
        free(cfg->tokens[i].caps);
    }
    free(cfg->tokens);
    for (size_t i = 0; i < cfg->nkeys; i++)
        cfg_key_cleanup(&cfg->keys[i]);
    free(cfg->keys);
    for (size_t i = 0; i < cfg->nidentities; i++)
        cfg_identity_cleanup(&cfg->identities[i]);
    free(cfg->identities);
    for (size_t i = 0; i < cfg->nrules; i++) {
        free_idset(&cfg->rules[i].who);
        free(cfg->rules[i].keys);
        free(cfg->rules[i].idents);
    }
    free(cfg->rules);
    free_idset(&cfg->metrics_acl);
    free(cfg->socket_path);
    free(cfg->socket_group);
    free(cfg->providers_text);
    /* Keys are freed above, before the context they came from. */
    if (cfg->owns_libctx) {
        OSSL_PROVIDER_unload(cfg->fallback);
        OSSL_LIB_CTX_free(cfg->libctx);
    }
    free(cfg);
}
