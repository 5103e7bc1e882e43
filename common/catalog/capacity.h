// capacity.h: what ds monitor reports about the front-end daemon's repository.
//
// When the repository is on this machine, FREE_MB and TOTAL_MB are those of
// the file system that holds it (statvfs: what `df` prints as Available and
// Size, as OpenNebula's own fs driver reports its datastore's file system),
// and the daemon is not asked anything: js-ipfs answers every `repo/stat`
// (size-only or not) by reading every block of the repository, which made
// monitor's time grow with the repository.
// Only when the repository is not on this machine (statvfs of its path
// fails) is `repo/stat?size-only=true` asked, and then FREE_MB is
// StorageMax - RepoSize and TOTAL_MB RepoSize + FREE_MB when the daemon has
// a StorageMax (from_storage_max; kubo's StorageMax is only the watermark of
// its automatic GC); without one, an error saying to set IPFS_REPO_PATH.
//
// Where the repository is, in this order:
//  1. IPFS_REPO_PATH, when the operator set it (never cached);
//  2. the path remembered in `cache_file` (one per daemon address under
//     IPFS_TMPDIR), used only while statvfs of it works; a path that no
//     longer exists is asked again. Delete the file (or set IPFS_REPO_PATH)
//     when the repository moves to another existing directory;
//  3. RepoPath of `repo/stat?size-only=true` (js-ipfs always gives it),
//     else of one plain `repo/stat` (kubo omits it with size-only and counts
//     every block without); remembered in `cache_file`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/catalog/catalog.h"
#include "common/ipfs/ipfs.h"
#include "common/base/status.h"

namespace oneipfs {

struct Capacity {
  std::uint64_t used_mb = 0, free_mb = 0, total_mb = 0;
  bool from_storage_max = false;  // no local file system to measure: the soft limit was used
  std::string repo_path;          // where the repository is ("" when the daemon did not say)
};

// A file system's space in bytes: available to unprivileged users, and its size.
struct FsSpace {
  std::uint64_t available = 0, size = 0;
};
// statvfs of `path`; nullopt when `path` is empty or not on this machine.
std::optional<FsSpace> SpaceAt(const std::string& path);
using SpaceFn = std::function<std::optional<FsSpace>(const std::string& path)>;

// The cache file for the daemon at `api` under `dir`.
std::string RepoPathCacheFile(std::string_view dir, std::string_view api);

// USED_MB's memo (catalog.h, EntrySizeMemo) kept between monitor calls in
// `file` (one per daemon address and catalog datastore directory, under
// IPFS_TMPDIR): "<entry dir CID> <bytes>" lines. Values are keyed by CIDs,
// so they cannot go stale. A file that is missing, unreadable, malformed or
// not owned by this user is ignored (the entries are listed again); saving
// is best effort (mode 0600, written aside and renamed), and keeps only the
// entries of this call.
std::string EntrySizesFile(std::string_view dir, std::string_view api, std::string_view datastore_dir);
EntrySizeMemo LoadEntrySizes(const std::string& file);
void SaveEntrySizes(const std::string& file, const EntrySizeMemo& memo);

// USED_MB is `used_bytes` rounded up; FREE_MB/TOTAL_MB as above. `space`
// stands for statvfs (tests).
Result<Capacity> MeasureCapacity(IpfsClient& ipfs, std::uint64_t used_bytes, std::string_view configured_path,
                                 const std::string& cache_file, const SpaceFn& space = SpaceAt);

// The arithmetic of the two cases.
Capacity CapacityFromFileSystem(std::uint64_t used_bytes, const FsSpace& fs);
Result<Capacity> CapacityFromStorageMax(std::uint64_t used_bytes, const RepoStat& repo, std::string_view repo_path);

}  // namespace oneipfs
