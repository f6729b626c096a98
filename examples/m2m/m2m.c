/* SPDX-License-Identifier: Apache-2.0 */
/* m2m.c: what the demo gateway and sensors share: the datagram framing on
 * UDP and the timeline log. */
#include "m2m.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double t0;
static pthread_once_t t0_once = PTHREAD_ONCE_INIT;

static void t0_init(void)
{
    const char *e = getenv("M2M_T0");
    t0 = e != NULL ? atof(e) / 1000.0 : wall();
}

double m2m_now(void)
{
    pthread_once(&t0_once, t0_init);
    return wall() - t0;
}

void m2m_log(const char *who, const char *fmt, ...)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    printf("T+%07.3f  %-12s %s\n", m2m_now(), who, text);
    fflush(stdout);
    pthread_mutex_unlock(&lock);
}

int m2m_send(int fd, const struct sockaddr_in *addr, char type,
             const uint8_t *p, size_t len)
{
    uint8_t buf[M2M_MAX];

    if (len + 1 > sizeof(buf))
        return -1;
    buf[0] = (uint8_t)type;
    memcpy(buf + 1, p, len);
    return sendto(fd, buf, len + 1, 0, (const struct sockaddr *)addr,
                  addr != NULL ? sizeof(*addr) : 0) == (ssize_t)(len + 1)
               ? 0
               : -1;
}

long m2m_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from,
              int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    socklen_t fl = sizeof(*from);
    ssize_t n;

    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -1;
    n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)from,
                 from != NULL ? &fl : NULL);
    return n > 0 ? (long)n : -1;
}

bool m2m_parse_addr(const char *s, struct sockaddr_in *addr)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    size_t hl = colon != NULL ? (size_t)(colon - s) : 0;

    memset(addr, 0, sizeof(*addr));
    if (colon == NULL || hl == 0 || hl >= sizeof(host))
        return false;
    memcpy(host, s, hl);
    host[hl] = '\0';
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, host, &addr->sin_addr) == 1 &&
           addr->sin_port != 0;
}
