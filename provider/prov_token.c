/* SPDX-License-Identifier: Apache-2.0 */
/* prov_token.c: opens the PKCS#11 module and tokens on first use, and logs
 * in with a PIN from the URI, the configuration or a passphrase callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "prov.h"

#define PIN_FILE_PREFIX "file:"

struct prov_token_ent {
    struct prov_token pt;
    hsm_module *mod; /* the reference this entry holds */
};

/* The module a URI names: its module-path, else the configured one.
 * Called under ctx->lock. Returns a new reference. */
static int module_for(prov_ctx *ctx, const hsm_uri *uri, hsm_module **out)
{
    const char *path = uri != NULL ? hsm_uri_get0_module_path(uri) : NULL;
    CK_RV rv;

    if (path == NULL) {
        if (ctx->module == NULL) {
            if (ctx->module_path == NULL) {
                PROV_RAISE(ctx, KW_R_NO_MODULE,
                           "set pkcs11-module-path in the provider's section "
                           "of openssl.cnf, or %s in the environment",
                           "KEYWARD_PKCS11_MODULE");
                return 0;
            }
            ERR_set_mark(); /* SoftHSM leaves its own OpenSSL errors */
            rv =
                hsm_module_open(ctx->module_path, ctx->init_args, &ctx->module);
            ERR_pop_to_mark();
            if (rv != CKR_OK) {
                PROV_RAISE_RV(ctx, rv, "PKCS#11 module %s", ctx->module_path);
                return 0;
            }
        }
        prov_exit_register();
        hsm_module_up_ref(ctx->module);
        *out = ctx->module;
        return 1;
    }
    ERR_set_mark();
    rv = hsm_module_open(path, NULL, out);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "PKCS#11 module %s", path);
        return 0;
    }
    prov_exit_register();
    return 1;
}

int prov_token_open(prov_ctx *ctx, const hsm_uri *uri, struct prov_token **out)
{
    struct prov_token *pt;
    struct prov_token_ent *ent;
    hsm_module *mod = NULL;
    hsm_token *tok = NULL;
    CK_RV rv;
    int ok = 0;

    if (!CRYPTO_THREAD_write_lock(ctx->lock))
        return 0;
    if (ctx->exited) {
        PROV_RAISE(ctx, KW_R_TOKEN_ERROR, "the process is exiting");
        goto out;
    }
    if (!module_for(ctx, uri, &mod))
        goto out;
    ERR_set_mark();
    rv = hsm_token_open(mod, uri, &tok);
    ERR_pop_to_mark();
    if (rv != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "opening the token");
        goto out;
    }
    for (pt = ctx->tokens; pt != NULL; pt = pt->next)
        if (pt->tok == tok)
            break;
    if (pt == NULL) {
        if ((ent = calloc(1, sizeof(*ent))) == NULL) {
            PROV_RAISE(ctx, KW_R_MALLOC, "token entry");
            goto out;
        }
        ent->mod = mod;
        mod = NULL;
        pt = &ent->pt;
        pt->tok = tok;
        tok = NULL;
        pt->caps = prov_caps_compute(pt->tok);
        atomic_init(&pt->pss_digest_salt_only, false);
        pt->next = ctx->tokens;
        ctx->tokens = pt;
    }
    *out = pt;
    ok = 1;
out:
    hsm_token_free(tok);
    hsm_module_free(mod);
    CRYPTO_THREAD_unlock(ctx->lock);
    return ok;
}

void prov_tokens_free(prov_ctx *ctx)
{
    struct prov_token *pt = ctx->tokens, *next;

    prov_secret_cache_free(ctx); /* its keys hold the tokens */
    for (; pt != NULL; pt = next) {
        struct prov_token_ent *ent = (struct prov_token_ent *)pt;

        next = pt->next;
        hsm_token_free(pt->tok);
        hsm_module_free(ent->mod);
        free(ent);
    }
    ctx->tokens = NULL;
}

