// glibc declares these two only with _GNU_SOURCE, which Swift's Glibc module does not see.
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "cspawn.h"

int desk_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int desk_spawn_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
