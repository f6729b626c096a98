/* SPDX-License-Identifier: Apache-2.0 */
/* bench_util.h: timing and fixture access shared by the benchmarks. */
#ifndef KEYWARD_BENCH_UTIL_H
#define KEYWARD_BENCH_UTIL_H

#include <stdbool.h>

/* Parses "--vars FILE" (a test-vars file, default $KW_TEST_VARS) and
 * "--seconds S"; loads the file's variables into the environment. */
bool bench_init(int argc, char **argv, double *seconds);
/* A variable of the vars file; exits with a message when missing. */
const char *bench_var(const char *name);
/* The key the vars file's uri_var names, with suffix appended to the URI
 * (e.g. ";type=private"), loaded through OSSL_STORE with the fixture's PIN
 * file; prints OpenSSL's errors and returns NULL on failure. */
struct evp_pkey_st *bench_token_key(const char *uri_var, const char *suffix);
double bench_now(void);
void bench_sleep(double seconds);

#endif
