/* SPDX-License-Identifier: Apache-2.0 */
/* tool_token.c: how the keyward tool's subcommands reach a token through
 * hsm/: the module, the PIN, the login, key ids, and hsm/ errors in words. */
#include "tool_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/ui.h>

#include "cmds.h"

const char *kw_module_path(const char *module_opt)
{
    const char *env = getenv("KEYWARD_PKCS11_MODULE");

    if (module_opt != NULL)
        return module_opt;
    return env != NULL && *env != '\0' ? env : NULL;
}

int kw_parse_id(const char *hex, uint8_t *id, size_t *len)
{
    size_t n = strlen(hex);

    if (n == 0 || n % 2 != 0 || n / 2 > *len)
        return 0;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;

        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return 0;
        id[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 1;
}

int kw_hsm_fail(CK_RV rv, const char *what)
{
    const char *detail = hsm_error_detail();

    return kw_fail("%s: %s (%s)%s%s", what, hsm_rv_text(rv), hsm_rv_name(rv),
                   *detail ? ": " : "", detail);
}

/* The PIN: the file, else the URI's, else the terminal. CKR_OK with *pin
 * NULL when there is none at all. hsm_pin_free() releases it. */
static CK_RV pin_get(const char *pin_file, const hsm_uri *u, char **pin,
                     size_t *len)
{
    char buf[256];

    *pin = NULL;
    *len = 0;
    if (pin_file != NULL)
        return hsm_pin_read_file(pin_file, pin, len);
    if (hsm_uri_has_pin(u))
        return hsm_uri_get_pin(u, pin, len);
    if (!isatty(STDIN_FILENO))
        return CKR_OK;
    if (UI_UTIL_read_pw_string(buf, sizeof(buf), "Token user PIN: ", 0) != 0)
        return HSM_RV_PIN_MISSING;
    *len = strlen(buf);
    *pin = strdup(buf);
    OPENSSL_cleanse(buf, sizeof(buf));
    return *pin ? CKR_OK : CKR_HOST_MEMORY;
}

int kw_token_open(struct kw_token *c, const char *module_opt,
                  const char *pin_file, const char *uri, bool login)
{
    const char *module;
    char *pin = NULL;
    size_t pinlen = 0;
    CK_RV rv;

    memset(c, 0, sizeof(*c));
    if ((rv = hsm_uri_parse(uri != NULL ? uri : "pkcs11:", &c->uri)) !=
        CKR_OK)
        return kw_hsm_fail(rv, uri != NULL ? uri : "the URI");
    module = module_opt;
    if (module == NULL)
        module = hsm_uri_get0_module_path(c->uri);
    if (module == NULL)
        module = kw_module_path(NULL);
    if (module == NULL)
        return kw_fail("no PKCS#11 module: give --module PATH or set "
                       "KEYWARD_PKCS11_MODULE");
    if ((rv = hsm_module_open(module, NULL, &c->mod)) != CKR_OK)
        return kw_hsm_fail(rv, "loading the PKCS#11 module");
    if ((rv = hsm_token_open(c->mod, c->uri, &c->tok)) != CKR_OK)
        return kw_hsm_fail(rv, "opening the token");
    if (!login)
        return KW_EXIT_OK;
    if ((rv = pin_get(pin_file, c->uri, &pin, &pinlen)) != CKR_OK)
        return kw_hsm_fail(rv, "reading the PIN");
    if (pin == NULL) {
        if (!hsm_token_get0_info(c->tok)->login_required)
            return KW_EXIT_OK;
        return kw_fail("token '%s' needs a PIN: give --pin-file FILE, a URI "
                       "with pin-source, or run on a terminal",
                       hsm_token_get0_info(c->tok)->label);
    }
    rv = hsm_token_login(c->tok, pin, pinlen);
    hsm_pin_free(pin, pinlen);
    return rv == CKR_OK ? KW_EXIT_OK : kw_hsm_fail(rv, "login");
}

void kw_token_close(struct kw_token *c)
{
    hsm_token_free(c->tok);
    hsm_module_free(c->mod);
    hsm_uri_free(c->uri);
    memset(c, 0, sizeof(*c));
}
