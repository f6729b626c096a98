/* SPDX-License-Identifier: Apache-2.0 */
/* tool_token.h: how the keyward tool's subcommands reach a token through
 * hsm/: the module, the PIN, the login, key ids, and hsm/ errors in words. */
#ifndef KEYWARD_TOOL_TOKEN_H
#define KEYWARD_TOOL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsm.h"

struct kw_token {
    hsm_uri *uri;
    hsm_module *mod;
    hsm_token *tok;
};

/* --module (module_opt), else $KEYWARD_PKCS11_MODULE (empty: unset). */
const char *kw_module_path(const char *module_opt);
/* Loads the module (module_opt, else the URI's module-path, else the
 * environment), opens the token uri selects (NULL: the only one) and, with
 * login, logs in: the PIN from pin_file, else the URI's pin-source or
 * pin-value, else asked on the terminal. KW_EXIT_OK, or the exit status
 * after saying why; kw_token_close() either way. */
int kw_token_open(struct kw_token *c, const char *module_opt,
                  const char *pin_file, const char *uri, bool login);
void kw_token_close(struct kw_token *c);
/* A CKA_ID from hex ("0a1b") into id (room for *len bytes; *len set to
 * the length). 1 on success, 0 for bad hex or too long. */
int kw_parse_id(const char *hex, uint8_t *id, size_t *len);
/* Prints "keyward: what: text (NAME): detail"; returns KW_EXIT_FAIL. */
int kw_hsm_fail(CK_RV rv, const char *what);

#endif
