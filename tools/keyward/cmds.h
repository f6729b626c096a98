/* SPDX-License-Identifier: Apache-2.0 */
/* cmds.h: the subcommands of the keyward tool, one file per group. */
#ifndef KEYWARD_TOOL_CMDS_H
#define KEYWARD_TOOL_CMDS_H

struct kw_cmd {
    const char *name;    /* first word on the command line */
    const char *summary; /* one line for `keyward --help` */
    /* argv[0] is the subcommand name; returns the process exit status. */
    int (*run)(int argc, char **argv);
};

/* Exit statuses shared by all subcommands. */
#define KW_EXIT_OK 0
#define KW_EXIT_FAIL 1  /* the operation failed; the message says why */
#define KW_EXIT_USAGE 2 /* bad command line */

/* Prints "keyward: <message>" to stderr; returns KW_EXIT_FAIL. */
int kw_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "keyward <cmd>: <message>" and the hint to run --help. */
int kw_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
