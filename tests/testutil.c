/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.c: check reporting, the test-case runner and fixture variables. */
#include "testutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TU_MAX_CASES 256
#define TU_MAX_VARS 128

static int tu_failures;
static struct {
    const char *name;
    tu_case_fn fn;
} tu_cases[TU_MAX_CASES];
static size_t tu_ncases;
static char *tu_names[TU_MAX_VARS], *tu_values[TU_MAX_VARS];
static size_t tu_nvars;

int tu_check(bool ok, const char *file, int line, const char *expr,
             const char *fmt, ...)
{
    if (ok)
        return 1;
    tu_failures++;
    fprintf(stderr, "FAIL %s:%d: %s", file, line, expr);
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        fputs(" (", stderr);
        vfprintf(stderr, fmt, ap);
        fputc(')', stderr);
        va_end(ap);
    }
    fputc('\n', stderr);
    return 0;
}

int tu_int_cmp(const char *file, int line, const char *expr, long long a,
               long long b, enum tu_op op)
{
    static const char *const sym[] = {"==", "!=", ">", ">="};
    bool ok = op == TU_EQ ? a == b : op == TU_NE ? a != b : op == TU_GT ? a > b
                                                                        : a >= b;
    return tu_check(ok, file, line, expr, "%lld %s %lld is false", a, sym[op], b);
}

bool tu_str_eq(const char *file, int line, const char *ea, const char *eb,
               const char *a, const char *b)
{
    bool ok = a != NULL && b != NULL && strcmp(a, b) == 0;
    return tu_check(ok, file, line, ea, "\"%s\" != %s \"%s\"",
                    a ? a : "(null)", eb, b ? b : "(null)");
}

void tu_hexdump(const char *label, const void *p, size_t len)
{
    const unsigned char *c = p;
    fprintf(stderr, "  %s (%zu):", label, len);
    for (size_t i = 0; i < len && i < 96; i++)
        fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", c[i]);
    fprintf(stderr, "%s\n", len > 96 ? " ..." : "");
}

bool tu_mem_eq(const char *file, int line, const char *ea, const char *eb,
               const void *a, size_t alen, const void *b, size_t blen)
{
    bool ok = alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
    if (!tu_check(ok, file, line, ea, "differs from %s", eb)) {
        tu_hexdump(ea, a, alen);
        tu_hexdump(eb, b, blen);
        return false;
    }
    return true;
}

/* Declared in hsm.h, but tests of every layer use it through TEST_rv; a
 * weak fallback keeps testutil free of a link dependency on hsm/. */
const char *hsm_rv_name(unsigned long rv) __attribute__((weak));

bool tu_rv_eq(const char *file, int line, const char *expr, unsigned long got,
              unsigned long want)
{
    if (got == want)
        return true;
    char g[64], w[64];
    snprintf(g, sizeof(g), "0x%lx", got);
    snprintf(w, sizeof(w), "0x%lx", want);
    return tu_check(false, file, line, expr, "got %s, want %s",
                    hsm_rv_name ? hsm_rv_name(got) : g,
                    hsm_rv_name ? hsm_rv_name(want) : w);
}

void tu_add(const char *name, tu_case_fn fn)
{
    if (tu_ncases < TU_MAX_CASES) {
        tu_cases[tu_ncases].name = name;
        tu_cases[tu_ncases].fn = fn;
        tu_ncases++;
    }
}

static bool tu_selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

int tu_run(int argc, char **argv)
{
    size_t ran = 0, skipped = 0;
    for (size_t i = 0; i < tu_ncases; i++) {
        if (!tu_selected(tu_cases[i].name, argc, argv))
            continue;
        int before = tu_failures;
        fprintf(stderr, "--- %s\n", tu_cases[i].name);
        int r = tu_cases[i].fn();
        if (r == TU_SKIP_CODE) {
            skipped++;
            continue;
        }
        ran++;
        if (r == 0 && tu_failures == before)
            tu_failures++, fprintf(stderr, "FAIL %s returned 0\n",
                                   tu_cases[i].name);
        fprintf(stderr, "%s %s\n", tu_failures == before ? "ok  " : "FAIL",
                tu_cases[i].name);
    }
    for (size_t i = 0; i < tu_nvars; i++) {
        free(tu_names[i]);
        free(tu_values[i]);
    }
    tu_nvars = 0;
    fprintf(stderr, "%zu passed/failed cases run, %zu skipped, %d failures\n",
            ran, skipped, tu_failures);
    if (tu_failures)
        return 1;
    return ran == 0 && skipped > 0 ? TU_SKIP_CODE : 0;
}

