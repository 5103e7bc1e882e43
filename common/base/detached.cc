#include "common/base/detached.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace oneipfs {

Status StartDetached(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/')
    return Status::Invalid("a detached program needs an absolute path");
  if (::access(argv[0].c_str(), X_OK) != 0)
    return Status::Io(fmt::format("cannot run {}: {}", argv[0], std::strerror(errno)));
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawnattr_t attr;
  if (posix_spawn_file_actions_init(&files) != 0) return Status::Io("cannot start a detached program");
  if (posix_spawnattr_init(&attr) != 0) {
    posix_spawn_file_actions_destroy(&files);
    return Status::Io("cannot start a detached program");
  }
  int rc = 0;
  for (int fd = 0; fd <= 2 && rc == 0; ++fd)
    rc = posix_spawn_file_actions_addopen(&files, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&files, 3);
  if (rc == 0) rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawn(&pid, args[0], &files, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) return Status::Io(fmt::format("cannot start {}: {}", argv[0], std::strerror(rc)));
  return Status::Ok();
}

}  // namespace oneipfs
