/* SPDX-License-Identifier: Apache-2.0 */
/* m2m.h: what the demo gateway and sensors share: the datagram framing on
 * UDP and the timeline log. */
#ifndef KEYWARD_M2M_H
#define KEYWARD_M2M_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One UDP datagram carries one message, after a type byte. The payloads
 * are opaque to the applications: keywardd builds and checks them.
 *   'H'  an EDHOC message (message_1, _2, _3 or an error message)
 *   'P'  a protected message (docs/PROTECTED-MESSAGES.md)
 *   'B'  goodbye: the sender closed its association
 * A gateway tells sensors apart by their UDP address during a handshake,
 * and by the kid of each protected message afterwards.
 */
#define M2M_HANDSHAKE 'H'
#define M2M_PROTECTED 'P'
#define M2M_BYE       'B'
#define M2M_MAX       (16 * 1024 + 64)

/* "T+12.345  who  text" on stdout, seconds since $M2M_T0 (milliseconds
 * since the epoch, shared by every process of a run) or since the start. */
void m2m_log(const char *who, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Sends type + payload to addr on fd (connected when addr is NULL). */
int m2m_send(int fd, const struct sockaddr_in *addr, char type,
             const uint8_t *p, size_t len);
/* Receives one datagram within timeout_ms (-1: wait); returns its length
 * (type byte included) or -1 on timeout or error. */
long m2m_recv(int fd, uint8_t *buf, size_t cap, struct sockaddr_in *from,
              int timeout_ms);
/* "127.0.0.1:5683" into addr. */
bool m2m_parse_addr(const char *s, struct sockaddr_in *addr);
double m2m_now(void);

#endif
