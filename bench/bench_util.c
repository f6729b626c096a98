/* SPDX-License-Identifier: Apache-2.0 */
/* bench_util.c: timing and fixture access shared by the benchmarks. */
#include "bench_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool bench_init(int argc, char **argv, double *seconds)
{
    const char *vars = getenv("KW_TEST_VARS");
    char line[4096];
    FILE *f;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--vars") == 0 && i + 1 < argc) {
            vars = argv[++i];
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            *seconds = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--vars FILE] [--seconds S]\n"
                            "FILE is a test-vars file as written by "
                            "tests/fixtures/softhsm-token.sh\n", argv[0]);
            return false;
        }
    }
    if (vars == NULL || (f = fopen(vars, "r")) == NULL) {
        fprintf(stderr, "no token: give --vars FILE (see bench/run.sh)\n");
        return false;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
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
        setenv(line, v, 1);
    }
    fclose(f);
    return true;
}

const char *bench_var(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL) {
        fprintf(stderr, "variable %s missing from the vars file\n", name);
        exit(2);
    }
    return v;
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep(double seconds)
{
    struct timespec ts = {(time_t)seconds,
                          (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}
