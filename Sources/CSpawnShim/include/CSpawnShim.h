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
#endif
