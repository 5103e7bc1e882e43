// monitor: datastore capacity, printed as USED_MB=, FREE_MB=, TOTAL_MB=.
//
//  USED_MB  bytes referenced by this datastore's catalog entries (every
//           version of every image; content shared by two images counts twice,
//           as oned's per-image sizes do)
//  FREE_MB  free space (df's Available) of the file system holding the
//           front-end daemon's repository; TOTAL_MB its size (df's Size), as
//           OpenNebula's fs driver reports its own datastore's file system.
//           Where the repository is: capacity.h (IPFS_REPO_PATH, else asked
//           once and remembered under IPFS_TMPDIR). Only when the repository
//           is not on this machine is the daemon's StorageMax used (FREE_MB =
//           StorageMax - RepoSize, TOTAL_MB = RepoSize + FREE_MB, from
//           `repo/stat?size-only=true`), with an INFO line saying so.
// Daemon calls: one files/ls of the datastore's catalog directory; for each
// image entry changed since the last monitor (its CID is not in the memo
// under IPFS_TMPDIR, capacity.h) a files/ls and a files/stat of it; and only
// while the repository's place is not known, repo/stat. Each is bounded by
// IPFS_STAT_TIMEOUT.
// For a system datastore (TYPE 1) there is nothing of ours to measure.
#include <fmt/format.h>

#include "common/catalog/capacity.h"
#include "common/catalog/catalog.h"
#include "common/one/driver.h"

namespace oneipfs {
namespace {

Result<std::string> Monitor(DsContext& ctx) {
  const DatastoreDoc& ds = ctx.action.datastore;
  if (ds.id.empty()) return Status::Invalid("the action document has no DATASTORE/ID");
  ctx.ipfs.set_timeout(ctx.config.GetSeconds("IPFS_STAT_TIMEOUT"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  // Entries unchanged since the last call (same CID) are not listed again.
  std::string sizes_file = EntrySizesFile(ctx.config.Get("IPFS_TMPDIR"), ctx.config.Get("IPFS_API"),
                                          catalog.DatastoreDir(ds.id));
  EntrySizeMemo memo = LoadEntrySizes(sizes_file);
  ASSIGN_OR_RETURN(std::uint64_t used, catalog.DatastoreBytes(ds.id, &memo));
  SaveEntrySizes(sizes_file, memo);
  ASSIGN_OR_RETURN(Capacity c,
                   MeasureCapacity(ctx.ipfs, used, ctx.config.Get("IPFS_REPO_PATH"),
                                   RepoPathCacheFile(ctx.config.Get("IPFS_TMPDIR"), ctx.config.Get("IPFS_API"))));
  if (c.from_storage_max)
    ctx.log.Info(fmt::format("the IPFS repository{} is not on this machine: FREE_MB is StorageMax - RepoSize, a soft "
                             "limit; set IPFS_REPO_PATH to measure the file system",
                             c.repo_path.empty() ? "" : " " + c.repo_path));
  return fmt::format("USED_MB={}\nFREE_MB={}\nTOTAL_MB={}", c.used_mb, c.free_mb, c.total_mb);
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("monitor", "report USED_MB, FREE_MB and TOTAL_MB of the datastore", argc, argv,
                              oneipfs::Monitor);
}
