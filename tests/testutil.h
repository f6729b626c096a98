/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h: non-aborting checks and fixture access shared by all tests. */
#ifndef KEYWARD_TESTUTIL_H
#define KEYWARD_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each check logs file:line and the values on failure, counts the failure
 * and evaluates to true when it passed, so tests read:
 *     if (!TEST_true(x)) goto err;
 */
int tu_check(bool ok, const char *file, int line, const char *expr,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool tu_mem_eq(const char *file, int line, const char *ea, const char *eb,
               const void *a, size_t alen, const void *b, size_t blen);

#define TEST_true(e) tu_check(!!(e), __FILE__, __LINE__, #e, NULL)
#define TEST_false(e) tu_check(!(e), __FILE__, __LINE__, "!(" #e ")", NULL)
#define TEST_ptr(p) tu_check((p) != NULL, __FILE__, __LINE__, #p " != NULL", NULL)
#define TEST_ptr_null(p) tu_check((p) == NULL, __FILE__, __LINE__, #p " == NULL", NULL)
/* Integer comparisons evaluate each argument exactly once. */
enum tu_op { TU_EQ, TU_NE, TU_GT, TU_GE };
int tu_int_cmp(const char *file, int line, const char *expr, long long a,
               long long b, enum tu_op op);
#define TEST_int_eq(a, b)                                                      \
    tu_int_cmp(__FILE__, __LINE__, #a " == " #b, (long long)(a),              \
               (long long)(b), TU_EQ)
#define TEST_int_ne(a, b)                                                      \
    tu_int_cmp(__FILE__, __LINE__, #a " != " #b, (long long)(a),              \
               (long long)(b), TU_NE)
#define TEST_int_gt(a, b)                                                      \
    tu_int_cmp(__FILE__, __LINE__, #a " > " #b, (long long)(a),               \
               (long long)(b), TU_GT)
#define TEST_int_ge(a, b)                                                      \
    tu_int_cmp(__FILE__, __LINE__, #a " >= " #b, (long long)(a),              \
               (long long)(b), TU_GE)
#define TEST_str_eq(a, b) tu_str_eq(__FILE__, __LINE__, #a, #b, (a), (b))
#define TEST_mem_eq(a, alen, b, blen)                                          \
    tu_mem_eq(__FILE__, __LINE__, #a, #b, (a), (alen), (b), (blen))
/* CK_RV comparison that prints names: TEST_rv(rv, CKR_OK). */
#define TEST_rv(got, want) tu_rv_eq(__FILE__, __LINE__, #got, (got), (want))

bool tu_str_eq(const char *file, int line, const char *ea, const char *eb,
               const char *a, const char *b);
bool tu_rv_eq(const char *file, int line, const char *expr, unsigned long got,
              unsigned long want);

/* Registers a named test case; tu_run() runs them all (or those named on
 * the command line) and returns the process exit status. */
typedef int (*tu_case_fn)(void);
void tu_add(const char *name, tu_case_fn fn);
int tu_run(int argc, char **argv);
#define ADD_TEST(fn) tu_add(#fn, fn)

/* Loads the fixture's test-vars file named by $KW_TEST_VARS and exports its
 * variables into the environment. For SoftHSM it also gives this process a
 * private copy of the token directory (SOFTHSM2_CONF points at it), because
 * SoftHSM's file store fails processes that open one token concurrently;
 * KW_SHARED_TOKEN=1 in the environment keeps the shared one. */
bool tu_vars_load(void);
/* A variable from the fixture file; aborts the test run with a message
 * when it is missing (a test must not skip silently). */
const char *tu_var(const char *name);

/* A variable of the fixture file, or NULL when this token has none (a TPM
 * token has no Ed25519 key, for instance): the caller skips with a reason. */
const char *tu_var_opt(const char *name);

/* Prints "SKIP: reason" and returns the skip status ctest recognises. */
int tu_skip(const char *reason);
#define TU_SKIP_CODE 77

/* Hex helpers for vectors. Returns malloc'd bytes. */
uint8_t *tu_hex(const char *hex, size_t *len);
void tu_hexdump(const char *label, const void *p, size_t len);

#endif
