#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include "CSpawnShim.h"

int hedgeops_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int hedgeops_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int hedgeops_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int hedgeops_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}

short hedgeops_spawn_setsid_flag(void) {
    return POSIX_SPAWN_SETSID;
}

static volatile int hedgeops_signal_fd = -1;

static void hedgeops_signal_handler(int signo) {
    int saved = errno;
    unsigned char byte = (unsigned char)signo;
    if (hedgeops_signal_fd >= 0) {
        ssize_t written = write(hedgeops_signal_fd, &byte, 1);
        (void)written;
    }
    errno = saved;
}

int hedgeops_signal_to_pipe(int signo, int fd) {
    hedgeops_signal_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = hedgeops_signal_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(signo, &action, NULL);
}

int hedgeops_swap_in_use(void) {
    struct sysinfo info;
    if (sysinfo(&info) != 0) return -1;
    return info.totalswap != info.freeswap ? 1 : 0;
}

int hedgeops_open_directory_path(const char *path) {
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}
