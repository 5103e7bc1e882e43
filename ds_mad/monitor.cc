// monitor: datastore capacity, printed as USED_MB=, FREE_MB=, TOTAL_MB=.
//
//  USED_MB  bytes referenced by this datastore's catalog entries (every
//           version of every image; content shared by two images counts twice,
//           as oned's per-image sizes do)
//  FREE_MB  free space of the file system holding the front-end daemon's
//           repository (statvfs; where the repository is: capacity.h, from
//           IPFS_REPO_PATH, the daemon's reply, or one plain repo/stat
//           remembered under IPFS_TMPDIR). Not StorageMax - RepoSize: kubo's
//           StorageMax is only its GC watermark. Only when the repository is
//           not on this machine and the daemon has a StorageMax is that used,
//           with an INFO line saying so.
//  TOTAL_MB the repository's current size plus FREE_MB
// RepoSize comes from `repo/stat?size-only=true` (kubo does not walk every
// block for it). Every daemon call is bounded by IPFS_STAT_TIMEOUT.
// For a system datastore (TYPE 1) there is nothing of ours to measure.
#include <fmt/format.h>

#include "common/capacity.h"
#include "common/catalog.h"
#include "common/driver.h"

namespace oneipfs {
namespace {

Result<std::string> Monitor(DsContext& ctx) {
  const DatastoreDoc& ds = ctx.action.datastore;
  if (ds.id.empty()) return Status::Invalid("the action document has no DATASTORE/ID");
  ctx.ipfs.set_timeout(ctx.config.GetSeconds("IPFS_STAT_TIMEOUT"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  ASSIGN_OR_RETURN(std::uint64_t used, catalog.DatastoreBytes(ds.id));
  ASSIGN_OR_RETURN(RepoStat repo, ctx.ipfs.GetRepoStat(/*size_only=*/true));
  ASSIGN_OR_RETURN(std::string repo_path,
                   RepoPathFor(ctx.ipfs, repo, ctx.config.Get("IPFS_REPO_PATH"),
                               RepoPathCacheFile(ctx.config.Get("IPFS_TMPDIR"), ctx.config.Get("IPFS_API"))));
  ASSIGN_OR_RETURN(Capacity c, ComputeCapacity(used, repo, FreeBytesAt(repo_path), repo_path));
  if (c.from_storage_max)
    ctx.log.Info(fmt::format("the IPFS repository{} is not on this machine: FREE_MB is StorageMax - RepoSize, a soft "
                             "limit; set IPFS_REPO_PATH to measure the file system",
                             repo_path.empty() ? "" : " " + repo_path));
  return fmt::format("USED_MB={}\nFREE_MB={}\nTOTAL_MB={}", c.used_mb, c.free_mb, c.total_mb);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("monitor", "report USED_MB, FREE_MB and TOTAL_MB of the datastore", argc, argv,
                              oneipfs::Monitor);
}
