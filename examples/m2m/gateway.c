/* SPDX-License-Identifier: Apache-2.0 */
/* gateway.c: the demo gateway: answers sensors' EDHOC handshakes over UDP
 * through its keywardd, opens their protected readings and acknowledges
 * them. It never holds a key: keywardd does the cryptography. */
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keyward-client.h"
#include "m2m.h"

#define MAX_PEERS 20000

struct peer {
    struct sockaddr_in addr;
    uint8_t pending[KWC_HANDLE_LEN]; /* handshake in progress */
    uint8_t assoc[KWC_HANDLE_LEN];   /* established association */
    bool has_pending, has_assoc;
    char name[48];
    unsigned long opened; /* in the current association */
};

static struct {
    const char *socket, *identity, *port_file, *watch;
    int port;
} opt = {.identity = "gateway", .watch = "sensor-01"};

static struct peer *peers;
static size_t npeers;
static kwc *C;
static struct kwc_hs_step *step;
static volatile sig_atomic_t done;
static unsigned long n_hs, n_rehs, n_opened, n_updates, n_rejected, n_failed;

static void on_term(int sig)
{
    (void)sig;
    done = 1;
}

static bool same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_port == b->sin_port &&
           a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static struct peer *peer_at(const struct sockaddr_in *a)
{
    for (size_t i = 0; i < npeers; i++)
        if (same_addr(&peers[i].addr, a))
            return &peers[i];
    if (npeers == MAX_PEERS)
        return NULL;
    memset(&peers[npeers], 0, sizeof(peers[npeers]));
    peers[npeers].addr = *a;
    snprintf(peers[npeers].name, sizeof(peers[npeers].name), "port %u",
             ntohs(a->sin_port));
    return &peers[npeers++];
}

static struct peer *peer_by_handle(const uint8_t *h)
{
    for (size_t i = 0; i < npeers; i++)
        if (peers[i].has_assoc &&
            memcmp(peers[i].assoc, h, KWC_HANDLE_LEN) == 0)
            return &peers[i];
    return NULL;
}

/* "sensor-07" out of "CN=sensor-07,O=Keyward Demo". */
static void short_name(const char *subject, char *out, size_t len)
{
    const char *cn = strstr(subject, "CN=");
    size_t n;
    cn = cn != NULL ? cn + 3 : subject;
    n = strcspn(cn, ",");
    if (n >= len)
        n = len - 1;
    memcpy(out, cn, n);
    out[n] = '\0';
}

static bool watched(const struct peer *p)
{
    return strcmp(p->name, opt.watch) == 0;
}

static void established(int fd, struct peer *p)
{
    char name[48];
    bool again = p->has_assoc;

    short_name(step->peer.subject, name, sizeof(name));
    if (again) { /* the peer ran a new handshake: the old keys go */
        kwc_assoc_close(C, p->assoc);
        n_rehs++;
    }
    /* the same peer from a new UDP port: forget its old record */
    for (size_t i = 0; i < npeers; i++)
        if (&peers[i] != p && peers[i].has_assoc &&
            strcmp(peers[i].name, name) == 0) {
            kwc_assoc_close(C, peers[i].assoc);
            peers[i].has_assoc = false;
            again = true;
            n_rehs++;
        }
    memcpy(p->assoc, step->handle, KWC_HANDLE_LEN);
    p->has_assoc = true;
    p->has_pending = false;
    p->opened = 0;
    snprintf(p->name, sizeof(p->name), "%s", name);
    n_hs++;
    if (watched(p) || npeers <= 3)
        m2m_log("gateway", "%s with %s (method %u, suite %u)%s",
                again ? "re-handshake" : "associated", step->peer.subject,
                step->method, step->suite,
                again ? ": old association closed, its keys wiped" : "");
    if (step->message_len > 0)
        m2m_send(fd, &p->addr, M2M_HANDSHAKE, step->message, step->message_len);
}

static void on_handshake(int fd, struct peer *p, const uint8_t *m, size_t len)
{
    int rc;

    if (p->has_pending) {
        rc = kwc_assoc_continue(C, p->pending, m, len, NULL, 0, step);
        if (rc == KWC_OK && step->state == KWC_HS_FAILED &&
            step->failure == KWC_HS_MALFORMED) /* a new message_1 */
            p->has_pending = false;
        else if (rc != KWC_OK)
            p->has_pending = false;
    }
    if (!p->has_pending) {
        rc = kwc_assoc_accept(C, opt.identity, m, len, NULL, 0, step);
        if (rc != KWC_OK) {
            m2m_log("gateway", "keywardd refused AcceptAssociation: %s",
                    kwc_error(C));
            return;
        }
    }
    switch (step->state) {
    case KWC_HS_IN_PROGRESS:
        memcpy(p->pending, step->handle, KWC_HANDLE_LEN);
        p->has_pending = true;
        m2m_send(fd, &p->addr, M2M_HANDSHAKE, step->message, step->message_len);
        break;
    case KWC_HS_ESTABLISHED:
        established(fd, p);
        break;
    default:
        p->has_pending = false;
        n_failed++;
        m2m_log("gateway", "handshake from %s refused: %s", p->name,
                step->reason);
        if (step->message_len > 0) /* the EDHOC error message */
            m2m_send(fd, &p->addr, M2M_HANDSHAKE, step->message,
                     step->message_len);
    }
}

