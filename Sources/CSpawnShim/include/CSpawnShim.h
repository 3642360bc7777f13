#ifndef HEDGEOPS_CSPAWNSHIM_H
#define HEDGEOPS_CSPAWNSHIM_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc >= 2.29) does not import into
/// Swift: the child's working directory is set through this wrapper.
int hedgeops_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34): the child
/// inherits stdin, stdout and stderr only, never another thread's pipe or
/// the journal's descriptor.
int hedgeops_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// prctl(PR_SET_CHILD_SUBREAPER, 1), which is variadic in glibc: a process the
/// executor double-forks is reparented to hedgeops, not to PID 1, so it stays
/// in the measured tree. Returns 0, or -1 with errno.
int hedgeops_become_subreaper(void);
/// The user id of the process at the other end of a Unix socket
/// (SO_PEERCRED, whose struct needs _GNU_SOURCE). Returns 0, or -1 with errno.
int hedgeops_peer_uid(int fd, unsigned int *uid);
/// POSIX_SPAWN_SETSID (glibc >= 2.26), a macro Swift does not import.
short hedgeops_spawn_setsid_flag(void);
/// Catches `signo` with a handler that writes its number, one byte, to `fd`
/// (the write end of a non-blocking pipe; every caught signal shares it):
/// async-signal-safe, and in force when this returns. Returns 0, or -1 with errno.
int hedgeops_signal_to_pipe(int signo, int fd);
/// 1 when the machine has swap space in use, 0 when none is (no process can
/// then have any swapped out), -1 with errno when sysinfo(2) fails.
int hedgeops_swap_in_use(void);
/// Opens `path` as a directory with O_PATH (a macro of _GNU_SOURCE Swift does
/// not import): a handle to `fstat` without reading the directory or walking
/// its path again. Close-on-exec. Returns the descriptor, or -1 with errno.
int hedgeops_open_directory_path(const char *path);
#endif
