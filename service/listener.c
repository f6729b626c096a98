/* SPDX-License-Identifier: Apache-2.0 */
/* listener.c: owns the unix socket (own or systemd-activated), accepts, records
 * peer credentials, hands fds on. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "svc.h"

struct svc_listener {
    int fd;
    int wake[2];
    bool activated; /* from systemd: not ours to unlink */
    char *path;
    pthread_t thread;
    svc_adopt_fn adopt;
    void *arg;
};

static int make_socket(const struct svc_config *cfg, int *out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg->socket_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    /* A stale socket from a previous run would make bind() fail. */
    if (unlink(cfg->socket_path) != 0 && errno != ENOENT) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        chmod(cfg->socket_path, cfg->socket_mode) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    if (cfg->socket_group != NULL) {
        struct group gr, *res = NULL;
        char buf[4096];
        if (getgrnam_r(cfg->socket_group, &gr, buf, sizeof(buf), &res) != 0 ||
            res == NULL) {
            svc_log("unknown socket group '%s'", cfg->socket_group);
            close(fd);
            unlink(cfg->socket_path);
            return -ENOENT;
        }
        if (chown(cfg->socket_path, (uid_t)-1, res->gr_gid) != 0) {
            int e = errno;
            close(fd);
            unlink(cfg->socket_path);
            return -e;
        }
    }
    if (listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        unlink(cfg->socket_path);
        return -e;
    }
    *out = fd;
    return 0;
}

static void *accept_loop(void *arg)
{
    struct svc_listener *l = arg;
    struct pollfd pf[2] = {{.fd = l->fd, .events = POLLIN},
                           {.fd = l->wake[0], .events = POLLIN}};
    for (;;) {
        int fd;
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            svc_log("poll: %s", strerror(errno));
            break;
        }
        if (pf[1].revents)
            break;
        /* NONBLOCK is mandatory: gRPC hangs on a blocking fd. */
        fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                svc_log("accept: %s", strerror(errno));
                if (errno == EMFILE || errno == ENFILE)
                    poll(NULL, 0, 100); /* let connections close */
            }
            continue;
        }
        if (svc_peers_add(fd) != 0) {
            svc_log("refusing a connection: no peer credentials");
            close(fd);
            continue;
        }
        l->adopt(l->arg, fd); /* gRPC owns fd from here on */
    }
    return NULL;
}

int svc_listener_start(const struct svc_config *cfg, svc_adopt_fn adopt,
                       void *arg, struct svc_listener **out)
{
    struct svc_listener *l = calloc(1, sizeof(*l));
    int n, rc;

    if (l == NULL)
        return -ENOMEM;
    l->adopt = adopt;
    l->arg = arg;
    l->fd = -1;
    n = sd_listen_fds(1);
    if (n > 1) {
        svc_log("systemd passed %d sockets; expected one", n);
        free(l);
        return -EINVAL;
    }
    if (n == 1) {
        l->fd = SD_LISTEN_FDS_START;
        l->activated = true;
        if (sd_is_socket_unix(l->fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
            svc_log("the systemd socket is not a listening unix stream socket");
            free(l);
            return -EINVAL;
        }
        fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
        fcntl(l->fd, F_SETFD, FD_CLOEXEC);
    } else {
        rc = make_socket(cfg, &l->fd);
        if (rc < 0) {
            svc_log("cannot listen on %s: %s", cfg->socket_path, strerror(-rc));
            free(l);
            return rc;
        }
        l->path = strdup(cfg->socket_path);
    }
    if (pipe2(l->wake, O_CLOEXEC) != 0 ||
        pthread_create(&l->thread, NULL, accept_loop, l) != 0) {
        rc = -errno;
        close(l->fd);
        if (l->path)
            unlink(l->path);
        free(l->path);
        free(l);
        return rc;
    }
    *out = l;
    return 0;
}

const char *svc_listener_name(const struct svc_listener *l)
{
    return l->activated ? "the socket passed by systemd" : l->path;
}

void svc_listener_stop(struct svc_listener *l)
{
    if (l == NULL)
        return;
    (void)!write(l->wake[1], "x", 1);
    pthread_join(l->thread, NULL);
    close(l->wake[0]);
    close(l->wake[1]);
    close(l->fd);
    if (l->path != NULL)
        unlink(l->path);
    free(l->path);
    free(l);
}
