/* SPDX-License-Identifier: Apache-2.0 */
/* config_keys.c: starts the configured providers in a private library context
 * and loads keys through OSSL_STORE. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "config_internal.h"

/* OpenSSL's last error as text (never holds a PIN: we never put one in). */
static const char *ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    if (e == 0)
        snprintf(buf, len, "no further detail");
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
    return buf;
}

static bool conf_value_ok(const char *v)
{
    return strpbrk(v, "$\"'\\#\n\r") == NULL;
}

static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    int n;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if ((size_t)n < *cap - *len)
            break;
        char *nb = realloc(*buf, *cap * 2 + (size_t)n);
        if (nb == NULL)
            return -1;
        *buf = nb;
        *cap = *cap * 2 + (size_t)n;
    }
    *len += (size_t)n;
    return 0;
}

/* Turns the 'providers' list into an openssl.cnf-style text: the one way
 * OpenSSL 3.0 passes parameters (module path, provider settings) to a
 * provider. The text also tells a reload whether providers changed. */
static int providers_text(const config_setting_t *l, const char *cnf,
                          char **out, char *err, size_t errlen)
{
    size_t cap = 1024, len = 0;
    char *text = malloc(cap);
    int n = l != NULL ? config_setting_length(l) : 0;

    if (text == NULL)
        return cfg_error(err, errlen, l, "out of memory");
    text[0] = '\0';
    if (cnf != NULL &&
        append(&text, &len, &cap, "# openssl_conf %s\n", cnf) < 0)
        goto oom;
    if (n > 0 && append(&text, &len, &cap,
                        "kw = kw_init\n[kw_init]\nproviders = "
                        "kw_providers\n[kw_providers]\n") < 0)
        goto oom;
    for (int i = 0; i < n; i++) {
        const config_setting_t *p = config_setting_get_elem(l, (unsigned)i);
        const char *name = NULL;
        if (!config_setting_lookup_string(p, "name", &name) ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_-.") != strlen(name) ||
            *name == '\0') {
            free(text);
            return cfg_error(err, errlen, p,
                             "a provider needs a name of letters, digits, '_', "
                             "'-' or '.'");
        }
        if (append(&text, &len, &cap, "%s = kw_prov_%d\n", name, i) < 0)
            goto oom;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *p = config_setting_get_elem(l, (unsigned)i);
        const config_setting_t *params = config_setting_get_member(p, "params");
        const char *module = NULL;
        if (append(&text, &len, &cap, "[kw_prov_%d]\nactivate = 1\n", i) < 0)
            goto oom;
        if (config_setting_lookup_string(p, "module", &module)) {
            if (!conf_value_ok(module)) {
                free(text);
                return cfg_error(err, errlen, p,
                                 "unsupported character in module");
            }
            if (append(&text, &len, &cap, "module = %s\n", module) < 0)
                goto oom;
        }
        for (int j = 0; params != NULL && j < config_setting_length(params);
             j++) {
            const config_setting_t *kv =
                config_setting_get_elem(params, (unsigned)j);
            const char *v = config_setting_get_string(kv);
            const char *k = config_setting_name(kv);
            if (v == NULL || k == NULL || !conf_value_ok(v)) {
                free(text);
                return cfg_error(err, errlen, kv,
                                 "provider params must be strings without "
                                 "$ \" ' \\ or #");
            }
            if (append(&text, &len, &cap, "%s = %s\n", k, v) < 0)
                goto oom;
        }
    }
    *out = text;
    return 0;
oom:
    free(text);
    return cfg_error(err, errlen, l, "out of memory");
}

