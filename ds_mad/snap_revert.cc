// snap_revert: make an image snapshot the image's current content (oneimage snapshot-revert).
//
// The snapshot's content becomes the next version of the image (the
// content it replaces stays in the history); the snapshot itself stays.
// Snapshots of a persistent image are the disk snapshots its VM took, saved
// into the catalog entry by the transfer driver's mvds (image_snapshot.h).
// A "snap_revert" event in the catalog history; IPFS_HISTORY_KEEP applies.
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/catalog/image_snapshot.h"

namespace oneipfs {
namespace {

Result<std::string> Action(DsContext& ctx) {
  ASSIGN_OR_RETURN(SnapshotTarget t, ImageSnapshotTarget(ctx, "snap_revert"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  ASSIGN_OR_RETURN(Reverted r, RevertToSnapshot(catalog, t));
  ctx.log.Info(fmt::format("{} reverted to snapshot {} (version {})", t.entry.Source(), t.id, r.version));
  RecordSnapshotEvent(ctx, catalog, t, "snap_revert", r, fmt::format("snapshot {}", t.id));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("snap_revert", "make an image snapshot the image's current content", argc, argv, oneipfs::Action);
}
