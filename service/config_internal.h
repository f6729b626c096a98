/* SPDX-License-Identifier: Apache-2.0 */
/* config_internal.h: shared between the config parser and the provider/key
 * loader. */
#ifndef KEYWARD_CONFIG_INTERNAL_H
#define KEYWARD_CONFIG_INTERNAL_H

#include <stddef.h>

#include <libconfig.h>

#include "svc.h"

/* Writes "file:line: message" into err; returns -1. */
int cfg_error(char *err, size_t errlen, const config_setting_t *at,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Creates cfg->libctx and activates the configured providers in it, or
 * with running (a reload) uses that context and starts nothing. */
int cfg_providers_load(const config_t *cf, struct svc_config *cfg,
                       OSSL_LIB_CTX *running, char *err, size_t errlen);
/* Loads every key (and certificate chain) through OSSL_STORE; pin_files[i]
 * and cert_uris[i] belong to cfg->keys[i] and may be NULL. */
int cfg_keys_load(struct svc_config *cfg, char *const *pin_files,
                  char *const *cert_uris, char *err, size_t errlen);
void cfg_key_cleanup(struct svc_key *key);
/* Parses 'identities' (after the keys are loaded and sorted); sorts them. */
int cfg_identities_load(const config_t *cf, struct svc_config *cfg, char *err,
                        size_t errlen);
void cfg_identity_cleanup(struct svc_identity *id);
/* A string member, strdup'd; NULL (and no error) when absent and optional. */
int cfg_get_str(const config_setting_t *s, const char *name, bool required,
                char **out, char *err, size_t errlen);
/* An integer member in min..max; *out unchanged when absent. */
int cfg_get_uint(const config_setting_t *s, const char *name,
                 unsigned long long min, unsigned long long max,
                 unsigned long long *out, char *err, size_t errlen);
/* Fills each token's capabilities from what its provider offers. */
int cfg_tokens_probe(struct svc_config *cfg);

#endif
