/* SPDX-License-Identifier: Apache-2.0 */
/* sensor.c: demo sensors: each associates with the gateway over UDP through
 * its keywardd (EDHOC), sends protected readings, lets keywardd update the
 * keys on schedule, runs one new handshake when advised, and says goodbye.
 * One thread per sensor; no key ever enters this process. */
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "keyward-client.h"
#include "m2m.h"

#define MAX_SENSORS 256
#define RETRIES     4

static struct {
    const char *socket, *prefix, *watch;
    struct sockaddr_in gateway;
    int first, count, interval_ms, tamper;
    double duration;
} opt = {.prefix = "sensor-",
         .first = 1,
         .count = 1,
         .interval_ms = 500,
         .duration = 20,
         .watch = "sensor-01"};

struct sensor {
    char name[32];
    pthread_t th;
    int fd;
    kwc *c;
    struct kwc_hs_step *step;
    uint8_t assoc[KWC_HANDLE_LEN];
    bool verbose, tamper;
    unsigned seed;
    unsigned long sealed, acked, updates, rehandshakes, lost;
    int rc;
};

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs one handshake as initiator; the association is in s->assoc. */
static bool handshake(struct sensor *s)
{
    uint8_t buf[M2M_MAX];
    struct kwc_hs_step *st = s->step;

    if (kwc_assoc_start(s->c, s->name, NULL, st) != KWC_OK) {
        m2m_log(s->name, "keywardd refused StartAssociation: %s",
                kwc_error(s->c));
        return false;
    }
    while (st->state == KWC_HS_IN_PROGRESS) {
        long n = -1;
        for (int i = 0; i < RETRIES && n < 2; i++) {
            m2m_send(s->fd, NULL, M2M_HANDSHAKE, st->message, st->message_len);
            n = m2m_recv(s->fd, buf, sizeof(buf), NULL, 1500);
            while (n > 0 && buf[0] != M2M_HANDSHAKE) /* a late ack */
                n = m2m_recv(s->fd, buf, sizeof(buf), NULL, 1500);
        }
        if (n < 2) {
            m2m_log(s->name, "no answer from the gateway");
            kwc_assoc_close(s->c, st->handle);
            return false;
        }
        if (kwc_assoc_continue(s->c, st->handle, buf + 1, (size_t)n - 1, NULL,
                               0, st) != KWC_OK) {
            m2m_log(s->name, "keywardd: %s", kwc_error(s->c));
            return false;
        }
    }
    if (st->state != KWC_HS_ESTABLISHED) {
        m2m_log(s->name, "handshake failed: %s", st->reason);
        if (st->message_len > 0)
            m2m_send(s->fd, NULL, M2M_HANDSHAKE, st->message, st->message_len);
        return false;
    }
    m2m_send(s->fd, NULL, M2M_HANDSHAKE, st->message, st->message_len);
    memcpy(s->assoc, st->handle, KWC_HANDLE_LEN);
    if (s->verbose)
        m2m_log(s->name, "associated with %s (method %u, suite %u)",
                st->peer.subject, st->method, st->suite);
    return true;
}

/* One reading out, its acknowledgement back. */
static bool reading(struct sensor *s, unsigned long seq, bool *rehs)
{
    char text[96];
    uint8_t m[512], buf[M2M_MAX], pt[512];
    size_t mlen = sizeof(m), ptlen = sizeof(pt);
    struct kwc_msg_info info;
    long n;

    snprintf(text, sizeof(text), "%s #%lu: %.1f C", s->name, seq,
             18.0 + (double)(rand_r(&s->seed) % 80) / 10.0);
    if (kwc_assoc_seal(s->c, s->assoc, (const uint8_t *)text, strlen(text), m,
                       &mlen, &info) != KWC_OK) {
        m2m_log(s->name, "keywardd refused SealMessage: %s", kwc_error(s->c));
        return false;
    }
    s->sealed++;
    if (info.key_updated) {
        s->updates++;
        if (s->verbose)
            m2m_log(s->name,
                    "keywardd updated the keys (interval reached): reading "
                    "#%lu is the first of epoch %u, the gateway follows it",
                    seq, info.epoch);
    }
    *rehs = info.rehandshake_advised;
    if (s->tamper && seq == 3) { /* what an attacker on the path might do */
        m[mlen - 2] ^= 0x20;
        m2m_send(s->fd, NULL, M2M_PROTECTED, m, mlen); /* modified */
        m[mlen - 2] ^= 0x20;
        m2m_send(s->fd, NULL, M2M_PROTECTED, m, mlen);
        m2m_send(s->fd, NULL, M2M_PROTECTED, m, mlen); /* replayed */
        m2m_log(s->name, "(test) reading #3 also went out modified (before "
                         "it) and replayed (after it)");
    } else {
        m2m_send(s->fd, NULL, M2M_PROTECTED, m, mlen);
    }
    n = m2m_recv(s->fd, buf, sizeof(buf), NULL, 1000);
    if (n >= 2 && buf[0] == M2M_HANDSHAKE) {
        /* An EDHOC error message: the gateway refused our message_3 (the
         * initiator has no key confirmation until its first answer). */
        if (kwc_assoc_continue(s->c, s->assoc, buf + 1, (size_t)n - 1, NULL, 0,
                               s->step) == KWC_OK &&
            s->step->state == KWC_HS_FAILED) {
            m2m_log(s->name, "the gateway refused the association: %s",
                    s->step->reason);
            return false;
        }
    }
    if (n < 2 || buf[0] != M2M_PROTECTED ||
        kwc_assoc_open(s->c, s->assoc, buf + 1, (size_t)n - 1, pt, &ptlen,
                       NULL) != KWC_OK) {
        s->lost++;
        return true;
    }
    s->acked++;
    if (s->verbose && seq <= 2)
        m2m_log(s->name, "sent \"%s\", gateway answered \"%.*s\"", text,
                (int)ptlen, (const char *)pt);
    return true;
}

