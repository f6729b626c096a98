/* SPDX-License-Identifier: Apache-2.0 */
/* svc_fixture.c: runs a real keywardd on a fresh unix socket for a test. */
#include "svc_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL ? v : dflt;
}

int kwt_sh(const struct kwt *t, const char *fmt, ...)
{
    char cmd[2048];
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = snprintf(cmd, sizeof(cmd), "KW_DIR='%s'; export KW_DIR; ", t->dir);
    vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
    va_end(ap);
    n = system(cmd);
    return WIFEXITED(n) ? WEXITSTATUS(n) : -1;
}

bool kwt_start(struct kwt *t, const char *sessions)
{
    return kwt_start_with(t, sessions, "mode = \"0666\";");
}

bool kwt_start_with(struct kwt *t, const char *sessions, const char *socket)
{
    const char *src = env_or("KW_SOURCE_DIR", ".");
    char dir[64];

    memset(t, 0, sizeof(*t));
    snprintf(dir, sizeof(dir), "/tmp/kws-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return false;
    }
    snprintf(t->dir, sizeof(t->dir), "%s", dir);
    t->own_dir = true;
    if (kwt_sh(t, "sh '%s/tests/service/svc-fixture.sh' '%s' '%s' '%s'", src,
               t->dir, sessions ? sessions : "", socket) != 0) {
        fprintf(stderr, "svc-fixture.sh failed\n");
        return false;
    }
    return kwt_run(t, t->dir);
}

bool kwt_run(struct kwt *t, const char *dir)
{
    const char *bld = env_or("KW_BUILD_DIR", ".");
    char daemon[512];
    struct timespec ts = {.tv_nsec = 20 * 1000 * 1000};

    if (t->dir != dir) { /* a directory someone else made and removes */
        memset(t, 0, sizeof(*t));
        snprintf(t->dir, sizeof(t->dir), "%s", dir);
    }
    snprintf(t->sock, sizeof(t->sock), "%s/s", t->dir);
    snprintf(t->conf, sizeof(t->conf), "%s/keywardd.conf", t->dir);
    snprintf(t->log, sizeof(t->log), "%s/keywardd.log", t->dir);
    snprintf(daemon, sizeof(daemon), "%s/service/keywardd", bld);
    t->pid = fork();
    if (t->pid == 0) {
        int fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        char hsm[128];
        struct stat hs;
        /* A directory with its own SoftHSM store (assoc-fixture.sh). */
        snprintf(hsm, sizeof(hsm), "%s/softhsm2.conf", t->dir);
        if (stat(hsm, &hs) == 0)
            setenv("SOFTHSM2_CONF", hsm, 1);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        execl(daemon, "keywardd", "-c", t->conf, (char *)NULL);
        _exit(127);
    }
    if (t->pid < 0)
        return false;
    for (int i = 0; i < 1000; i++) { /* up to 20 s (slow under ASan) */
        struct stat sb;
        int st;
        if (stat(t->sock, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
            kwt_log_count(t, "serving on") > 0)
            return true;
        if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
            fprintf(stderr, "keywardd exited early; its log:\n");
            kwt_sh(t, "cat '%s' >&2", t->log);
            t->pid = 0;
            return false;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "keywardd did not come up\n");
    return false;
}

bool kwt_signal(struct kwt *t, int sig)
{
    return t->pid > 0 && kill(t->pid, sig) == 0;
}

int kwt_stop(struct kwt *t)
{
    int st;
    if (t->pid <= 0)
        return -1;
    kill(t->pid, SIGTERM);
    if (waitpid(t->pid, &st, 0) != t->pid)
        return -1;
    t->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "keywardd exit status %d; its log tail:\n", st);
        kwt_sh(t, "tail -n 40 '%s' >&2", t->log);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void kwt_cleanup(struct kwt *t)
{
    if (t->pid > 0)
        kwt_stop(t);
    if (t->own_dir && t->dir[0] != '\0' && getenv("KW_KEEP_TMP") == NULL)
        kwt_sh(t, "rm -rf '%s'", t->dir);
}

int kwt_log_count(const struct kwt *t, const char *needle)
{
    FILE *f = fopen(t->log, "re");
    char line[1024];
    int n = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

bool kwt_rc_is(int got, int want, const char *file, int line, const char *expr)
{
    return tu_check(got == want, file, line, expr, "got %d, want %d", got,
                    want);
}