/* Runs the providers text in the configuration's library context. */
static int providers_start(const config_setting_t *l, struct svc_config *cfg,
                           char *err, size_t errlen)
{
    CONF *conf = NCONF_new_ex(cfg->libctx, NULL);
    BIO *bio = BIO_new_mem_buf(cfg->providers_text, -1);
    long eline = 0;
    char why[256];
    int rc = -1;

    if (conf == NULL || bio == NULL || NCONF_load_bio(conf, bio, &eline) <= 0 ||
        CONF_modules_load(conf, "kw", 0) <= 0) {
        rc = cfg_error(err, errlen, l, "cannot start the providers: %s",
                       ossl_reason(why, sizeof(why)));
        goto out;
    }
    /* OpenSSL 3.0 reports success even when a provider's module does not
     * load: check that each one is running. */
    for (int i = 0; i < config_setting_length(l); i++) {
        const config_setting_t *p = config_setting_get_elem(l, (unsigned)i);
        const char *name = NULL, *module = "(built in)";
        config_setting_lookup_string(p, "name", &name);
        config_setting_lookup_string(p, "module", &module);
        if (!OSSL_PROVIDER_available(cfg->libctx, name)) {
            rc = cfg_error(err, errlen, p,
                           "provider '%s' did not start (module %s): %s", name,
                           module, ossl_reason(why, sizeof(why)));
            goto out;
        }
    }
    rc = 0;
out:
    BIO_free(bio);
    NCONF_free(conf);
    return rc;
}

int cfg_providers_load(const config_t *cf, struct svc_config *cfg,
                       OSSL_LIB_CTX *running, char *err, size_t errlen)
{
    const config_setting_t *l = config_lookup(cf, "providers");
    const char *cnf = NULL;
    char why[256];

    err[0] = '\0';
    config_lookup_string(cf, "openssl_conf", &cnf);
    if (l != NULL && !config_setting_is_list(l))
        return cfg_error(err, errlen, l,
                         "'providers' must be a list ( { name = ...; } )");
    if (providers_text(l, cnf, &cfg->providers_text, err, errlen) < 0)
        return -1;
    if (running != NULL) {
        /* A reload keeps the running library context and its providers:
         * OpenSSL 3.0 crashes at thread exit when a library context that
         * worker threads used is freed before them. */
        cfg->libctx = running;
        return 0;
    }
    cfg->libctx = OSSL_LIB_CTX_new();
    if (cfg->libctx == NULL)
        return cfg_error(err, errlen, NULL, "out of memory");
    cfg->owns_libctx = true;
    if (cnf != NULL && !OSSL_LIB_CTX_load_config(cfg->libctx, cnf))
        return cfg_error(err, errlen, config_lookup(cf, "openssl_conf"),
                         "cannot load %s: %s", cnf,
                         ossl_reason(why, sizeof(why)));
    if (l != NULL && config_setting_length(l) > 0)
        return providers_start(l, cfg, err, errlen);
    if (cnf == NULL &&
        (cfg->fallback = OSSL_PROVIDER_load(cfg->libctx, "default")) == NULL)
        return cfg_error(err, errlen, NULL, "cannot load the default provider");
    /* Providers started from configuration text are held by the library
     * context itself and unloaded with it. */
    return 0;
}

/* Hands the PIN (read from the PIN file) to whatever asks through OSSL_STORE:
 * a PKCS#11 provider's login or an encrypted PEM file. */
static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    const char *pin = u;
    size_t n;
    (void)rwflag;
    if (pin == NULL)
        return -1;
    n = strlen(pin);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, pin, n);
    return (int)n;
}

static int read_pin(const char *file, char *pin, size_t len, char *err,
                    size_t errlen)
{
    FILE *f = fopen(file, "re");
    size_t n;
    if (f == NULL)
        return cfg_error(err, errlen, NULL, "cannot read PIN file %s", file);
    n = fread(pin, 1, len - 1, f);
    fclose(f);
    pin[n] = '\0';
    pin[strcspn(pin, "\r\n")] = '\0';
    return 0;
}

