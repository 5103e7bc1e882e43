// snap_delete: delete an image snapshot (oneimage snapshot-delete).
//
// Removes snapshot TARGET_SNAPSHOT ("snap-<id>") from the image's catalog
// entry. Already gone is not an error. A "snap_delete" event in the catalog
// history (history.h) records the snapshot's content.
// Snapshots of a persistent image are the disk snapshots its VM took, saved
// into the catalog entry by the transfer driver's mvds (image_snapshot.h).
#include <fmt/format.h>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/catalog/image_snapshot.h"

namespace oneipfs {
namespace {

Result<std::string> Action(DsContext& ctx) {
  ASSIGN_OR_RETURN(SnapshotTarget t, ImageSnapshotTarget(ctx, "snap_delete"));
  Catalog catalog(ctx.ipfs, ctx.config.Get("IPFS_CATALOG"));
  Reverted gone;  // what the event records: the snapshot's content
  if (auto snaps = catalog.Snapshots(t.entry); snaps.ok())
    for (const auto& s : *snaps)
      if (s.number == t.id) gone = Reverted{0, "", s.cid, s.size};
  Status st = catalog.RemoveSnapshot(t.entry, t.id);
  if (!st.ok() && st.code() != Status::Code::kNotFound) return st.Prefixed(t.what);
  ctx.log.Info(fmt::format("snapshot {} of {} deleted", t.id, t.entry.Source()));
  if (st.ok()) RecordSnapshotEvent(ctx, catalog, t, "snap_delete", gone, fmt::format("snapshot {}", t.id));
  return std::string();
}

}  // namespace
}  // namespace oneipfs

int main(int argc, char** argv) {
  return oneipfs::RunDsAction("snap_delete", "delete an image snapshot", argc, argv, oneipfs::Action);
}