int tu_skip(const char *reason)
{
    fprintf(stderr, "SKIP: %s\n", reason);
    return TU_SKIP_CODE;
}

static char tu_private_dir[256];

static void tu_private_cleanup(void)
{
    char cmd[300];
    if (tu_private_dir[0] == '\0')
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_private_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tu_private_dir);
}

/*
 * SoftHSM's file store is not safe for processes that open the same token
 * at the same time (measured: 14 of 60 pairs of concurrent test processes
 * failed with "token not found"). Each test process therefore works on its
 * own copy of the fixture's token directory: same labels, serials and keys.
 */
static bool tu_private_token(void)
{
    const char *fix = getenv("KW_FIXTURE_DIR");
    const char *tmp = getenv("TMPDIR");
    char cmd[700], conf[300];
    FILE *f;

    if (fix == NULL || getenv("KW_SHARED_TOKEN") != NULL)
        return true;
    snprintf(tu_private_dir, sizeof(tu_private_dir), "%s/kwt-XXXXXX",
             tmp ? tmp : "/tmp");
    if (mkdtemp(tu_private_dir) == NULL) {
        perror("mkdtemp");
        return false;
    }
    atexit(tu_private_cleanup);
    snprintf(cmd, sizeof(cmd), "cp -a '%s/tokens' '%s/tokens'", fix,
             tu_private_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy the fixture token: %s\n", cmd);
        return false;
    }
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", tu_private_dir);
    if ((f = fopen(conf, "w")) == NULL)
        return false;
    fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
               "log.level = ERROR\nslots.removable = false\n",
            tu_private_dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", conf, 1);
    return true;
}

bool tu_vars_load(void)
{
    const char *path = getenv("KW_TEST_VARS");
    char line[4096];
    FILE *f;

    if (tu_nvars > 0)
        return true; /* loaded already */
    if (path == NULL) {
        fprintf(stderr, "KW_TEST_VARS is not set: run this test via ctest\n");
        return false;
    }
    if ((f = fopen(path, "r")) == NULL) {
        fprintf(stderr, "cannot open %s: fixture not set up?\n", path);
        return false;
    }
    while (fgets(line, sizeof(line), f) != NULL && tu_nvars < TU_MAX_VARS) {
        char *eq = strchr(line, '='), *v, *end;
        if (line[0] == '#' || eq == NULL)
            continue;
        *eq = '\0';
        v = eq + 1;
        end = v + strlen(v);
        while (end > v && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (*v == '\'' && end > v + 1 && end[-1] == '\'') {
            v++;
            *--end = '\0';
        }
        tu_names[tu_nvars] = strdup(line);
        tu_values[tu_nvars] = strdup(v);
        setenv(line, v, 1);
        tu_nvars++;
    }
    fclose(f);
    if (strcmp(getenv("KW_TOKEN_DRIVER") ? getenv("KW_TOKEN_DRIVER") : "",
               "softhsm") == 0)
        return tu_private_token();
    return true;
}

const char *tu_var_opt(const char *name)
{
    for (size_t i = 0; i < tu_nvars; i++)
        if (strcmp(tu_names[i], name) == 0)
            return tu_values[i];
    return NULL;
}

const char *tu_var(const char *name)
{
    for (size_t i = 0; i < tu_nvars; i++)
        if (strcmp(tu_names[i], name) == 0)
            return tu_values[i];
    fprintf(stderr, "fixture variable %s missing from $KW_TEST_VARS\n", name);
    exit(1);
}

uint8_t *tu_hex(const char *hex, size_t *len)
{
    size_t n = 0, cap = strlen(hex) / 2 + 1;
    uint8_t *out = malloc(cap);
    int hi = -1;
    if (out == NULL)
        return NULL;
    for (const char *p = hex; *p; p++) {
        int v;
        if (isspace((unsigned char)*p))
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = n;
    return out;
}
