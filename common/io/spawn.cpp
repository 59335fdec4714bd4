#include "common/io/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>

#include <csignal>

namespace regcred::io {

struct Spawn::Impl {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
};

Spawn::Spawn() : impl_(std::make_unique<Impl>()) {
  posix_spawn_file_actions_init(&impl_->actions);
  posix_spawnattr_init(&impl_->attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&impl_->attr, &defaults);
  posix_spawnattr_setflags(&impl_->attr, POSIX_SPAWN_SETSIGDEF);
}

Spawn::~Spawn() {
  posix_spawn_file_actions_destroy(&impl_->actions);
  posix_spawnattr_destroy(&impl_->attr);
}

Spawn& Spawn::dup2(int from, int to) {
  posix_spawn_file_actions_adddup2(&impl_->actions, from, to);
  return *this;
}

Spawn& Spawn::open_read(int to, const char* path) {
  posix_spawn_file_actions_addopen(&impl_->actions, to, path, O_RDONLY, 0);
  return *this;
}

int Spawn::start(pid_t& pid, bool search_path, const std::vector<char*>& argv, char* const* envp) {
  // Last: the descriptors above were moved to 0-2 first.
  posix_spawn_file_actions_addclosefrom_np(&impl_->actions, 3);
  return search_path
             ? ::posix_spawnp(&pid, argv[0], &impl_->actions, &impl_->attr, argv.data(), envp)
             : ::posix_spawn(&pid, argv[0], &impl_->actions, &impl_->attr, argv.data(), envp);
}

}  // namespace regcred::io