static void *run(void *arg)
{
    struct sensor *s = arg;
    struct sockaddr_in any = {.sin_family = AF_INET};
    double end;
    bool rehs = false, rehandshaken = false;

    nap_ms(rand_r(&s->seed) % 1000); /* sensors do not all wake at once */
    s->rc = 1;
    s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&any, sizeof(any)) != 0 ||
        connect(s->fd, (struct sockaddr *)&opt.gateway, sizeof(opt.gateway)) !=
            0 ||
        kwc_connect(opt.socket, &s->c) != KWC_OK || !handshake(s))
        return NULL;
    end = m2m_now() + opt.duration;
    for (unsigned long seq = 1; m2m_now() < end; seq++) {
        if (!reading(s, seq, &rehs))
            return NULL;
        if (rehs && !rehandshaken) { /* once, as keywardd advised */
            uint8_t old[KWC_HANDLE_LEN];
            memcpy(old, s->assoc, sizeof(old));
            if (s->verbose)
                m2m_log(s->name,
                        "keywardd advises a new handshake "
                        "(rehandshake_interval): fresh ephemeral keys");
            if (!handshake(s))
                return NULL;
            kwc_assoc_close(s->c, old);
            s->rehandshakes++;
            rehandshaken = true;
        }
        nap_ms(opt.interval_ms / 2 +
               (long)(rand_r(&s->seed) % (unsigned)(opt.interval_ms + 1)));
    }
    kwc_assoc_close(s->c, s->assoc);
    m2m_send(s->fd, NULL, M2M_BYE, (const uint8_t *)"", 0);
    if (s->verbose)
        m2m_log(s->name, "closed its association: keys wiped in keywardd");
    s->rc = 0;
    return NULL;
}

static int usage(FILE *f, int rc)
{
    fputs("Usage: kw-sensor --socket PATH --gateway HOST:PORT [--first K]\n"
          "                 [--count N] [--interval MS] [--duration S]\n"
          "                 [--watch NAME] [--tamper] [--prefix P]\n"
          "Demo sensors (ci/demo.sh): N threads, sensor-K .. sensor-(K+N-1),\n"
          "each with the keywardd identity of its name. Each associates with\n"
          "the gateway (EDHOC over UDP), sends a protected reading every MS\n"
          "ms (default 500) for S seconds (default 20), lets keywardd update\n"
          "keys on its interval, runs one new handshake when keywardd\n"
          "advises it, then closes. --tamper makes sensor K also send a\n"
          "replayed and a tampered reading. Logs every event of NAME\n"
          "(default sensor-01). Names start with P (default sensor-).\n",
          f);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"socket", 1, NULL, 's'},   {"gateway", 1, NULL, 'g'},
        {"first", 1, NULL, 'f'},    {"count", 1, NULL, 'n'},
        {"interval", 1, NULL, 'i'}, {"duration", 1, NULL, 'd'},
        {"watch", 1, NULL, 'w'},    {"tamper", 0, NULL, 't'},
        {"prefix", 1, NULL, 'x'},   {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    static struct sensor s[MAX_SENSORS];
    bool have_gw = false;
    int o, rc = 0;

    while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (o) {
        case 's':
            opt.socket = optarg;
            break;
        case 'g':
            have_gw = m2m_parse_addr(optarg, &opt.gateway);
            break;
        case 'f':
            opt.first = atoi(optarg);
            break;
        case 'n':
            opt.count = atoi(optarg);
            break;
        case 'i':
            opt.interval_ms = atoi(optarg);
            break;
        case 'd':
            opt.duration = atof(optarg);
            break;
        case 'w':
            opt.watch = optarg;
            break;
        case 't':
            opt.tamper = 1;
            break;
        case 'x':
            opt.prefix = optarg;
            break;
        case 'h':
            return usage(stdout, 0);
        default:
            return usage(stderr, 2);
        }
    }
    if (!have_gw || opt.socket == NULL || opt.count < 1 ||
        opt.count > MAX_SENSORS || opt.interval_ms < 1)
        return usage(stderr, 2);
    for (int i = 0; i < opt.count; i++) {
        s[i].seed = (unsigned)getpid() * 7919u + (unsigned)i;
        s[i].tamper = opt.tamper && i == 0;
        snprintf(s[i].name, sizeof(s[i].name), "%s%02d", opt.prefix,
                 opt.first + i);
        s[i].verbose = strcmp(s[i].name, opt.watch) == 0;
        if ((s[i].step = calloc(1, sizeof(*s[i].step))) == NULL ||
            pthread_create(&s[i].th, NULL, run, &s[i]) != 0)
            return 1;
    }
    for (int i = 0; i < opt.count; i++) {
        pthread_join(s[i].th, NULL);
        rc |= s[i].rc;
        m2m_log(s[i].name,
                "summary: %lu readings sealed, %lu acks opened, "
                "%lu lost, %lu key updates, %lu re-handshake%s",
                s[i].sealed, s[i].acked, s[i].lost, s[i].updates,
                s[i].rehandshakes, s[i].rehandshakes == 1 ? "" : "s");
        kwc_free(s[i].c);
        free(s[i].step);
        if (s[i].fd > 0)
            close(s[i].fd);
    }
    return rc;
}
