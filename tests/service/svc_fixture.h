/* SPDX-License-Identifier: Apache-2.0 */
/* svc_fixture.h: runs a real keywardd on a fresh unix socket for a test. */
#ifndef KEYWARD_SVC_FIXTURE_H
#define KEYWARD_SVC_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>

#include "testutil.h"

struct kwt {
    char dir[64]; /* short: the socket path must stay under 108 bytes */
    char sock[96];
    char conf[96];
    char log[96];
    pid_t pid;
    bool own_dir; /* kwt_cleanup removes dir */
};

/* Makes a test directory with keys and a configuration (svc-fixture.sh;
 * sessions: body of the config's sessions group, may be NULL) and starts
 * keywardd on it. Returns false (and says why) on failure. */
bool kwt_start(struct kwt *t, const char *sessions);
/* The same with the socket settings given (default: mode = "0666";). */
bool kwt_start_with(struct kwt *t, const char *sessions, const char *socket);
/* Starts keywardd on a directory already made (dir/keywardd.conf, socket
 * dir/s, log dir/keywardd.log); kwt_cleanup leaves dir alone. */
bool kwt_run(struct kwt *t, const char *dir);
/* Sends sig to keywardd. */
bool kwt_signal(struct kwt *t, int sig);
/* SIGTERM, waits, returns keywardd's exit status (-1 if it died of a signal).
 */
int kwt_stop(struct kwt *t);
/* Stops keywardd if running and removes the directory. */
void kwt_cleanup(struct kwt *t);
/* Runs a shell command (with KW_DIR set to t->dir); returns its exit status. */
int kwt_sh(const struct kwt *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Counts lines of keywardd's log that contain needle. */
int kwt_log_count(const struct kwt *t, const char *needle);

/* Checks a call's status once (testutil's TEST_int_eq evaluates its
 * arguments twice, so calls with side effects go through this). */
bool kwt_rc_is(int got, int want, const char *file, int line, const char *expr);
#define TEST_rc(call, want) kwt_rc_is((call), (want), __FILE__, __LINE__, #call)

#endif
