// capacity.h: what ds monitor reports about the front-end daemon's repository.
//
// FREE_MB is the free space of the file system that holds the daemon's
// repository, not StorageMax - RepoSize: kubo's StorageMax (10 GB by default)
// is only the watermark of its automatic GC, and the repository may grow past
// it. RepoSize comes from `repo/stat?size-only=true`, which on kubo does not
// walk every block.
//
// Where the repository is (RepoPathFor), in this order:
//  1. IPFS_REPO_PATH, when the operator set it;
//  2. RepoPath of the size-only reply, when the daemon gives it (js-ipfs
//     ignores size-only and always does);
//  3. RepoPath of one plain `repo/stat` (kubo counts every block for it),
//     remembered in `cache_file` so that this walk happens once; delete the
//     file (or set IPFS_REPO_PATH) when the repository moves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ipfs.h"
#include "common/status.h"

namespace oneipfs {

struct Capacity {
  std::uint64_t used_mb = 0, free_mb = 0, total_mb = 0;
  bool from_storage_max = false;  // no local file system to measure: the soft limit was used
};

Result<std::string> RepoPathFor(IpfsClient& ipfs, const RepoStat& size_only_stat, std::string_view configured,
                                const std::string& cache_file);

// The cache file for the daemon at `api` under `dir`.
std::string RepoPathCacheFile(std::string_view dir, std::string_view api);

// Bytes available to unprivileged users on the file system holding `path`;
// nullopt when `path` is not on this machine (statvfs fails).
std::optional<std::uint64_t> FreeBytesAt(const std::string& path);

// USED_MB: `used_bytes` rounded up. FREE_MB: `fs_free` when known; otherwise
// StorageMax - RepoSize when the daemon has a StorageMax (from_storage_max);
// otherwise Status::Failed saying to set IPFS_REPO_PATH. TOTAL_MB: RepoSize +
// free.
Result<Capacity> ComputeCapacity(std::uint64_t used_bytes, const RepoStat& repo,
                                 std::optional<std::uint64_t> fs_free, std::string_view repo_path);

}  // namespace oneipfs
