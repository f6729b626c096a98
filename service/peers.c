/* SPDX-License-Identifier: Apache-2.0 */
/* peers.c: the kernel-reported identity (SO_PEERCRED) of each accepted
 * connection, looked up by fd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "svc.h"

struct peer {
    bool used;
    ino_t ino;
    dev_t dev;
    struct svc_caller who;
};

static pthread_rwlock_t peers_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct peer *peers;
static size_t npeers;

int svc_peers_init(void)
{
    struct rlimit rl;
    npeers = 4096;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        npeers = rl.rlim_cur < 65536 ? (size_t)rl.rlim_cur : 65536;
    peers = calloc(npeers, sizeof(*peers));
    return peers != NULL ? 0 : -1;
}

void svc_peers_cleanup(void)
{
    free(peers);
    peers = NULL;
    npeers = 0;
}

int svc_peers_add(int fd)
{
    struct peer p = {.used = true};
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct stat sb;
    gid_t groups[SVC_MAX_GROUPS];

    if (fd < 0 || (size_t)fd >= npeers)
        return -EMFILE;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        fstat(fd, &sb) != 0)
        return -errno;
    p.who.uid = cred.uid;
    p.who.gid = cred.gid;
    p.who.pid = cred.pid;
    len = sizeof(groups);
    /* Supplementary groups for gid rules; absent on old kernels. */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
        p.who.ngroups = (int)(len / sizeof(gid_t));
        memcpy(p.who.groups, groups, len);
    }
    p.ino = sb.st_ino;
    p.dev = sb.st_dev;
    pthread_rwlock_wrlock(&peers_lock);
    peers[fd] = p;
    pthread_rwlock_unlock(&peers_lock);
    return 0;
}

bool svc_peers_lookup(const char *peer, struct svc_caller *who)
{
    char *end;
    long fd;
    struct stat sb;
    bool ok = false;

    /* gRPC names a channel made from an fd "fd:N". A live call keeps its
     * fd open, so N cannot have been reused; the inode check guards the
     * assumption. */
    if (peer == NULL || strncmp(peer, "fd:", 3) != 0)
        return false;
    errno = 0;
    fd = strtol(peer + 3, &end, 10);
    if (errno != 0 || *end != '\0' || fd < 0 || (size_t)fd >= npeers ||
        fstat((int)fd, &sb) != 0)
        return false;
    pthread_rwlock_rdlock(&peers_lock);
    if (peers[fd].used && peers[fd].ino == sb.st_ino &&
        peers[fd].dev == sb.st_dev) {
        *who = peers[fd].who;
        ok = true;
    }
    pthread_rwlock_unlock(&peers_lock);
    return ok;
}
