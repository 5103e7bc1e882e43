// snap_flatten: make an image snapshot the current content and drop all snapshots (oneimage snapshot-flatten).
//
// Like snap_revert, then every snapshot of the image is removed (oned drops
// the snapshot list after a flatten).
// Snapshots of a persistent image are the disk snapshots its VM took, saved
// into the catalog entry by the transfer driver's mvds (image_snapshot.h).
// A "snap_flatten" event in the catalog history; IPFS_HISTORY_KEEP applies.
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/catalog/image_snapshot.h"

namespace oneipfs {
namespace {

Result<std::string> Action(DsContext& ctx) {
  ASSIGN_OR_RETURN(SnapshotTarget t, ImageSnapshotTarget(ctx, "snap_flatten"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  ASSIGN_OR_RETURN(Reverted r, RevertToSnapshot(catalog, t));
  auto all = catalog.Snapshots(t.entry);
  if (!all.ok()) return all.status().Prefixed(t.what);
  for (const auto& s : *all) {
    Status st = catalog.RemoveSnapshot(t.entry, s.number);
    if (!st.ok()) return st.Prefixed(t.what);
  }
  ctx.log.Info(fmt::format("{} flattened to snapshot {} (version {})", t.entry.Source(), t.id, r.version));
  RecordSnapshotEvent(ctx, catalog, t, "snap_flatten", r,
                      fmt::format("snapshot {}; {} snapshot(s) dropped", t.id, all->size()));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("snap_flatten", "make an image snapshot the current content and drop all snapshots", argc, argv, oneipfs::Action);
}
