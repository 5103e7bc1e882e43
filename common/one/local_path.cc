#include "common/one/local_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "common/base/text.h"

namespace oneipfs {
namespace {

constexpr int kOpenFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// realpath() of `p` when it resolves; else `p` without trailing slashes.
std::string Normalise(std::string p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf)) return buf;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// Why an open of `path` failed, as a Status naming it.
Status OpenError(int err, const std::string& path) {
  if (err == ELOOP)
    return Status::Invalid(fmt::format("'{}' changed while it was checked (a symlink appeared in its path)", path));
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(fmt::format("cannot access '{}': no such file", path));
  if (err == EACCES || err == EPERM) return Status::Invalid(fmt::format("'{}' is not readable", path));
  if (err == EINVAL) return Status::Invalid(fmt::format("'{}' has a '.' or '..' component", path));
  return Status::Io(fmt::format("cannot open '{}': {}", path, std::strerror(err)));
}

// The O_NOFOLLOW walk: each directory opened with O_PATH | O_NOFOLLOW
// relative to the one before (a symlink is then opened as itself) and
// checked to be a directory, the last component opened with O_NOFOLLOW.
// -1 and errno ELOOP when a component is a symlink.
int WalkNoSymlinks(const std::vector<std::string>& parts) {
  int dir = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return -1;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = ::openat(dir, parts[i].c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    ::close(dir);
    struct stat st {};
    if (next >= 0 && (::fstat(next, &st) != 0 || !S_ISDIR(st.st_mode))) {
      err = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
      ::close(next);
      next = -1;
    }
    if (next < 0) {
      errno = err;
      return -1;
    }
    dir = next;
  }
  int fd = ::openat(dir, parts.back().c_str(), kOpenFlags | O_NOFOLLOW);
  int err = errno;
  ::close(dir);
  errno = err;
  return fd;
}

// OpenNoSymlinks with the failure as an errno: -1 and errno set.
int OpenNoSymlinksRaw(const std::string& path, NoFollowOpen how) {
  std::vector<std::string> parts;
  for (const auto& part : Split(path, '/')) {
    if (part.empty()) continue;
    if (part == "." || part == "..") {
      errno = EINVAL;
      return -1;
    }
    parts.push_back(part);
  }
  if (path.empty() || path[0] != '/' || parts.empty()) {
    errno = EINVAL;
    return -1;
  }
  if (how == NoFollowOpen::kAuto) {
    open_how oh{};
    oh.flags = kOpenFlags;
    oh.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = ::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &oh, sizeof oh);
    if (fd >= 0) return static_cast<int>(fd);
    // No openat2 (Linux < 5.6, or a seccomp filter that does not know it): walk.
    if (errno != ENOSYS && errno != EPERM) return -1;
  }
  return WalkNoSymlinks(parts);
}

}  // namespace

bool PathIsUnder(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return !path.empty() && path[0] == '/';
  if (path.size() < dir.size() || path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

Result<int> OpenNoSymlinks(const std::string& path, NoFollowOpen how) {
  if (path.empty() || path[0] != '/') return Status::Invalid(fmt::format("'{}' is not an absolute path", path));
  int fd = OpenNoSymlinksRaw(path, how);
  if (fd < 0) return OpenError(errno, path);
  return fd;
}

LocalFile::LocalFile(LocalFile&& o) noexcept : fd_(o.fd_), real_path_(std::move(o.real_path_)), size_(o.size_) {
  o.fd_ = -1;
}

LocalFile& LocalFile::operator=(LocalFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    real_path_ = std::move(o.real_path_);
    size_ = o.size_;
    o.fd_ = -1;
  }
  return *this;
}

LocalFile::~LocalFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::string> LocalFile::ReadAt(std::uint64_t offset, std::size_t n) const {
  std::string buf(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, buf.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::Io(fmt::format("read error on '{}': {}", real_path_, std::strerror(errno)));
    }
    got += static_cast<std::size_t>(r);
  }
  buf.resize(got);
  return buf;
}

LocalPathPolicy LocalPathPolicyFor(const Config& config) {
  LocalPathPolicy p;
  p.restricted_dirs = config.Get("RESTRICTED_DIRS");
  p.safe_dirs = config.Get("SAFE_DIRS");
  if (const char* h = std::getenv("HOME")) p.home = h;
  if (const char* l = std::getenv("ONE_LOCATION")) p.one_location = l;
  std::string conf = DefaultConfPath(std::getenv);
  if (!conf.empty()) p.restricted_files.push_back(std::move(conf));
  return p;
}

std::vector<std::string> AlwaysRestricted(const LocalPathPolicy& p) {
  std::vector<std::string> out = {"/var/lib/one", "/etc/one"};
  if (!p.one_location.empty() && p.one_location[0] == '/') {
    out.push_back(p.one_location + "/var");
    out.push_back(p.one_location + "/etc");
  }
  if (!p.home.empty()) out.push_back(p.home);
  return out;
}

Result<LocalFile> OpenLocalImage(std::string_view path, const LocalPathPolicy& policy) {
  std::string p(path);
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(fmt::format("cannot access '{}': no such file", p));
    return Status::Invalid(fmt::format("cannot access '{}': {}", p, std::strerror(errno)));
  }
  std::string real = buf;

  // The driver's own settings (IPFS_API_AUTH) are never an image, whatever SAFE_DIRS says.
  for (const auto& f : policy.restricted_files)
    if (PathIsUnder(real, Normalise(f)))
      return Status::Invalid(fmt::format("'{}' is the drivers' own configuration ({}), never an image", p, f));
  bool safe = false;
  for (const auto& d : SplitWords(policy.safe_dirs))
    if (PathIsUnder(real, Normalise(d))) safe = true;
  if (!safe) {
    std::vector<std::string> restricted = SplitWords(policy.restricted_dirs);
    for (auto& d : AlwaysRestricted(policy)) restricted.push_back(std::move(d));
    for (const auto& d : restricted)
      if (PathIsUnder(real, Normalise(d)))
        return Status::Invalid(fmt::format(
            "'{}' is in a restricted directory ({}); add its directory to the datastore's SAFE_DIRS to allow it",
            p, d));
  }
  if (policy.before_open) policy.before_open();

  // `real` has no symlink in it: a component that is one now was swapped in.
  int fd = OpenNoSymlinksRaw(real, NoFollowOpen::kAuto);
  if (fd < 0) return OpenError(errno, p);
  LocalFile file(fd, real, 0);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::Io(fmt::format("cannot stat '{}': {}", p, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return Status::Invalid(fmt::format("'{}' is not a regular file", p));
  // Reads block as usual from here on (O_NONBLOCK only kept a FIFO from blocking the open).
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  file.set_size(static_cast<std::uint64_t>(st.st_size));
  return file;
}

}  // namespace oneipfs
