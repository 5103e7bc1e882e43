#include "common/base/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

namespace oneipfs {
namespace {

bool PrivateDir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) return false;
  return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

}  // namespace

int OpenLockFile(const std::string& path) {
  return open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

std::string SourceLockDir() {
  if (const char* run = std::getenv("XDG_RUNTIME_DIR"); run && run[0] == '/') {
    std::string dir = std::string(run) + "/one-ipfs";
    if (PrivateDir(dir)) return dir;
  }
  std::string dir = fmt::format("/tmp/one-ipfs-{}", geteuid());
  return PrivateDir(dir) ? dir : std::string();
}

}  // namespace oneipfs