static void on_protected(int fd, struct peer *from, const uint8_t *m,
                         size_t len)
{
    uint8_t pt[KWC_MAX_PLAINTEXT], out[KWC_MAX_PROTECTED];
    char ack[96];
    size_t ptlen = sizeof(pt), outlen = sizeof(out);
    struct kwc_msg_info info;
    struct peer *p;

    /* no handle: keywardd finds the association by the message's kid */
    if (kwc_assoc_open(C, NULL, m, len, pt, &ptlen, &info) != KWC_OK) {
        n_rejected++;
        m2m_log("gateway", "REJECTED a message from %s: %s", from->name,
                kwc_error(C));
        return;
    }
    n_opened++;
    p = peer_by_handle(info.handle);
    if (p == NULL)
        p = from;
    p->addr = from->addr;
    if (info.key_updated) {
        n_updates++;
        if (watched(p))
            m2m_log("gateway",
                    "%s updated its keys: followed to epoch %u "
                    "(no round trip)",
                    p->name, info.epoch);
    }
    /* the first two readings of each association, and key updates */
    if (watched(p) && (++p->opened <= 2 || info.key_updated))
        m2m_log("gateway", "opened from %s: \"%.*s\"", info.peer.subject,
                (int)ptlen, (const char *)pt);
    snprintf(ack, sizeof(ack), "ack %.*s", (int)(ptlen < 40 ? ptlen : 40),
             (const char *)pt);
    if (kwc_assoc_seal(C, info.handle, (const uint8_t *)ack, strlen(ack), out,
                       &outlen, NULL) == KWC_OK)
        m2m_send(fd, &from->addr, M2M_PROTECTED, out, outlen);
}

static void status(void)
{
    size_t live = 0;
    for (size_t i = 0; i < npeers; i++)
        live += peers[i].has_assoc;
    m2m_log("gateway",
            "status: %zu associations, %lu handshakes, %lu readings "
            "opened, %lu key updates followed, %lu rejected",
            live, n_hs, n_opened, n_updates, n_rejected);
}

static int usage(FILE *f, int rc)
{
    fputs("Usage: kw-gateway --socket PATH [--identity NAME] [--port N]\n"
          "                  [--port-file FILE] [--watch PEER]\n"
          "The demo gateway (ci/demo.sh): answers EDHOC handshakes from\n"
          "sensors on UDP 127.0.0.1:PORT through keywardd at PATH with the\n"
          "local identity NAME (default gateway), opens their protected\n"
          "readings and acknowledges each. --port 0 picks a free port and\n"
          "writes it to FILE. Logs every event of PEER (default sensor-01)\n"
          "and a status line every 2 s. SIGTERM closes everything.\n",
          f);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"socket", 1, NULL, 's'}, {"identity", 1, NULL, 'i'},
        {"port", 1, NULL, 'p'},   {"port-file", 1, NULL, 'f'},
        {"watch", 1, NULL, 'w'},  {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct sockaddr_in addr = {.sin_family = AF_INET};
    socklen_t al = sizeof(addr);
    uint8_t buf[M2M_MAX];
    double last = 0;
    int o, fd;

    while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (o) {
        case 's':
            opt.socket = optarg;
            break;
        case 'i':
            opt.identity = optarg;
            break;
        case 'p':
            opt.port = atoi(optarg);
            break;
        case 'f':
            opt.port_file = optarg;
            break;
        case 'w':
            opt.watch = optarg;
            break;
        case 'h':
            return usage(stdout, 0);
        default:
            return usage(stderr, 2);
        }
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    peers = calloc(MAX_PEERS, sizeof(*peers));
    step = calloc(1, sizeof(*step));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)opt.port);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (peers == NULL || step == NULL || fd < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &al) != 0) {
        perror("kw-gateway: UDP socket");
        return 1;
    }
    if (kwc_connect(opt.socket, &C) != KWC_OK) {
        fprintf(stderr, "kw-gateway: %s\n", kwc_error(C));
        return 1;
    }
    if (opt.port_file != NULL) {
        FILE *f = fopen(opt.port_file, "we");
        if (f == NULL) {
            perror(opt.port_file);
            return 1;
        }
        fprintf(f, "%u\n", ntohs(addr.sin_port));
        fclose(f);
    }
    m2m_log("gateway",
            "listening on udp 127.0.0.1:%u as uid %u, identity "
            "'%s' in keywardd %s",
            ntohs(addr.sin_port), (unsigned)getuid(), opt.identity, opt.socket);
    while (!done) {
        struct sockaddr_in from;
        long n = m2m_recv(fd, buf, sizeof(buf), &from, 200);
        struct peer *p;

        if (m2m_now() - last >= 2.0) {
            if (last > 0)
                status();
            last = m2m_now();
        }
        if (n < 2 || (p = peer_at(&from)) == NULL)
            continue;
        if (buf[0] == M2M_HANDSHAKE)
            on_handshake(fd, p, buf + 1, (size_t)n - 1);
        else if (buf[0] == M2M_PROTECTED)
            on_protected(fd, p, buf + 1, (size_t)n - 1);
        else if (buf[0] == M2M_BYE && p->has_assoc) {
            kwc_assoc_close(C, p->assoc);
            p->has_assoc = false;
        }
    }
    status();
    for (size_t i = 0; i < npeers; i++)
        if (peers[i].has_assoc)
            kwc_assoc_close(C, peers[i].assoc);
    m2m_log("gateway",
            "summary: %lu handshakes (%lu re-handshakes), %lu "
            "readings opened, %lu key updates followed, %lu messages "
            "rejected, %lu handshakes refused",
            n_hs, n_rehs, n_opened, n_updates, n_rejected, n_failed);
    kwc_free(C);
    free(step);
    free(peers);
    close(fd);
    return 0;
}
