/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: the keyward command-line tool's entry point and subcommand table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"

/* Each group lives in its own cmd_<group>.c. */
extern const struct kw_cmd kw_cmd_hsm, kw_cmd_ccs;
extern const struct kw_cmd kw_cmd_keys, kw_cmd_tokens, kw_cmd_pubkey, kw_cmd_sign,
    kw_cmd_verify, kw_cmd_session, kw_cmd_seal, kw_cmd_open, kw_cmd_metrics;
extern const struct kw_cmd kw_cmd_keyref, kw_cmd_secret;

static const struct kw_cmd *const kw_cmds[] = {
    &kw_cmd_hsm,
    &kw_cmd_keys,    /* cmd_service.c: keywardd clients */
    &kw_cmd_tokens,
    &kw_cmd_pubkey,
    &kw_cmd_sign,
    &kw_cmd_verify,
    &kw_cmd_session,
    &kw_cmd_seal,
    &kw_cmd_open,
    &kw_cmd_metrics,
    &kw_cmd_ccs,
    &kw_cmd_keyref, /* cmd_keyref.c: key-reference files */
    &kw_cmd_secret, /* cmd_secret.c: AES and HMAC keys in the token */
};

int kw_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("keyward: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return KW_EXIT_FAIL;
}

int kw_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "keyward %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun 'keyward %s --help' for usage.\n", cmd);
    va_end(ap);
    return KW_EXIT_USAGE;
}

static void usage(FILE *f)
{
    fputs("Usage: keyward <command> [options]\n\n"
          "Keyward keeps private keys in HSM/TPM hardware (PKCS#11) and\n"
          "gives applications signatures, key establishment and AEAD.\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < sizeof(kw_cmds) / sizeof(kw_cmds[0]); i++)
        fprintf(f, "  %-10s %s\n", kw_cmds[i]->name, kw_cmds[i]->summary);
    fputs("\nRun 'keyward <command> --help' for a command's options.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return KW_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return KW_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(kw_cmds) / sizeof(kw_cmds[0]); i++)
        if (strcmp(argv[1], kw_cmds[i]->name) == 0)
            return kw_cmds[i]->run(argc - 1, argv + 1);
    fprintf(stderr, "keyward: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return KW_EXIT_USAGE;
}