static int store_load(struct svc_config *cfg, struct svc_key *key,
                      const char *uri, const char *pin, bool want_certs,
                      char *err, size_t errlen)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
    OSSL_STORE_CTX *sc;
    EVP_PKEY *priv = NULL, *pub = NULL;
    int npriv = 0, rc = -1;
    char why[256];

    sc = OSSL_STORE_open_ex(uri, cfg->libctx, NULL, ui, (void *)pin, NULL, NULL,
                            NULL);
    if (sc == NULL) {
        cfg_error(err, errlen, NULL, "key '%s': cannot open %s: %s", key->name,
                  uri, ossl_reason(why, sizeof(why)));
        goto out;
    }
    while (!OSSL_STORE_eof(sc)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(sc);
        if (info == NULL)
            continue;
        switch (OSSL_STORE_INFO_get_type(info)) {
        case OSSL_STORE_INFO_PKEY:
            npriv++;
            if (priv == NULL)
                priv = OSSL_STORE_INFO_get1_PKEY(info);
            break;
        case OSSL_STORE_INFO_PUBKEY:
            if (pub == NULL)
                pub = OSSL_STORE_INFO_get1_PUBKEY(info);
            break;
        case OSSL_STORE_INFO_CERT:
            if (want_certs && key->ncerts < 4) {
                X509 *x = OSSL_STORE_INFO_get0_CERT(info);
                unsigned char *der = NULL;
                int dlen = i2d_X509(x, &der);
                if (dlen > 0) {
                    key->certs[key->ncerts] = der;
                    key->cert_lens[key->ncerts++] = (size_t)dlen;
                }
            }
            break;
        default:
            break;
        }
        OSSL_STORE_INFO_free(info);
    }
    if (want_certs) {
        if (key->ncerts == 0) {
            cfg_error(err, errlen, NULL, "key '%s': no certificate at %s",
                      key->name, uri);
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (npriv > 1) {
        cfg_error(err, errlen, NULL,
                  "key '%s': %s matches %d private keys; name one (add id= or "
                  "object=)",
                  key->name, uri, npriv);
        goto out;
    }
    if (priv == NULL && pub == NULL) {
        cfg_error(err, errlen, NULL, "key '%s': no key found at %s (%s)",
                  key->name, uri, ossl_reason(why, sizeof(why)));
        goto out;
    }
    key->has_private = priv != NULL;
    key->pkey = priv != NULL ? priv : pub;
    if (priv != NULL)
        priv = NULL;
    else
        pub = NULL;
    rc = 0;
out:
    EVP_PKEY_free(priv);
    EVP_PKEY_free(pub);
    OSSL_STORE_close(sc);
    UI_destroy_method(ui);
    ERR_clear_error();
    return rc;
}

static int load_one(struct svc_config *cfg, struct svc_key *key,
                    const char *pin_file, const char *cert_uri, char *err,
                    size_t errlen)
{
    char pin[256] = {0};
    unsigned char *der = NULL;
    int rc = -1, dlen;

    if (pin_file != NULL &&
        read_pin(pin_file, pin, sizeof(pin), err, errlen) < 0)
        goto out;
    if (store_load(cfg, key, key->uri, pin_file ? pin : NULL, false, err,
                   errlen) < 0)
        goto out;
    dlen = i2d_PUBKEY(key->pkey, &der);
    if (dlen <= 0) {
        cfg_error(err, errlen, NULL, "key '%s': cannot encode its public key",
                  key->name);
        goto out;
    }
    key->spki = der;
    key->spki_len = (size_t)dlen;
    if (cert_uri != NULL) {
        const unsigned char *p;
        X509 *leaf;
        key->certs = calloc(4, sizeof(*key->certs));
        key->cert_lens = calloc(4, sizeof(*key->cert_lens));
        if (key->certs == NULL || key->cert_lens == NULL ||
            store_load(cfg, key, cert_uri, pin_file ? pin : NULL, true, err,
                       errlen) < 0)
            goto out;
        p = key->certs[0];
        leaf = d2i_X509(NULL, &p, (long)key->cert_lens[0]);
        if (leaf == NULL ||
            EVP_PKEY_eq(X509_get0_pubkey(leaf), key->pkey) != 1) {
            X509_free(leaf);
            cfg_error(
                err, errlen, NULL,
                "key '%s': the first certificate of %s is not for this key",
                key->name, cert_uri);
            goto out;
        }
        X509_free(leaf);
    }
    rc = 0;
out:
    OPENSSL_cleanse(pin, sizeof(pin));
    return rc;
}

int cfg_keys_load(struct svc_config *cfg, char *const *pin_files,
                  char *const *cert_uris, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->nkeys; i++)
        if (load_one(cfg, &cfg->keys[i], pin_files[i], cert_uris[i], err,
                     errlen) < 0)
            return -1;
    return 0;
}

void cfg_key_cleanup(struct svc_key *key)
{
    free(key->name);
    free(key->uri);
    free(key->token);
    EVP_PKEY_free(key->pkey);
    OPENSSL_free(key->spki);
    for (size_t i = 0; i < key->ncerts; i++)
        OPENSSL_free(key->certs[i]);
    free(key->certs);
    free(key->cert_lens);
}
