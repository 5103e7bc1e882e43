#include "common/capacity.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/text.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

std::optional<std::string> ReadCache(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  std::string path(Trim(line));
  if (path.empty() || path[0] != '/') return std::nullopt;
  return path;
}

// Best effort: a cache that cannot be written only costs another walk.
void WriteCache(const std::string& file, const std::string& path) {
  std::string tmp = fmt::format("{}.{}.tmp", file, ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return;
    out << path << "\n";
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) std::remove(tmp.c_str());
}

}  // namespace

std::string RepoPathCacheFile(std::string_view dir, std::string_view api) {
  // FNV-1a of the API address: one file per daemon.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : api) h = (h ^ c) * 1099511628211ULL;
  return fmt::format("{}/one-ipfs-repo-path-{:016x}", dir, h);
}

Result<std::string> RepoPathFor(IpfsClient& ipfs, const RepoStat& size_only_stat, std::string_view configured,
                                const std::string& cache_file) {
  if (!configured.empty()) return std::string(configured);
  if (!size_only_stat.repo_path.empty()) return size_only_stat.repo_path;
  if (auto cached = ReadCache(cache_file)) return *cached;
  ASSIGN_OR_RETURN(RepoStat full, ipfs.GetRepoStat(false));
  if (full.repo_path.empty()) return std::string();
  WriteCache(cache_file, full.repo_path);
  return full.repo_path;
}

std::optional<std::uint64_t> FreeBytesAt(const std::string& path) {
  struct statvfs vfs {};
  if (path.empty() || ::statvfs(path.c_str(), &vfs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

Result<Capacity> ComputeCapacity(std::uint64_t used_bytes, const RepoStat& repo,
                                 std::optional<std::uint64_t> fs_free, std::string_view repo_path) {
  Capacity c;
  c.used_mb = used_bytes / kMiB + (used_bytes % kMiB != 0 ? 1 : 0);
  std::uint64_t free = 0;
  if (fs_free) {
    free = *fs_free;
  } else if (repo.storage_max_limited()) {
    free = repo.storage_max > repo.repo_size ? repo.storage_max - repo.repo_size : 0;
    c.from_storage_max = true;
  } else {
    return Status::Failed(fmt::format(
        "cannot tell the free space of the IPFS repository{}: it is not on this machine and the daemon has no "
        "StorageMax; set IPFS_REPO_PATH to a local directory on the repository's file system",
        repo_path.empty() ? "" : fmt::format(" ({})", repo_path)));
  }
  c.free_mb = free / kMiB;
  c.total_mb = (repo.repo_size + free) / kMiB;
  return c;
}

}  // namespace oneipfs
