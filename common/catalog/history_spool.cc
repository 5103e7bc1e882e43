#include "common/catalog/history_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

std::string Errno() { return std::strerror(errno); }

// mkdir 0700 when missing; then it must be a real directory of ours that
// nobody else may enter.
Status OwnPrivateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Io(fmt::format("cannot create {}: {}", dir, Errno()));
  struct stat sb {};
  if (::lstat(dir.c_str(), &sb) != 0) return Status::Io(fmt::format("cannot stat {}: {}", dir, Errno()));
  if (!S_ISDIR(sb.st_mode)) return Status::Invalid(fmt::format("{} is not a directory", dir));
  if (sb.st_uid != ::geteuid()) return Status::Invalid(fmt::format("{} is owned by another user", dir));
  if ((sb.st_mode & 077) != 0)
    return Status::Invalid(fmt::format("{} is open to other users (mode {:o})", dir, sb.st_mode & 0777));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Io(Errno());
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

// Writes `path` through a temporary name and rename; fsync'd when `durable`.
Status ReplaceFile(const std::string& dir, const std::string& name, std::string_view text, bool durable) {
  static std::atomic<unsigned> counter{0};
  std::string tmp = fmt::format("{}/.tmp-{}-{}", dir, ::getpid(), counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Io(fmt::format("cannot write {}: {}", tmp, Errno()));
  Status st = WriteAll(fd, text);
  if (st.ok() && durable && ::fsync(fd) != 0) st = Status::Io(Errno());
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) st = Status::Io(Errno());
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return Status::Io(fmt::format("cannot write {}/{}: {}", dir, name, st.message()));
  }
  if (durable) {
    int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d >= 0) {
      (void)::fsync(d);
      ::close(d);
    }
  }
  return Status::Ok();
}

Result<std::string> ReadSmall(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return Status::Io(fmt::format("cannot read {}: {}", path, Errno()));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Status::Io(fmt::format("cannot read {}: {}", path, Errno()));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) {
      ::close(fd);
      return Status::Invalid(fmt::format("{} is larger than a spooled event can be", path));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

SpoolLock& SpoolLock::operator=(SpoolLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

SpoolLock::~SpoolLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

std::string EventSpool::DirFor(const std::string& root, std::string_view api, std::string_view chain_dir) {
  std::string id = fmt::format("{}\n{}", api, chain_dir);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), d);
  std::string hex;
  for (int i = 0; i < 8; ++i) hex += fmt::format("{:02x}", d[i]);
  return fmt::format("{}/{}", root, hex);
}

Result<EventSpool> EventSpool::Open(const std::string& root, std::string_view api, std::string_view chain_dir) {
  if (root.empty() || root[0] != '/')
    return Status::Invalid(fmt::format("the history spool '{}' is not an absolute path", root));
  RETURN_IF_ERROR(OwnPrivateDir(root));
  EventSpool spool(DirFor(root, api, chain_dir));
  RETURN_IF_ERROR(OwnPrivateDir(spool.dir_));
  std::string id = fmt::format("{}\n{}\n", api, chain_dir);
  auto known = ReadSmall(spool.dir_ + "/chain");
  if (!known.ok() || *known != id) RETURN_IF_ERROR(ReplaceFile(spool.dir_, "chain", id, false));
  return spool;
}

Result<std::vector<EventSpool>> EventSpool::ListForReading(const std::string& root) {
  std::vector<EventSpool> out;
  DIR* d = ::opendir(root.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return Status::Io(fmt::format("cannot list {}: {}", root, Errno()));
  }
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() == 16 && name.find_first_not_of("0123456789abcdef") == std::string::npos) names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    struct stat sb {};
    std::string dir = root + "/" + n;
    if (::lstat(dir.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) out.push_back(EventSpool(dir));
  }
  return out;
}

std::string EventSpool::ChainDir() const {
  auto text = ReadSmall(dir_ + "/chain");
  if (!text.ok()) return "";
  auto lines = Split(*text, '\n');
  return lines.size() >= 2 ? std::string(lines[1]) : "";
}

Result<SpoolLock> EventSpool::Lock(std::chrono::steady_clock::time_point deadline) const {
  std::string path = dir_ + "/lock";
  int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Io(fmt::format("cannot open {}: {}", path, Errno()));
  SpoolLock lock(fd);
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return lock;
    if (errno != EWOULDBLOCK && errno != EINTR) return Status::Io(fmt::format("cannot lock {}: {}", path, Errno()));
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::Timeout(fmt::format("{} stayed locked by another appender", path));
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

Result<std::vector<std::string>> EventSpool::Pending() const {
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return Status::Io(fmt::format("cannot list {}: {}", dir_, Errno()));
  std::vector<std::string> out;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.starts_with("e-")) out.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> EventSpool::Read(const std::string& name) const { return ReadSmall(dir_ + "/" + name); }

Result<std::string> EventSpool::Put(std::string_view text) const {
  static std::atomic<unsigned> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  std::string name = fmt::format("e-{:020}-{:010}-{:06}", ns.count(), ::getpid(), counter++ % 1000000);
  RETURN_IF_ERROR(ReplaceFile(dir_, name, text, true));
  return name;
}

Status EventSpool::Remove(const std::string& name) const {
  if (::unlink((dir_ + "/" + name).c_str()) != 0 && errno != ENOENT)
    return Status::Io(fmt::format("cannot remove {}/{}: {}", dir_, name, Errno()));
  return Status::Ok();
}

std::optional<SpooledHead> EventSpool::LoadHead() const {
  auto text = ReadSmall(dir_ + "/head");
  if (!text.ok()) return std::nullopt;
  auto words = SplitWords(*text);
  if (words.size() < 2) return std::nullopt;
  auto seq = ParseCount(words[0]);
  if (!seq) return std::nullopt;
  return SpooledHead{*seq, words[1], words.size() > 2 ? words[2] : ""};
}

Status EventSpool::SaveHead(const SpooledHead& head) const {
  return ReplaceFile(dir_, "head", fmt::format("{} {} {}\n", head.seq, head.cid, head.eid), false);
}

std::optional<EventSpool::FlushError> EventSpool::LastError() const {
  auto text = ReadSmall(dir_ + "/last-error");
  if (!text.ok()) return std::nullopt;
  std::string_view t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  auto sp = t.find(' ');
  FlushError e;
  auto time = ParseCount(t.substr(0, sp));
  e.time = time ? static_cast<std::int64_t>(*time) : 0;
  e.why = sp == std::string_view::npos ? "" : std::string(t.substr(sp + 1));
  return e;
}

Status EventSpool::SaveLastError(std::string_view why) const {
  std::string one_line(why);
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  return ReplaceFile(dir_, "last-error", fmt::format("{} {}\n", std::time(nullptr), one_line), false);
}

void EventSpool::ClearLastError() const { (void)::unlink((dir_ + "/last-error").c_str()); }

Result<EventSpool::Backlog> EventSpool::Waiting(std::int64_t now_ns) const {
  ASSIGN_OR_RETURN(auto pending, Pending());
  Backlog b;
  b.events = pending.size();
  if (!pending.empty()) {
    auto oldest = SpooledAtNs(pending.front());
    b.oldest_s = oldest && *oldest < now_ns ? (now_ns - *oldest) / 1000000000 : 0;
  }
  b.error = LastError();
  return b;
}

std::optional<std::int64_t> EventSpool::SpooledAtNs(std::string_view name) {
  if (!name.starts_with("e-") || name.size() < 22) return std::nullopt;
  auto ns = ParseCount(name.substr(2, 20));
  if (!ns || *ns > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(*ns);
}

}  // namespace oneipfs
