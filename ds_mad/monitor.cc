// monitor: datastore capacity, printed as USED_MB=, FREE_MB=, TOTAL_MB=.
//
//  USED_MB  bytes referenced by this datastore's catalog entries (every
//           version of every image; content shared by two images counts twice,
//           as oned's per-image sizes do)
//  FREE_MB  what the front-end daemon's repository can still take: the lower
//           of the free space of the repository's file system (statvfs of
//           repo/stat's RepoPath, when it is on this machine) and the room left
//           under the daemon's StorageMax
//  TOTAL_MB the repository's current size plus FREE_MB
// For a system datastore (TYPE 1) there is nothing of ours to measure.
#include <sys/statvfs.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "common/catalog.h"
#include "common/driver.h"

namespace oneipfs {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

Result<std::string> Monitor(DsContext& ctx) {
  const DatastoreDoc& ds = ctx.action.datastore;
  if (ds.id.empty()) return Status::Invalid("the action document has no DATASTORE/ID");
  ctx.ipfs.set_timeout(ctx.config.GetSeconds("IPFS_STAT_TIMEOUT"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  ASSIGN_OR_RETURN(std::uint64_t used, catalog.DatastoreBytes(ds.id));
  ASSIGN_OR_RETURN(RepoStat repo, ctx.ipfs.GetRepoStat());

  std::optional<std::uint64_t> free;
  struct statvfs vfs {};
  if (!repo.repo_path.empty() && ::statvfs(repo.repo_path.c_str(), &vfs) == 0)
    free = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (repo.storage_max > 0) {
    std::uint64_t room = repo.storage_max > repo.repo_size ? repo.storage_max - repo.repo_size : 0;
    free = free ? std::min(*free, room) : room;
  }
  if (!free) return Status::Failed("the daemon reports neither StorageMax nor a local repository path");
  std::uint64_t total = repo.repo_size + *free;
  return fmt::format("USED_MB={}\nFREE_MB={}\nTOTAL_MB={}", (used + kMiB - 1) / kMiB, *free / kMiB, total / kMiB);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("monitor", "report USED_MB, FREE_MB and TOTAL_MB of the datastore", argc, argv,
                              oneipfs::Monitor);
}
