// image_snapshot.h: what the image snapshot actions (ds snap_delete,
// snap_revert, snap_flatten) share.
//
// ImageSnapshotTarget reads IMAGE/SOURCE (the image's own catalog entry,
// catalog.h "Ownership": never an alias's original) and
// IMAGE/TARGET_SNAPSHOT (a snapshot id) from the action document; either
// one malformed or a SOURCE that is not the image's own entry is an Invalid
// error whose message starts with `what`
// ("cannot snap_revert image 5 snapshot 0"). RevertToSnapshot makes the
// saved snapshot the image's next version (the replaced content stays as
// history); NotFound when the image has no such snapshot.
// RecordSnapshotEvent: the action's event in the catalog history
// (history.h), then IPFS_HISTORY_KEEP applied (retention.h) when a version
// was added, each pruned version a "prune" event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/catalog/catalog.h"
#include "common/one/driver.h"
#include "common/base/status.h"

namespace oneipfs {

struct SnapshotTarget {
  CatalogEntry entry;
  std::uint64_t id = 0;
  std::string what;  // message prefix naming the action, image and snapshot
};

Result<SnapshotTarget> ImageSnapshotTarget(const DsContext& ctx, std::string_view action);
struct Reverted {
  std::uint64_t version = 0;  // the new version
  std::string cid, old_cid;   // its content, and the one it replaced
  std::uint64_t size = 0;
};
Result<Reverted> RevertToSnapshot(Catalog& catalog, const SnapshotTarget& t);

void RecordSnapshotEvent(DsContext& ctx, Catalog& catalog, const SnapshotTarget& t, std::string_view action,
                         const Reverted& r, std::string detail);

}  // namespace oneipfs
