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

std::uint64_t RoundUpMb(std::uint64_t bytes) { return bytes / kMiB + (bytes % kMiB != 0 ? 1 : 0); }

std::optional<std::string> ReadCache(const std::string& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  std::string path(Trim(line));
  if (path.empty() || path[0] != '/') return std::nullopt;
  return path;
}

// Best effort: a cache that cannot be written only costs another question.
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