/* The configured PIN: "file:/path" or the PIN itself. */
static int config_pin(prov_ctx *ctx, char **pin, size_t *len, bool *hsm_owned)
{
    CK_RV rv;

    if (strncmp(ctx->pin_spec, PIN_FILE_PREFIX, strlen(PIN_FILE_PREFIX)) == 0) {
        const char *path = ctx->pin_spec + strlen(PIN_FILE_PREFIX);

        rv = hsm_pin_read_file(path, pin, len);
        if (rv != CKR_OK) {
            PROV_RAISE_RV(ctx, rv, "pkcs11-module-token-pin file %s", path);
            return 0;
        }
        *hsm_owned = true;
        return 1;
    }
    *len = ctx->pin_spec_len;
    if ((*pin = OPENSSL_secure_malloc(*len + 1)) == NULL) {
        PROV_RAISE(ctx, KW_R_MALLOC, "PIN buffer");
        return 0;
    }
    memcpy(*pin, ctx->pin_spec, *len + 1);
    *hsm_owned = false;
    return 1;
}

/* Asks the application (OpenSSL's passphrase callback). */
static int callback_pin(prov_ctx *ctx, struct prov_token *pt,
                        OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg,
                        char **pin, size_t *len)
{
    char info[96];
    size_t max = 256, n = 0;
    OSSL_PARAM params[2];

    snprintf(info, sizeof(info), "token '%s' user PIN",
             hsm_token_get0_info(pt->tok)->label);
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO, info, 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((*pin = OPENSSL_secure_zalloc(max + 1)) == NULL) {
        PROV_RAISE(ctx, KW_R_MALLOC, "PIN buffer");
        return 0;
    }
    if (!pw_cb(*pin, max, &n, params, pw_cbarg) || n == 0 || n > max) {
        OPENSSL_secure_clear_free(*pin, max + 1);
        *pin = NULL;
        PROV_RAISE(ctx, KW_R_PIN_MISSING,
                   "token '%s' needs a PIN and the passphrase callback gave "
                   "none",
                   hsm_token_get0_info(pt->tok)->label);
        return 0;
    }
    *len = n;
    return 1;
}

int prov_token_login(prov_ctx *ctx, struct prov_token *pt, const hsm_uri *uri,
                     OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    const char *label = hsm_token_get0_info(pt->tok)->label;
    char *pin = NULL;
    size_t len = 0, alloc = 0;
    bool hsm_owned = false;
    CK_RV rv;

    if (!hsm_token_needs_pin(pt->tok))
        return 1;
    if (uri != NULL && hsm_uri_has_pin(uri)) {
        rv = hsm_uri_get_pin(uri, &pin, &len);
        if (rv != CKR_OK) {
            PROV_RAISE_RV(ctx, rv, "PIN named by the URI for token '%s'",
                          label);
            return 0;
        }
        hsm_owned = true;
    } else if (ctx->pin_spec != NULL) {
        if (!config_pin(ctx, &pin, &len, &hsm_owned))
            return 0;
        alloc = len + 1;
    } else if (pw_cb != NULL) {
        if (!callback_pin(ctx, pt, pw_cb, pw_cbarg, &pin, &len))
            return 0;
        alloc = 257;
    } else {
        PROV_RAISE(ctx, KW_R_PIN_MISSING,
                   "token '%s' needs a PIN: give pin-source or pin-value in "
                   "the URI, pkcs11-module-token-pin in openssl.cnf, or a "
                   "passphrase callback",
                   label);
        return 0;
    }
    ERR_set_mark();
    rv = hsm_token_login(pt->tok, pin, len);
    ERR_pop_to_mark();
    if (hsm_owned)
        hsm_pin_free(pin, len);
    else
        OPENSSL_secure_clear_free(pin, alloc);
    if (rv != CKR_OK) {
        PROV_RAISE_RV(ctx, rv, "token login");
        return 0;
    }
    return 1;
}
