#include "common/catalog/capacity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <initializer_list>
#include <sstream>

#include <fmt/format.h>

#include "common/base/number.h"
#include "common/base/text.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

std::uint64_t RoundUpMb(std::uint64_t bytes) { return bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0); }

// The memo files live in a shared temporary directory: read only a regular
// file of our own that nobody else may write (nullopt otherwise), written as a
// fresh 0600 file renamed into place. Best effort: a memo that cannot be
// written only costs the calls it would have saved.
std::optional<std::string> ReadOwnFile(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<std::string> text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & 022) == 0 &&
      st.st_size < (64 << 20)) {
    text.emplace();
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) text->append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

void WriteFileAtomically(const std::string& file, const std::string& text) {
  std::string tmp = fmt::format("{}.{}.tmp", file, ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) std::remove(tmp.c_str());
}

std::optional<std::string> ReadCache(const std::string& file) {
  auto text = ReadOwnFile(file);
  if (!text) return std::nullopt;
  std::string path(Trim(text->substr(0, text->find('\n'))));
  if (path.empty() || path[0] != '/') return std::nullopt;
  return path;
}

void WriteCache(const std::string& file, const std::string& path) { WriteFileAtomically(file, path + "\n"); }

std::uint64_t Fnv1a(std::initializer_list<std::string_view> parts) {
  std::uint64_t h = 1469598103934665603ULL;
  for (std::string_view part : parts) {
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;  // separator
  }
  return h;
}

constexpr std::string_view kSizesHeader = "one-ipfs entry sizes 1";

}  // namespace

std::string EntrySizesFile(std::string_view dir, std::string_view api, std::string_view datastore_dir) {
  return fmt::format("{}/one-ipfs-entry-sizes-{:016x}", dir, Fnv1a({api, datastore_dir}));
}

EntrySizeMemo LoadEntrySizes(const std::string& file) {
  EntrySizeMemo memo;
  std::string text = ReadOwnFile(file).value_or("");
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kSizesHeader) return memo;
  while (std::getline(in, line)) {
    auto words = SplitWords(line);
    if (words.size() != 2) return EntrySizeMemo{};  // malformed: trust none of it
    auto bytes = ParseCount(words[1]);
    if (!bytes) return EntrySizeMemo{};
    memo.known[std::string(words[0])] = *bytes;
  }
  return memo;
}

void SaveEntrySizes(const std::string& file, const EntrySizeMemo& memo) {
  std::string text = std::string(kSizesHeader) + "\n";
  for (const auto& [cid, bytes] : memo.seen) text += fmt::format("{} {}\n", cid, bytes);
  WriteFileAtomically(file, text);
}

std::string RepoPathCacheFile(std::string_view dir, std::string_view api) {
  return fmt::format("{}/one-ipfs-repo-path-{:016x}", dir, Fnv1a({api}));  // one file per daemon
}

std::optional<FsSpace> SpaceAt(const std::string& path) {
  struct statvfs vfs {};
  if (path.empty() || ::statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
  return FsSpace{static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize,
                 static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize};
}

Capacity CapacityFromFileSystem(std::uint64_t used_bytes, const FsSpace& fs) {
  Capacity c;
  c.used_mb = RoundUpMb(used_bytes);
  c.free_mb = fs.available / kMiB;
  c.total_mb = fs.size / kMiB;
  return c;
}

Result<Capacity> CapacityFromStorageMax(std::uint64_t used_bytes, const RepoStat& repo, std::string_view repo_path) {
  if (!repo.storage_max_limited())
    return Status::Failed(fmt::format(
        "cannot tell the free space of the IPFS repository{}: it is not on this machine and the daemon has no "
        "StorageMax; set IPFS_REPO_PATH to a local directory on the repository's file system",
        repo_path.empty() ? "" : fmt::format(" ({})", repo_path)));
  Capacity c;
  c.used_mb = RoundUpMb(used_bytes);
  std::uint64_t free = repo.storage_max > repo.repo_size ? repo.storage_max - repo.repo_size : 0;
  c.free_mb = free / kMiB;
  c.total_mb = (repo.repo_size + free) / kMiB;
  c.from_storage_max = true;
  c.repo_path = std::string(repo_path);
  return c;
}

Result<Capacity> MeasureCapacity(IpfsClient& ipfs, std::uint64_t used_bytes, std::string_view configured_path,
                                 const std::string& cache_file, const SpaceFn& space) {
  std::string path(configured_path);
  if (path.empty()) path = ReadCache(cache_file).value_or("");
  if (auto fs = space(path)) {
    Capacity c = CapacityFromFileSystem(used_bytes, *fs);
    c.repo_path = path;
    return c;
  }
  // Not measurable here (or a remembered path that is gone): ask the daemon.
  ASSIGN_OR_RETURN(RepoStat repo, ipfs.GetRepoStat(/*size_only=*/true));
  if (configured_path.empty()) {
    path = repo.repo_path;
    if (path.empty()) {
      ASSIGN_OR_RETURN(RepoStat full, ipfs.GetRepoStat(false));
      path = full.repo_path;
    }
    if (!path.empty() && path[0] == '/') WriteCache(cache_file, path);
    if (auto fs = space(path)) {
      Capacity c = CapacityFromFileSystem(used_bytes, *fs);
      c.repo_path = path;
      return c;
    }
  }
  return CapacityFromStorageMax(used_bytes, repo, path);
}

}  // namespace oneipfs
