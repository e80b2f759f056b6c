#ifndef DESK_CSPAWN_H
#define DESK_CSPAWN_H

#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close on exec, so no other child started meanwhile inherits them.
int desk_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `from` up.
int desk_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);

#endif
