/* SPDX-License-Identifier: Apache-2.0 */
/* audit.c: one audit line per operation (stderr or the journal), and service
 * log lines. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "svc.h"

static const char *const status_names[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *svc_status_name(int status)
{
    if (status < 0 || status > SVC_UNAUTHENTICATED)
        return "UNKNOWN";
    return status_names[status];
}

uint64_t svc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void svc_audit(enum svc_audit_mode mode, const struct svc_caller *who,
               const char *op, const char *key, int status, uint64_t usec)
{
    struct timespec ts;
    struct tm tm;
    char when[40];

    if (mode == SVC_AUDIT_NONE)
        return;
    if (key == NULL)
        key = "-";
    if (mode == SVC_AUDIT_JOURNAL) {
        sd_journal_send(
            "MESSAGE=keyward audit uid=%u pid=%d op=%s key=%s "
            "result=%s latency_us=%llu",
            (unsigned)who->uid, (int)who->pid, op, key, svc_status_name(status),
            (unsigned long long)usec, "SYSLOG_IDENTIFIER=keywardd",
            "KEYWARD_AUDIT=1", "KEYWARD_UID=%u", (unsigned)who->uid,
            "KEYWARD_PID=%d", (int)who->pid, "KEYWARD_OP=%s", op,
            "KEYWARD_KEY=%s", key, "KEYWARD_RESULT=%s", svc_status_name(status),
            "KEYWARD_LATENCY_US=%llu", (unsigned long long)usec, NULL);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    /* One fprintf per line: stdio locks the stream, lines never interleave. */
    fprintf(stderr,
            "audit time=%s.%03ldZ uid=%u pid=%d op=%s key=%s result=%s "
            "latency_us=%llu\n",
            when, ts.tv_nsec / 1000000, (unsigned)who->uid, (int)who->pid, op,
            key, svc_status_name(status), (unsigned long long)usec);
}

void svc_log(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "keywardd: %s\n", line);
}
